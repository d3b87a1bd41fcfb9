"""`audit verify` finds and names every tampering with the log: a flipped byte, a deleted, swapped
or truncated entry, a forged checkpoint; an untouched log verifies."""

import pytest
import sqlalchemy as sa

from server.audit import merkle
from server.audit.checkpoints import make_checkpoint
from server.audit.models import AuditCheckpoint, AuditEntry
from server.audit.service import entry_content, record_event
from server.extensions import db


@pytest.fixture
def log(app):
    """Twelve entries with checkpoints after the 5th and the 10th."""
    for i in range(12):
        record_event("test.event", object_type="test", object_id=i, details={"i": i, "text": "检查"})
        if i in (4, 9):
            make_checkpoint("test")
    db.session.commit()


def tamper(statement, **params):
    """Change the log behind the triggers' back, as someone with the database would."""
    if db.engine.dialect.name == "sqlite":
        for name in ("audit_entries_no_update", "audit_entries_no_delete",
                     "audit_checkpoints_no_update", "audit_checkpoints_no_delete"):
            db.session.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    else:
        db.session.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        db.session.execute(sa.text("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"))
    db.session.execute(sa.text(statement) if isinstance(statement, str) else statement, params)
    db.session.commit()


def verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_untouched_log_verifies(runner, log):
    code, output = verify(runner)
    assert code == 0, output
    assert "OK (12 entries, 2 signed checkpoints" in output


def test_a_flipped_byte_in_an_entry_is_named(runner, log):
    tamper("UPDATE audit_entries SET details = replace(details, :a, :b) WHERE seq = 4", a='"i":3', b='"i":8')
    code, output = verify(runner)
    assert code == 1 and "entry 4 (test.event) altered" in output


def test_a_deleted_entry_is_named(runner, log):
    tamper("DELETE FROM audit_entries WHERE seq = 7")
    code, output = verify(runner)
    assert code == 1 and "entry 7 missing" in output


def test_two_swapped_entries_are_found_even_with_their_hashes_recomputed(runner, log):
    rows = {e.seq: e for e in db.session.execute(sa.select(AuditEntry).where(AuditEntry.seq.in_([6, 7]))).scalars()}
    swapped = {}
    for seq, other in ((6, 7), (7, 6)):
        entry = rows[other]
        db.session.expunge(entry)
        fake = AuditEntry(**{c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns})
        fake.seq = seq
        swapped[seq] = dict(details=fake.details, object_id=fake.object_id, recorded_at=fake.recorded_at,
                            entry_hash=merkle.leaf_hash(entry_content(fake)).hex())
    for seq, values in swapped.items():
        tamper(sa.update(AuditEntry).where(AuditEntry.seq == seq).values(**values))
    code, output = verify(runner)
    assert code == 1
    assert "checkpoint of 10 entries" in output and "no longer hash to its root" in output


def test_a_truncated_log_is_named(runner, log):
    tamper("DELETE FROM audit_entries WHERE seq > 8")
    code, output = verify(runner)
    assert code == 1 and "log truncated" in output and "covers 10 entries, the log holds 8" in output


def test_a_forged_checkpoint_is_named(runner, log):
    tamper("UPDATE audit_checkpoints SET root_hash = :r WHERE tree_size = 5", r="00" * 32)
    code, output = verify(runner)
    assert code == 1 and "checkpoint of 5 entries" in output and "signature invalid" in output


def test_checkpoints_sign_the_rfc6962_root_and_grow_incrementally(app, log):
    leaves = [bytes.fromhex(h) for h in db.session.execute(
        sa.select(AuditEntry.entry_hash).order_by(AuditEntry.seq)).scalars()]
    sizes = db.session.execute(sa.select(AuditCheckpoint.tree_size, AuditCheckpoint.root_hash)
                               .order_by(AuditCheckpoint.tree_size)).all()
    assert [s for s, _ in sizes] == [5, 10]
    for size, root in sizes:
        assert root == merkle.root(leaves[:size]).hex()
    latest = make_checkpoint("test")
    assert latest.tree_size == 12 and latest.root_hash == merkle.root(leaves).hex()
    assert make_checkpoint("again") is latest  # nothing new: no new checkpoint


def test_the_public_key_verifies_a_checkpoint_and_a_consistency_proof(app, client, log, login_as, personas):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = client.get("/api/audit/key").get_json()
    assert key["algorithm"] == "Ed25519" and len(key["public_key_hex"]) == 64
    officer = login_as("officer1")
    checkpoint = officer.get("/api/audit/checkpoint").get_json()
    public = load_pem_public_key(key["public_key_pem"].encode())
    public.verify(bytes.fromhex(checkpoint["signature"]), checkpoint["signed_text"].encode())
    assert checkpoint["signed_text"].splitlines()[1] == str(checkpoint["tree_size"])
    old = db.session.get(AuditCheckpoint, 5)
    proof = officer.get(f"/api/audit/consistency?first=5&second={checkpoint['tree_size']}").get_json()["proof"]
    assert merkle.verify_consistency(5, checkpoint["tree_size"], bytes.fromhex(old.root_hash),
                                     bytes.fromhex(checkpoint["root_hash"]), [bytes.fromhex(p) for p in proof])
    assert client.get("/api/audit/checkpoint").status_code == 401



def test_stored_leaves_are_spliced_as_the_standalone_verifier_computes_them(app):
    """verify splices each entry's stored details into its canonical bytes: the same leaf as the
    standard library's entry_bytes, for details holding what orjson spells otherwise too."""
    from server.audit.canonical import entry_bytes
    from server.audit.service import entry_fields
    from server.audit.stored_leaves import STORED_COLUMNS, stored_leaf

    samples = [{"i": 1, "text": "检查\u2028\"\\"}, {"small": 1.5e-07, "big": 2 ** 70}, {},
               {"nested": {"b": [1, None, True], "a": "0.00001"}}]
    for n, details in enumerate(samples):
        record_event("test.event", object_type="test", object_id=n, details=details,
                     actor_username="官员", client_address="::1")
    db.session.commit()
    columns = [AuditEntry.__table__.c[name] for name in STORED_COLUMNS]
    rows = db.session.execute(sa.select(*columns).order_by(AuditEntry.seq)).all()
    entries = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert len(rows) == len(samples)
    for row, entry in zip(rows, entries, strict=True):
        assert stored_leaf(row) == merkle.leaf_hash(entry_bytes(entry_fields(entry)))
        assert stored_leaf(row).hex() == entry.entry_hash


def test_details_stored_in_another_spelling_of_the_same_value_still_verify(app, runner):
    record_event("test.event", object_type="test", object_id=1, details={"a": 1, "b": "x"})
    db.session.commit()
    tamper("UPDATE audit_entries SET details = :text WHERE seq = 1", text='{ "b": "x", "a": 1 }')
    code, output = verify(runner)
    assert code == 0, output
