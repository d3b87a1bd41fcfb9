"""Sync: take a batch of records from a phone and answer per record, exactly once each.

Each record is `created`, a `duplicate` (same UUID, same content: the original answer is
replayed), a `conflict` (same UUID, other content: nothing changes, the attempt is audited) or
`rejected` (per-item errors in zh-CN). Records are written in savepoints of one transaction: one
bad record does not fail the batch, and the answer leaves only after the commit. On SQLite that
transaction may be shared with other syncs of the process, committed once (server/group_commit.py).
Nothing is looked up before writing: a record stored already is found by inserting it (ON
CONFLICT DO NOTHING), so that a one-record sync runs three statements of its own
(tests/test_sync_statements.py).
"""
from __future__ import annotations

import functools
import hashlib
import uuid as uuidlib
from dataclasses import dataclass, fields
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from ..accounts.models import User
from ..audit import sequencer
from ..audit.fast_canonical import canonical_bytes
from ..audit.service import record_event
from ..clock import utcnow
from ..database import serialize_on, start_writing
from ..driver_insert import driver_insert
from ..errors import per_record, translate_field_messages
from ..extensions import db
from ..group_commit import group_for
from . import checks
from .models import Evidence, Inspection
from .record_loader import compile_loader
from .rejection import Rejected, rejected_answer
from .schemas import RecordSchema
from .sync_rows import Rows, Writes, by_uuid

_record_schema = RecordSchema()
# The schema's load compiled for valid records; anything else goes through the schema itself.
_load_valid_record = compile_loader(_record_schema)


def record_content_hash(raw: dict) -> str:
    """SHA-256 of the record as sent (canonical JSON): what `duplicate` and `conflict` compare."""
    return hashlib.sha256(canonical_bytes(raw)).hexdigest()


def clock_offset_ms(device_time: datetime | None, server_time: datetime) -> int | None:
    """Device clock minus server clock, in milliseconds (positive: the phone is ahead)."""
    if device_time is None:
        return None
    return round((device_time - server_time).total_seconds() * 1000)


@dataclass
class _Checked:
    """One record of a batch after the checks that need no writer's turn."""

    index: int
    raw: object
    uuid: uuidlib.UUID | None
    content_hash: str | None = None
    data: dict | None = None
    plan: checks.RecordPlan | None = None
    rows: Rows | None = None  # what it will insert, made outside the writer's turn
    rejection: dict | None = None


def sync_batch(user: User, records: list, device_time: datetime | None, *,
               known_users: dict | None = None) -> dict:
    """Process a batch from `user`'s device; returns the answer for each record, in order.

    `known_users`: users by username loaded already (with the session's, auth.names_users).
    The records are checked first (schema, form rules, officers: the costly part) in a read
    transaction, so that batches from several phones are checked at once. Then, in the writer's
    turn (server/database.py), what may have changed meanwhile is checked again and the batch is
    written in bulk. Should the database still refuse the bulk write, each record is retried alone
    in a savepoint, so that one record can never fail the others.
    """
    server_time = utcnow()
    offset = clock_offset_ms(device_time, server_time)
    uuids = [_peek_uuid(raw) for raw in records]
    lookups = checks.BatchLookups(user, [r for r in records if isinstance(r, dict)], known_users)
    checked = _check_records(user, records, uuids, server_time, offset, lookups)
    # End the checks' read transaction, keeping what it loaded (users, the revision an amendment
    # replaces) usable in the writer's turn; what may have changed meanwhile is re-read there on
    # purpose (`_store_fast`, `checks.recheck`).
    start_writing()

    # On SQLite, with the syncs of this process that wait for the writer's turn at the same
    # time: one transaction, one commit, the answer once it has returned (server/group_commit.py).
    # There the write runs in a savepoint of its own, which its fast path uses as its own.
    group = group_for(db.engine) if current_app.config["SYNC_GROUP_COMMIT"] else None
    if group is not None:
        results = group.run(lambda: _write_batch(user, checked, server_time, offset, lookups,
                                                 in_own_savepoint=True))
    else:
        results = _write_batch(user, checked, server_time, offset, lookups)
    return {"server_time": server_time, "device_clock_offset_ms": offset, "results": results}


