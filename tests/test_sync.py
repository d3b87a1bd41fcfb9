"""Sync: a phone's batch is answered per record; nothing duplicated, nothing lost, nothing changed."""
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.clock import utcnow
from server.extensions import db
from server.inspections.evidence_arrival import mark_evidence_received
from server.inspections.models import Evidence, Inspection
from testing.accounts import end_in_database
from testing.sql import statements_run

from .factories import SHANGHAI, overload_record, sync_body


def count(model):
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def audit_actions():
    return db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()


def sync(client, *records, **kw):
    r = client.post("/api/sync", json=sync_body(*records, **kw))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_record_is_created_once_and_a_resend_replays_the_original_answer(login_as):
    officer = login_as("officer1")
    record = overload_record()
    first = sync(officer, record)
    assert first["results"][0]["result"] == "created"
    assert first["results"][0]["status"] == "incomplete"
    assert sorted(first["results"][0]["missing_evidence"]) == sorted(e["uuid"] for e in record["evidence"])
    again = sync(officer, record)["results"][0]
    assert again["result"] == "duplicate"
    for key in ("uuid", "status", "received_at", "revision", "missing_evidence"):
        assert again[key] == first["results"][0][key]
    assert count(Inspection) == 1 and count(Evidence) == 7
    assert audit_actions().count("inspection.submitted") == 1


def test_the_server_keeps_device_and_server_clocks_side_by_side(login_as):
    officer = login_as("officer1")
    device_time = datetime.now(SHANGHAI) + timedelta(minutes=7)  # the phone runs 7 minutes fast
    answer = sync(officer, overload_record(), device_time=device_time)
    assert 419_000 < answer["device_clock_offset_ms"] < 421_000
    detail = officer.get(f"/api/inspections/{answer['results'][0]['uuid']}").get_json()
    assert 419_000 < detail["device_clock_offset_ms"] < 421_000
    assert detail["received_at"].endswith("+00:00")
    assert detail["computed"]["legal_limit"] == 18000 and detail["computed"]["excess_mass"] == 0


def test_a_conflicting_resend_changes_nothing_and_is_audited(login_as):
    officer = login_as("officer1")
    record = overload_record()
    sync(officer, record)
    altered = {**record, "subject": {**record["subject"], "name": "浙F99999"}}
    result = sync(officer, altered)["results"][0]
    assert result["result"] == "conflict" and result["code"] == "sync.conflict"
    stored = db.session.get(Inspection, uuid.UUID(record["uuid"]))
    db.session.refresh(stored)
    assert stored.subject_name == "浙F12345"
    assert audit_actions()[-1] == "inspection.sync_conflict"


def test_a_conflict_and_new_records_in_one_batch_are_audited_in_order_without_a_retry(login_as):
    """The batch's entries follow the conflict's entry, written between the records' INSERT and
    theirs: the log's end read with the INSERT (SQLite) must not be used once it moved."""
    from server.audit.verify import VerifyReport, verify_log

    officer = login_as("officer1")
    record = overload_record()
    sync(officer, record)
    altered = {**record, "subject": {**record["subject"], "name": "浙F99999"}}
    with statements_run() as seen:
        results = sync(officer, altered, overload_record(), overload_record())["results"]
    assert [r["result"] for r in results] == ["conflict", "created", "created"]
    assert not [s for s, _ in seen if s.startswith("ROLLBACK")], "the fast write was refused"
    assert audit_actions()[-3:] == ["inspection.sync_conflict", "inspection.submitted", "inspection.submitted"]
    report = VerifyReport()
    verify_log(report)
    assert report.ok, report.problems
    assert count(Inspection) == 3


def test_one_bad_record_does_not_fail_the_batch(login_as):
    officer = login_as("officer1")
    good, bad = overload_record(), overload_record()
    bad["answers"]["measured_mass"] = "heavy"
    results = sync(officer, good, bad, {"no": "uuid"})["results"]
    assert [r["result"] for r in results] == ["created", "rejected", "rejected"]
    assert "measured_mass" in results[1]["errors"]
    assert results[2]["code"] == "sync.invalid_uuid" and results[2]["uuid"] is None
    assert count(Inspection) == 1


def rejected(client, record):
    result = sync(client, record)["results"][0]
    assert result["result"] == "rejected", result
    assert count(Inspection) == 0
    return result


