"""The officers' directory: certificates by domain with their history, absences and conflicts
of interest, and the two questions the draw asks (who may go on a day for a domain; who must
step aside from which target)."""
from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from server.accounts.models import User
from server.audit.models import AuditEntry
from server.clock import local_today
from server.extensions import db
from server.officers.models import OfficerCertificate
from server.officers.service import conflicts_for, eligible_officers
from tests.audit.tampering import tamper
from tests.factories import overload_record, sync_body
from tests.targets.files import good_rows, xlsx
from tests.targets.test_import import upload

TODAY = local_today()


def certify(admin, user, number, domains, start=-30, end=365):
    answer = admin.post(f"/api/officer-directory/{user.id}/certificates", json={
        "number": number, "domains": domains, "valid_from": str(TODAY + timedelta(days=start)),
        "valid_until": str(TODAY + timedelta(days=end))})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def usernames(officers) -> list[str]:
    return [o.username for o in officers]


def test_who_may_be_drawn_for_a_domain_on_a_day(login_as, personas, create_user):
    admin = login_as("admin")
    certify(admin, personas["officer1"], "浙交执001", ["overload", "dangerous_goods"])
    certify(admin, personas["officer2"], "浙交执002", ["ship_pollution"])
    certify(admin, personas["officer3"], "浙交执003", ["overload"])
    expired = create_user("officer4")
    certify(admin, expired, "浙交执004", ["overload"], start=-400, end=-1)
    gone = create_user("officer5")
    certify(admin, gone, "浙交执005", ["overload"])
    admin.patch(f"/api/users/{gone.id}", json={"active": False})
    revoked = certify(admin, create_user("officer6"), "浙交执006", ["overload"])
    admin.post(f"/api/officer-directory/certificates/{revoked['id']}/revoke", json={"reason": "调离执法岗位"})
    # officer3 is on training next week
    answer = login_as("supervisor1").post(f"/api/officer-directory/{personas['officer3'].id}/absences", json={
        "kind": "training", "starts_on": str(TODAY + timedelta(days=7)),
        "ends_on": str(TODAY + timedelta(days=9)), "note": "省厅执法培训"})
    assert answer.status_code == 201, answer.get_json()

    assert usernames(eligible_officers("overload", TODAY)) == ["officer1", "officer3"]
    assert usernames(eligible_officers("overload", TODAY + timedelta(days=8))) == ["officer1"]
    assert usernames(eligible_officers("ship_pollution", TODAY)) == ["officer2"]
    assert eligible_officers("taxi", TODAY) == []
    listed = login_as("supervisor1").get("/api/officer-directory/eligible",
                                         query_string={"domain": "overload", "on": str(TODAY)}).get_json()
    assert [(o["username"], o["certificate_number"]) for o in listed] == [
        ("officer1", "浙交执001"), ("officer3", "浙交执003")]
    assert login_as("officer1").get("/api/officer-directory/eligible", query_string={
        "domain": "overload", "on": str(TODAY)}).status_code == 403


def test_a_renewal_keeps_the_history_and_the_current_certificate_counts_at_sync(login_as, personas):
    admin, officer1 = login_as("admin"), personas["officer1"]
    # the old one ended two days ago: the record below starts an hour ago, which just after
    # midnight in Shanghai is yesterday, a day an old certificate ending yesterday still covered
    certify(admin, officer1, "浙交执001", ["overload"], start=-700, end=-2)
    new = certify(admin, officer1, "浙交执101", ["overload"], start=0, end=1000)
    db.session.expire_all()
    user = db.session.get(User, officer1.id)
    assert (user.certificate_number, user.certificate_valid_until) == ("浙交执101", TODAY + timedelta(days=1000))
    entry = [e for e in admin.get("/api/officer-directory").get_json() if e["username"] == "officer1"][0]
    assert [c["number"] for c in entry["certificates"]] == ["浙交执001", "浙交执101"]
    assert admin.post(f"/api/officer-directory/{officer1.id}/certificates", json={
        "number": "浙交执101", "domains": ["overload"], "valid_from": str(TODAY),
        "valid_until": str(TODAY)}).get_json()["code"] == "officers.certificate_exists"
    # revoking the new one leaves the officer without a valid certificate: sync refuses (持证上岗)
    admin.post(f"/api/officer-directory/certificates/{new['id']}/revoke", json={"reason": "证件遗失"})
    answer = login_as("officer1").post("/api/sync", json=sync_body(overload_record())).get_json()
    assert answer["results"][0]["code"] == "sync.invalid_officers"


