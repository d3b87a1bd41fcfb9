"""A figure's table as a file that opens cleanly in WPS and Excel: CSV in UTF-8 with a BOM and
CRLF line ends (Excel guesses the encoding from the BOM), or XLSX with typed cells (numbers as
numbers, months as dates shown YYYY-MM, percentages with one decimal), a title row and the
figure's definition underneath."""
from __future__ import annotations

import csv
import io
from datetime import date

from .period import Period

CSV_TYPE = "text/csv; charset=utf-8"
# A text cell starting with one of these is a formula to Excel and WPS (CSV injection): it is
# written with a leading apostrophe in CSV and as a plain string cell in XLSX.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value, kind: str):
    if value is None:
        return None
    if kind == "month":
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def figure_csv(figure: dict) -> bytes:
    """The table, a header row of its column labels; an empty cell where a rate has no denominator."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c["label"] for c in figure["columns"]])
    for row in figure["rows"]:
        writer.writerow([_csv_text(row.get(c["key"])) for c in figure["columns"]])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


FORMATS = {"int": "0", "hours": "0.0", "percent": "0.0", "month": "yyyy-mm"}


def figure_xlsx(figure: dict, period: Period, scope_label: str) -> bytes:
    """One sheet: the header row first (so the file reads back as a table), the definition and
    period below the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = figure["title"][:31].replace("/", "、")
    columns = figure["columns"]
    sheet.append([c["label"] for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(figure["rows"], start=2):
        sheet.append([_cell(row.get(c["key"]), c["type"]) for c in columns])
        for cell in sheet[number]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    for index, c in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, 2 * len(c["label"]) + 4))
        if c["type"] in FORMATS:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=len(figure["rows"]) + 1,
                                           min_col=index, max_col=index):
                cell.number_format = FORMATS[c["type"]]
    sheet.freeze_panes = "A2"
    below = len(figure["rows"]) + 3
    for offset, text in enumerate((f"{figure['title']}（{scope_label}，{period.label()}）",
                                   f"口径：{figure['definition']}")):
        cell = sheet.cell(row=below + offset, column=1, value=text)
        cell.alignment = Alignment(wrap_text=False)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
