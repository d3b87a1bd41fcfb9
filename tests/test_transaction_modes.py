"""How each request uses the database (server/database.py): every write route states its mode,
and the modes and the "keep the audit entry, then answer with an error" helper do what they say."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from server import database
from server.accounts.models import User
from server.audit.models import AuditEntry
from server.audit.service import record_event
from server.database import READER, STEPS, WRITER, WRITER_AFTER_CHECKS, db_mode, mode_of
from server.errors import ApiError
from server.extensions import db

# Every route whose request writes, and its mode. Plain POST/PUT/PATCH/DELETE views are WRITER
# by default (nothing to declare on the view); a new one is one line here, `"POST /api/x": WRITER`.
# A GET that writes, or any other mode, is declared on the view with @db_mode(...).
WRITE_ROUTES = {
    # declared on the view
    "GET /api/evidence/<uuid:evidence_uuid>/original": WRITER,  # audits the download
    "GET /api/inspections/<uuid:inspection_uuid>/export": WRITER,  # audits and signs the export
    "GET /api/inspections/<uuid:inspection_uuid>/record.pdf": WRITER,  # audits the print
    "GET /api/inspections/<uuid:inspection_uuid>/trail": WRITER,  # may sign a checkpoint
    "GET /api/documents/<uuid:document_uuid>/pdf": WRITER,  # audits the download
    "GET /api/cases/<id:case_id>/documents/<uuid:document_uuid>.pdf": WRITER,  # audits the download
    "GET /api/archives/<uuid:archive_uuid>/package": WRITER,  # audits the download
    "POST /api/sync": WRITER_AFTER_CHECKS,
    "HEAD /api/uploads/<upload_id>": STEPS,
    "PATCH /api/uploads/<upload_id>": STEPS,
    "DELETE /api/uploads/<upload_id>": STEPS,
    # the default for plain write views
    "POST /api/inspections/<uuid:inspection_uuid>/review/approve": WRITER,
    "POST /api/inspections/<uuid:inspection_uuid>/review/legal-opinion": WRITER,
    "POST /api/inspections/<uuid:inspection_uuid>/review/legal-review": WRITER,
    "POST /api/inspections/<uuid:inspection_uuid>/review/return": WRITER,
    "POST /api/session": WRITER,
    "DELETE /api/session": WRITER,
    "POST /api/teams": WRITER,
    "POST /api/uploads": STEPS,
    "POST /api/users": WRITER,
    "PATCH /api/users/<id:user_id>": WRITER,
    "PUT /api/users/<id:user_id>/certificate": WRITER,
    "PUT /api/users/<id:user_id>/password": WRITER,
    # cases and dispositions (server/cases/)
    "POST /api/inspections/<uuid:inspection_uuid>/findings/<item_id>/disposition": WRITER,
    "POST /api/dispositions/<id:disposition_id>/confirm": WRITER,
    "POST /api/dispositions/<id:disposition_id>/reject": WRITER,
    "POST /api/cases/<id:case_id>/steps/<action>": WRITER,
    "POST /api/cases/<id:case_id>/payments": WRITER,
    "POST /api/cases/<id:case_id>/transfer-letter": WRITER,
    "POST /api/payments/notices": WRITER,
    # the calculator only computes: a POST that reads
    "POST /api/discretion/calculate": READER,
    # the calendar: an admin's entry of a year, checked first with a POST that reads
    "POST /api/calendar/years/check": READER,
    "POST /api/calendar/years": WRITER,
    # its correction, whole, with a reason; checked the same way first
    "POST /api/calendar/years/<int(min=2000, max=2200):year>/corrections/check": READER,
    "POST /api/calendar/years/<int(min=2000, max=2200):year>/corrections": WRITER,
    # a legal reviewer's check of an entered year against its notice
    "POST /api/calendar/years/<int(min=2000, max=2200):year>/checks": WRITER,
    # documents and the archive (server/documents/, server/archive/)
    "POST /api/documents": WRITER,
    "POST /api/inspections/<uuid:inspection_uuid>/documents/inspection-record": WRITER,
    "POST /api/inspections/<uuid:inspection_uuid>/archive": WRITER,
    "POST /api/archives/<uuid:archive_uuid>/facts": WRITER,
    "POST /api/archives/<uuid:archive_uuid>/transfer": WRITER,
    # the simple procedure on the spot (server/simple/)
    "POST /api/devices/<device_id>/number-blocks": WRITER,
    "POST /api/devices/<device_id>/number-blocks/<uuid:block_uuid>/return": WRITER,
    "POST /api/simple-decisions/sync": WRITER,
    # the directories (server/targets/, server/officers/)
    "POST /api/targets/import": WRITER,
    "POST /api/officer-directory/<id:user_id>/absences": WRITER,
    "POST /api/officer-directory/<id:user_id>/certificates": WRITER,
    "POST /api/officer-directory/<id:user_id>/conflicts": WRITER,
    "POST /api/officer-directory/absences/<id:absence_id>/cancel": WRITER,
    "POST /api/officer-directory/certificates/<id:certificate_id>/revoke": WRITER,
    "POST /api/officer-directory/conflicts/<id:conflict_id>/withdraw": WRITER,
    # oversight and training (server/oversight/, server/training/)
    "POST /api/oversight/warnings/<id:warning_id>/acknowledge": WRITER,
    "POST /api/oversight/warnings/scan": WRITER,
    "POST /api/training/import": WRITER,
    "POST /api/training/records": WRITER,
    # the provincial export (server/export/)
    "POST /api/export/dead-letters/<id:delivery_id>/replay": WRITER,
    # random inspection plans and their tasks (server/draws/)
    "POST /api/plans": WRITER,
    "POST /api/plans/<id:plan_id>/approve": WRITER,
    "POST /api/plans/<id:plan_id>/cancel": WRITER,
    "POST /api/plans/<id:plan_id>/commit": WRITER,
    "POST /api/plans/<id:plan_id>/draw": WRITER,
    # 案卷评查: the quarterly review sample, scores and problems (server/evalreview/)
    "POST /api/evalreview/samples": WRITER,
    "POST /api/evalreview/samples/<id:sample_id>/draw": WRITER,
    "POST /api/evalreview/samples/<id:sample_id>/scores": WRITER,
    "POST /api/evalreview/problems/<id:problem_id>/fix": WRITER,
    "POST /api/tasks/<uuid:task_id>/completion": WRITER,
    "POST /api/tasks/<uuid:task_id>/publish": WRITER,
    "POST /api/follow-up-tasks/<id:task_id>/completion": WRITER,
}


def _routes_that_write(app) -> dict[str, str]:
    found = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in rule.methods:
            if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
                continue
            if method == "HEAD" and "GET" in rule.methods:
                continue  # answered by the GET view, in its mode
            mode = mode_of(view, method)
            if mode != READER or hasattr(view, "db_mode"):
                found[f"{method} {rule.rule}"] = mode
    return found


def test_every_write_route_states_its_mode(app):
    found = _routes_that_write(app)
    unlisted = {route: mode for route, mode in found.items() if route not in WRITE_ROUTES}
    assert not unlisted, ("a write route without a line in WRITE_ROUTES: add it (plain write "
                          f"views: WRITER, the default) or declare its mode on the view: {unlisted}")
    assert found == WRITE_ROUTES


def test_a_mode_must_be_one_of_the_documented_ones():
    with pytest.raises(ValueError, match="unknown database mode"):
        db_mode("writes_on_read")


def _actions() -> list[str]:
    db.session.remove()
    return db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()


def test_a_kept_refusal_is_durable_though_the_answer_is_an_error(app, client):
    after = []

    @app.post("/api/_kept-refusal")
    def kept_refusal():
        record_event("test.refused")
        database.commit_then_raise(ApiError("auth.forbidden"), then=lambda: after.append(_actions()))

    @app.post("/api/_plain-refusal")
    def plain_refusal():
        record_event("test.refusal.lost")
        raise ApiError("auth.forbidden")

    answer = client.post("/api/_kept-refusal")
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == "auth.forbidden"
    assert after == [["test.refused"]]  # `then` runs once the entry is committed
    assert client.post("/api/_plain-refusal").status_code == 403
    assert _actions() == ["test.refused"]


def test_writer_after_checks_reads_first_then_writes_and_commits_once(app, client):
    intents = []

    @app.post("/api/_checked-write")
    @db_mode(WRITER_AFTER_CHECKS)
    def checked_write():
        intents.append(database._write_intent.get())
        database.start_writing()
        intents.append(database._write_intent.get())
        record_event("test.checked")
        return {"ok": True}

    assert client.post("/api/_checked-write").status_code == 200
    assert intents == [False, True]
    assert _actions() == ["test.checked"]


def test_steps_begin_as_readers_and_commit_at_the_end_only_when_the_method_writes(app, client):
    intents = []

    @app.route("/api/_steps", methods=["HEAD", "PATCH"])
    @db_mode(STEPS)
    def steps():
        intents.append(database._write_intent.get())  # the session's user was read as a reader
        database.start_writing()
        record_event(f"test.step.{len(intents)}")
        return {"ok": True}

    assert client.patch("/api/_steps").status_code == 200  # its write step is committed at the end
    assert client.head("/api/_steps").status_code == 200  # a reader's method: its write is not kept
    assert intents == [False, False]
    assert _actions() == ["test.step.1"]


def test_the_end_commit_stores_a_change_made_after_the_last_commit_and_begins_nothing_when_idle(
        app, client, personas):
    """The request's commit at its end (database.commit_at_end): a change to a loaded object after
    the view's own commit (no transaction open, but the object is dirty) is still stored; when
    nothing is open or pending (a sync whose group committed its writes) no transaction is begun
    only to be ended."""
    def officer():
        return db.session.execute(sa.select(User).where(User.username == "officer1")).scalar_one()

    begun = []

    @app.post("/api/_late-change")
    def late_change():
        user = officer()
        database.commit(keep_loaded=True)  # no transaction open from here
        user.display_name = "改过的名字"
        return {"ok": True}

    @app.post("/api/_idle-at-end")
    def idle_at_end():
        record_event("test.idle")
        database.commit(keep_loaded=True)
        sa.event.listen(db.session(), "after_transaction_create", lambda *_: begun.append(1))
        return {"ok": True}

    assert client.post("/api/_late-change").status_code == 200
    db.session.remove()
    assert officer().display_name == "改过的名字"
    app.extensions["audit_checkpoint_schedule"]["next_check"] = float("inf")  # no checkpoint's read step
    assert client.post("/api/_idle-at-end").status_code == 200
    assert begun == []
    assert _actions()[-1] == "test.idle"
