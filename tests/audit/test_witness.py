"""A witness on loopback co-signs each consistent extension of the log and refuses a rollback
and a fork; `audit verify` names what it refused and a log that no longer holds what it saw."""
from __future__ import annotations

import json

import pytest
import requests
import sqlalchemy as sa

from server.audit import signing
from server.audit.checkpoints import checkpoint_text, make_checkpoint
from server.audit.models import AuditCheckpoint, AuditCosignature, AuditWitnessRefusal
from server.audit.service import record_event
from server.audit.witnessing import WitnessUnavailable, verify_cosignature, witness_latest
from server.extensions import db

from ..conftest import free_port
from .test_verify import tamper, verify


def add_entries(count: int, tag: str = "a") -> None:
    for i in range(count):
        record_event("test.event", object_type="test", object_id=f"{tag}{i}", details={"tag": tag})
    db.session.commit()


def checkpoint_now() -> AuditCheckpoint:
    checkpoint = make_checkpoint("test")
    db.session.commit()
    return checkpoint


def cosignatures() -> list[tuple[int, str]]:
    db.session.expire_all()
    return db.session.execute(sa.select(AuditCosignature.tree_size, AuditCosignature.witness_key_id)
                              .order_by(AuditCosignature.tree_size)).all()


@pytest.fixture
def witnessed_log(app, witness):
    """Ten entries co-signed at 5 and 10, then two more co-signed at 12."""
    for size in (5, 5, 2):
        add_entries(size)
        checkpoint_now()
        assert witness_latest() == "cosigned"
    return witness


def test_each_consistent_extension_is_cosigned_and_audit_verify_says_so(app, runner, witnessed_log):
    witness = witnessed_log
    assert cosignatures() == [(5, witness.key_id), (10, witness.key_id), (12, witness.key_id)]
    public = signing.signing_key().public_key()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    witness_public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(witness.key_hex))
    for row in db.session.execute(sa.select(AuditCosignature)).scalars():
        assert verify_cosignature(witness_public, signing.key_id(public), row)
    assert witness_latest() == "done"  # nothing new: nothing sent
    held = requests.get(witness.url + "/witness/checkpoint", timeout=5).json()
    assert (held["tree_size"], held["root_hash"]) == (12, db.session.get(AuditCheckpoint, 12).root_hash)
    state = json.loads((witness.state_dir / "state.json").read_text())
    assert state["latest"]["tree_size"] == 12  # durable: on disk before it answered
    code, output = verify(runner)
    assert code == 0, output
    assert f"latest checkpoint (12 entries) witnessed by {witness.key_id}" in output
    assert f"witness {witness.key_id}: remembers 12 entries, which this log holds unchanged" in output


@pytest.mark.parametrize("new_entries, code, size_words", [
    (1, "rollback", "the log now claims 11"),  # fewer entries than the witness saw
    (2, "fork", "of the same size has root"),  # as many, another history
    (4, "fork", "does not extend the 12 entries"),  # more, but not an extension
])
def test_a_rolled_back_or_forked_log_is_refused_and_named(app, runner, witnessed_log, new_entries,
                                                         code, size_words):
    witness = witnessed_log
    # Delete the latest checkpoint and the entries only it covered, then write on and sign anew.
    tamper("DELETE FROM audit_checkpoints WHERE tree_size = 12")
    tamper("DELETE FROM audit_entries WHERE seq > 10")
    add_entries(new_entries, tag="forged")
    forged = checkpoint_now()
    assert forged.tree_size == 10 + new_entries
    exit_code, output = verify(runner)  # the witness's memory shows it before any submission
    assert exit_code == 1 and f"witness {witness.key_id} co-signed 12 entries" in output, output
    assert witness_latest() == "refused"
    refusal = db.session.execute(sa.select(AuditWitnessRefusal)).scalar_one()
    assert (refusal.tree_size, refusal.code, refusal.witness_key_id) == (forged.tree_size, code, witness.key_id)
    assert size_words in refusal.detail
    assert witness_latest() == "done"  # refused once is enough: not sent again
    # The witness kept what it saw, and noted the refusal.
    held = requests.get(witness.url + "/witness/checkpoint", timeout=5).json()
    assert held["tree_size"] == 12
    assert f'"code": "witness.{code}"' in (witness.state_dir / "refused.jsonl").read_text()
    exit_code, output = verify(runner)
    assert exit_code == 1, output
    assert f"witness {witness.key_id} refused the checkpoint of {forged.tree_size} entries ({code})" in output
    rolled = "rolled back (the log holds" if new_entries < 2 else "forked"
    assert f"witness {witness.key_id} co-signed 12 entries" in output and rolled in output
    assert "co-signature by witness" in output  # the stored co-signature of 12 names it too


def test_the_witness_answers_a_refusal_with_problem_details(app, witnessed_log):
    witness = witnessed_log
    older = db.session.get(AuditCheckpoint, 10)
    answer = requests.post(witness.url + "/witness/checkpoints", timeout=5, json={
        "signed_text": checkpoint_text(older.tree_size, older.root_hash, older.signed_at).decode(),
        "signature": older.signature, "old_size": 12, "consistency_proof": []})
    assert answer.status_code == 409
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "witness.rollback"
    assert answer.json()["witness_checkpoint"]["tree_size"] == 12
    forged = requests.post(witness.url + "/witness/checkpoints", timeout=5, json={
        "signed_text": checkpoint_text(13, "00" * 32, older.signed_at).decode(),
        "signature": older.signature, "old_size": 12, "consistency_proof": []})
    assert forged.status_code == 403 and forged.json()["code"] == "witness.bad_signature"


def test_an_unreachable_witness_delays_cosigning_but_not_checkpoints(app, runner, tmp_path, witness):
    add_entries(3)
    app.config["WITNESS_URL"] = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    app.config["WITNESS_TIMEOUT_SECONDS"] = 2
    checkpoint_now()
    with pytest.raises(WitnessUnavailable):
        witness_latest()
    add_entries(2)
    assert checkpoint_now().tree_size == 5  # checkpoints go on being made
    code, output = verify(runner)
    assert code == 0 and "unreachable" in output and "latest checkpoint (5 entries) not yet witnessed" in output
    app.config["WITNESS_URL"] = witness.url  # back again: the newest checkpoint is co-signed
    assert witness_latest() == "cosigned"
    assert cosignatures() == [(5, witness.key_id)]


def test_a_submission_reads_only_the_entries_added_since_the_last_proof(app, witness):
    """The witness's consistency proof comes from the cached tree levels: the process builds
    them once (its first proof), then each submission reads the entries added since only."""
    from server.audit.service import record_events
    from testing.sql import statements_run

    record_events([dict(action="test.event", object_type="test", object_id=str(n), details={"n": n})
                   for n in range(3000)])
    db.session.commit()
    checkpoint_now()
    assert witness_latest() == "cosigned"  # the first checkpoint needs no proof
    add_entries(25, "b")
    first = checkpoint_now().tree_size
    assert witness_latest() == "cosigned"  # the first proof builds the tree once
    add_entries(25, "c")
    second = checkpoint_now().tree_size
    with statements_run() as seen:
        assert witness_latest() == "cosigned"
    reads = [tuple(p.values()) if isinstance(p, dict) else tuple(p)
             for s, p in seen if "FROM audit_entries" in s]
    assert reads == [(first, second)], reads  # the 25 new entries, not the 3,025 of the log
    assert cosignatures()[-1] == (second, witness.key_id)
