"""`audit verify` reads the log in chunks straight from the driver (audit/log_scan.py), several
processes at once, and hashes each entry over its stored text rather than its parsed values: an
edit of any column of any entry is still named, in whichever chunk it falls, and so are a
deleted entry, a truncated log and an entry rewritten with its hash recomputed (the checkpoint's
root no longer matches), whether the checkpoint ends inside a chunk or at its edge."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.audit import log_scan, merkle
from server.audit.checkpoints import make_checkpoint
from server.audit.models import AuditEntry
from server.audit.service import entry_content, record_event
from server.extensions import db

from .tampering import tamper

ROOT = Path(__file__).resolve().parents[2]

# Chunks of four entries: the checkpoints after the 5th and the 10th end inside the second and
# third chunk, the one after the 12th at the edge of the third; read in this process or by two.
MODES = {"in-process": 1, "two-workers": 2}


# Workers are forked only from a process running no other thread, as the CLI's is; a test process
# may have threads of earlier tests (a browser's driver, a decoding queue), so the two-worker mode
# runs `audit verify` in a fresh process of its own, on the same database and storage.
_CLI = """
import sys
from server import create_app
from server.audit import log_scan
log_scan.CHUNK = 4
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "STORAGE_DIR": sys.argv[2],
                  "AUDIT_VERIFY_WORKERS": 2})
assert log_scan.can_fork(), "a thread is running: verify would not use its workers"
result = app.test_cli_runner().invoke(args=["audit", "verify"])
print(result.output, end="")
sys.exit(result.exit_code)
"""


@pytest.fixture(params=list(MODES))
def log(request, app, monkeypatch):
    """Twelve entries by different actors, checkpoints after the 5th, 10th and 12th."""
    monkeypatch.setattr(log_scan, "CHUNK", 4)
    app.config["AUDIT_VERIFY_WORKERS"] = MODES[request.param]
    for i in range(12):
        record_event("test.event", object_type="test", object_id=i, details={"i": i, "text": "检查"},
                     actor_username=f"执法员{i % 3}", client_address=f"10.0.0.{i}")
        if i in (4, 9, 11):
            make_checkpoint("test")
    db.session.commit()


def verify(runner):
    app = runner.app
    if app.config["AUDIT_VERIFY_WORKERS"] == 1:
        result = runner.invoke(args=["audit", "verify"])
        return result.exit_code, result.output
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", _CLI, url, str(app.config["STORAGE_DIR"])], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.returncode, done.stdout


def test_an_untouched_log_read_in_chunks_verifies(runner, log):
    code, output = verify(runner)
    assert code == 0 and "OK (12 entries, 3 signed checkpoints" in output, output


@pytest.mark.parametrize("column, value", [
    ("recorded_at", datetime(2026, 11, 30, 1, 2, 3, 4, tzinfo=timezone.utc)),
    ("actor_id", 7),
    ("actor_username", "执法员9"),
    ("actor_username", None),
    ("action", "test.other"),
    ("object_type", "other"),
    ("object_id", "66"),
    ("client_address", None),
    ("details", '{"i":6,"text":"检察"}'),
    ("entry_hash", "0" * 64),
])
def test_an_edit_of_any_column_of_an_entry_is_named(runner, log, column, value):
    tamper(sa.update(AuditEntry).where(AuditEntry.seq == 7).values({column: value}))
    code, output = verify(runner)
    assert code == 1 and "entry 7 (" in output and "altered" in output, output


@pytest.mark.parametrize("column, value", [
    ("recorded_at", 1764464523),  # the time as a number
    ("object_id", b"6"),  # the same characters, as bytes
    ("actor_id", "seven"),
])
def test_a_column_stored_as_another_type_is_named_where_the_database_takes_it(runner, log, column, value):
    """SQLite stores any type in any column: verify names the entry (the fast leaf takes only the
    types it expects); PostgreSQL refuses the edit or stores it converted, which verify names."""
    try:
        tamper(sa.update(AuditEntry).where(AuditEntry.seq == 7).values({column: sa.literal(value)}))
    except sa.exc.DBAPIError:
        assert db.engine.dialect.name == "postgresql", "only PostgreSQL's column types refuse it"
        db.session.rollback()
        return
    code, output = verify(runner)
    assert code == 1 and "entry 7 (test.event) altered" in output, output


def test_details_in_another_spelling_are_recomputed_the_slow_way_and_verify(runner, log):
    tamper("UPDATE audit_entries SET details = :text WHERE seq = 6", text='{ "text": "检查", "i": 5 }')
    code, output = verify(runner)
    assert code == 0 and "OK (12 entries" in output, output


def test_a_deleted_entry_in_a_later_chunk_is_named(runner, log):
    tamper("DELETE FROM audit_entries WHERE seq = 10")
    code, output = verify(runner)
    assert code == 1 and "entry 10 missing" in output, output


def test_a_truncated_log_is_named(runner, log):
    tamper("DELETE FROM audit_entries WHERE seq > 9")
    code, output = verify(runner)
    assert code == 1 and "covers 10 entries, the log holds 9" in output, output


def test_an_entry_out_of_place_beyond_the_count_is_named(runner, log):
    tamper("UPDATE audit_entries SET seq = 1000 WHERE seq = 12")
    code, output = verify(runner)
    assert code == 1 and "entry 12–999 missing" in output, output


def test_an_entry_rewritten_with_its_hash_recomputed_breaks_the_next_checkpoint(runner, log):
    entry = db.session.get(AuditEntry, 6)
    db.session.expunge(entry)
    fake = AuditEntry(**{c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns})
    fake.details = '{"i":55,"text":"检查"}'
    tamper(sa.update(AuditEntry).where(AuditEntry.seq == 6).values(
        details=fake.details, entry_hash=merkle.leaf_hash(entry_content(fake)).hex()))
    code, output = verify(runner)
    assert code == 1 and "checkpoint of 10 entries" in output and "no longer hash to its root" in output, output