@pytest.mark.parametrize("mutate, field", [
    (lambda r: r.update(uuid="not-a-uuid"), "uuid"),
    (lambda r: r.pop("uuid"), "uuid"),
    (lambda r: r.update(form_version=99), "form_id"),
    (lambda r: r.update(form_id="no-such-form"), "form_id"),
    (lambda r: r.update(officers=["officer1"]), "officers"),
    (lambda r: r.update(officers=["officer1", "officer1"]), "officers"),
    (lambda r: r.update(officers=["officer2", "officer3"]), "officers"),  # submitter not among them
    (lambda r: r.update(officers=["officer1", "ghost"]), "officers"),
    (lambda r: r.update(officers=["officer1", "reviewer1"]), "officers"),
    (lambda r: r.update(finished_at=(datetime.fromisoformat(r["started_at"]) - timedelta(minutes=1)).isoformat()),
     "finished_at"),
    (lambda r: r.update(started_at="2019-05-01T09:00:00+08:00", finished_at="2019-05-01T09:30:00+08:00"), "started_at"),
    (lambda r: r.update(started_at="2031-05-01T09:00:00+08:00", finished_at="2031-05-01T09:30:00+08:00"), "started_at"),
    (lambda r: r.update(started_at="2026-01-01T09:00:00"), "started_at"),  # no offset: ambiguous
    (lambda r: r["answers"].update(vehicle_type="truck_9"), "vehicle_type"),
    (lambda r: r["answers"].pop("plate"), "plate"),
    (lambda r: r["answers"].update(unknown_item="x"), "unknown_item"),
    (lambda r: r["answers"].update(permit_photo=[str(uuid.uuid4())]), "permit_photo"),  # hidden item
    (lambda r: r["evidence"].pop(), "evidence"),  # an answer names a file the list lacks
    (lambda r: r["evidence"].append({**r["evidence"][0], "uuid": str(uuid.uuid4())}), "evidence"),
    (lambda r: r["evidence"][0].update(media_type="audio/webm"), "evidence"),
    (lambda r: r["evidence"][0].update(sha256="abc"), "evidence"),
    (lambda r: r.update(subject={"kind": "spaceship", "name": "x"}), "subject"),
    (lambda r: r.update(extra_field=1), "extra_field"),
    (lambda r: r.update(replaces=str(uuid.uuid4()), amendment_reason="更正车牌"), "replaces"),
    (lambda r: r.update(replaces=str(uuid.uuid4())), "amendment_reason"),
])
def test_records_that_do_not_fit_are_rejected_with_the_reason(login_as, mutate, field):
    officer = login_as("officer1")
    record = overload_record()
    mutate(record)
    result = rejected(officer, record)
    assert field in result["errors"], result["errors"]
    assert all(isinstance(m, (str, dict, list)) for m in result["errors"].values())


def test_an_officer_with_an_expired_certificate_cannot_submit(login_as, personas, create_user):
    create_user("officer8", certificate="expired")
    client = login_as("officer1")
    result = rejected(client, overload_record(officers=["officer1", "officer8"]))
    assert "执法证" in result["errors"]["officers"][0]


def test_certificate_is_judged_on_the_inspection_day(login_as, personas):
    officer2 = personas["officer2"]
    officer2.certificate_valid_from = (datetime.now(SHANGHAI) - timedelta(days=1)).date()
    db.session.commit()
    record = overload_record(started_at=datetime.now(SHANGHAI) - timedelta(days=3))
    rejected(login_as("officer1"), record)


def test_only_officers_sync(login_as):
    for who in ("reviewer1", "admin"):
        r = login_as(who).post("/api/sync", json=sync_body(overload_record()))
        assert r.status_code == 403
    assert count(Inspection) == 0


@pytest.mark.parametrize("body, status, code", [
    ({"records": []}, 422, "request.validation"),
    ({"records": "x"}, 422, "request.validation"),
    ({"device_time": "yesterday", "records": []}, 422, "request.validation"),
    ({}, 422, "request.validation"),
])
def test_malformed_batches(login_as, body, status, code):
    r = login_as("officer1").post("/api/sync", json=body)
    assert r.status_code == status and r.get_json()["code"] == code


def test_batch_limits(login_as, app):
    officer = login_as("officer1")
    too_many = [overload_record() for _ in range(app.config["SYNC_MAX_RECORDS"] + 1)]
    r = officer.post("/api/sync", json=sync_body(*too_many))
    assert r.status_code == 413 and r.get_json()["code"] == "sync.too_many_records"
    huge = [{"uuid": str(uuid.uuid4())} for _ in range(10_000)]
    r = officer.post("/api/sync", json={"records": huge})
    assert r.status_code == 413
    r = officer.post("/api/sync", data="records=1", content_type="text/plain")
    assert r.status_code == 415
    assert count(Inspection) == 0