def test_conflicts_of_interest_are_declared_withdrawn_and_vouched_for(login_as, personas, runner):
    upload(login_as("admin"), xlsx(good_rows()), "x.xlsx")
    officer1, officer2 = personas["officer1"], personas["officer2"]
    own = login_as("officer1").post(f"/api/officer-directory/{officer1.id}/conflicts",
                                    json={"target_id": 1, "reason": "配偶在该企业任职"})
    assert own.status_code == 201, own.get_json()
    other = login_as("officer1").post(f"/api/officer-directory/{officer2.id}/conflicts",
                                      json={"target_id": 1, "reason": "x"})
    assert other.status_code == 403
    by_supervisor = login_as("supervisor1").post(f"/api/officer-directory/{officer2.id}/conflicts",
                                                 json={"target_id": 2, "reason": "曾在该企业工作"})
    assert by_supervisor.status_code == 201
    again = login_as("officer1").post(f"/api/officer-directory/{officer1.id}/conflicts",
                                      json={"target_id": 1, "reason": "重复"})
    assert again.get_json()["code"] == "officers.conflict_exists"
    assert conflicts_for([1, 2, 3]) == {1: {officer1.id}, 2: {officer2.id}, 3: set()}
    withdrawn = login_as("supervisor1").post(
        f"/api/officer-directory/conflicts/{by_supervisor.get_json()['id']}/withdraw",
        json={"reason": "已离职三年以上"})
    assert withdrawn.status_code == 200
    assert conflicts_for([2]) == {2: set()}
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper("UPDATE officer_conflicts SET reason = '无' WHERE id = 1")
    result = runner.invoke(args=["audit", "verify"])
    assert "officer_conflicts id 1: altered: reason" in result.output, result.output


def test_the_migration_copies_current_certificates_into_the_history(app, personas):
    downgrade(revision="0009_witness")
    db.session.execute(sa.text("UPDATE users SET certificate_valid_from = NULL WHERE username = 'officer2'"))
    db.session.commit()
    upgrade()
    rows = {c.number: c for c in db.session.execute(sa.select(OfficerCertificate)).scalars()}
    assert set(rows) == {"330424officer1", "330424officer2", "330424officer3"}
    first = rows["330424officer1"]
    assert (first.user_id, first.domains, first.valid_until) == (
        personas["officer1"].id, [], TODAY + timedelta(days=365))
    assert rows["330424officer2"].valid_from == date(1900, 1, 1)  # no lower bound said


