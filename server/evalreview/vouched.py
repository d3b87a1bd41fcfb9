"""What the audit log vouches for about review samples, scores and problems, for `audit verify`
(server/audit/vouched.py): a sample's commitment and draw, each score as recorded, each problem's
finding and state."""
from __future__ import annotations

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind, keyset_rows
from ..draws import algorithm as alg
from ..draws.sealing import SeedUnsealable, sample_subject, seed_key, unseal_seed
from .models import ReviewProblem, ReviewSample, ReviewScore
from .scoring import problem_facts, score_facts

CHUNK = 500
_UNDRAWN = {"witness_value": None, "final_seed": None, "result": None, "status": "committed"}


def _expect_sample(entry: Entry):
    details = entry.details
    if entry.action == "evalreview.sample_committed":
        yield entry.object_id, {"quarter": details["quarter"], "seed_sha256": details["seed_sha256"],
                                "stored_seed_sha256": details["seed_sha256"],
                                "inputs_sha256": details["inputs_sha256"],
                                "commitment_digest": details["commitment_digest"], **_UNDRAWN}
    else:
        yield entry.object_id, {"witness_value": details["witness_value"], "final_seed": details["final_seed"],
                                "result": details["result"], "status": "drawn"}


def _sample_rows():
    for sample in keyset_rows(sa.select(ReviewSample), ReviewSample.id, chunk=CHUNK, objects=True):
        yield str(sample.id), f"review sample {sample.quarter}", {
            "quarter": sample.quarter, "seed_sha256": _stored_seed_sha256(sample),
            "stored_seed_sha256": sample.seed_sha256, "inputs_sha256": alg.sample_hashes(sample.inputs),
            "commitment_digest": sample.commitment_digest, "witness_value": sample.witness_value,
            "final_seed": sample.final_seed, "result": sample.result, "status": sample.status}


def _stored_seed_sha256(sample: ReviewSample) -> str:
    """SHA-256 of the stored seed, opened with this server's key while sealed ("unreadable" if
    it does not open: named as altered)."""
    try:
        return alg.seed_commitment(unseal_seed(sample.seed, sample_subject(sample.quarter),
                                               sample.seed_sha256, seed_key()))
    except SeedUnsealable:
        return "unreadable"


def _rows(model, facts, label):
    def rows():
        for row in keyset_rows(sa.select(model), model.id, chunk=CHUNK, objects=True):
            yield str(row.id), f"{label} {row.id}", facts(row)
    return rows


def _expect_all(entry: Entry):
    yield entry.object_id, entry.details


SAMPLES = VouchedKind(table="review_samples",
                      actions=("evalreview.sample_committed", "evalreview.sample_drawn"),
                      expect=_expect_sample, rows=_sample_rows,
                      labels={"seed_sha256": "SHA-256 of the stored secret seed",
                              "inputs_sha256": "SHA-256 of the stored eligible files and rule"})
SCORES = VouchedKind(table="review_scores", actions=("evalreview.scored",), expect=_expect_all,
                     rows=_rows(ReviewScore, score_facts, "review score"))
PROBLEMS = VouchedKind(table="review_problems",
                       actions=("evalreview.problem_found", "evalreview.problem_fixed",
                                "evalreview.problem_withdrawn", "evalreview.problem_reopened"),
                       expect=_expect_all, rows=_rows(ReviewProblem, problem_facts, "review problem"))
