"""The officer's own records as a phone pulls them: `officer=me`, only what they took part in,
`latest` revisions, and `replaced_by` so that an amended revision never reads as still returned."""
import uuid

from server.extensions import db
from server.inspections.models import Inspection

from .factories import overload_record, returned, sync_body


def sync(client, *records):
    r = client.post("/api/sync", json=sync_body(*records))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["results"]


def listed(client, query: str) -> dict:
    r = client.get(f"/api/inspections?{query}")
    assert r.status_code == 200, r.get_json()
    return {i["uuid"]: i for i in r.get_json()["items"]}


def test_officer_me_lists_only_the_records_i_took_part_in(login_as, create_user, personas):
    create_user("officer4", team="B")
    mine = overload_record(["officer1", "officer2"], plate="浙F00001")
    with_me = overload_record(["officer2", "officer1"], plate="浙F00002")  # a colleague submitted it
    not_mine = overload_record(["officer3", "officer4"], plate="浙F00003")
    sync(login_as("officer1"), mine)
    sync(login_as("officer2"), with_me)
    sync(login_as("officer3"), not_mine)
    assert set(listed(login_as("officer1"), "officer=me")) == {mine["uuid"], with_me["uuid"]}
    assert set(listed(login_as("officer3"), "officer=me")) == {not_mine["uuid"]}
    # Naming someone else never widens what one may see.
    assert listed(login_as("officer3"), "officer=officer1") == {}
    assert set(listed(login_as("supervisor1"), "officer=me")) == set()


def test_a_replaced_revision_names_its_amendment_and_latest_leaves_it_out(login_as, personas):
    officer = login_as("officer1")
    original = overload_record()
    sync(officer, original)
    returned(original["uuid"])
    page = listed(officer, "officer=me&status=returned&latest=true")
    assert set(page) == {original["uuid"]} and page[original["uuid"]]["replaced_by"] is None

    amendment = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"],
                 "amendment_reason": "补拍称重单"}
    assert sync(officer, amendment)[0]["result"] == "created"
    everything = listed(officer, "officer=me")
    assert everything[original["uuid"]]["replaced_by"] == amendment["uuid"]
    assert everything[amendment["uuid"]]["replaced_by"] is None
    assert everything[amendment["uuid"]]["root_uuid"] == original["uuid"]
    assert listed(officer, "officer=me&status=returned&latest=true") == {}
    assert set(listed(officer, "officer=me&latest=true")) == {amendment["uuid"]}


def test_a_second_amendment_of_one_revision_is_a_conflict_naming_the_newest(login_as, personas):
    """officer2 amended the returned record first; officer1's amendment, made meanwhile on their
    phone, can no longer be sent: a conflict that says which revision is now the newest."""
    original = overload_record()
    sync(login_as("officer1"), original)
    returned(original["uuid"])
    first = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"],
             "officers": ["officer2", "officer1"], "amendment_reason": "补拍"}
    assert sync(login_as("officer2"), first)[0]["result"] == "created"
    late = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"], "amendment_reason": "补记"}
    answer = sync(login_as("officer1"), late)[0]
    assert answer["result"] == "conflict" and answer["code"] == "sync.amendment_superseded"
    assert answer["latest_uuid"] == first["uuid"] and answer["latest_revision"] == 2
    assert db.session.get(Inspection, uuid.UUID(late["uuid"])) is None
