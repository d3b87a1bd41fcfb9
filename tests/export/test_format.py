"""The v1 format: published schemas that are valid draft 2020-12, served at stable URLs with an
index, covering every event type the registry exports; and every event of a known history
valid against them, with its times in UTC and Asia/Shanghai and no evidence bytes."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from jsonschema import Draft202012Validator

from server.export.kinds import event_types
from server.export.schema_files import SCHEMA_DIR, schema_names

from .conftest import assert_valid, pull_all


def test_every_schema_file_is_valid_draft_2020_12():
    assert {"event.json", "page.json", "common.json"} <= set(schema_names())
    for name in schema_names():
        schema = json.loads((SCHEMA_DIR / name).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_the_envelope_names_a_data_schema_for_every_registered_type():
    event = json.loads((SCHEMA_DIR / "event.json").read_text())
    declared = {rule["if"]["properties"]["type"]["const"]: rule["then"]["properties"]["data"]["$ref"]
                for rule in event["allOf"]}
    assert declared == event_types()


def test_schemas_are_published_with_an_index(client):
    index = client.get("/api/export/v1/schema/")
    assert index.status_code == 200
    body = index.get_json()
    assert body["format"] == "fieldcase.export.v1"
    assert {s["name"] for s in body["schemas"]} == set(schema_names())
    assert {t["type"] for t in body["event_types"]} == set(event_types())
    served = client.get("/api/export/v1/schema/event.json")
    assert served.status_code == 200 and served.mimetype == "application/schema+json"
    assert served.get_json()["$id"] == "http://localhost/api/export/v1/schema/event.json"
    missing = client.get("/api/export/v1/schema/nothing.json")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["code"] == "export.schema_not_found"


def test_every_event_of_a_known_history_follows_the_schema(app, history, collector, personas):
    _name, headers = collector
    events, _cursor = pull_all(app.test_client(), headers)
    for event in events:
        assert_valid("event.json", event)
    # Every type exported today occurs, and nothing else.
    assert {e["type"] for e in events} == set(event_types())
    # An administrator's account is not an officer's: not exported.
    created = [e["data"]["officer"]["username"] for e in events if e["type"] == "officer.created"]
    assert "admin" not in created and {"officer1", "supervisor1", "reviewer1"} <= set(created)
    # Ids are unique and events come in audit order.
    assert len({e["id"] for e in events}) == len(events)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_times_are_utc_and_shanghai_with_device_and_server_side_by_side(app, history, collector):
    events, _ = pull_all(app.test_client(), collector[1])
    submitted = next(e for e in events if e["type"] == "inspection.submitted")
    occurred = submitted["occurred_at"]
    utc, local = datetime.fromisoformat(occurred["utc"]), datetime.fromisoformat(occurred["shanghai"])
    assert utc == local and local.utcoffset() == timedelta(hours=8) and utc.utcoffset() == timedelta(0)
    started = submitted["data"]["started_at"]
    record_start = datetime.fromisoformat(history["record"]["started_at"])
    assert datetime.fromisoformat(started["device"]["utc"]) == record_start
    # The phone's clock agreed with the server's at sync (the offset is a few ms): the server
    # side is derived from it.
    assert started["derived"] == "server"
    offset = submitted["data"]["device"]["clock_offset_ms"]
    assert datetime.fromisoformat(started["device"]["utc"]) - datetime.fromisoformat(
        started["server"]["utc"]) == timedelta(milliseconds=offset)
    received = submitted["data"]["received_at"]
    assert received["derived"] == "device" and received["server"] is not None


def test_evidence_travels_as_links_and_hashes_never_bytes(app, history, collector):
    events, _ = pull_all(app.test_client(), collector[1])
    submitted = next(e for e in events if e["type"] == "inspection.submitted")
    listed = {e["uuid"]: e for e in history["record"]["evidence"]}
    exported = submitted["data"]["evidence"]
    assert {e["uuid"] for e in exported} == set(listed)
    for item in exported:
        assert item["sha256"] == listed[item["uuid"]]["sha256"]
        assert item["href"] == f"/api/evidence/{item['uuid']}/original"
    received = [e for e in events if e["type"] == "evidence.received"
                and e["data"]["inspection"]["root_uuid"] == history["first"]["uuid"]]
    assert len(received) == len(listed) + 1  # the amendment's new photo
    assert max(len(json.dumps(e)) for e in events) < 20_000  # no file content inside


def test_an_amendment_supersedes_the_revision_it_replaces(app, history, collector):
    events, _ = pull_all(app.test_client(), collector[1])
    amended = next(e for e in events if e["type"] == "inspection.amended")
    assert amended["data"]["supersedes"] == history["first"]["uuid"]
    assert amended["data"]["inspection"]["revision"] == 2
    assert amended["data"]["inspection"]["root_uuid"] == history["first"]["uuid"]
    returned = next(e for e in events if e["type"] == "inspection.returned")
    assert returned["data"]["item_comments"] == {"weighing_ticket": "看不清读数。"}
    opinion = next(e for e in events if e["type"] == "inspection.legal_opinion")
    assert opinion["data"]["legal_opinion"] == "agree"
    disabled = next(e for e in events if e["type"] == "officer.disabled")
    assert disabled["data"]["officer"]["active"] is False and disabled["data"]["previous"]["active"]


def test_the_schemas_refuse_what_the_format_does_not_allow(app, history, collector):
    """The validation above is not vacuous: a broken event of each data schema is refused."""
    from .conftest import validator

    events, _ = pull_all(app.test_client(), collector[1])
    for event_type in sorted(event_types()):
        event = json.loads(json.dumps(next(e for e in events if e["type"] == event_type)))
        first_field = sorted(event["data"])[0]
        del event["data"][first_field]
        assert list(validator("event.json").iter_errors(event)), (event_type, first_field)
    event = json.loads(json.dumps(events[0]))
    event["occurred_at"]["shanghai"] = event["occurred_at"]["utc"]  # not +08:00
    assert list(validator("event.json").iter_errors(event))


def test_cases_documents_and_directories_are_exported_as_they_stood(app, history, collector):
    """A case step carries the case as it stood after it and its deadlines on that day; free text
    and names of third parties stay in the case file; documents and archives travel as numbers,
    SHA-256 and links; the directories' changes say what changed."""
    events, _ = pull_all(app.test_client(), collector[1])
    case_id = history["case"]["id"]
    steps = [e for e in events if e["type"].startswith("case.") and e["data"]["case"]["id"] == case_id]
    assert [e["data"]["step"]["action"] for e in steps] == [
        "open", "approve_opening", "add_interview", "link_evidence", "extend", "notify", "record_statement",
        "request_hearing", "record_hearing", "send_to_legal_review", "legal_opinion", "decide", "serve",
        "record_payment", "close"]
    by_action = {e["data"]["step"]["action"]: e["data"] for e in steps}
    opened = by_action["approve_opening"]
    assert opened["state"]["status"] == "investigating" and opened["state"]["decided_on"] is None
    assert [(d["key"], d["due"], d["met_on"]) for d in opened["deadlines"]] == [("decision", "2026-11-30", None)]
    extended = by_action["extend"]
    assert extended["step"]["days"] == 10 and extended["deadlines"][0]["due"] == "2026-12-10"
    decided = by_action["decide"]["state"]
    assert (decided["status"], decided["fine_fen"], decided["decided_on"]) == ("decided", 1_500_000, "2026-09-24")
    assert by_action["notify"]["step"]["within_benchmark"] is False
    paid = by_action["record_payment"]
    assert (paid["step"]["amount_fen"], paid["step"]["late_fee_fen"], paid["state"]["paid_fen"]) == (
        1_815_000, 315_000, 1_815_000)
    closed = by_action["close"]
    assert closed["state"]["status"] == "closed" and {d["key"] for d in closed["deadlines"]} == {
        "decision", "statement", "hearing_request", "service", "payment"}
    assert next(d for d in closed["deadlines"] if d["key"] == "payment")["met_on"] == "2026-10-21"
    text = json.dumps(steps, ensure_ascii=False)
    for private in ("赵师傅", "承认车辆超限运输", "称不知道限重标准", "挂号信回执", "依据条例"):
        assert private not in text, private
    assert closed["state"]["party"] == {"name": "浙F54321", "kind": "citizen"}
    declined = [e["data"]["step"]["action"] for e in events if e["type"].startswith("case.")
                and e["data"]["case"]["id"] == history["declined_case"]["id"]]
    assert declined == ["open", "reject_opening"]
    assert [e["data"]["disposition"]["status"] for e in events if e["type"].startswith("disposition.")] == [
        "proposed", "rejected", "confirmed", "proposed", "confirmed"]

    document = history["document"]["uuid"]
    issued = next(e["data"] for e in events if e["type"] == "document.issued"
                  and e["data"]["document"]["uuid"] == document)
    sealed = next(e["data"] for e in events if e["type"] == "document.sealed"
                  and e["data"]["document"]["uuid"] == document)
    assert issued["number"] == history["document"]["number"] and "fields" not in issued
    pdf = app.test_client()
    pdf.login("supervisor1")
    body = pdf.get(sealed["document"]["pdf_href"]).data
    assert hashlib.sha256(body).hexdigest() == sealed["sealed_pdf_sha256"]
    archives = [e["data"] for e in events if e["type"].startswith("archive.")]
    assert [a["kind"] for a in archives] == ["archive", "transfer"]
    assert archives[1]["transfer_letter"]["uuid"] != document

    changed = next(e["data"] for e in events if e["type"] == "target.changed")
    assert changed["changed"] == {"name": "海盐县顺达物流有限公司", "credit_class": "C"}
    assert changed["before"]["name"] == "海盐县顺达运输有限公司"
    assert [e["data"]["credit_class"] for e in events if e["type"] == "target.credit_class_changed"] == ["B", "C"]
    # the certificate set on the account earlier revoked the one it replaced too: take the directory's
    revoked = next(e["data"] for e in events if e["type"] == "officer.certificate_revoked"
                   and e["data"]["revoked_reason"] == "调离执法岗位")
    assert revoked["certificate"]["domains"] == ["dangerous_goods", "overload"]
    assert revoked["revoked_reason"] == "调离执法岗位"
