"""Reading a spreadsheet into rows of cells: XLSX (openpyxl, first sheet, values not formulas)
or CSV in UTF-8 (with or without BOM), GBK/GB18030, or Excel's UTF-16 "Unicode text" (tabs)."""
from __future__ import annotations

import csv
import io
import zipfile


def read_table(data: bytes, filename: str) -> list[tuple[int, list]]:
    """(row number as the spreadsheet shows it, cells) for every row; raises ValueError (zh-CN)
    when the file is neither a readable CSV nor an XLSX workbook."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    return _read_csv(data)


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError("文件不是有效的 XLSX 工作簿（旧版 .xls 请另存为 .xlsx 或 CSV）。") from exc
    try:
        sheet = book.worksheets[0]
        return [(number, list(cells)) for number, cells in enumerate(
            sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    # Excel's "Unicode text" is UTF-16 with a BOM and tabs; the rest is UTF-8 or GBK with commas.
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValueError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。")
    if "\x00" in text:
        raise ValueError("文件含有空字符（可能是二进制文件），请另存为 CSV 或 XLSX。")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
