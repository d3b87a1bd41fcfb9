"""Health probes, security headers, the OpenAPI document, the database's own guarantees."""
import os
import re
import shutil
import stat

import pytest
import sqlalchemy as sa

from server import create_app
from server.audit.models import AuditEntry
from server.audit.service import entry_content, record_event
from server.extensions import db


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
    r = client.get("/readyz")
    assert r.status_code == 200 and r.get_json()["checks"] == {"database": "ok", "storage": "ok"}


def test_readyz_fails_when_storage_is_not_writable(client, storage_dir):
    if os.geteuid() == 0:
        # root writes anywhere: make the storage path a file instead
        shutil.rmtree(storage_dir)
        storage_dir.write_text("not a folder")
    else:
        storage_dir.chmod(0o500)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.get_json()["errors"]["storage"] == "not writable"


def test_security_headers_on_every_response(client, personas):
    for r in (client.get("/healthz"), client.get("/api/me"), client.get("/api/nope")):
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"]
    assert client.get("/api/me").headers["Cache-Control"] == "no-store"


def test_secret_key_is_generated_once_with_0600(app_config, storage_dir):
    config = {k: v for k, v in app_config.items()}
    a = create_app(config)
    b = create_app(config)
    key_file = storage_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == key_file.read_text().strip()


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("api-docs", "pwa.", "review_pages.", "cases_pages.",
                                     "targets_pages.", "oversight_pages.", "public_pages.",
                                     "plans_pages.")):  # pages, not API
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from /api/openapi.json: {missing}"
    assert len(documented) >= 14


def test_the_app_shell_is_served_at_the_root(client):
    r = client.get("/")
    assert r.status_code == 200 and "FieldCase" in r.get_data(as_text=True)
    assert client.get("/../server/config.py").status_code == 404
    assert client.get("/api/../server/config.py").status_code == 404


def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_audit_entries_cannot_be_updated_or_deleted(app):
    entry = record_event("test.event", details={"n": 1}, sequenced=True)  # in the log at once
    db.session.commit()
    for statement in (sa.update(AuditEntry).values(action="forged"), sa.delete(AuditEntry)):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert db.session.get(AuditEntry, entry.seq).action == "test.event"


def test_audit_entries_are_numbered_without_gaps_and_hashed(app):
    import hashlib

    for i in range(3):
        record_event("test.event", details={"i": i, "text": "中文"})
    db.session.commit()
    entries = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert [e.seq for e in entries] == [1, 2, 3]
    for e in entries:
        db.session.refresh(e)  # as read back from the database
        assert e.entry_hash == hashlib.sha256(b"\x00" + entry_content(e)).hexdigest()
        assert e.recorded_at.tzinfo is not None
    assert '"text":"中文"' in entries[0].details  # canonical: UTF-8, no spaces, sorted keys


def test_a_read_that_writes_commits_its_audit_entry(app, client):
    from server.database import WRITER, db_mode

    @app.get("/api/_audited-read")
    @db_mode(WRITER)
    def audited_read():
        record_event("test.read")
        return {"ok": True}

    @app.get("/api/_plain-read")
    def plain_read():
        record_event("test.read.lost")
        return {"ok": True}

    assert client.get("/api/_audited-read").status_code == 200
    assert client.get("/api/_plain-read").status_code == 200
    db.session.remove()
    actions = db.session.execute(sa.select(AuditEntry.action)).scalars().all()
    assert actions == ["test.read"]
