"""A quarter's review sample: commit (freeze the eligible files, draw and hash the secret seed),
draw (once, with a witness's public value; the seed is revealed), and the published JSON that
`python -m server.verify_review_sample` re-runs. The same scheme as a plan's draw (docs/draw.md),
the seed stored sealed until the draw (draws/sealing.py)."""
from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import utcnow
from ..draws import algorithm as alg
from ..draws.sealing import SeedUnsealable, sample_subject, seal_seed, seed_key, unseal_seed
from ..errors import ApiError
from ..extensions import db
from .files import eligible_files, parse_quarter
from .models import ReviewSample

STAFF = ("supervisor", "admin")
log = logging.getLogger(__name__)


def sample_rules() -> dict:
    """The bureau's rule (REVIEW_SAMPLE_SHARE, REVIEW_SAMPLE_MINIMUM) as the algorithm reads it."""
    return {"share": str(Decimal(current_app.config["REVIEW_SAMPLE_SHARE"])),
            "minimum": int(current_app.config["REVIEW_SAMPLE_MINIMUM"])}


def commit_sample(user: User, quarter: str) -> ReviewSample:
    """Freeze the quarter's eligible files and the rule, commit to a fresh secret seed (audited)."""
    if not user.has_role(*STAFF):
        raise ApiError("evalreview.not_supervisor")
    first, last = parse_quarter(quarter)
    if db.session.execute(db.select(ReviewSample.id).where(ReviewSample.quarter == quarter)).first():
        raise ApiError("evalreview.sample_exists")
    inputs = {"files": eligible_files(first, last), "rules": sample_rules()}
    if not inputs["files"]:
        raise ApiError("evalreview.no_files")
    seed = secrets.token_hex(alg.SEED_BYTES)
    seed_sha256 = alg.seed_commitment(seed)
    hashes = alg.sample_hashes(inputs)
    digest = alg.commitment_digest(seed_sha256, hashes)
    sealed = seal_seed(seed, sample_subject(quarter), seed_sha256, seed_key())
    sample = ReviewSample(quarter=quarter, status="committed", committed_by_id=user.id,
                          committed_at=utcnow(), seed=sealed, seed_sha256=seed_sha256, inputs=inputs,
                          inputs_sha256=hashes, commitment_digest=digest)
    db.session.add(sample)
    db.session.flush()
    record_event("evalreview.sample_committed", actor=user, object_type="review_sample",
                 object_id=sample.id, details={"quarter": quarter, "seed_sha256": seed_sha256,
                                               "inputs_sha256": hashes, "commitment_digest": digest})
    return sample


def draw_sample(user: User, sample: ReviewSample, witness_value: str) -> ReviewSample:
    """Run the sample once with the witness's value and reveal the seed (audited)."""
    if not user.has_role(*STAFF):
        raise ApiError("evalreview.not_supervisor")
    if sample.status != "committed":
        raise ApiError("evalreview.already_drawn")
    try:
        seed = unseal_seed(sample.seed, sample_subject(sample.quarter), sample.seed_sha256, seed_key())
    except SeedUnsealable as error:
        log.error("review sample draw refused: %s", error)
        raise ApiError("evalreview.seed_unsealable") from error
    final = alg.final_seed(seed, witness_value)
    result = alg.run_sample(sample.inputs, final)
    changed = db.session.execute(
        db.update(ReviewSample).where(ReviewSample.id == sample.id, ReviewSample.status == "committed")
        .values(status="drawn", seed=seed, drawn_by_id=user.id, drawn_at=utcnow(), witness_value=witness_value,
                final_seed=final.hex(), result=result)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ApiError("evalreview.already_drawn")
    db.session.refresh(sample)
    record_event("evalreview.sample_drawn", actor=user, object_type="review_sample", object_id=sample.id,
                 details={"witness_value": witness_value, "seed": seed, "final_seed": final.hex(),
                          "result": result})
    return sample


def sample_document(sample: ReviewSample) -> dict:
    """The published sample (format fieldcase-review-sample/v1); the seed only once drawn."""
    draw = None
    if sample.status == "drawn":
        draw = {"seed": sample.seed, "witness_value": sample.witness_value,
                "final_seed": sample.final_seed, "result": sample.result}
    return {"format": alg.SAMPLE_FORMAT, "quarter": sample.quarter, "inputs": sample.inputs,
            "commitment": {"seed_sha256": sample.seed_sha256, "inputs_sha256": sample.inputs_sha256,
                           "digest": sample.commitment_digest},
            "draw": draw}


def get_sample(sample_id: int) -> ReviewSample:
    sample = db.session.get(ReviewSample, sample_id)
    if sample is None:
        raise ApiError("evalreview.sample_not_found")
    return sample


def sampled_file(sample: ReviewSample, file_id: str) -> dict:
    """The file's published facts, if the sample drew it."""
    if sample.status != "drawn" or file_id not in sample.result:
        raise ApiError("evalreview.file_not_sampled")
    return next(f for f in sample.inputs["files"] if f["id"] == file_id)
