"""The outbox's rows: states guarded by the database, leases that keep two workers off one
delivery, and the CLI that adds collectors and endpoints."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.clock import utcnow
from server.export import outbox
from server.export.models import ExportDelivery
from server.extensions import db


@pytest.mark.parametrize("values", [
    {"state": "delivered"},  # without delivered_at
    {"state": "dead"},  # without dead_at
    {"state": "lost"},
    {"state": "pending", "lease_owner": "w1"},  # a lease without its end
    {"state": "pending", "attempts": -1},
])
def test_the_database_refuses_a_delivery_in_an_impossible_state(app, personas, endpoint, values):
    endpoint("http://127.0.0.1:9/hooks")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(ExportDelivery.__table__.insert(), [{
            "endpoint_id": 1, "seq": 1, "event_id": "evt_x", "attempts": 0,
            "next_attempt_at": utcnow(), **values}])
        db.session.flush()
    db.session.rollback()


def test_a_lease_keeps_other_workers_off_until_it_expires(app, personas, endpoint):
    endpoint("http://127.0.0.1:9/hooks")
    now = utcnow()
    outbox.enqueue_new(now)
    first = outbox.claim_due("worker-a", now, 3)
    assert len(first) == 3
    assert set(outbox.claim_due("worker-b", now, 100)).isdisjoint(first)  # b gets the others
    later = now + timedelta(hours=1)  # worker-a died: its lease ran out
    again = outbox.claim_due("worker-c", later, 3)
    assert again == first
    # worker-a comes back: its outcome is not recorded, worker-c's is.
    assert outbox.finish(first[0], "worker-a", later, ok=True, status=204, error=None) is None
    assert outbox.finish(first[0], "worker-c", later, ok=True, status=204, error=None) == "delivered"
    db.session.commit()


def test_the_cli_adds_endpoints_with_a_secret_and_collectors_with_a_token(app, runner, personas):
    added = runner.invoke(args=["export", "endpoint-add", "province", "https://platform.example/hook"])
    assert added.exit_code == 0, added.output
    secret = added.output.strip()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    twice = runner.invoke(args=["export", "endpoint-add", "province", "https://platform.example/hook"])
    assert twice.exit_code != 0 and "export.endpoint_exists" in twice.output
    token = runner.invoke(args=["export", "client-add", "collector"]).output.strip()
    assert token.startswith("fcx_")
    pulled = app.test_client().get("/api/export/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert pulled.status_code == 200
    listed = runner.invoke(args=["export", "endpoints"])
    assert '"name": "province"' in listed.output and '"active": true' in listed.output
    assert runner.invoke(args=["export", "endpoint-disable", "province"]).exit_code == 0
    assert '"active": false' in runner.invoke(args=["export", "endpoints"]).output
    assert outbox.claim_due("worker", utcnow(), 10) == [] and outbox.enqueue_new(utcnow()) == 0
    unknown = runner.invoke(args=["export", "endpoint-disable", "nobody"])
    assert unknown.exit_code != 0 and "export.endpoint_not_found" in unknown.output


def test_a_worker_takes_the_writers_turn_only_for_exported_entries(app, personas, login_as):
    """Every write wakes the delivery threads; a write that exports nothing (a login) must not
    send them queueing for the writer's turn."""
    from server.accounts import service as accounts

    outbox.add_endpoint("province", "http://127.0.0.1:9/hooks", from_now=True)
    db.session.commit()
    login_as("officer1")  # audited (auth.login), not exported
    db.session.rollback()
    assert outbox.work_waiting(utcnow()) is False
    accounts.create_user("officer9", "correct horse battery", team_code="A")
    db.session.commit()
    assert outbox.work_waiting(utcnow()) is True