def _write_batch(user: User, checked: list[_Checked], server_time: datetime, offset: int | None,
                 lookups: checks.BatchLookups, *, in_own_savepoint: bool = False) -> list[dict]:
    """In the writer's turn: write the checked batch, in bulk or, should the database refuse
    that, record by record; the answer for each record.

    `in_own_savepoint`: `db.session` began in a savepoint of this write's own, which nothing
    else wrote in (the group commit's, server/group_commit.py): the fast path needs none of its
    own, and `db.session.rollback()` undoes it (the session's next statement begins a new
    savepoint). That saves a SAVEPOINT and its RELEASE in the writer's turn per sync."""
    # Two servers syncing one record at once need no lock of their own: the second's INSERT ... ON
    # CONFLICT DO NOTHING waits on the first's row in whichever unique index holds it, for the
    # first's commit, then finds it stored and answers a duplicate (server/database.py, the
    # concurrency rule).
    try:
        if in_own_savepoint:
            return _store_fast(user, checked, server_time, offset, lookups)
        with db.session.begin_nested():
            return _store_fast(user, checked, server_time, offset, lookups)
    except (sa.exc.IntegrityError, _Taken):  # stored meanwhile by another record: look first, then write
        if in_own_savepoint:
            db.session.rollback()  # ROLLBACK TO the write's savepoint: nothing of the fast path stays
        lookups.forget_unsaved()
    try:
        with db.session.begin_nested():
            return _store(user, checked, server_time, offset, lookups)
    except sa.exc.IntegrityError:
        return _store_one_by_one(user, checked, server_time, offset, lookups)


class _Taken(Exception):
    """The fast path found a record's revision (or the revision it replaces) taken by another
    record: the batch is stored again by `_store`, whose checks answer why."""


def _store_one_by_one(user: User, checked: list[_Checked], server_time: datetime, offset: int | None,
                      lookups: checks.BatchLookups) -> list[dict]:
    current_app.logger.warning("sync: bulk write refused, retrying the batch record by record")
    lookups.forget_unsaved()
    results = []
    for one in checked:
        results.append(_store_alone(user, one, server_time, offset, lookups))
        if results[-1]["result"] == "created":
            lookups.written_evidence.update(str(e["uuid"]) for e in one.plan.new_evidence)
    return results


def _store_alone(user: User, one: _Checked, server_time: datetime, offset: int | None,
                 lookups: checks.BatchLookups) -> dict:
    """One record in a savepoint of its own. A refusal on PostgreSQL comes after the database
    waited for the transaction that holds the same key to end: that transaction's row (a copy of
    this record sent by a retrying phone, say) is committed by then, so a second try finds it
    and answers from it. Refused twice, the record is answered `sync.storage_refused`."""
    for _attempt in range(2):
        try:
            with db.session.begin_nested():
                return _store(user, [one], server_time, offset, lookups)[0]
        except sa.exc.IntegrityError:
            lookups.forget_unsaved()
    return rejected_answer(one.index, one.uuid, "sync.storage_refused",
                           "服务器拒绝保存该记录（数据冲突），请联系管理员。", {})


def _check_records(user: User, records: list, uuids: list, server_time: datetime, offset: int | None,
                   lookups: checks.BatchLookups) -> list[_Checked]:
    checked, dialect = [], db.session.get_bind().dialect
    for index, (raw, record_uuid) in enumerate(zip(records, uuids, strict=True)):
        one = _Checked(index, raw, record_uuid)
        checked.append(one)
        if record_uuid is None:
            one.rejection = rejected_answer(index, None, "sync.invalid_uuid", "记录缺少有效的 UUID，无法保存。",
                                      {"uuid": ["应为 UUID。"]})
            continue
        one.content_hash = record_content_hash(raw)
        # Every record is checked, even one stored already (a resend): whether it is, the
        # writer's turn finds out without a look-up (_store_fast), and answers from the stored row.
        try:
            one.data = _load_valid_record(raw)
            if one.data is None:
                one.data = _record_schema.load(raw)  # raises with every problem, or agrees
            one.plan = checks.check_record(user, one.data, server_time, lookups)
        except ValidationError as error:
            one.rejection = rejected_answer(index, record_uuid, "sync.invalid_record", "记录内容有误，请按提示修改。",
                                      translate_field_messages(error.messages))
        except Rejected as rejected:
            one.rejection = rejected.answer(index, record_uuid)
        else:
            one.rows = Rows.of(user, one.data, one.plan, one.content_hash, server_time, offset)
            one.rows.bind_ahead(dialect)
    return checked


