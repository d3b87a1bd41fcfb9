"""The collector's pull API: only a collector's token or an administrator; pages in audit order
behind opaque cursors; nothing skipped or repeated while officers keep writing; a bad cursor is
a problem, never a guess."""
from __future__ import annotations

import base64
import threading

import pytest

from server.accounts import service as accounts
from server.export import clients
from server.extensions import db
from testing.sql import statements_run

from .conftest import pull_all

EVENTS = "/api/export/v1/events"


def test_only_a_collector_or_an_administrator_may_pull(app, personas, login_as, collector):
    anonymous = app.test_client().get(EVENTS)
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "auth.required"
    for username in ("officer1", "supervisor1", "reviewer1"):
        refused = login_as(username).get(EVENTS)
        assert refused.status_code == 403 and refused.get_json()["code"] == "auth.forbidden"
    assert login_as("admin").get(EVENTS).status_code == 200
    assert app.test_client().get(EVENTS, headers=collector[1]).status_code == 200
    forged = app.test_client().get(EVENTS, headers={"Authorization": "Bearer fcx_not-a-token"})
    assert forged.status_code == 401 and forged.mimetype == "application/problem+json"
    assert forged.get_json()["code"] == "export.token_invalid"
    clients.revoke_client(collector[0])
    db.session.commit()
    revoked = app.test_client().get(EVENTS, headers=collector[1])
    assert revoked.status_code == 401 and revoked.get_json()["code"] == "export.token_invalid"


def test_small_pages_give_the_same_events_as_one_page_in_order(app, history, collector):
    client = app.test_client()
    whole, end = pull_all(client, collector[1], limit=50)
    paged, paged_end = pull_all(client, collector[1], limit=3)
    assert [e["id"] for e in paged] == [e["id"] for e in whole]
    assert paged == whole and paged_end == end
    # Caught up: the same cursor gives an empty page, until something new happens.
    again = client.get(EVENTS, query_string={"cursor": end}, headers=collector[1]).get_json()
    assert again == {"events": [], "next_cursor": end, "has_more": False}
    accounts.create_user("officer9", "correct horse battery", team_code="A")
    db.session.commit()
    fresh, _ = pull_all(client, collector[1], cursor=end)
    assert [(e["type"], e["data"]["officer"]["username"]) for e in fresh] == [("officer.created", "officer9")]


@pytest.mark.parametrize("cursor", ["!!!", "bm9wZQ", base64.urlsafe_b64encode(b"v1:12").decode(),
                                    base64.urlsafe_b64encode(b"v1:0:abcdef0123456789").decode()])
def test_a_cursor_that_is_not_ours_is_refused(app, personas, collector, cursor):
    answer = app.test_client().get(EVENTS, query_string={"cursor": cursor}, headers=collector[1])
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == "export.invalid_cursor"


def test_a_cursor_from_another_log_is_refused(app, personas, collector):
    """A cursor names its entry's hash: after a restore, or from another bureau, it does not match."""
    _events, cursor = pull_all(app.test_client(), collector[1])
    seq = base64.urlsafe_b64decode(cursor + "==").decode().split(":")[1]
    for other in (f"v1:{seq}:0000000000000000", f"v1:{int(seq) + 100}:0123456789abcdef"):
        answer = app.test_client().get(EVENTS, headers=collector[1], query_string={
            "cursor": base64.urlsafe_b64encode(other.encode()).decode().rstrip("=")})
        assert answer.status_code == 409 and answer.get_json()["code"] == "export.cursor_unknown"


def test_the_page_size_is_bounded(app, personas, collector):
    answer = app.test_client().get(EVENTS, query_string={"limit": 51}, headers=collector[1])
    assert answer.status_code == 422 and answer.get_json()["code"] == "export.page_too_large"
    answer = app.test_client().get(EVENTS, query_string={"limit": 0}, headers=collector[1])
    assert answer.status_code == 422


def test_no_gap_and_no_repeat_while_officers_are_created_concurrently(app, personas, collector):
    """A writer keeps adding accounts while the collector pages through: every account appears
    exactly once, in the order the log committed them."""
    written = []
    stop = threading.Event()

    def write():
        with app.app_context():
            for i in range(60):
                accounts.create_user(f"bulk{i:03d}", "correct horse battery", team_code="A")
                db.session.commit()
                written.append(f"bulk{i:03d}")
            db.session.remove()
        stop.set()

    writer = threading.Thread(target=write)
    writer.start()
    client, seen, cursor, rounds_with_news = app.test_client(), [], None, 0
    while True:
        finished = stop.is_set()
        events, cursor = pull_all(client, collector[1], limit=4, cursor=cursor)
        seen += events
        rounds_with_news += bool(events)
        if finished:
            break
    writer.join()
    assert rounds_with_news >= 3  # the collector caught up several times while accounts were added
    names = [e["data"]["officer"]["username"] for e in seen if e["type"] == "officer.created"]
    bulk = [n for n in names if n.startswith("bulk")]
    assert bulk == written and len(bulk) == 60
    assert len({e["id"] for e in seen}) == len(seen)
    assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)


def _statements_of_a_page(app) -> tuple[int, int]:
    from server.export.feed import events_page

    db.session.rollback()
    with statements_run() as statements:
        page = events_page(None, 50)
    return len(page["events"]), len(statements)


def test_a_page_reads_its_rows_in_a_few_queries_not_one_per_event(app, login_as, personas):
    """The rows a page's events read are loaded per kind of event, not per event: a second
    inspection history adds events, and only the one query of the amendment's carried-over files."""
    from .conftest import make_history

    make_history(login_as, personas, cases_and_directories=False)
    events_once, statements_once = _statements_of_a_page(app)
    make_history(login_as, personas, cases_and_directories=False)
    events_twice, statements_twice = _statements_of_a_page(app)
    assert events_twice > events_once + 15
    assert statements_twice <= statements_once + 1, (statements_once, statements_twice)
