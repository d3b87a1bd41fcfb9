"""The rules that raise early warnings (预警, P-11), each a function of the records returning
candidates: the facts that make the warning (its fingerprint: the same facts never raise it
twice), whom it concerns and the records behind it.

"Far more often" (evidence flags) is a one-sided exact binomial test: an officer whose k of n
evidence files received in the last 90 days carry a flag, against the rate p of the rest of their
team over the same days, is warned about when n >= 5, k >= 3, k/n > p and
P(X >= k | X ~ Binomial(n, p)) < 0.01: fewer than one officer in a hundred would be flagged that
often by chance if they were like their colleagues.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..clock import local_today, to_local
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..inspections.models import Evidence, Inspection
from ..training import service as training
from ..training.models import TARGET_HOURS
from . import facts as loading
from .scope import Scope

LOOKBACK_DAYS = 365
CERTIFICATE_DAYS = 30
INCOMPLETE_HOURS = 24
FLAG_WINDOW_DAYS, FLAG_MIN_FILES, FLAG_MIN_FLAGGED, FLAG_P_VALUE = 90, 5, 3, 0.01
HANDHELD_GAP_DAYS = 7


@dataclass
class Candidate:
    kind: str
    facts: list
    team_id: int | None
    officer_id: int | None
    title: str
    detail: str
    links: list[dict]


def inspection_link(fact) -> dict:
    return {"type": "inspection", "id": str(fact.uuid),
            "label": f"{to_local(fact.started_at):%Y-%m-%d %H:%M} {fact.subject_name}"}


def officer_link(officer) -> dict:
    return {"type": "officer", "id": officer.id, "label": officer.display_name}


SPACES = re.compile(r"\s+")


def subject_key(fact) -> str:
    """The same subject across inspections: its kind and its name without spaces, upper case."""
    return f"{fact.subject_kind}:{SPACES.sub('', fact.subject_name).upper()}"


def repeat_findings(inspections, days: int) -> list[Candidate]:
    """A subject with findings (不符合) in two inspections started within `days` days."""
    found = defaultdict(list)
    for fact in inspections:
        if fact.failed_items:
            found[subject_key(fact)].append(fact)
    out = []
    for key, facts in found.items():
        facts.sort(key=lambda f: f.started_at)
        for earlier, later in zip(facts, facts[1:], strict=False):
            gap = later.started_at - earlier.started_at
            if gap <= timedelta(days=days):
                out.append(Candidate(
                    "repeat_findings", [key, str(earlier.root_uuid), str(later.root_uuid)], later.team_id, None,
                    f"{later.subject_name}：{gap.days + 1} 天内两次检查发现问题",
                    f"被检查对象“{later.subject_name}”在 {to_local(earlier.started_at):%Y-%m-%d} 和 "
                    f"{to_local(later.started_at):%Y-%m-%d} 的检查中均有不符合项（{days} 天内），请关注整改落实。",
                    [inspection_link(earlier), inspection_link(later)]))
    return out


def certificates_expiring(officers) -> list[Candidate]:
    today = local_today()
    out = []
    for officer in officers:
        until = officer.certificate_valid_until
        if officer.certificate_number and until and today <= until <= today + timedelta(days=CERTIFICATE_DAYS):
            out.append(Candidate(
                "certificate_expiring", [officer.id, officer.certificate_number, until.isoformat()],
                officer.team_id, officer.id, f"{officer.display_name}的执法证将于 {until:%Y-%m-%d} 到期",
                f"执法证 {officer.certificate_number} 有效期至 {until:%Y-%m-%d}（还剩 {(until - today).days} 天），"
                f"到期后不能参加现场检查，请及时办理换证。", [officer_link(officer)]))
    return out


def training_pace(officers) -> list[Candidate]:
    """One year from now, the rolling three years will hold the last two years' hours plus what
    the officer completes meanwhile; at the pace of the last twelve months that is below 60."""
    today = local_today()
    ids = [o.id for o in officers]
    two_years = training.hours_tenths(ids, training.years_before(today, 2) + timedelta(days=1), today)
    last_year = training.hours_tenths(ids, training.years_before(today, 1) + timedelta(days=1), today)
    out = []
    for officer in officers:
        projected = two_years[officer.id] + last_year[officer.id]
        if projected < TARGET_HOURS * 10:
            out.append(Candidate(
                "training_pace", [officer.id, two_years[officer.id], last_year[officer.id]], officer.team_id,
                officer.id, f"{officer.display_name}按当前进度将达不到 60 学时",
                f"近两年已完成 {two_years[officer.id] / 10:g} 学时，近 12 个月 {last_year[officer.id] / 10:g} 学时；"
                f"按此速度一年后近三年学时约 {projected / 10:g}，低于 60 学时，请安排培训。",
                [officer_link(officer)]))
    return out


def evidence_missing(inspections, now: datetime) -> list[Candidate]:
    late = now - timedelta(hours=INCOMPLETE_HOURS)
    return [Candidate(
        "evidence_missing", [str(f.uuid)], f.team_id, f.submitted_by_id,
        f"{f.subject_name}：证据超过 24 小时未上传齐全",
        f"该检查记录于 {to_local(f.received_at):%Y-%m-%d %H:%M} 同步，应有证据 {f.evidence_expected} 个，"
        f"已收到 {f.evidence_received} 个。请提醒执法人员打开手机应用上传。", [inspection_link(f)])
        for f in inspections if f.status == "incomplete" and f.received_at < late]


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))


def evidence_flags(now: datetime, officers) -> list[Candidate]:
    rows = db.session.execute(
        sa.select(Inspection.submitted_by_id, Inspection.team_id, Inspection.uuid, Inspection.subject_name,
                  EvidenceFile.evidence_uuid, EvidenceFile.flags)
        .join(Evidence, Evidence.uuid == EvidenceFile.evidence_uuid)
        .join(Inspection, Inspection.uuid == Evidence.inspection_uuid)
        .where(EvidenceFile.stored_at >= now - timedelta(days=FLAG_WINDOW_DAYS))).all()
    per_officer = defaultdict(lambda: [0, []])
    per_team = defaultdict(lambda: [0, 0])
    for officer_id, team_id, inspection_uuid, subject, evidence_uuid, flags in rows:
        per_officer[(team_id, officer_id)][0] += 1
        per_team[team_id][0] += 1
        if flags:
            per_officer[(team_id, officer_id)][1].append((str(evidence_uuid), str(inspection_uuid), subject))
            per_team[team_id][1] += 1
    names = {o.id: o for o in officers}
    out = []
    for (team_id, officer_id), (n, flagged) in per_officer.items():
        k = len(flagged)
        rest_n, rest_k = per_team[team_id][0] - n, per_team[team_id][1] - k
        if officer_id not in names or n < FLAG_MIN_FILES or k < FLAG_MIN_FLAGGED or rest_n == 0:
            continue
        p = rest_k / rest_n
        if k / n <= p or binomial_upper_tail(k, n, p) >= FLAG_P_VALUE:
            continue
        officer = names[officer_id]
        inspections = list(dict.fromkeys((u, s) for _, u, s in flagged))
        out.append(Candidate(
            "evidence_flags", [officer_id, sorted(e for e, _, _ in flagged)], team_id, officer_id,
            f"{officer.display_name}的证据异常标记明显多于本中队",
            f"近 {FLAG_WINDOW_DAYS} 天收到其证据 {n} 个，其中 {k} 个有异常标记（{100 * k / n:.0f}%）；"
            f"本中队其他人员为 {rest_k}/{rest_n}（{100 * p:.0f}%）。二项检验 P < {FLAG_P_VALUE}，"
            f"不太可能是偶然，请抽查其证据。",
            [officer_link(officer)] + [{"type": "inspection", "id": u, "label": s} for u, s in inspections[:20]]))
    return out


def no_handheld(inspections, now: datetime, officers) -> list[Candidate]:
    teams = {o.team_id for o in officers if o.team_id is not None}
    last = {}
    for fact in inspections:
        if fact.handheld and fact.team_id in teams:
            if fact.team_id not in last or fact.started_at > last[fact.team_id].started_at:
                last[fact.team_id] = fact
    names = loading.team_names(teams)
    out = []
    for team_id in sorted(teams):
        fact = last.get(team_id)
        if fact and fact.started_at >= now - timedelta(days=HANDHELD_GAP_DAYS):
            continue
        since = f"最近一次是 {to_local(fact.started_at):%Y-%m-%d}" if fact else f"近 {LOOKBACK_DAYS} 天没有"
        out.append(Candidate(
            "no_handheld", [team_id, str(fact.root_uuid) if fact else None], team_id, None,
            f"{names[team_id]}已超过一周没有掌上执法记录",
            f"{names[team_id]}近 {HANDHELD_GAP_DAYS} 天没有用手机掌上执法应用完成的现场检查（{since}）。"
            f"请核实是否仍在纸质或其他方式执法。", [inspection_link(fact)] if fact else []))
    return out


DEADLINE_STATES = {"near": "临近", "overdue": "已超期", "unknown": "无法计算"}


def case_deadlines(now: datetime) -> list[Candidate]:
    """A case with a legal time limit near (within CASE_WARNING_WORKING_DAYS working days), past,
    or not computable (a year the official calendar does not know): one warning per case,
    deadline and state, so a deadline first near and later past warns twice."""
    from ..cases.monitor import deadline_warnings

    out = []
    for w in deadline_warnings(to_local(now).date()):
        due = w["due"].isoformat() if w["due"] else None
        state = DEADLINE_STATES[w["state"]]
        when = f"期限 {due}" if due else (w["error"] or {}).get("detail", "期限无法计算")
        out.append(Candidate(
            "case_deadline", [w["case_id"], w["key"], w["state"], due], w["team_id"], None,
            f"{w['number']}：{w['label']}{state}",
            f"案件 {w['number']}（当事人 {w['party_name']}）的“{w['label']}”{state}（{when}；依据 {w['basis']}）。"
            f"请督促办案人员按时办理。",
            [{"type": "case", "id": w["case_id"], "label": f"{w['number']} {w['party_name']}"}]))
    return out


def candidates(now: datetime, repeat_days: int) -> list[Candidate]:
    """Every warning the records call for now."""
    everyone = Scope()
    inspections = loading.load_inspections(everyone, now - timedelta(days=LOOKBACK_DAYS), now + timedelta(days=1))
    officers = loading.load_officers(everyone)
    return (repeat_findings(inspections, repeat_days) + certificates_expiring(officers) + training_pace(officers)
            + evidence_missing(inspections, now) + evidence_flags(now, officers)
            + no_handheld(inspections, now, officers) + case_deadlines(now))
