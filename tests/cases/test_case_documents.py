"""A case's documents as the desk and a court clerk use them: each step issues its numbered
document, which the sealer seals while nobody waits; a sealed document's download is an audited
export (who, which, SHA-256); the closed case is archived once its documents are sealed, and the
package verifies offline; dispositions and a transfer issue theirs; two concurrent archive
requests for one subject answer 201 and 409, never 500."""
from __future__ import annotations

import hashlib
import json
import zipfile
from functools import partial

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.documents.models import Document
from server.documents.queue import after_sealing, seal_pending
from server.documents.sealing import validate_sealed
from server.extensions import db
from testing.concurrent import at_once
from tests.casefile.conftest import synced_case  # noqa: F401 (fixture)
from tests.casefile.test_verify_case import run_bare
from tests.documents.conftest import demo_seal  # noqa: F401 (fixture)

from .test_case_flow import step


def _entries(action: str) -> list[dict]:
    rows = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.seq)).scalars()
    return [{"actor": e.actor_username, "object_id": e.object_id, **json.loads(e.details)} for e in rows]


def closed_case(approved, login_as) -> dict:
    """A case within the benchmark (1,000 yuan for 2,250 kg over), walked to 结案 today."""
    record = approved()
    supervisor = login_as("supervisor1")
    supervisor.post(f"/api/inspections/{record['uuid']}/findings/within_limit/disposition", json={"kind": "case"})
    case = supervisor.get(f"/api/cases/{supervisor.get('/api/cases').get_json()[0]['id']}").get_json()
    case = step(supervisor, case, "approve_opening")
    case = step(supervisor, case, "add_interview")
    case = step(supervisor, case, "notify", proposed_fine_fen=100_000, facts="车货总质量超过限定标准 2250 千克")
    case = step(supervisor, case, "record_statement", statement="请求从轻处罚。")
    case = step(supervisor, case, "decide", fine_fen=100_000, statement_assessment="未提出法定从轻情节，不予采纳。")
    case = step(supervisor, case, "serve")
    answer = supervisor.post(f"/api/cases/{case['id']}/payments", json={
        "expected_version": case["version"], "amount_fen": 100_000, "reference": "ICBC-0001",
        "paid_on": case["served_on"]})
    assert answer.status_code == 200, answer.get_json()
    return step(supervisor, answer.get_json(), "close")


