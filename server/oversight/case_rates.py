"""查处率 and 结案率 (P-9): the cases module counts findings, their dispositions and cases
(`cases.monitor.compute_rates(period, group_by)`); this adapts its rows to the dashboard's table,
month by month and within the asker's scope.
"""
from __future__ import annotations

from datetime import timedelta

from ..cases.monitor import compute_rates
from . import facts as loading
from .period import Period, month_key, next_month
from .scope import Scope
from .tables import column, figure, group_column, percent


def _case_rate_rows(compute_rates, period: Period, group_by: str, scope: Scope) -> list[dict]:
    """Rows of the cases module's counts for `scope`: per month (the bureau, the team or the
    officer asked for), or per team or officer over the whole period."""
    if scope.officer_id is not None:
        narrow, keep = "officer", {scope.officer_id}
    elif scope.team_id is not None:
        narrow, keep = "team", {scope.team_id}
    else:
        narrow, keep = None, None
    if group_by == "month":
        found = []
        for month in period.months:
            rows = [r for r in compute_rates((month, next_month(month) - timedelta(days=1)), narrow)
                    if keep is None or r["group"] in keep]
            found.append({"label": month_key(month), **{k: sum(r[k] for r in rows) for k in CASE_COUNTS}})
        return found
    rows = compute_rates((period.first, period.last_day), group_by)
    if keep is not None:
        members = keep if group_by == narrow else (
            {o.id for o in loading.load_officers(scope)} if group_by == "officer" else {scope.team_id})
        rows = [r for r in rows if r["group"] in members]
    return [{"label": r["label"], **{k: r[k] for k in CASE_COUNTS}} for r in rows]


CASE_COUNTS = ("findings", "handled", "opened", "closed")


def case_rates(period: Period, group_by: str, scope: Scope) -> dict:
    """查处率 and 结案率 from the cases module (`cases.monitor.compute_rates(period, group_by)`)."""
    columns = [group_column(group_by), column("findings", "发现问题数", "int"), column("handled", "已处理数", "int"),
               column("handling_rate", "查处率(%)", "percent"), column("opened", "立案数", "int"),
               column("closed", "已结案数", "int"), column("closing_rate", "结案率(%)", "percent")]
    definition = ("查处率 = 已依法处理（责令改正、简易程序处罚或立案）的问题数 ÷ 审核通过的检查中发现的问题数"
                  "（不予处罚不计为处理，按检查日期归入期间）；"
                  "结案率 = 期间内立案的案件中已结案的数量 ÷ 期间内立案数。")
    rows = [{"group": r["label"], **{k: r[k] for k in CASE_COUNTS},
             "handling_rate": percent(r["handled"], r["findings"]), "closing_rate": percent(r["closed"], r["opened"])}
            for r in _case_rate_rows(compute_rates, period, group_by, scope)]
    return figure("case_rates", "查处率、结案率", definition, columns, rows,
                  chart={"type": "bar", "x": "group", "series": ["handling_rate", "closing_rate"], "max": 100})