def test_every_certificate_is_vouched_for_and_an_edit_in_the_database_is_named(app, personas, login_as,
                                                                                runner):
    """The certificates migration 0010 copied (no entries of their own) are vouched for by the
    entry migration 0022 wrote; a certificate added through the directory by its own entries.
    `audit verify` names an edit of either kind in the database."""
    downgrade(revision="0009_witness")
    upgrade()  # 0010 copies the personas' certificates; 0022 vouches for them
    migrated = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "officers.certificates_migrated")).scalar_one()
    assert sorted(c["number"] for c in json.loads(migrated.details)["certificates"]) == [
        "330424officer1", "330424officer2", "330424officer3"]
    renewed = certify(login_as("admin"), personas["officer1"], "330424renewed", ["overload"])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    copied = db.session.execute(sa.select(OfficerCertificate.id).where(
        OfficerCertificate.number == "330424officer2")).scalar_one()
    tamper(f"UPDATE officer_certificates SET valid_until = '2099-12-31' WHERE id = {copied}")
    tamper(f"UPDATE officer_certificates SET domains = '[\"overload\", \"taxi\"]' WHERE id = {renewed['id']}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"officer_certificates id {copied} (330424officer2): altered: valid_until" in result.output, \
        result.output
    assert f"officer_certificates id {renewed['id']} (330424renewed): altered: domains" in result.output


def test_a_certificate_set_on_the_account_is_kept_in_the_history(login_as, personas, runner):
    """PUT /api/users/<id>/certificate records into the directory's history: a certificate added
    there later does not make it disappear, and the account shows the newest one."""
    admin, officer1 = login_as("admin"), personas["officer1"]
    start, end = str(TODAY - timedelta(days=10)), str(TODAY + timedelta(days=700))
    answer = admin.put(f"/api/users/{officer1.id}/certificate",
                       json={"number": "330424set", "valid_from": start, "valid_until": end})
    assert answer.status_code == 200 and answer.get_json()["certificate"]["number"] == "330424set"
    renewed = certify(admin, officer1, "330424later", ["overload"], start=-1, end=900)
    entry = [e for e in admin.get("/api/officer-directory").get_json() if e["username"] == "officer1"][0]
    history = {c["number"]: c for c in entry["certificates"]}
    # The persona's first certificate (the columns' only), replaced by the one set on the account,
    # which the directory's renewal follows.
    assert set(history) == {"330424officer1", "330424set", "330424later"}
    assert history["330424officer1"]["revoked_reason"] == "换发新证（账号管理）：330424set"
    assert history["330424set"]["revoked_at"] is None
    assert (history["330424set"]["valid_from"], history["330424set"]["valid_until"]) == (start, end)
    assert admin.get(f"/api/users/{officer1.id}").get_json()["certificate"]["number"] == renewed["number"]
    again = admin.put(f"/api/users/{officer1.id}/certificate",
                      json={"number": "330424set", "valid_from": start, "valid_until": str(TODAY)})
    assert again.status_code == 409 and again.get_json()["code"] == "officers.certificate_exists"
    cleared = admin.put(f"/api/users/{officer1.id}/certificate",
                        json={"number": None, "valid_from": None, "valid_until": None})
    assert cleared.status_code == 200 and cleared.get_json()["certificate"]["state"] == "missing"
    entry = [e for e in admin.get("/api/officer-directory").get_json() if e["username"] == "officer1"][0]
    assert all(c["revoked_at"] for c in entry["certificates"])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_certificate_given_when_the_account_is_created_is_kept_in_the_history(login_as, runner):
    """POST /api/users with a certificate (and `flask users create --certificate`) records it in
    the directory's history as PUT …/certificate does: audited, vouched for, and replaced as a
    renewal when another number is set on the account."""
    admin = login_as("admin")
    start, end = str(TODAY - timedelta(days=10)), str(TODAY + timedelta(days=700))
    answer = admin.post("/api/users", json={
        "username": "officer7", "password": "a-long-password", "roles": ["officer"], "team": "A",
        "certificate": {"number": "33042499007", "valid_from": start, "valid_until": end}})
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert (created["certificate"]["number"], created["certificate"]["state"]) == ("33042499007", "valid")
    entry = next(e for e in admin.get("/api/officer-directory").get_json() if e["username"] == "officer7")
    [held] = entry["certificates"]
    assert (held["number"], held["valid_from"], held["valid_until"], held["revoked_at"]) == (
        "33042499007", start, end, None)
    added = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "officer.certificate_added",
        AuditEntry.object_id == str(held["id"]))).scalar_one()
    assert added.actor_username == "admin" and json.loads(added.details)["username"] == "officer7"

    r = runner.invoke(args=["users", "create", "officer8", "--password", "a-long-password", "--team", "A",
                            "--certificate", "33042499008", "--valid-from", start, "--valid-until", end])
    assert r.exit_code == 0, r.output
    entry = next(e for e in admin.get("/api/officer-directory").get_json() if e["username"] == "officer8")
    assert [c["number"] for c in entry["certificates"]] == ["33042499008"]

    renewed = admin.put(f"/api/users/{created['id']}/certificate",
                        json={"number": "33042499017", "valid_from": str(TODAY), "valid_until": end})
    assert renewed.status_code == 200, renewed.get_json()
    entry = next(e for e in admin.get("/api/officer-directory").get_json() if e["username"] == "officer7")
    history = {c["number"]: c for c in entry["certificates"]}
    assert history["33042499007"]["revoked_reason"] == "换发新证（账号管理）：33042499017"
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper(f"UPDATE officer_certificates SET valid_until = '2099-12-31' WHERE id = {held['id']}")
    result = runner.invoke(args=["audit", "verify"])
    assert f"officer_certificates id {held['id']} (33042499007): altered: valid_until" in result.output, \
        result.output