def test_a_record_whose_evidence_never_arrives_stays_incomplete(login_as):
    officer = login_as("officer1")
    record = overload_record()
    sync(officer, record)
    listed = officer.get("/api/inspections?incomplete=true").get_json()["items"]
    assert [i["uuid"] for i in listed] == [record["uuid"]]
    inspection = db.session.get(Inspection, uuid.UUID(record["uuid"]))
    for evidence in inspection.evidence[:-1]:
        mark_evidence_received(evidence, utcnow())
    db.session.commit()
    assert db.session.get(Inspection, uuid.UUID(record["uuid"])).status == "incomplete"
    # The database itself refuses to call it complete while a file is missing.
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Inspection).values(status="complete"))
        db.session.flush()
    db.session.rollback()
    inspection = db.session.get(Inspection, uuid.UUID(record["uuid"]))
    mark_evidence_received(inspection.evidence[-1], utcnow())
    db.session.commit()
    detail = officer.get(f"/api/inspections/{record['uuid']}").get_json()
    assert detail["status"] == "complete" and detail["missing_evidence"] == []
    assert audit_actions()[-1] == "inspection.completed"


def test_sync_status_tells_a_phone_what_the_server_holds(login_as):
    officer = login_as("officer1")
    a, b = overload_record(), overload_record()
    sync(officer, a, b)
    r = officer.get(f"/api/sync/status?uuid={a['uuid']}&uuid={uuid.uuid4()}")
    assert [x["uuid"] for x in r.get_json()] == [a["uuid"]]
    since = (datetime.now(SHANGHAI) - timedelta(minutes=5)).isoformat()
    r = officer.get("/api/sync/status", query_string={"since": since})
    assert {x["uuid"] for x in r.get_json()} == {a["uuid"], b["uuid"]}
    assert login_as("officer2").get("/api/sync/status", query_string={"since": since}).get_json() == []
    assert officer.get("/api/sync/status").status_code == 422


def test_an_amendment_replaces_a_returned_record_with_a_reason(login_as):
    officer = login_as("officer1")
    original = overload_record()
    sync(officer, original)
    amendment = overload_record(replaces=original["uuid"], amendment_reason="车牌号录入有误")
    result = sync(officer, amendment)["results"][0]
    assert result["result"] == "rejected" and "replaces" in result["errors"]  # not returned yet
    stored = db.session.get(Inspection, uuid.UUID(original["uuid"]))
    for evidence in stored.evidence:
        mark_evidence_received(evidence, utcnow())
    stored.status, stored.return_comment = "returned", "请更正。"  # as a supervisor's return does
    db.session.commit()
    result = sync(officer, amendment)["results"][0]
    assert result["result"] == "created" and result["revision"] == 2
    detail = officer.get(f"/api/inspections/{amendment['uuid']}").get_json()
    assert detail["replaces_uuid"] == original["uuid"]
    assert detail["amendment_reason"] == "车牌号录入有误"
    assert [r["uuid"] for r in detail["revisions"]] == [original["uuid"], amendment["uuid"]]
    # The original is untouched, and cannot be amended twice.
    assert db.session.get(Inspection, uuid.UUID(original["uuid"])).status == "returned"
    again = overload_record(replaces=original["uuid"], amendment_reason="再次更正")
    stale = sync(officer, again)["results"][0]
    assert (stale["result"], stale["code"]) == ("conflict", "sync.amendment_superseded")
    assert (stale["latest_uuid"], stale["latest_revision"]) == (amendment["uuid"], 2)
    assert "第 2 版" in stale["detail"] and "replaces" not in stale["detail"]


def test_an_amendment_may_keep_the_photos_of_the_revision_it_replaces(login_as):
    officer = login_as("officer1")
    original = overload_record()
    sync(officer, original)
    stored = db.session.get(Inspection, uuid.UUID(original["uuid"]))
    for evidence in stored.evidence:
        mark_evidence_received(evidence, utcnow())
    stored.status, stored.return_comment = "returned", "请更正。"  # as a supervisor's return does
    db.session.commit()
    amendment = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"],
                 "amendment_reason": "补充说明", "answers": {**original["answers"], "cargo": "螺纹钢"}}
    result = sync(officer, amendment)["results"][0]
    assert result["result"] == "created" and result["status"] == "complete", result
    assert count(Evidence) == 7
    detail = officer.get(f"/api/inspections/{amendment['uuid']}").get_json()
    assert sorted(e["uuid"] for e in detail["evidence"]) == sorted(e["uuid"] for e in original["evidence"])
    assert all(e["received_at"] for e in detail["evidence"])


