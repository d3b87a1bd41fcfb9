"""A case file carries the witness's view of its checkpoint: `python -m server.verify_case` says
whether the checkpoint was witnessed (and by which key), and names a checkpoint the witness
refused and a co-signed history the case file's log does not extend."""
from __future__ import annotations

import json
import zipfile

import pytest

from server.audit.checkpoints import make_checkpoint
from server.audit.witnessing import witness_latest
from server.extensions import db
from server.verify_case import verify_case_file

from ..audit.conftest import witness  # noqa: F401 (a fixture: a real witness process)
from ..audit.test_verify import tamper
from ..audit.test_witness import add_entries
from .test_verify_case import edit_manifest, rewrite, run_bare


def export(login_as, synced_case, path):
    answer = login_as("supervisor1").get(f"/api/inspections/{synced_case.uuid}/export")
    assert answer.status_code == 200
    path.write_bytes(answer.data)
    return path


@pytest.fixture
def witnessed_case(app, synced_case, witness):  # noqa: F811
    """The synced case's log co-signed by the witness (the export adds entries after it)."""
    make_checkpoint("test")
    db.session.commit()
    assert witness_latest() == "cosigned"
    return synced_case


def test_a_case_file_says_up_to_where_its_log_was_witnessed(login_as, witnessed_case, witness, tmp_path):  # noqa: F811
    case_zip = export(login_as, witnessed_case, tmp_path / "case.zip")
    manifest = json.loads(zipfile.ZipFile(case_zip).read("manifest.json"))
    seen = manifest["witness"]["cosigned"]["tree_size"]
    result = run_bare(case_zip)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"witness key id: {witness.key_id}" in result.stdout
    assert f"witnessed up to entry {seen}: witness {witness.key_id} co-signed {seen} entries" in result.stdout
    assert "consistency proof valid" in result.stdout
    assert f"entries after {seen}" in result.stdout  # the export itself came later

    def other_root(m):
        m["witness"]["cosigned"]["root_hash"] = "00" * 32

    def other_proof(m):
        m["witness"]["consistency_proof"][0] = "00" * 32

    for edit, words in ((other_root, "co-signature of"), (other_proof, "does not extend them")):
        report = verify_case_file(rewrite(case_zip, tmp_path / f"{edit.__name__}.zip",
                                          change={"manifest.json": edit_manifest(edit)}))
        assert not report.ok and words in " | ".join(report.problems), report.problems


def test_a_case_file_from_a_rolled_back_log_names_the_refusal(app, login_as, witnessed_case, witness, tmp_path):  # noqa: F811
    add_entries(2)
    newest = make_checkpoint("test")
    db.session.commit()
    assert witness_latest() == "cosigned"
    # Roll the log back past the newest checkpoint, write on and sign: the witness refuses it.
    tamper("DELETE FROM audit_checkpoints WHERE tree_size = :size", size=newest.tree_size)
    tamper("DELETE FROM audit_entries WHERE seq > :size", size=newest.tree_size - 2)
    add_entries(1, tag="forged")
    make_checkpoint("test")
    db.session.commit()
    assert witness_latest() == "refused"
    result = run_bare(export(login_as, witnessed_case, tmp_path / "case.zip"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"witness {witness.key_id} refused the log's checkpoint of {newest.tree_size - 1} entries (rollback"
            in result.stdout)
    assert f"witness {witness.key_id} co-signed {newest.tree_size} entries" in result.stdout  # the export's
    assert "does not extend them (a forked log)" in result.stdout  # checkpoint has that size too


def test_without_a_witness_the_case_file_says_it_is_not_witnessed(login_as, synced_case, tmp_path):
    result = run_bare(export(login_as, synced_case, tmp_path / "case.zip"))
    assert result.returncode == 0 and "no witness: the checkpoint is not witnessed" in result.stdout