def test_the_documents_of_a_closed_case_are_sealed_exported_and_archived(approved, login_as, demo_seal,  # noqa: F811
                                                                         tmp_path):
    case = closed_case(approved, login_as)
    supervisor = login_as("supervisor1")
    assert [d["state"] for d in case["documents"]] == ["pending"] * 6  # the steps did not wait
    assert case["archive"] == {"state": "waiting", "state_label": "待文书签章后归档", "archive_no": None,
                               "uuid": None, "download": None}
    assert seal_pending()["signed"] == 6
    after_sealing()
    db.session.remove()

    case = supervisor.get(f"/api/cases/{case['id']}").get_json()
    assert [(d["state_label"], d["download"] is not None) for d in case["documents"]] == [("已签章", True)] * 6
    decision = next(d for d in case["documents"] if d["doc_type"] == "penalty_decision")
    pdf = supervisor.get(decision["download"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    check = validate_sealed(pdf.data, [demo_seal])
    assert (check.ok, check.trusted, check.coverage) == (True, True, "ENTIRE_FILE")
    [exported] = _entries("document.exported")
    assert (exported["actor"], exported["object_id"], exported["number"], exported["sha256"]) == (
        "supervisor1", decision["uuid"], decision["number"], hashlib.sha256(pdf.data).hexdigest())
    # Another case's URL does not serve it.
    assert supervisor.get(f"/api/cases/{case['id'] + 1}/documents/{decision['uuid']}.pdf").status_code == 404

    archive = case["archive"]
    assert archive["state"] == "archived" and archive["archive_no"].startswith("HYJT-CF·")
    package = supervisor.get(archive["download"])
    assert package.status_code == 200
    [exported] = _entries("archive.exported")
    assert (exported["actor"], exported["object_id"], exported["sha256"]) == (
        "supervisor1", archive["uuid"], hashlib.sha256(package.data).hexdigest())
    path = tmp_path / "case.zip"
    path.write_bytes(package.data)
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert [d["number"] for d in manifest["documents"]] == [d["number"] for d in case["documents"]]
    assert all(d["state"] == "signed" and d["path"] for d in manifest["documents"])
    result = run_bare(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "documents: 6 numbered as issued, 6 sealed files match" in result.stdout
    after_sealing()  # nothing left to archive: no second package
    assert len(_entries("archive.created")) == 1


def test_a_transfer_letter_and_the_dispositions_issue_their_documents(approved, login_as):
    supervisor = login_as("supervisor1")
    first, second, third = approved(plate="浙F00001"), approved(plate="浙F00002"), approved(plate="浙F00003")
    url = "/api/inspections/{}/findings/within_limit/disposition"
    made = supervisor.post(url.format(second["uuid"]), json={"kind": "correction", "correction_due": "2199-01-01",
                                                            "note": "卸载超限部分"})
    assert made.status_code == 201, made.get_json()
    made = supervisor.post(url.format(third["uuid"]), json={"kind": "simple", "penalty_kind": "warning"})
    assert made.status_code == 201, made.get_json()
    about = {d.subject_id: d for d in db.session.execute(sa.select(Document).where(
        Document.subject_type == "inspection")).scalars()}
    notice, onsite = about[second["uuid"]], about[third["uuid"]]
    assert notice.doc_type == "rectification_notice" and notice.fields["deadline"] == "2199-01-01"
    assert notice.fields["legal_basis"].startswith("违反了《")
    assert onsite.doc_type == "onsite_penalty_decision" and onsite.fields["penalty"] == "警告"
    assert onsite.party == "浙F00003"

    supervisor.post(url.format(first["uuid"]), json={"kind": "case"})
    case = next(c for c in supervisor.get("/api/cases").get_json() if c["party_name"] == "浙F00001")
    incomplete = supervisor.post(f"/api/cases/{case['id']}/transfer-letter", json={
        "receiving_authority": "海盐县公安局", "reason": "涉嫌犯罪，依法移送。", "contact": "张伟 0573-00000000"})
    # No 告知 yet: the facts must be written, and the refusal names them.
    assert incomplete.status_code == 422 and "涉嫌违法犯罪事实" in incomplete.get_json()["detail"]
    db.session.rollback()
    answer = supervisor.post(f"/api/cases/{case['id']}/transfer-letter", json={
        "receiving_authority": "海盐县公安局", "reason": "涉嫌犯罪，依法移送。", "contact": "张伟 0573-00000000",
        "facts": "车货总质量超过限定标准，涉嫌危险驾驶。"})
    assert answer.status_code == 201, answer.get_json()
    [letter] = answer.get_json()["documents"]
    assert (letter["title"], letter["state_label"]) == ("案件移送函", "待签章")
    assert letter["number"].startswith("海盐交移〔")
    assert login_as("officer1").post(f"/api/cases/{case['id']}/transfer-letter", json={
        "receiving_authority": "x", "reason": "x", "contact": "x"}).status_code == 403


def test_concurrent_archive_requests_answer_one_201_and_409s(live_server, synced_case, demo_seal):  # noqa: F811
    supervisor = live_server.login("supervisor1")
    approve = supervisor.post(f"{live_server.url}/api/inspections/{synced_case.uuid}/review/approve",
                              json={"expected_status": "complete"})
    assert approve.status_code == 200, approve.text
    sessions = [live_server.login("supervisor1") for _ in range(4)]
    url = f"{live_server.url}/api/inspections/{synced_case.uuid}/archive"
    answers = at_once([partial(s.post, url, timeout=120) for s in sessions], timeout=240)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409], [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"archive.exists"}