def test_the_same_record_twice_in_one_batch(login_as):
    officer = login_as("officer1")
    record = overload_record()
    altered = {**record, "app_version": "9.9.9"}
    results = sync(officer, record, record, altered)["results"]
    assert [r["result"] for r in results] == ["created", "duplicate", "conflict"]
    assert results[0]["received_at"] == results[1]["received_at"]
    assert count(Inspection) == 1


def test_two_records_claiming_one_evidence_file(login_as):
    officer = login_as("officer1")
    a, b = overload_record(), overload_record()
    shared = a["evidence"][0]
    b["evidence"][0] = {**shared, "item_id": b["evidence"][0]["item_id"]}
    b["answers"]["scene_photos"] = [shared["uuid"]]
    results = sync(officer, a, b)["results"]
    assert [r["result"] for r in results] == ["created", "rejected"]
    assert "evidence" in results[1]["errors"]


def test_a_record_the_database_refuses_does_not_fail_the_others(login_as):
    """A constraint no check foresaw (here a trigger) sends the batch down the one-by-one path."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text(
            "CREATE TRIGGER refuse_plate BEFORE INSERT ON inspections WHEN NEW.subject_name = '浙F66666' "
            "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"))
    else:
        db.session.execute(sa.text(
            "CREATE FUNCTION refuse_plate() RETURNS trigger AS $$ BEGIN "
            "IF NEW.subject_name = '浙F66666' THEN "
            "RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"))
        db.session.execute(sa.text("CREATE TRIGGER refuse_plate BEFORE INSERT ON inspections "
                                   "FOR EACH ROW EXECUTE FUNCTION refuse_plate()"))
    db.session.commit()
    officer = login_as("officer1")
    records = [overload_record(plate="浙F00001"), overload_record(plate="浙F66666"), overload_record(plate="浙F00003")]
    results = sync(officer, *records)["results"]
    assert [r["result"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["code"] == "sync.storage_refused"
    assert count(Inspection) == 2
    assert audit_actions().count("inspection.submitted") == 2
    # The form version the records name is kept although the batch's first write was rolled back.
    from server.forms.models import PublishedFormVersion
    assert db.session.execute(sa.select(PublishedFormVersion.form_id, PublishedFormVersion.version)).all() \
        == [("overload", 1)]


def test_a_record_refused_once_on_its_own_is_tried_again(login_as):
    """On PostgreSQL a refusal on a unique key comes after the database waited for the other
    transaction that holds the key, so a second try of that record alone sees that
    transaction's row (a copy of the record another server stored, say) and is answered from it.
    Here a trigger refuses one record's first three inserts (the batch's two bulk writes and its
    first try alone), counted by a sequence, which no rollback undoes."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a sequence counts the refusals: PostgreSQL's")
    db.session.execute(sa.text("CREATE SEQUENCE refusals"))
    db.session.execute(sa.text(
        "CREATE FUNCTION refuse_plate_thrice() RETURNS trigger AS $$ BEGIN "
        "IF NEW.subject_name = '浙F77777' AND nextval('refusals') <= 3 THEN "
        "RAISE EXCEPTION 'refused' USING ERRCODE = 'unique_violation'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"))
    db.session.execute(sa.text("CREATE TRIGGER refuse_plate_thrice BEFORE INSERT ON inspections "
                               "FOR EACH ROW EXECUTE FUNCTION refuse_plate_thrice()"))
    db.session.commit()
    records = [overload_record(plate="浙F00001"), overload_record(plate="浙F77777")]
    results = sync(login_as("officer1"), *records)["results"]
    assert [r["result"] for r in results] == ["created", "created"], results
    assert db.session.execute(sa.text("SELECT last_value FROM refusals")).scalar() == 4
    assert count(Inspection) == 2
    assert audit_actions().count("inspection.submitted") == 2


def test_a_record_keeps_the_form_version_it_names(login_as):
    from server.forms.models import PublishedFormVersion

    assert count(PublishedFormVersion) == 0  # the test app never ran wsgi's publish step
    sync(login_as("officer1"), overload_record())
    rows = db.session.execute(sa.select(PublishedFormVersion.form_id, PublishedFormVersion.version)).all()
    assert rows == [("overload", 1)]
    assert "form.version_loaded" in audit_actions()