def _serialize_targets(checked: list[_Checked]) -> None:
    """Until commit, be the only writer storing records of the targets this batch names: the
    revisit check (`checks.recheck`) reads a target's recent inspections to decide whether a
    record needs a reason, so two records of one target synced at once must not both pass it."""
    serialize_on("target_visits", *{one.plan.target_id for one in checked
                                     if one.plan is not None and one.plan.target_id is not None})


def _store_fast(user: User, checked: list[_Checked], server_time: datetime, offset: int | None,
                lookups: checks.BatchLookups) -> list[dict]:
    """In the writer's turn, the usual case, without looking first: check again what may have
    changed since the records were checked, insert the records with ON CONFLICT DO NOTHING, and
    answer those the database holds already (a resend, or a rejected record that is one) from
    the stored row. Raises IntegrityError when the database refuses a row (an evidence UUID
    that another record holds): the caller rolls back and stores the batch with `_store`."""
    creating: dict[uuidlib.UUID, _Checked] = {}  # the first record of the batch with a UUID
    copy_of: dict[int, _Checked] = {}  # index -> the record this one repeats
    batch_targets: dict[int, list[datetime]] = {}
    maybe_stored: set[uuidlib.UUID] = set()
    _serialize_targets(checked)
    for one in checked:
        if one.uuid is None:
            continue
        if one.uuid in creating:  # sent twice in one batch
            copy_of[one.index] = creating[one.uuid]
            continue
        if one.rejection is None:
            try:
                checks.recheck(one.plan, set(), batch_targets)
            except Rejected as rejected:
                one.rejection = rejected.answer(one.index, one.uuid)
        if one.rejection is not None:
            maybe_stored.add(one.uuid)
            continue
        creating[one.uuid] = one
        if one.plan.target_id is not None:
            batch_targets.setdefault(one.plan.target_id, []).append(one.plan.started_at)
        lookups.publish(one.plan.form)
    inserted, log_end = _insert_new_records([one.rows.inspection for one in creating.values()])
    maybe_stored.update(creating)
    maybe_stored -= inserted  # a refused copy of a record that a later copy created is not stored
    stored = _stored_records(maybe_stored)
    if any(u not in inserted and u not in stored for u in creating):
        raise _Taken  # skipped for another record's row: an amendment of the same revision, say
    results, writes = [], Writes(records_written=True)
    for one in checked:
        first = copy_of.get(one.index)
        if one.uuid is None:
            results.append(one.rejection)
        elif one.uuid in stored:
            results.append(_answer_existing(user, one.index, stored[one.uuid], one.content_hash))
            if results[-1]["result"] == "conflict":
                log_end = None  # its audit entry moved the log's end: append_entries reads it again
        elif first is not None:
            results.append({**_created(first, server_time), "index": one.index, "result": "duplicate"}
                           if first.content_hash == one.content_hash else _conflict(one.index, one.uuid))
        elif one.rejection is not None:
            results.append(one.rejection)
        else:
            writes.add(one.rows)
            results.append(_created(one, server_time))
    writes.flush(user, log_end)
    return results


