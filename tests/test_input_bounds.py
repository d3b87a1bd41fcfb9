"""Every integer and date the API takes is bounded to what the database holds, and checked before
it reaches the database: on SQLite and PostgreSQL alike, an out-of-range value is a 4xx answer
(a `rejected` record in a sync batch), never a 500, and nothing stored changes."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.inspections.models import Inspection

from .factories import overload_record, sync_body
from .test_bad_input import assert_problem

INT64_OVER = 2 ** 63  # 9223372036854775808: one past SQLite's INTEGER and PostgreSQL's bigint
INT32_OVER = 2 ** 31  # one past PostgreSQL's integer


@pytest.mark.parametrize("value", [INT64_OVER, INT32_OVER, -INT64_OVER - 1, 10 ** 30])
def test_one_record_with_an_out_of_range_integer_never_fails_the_batch(login_as, value):
    officer = login_as("officer1")
    good, bad = overload_record(), overload_record(plate="浙F54321")
    bad["form_version"] = value
    r = officer.post("/api/sync", json={"device_time": None, "records": [good, bad]})
    assert r.status_code == 200, r.get_json()
    created, rejected = r.get_json()["results"]
    assert created["result"] == "created" and created["uuid"] == good["uuid"]
    assert rejected["result"] == "rejected" and rejected["code"] == "sync.invalid_record"
    (message,) = rejected["errors"]["form_version"]
    assert "应在" in message or "应不" in message, message  # a zh-CN range a user can act on
    db.session.expire_all()
    assert db.session.execute(sa.select(Inspection.uuid)).scalars().all() == [uuid.UUID(good["uuid"])]


def test_out_of_range_evidence_size_is_a_rejected_record(login_as):
    record = overload_record()
    record["evidence"][0]["size"] = INT64_OVER
    r = login_as("officer1").post("/api/sync", json=sync_body(record))
    (result,) = r.get_json()["results"]
    assert result["result"] == "rejected" and "evidence" in result["errors"]


@pytest.mark.parametrize("path", [
    "/api/inspections?from=0001-01-01", "/api/inspections?to=9999-12-31",
    "/api/inspections?from=0001-01-01&to=9999-12-31",
    "/api/review/queue?from=0001-01-01", "/api/review/queue?to=9999-12-31",
    "/api/sync/status?since=0001-01-01T00:00:00%2B08:00",
    "/api/sync/status?since=9999-12-31T23:59:59-12:00",
    "/api/audit/consistency?first=1&second=9223372036854775808",
    "/api/audit/consistency?first=-9223372036854775809&second=1",
])
def test_far_dates_and_huge_integers_in_a_query_are_a_422(login_as, path):
    body = assert_problem(login_as("officer1").get(path), 422, "request.validation")
    assert body["errors"], body


def test_a_far_date_is_told_in_chinese_with_the_range(login_as):
    body = login_as("officer1").get("/api/inspections?from=0001-01-01").get_json()
    (message,) = body["errors"]["from"]
    assert message.startswith("日期应在"), message


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/forms/road-patrol/9223372036854775808"),
    ("GET", "/api/forms/overload/2147483648"),
    ("GET", "/api/users/9223372036854775808"),
    ("PATCH", "/api/users/9223372036854775808"),
    ("PUT", "/api/users/9223372036854775808/password"),
    ("PUT", "/api/users/2147483648/certificate"),
])
def test_an_out_of_range_id_in_a_path_is_not_found(login_as, method, path):
    admin = login_as("admin")
    body = {"PATCH": {"display_name": "x"}, "PUT": {"password": "a-long-password-1"}}.get(method)
    if path.endswith("certificate"):
        body = {"number": None, "valid_from": None, "valid_until": None}
    r = admin.open(path, method=method, json=body)
    assert_problem(r, 404, "request.not_found")


@pytest.mark.parametrize("payload", [
    {"number": "330424x", "valid_from": "0001-01-01", "valid_until": "9999-12-31"},
    {"number": "330424x", "valid_from": None, "valid_until": "9999-12-31"},
])
def test_certificate_dates_are_bounded(login_as, personas, payload):
    r = login_as("admin").put(f"/api/users/{personas['officer1'].id}/certificate", json=payload)
    assert_problem(r, 422, "request.validation")


@pytest.mark.parametrize("member, value", [("officers", INT64_OVER), ("officers", "officer1"),
                                           ("evidence", 7), ("evidence", {"uuid": "x"})])
def test_a_record_whose_lists_are_not_lists_never_fails_the_batch(login_as, member, value):
    good, bad = overload_record(), overload_record(plate="浙F54321")
    bad[member] = value
    r = login_as("officer1").post("/api/sync", json=sync_body(good, bad))
    assert r.status_code == 200, r.get_json()
    assert [one["result"] for one in r.get_json()["results"]] == ["created", "rejected"]


@pytest.mark.parametrize("path", ["/api/inspections?q=%00", "/api/inspections?officer=a%00b",
                                  "/api/review/queue?form=%00",
                                  "/api/sync/status?device_id=%00&since=2026-05-01T00:00:00Z"])
def test_a_nul_in_a_query_string_is_refused_before_any_query(login_as, path):
    body = assert_problem(login_as("officer1").get(path), 400, "request.invalid")
    assert "NUL" in body["detail"] and body["errors"]


@pytest.mark.parametrize("path", ["/api/forms/over%00load/1", "/api/forms/%00/1"])
def test_a_nul_in_a_path_segment_is_not_found(login_as, path):
    assert_problem(login_as("officer1").get(path), 404, "request.not_found")
