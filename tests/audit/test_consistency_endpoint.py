"""GET /api/audit/consistency answers from the cached tree levels: the same proofs as RFC 6962's
recursive definition over the whole log, for every kind of (first, second) pair, without reading
the log's entries on each call."""

import pytest
import sqlalchemy as sa

from server.audit import merkle
from server.audit.checkpoints import make_checkpoint
from server.audit.models import AuditCheckpoint, AuditEntry
from server.audit.service import record_events
from server.extensions import db
from testing.sql import statements_run

CHECKPOINT_SIZES = (9, 31, 32, 33, 64, 100, 127, 128, 129, 200, 255, 256, 257, 300)


def _grow_log_to(size: int) -> None:
    count = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar()
    record_events([dict(action="test.event", object_type="test", object_id=str(n), details={"n": n})
                   for n in range(count, size)])


@pytest.fixture
def signed_log(app, personas):
    """A log of 300 entries signed at CHECKPOINT_SIZES (the personas' entries come first)."""
    for size in CHECKPOINT_SIZES:
        _grow_log_to(size)
        assert make_checkpoint("test").tree_size == size
        db.session.commit()


def _leaves(size: int) -> list[bytes]:
    return [bytes.fromhex(h) for h in db.session.execute(
        sa.select(AuditEntry.entry_hash).where(AuditEntry.seq <= size).order_by(AuditEntry.seq)).scalars()]


def _pairs(second: int) -> set[int]:
    """Older sizes to prove against `second`: the ends, each side of every power of two, halves,
    the other checkpoints, and every 11th size between."""
    firsts = {0, 1, 2, 3, second // 2, second // 2 + 1, second - 2, second - 1, second, *range(0, second, 11)}
    for power in (1 << p for p in range(10)):
        firsts |= {power - 1, power, power + 1}
    firsts |= set(CHECKPOINT_SIZES)
    return {f for f in firsts if 0 <= f <= second}


def test_proofs_equal_the_recursive_definition_and_read_no_log_entry(signed_log, login_as):
    officer = login_as("officer1")
    leaves = _leaves(CHECKPOINT_SIZES[-1])
    roots = {size: merkle.root(leaves[:size]) for size in range(len(leaves) + 1)}
    officer.get("/api/audit/consistency?first=1&second=300")  # the first call builds the tree
    per_call, checked = set(), 0
    for second in CHECKPOINT_SIZES:
        signed = db.session.get(AuditCheckpoint, second)
        assert signed.root_hash == roots[second].hex()
        for first in sorted(_pairs(second)):
            with statements_run() as seen:
                answer = officer.get(f"/api/audit/consistency?first={first}&second={second}")
            assert answer.status_code == 200, answer.get_json()
            assert not [s for s, _ in seen if "audit_entries" in s], (first, second, seen)
            per_call.add(len(seen))
            proof = [bytes.fromhex(p) for p in answer.get_json()["proof"]]
            assert proof == merkle.consistency_proof(leaves[:second], first), (first, second)
            assert merkle.verify_consistency(first, second, roots[first], roots[second], proof), (first, second)
            checked += 1
    assert checked > 400
    assert max(per_call) <= 4, per_call  # a few statements (session, checkpoints), whatever the sizes


def test_sizes_without_a_checkpoint_or_out_of_order_are_not_found(signed_log, login_as, client):
    officer = login_as("officer1")
    for first, second in ((0, 0), (5, 50), (101, 100), (1, 301)):
        answer = officer.get(f"/api/audit/consistency?first={first}&second={second}")
        assert answer.status_code == 404 and answer.get_json()["code"] == "request.not_found", (first, second)
    # A size no tree can have is a bad input, refused with its field named before any lookup.
    negative = officer.get("/api/audit/consistency?first=-1&second=100")
    assert negative.status_code == 422 and "first" in negative.get_json()["errors"]
    assert client.get("/api/audit/consistency?first=1&second=100").status_code == 401


def test_a_newer_checkpoint_grows_the_cached_tree_by_the_entries_added_since(signed_log, login_as):
    officer = login_as("officer1")
    before = officer.get("/api/audit/consistency?first=100&second=300").get_json()["proof"]
    _grow_log_to(340)
    make_checkpoint("test")
    db.session.commit()
    with statements_run() as seen:
        officer.get("/api/audit/consistency?first=300&second=340")
    reads = [tuple(p.values()) if isinstance(p, dict) else tuple(p) for s, p in seen if "FROM audit_entries" in s]
    assert reads == [(300, 340)], seen  # the 40 new entries only
    leaves = _leaves(340)
    for first, second in ((100, 300), (300, 340), (257, 340), (1, 340), (339, 340)):
        proof = officer.get(f"/api/audit/consistency?first={first}&second={second}").get_json()["proof"]
        assert proof == [p.hex() for p in merkle.consistency_proof(leaves[:second], first)], (first, second)
    assert officer.get("/api/audit/consistency?first=100&second=300").get_json()["proof"] == before