def _insert_new_records(rows: list[dict]) -> tuple[set, int | None]:
    """Insert inspection rows, skipping any that a stored row conflicts with in any unique
    index (the UUID, the root's revision, the revision replaced); the UUIDs inserted,
    and on SQLite the audit log's last position read by the same statement (so that the batch's
    audit entries need no look-up of their own: a one-record sync stays at five statements),
    None when nothing was inserted or on PostgreSQL (whose entries are queued, not sequenced)."""
    if not rows:
        return set(), None
    # In one order (by UUID) in every transaction: two batches that share records, inserted at
    # once in different orders, would each wait for the other's row (PostgreSQL: a deadlock).
    rows = sorted(rows, key=by_uuid)
    db.session.flush()  # entries added before, in this transaction, count in the log's end
    connection = db.session.connection()
    dialect = connection.dialect
    table = Inspection.__table__
    if dialect.name == "sqlite":  # in the writer's turn: through the driver (server/driver_insert.py)
        suffix, as_uuid = _sqlite_new(dialect)
        inserter = driver_insert(table, tuple(rows[0]), dialect, suffix)
        returned = inserter.insert_returning(connection, [inserter.bind(row) for row in rows])
        return {as_uuid(row[0]) for row in returned}, returned[0][1] if returned else None
    statement = _INSERT_NEW.get(dialect)
    if statement is None:  # built once
        # No conflict target: every unique index arbitrates. With only the UUID's, two servers
        # inserting one record at once could both pass PostgreSQL's check of that index before
        # either wrote to it; the second then waited on the first's row in the root-revision
        # index, which is no arbiter, and failed there (tests/test_sync_concurrency.py).
        statement = _INSERT_NEW[dialect] = (postgresql_insert(table).on_conflict_do_nothing()
                                            .returning(table.c.uuid))
    return {row[0] for row in db.session.execute(statement, rows)}, None


def _sqlite_new(dialect) -> tuple:
    """For SQLite's insert of new records, built once: its ON CONFLICT … RETURNING the UUID and
    the log's end (sequencer.log_end, as SQL text), and how a returned UUID (32 hex digits)
    becomes a uuid.UUID, as Core reads it."""
    built = _INSERT_NEW.get(dialect)
    if built is None:
        log_end = sequencer.log_end().compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        built = _INSERT_NEW[dialect] = (
            f"ON CONFLICT DO NOTHING RETURNING uuid, {log_end}",
            Inspection.__table__.c.uuid.type.dialect_impl(dialect).result_processor(dialect, None))
    return built


_INSERT_NEW: dict = {}  # by dialect: PostgreSQL's statement, SQLite's suffix and UUID reader


def _store(user: User, checked: list[_Checked], server_time: datetime, offset: int | None,
           lookups: checks.BatchLookups) -> list[dict]:
    """In the writer's turn, when the database refused the fast path's write: answer resends
    from what is stored now, check again what may have changed since the records were checked
    (a record whose evidence UUIDs are stored already is checked again knowing it), and write
    the rest in bulk."""
    wanted = {one.uuid for one in checked if one.uuid is not None}
    # Which are stored now, records and evidence in one query; whole rows only for resends.
    found, taken = checks.stored_uuids(wanted, [e["uuid"] for one in checked if one.plan
                                                for e in one.plan.new_evidence])
    lookups.stored_evidence = taken
    stored = _stored_records(found)
    batch: dict[uuidlib.UUID, tuple[str, dict]] = {}  # records created by this batch
    batch_targets: dict[int, list[datetime]] = {}  # target id -> start times named in this batch
    results, writes = [], Writes()
    _serialize_targets(checked)
    for one in checked:
        if one.uuid is None:
            results.append(one.rejection)
        elif one.uuid in stored:
            results.append(_answer_existing(user, one.index, stored[one.uuid], one.content_hash))
        elif one.uuid in batch:  # sent twice in one batch
            first_hash, first_answer = batch[one.uuid]
            results.append({**first_answer, "index": one.index, "result": "duplicate"}
                           if first_hash == one.content_hash else _conflict(one.index, one.uuid))
        elif one.rejection is not None:
            results.append(one.rejection)
        else:
            try:
                if any(str(e["uuid"]) in taken - lookups.written_evidence for e in one.plan.new_evidence):
                    # Stored before this batch: as the checks would have answered had they known.
                    one.plan = checks.check_record(user, one.data, server_time, lookups)
                    one.rows = Rows.of(user, one.data, one.plan, one.content_hash, server_time, offset)
                checks.recheck(one.plan, taken, batch_targets)
            except Rejected as rejected:
                results.append(rejected.answer(one.index, one.uuid))
                continue
            if one.plan.target_id is not None:
                batch_targets.setdefault(one.plan.target_id, []).append(one.plan.started_at)
            lookups.publish(one.plan.form)
            writes.add(one.rows)
            answer = _created(one, server_time)
            batch[one.uuid] = (one.content_hash, answer)
            results.append(answer)
    writes.flush(user)
    return results


