"""Each officer's performance figures (P-15, 执法人员库: 绩效): inspections, findings, what was
done about them (查处率), cases opened and closed (结案率) and evidence flags, over the period, one
row per officer in scope (supervisors their team's, officers their own). The grouping asked for
does not apply: it is the registry's view, officer by officer.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from ..cases.monitor import compute_rates
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..inspections.models import Evidence
from . import facts as loading
from .period import Period
from .scope import Scope
from .tables import column, figure, percent

DEFINITION = (
    "每位执法人员在统计期间内：参加的现场检查数（计数规则同掌上执法率，每位参加人员各计一次）；"
    "发现问题数（这些检查中判定为“不符合”的检查项数）；已处理数与查处率、立案数与结案率（定义同“查处率、结案率”，"
    "按审核通过的检查计）；证据异常标记数（这些检查已收到的证据文件中带有异常标记的个数）。"
    "管理员看全部人员，中队长看本中队，执法人员只看本人。")


def _flagged(inspections) -> dict:
    """Evidence files with a flag, per inspection UUID (one query)."""
    uuids = [fact.uuid for fact in inspections]
    if not uuids:
        return {}
    rows = db.session.execute(sa.select(Evidence.inspection_uuid, EvidenceFile.flags)
                              .join(EvidenceFile, EvidenceFile.evidence_uuid == Evidence.uuid)
                              .where(Evidence.inspection_uuid.in_(uuids))).all()
    return Counter(uuid for uuid, flags in rows if flags)


def officer_performance(inspections, group_by: str, scope: Scope, period: Period) -> dict:
    officers = loading.load_officers(scope)
    done, findings, flagged = Counter(), Counter(), Counter()
    flags = _flagged(inspections)
    for fact in inspections:
        for officer_id in fact.officer_ids:
            done[officer_id] += 1
            findings[officer_id] += len(fact.failed_items)
            flagged[officer_id] += flags.get(fact.uuid, 0)
    rates = {r["group"]: r for r in compute_rates((period.first, period.last_day), "officer")}
    rows = []
    for officer in officers:
        r = rates.get(officer.id, {"handled": 0, "findings": 0, "opened": 0, "closed": 0})
        rows.append({"group": officer.display_name, "team": officer.team.name if officer.team else "（未分中队）",
                     "inspections": done[officer.id], "findings": findings[officer.id],
                     "handled": r["handled"], "handling_rate": percent(r["handled"], r["findings"]),
                     "opened": r["opened"], "closed": r["closed"],
                     "closing_rate": percent(r["closed"], r["opened"]), "flagged": flagged[officer.id]})
    return figure("officer_performance", "执法人员绩效", DEFINITION,
                  [column("group", "执法人员", "text"), column("team", "中队", "text"),
                   column("inspections", "检查数", "int"), column("findings", "发现问题数", "int"),
                   column("handled", "已处理数", "int"), column("handling_rate", "查处率(%)", "percent"),
                   column("opened", "立案数", "int"), column("closed", "已结案数", "int"),
                   column("closing_rate", "结案率(%)", "percent"), column("flagged", "证据异常标记数", "int")],
                  rows, chart={"type": "bar", "x": "group", "series": ["inspections", "findings"]})
