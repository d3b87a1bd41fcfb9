"""The shape every figure answers with: a table (typed columns, rows) with its definition, which
the dashboard draws as a chart beside the table and exports as XLSX and CSV unchanged.

Column types: `text`, `month` (YYYY-MM, a date cell in XLSX), `int`, `hours` (class hours, one
decimal) and `percent` (0–100, one decimal, rounded half up; null when the denominator is 0).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

GROUP_COLUMNS = {"month": ("group", "月份", "month"), "team": ("group", "中队", "text"),
                 "officer": ("group", "执法人员", "text")}
GROUP_BY = tuple(GROUP_COLUMNS)


def percent(numerator: int, denominator: int) -> float | None:
    """100 × numerator / denominator, one decimal, half up; None when nothing to divide by."""
    if not denominator:
        return None
    value = (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def hours(tenths: int) -> float:
    return float(Decimal(tenths) / 10)


def column(key: str, label: str, kind: str) -> dict:
    return {"key": key, "label": label, "type": kind}


def figure(figure_id: str, title: str, definition: str, columns: list[dict], rows: list[dict], *,
           chart: dict | None = None, available: bool = True, reason: str | None = None) -> dict:
    return {"id": figure_id, "title": title, "definition": definition, "columns": columns,
            "rows": rows, "chart": chart, "available": available, "reason": reason}


def group_column(group_by: str) -> dict:
    return column(*GROUP_COLUMNS[group_by])
