"""Every hostile input of the corpus (tests/corpus/generate.py) against a real gunicorn: each is
answered as specified, the server stays ready, and nothing stored changes: not a row of the
database (logs of attempts may only grow) and not a byte of the evidence on disk."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import uuid as uuidlib
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from server import create_app
from server.evidence.models import EvidenceFile, EvidenceUpload
from server.extensions import db
from server.inspections.models import Evidence
from testing.accounts import login_session
from tests.conftest import PASSWORD, ROOT, fresh_database, start_gunicorn, stop_gunicorn

from .generate import case_names, generate

pytestmark = pytest.mark.live

TIMEOUT = 120  # seconds per request: generous, the machine may be busy
CJK = re.compile(r"[\u4e00-\u9fff]")
EVIDENCE_DIRS = ("evidence", "derived", "uploads")


@dataclass
class Instance:
    url: str
    database_url: str
    storage: Path
    corpus: Path
    manifest: dict
    sessions: dict
    engine: sa.engine.Engine
    start: dict | None = None  # the fingerprint after seeding
    tables: list[sa.Table] | None = None  # reflected once: the schema does not change
    log: Path | None = None  # gunicorn's output


@pytest.fixture(scope="module")
def module_database(database_template, tmp_path_factory):
    """A fresh migrated database for this module (copied from the session's template)."""
    with fresh_database(database_template, tmp_path_factory.mktemp("corpus-db"), "fc_corpus") as url:
        yield url


def create_accounts(database_url: str, storage: Path, accounts: list[dict]) -> None:
    from server.accounts import service
    from server.clock import local_today

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_DIR": storage, "TESTING": True,
                      "ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1})
    today = local_today()
    validity = {"valid": (today - timedelta(days=30), today + timedelta(days=365)),
                # Ended two days ago: a corpus record starts an hour before now, which in the
                # first hour after Shanghai's midnight is yesterday, when a certificate that
                # ended yesterday was still valid (the case then failed from 16:00 to 17:00 UTC).
                "expired": (today - timedelta(days=800), today - timedelta(days=2))}
    with app.app_context():
        for team in sorted({a["team"] for a in accounts} - {None}):
            service.create_team(team, f"执法{team}中队")
        for a in accounts:
            since, until = validity.get(a["certificate"], (None, None))
            service.create_user(a["username"], PASSWORD, display_name=a["username"], roles=a["roles"],
                                team_code=a["team"], certificate_number="330424" + a["username"] if since else None,
                                certificate_valid_from=since, certificate_valid_until=until)
        db.session.commit()
        db.engine.dispose()


def login(url: str, username: str) -> requests.Session:
    return login_session(url, username, timeout=TIMEOUT)


def seed(instance: Instance) -> None:
    """Sync the seed records and upload the first record's files, as a phone would."""
    plan = instance.manifest["seed"]
    s = instance.sessions[plan["as"]]
    r = s.post(instance.url + "/api/sync", json={"records": plan["records"]}, timeout=TIMEOUT)
    assert r.status_code == 200 and [x["result"] for x in r.json()["results"]] == ["created"] * 2, r.text
    for upload in plan["uploads"]:
        data = (instance.corpus / upload["file"]).read_bytes()
        meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
            "inspection_uuid": upload["inspection_uuid"], "evidence_uuid": upload["evidence_uuid"],
            "sha256": upload["sha256"], "filename": "photo.jpg"}.items())
        created = s.post(instance.url + "/api/uploads", timeout=TIMEOUT, headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": meta})
        assert created.status_code == 201, created.text
        done = s.patch(created.headers["Location"], data=data, timeout=TIMEOUT, headers={
            "Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert done.headers.get("X-Evidence-Status") == "received", done.text
    first = plan["records"][0]["uuid"]
    assert s.get(f"{instance.url}/api/inspections/{first}", timeout=TIMEOUT).json()["status"] == "complete"


@pytest.fixture(scope="module")
def instance(module_database, tmp_path_factory):
    """Corpus generated, instance migrated with the manifest's accounts, gunicorn serving it,
    the seed data in, and every account logged in."""
    corpus = tmp_path_factory.mktemp("corpus")
    manifest = json.loads(generate(corpus).read_text())
    storage = tmp_path_factory.mktemp("corpus-storage")
    create_accounts(module_database, storage, manifest["accounts"])
    server = start_gunicorn(module_database, storage, corpus / "gunicorn.log")
    engine = sa.create_engine(module_database)
    try:
        sessions = {a["username"]: login(server.url, a["username"]) for a in manifest["accounts"]}
        inst = Instance(server.url, module_database, storage, corpus, manifest, sessions, engine,
                        log=server.log)
        seed(inst)
        inst.start = fingerprint(inst)
        yield inst
    finally:
        engine.dispose()
        stop_gunicorn(server)


# --- what is stored: every row of every table, every file of the evidence folders ---------------

def _key(*values) -> str:
    """A row's key in the fingerprint; UUIDs alike whether stored as CHAR(32) or uuid."""
    def one(value):
        try:
            return str(uuidlib.UUID(str(value))) if len(str(value)) in (32, 36) else str(value)
        except ValueError:
            return str(value)
    return json.dumps([one(v) for v in values])


def fingerprint(instance: Instance) -> dict:
    """{table: {primary key: hash of the row}} and {"files:<dir>": {path: hash}}."""
    if instance.tables is None:
        meta = sa.MetaData()
        with warnings.catch_warnings():
            # SQLite's reflection skips expression indexes (ix_inspections_subject_name_key); the
            # fingerprint reads rows, not indexes
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            meta.reflect(instance.engine)
        instance.tables = meta.sorted_tables
    tables = {}
    with instance.engine.connect() as conn:
        for table in instance.tables:
            key = list(table.primary_key.columns) or list(table.columns)
            rows = {}
            for row in conn.execute(sa.select(table)).mappings():
                ident = _key(*(row[c.name] for c in key))
                rows[ident] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
            tables[table.name] = rows
    uploads = EvidenceUpload.__table__
    with instance.engine.connect() as conn:
        tables["completed_uploads"] = {
            upload_id: _key(evidence) for upload_id, evidence in conn.execute(
                sa.select(uploads.c.id, uploads.c.evidence_uuid).where(uploads.c.status == "completed"))}
    for folder in EVIDENCE_DIRS:
        root = instance.storage / folder
        tables[f"files:{folder}"] = {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}
    return tables


def row_of(instance: Instance, model, ident) -> dict:
    """One row by primary key, read through the model's table (its column types)."""
    table = model.__table__
    with instance.engine.connect() as conn:
        return dict(conn.execute(sa.select(table).where(table.primary_key.columns[0] == ident))
                    .mappings().one())


def unexpected_changes(instance: Instance, before: dict, after: dict, accepts: str | None) -> list[str]:
    """Differences that neither an append-only log nor the case's one accepted file explains."""
    append_only = set(instance.manifest["append_only"])
    accepted, stored = {}, None
    if accepts:
        evidence = row_of(instance, Evidence, uuidlib.UUID(accepts))
        stored = row_of(instance, EvidenceFile, evidence["uuid"])["sha256"]
        key = {_key(evidence["uuid"])}
        accepted = {"evidence": key, "evidence_files": key, "inspections": {_key(evidence["inspection_uuid"])}}
    problems = []
    # Thumbnails are made after the upload's answer (server/evidence/derived.py): one of an
    # original stored before this case may appear while it runs, and changes nothing stored.
    originals = {pathlib.PurePath(path).name for path in before.get("files:evidence", {})}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        if table.startswith("files:"):
            for path in set(old) | set(new):
                late_thumbnail = (table == "files:derived" and path not in old
                                  and pathlib.PurePath(path).name.split(".")[0] in originals)
                if old.get(path) != new.get(path) and not late_thumbnail and not (
                        path not in old and stored and stored in path and table != "files:uploads"):
                    problems.append(f"{table}/{path}: {'added' if path not in old else 'changed or removed'}")
            continue
        for ident in set(old) - set(new):
            problems.append(f"{table} {ident}: removed")
        for ident in set(old) & set(new):
            if old[ident] != new[ident] and ident not in accepted.get(table, set()):
                problems.append(f"{table} {ident}: changed")
        for ident in set(new) - set(old):
            if table == "completed_uploads":
                if new[ident] != _key(accepts):
                    problems.append(f"evidence_uploads {ident}: an upload completed")
            elif table not in append_only and ident not in accepted.get(table, set()):
                problems.append(f"{table} {ident}: added")
    return problems


# --- running a case ---------------------------------------------------------------------------

def send(instance: Instance, case: dict, step: dict, upload_path: str | None) -> requests.Response:
    who = step["as"] or case["as"]
    session = instance.sessions[who] if who else requests.Session()
    path = step["path"].replace("{upload}", upload_path or "/api/uploads/none")
    data = None
    if step["json"] is not None:
        data = json.dumps(step["json"], ensure_ascii=False).encode()
    elif step["body"] is not None:
        data = (instance.corpus / step["body"]).read_bytes()
    headers = dict(step["headers"])
    if step["json"] is not None:
        headers.setdefault("Content-Type", "application/json")
    return session.request(step["method"], instance.url + path, data=data, headers=headers,
                           timeout=TIMEOUT, allow_redirects=False)


def check_answer(step: dict, r: requests.Response) -> None:
    expect = step["expect"]
    where = f"{step['method']} {step['path']}"
    assert r.status_code == expect["status"], f"{where}: {r.status_code} {r.text[:600]}"
    if r.status_code >= 400 and step["method"] != "HEAD":
        assert r.headers["Content-Type"].startswith("application/problem+json"), where
        body = r.json()
        assert body["status"] == r.status_code and body["title"], body
        assert CJK.search(body["detail"]), body  # a detail the officer can read and act on
        if expect["code"]:
            assert body["code"] == expect["code"], body
            assert body["type"] == expect["type"], body
    answered = r.json()["results"] if expect.get("results") else []
    for result, wanted in zip(answered, expect.get("results") or [], strict=True):
        assert result["result"] == wanted["result"], result
        if wanted.get("code"):
            assert result["code"] == wanted["code"], result
        if wanted.get("field"):
            assert wanted["field"] in result["errors"], result
        if result["result"] == "rejected":
            assert CJK.search(result["detail"]) and result["errors"], result
    if "json_equals" in expect:
        assert r.json() == expect["json_equals"]
    for name, value in (expect.get("headers_equal") or {}).items():
        assert r.headers.get(name) == value, (name, dict(r.headers))
    for name, value in (expect.get("metadata_equal") or {}).items():
        pairs = dict(p.split(" ") for p in r.headers["Upload-Metadata"].split(","))
        assert base64.b64decode(pairs[name]).decode() == value, pairs


@pytest.mark.parametrize("name", case_names())
def test_hostile_input_is_answered_as_specified_and_changes_nothing(instance, name):
    case = next(c for c in instance.manifest["cases"] if c["name"] == name)
    before = fingerprint(instance)
    upload_path = None
    for step in case["steps"]:
        r = send(instance, case, step, upload_path)
        if r.status_code == 201 and "Location" in r.headers:
            upload_path = urlsplit(r.headers["Location"]).path
        check_answer(step, r)
    assert requests.get(instance.url + "/readyz", timeout=TIMEOUT).status_code == 200
    changes = unexpected_changes(instance, before, fingerprint(instance), case["accepts"])
    assert not changes, "stored data changed:\n" + "\n".join(sorted(changes))


def test_after_the_whole_corpus_the_server_is_ready_and_the_log_verifies(instance):
    """Last in the module: still ready, nothing but the accepted files stored, the audit log whole."""
    assert instance.sessions["officer1"].get(instance.url + "/readyz", timeout=TIMEOUT).status_code == 200
    accepted = [c["accepts"] for c in instance.manifest["cases"] if c["accepts"]]
    after = fingerprint(instance)
    for key in ("inspections", "inspection_officers", "evidence", "users", "user_sessions", "teams"):
        assert set(after[key]) == set(instance.start[key]), key
    assert len(after["evidence_files"]) == len(instance.start["evidence_files"]) + len(accepted)
    assert after["files:uploads"] == {}  # every refused or terminated upload left nothing behind
    assert "unhandled error" not in instance.log.read_text(errors="replace")  # no 500 at all
    env = {**os.environ, "FIELDCASE_DATABASE_URL": instance.database_url,
           "FIELDCASE_STORAGE_DIR": str(instance.storage)}
    verify = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "audit", "verify"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert verify.returncode == 0, verify.stdout + verify.stderr
