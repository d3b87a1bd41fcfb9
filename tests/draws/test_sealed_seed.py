"""The secret seed is unreadable from the database between commitment and draw: sealed with a
key kept outside it (server/draws/sealing.py). The draw opens it, reveals it and verifies; a
wrong or missing key, or a sealed seed copied from another plan, refuses the draw; `audit verify`
still checks the commitment; migration 0027 seals the seeds of plans not yet drawn."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_migrate import downgrade, upgrade

from server.audit.models import AuditEntry
from server.audit.signing import KEY_FILE
from server.clock import utcnow
from server.draws import algorithm as alg
from server.draws.models import Plan, Task
from server.extensions import db
from tests.audit.tampering import tamper

from .conftest import plan_body
from .test_verify_draw import run_bare

WITNESS = "福彩3D 2026331期 407"


def committed_plan(boss) -> dict:
    plan_id = boss.post("/api/plans", json=plan_body()).json["id"]
    assert boss.post(f"/api/plans/{plan_id}/approve", json={"expected_status": "draft"}).status_code == 200
    committed = boss.post(f"/api/plans/{plan_id}/commit", json={"expected_status": "approved"})
    assert committed.status_code == 200, committed.json
    return committed.json


def draw(boss, plan_id):
    return boss.post(f"/api/plans/{plan_id}/draw",
                     json={"expected_status": "committed", "witness_value": WITNESS})


def database_dump() -> tuple[str, bytes]:
    """Every value of every column of every table, as text, and (SQLite) the raw database files."""
    texts = []
    for table in sa.inspect(db.engine).get_table_names():
        for row in db.session.execute(sa.text(f'SELECT * FROM "{table}"')).all():
            for value in row:
                if isinstance(value, (bytes, memoryview)):
                    texts.append("bytes:" + bytes(value).hex())
                    texts.append(bytes(value).decode("latin-1"))
                else:
                    texts.append(json.dumps(value, default=str, ensure_ascii=False)
                                 if isinstance(value, (dict, list)) else str(value))
    raw = b""
    if db.engine.dialect.name == "sqlite":
        path = Path(db.engine.url.database)
        raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return "\n".join(texts), raw


def seed_forms(seed_hex: str) -> list[str]:
    seed = bytes.fromhex(seed_hex)
    return [seed_hex.lower(), seed_hex.upper(), base64.b64encode(seed).decode(),
            base64.urlsafe_b64encode(seed).decode(), seed.decode("latin-1")]


def _stored_seed(plan_id: int) -> str:
    return db.session.execute(sa.select(Plan.seed).where(Plan.id == plan_id)).scalar_one()


def _swap_key(app, storage_dir: Path, pem: bytes | None) -> None:
    """As a server restarted with another (or no) signing key file."""
    path = storage_dir / KEY_FILE
    if pem is None:
        path.unlink()
    else:
        path.write_bytes(pem)
    app.extensions.pop("derived_keys", None)


def test_a_committed_plans_seed_is_in_no_column_of_the_database(app, directory, login_as):
    boss = login_as("supervisor1")
    committed = committed_plan(boss)
    db.session.commit()
    text, raw = database_dump()
    assert committed["seed_sha256"] in text  # the dump does hold the plan
    drawn = draw(boss, committed["id"])
    assert drawn.status_code == 200, drawn.json
    seed = _stored_seed(committed["id"])  # revealed by the draw
    assert alg.seed_commitment(seed) == committed["seed_sha256"]
    for form in seed_forms(seed):
        assert form not in text, f"the seed ({form!r}) was readable in the database before the draw"
        assert form.encode("latin-1") not in raw


def test_a_sealed_seed_draws_and_verify_draw_verifies_it(app, directory, login_as, client, tmp_path):
    boss = login_as("supervisor1")
    committed = committed_plan(boss)
    assert _stored_seed(committed["id"]).startswith("sealed:v1:")
    assert draw(boss, committed["id"]).status_code == 200
    path = tmp_path / "plan.json"
    path.write_bytes(client.get(f"/public/plans/{committed['id']}/plan.json").data)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert alg.seed_commitment(document["draw"]["seed"]) == committed["seed_sha256"]
    run = run_bare(path, "--commitment", committed["commitment_digest"])
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_wrong_or_missing_key_refuses_the_draw_and_changes_nothing(app, directory, login_as,
                                                                      storage_dir, tmp_path, client):
    boss = login_as("supervisor1")
    committed = committed_plan(boss)
    plan_id = committed["id"]
    sealed = _stored_seed(plan_id)
    original = (storage_dir / KEY_FILE).read_bytes()
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for pem in (other, None):
        _swap_key(app, storage_dir, pem)
        refused = draw(boss, plan_id)
        assert refused.status_code == 500, refused.json
        assert refused.json["code"] == "plan.seed_unsealable"
        assert "密钥" in refused.json["detail"]
        db.session.expire_all()
        plan = db.session.get(Plan, plan_id)
        assert (plan.status, plan.seed, plan.final_seed) == ("committed", sealed, None)
        assert db.session.execute(sa.select(sa.func.count()).select_from(Task)).scalar() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "plan.draw")).scalar() == 0
    _swap_key(app, storage_dir, original)
    assert draw(boss, plan_id).status_code == 200
    path = tmp_path / "plan.json"
    path.write_bytes(client.get(f"/public/plans/{plan_id}/plan.json").data)
    assert run_bare(path, "--commitment", committed["commitment_digest"]).returncode == 0


def test_a_sealed_seed_copied_from_another_plan_refuses_the_draw_and_is_named(app, directory,
                                                                               login_as, runner):
    boss = login_as("supervisor1")
    first, second = committed_plan(boss), committed_plan(boss)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output  # the sealed commitment checks as before
    tamper(sa.update(Plan).where(Plan.id == second["id"]).values(seed=_stored_seed(first["id"])))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert (f"random_plans plan {second['id']}: altered: seed_sha256 "
            "(SHA-256 of the stored secret seed)") in result.output, result.output
    refused = draw(boss, second["id"])
    assert refused.status_code == 500 and refused.json["code"] == "plan.seed_unsealable"


def test_the_database_refuses_an_unsealed_seed_before_the_draw(app, directory, login_as):
    """A commitment written behind the app's back (SQL) cannot store the seed readable."""
    boss = login_as("supervisor1")
    plan_id = boss.post("/api/plans", json=plan_body()).json["id"]
    assert boss.post(f"/api/plans/{plan_id}/approve", json={"expected_status": "draft"}).status_code == 200
    commitment = {"status": "committed", "committed_at": utcnow(), "seed_sha256": "ab" * 32,
                  "inputs": {}, "inputs_sha256": {}, "commitment_digest": "cd" * 32}
    with pytest.raises(sa.exc.DatabaseError, match="cannot change to an unsealed one"):
        db.session.execute(sa.update(Plan).where(Plan.id == plan_id).values(seed="00" * 32, **commitment))
    db.session.rollback()
    db.session.execute(sa.update(Plan).where(Plan.id == plan_id).values(seed="sealed:v1:AAAA", **commitment))
    db.session.rollback()