def _created(one: _Checked, server_time: datetime) -> dict:
    plan = one.plan
    return {"index": one.index, "uuid": str(one.uuid), "result": "created",
            "status": "incomplete" if plan.new_evidence else "complete",
            "received_at": server_time, "revision": plan.replaces.revision + 1 if plan.replaces else 1,
            "missing_evidence": [str(e["uuid"]) for e in plan.new_evidence]}


def _peek_uuid(raw) -> uuidlib.UUID | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("uuid"), str):
        return None
    try:
        return uuidlib.UUID(raw["uuid"])
    except ValueError:
        return None


@dataclass(frozen=True)
class StoredRecord:
    """What the answer to a resend reads of a stored record (`describe`, `_answer_existing`).
    It is read in the writer's turn, so by one Core query (`_stored_records`), not as an
    Inspection with its submitter, team, officers and evidence loaded: that load made a resent
    one-record sync cost about 1.5 times a new one's CPU, most of it while every other write
    waited (issue 19)."""

    uuid: uuidlib.UUID
    status: str
    received_at: datetime
    revision: int
    content_hash: str
    submitted_by_id: int
    missing_evidence: tuple[uuidlib.UUID, ...]  # as Inspection.missing_evidence: not received, by position


_STORED_COLUMNS = tuple(field.name for field in fields(StoredRecord))[:-1]


@functools.cache
def _stored_query() -> sa.Select:
    """`_stored_records`' query, built once: a row per file a record still waits for, or one
    row with no file when it waits for none."""
    table, evidence = Inspection.__table__, Evidence.__table__
    return (sa.select(*(table.c[name] for name in _STORED_COLUMNS), evidence.c.uuid.label("missing"))
            .outerjoin(evidence, sa.and_(evidence.c.inspection_uuid == table.c.uuid,
                                         evidence.c.received_at.is_(None)))
            .where(table.c.uuid.in_(sa.bindparam("uuids", expanding=True)))
            .order_by(table.c.uuid, evidence.c.position))


def _stored_records(uuids: set[uuidlib.UUID]) -> dict[uuidlib.UUID, StoredRecord]:
    """The records of `uuids` that the database holds, each with the files it still waits for."""
    if not uuids:
        return {}
    found: dict[uuidlib.UUID, tuple] = {}  # UUID -> (its first row, its missing files)
    for row in db.session.execute(_stored_query(), {"uuids": list(uuids)}):  # the query orders them
        if row.uuid not in found:
            found[row.uuid] = (row, [])
        if row.missing is not None:
            found[row.uuid][1].append(row.missing)
    return {uuid: StoredRecord(*row[:-1], tuple(missing)) for uuid, (row, missing) in found.items()}


def describe(index: int, inspection: Inspection | StoredRecord, result: str) -> dict:
    return {"index": index, "uuid": str(inspection.uuid), "result": result,
            "status": inspection.status, "received_at": inspection.received_at,
            "revision": inspection.revision,
            "missing_evidence": [str(u) for u in inspection.missing_evidence]}


def _answer_existing(user: User, index: int, existing: StoredRecord, content_hash: str) -> dict:
    if existing.content_hash == content_hash and existing.submitted_by_id == user.id:
        return describe(index, existing, "duplicate")
    record_event("inspection.sync_conflict", actor=user, object_type="inspection",
                 object_id=existing.uuid,
                 details={"stored_hash": existing.content_hash, "sent_hash": content_hash})
    return _conflict(index, existing.uuid)


def _conflict(index: int, record_uuid) -> dict:
    return {"index": index, "uuid": str(record_uuid), "result": "conflict", **per_record("sync.conflict")}


def sync_status(user: User, *, since: datetime | None, uuids: list | None,
                device_id: str | None, limit: int = 1000) -> list[Inspection]:
    """What the server holds of `user`'s submissions: by UUID, or received since a time."""
    query = sa.select(Inspection).where(Inspection.submitted_by_id == user.id)
    if uuids:
        query = query.where(Inspection.uuid.in_(uuids))
    if since is not None:
        query = query.where(Inspection.received_at >= since)
    if device_id:
        query = query.where(Inspection.device_id == device_id)
    return list(db.session.execute(query.order_by(Inspection.received_at).limit(limit)).scalars())


def max_batch_records() -> int:
    return current_app.config["SYNC_MAX_RECORDS"]
