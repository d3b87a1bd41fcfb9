"""`audit verify` checks every stored record, revision, evidence row and review decision against
the audit entries that vouch for it, and names each row that an attacker with the database file
changed (triggers dropped first): the submitted content, the review state, a decision's comment,
a row deleted or inserted behind the log's back. An untouched database verifies."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.inspections.models import Inspection
from server.review.models import CHECKLIST, ReviewAction
from tests.review.conftest import failing_overload_record, sync_and_upload

from .tampering import tamper


def act(client, uuid_, action, **body):
    answer = client.post(f"/api/inspections/{uuid_}/review/{action}", json=body)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


@pytest.fixture
def reviewed(login_as):
    """A failing overload record returned with comments, amended, sent to legal review, agreed
    and approved: two revisions, seven evidence files each, four review decisions."""
    officer, supervisor, reviewer = login_as("officer1"), login_as("supervisor1"), login_as("reviewer1")
    first = sync_and_upload(officer, failing_overload_record())
    act(supervisor, first["uuid"], "return", expected_status="complete", comment="称重单照片不清晰，请补拍。",
        item_comments={"weighing_ticket": "照片模糊，看不清总质量。"})
    amendment = failing_overload_record()
    amendment.update(replaces=first["uuid"], amendment_reason="补拍称重单。")
    second = sync_and_upload(officer, amendment)
    act(supervisor, second["uuid"], "legal-review", expected_status="complete", reason="拟处罚款 1000 元以上。")
    act(reviewer, second["uuid"], "legal-opinion", expected_status="in_review", opinion="agree",
        checklist={point: True for point in CHECKLIST}, comment="同意。")
    act(supervisor, second["uuid"], "approve", expected_status="complete")
    db.session.remove()
    return {"first": first["uuid"], "second": second["uuid"]}


def verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_untouched_history_verifies_row_by_row(runner, reviewed):
    code, output = verify(runner)
    assert code == 0, output
    # 2 revisions, 16 evidence rows (8 listed by each) and their 16 files' facts, 4 decisions
    assert "38 vouched rows" in output, output


def test_a_rewritten_record_is_named(runner, reviewed):
    failed = '{"result": "fail", "note": "x"}'
    tamper("UPDATE inspections SET subject_name = :s, failed_checks = 2, "
           "answers = json_set(answers, '$.within_limit', json(:f)) WHERE uuid = :u" if _sqlite() else
           "UPDATE inspections SET subject_name = :s, failed_checks = 2, "
           "answers = jsonb_set(answers, '{within_limit}', CAST(:f AS jsonb)) WHERE uuid = :u",
           s="浙F99999 (altered)", f=failed, u=_db_uuid(reviewed["second"]))
    code, output = verify(runner)
    assert code == 1, output
    assert f"inspections {reviewed['second']}: altered: record_sha256 (the submitted content" in output
    assert reviewed["first"] not in output  # the other revision is untouched


@pytest.mark.parametrize("column, value", [("answers", '{"plate": "浙F00000"}'),
                                           ("failed_checks", 0), ("subject_name", "浙F00000")])
def test_each_submitted_column_is_covered(runner, reviewed, column, value):
    if column == "answers" and not _sqlite():
        value = sa.text(f"CAST('{value}' AS jsonb)")
    tamper(sa.update(Inspection).where(Inspection.uuid == uuid.UUID(reviewed["first"]))
           .values({column: value}))
    code, output = verify(runner)
    assert code == 1 and f"inspections {reviewed['first']}: altered: record_sha256" in output, output


def test_a_rewritten_revision_is_named(runner, reviewed):
    """The amendment's reason, its officers' certificate numbers and its listed evidence."""
    second = uuid.UUID(reviewed["second"])
    tamper(sa.update(Inspection).where(Inspection.uuid == second).values(amendment_reason="无"))
    code, output = verify(runner)
    assert code == 1 and f"inspections {second}: altered: record_sha256" in output, output


def test_a_revision_state_rewritten_is_named(runner, reviewed):
    """Status and review fields that the decisions in the log set."""
    tamper(sa.update(Inspection).where(Inspection.uuid == uuid.UUID(reviewed["first"]))
           .values(status="approved", return_comment=None))
    code, output = verify(runner)
    assert code == 1, output
    assert f"inspections {reviewed['first']}: altered: status, return_comment differ" in output


def test_a_review_decision_comment_rewritten_is_named(runner, reviewed):
    row_id, seq = db.session.execute(sa.select(ReviewAction.id, ReviewAction.audit_seq)
                                     .where(ReviewAction.action == "return")).one()
    tamper(sa.update(ReviewAction).where(ReviewAction.id == row_id).values(comment="照片清楚，无需补拍。"))
    code, output = verify(runner)
    assert code == 1 and f"review_actions id {row_id}: altered: comment differ" in output, output
    assert f"entry {seq} committed to" in output


def test_a_review_decision_deleted_or_forged_is_named(runner, reviewed):
    rows = db.session.execute(sa.select(ReviewAction.id, ReviewAction.audit_seq)
                              .order_by(ReviewAction.id)).all()
    (sent, _), (approve, approve_seq) = rows[1], rows[-1]
    tamper(sa.delete(ReviewAction).where(ReviewAction.id == approve))
    backdated = datetime(2026, 1, 1, tzinfo=timezone.utc)
    tamper(sa.update(ReviewAction).where(ReviewAction.id == sent).values(acted_at=backdated))
    code, output = verify(runner)
    assert code == 1, output
    assert f"review_actions: the row audit entry {approve_seq} vouches for" in output
    assert "is missing (deleted)" in output
    assert f"review_actions id {sent}: altered: acted_at differ" in output


def test_an_evidence_row_rewritten_is_named(runner, reviewed):
    evidence = str(db.session.get(Inspection, uuid.UUID(reviewed["first"])).evidence[0].uuid)
    tamper(sa.text("UPDATE evidence SET sha256 = :h, item_id = 'plate' WHERE uuid = :u"),
           h="ab" * 32, u=_db_uuid(evidence))
    code, output = verify(runner)
    assert code == 1, output
    assert f"evidence {evidence}: altered: sha256 differ" in output
    assert f"inspections {reviewed['first']}: altered: record_sha256" in output


def test_the_facts_of_a_received_file_rewritten_are_named(runner, reviewed):
    """Where a photo was taken and when, as learnt from its EXIF: a reviewer relies on them."""
    from server.evidence.models import EvidenceFile

    evidence = str(db.session.get(Inspection, uuid.UUID(reviewed["first"])).evidence[0].uuid)
    tamper(sa.update(EvidenceFile).where(EvidenceFile.evidence_uuid == uuid.UUID(evidence))
           .values(gps_latitude=31.2304, gps_longitude=121.4737))
    code, output = verify(runner)
    assert code == 1, output
    assert f"evidence_files {evidence}: altered: facts_sha256 (what was learnt from the bytes" in output


def test_an_entry_written_before_record_hashes_still_verifies_and_checks_what_it_named(runner, reviewed):
    """Entries are never rewritten: one without `record_sha256` (an older server's) is checked
    on what it names (the hash of the record as sent, revision, form, device)."""
    import json

    from server.audit import merkle
    from server.audit.models import AuditEntry
    from server.audit.service import entry_content

    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "inspection.submitted", AuditEntry.object_id == reviewed["first"])).scalar_one()
    details = json.loads(entry.details)
    del details["record_sha256"]
    db.session.expunge(entry)
    entry.details = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # As an older server wrote it: its own hash; the checkpoints are dropped with it.
    tamper(sa.update(AuditEntry).where(AuditEntry.seq == entry.seq).values(
        details=entry.details, entry_hash=merkle.leaf_hash(entry_content(entry)).hex()))
    tamper("DELETE FROM audit_checkpoints")
    code, output = verify(runner)
    assert code == 0, output
    tamper(sa.update(Inspection).where(Inspection.uuid == uuid.UUID(reviewed["first"]))
           .values(device_id="another-phone", subject_name="浙F00000"))
    code, output = verify(runner)
    assert code == 1 and f"inspections {reviewed['first']}: altered: device_id differ" in output, output


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _db_uuid(text: str):
    # SQLAlchemy stores UUIDs as 32 hex digits on SQLite, as uuid on PostgreSQL.
    return uuid.UUID(text).hex if _sqlite() else text


def test_the_record_hash_is_the_same_whatever_a_store_made_of_times_uuids_and_numbers():
    """SQLite and JSONB give back 17000.0 as 17000 and 1e20 as 100000000000000000000, a UUID
    column a UUID, a time in UTC: the hash of the same record must not change with them. An
    officer's display name is the account's (it may be renamed), not the record's."""
    from server.inspections.content import RECORD_FIELDS, record_sha256

    record_uuid = uuid.uuid4()
    sent = {name: None for name in RECORD_FIELDS}
    sent.update(uuid=str(record_uuid), subject={"kind": "vehicle", "name": "浙F12345"},
                started_at="2026-11-30T08:00:00+08:00", answers={"mass": 17000.0, "big": 1e20, "p": 0.1},
                officers=[{"username": "officer1", "certificate_number": "1", "display_name": "张三"}],
                evidence=[{"uuid": "e1"}])
    stored = {**sent, "uuid": record_uuid, "started_at": datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc),
              "answers": {"mass": 17000, "big": 10 ** 20, "p": 0.1},
              "officers": [{"username": "officer1", "certificate_number": "1", "display_name": "李四"}]}
    own = [{"uuid": "e1", "item_id": "a", "sha256": "0" * 64, "size": 1, "media_type": "image/jpeg",
            "captured_at": "2026-11-30T08:05:00.250000+08:00"}]
    assert record_sha256(sent, own) == record_sha256(stored, [{**own[0], "captured_at": datetime(
        2026, 11, 30, 0, 5, 0, 250000, tzinfo=timezone.utc)}])
    assert record_sha256(sent, own) != record_sha256({**sent, "answers": {**sent["answers"], "mass": 17001}}, own)


