"""Figures about the officers themselves (P-15): the certificate rate (持证率), training hours
toward 60 over the rolling three years (三年轮训), and the legal reviewers' share against 5 %.

A certificate is read from the officers' registry (`officer_certificates`, server/officers/):
an officer holds a valid certificate on a day when one of their certificates, not revoked, covers
it, so a past month reads the certificate held then. An officer with no row there is read from
the certificate registered on the account.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..officers.models import OfficerCertificate
from ..training import service as training
from ..training.models import TARGET_HOURS
from . import facts as loading
from .period import Period, month_key, next_month
from .scope import Scope
from .tables import column, figure, group_column, hours, percent

LEGAL_REVIEWER_TARGET = 5  # per cent of officers (the plan, P-2/P-15)


def _groups_of_officers(officers, group_by: str, period: Period) -> list[tuple[str, object, list]]:
    """(label, as-of day or month, officers) per group: months read on their own last day."""
    if group_by == "month":
        return [(month_key(m), m, officers) for m in period.months]
    if group_by == "officer":
        return [(o.display_name, None, [o]) for o in officers]
    teams = defaultdict(list)
    for officer in officers:
        teams[officer.team.name if officer.team else "（未分中队）"].append(officer)
    return [(name, None, members) for name, members in sorted(teams.items())]


def certificate_holding(officers) -> dict:
    """Officer id -> a function telling whether they held a valid certificate on a day."""
    history = defaultdict(list)
    if officers:
        for certificate in db.session.execute(sa.select(OfficerCertificate).where(
                OfficerCertificate.user_id.in_([o.id for o in officers]))).unique().scalars():
            history[certificate.user_id].append(certificate)
    return {o.id: (lambda day, held=history[o.id]: any(c.valid_on(day) for c in held)) if history[o.id]
            else (lambda day, o=o: o.certificate_state(day) == "valid") for o in officers}


def certificate_rate(scope: Scope, period: Period, group_by: str) -> dict:
    officers = loading.load_officers(scope)
    holds = certificate_holding(officers)
    rows = []
    for label, month, members in _groups_of_officers(officers, group_by, period):
        on = period.as_of(month)
        valid = sum(holds[o.id](on) for o in members)
        rows.append({"group": label, "as_of": on.isoformat(), "valid": valid, "officers": len(members),
                     "rate": percent(valid, len(members))})
    return figure(
        "certificate_rate", "持证率",
        "持证率 = 持有效执法证的执法人员数 ÷ 执法人员数 × 100%。执法人员：在用的、具有“执法人员”角色的账号"
        "（按现所在中队归队）。有效：执法证号已登记，且统计日（各月最后一天；本月或整个期间为截至今天）在证件"
        "有效期内且未被吊销（按执法人员库中的执法证历史判断，当月持有的证件计入；库中没有记录的，以账号上登记的执法证为准）。",
        [group_column(group_by), column("as_of", "统计日", "text"), column("valid", "持有效证人数", "int"),
         column("officers", "执法人员数", "int"), column("rate", "持证率(%)", "percent")],
        rows, chart={"type": "bar", "x": "group", "series": ["rate"], "max": 100})


def training_hours(scope: Scope, period: Period, group_by: str) -> dict:
    officers = loading.load_officers(scope)
    rows = []
    for label, month, members in _groups_of_officers(officers, group_by, period):
        member_ids = [o.id for o in members]
        first = month or period.first
        last = next_month(month or period.last) - timedelta(days=1)
        done = training.hours_tenths(member_ids, first, last)
        on = period.as_of(month)
        window = training.rolling_window(on)
        rolling = training.hours_tenths(member_ids, *window)
        reached = sum(rolling[i] >= TARGET_HOURS * 10 for i in member_ids)
        rows.append({"group": label, "done": training_hours_sum(done), "rolling": training_hours_sum(rolling),
                     "as_of": on.isoformat(), "officers": len(members), "reached": reached,
                     "rate": percent(reached, len(members))})
    return figure(
        "training_hours", "培训学时与 60 学时达标",
        "期间学时：统计期间内结业的培训课程学时合计（按结业日期归月）。近三年学时：截至统计日（各月最后一天；"
        "本月或整个期间为截至今天）滚动三年内结业的学时合计。达标：本人近三年学时不少于 60 学时"
        "（三年轮训，每人三年不少于 60 学时）。达标率 = 达标人数 ÷ 执法人员数 × 100%。",
        [group_column(group_by), column("done", "期间学时", "hours"), column("rolling", "近三年学时", "hours"),
         column("as_of", "统计日", "text"), column("officers", "执法人员数", "int"),
         column("reached", "达到60学时人数", "int"), column("rate", "达标率(%)", "percent")],
        rows, chart={"type": "bar", "x": "group", "series": ["rate"], "max": 100})


def training_hours_sum(per_officer: dict[int, int]) -> float:
    return hours(sum(per_officer.values()))


def legal_reviewer_share(scope: Scope, period: Period, group_by: str) -> dict:
    reviewers, officers = loading.count_role("legal_reviewer"), loading.count_role("officer")
    share = percent(reviewers, officers)
    rows = [{"group": "全局", "reviewers": reviewers, "officers": officers, "share": share,
             "target": float(LEGAL_REVIEWER_TARGET),
             "met": "是" if share is not None and share >= LEGAL_REVIEWER_TARGET else "否"}]
    return figure(
        "legal_reviewer_share", "法制审核人员占比",
        "法制审核人员占比 = 具有“法制审核人员”角色的在用账号数 ÷ 具有“执法人员”角色的在用账号数 × 100%，"
        "目标不低于 5%。这是全局指标（截至今天），不按月、中队或人员拆分。",
        [column("group", "范围", "text"), column("reviewers", "法制审核人员数", "int"),
         column("officers", "执法人员数", "int"), column("share", "占比(%)", "percent"),
         column("target", "目标(%)", "percent"), column("met", "是否达标", "text")],
        rows, chart={"type": "gauge", "value": "share", "target": LEGAL_REVIEWER_TARGET})
