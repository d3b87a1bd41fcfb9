"""The rules a record must meet before it is stored, beyond the shape its schema checks.

The form version it names exists and its answers fit it; at least two distinct, active officers,
each certified on the inspection's date (持证上岗), the submitter among them; plausible device
times; evidence that belongs to items of the form; an amendment replaces a returned revision.
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..clock import to_local
from ..extensions import db
from ..forms import service as forms
from ..forms.validation import validate_answers
from .models import Evidence, Inspection
from .rejection import Rejected

# Device clocks run fast; a record from "the future" by more than this is refused.
FUTURE_TOLERANCE = timedelta(hours=24)


@dataclass
class RecordPlan:
    """What a valid record will store: resolved officers, the revision it replaces, the new
    evidence rows it lists, and the computed values the server derived from its answers."""

    officers: list[User]
    form: object = None
    replaces: Inspection | None = None
    new_evidence: list[dict] = field(default_factory=list)
    computed: dict = field(default_factory=dict)
    # The directory's target the record names, with the inspections of it within the revisit
    # window when the record was checked (server/targets/history.py).
    target_id: int | None = None
    recent: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    revisit_reason: str | None = None


def _reject(code: str, detail: str, errors: dict, **kwargs):

    raise Rejected(code, detail, errors, **kwargs)


def _reject_superseded(replaced: Inspection) -> None:
    """The returned revision was amended meanwhile (from another phone, or another draft): this
    amendment can no longer be sent; the phone offers to drop it or open the newest revision."""
    latest = db.session.execute(sa.select(Inspection).where(
        Inspection.root_uuid == replaced.root_uuid).order_by(Inspection.revision.desc()).limit(1)).scalar()
    _reject("sync.amendment_superseded",
            f"这条记录已被更正过（现为第 {latest.revision} 版），本次更正不能再提交。"
            "请放弃本次更正，或打开最新版本查看。",
            {"replaces": ["该记录已被更正过。"]}, result="conflict",
            extra={"latest_uuid": str(latest.uuid), "latest_revision": latest.revision})


class BatchLookups:
    """What the records of one batch look up, fetched once for the batch: officers by username
    (the submitter and those loaded with the session's user are known already), form versions."""

    def __init__(self, user: User, records: list[dict], known_users: dict | None = None):
        known = known_users or {}
        names = (named_usernames(records) or set()) - set(known) - {user.username}
        self.users = {u.username: u for u in db.session.execute(
            sa.select(User).options(joinedload(User.role_rows)).where(User.username.in_(names))
        ).unique().scalars()} if names else {}
        self.users.update(known)
        self.users[user.username] = user
        self._forms: dict = {}
        self._published_hashes: dict | None = None
        self._published_here: set = set()
        # Evidence UUIDs known to be stored (as text): none is looked up before the writer's
        # turn, which finds out by writing (inspections/service.py `_store_fast`).
        self.stored_evidence: set[str] = set()
        self.written_evidence: set[str] = set()  # stored by this batch's records, one by one

    def form(self, form_id: str, version: int):
        """The exact form version a record names."""
        key = (form_id, version)
        if key not in self._forms:
            self._forms[key] = forms.get_form_version(form_id, version)
        return self._forms[key]

    def publish(self, form) -> None:
        """Keep the form version a stored record names (in the writer's turn). Published versions
        are never removed, so one found published is not looked up again by this process."""
        seen = current_app.extensions.setdefault("published_form_versions", set())
        key = (form.id, form.version, form.content_hash)
        if key in seen or key in self._published_here:
            return
        if forms.publish_form_version(form, self._published()):
            self._published_here.add(key)  # written with the batch: not known committed yet
        else:
            seen.add(key)

    def forget_unsaved(self) -> None:
        """The batch's writes were rolled back: what it published must be written again."""
        self._published_hashes, self._published_here = None, set()

    def _published(self) -> dict:
        if self._published_hashes is None:
            self._published_hashes = forms.published_hashes()
        return self._published_hashes


# At most this many officers per record are looked up before validation (the schema allows 10).
_MAX_NAMED = 10


def named_usernames(records: list) -> set[str] | None:
    """The usernames the records name as officers, normalised as `_check_officers` reads them;
    the records are not validated yet, so any member may be of any type. None for a list longer
    than any valid record has (it is refused anyway; not worth a long query)."""
    names = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        listed = _listed(record, "officers")
        if len(listed) > _MAX_NAMED:
            return None
        names.update(n.strip().lower() for n in listed if isinstance(n, str))
    return names


def _listed(record: dict, member: str) -> list:
    value = record.get(member)
    return value if isinstance(value, list) else []


def stored_uuids(record_uuids: set, evidence_uuids: list) -> tuple[set, set[str]]:
    """Which of these inspection UUIDs (as UUIDs) and evidence UUIDs (any form; as strings) are
    stored already: one query for both."""
    wanted = set()
    for value in evidence_uuids:
        try:
            wanted.add(uuidlib.UUID(str(value)))
        except ValueError:
            continue
    parts = []
    if record_uuids:
        parts.append(sa.select(sa.literal(0).label("kind"), Inspection.uuid.label("uuid"))
                     .where(Inspection.uuid.in_(record_uuids)))
    if wanted:
        parts.append(sa.select(sa.literal(1).label("kind"), Evidence.uuid.label("uuid"))
                     .where(Evidence.uuid.in_(wanted)))
    if not parts:
        return set(), set()
    query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    found: tuple[set, set] = (set(), set())
    for kind, value in db.session.execute(query):
        found[kind].add(value)
    return found[0], {str(u) for u in found[1]}


def check_record(user: User, data: dict, server_time: datetime, lookups: BatchLookups) -> RecordPlan:
    """Return the plan for a valid record; raise Rejected naming each problem otherwise."""
    _check_times(data, server_time)
    officers = _check_officers(user, data, lookups.users)
    replaces = _check_replaces(user, data) if data.get("replaces") else None
    form = lookups.form(data["form_id"], data["form_version"])
    if form is None:
        _reject("sync.unknown_form", "记录所用的检查表单版本不存在，请更新应用后重试。",
                {"form_id": [f"表单 {data['form_id']} 第 {data['form_version']} 版不存在。"]})
    outcome = validate_answers(form, data["answers"])
    errors = outcome.errors_by_item()
    new_evidence = _check_evidence(outcome.evidence, data, replaces, errors, lookups.stored_evidence)
    if errors:
        _reject("sync.invalid_answers", "检查内容有误，请按提示逐项修改。", errors)
    recent = _check_target(data, replaces) if data.get("target_id") else []
    return RecordPlan(officers=officers, form=form, replaces=replaces, new_evidence=new_evidence,
                      computed=outcome.computed, target_id=data.get("target_id"), recent=recent,
                      started_at=data["started_at"], revisit_reason=data.get("revisit_reason"))


def _check_target(data: dict, replaces: Inspection | None) -> list[str]:
    """The target a record names exists; inspected within the window before this inspection
    (other than by the inspection an amendment continues), the record says why (防止执法扰民)."""
    from ..targets import history  # above inspections: it reads records
    from ..targets.models import Target

    target = db.session.get(Target, data["target_id"])
    if target is None:
        _reject("sync.unknown_target", "记录所指的检查对象不在名录中，请刷新检查对象后重试。",
                {"target_id": ["检查对象不存在。"]})
    recent = history.recent_inspections(target, data["started_at"],
                                        exclude_root=replaces.root_uuid if replaces else None)
    if recent and not data.get("revisit_reason"):
        _reject_revisit(history.window_days(), [(i.started_at, i.form_id) for i in recent])
    return [str(i.uuid) for i in recent]


def _reject_revisit(days: int, earlier: list[tuple[datetime, str | None]]) -> None:
    _reject("sync.revisit_reason_required",
            f"该检查对象近 {days} 天内已被检查 {len(earlier)} 次，再次检查须填写理由（防止执法扰民）。",
            {"revisit_reason": [f"{to_local(moment):%Y-%m-%d %H:%M} 已检查" + (f"（{form}）。" if form else "。")
                                for moment, form in sorted(earlier, key=lambda e: e[0], reverse=True)]})


def recheck(plan: RecordPlan, taken: set[str], batch_targets: dict | None = None) -> None:
    """In the writer's turn, what may have changed since `check_record`: an evidence UUID stored
    by another record meanwhile, the returned revision amended or reviewed again, or the target
    the record names inspected meanwhile (`batch_targets`: target id -> start times of the
    records of this batch that named it, stored before this one)."""
    if plan.target_id is not None and not plan.revisit_reason:
        _recheck_target(plan, (batch_targets or {}).get(plan.target_id, []))
    # `taken` is empty on the fast path (nothing stored was found): no UUID text to make then.
    clashes = [u for u in (str(e["uuid"]) for e in plan.new_evidence) if u in taken] if taken else []
    if clashes:
        _reject("sync.evidence_taken", "记录中的证据编号已被另一条记录使用。",
                {"evidence": [f"证据编号 {u} 已被其他记录使用。" for u in clashes]})
    if plan.replaces is not None:
        # Read again, in this session: in a group commit (server/group_commit.py) the revision
        # loaded while checking belongs to the request's own session, not to the writing one.
        plan.replaces = db.session.get(Inspection, plan.replaces.uuid, populate_existing=True,
                                       options=[sa.orm.lazyload("*")])
        if db.session.execute(sa.select(Inspection.uuid).where(
                Inspection.replaces_uuid == plan.replaces.uuid)).first():
            _reject_superseded(plan.replaces)
        if plan.replaces.status != "returned":
            _reject("sync.invalid_amendment", "要更正的记录已被处理，不能再更正。",
                    {"replaces": ["该记录已不是退回状态。"]})


def _recheck_target(plan: RecordPlan, batch_starts: list[datetime]) -> None:
    from ..targets import history
    from ..targets.models import Target

    since = plan.started_at - timedelta(days=history.window_days())
    target = db.session.get(Target, plan.target_id)
    exclude = plan.replaces.root_uuid if plan.replaces else None
    recent = [(i.started_at, i.form_id)
              for i in history.recent_inspections(target, plan.started_at, exclude_root=exclude)]
    recent += [(t, None) for t in batch_starts if since <= t <= plan.started_at]
    if recent:
        _reject_revisit(history.window_days(), recent)


def _check_times(data: dict, server_time: datetime) -> None:
    oldest = server_time - timedelta(days=current_app.config["SYNC_MAX_RECORD_AGE_DAYS"])
    for name in ("started_at", "finished_at"):
        moment = data[name]
        if moment > server_time + FUTURE_TOLERANCE:
            _reject("sync.implausible_time", "检查时间晚于当前时间，请核对手机时钟。",
                    {name: ["时间晚于服务器当前时间超过 24 小时，请核对手机时钟。"]})
        if moment < oldest:
            _reject("sync.implausible_time", "检查时间过早，请核对手机时钟。",
                    {name: [f"时间早于 {current_app.config['SYNC_MAX_RECORD_AGE_DAYS']} 天前，请核对手机时钟。"]})


def _check_officers(user: User, data: dict, found: dict[str, User]) -> list[User]:
    names = [n.strip().lower() for n in data["officers"]]
    if len(set(names)) != len(names):
        _reject("sync.invalid_officers", "执法人员重复。", {"officers": ["同一执法人员不能重复填写。"]})
    if user.username not in names:
        _reject("sync.invalid_officers", "提交人必须是参加检查的执法人员之一。",
                {"officers": ["提交人不在执法人员名单中。"]})
    on = to_local(data["started_at"]).date()
    problems = []
    for name in names:
        officer = found.get(name)
        if officer is None:
            problems.append(f"{name}：账号不存在。")
        elif not officer.is_active:
            problems.append(f"{officer.display_name}（{name}）：账号已停用。")
        elif not officer.has_role("officer"):
            problems.append(f"{officer.display_name}（{name}）：不是执法人员。")
        elif officer.certificate_state(on) != "valid":
            problems.append(f"{officer.display_name}（{name}）：检查当日（{on.isoformat()}）无有效执法证。")
    if problems:
        _reject("sync.invalid_officers", "参加检查的执法人员须持有效执法证（持证上岗）。",
                {"officers": problems})
    # The submitter first: position 0 on the record.
    return [user] + [found[n] for n in names if n != user.username]


def _check_replaces(user: User, data: dict) -> Inspection:
    replaced = db.session.get(Inspection, data["replaces"])
    if replaced is None or not any(o.user_id == user.id for o in replaced.officers):
        _reject("sync.invalid_amendment", "要更正的记录不存在。", {"replaces": ["找不到要更正的记录。"]})
    if db.session.execute(sa.select(Inspection.uuid).where(
            Inspection.replaces_uuid == replaced.uuid)).first():
        _reject_superseded(replaced)
    if replaced.status != "returned":
        _reject("sync.invalid_amendment", "只有被退回的记录才能更正。",
                {"replaces": ["该记录未被退回，不能更正。"]})
    if replaced.form_id != data["form_id"]:
        _reject("sync.invalid_amendment", "更正记录须使用同一检查表单。", {"form_id": ["与原记录表单不同。"]})
    return replaced


# What a phone may declare for each kind of evidence item. A recording item (audio or video) takes
# either kind: a body camera (执法记录仪) records an inquiry as video, or a scene as audio only.
_MEDIA_PREFIX = {"photo": ("image/",), "signature": ("image/",), "audio": ("audio/", "video/"),
                 "video": ("video/", "audio/")}


def _check_evidence(refs, data: dict, replaces: Inspection | None, errors: dict,
                    stored: set[str]) -> list[dict]:
    """The evidence rows to create. Every file the answers name must be listed, under the item
    that names it, and every listed file must be named; files carried over from the revision an
    amendment replaces are not new."""
    problems: list[str] = []
    named = {ref.uuid: ref for ref in refs}
    listed = {str(e["uuid"]): e for e in data["evidence"]}
    if len(listed) != len(data["evidence"]):
        problems.append("证据编号重复。")
    for uuid in sorted(set(named) - set(listed)):
        problems.append(f"检查项 {named[uuid].item} 引用的证据 {uuid} 未在证据清单中列出。")
    for uuid, e in listed.items():
        ref = named.get(uuid)
        if ref is None:
            problems.append(f"证据 {uuid} 未被任何检查项引用。")
        elif ref.item != e["item_id"]:
            problems.append(f"证据 {uuid} 属于检查项 {ref.item}，清单中写为 {e['item_id']}。")
        elif not e["media_type"].startswith(_MEDIA_PREFIX[ref.kind]):
            problems.append(f"证据 {uuid} 的类型 {e['media_type']} 与检查项 {ref.item} 不符。")
    # An amendment may list files of the revision it replaces: look them up. Otherwise only the
    # UUIDs known to be stored (the writer's turn found them so) are another record's.
    taken = [uuidlib.UUID(u) for u in listed if replaces is not None or u in stored]
    existing = {str(e.uuid): e for e in db.session.execute(
        sa.select(Evidence).where(Evidence.uuid.in_(taken))).scalars()} if taken else {}
    new = []
    for uuid, e in listed.items():
        old = existing.get(uuid)
        if old is None:
            new.append(e)
        elif replaces is None or old.inspection.root_uuid != replaces.root_uuid or old.sha256 != e["sha256"]:
            problems.append(f"证据编号 {uuid} 已被其他记录使用。")
    if problems:
        errors.setdefault("evidence", []).extend(problems)
    return new