def test_rows_read_in_pages_of_two_verify_and_still_name_what_was_changed(runner, reviewed, monkeypatch):
    """Every table `audit verify` walks, read a page of two rows at a time (audit/vouched.keyset_rows):
    nothing is skipped or read twice at the pages' edges."""
    from server.audit import log_scan, vouched
    from server.evidence import vouched as evidence_vouched
    from server.inspections import vouched as inspections_vouched
    from server.review import vouched as review_vouched

    for module in (log_scan, vouched, evidence_vouched, inspections_vouched, review_vouched):
        monkeypatch.setattr(module, "CHUNK", 2)
    code, output = verify(runner)
    assert code == 0 and "38 vouched rows" in output, output
    last = db.session.execute(sa.select(ReviewAction.id).order_by(ReviewAction.id.desc())).scalars().first()
    tamper(sa.update(ReviewAction).where(ReviewAction.id == last).values(comment="改过"))
    code, output = verify(runner)
    assert code == 1 and f"review_actions id {last}: altered: comment differ" in output, output


def test_keyset_rows_gives_every_row_once_in_order_a_page_at_a_time(app):
    from server.audit.models import AuditEntry
    from server.audit.service import record_event
    from server.audit.vouched import keyset_rows

    for i in range(7):
        record_event("test.page", details={"i": i})
    db.session.commit()
    db.session.expunge_all()
    held = []
    for entry in keyset_rows(sa.select(AuditEntry), AuditEntry.seq, chunk=3, objects=True):
        held.append((entry.seq, len(db.session.identity_map)))
    assert [seq for seq, _ in held] == list(range(1, 8))
    assert max(size for _, size in held) <= 3  # one page's objects at a time
    rows = keyset_rows(sa.select(AuditEntry.seq, AuditEntry.action).where(AuditEntry.seq > 2),
                       AuditEntry.seq, chunk=2)
    assert [tuple(row) for row in rows] == [(seq, "test.page") for seq in range(3, 8)]