def test_the_migration_seals_the_seeds_of_plans_not_drawn(app, directory, login_as, runner, client,
                                                         tmp_path):
    boss = login_as("supervisor1")
    waiting, cancelled, done = committed_plan(boss), committed_plan(boss), committed_plan(boss)
    assert boss.post(f"/api/plans/{cancelled['id']}/cancel",
                     json={"expected_status": "committed", "reason": "范围有误"}).status_code == 200
    assert draw(boss, done["id"]).status_code == 200
    revealed = _stored_seed(done["id"])
    db.session.commit()
    db.session.remove()
    downgrade(revision="0025_sequencer")  # as before 0027: every seed readable
    plain = {p["id"]: _stored_seed(p["id"]) for p in (waiting, cancelled)}
    for plan in (waiting, cancelled):
        assert alg.seed_commitment(plain[plan["id"]]) == plan["seed_sha256"]
    db.session.commit()
    db.session.remove()
    upgrade()
    text, _ = database_dump()
    for seed in plain.values():
        for form in seed_forms(seed):
            assert form not in text
    assert all(_stored_seed(i).startswith("sealed:v1:") for i in plain)
    assert _stored_seed(done["id"]) == revealed  # a drawn plan keeps its revealed seed
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert draw(boss, waiting["id"]).status_code == 200
    assert _stored_seed(waiting["id"]) == plain[waiting["id"]]  # the sealed seed was the committed one
    path = tmp_path / "plan.json"
    path.write_bytes(client.get(f"/public/plans/{waiting['id']}/plan.json").data)
    assert run_bare(path, "--commitment", waiting["commitment_digest"]).returncode == 0
