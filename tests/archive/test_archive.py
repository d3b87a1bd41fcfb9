"""The electronic archive as a reviewer and a receiving authority use it: a final inspection is
archived once with its sealed documents; the package verifies offline with the case-file
verifier (in a bare interpreter) and fails, naming the problem, on each of five tamperings;
later facts are appended without touching it; a transfer package adds the 案件移送函."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.documents.queue import seal_pending
from server.extensions import db
from testing.documents import FIELDS
from tests.casefile.conftest import synced_case  # noqa: F401 (fixture)
from tests.casefile.test_verify_case import rewrite, run_bare
from tests.documents.conftest import demo_seal, issue  # noqa: F401 (fixtures)


@pytest.fixture
def archived(login_as, synced_case, demo_seal, tmp_path):  # noqa: F811
    """The inspection approved, its 现场检查笔录 and a 案件移送函 issued and sealed, then archived;
    returns (archive JSON, package path, letter uuid)."""
    supervisor = login_as("supervisor1")
    answer = supervisor.post(f"/api/inspections/{synced_case.uuid}/review/approve",
                             json={"expected_status": "complete"})
    assert answer.status_code == 200, answer.get_json()
    officer = login_as("officer1")
    record = officer.post(f"/api/inspections/{synced_case.uuid}/documents/inspection-record")
    assert record.status_code == 201, record.get_json()
    letter = officer.post("/api/documents", json={"type": "case_transfer_letter", "inspection_uuid": synced_case.uuid,
                                                  "fields": FIELDS["case_transfer_letter"]})
    assert letter.status_code == 201, letter.get_json()
    assert seal_pending()["signed"] == 2
    answer = supervisor.post(f"/api/inspections/{synced_case.uuid}/archive")
    assert answer.status_code == 201, answer.get_json()
    archive = answer.get_json()
    package = supervisor.get(f"/api/archives/{archive['uuid']}/package")
    assert package.status_code == 200
    path = tmp_path / "archive.zip"
    path.write_bytes(package.data)
    return archive, path, letter.get_json()["uuid"]


def _manifest(path: Path) -> dict:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("manifest.json"))


def test_an_archive_package_verifies_offline(archived):
    archive, path, _ = archived
    assert archive["retention"] == "30年" and archive["category"] == "inspection"
    assert archive["archive_no"].startswith(f"HYJT-JC·{archive['year']}-D30-")
    manifest = _manifest(path)
    assert manifest["archive"]["retention"] == "30年"
    assert manifest["archive"]["standard"] == "GB/T 18894-2016"
    assert [d["doc_type"] for d in manifest["documents"]] == ["inspection_record"]  # no letter
    result = run_bare(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "documents: 1 numbered as issued, 1 sealed files match" in result.stdout
    assert "archive metadata:" in result.stdout


def _edit(path: Path, target: Path, edit) -> Path:
    def change(data):
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest, ensure_ascii=False).encode()
    return rewrite(path, target, change={"manifest.json": change})


def _flip(data: bytes) -> bytes:
    return data[:100] + bytes([data[100] ^ 1]) + data[101:]


def _drop_seal_entry(manifest: dict) -> None:
    manifest["events"] = [e for e in manifest["events"] if e["action"] != "document.signed"]


def _withhold_document(manifest: dict) -> None:
    manifest["documents"] = []


TAMPERINGS = {
    "evidence_file_altered": ("evidence", None, "(altered or replaced)"),
    "sealed_document_altered": ("document", None, "(altered or replaced)"),
    "retention_shortened": (None, lambda m: m["archive"].update(retention="10年"), "archive metadata"),
    "seal_entry_removed": (None, _drop_seal_entry, "no proven document.signed entry"),
    "document_withheld": (None, _withhold_document, "a document added, removed or swapped"),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_each_tampering_of_the_package_fails_verification(archived, tmp_path, name):
    _, path, _ = archived
    member, edit, named = TAMPERINGS[name]
    manifest = _manifest(path)
    target = tmp_path / f"{name}.zip"
    if member == "evidence":
        first = next(e["path"] for e in manifest["case"]["evidence"] if e["path"])
        rewrite(path, target, change={first: _flip})
    elif member == "document":
        rewrite(path, target, change={manifest["documents"][0]["path"]: _flip})
    else:
        _edit(path, target, edit)
    result = run_bare(target)
    assert result.returncode == 1, result.stdout + result.stderr
    assert named in result.stdout, result.stdout


def test_an_archive_is_read_only_and_later_facts_are_appended(archived, login_as):
    archive, path, _ = archived
    supervisor = login_as("supervisor1")
    again = supervisor.post(f"/api/inspections/{archive['inspection_uuid']}/archive")
    assert again.status_code == 409 and again.get_json()["code"] == "archive.exists"
    fact = supervisor.post(f"/api/archives/{archive['uuid']}/facts", json={"text": "法院判决：维持原处罚决定。"})
    assert fact.status_code == 201, fact.get_json()
    assert [f["text"] for f in fact.get_json()["facts"]] == ["法院判决：维持原处罚决定。"]
    package = supervisor.get(f"/api/archives/{archive['uuid']}/package").data
    assert package == path.read_bytes()
    for statement in ("UPDATE archives SET retention = '10年'", "DELETE FROM archive_facts"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
            db.session.flush()
        db.session.rollback()


def test_the_archive_list_finds_by_year_type_party_and_retention(archived, login_as):
    archive, _, _ = archived
    reviewer = login_as("reviewer1")

    def found(**query):
        answer = reviewer.get("/api/archives", query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return [a["uuid"] for a in answer.get_json()]

    party = archive["party"]
    assert found(year=archive["year"], category="inspection", party=party[1:4], retention="30年") == [archive["uuid"]]
    assert found(year=archive["year"] - 1) == []
    assert found(category="case") == []
    assert found(retention="永久") == []
    assert found(party="没有这个当事人") == []
    assert login_as("officer1").get("/api/archives").status_code == 403


def test_a_transfer_package_adds_the_letter_and_verifies_offline(archived, login_as, tmp_path):
    archive, _, letter = archived
    supervisor = login_as("supervisor1")
    answer = supervisor.post(f"/api/archives/{archive['uuid']}/transfer", json={"letter_uuid": letter})
    assert answer.status_code == 201, answer.get_json()
    transfer = answer.get_json()
    assert transfer["kind"] == "transfer" and transfer["retention"] == "永久"  # the letter's retention
    path = tmp_path / "transfer.zip"
    path.write_bytes(supervisor.get(f"/api/archives/{transfer['uuid']}/package").data)
    manifest = _manifest(path)
    assert sorted(d["doc_type"] for d in manifest["documents"]) == ["case_transfer_letter", "inspection_record"]
    assert manifest["archive"]["transfer"]["receiving_authority"] == "海盐县公安局"
    result = run_bare(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_a_final_inspection_is_archived(login_as, synced_case):  # noqa: F811
    answer = login_as("supervisor1").post(f"/api/inspections/{synced_case.uuid}/archive")
    assert answer.status_code == 409 and answer.get_json()["code"] == "archive.not_final"


def test_a_closed_case_is_archived_with_its_documents(synced_case, issue, demo_seal, app, personas,  # noqa: F811
                                                      tmp_path):
    """What server/cases/ calls when a case closes: the case's own documents are in the package."""
    import uuid

    from server.archive import service
    from server.database import write_intent
    from server.inspections.models import Inspection

    issue("penalty_decision", subject_type="case", subject_id="C-2026-7")
    issue("case_closing_approval", subject_type="case", subject_id="C-2026-7")
    issue("service_receipt", subject_type="case", subject_id="C-2026-8")  # another case's
    assert seal_pending()["signed"] == 3
    db.session.commit()
    with write_intent(True):
        inspection = db.session.get(Inspection, uuid.UUID(synced_case.uuid))
        archive = service.archive_case(personas["supervisor1"], "C-2026-7", inspection)
        db.session.commit()
    assert (archive.category, archive.retention) == ("case", "永久")
    path = tmp_path / "case.zip"
    path.write_bytes(service.archive_store().open(archive.package_sha256).read())
    assert sorted(d["doc_type"] for d in _manifest(path)["documents"]) == ["case_closing_approval",
                                                                            "penalty_decision"]
    result = run_bare(path)
    assert result.returncode == 0, result.stdout + result.stderr
