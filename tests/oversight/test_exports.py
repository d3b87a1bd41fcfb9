"""Each figure's table exports to CSV (UTF-8 with BOM, CRLF: what Excel and WPS open without
asking) and XLSX (typed cells), and both read back to the numbers the API shows."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.oversight.history import build_history, key, months


@pytest.fixture
def admin(app):
    build_history(app)
    client = app.test_client()
    client.login("admin")
    return client


def query(**extra) -> dict:
    m2, m1 = months()
    return {"from": key(m2), "to": key(m1), **extra}


def shown(client, figure_id: str, group_by: str) -> dict:
    answer = client.get("/api/oversight/figures", query_string=query(group_by=group_by)).get_json()
    return next(f for f in answer["figures"] if f["id"] == figure_id)


def as_table(figure: dict) -> list[list]:
    return [[c["label"] for c in figure["columns"]]] + [[row[c["key"]] for c in figure["columns"]]
                                                        for row in figure["rows"]]


@pytest.mark.parametrize(("figure_id", "group_by"), [("handheld_rate", "month"), ("training_hours", "team"),
                                                     ("findings_by_item", "month"), ("certificate_rate", "officer")])
def test_csv_and_xlsx_read_back_to_the_numbers_shown(admin, figure_id, group_by):
    figure = shown(admin, figure_id, group_by)
    types = [c["type"] for c in figure["columns"]]

    url = f"/api/oversight/figures/{figure_id}/export"
    answer = admin.get(url, query_string=query(group_by=group_by, format="csv"))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    raw = answer.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))

    def typed(cell, kind):
        if cell == "":
            return None
        return {"int": int, "hours": float, "percent": float}.get(kind, str)(cell)

    parsed = [[typed(c, t) for c, t in zip(line, types, strict=True)] for line in lines[1:]]
    assert [lines[0]] + parsed == as_table(figure)

    answer = admin.get(url, query_string=query(group_by=group_by, format="xlsx"))
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    table = []
    for row in sheet.iter_rows():
        if all(cell.value is None for cell in row):
            break
        table.append([cell.value for cell in row][:len(types)])
    for line in table[1:]:
        for index, kind in enumerate(types):
            if kind == "month":
                assert isinstance(line[index], datetime), line
                line[index] = line[index].strftime("%Y-%m")
            elif kind in ("int", "hours", "percent") and line[index] is not None:
                assert isinstance(line[index], int | float), line
    assert table == as_table(figure)
    below = [row[0].value for row in sheet.iter_rows(min_row=len(table) + 1) if row[0].value]
    assert below[-1] == f"口径：{figure['definition']}"


def test_a_supervisor_exports_only_their_team(app):
    history = build_history(app)
    supervisor = app.test_client()
    supervisor.login("supervisor2")
    answer = supervisor.get("/api/oversight/figures/handheld_rate/export",
                            query_string=query(group_by="team", format="csv"))
    lines = answer.get_data().decode("utf-8-sig").split("\r\n")
    assert lines[1:] == ["执法B中队,1,2,50.0", ""]
    other = supervisor.get("/api/oversight/figures/handheld_rate/export",
                           query_string=query(group_by="team", format="csv", team=history["teams"]["officer1"]))
    assert other.status_code == 403


def test_text_that_looks_like_a_formula_stays_text(app):
    """A name typed by a user (a team, an officer) that starts with = + - @ must not become a
    formula in Excel or WPS: CSV gets a leading apostrophe, XLSX a string cell."""
    from server.oversight.exports import figure_csv, figure_xlsx
    from server.oversight.period import parse_period

    figure = {"id": "handheld_rate", "title": "掌上执法率", "definition": "口径", "rows": [
        {"group": "=HYPERLINK(\"http://x\",\"y\")", "total": -1}, {"group": "@SUM(A1)", "total": 2}],
        "columns": [{"key": "group", "label": "中队", "type": "text"}, {"key": "total", "label": "数", "type": "int"}]}
    lines = figure_csv(figure).decode("utf-8-sig").split("\r\n")
    assert lines[1:3] == ['"\'=HYPERLINK(""http://x"",""y"")",-1', "'@SUM(A1),2"]
    sheet = load_workbook(io.BytesIO(figure_xlsx(figure, parse_period("2026-01", "2026-01"), "全局"))).active
    assert [(c.value, c.data_type) for c in sheet[2]] == [("=HYPERLINK(\"http://x\",\"y\")", "s"), (-1, "n")]
    assert sheet["A3"].data_type == "s"