def test_a_resend_is_answered_with_the_files_still_missing_when_it_is_sent(login_as):
    """A phone that lost the first answer learns from the resend's what the server holds now:
    the files that arrived since leave `missing_evidence`, in the record's order, and the
    record is complete once none is missing. A batch of resends is answered each from its own."""
    officer = login_as("officer1")
    record, other = overload_record(), overload_record()
    sync(officer, record, other)
    listed = [e["uuid"] for e in record["evidence"]]
    inspection = db.session.get(Inspection, uuid.UUID(record["uuid"]))
    for evidence in inspection.evidence:
        if str(evidence.uuid) in (listed[0], listed[3]):
            mark_evidence_received(evidence, utcnow())
    db.session.commit()
    again, second = sync(officer, record, other)["results"]
    assert (again["result"], again["status"]) == ("duplicate", "incomplete")
    assert again["missing_evidence"] == [u for u in listed if u not in (listed[0], listed[3])]
    db.session.expire_all()
    stored = db.session.get(Inspection, uuid.UUID(record["uuid"]))
    assert again["missing_evidence"] == [str(u) for u in stored.missing_evidence]  # the model's own rule
    assert second["missing_evidence"] == [e["uuid"] for e in other["evidence"]]
    inspection = db.session.get(Inspection, uuid.UUID(record["uuid"]))
    for evidence in inspection.evidence:
        mark_evidence_received(evidence, utcnow())
    db.session.commit()
    again = sync(officer, record)["results"][0]
    assert (again["result"], again["status"], again["missing_evidence"]) == ("duplicate", "complete", [])


def test_a_resend_is_a_duplicate_even_when_its_checks_would_now_fail(login_as):
    """The writer's turn finds a stored record by writing it (ON CONFLICT DO NOTHING), not by a
    look-up before the checks: a resend that the checks now refuse (an officer disabled since)
    still gets the original answer, and nothing changes."""
    from server.accounts.models import User

    officer = login_as("officer1")
    record = overload_record()
    first = sync(officer, record)["results"][0]
    db.session.execute(sa.update(User).where(User.username == "officer2").values(disabled_at=utcnow()))
    db.session.commit()
    again = sync(officer, record)["results"][0]
    assert again["result"] == "duplicate"
    assert {k: again[k] for k in ("uuid", "status", "received_at", "revision")} \
        == {k: first[k] for k in ("uuid", "status", "received_at", "revision")}
    assert count(Inspection) == 1
    assert audit_actions().count("inspection.submitted") == 1


def test_a_record_naming_evidence_another_record_holds_is_rejected_and_the_others_created(login_as):
    """The batch's first write fails on the evidence UUID; the batch is then written after a
    look-up, and only the record that names another record's file is refused, as before."""
    officer = login_as("officer1")
    earlier = overload_record()
    sync(officer, earlier)
    claims, fine = overload_record(), overload_record()
    shared = earlier["evidence"][0]
    claims["evidence"][0] = {**shared, "item_id": claims["evidence"][0]["item_id"]}
    claims["answers"]["scene_photos"] = [shared["uuid"]]
    results = sync(officer, claims, fine)["results"]
    assert [r["result"] for r in results] == ["rejected", "created"]
    assert results[0]["code"] == "sync.invalid_answers"
    assert results[0]["errors"]["evidence"] == [f"证据编号 {shared['uuid']} 已被其他记录使用。"]
    assert count(Inspection) == 2
    assert count(Evidence) == 2 * len(fine["evidence"])


def test_a_uuid_sent_twice_whose_first_copy_is_refused(login_as):
    """Each copy is checked: the refused first copy is answered rejected, the valid second one is
    created (it used to be left unchecked and failed the whole batch)."""
    officer = login_as("officer1")
    record = overload_record()
    broken = {**record, "officers": ["officer1", "nobody"]}
    results = sync(officer, broken, record)["results"]
    assert [r["result"] for r in results] == ["rejected", "created"]
    assert count(Inspection) == 1


@pytest.mark.parametrize("ended", ["revoked", "expired", "disabled"])
def test_a_sync_on_an_ended_session_is_refused_though_its_officers_load_with_it(login_as, ended):
    """The session's user and the batch's officers come from one query (auth.names_users): a
    revoked or expired session, or a disabled submitter, is still no user, and nothing is stored."""
    officer = login_as("officer1")
    record = overload_record()
    end_in_database(ended, "officer1")
    response = officer.post("/api/sync", json=sync_body(record))
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["code"] == "auth.required"
    assert count(Inspection) == 0
