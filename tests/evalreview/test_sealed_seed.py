"""A review sample's secret seed is sealed in the database until the draw, as a plan's is
(tests/draws/test_sealed_seed.py): not readable from a dump, the draw reveals it and verifies, a
wrong key refuses the draw, migration 0027 seals the seeds of samples not drawn."""
from __future__ import annotations

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_migrate import downgrade, upgrade

from server.audit.signing import KEY_FILE
from server.audit.verify import VerifyReport
from server.audit.vouched import verify_vouched_rows
from server.draws import algorithm as alg
from server.evalreview.models import ReviewSample
from server.evalreview.vouched import SAMPLES
from server.extensions import db
from server.verify_review_sample import verify_sample
from tests.draws.test_sealed_seed import _swap_key, database_dump, seed_forms
from tests.evalreview.history import QUARTER

WITNESS = "2026-10-08 体彩排列五 36912"


def _commit(admin) -> dict:
    committed = admin.post("/api/evalreview/samples", json={"quarter": QUARTER})
    assert committed.status_code == 201, committed.get_json()
    return committed.get_json()


def _draw(admin, sample_id):
    return admin.post(f"/api/evalreview/samples/{sample_id}/draw", json={"witness_value": WITNESS})


def _stored_seed(sample_id: int) -> str:
    return db.session.execute(sa.select(ReviewSample.seed).where(ReviewSample.id == sample_id)).scalar_one()


def _verifies(admin, sample: dict) -> bool:
    document = admin.get(f"/api/evalreview/samples/{sample['id']}/sample.json").get_json()
    return verify_sample(document, sample["commitment_digest"]).ok


def test_a_committed_samples_seed_is_in_no_column_and_the_draw_reveals_it(files, login_as):
    admin = login_as("admin")
    sample = _commit(admin)
    db.session.commit()
    text, raw = database_dump()
    assert sample["seed_sha256"] in text
    assert _draw(admin, sample["id"]).status_code == 200
    seed = _stored_seed(sample["id"])
    assert alg.seed_commitment(seed) == sample["seed_sha256"]
    for form in seed_forms(seed):
        assert form not in text and form.encode("latin-1") not in raw
    assert _verifies(admin, sample)


def test_a_wrong_key_refuses_the_samples_draw(app, files, login_as, storage_dir):
    admin = login_as("admin")
    sample = _commit(admin)
    original = (storage_dir / KEY_FILE).read_bytes()
    _swap_key(app, storage_dir, Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    refused = _draw(admin, sample["id"])
    assert refused.status_code == 500 and refused.get_json()["code"] == "evalreview.seed_unsealable"
    db.session.expire_all()
    assert db.session.get(ReviewSample, sample["id"]).status == "committed"
    _swap_key(app, storage_dir, original)
    assert _draw(admin, sample["id"]).status_code == 200
    assert _verifies(admin, sample)


def test_the_migration_seals_the_seed_of_a_sample_not_drawn(files, login_as):
    admin = login_as("admin")
    sample = _commit(admin)
    db.session.commit()
    db.session.remove()
    downgrade(revision="0025_sequencer")
    plain = _stored_seed(sample["id"])
    assert alg.seed_commitment(plain) == sample["seed_sha256"]
    db.session.commit()
    db.session.remove()
    upgrade()
    assert _stored_seed(sample["id"]).startswith("sealed:v1:")
    report = VerifyReport()  # the fixture's files were made behind the log: the samples only
    verify_vouched_rows(report, [SAMPLES])
    assert report.problems == []
    assert _draw(admin, sample["id"]).status_code == 200
    assert _stored_seed(sample["id"]) == plain
    assert _verifies(admin, sample)
