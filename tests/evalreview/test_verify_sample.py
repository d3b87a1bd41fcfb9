"""`python -m server.verify_review_sample` re-runs a published sample (the sibling of
verify_draw): it passes on the sample as published and fails, naming what differs, on each
tampering: a file dropped from the eligible list, another seed, another witness value, the result
reordered or with a file swapped, a list changed together with its hash (caught by the digest)."""
from __future__ import annotations

import copy
import json

import pytest

from server.draws import algorithm as alg
from server.verify_review_sample import verify_sample
from testing.stdlib_only import run_with_stdlib_only


def published() -> dict:
    """A sample drawn by the algorithm the server uses: 9 files, rule 30 % and at least 2."""
    seed = "ab" * 32
    inputs = {"files": [{"id": f"case:海盐交罚〔2026〕{n}号", "kind": "case", "closed_on": "2026-08-01",
                         "team": "执法A中队", "officers": ["officer1"], "involved": ["officer1"]}
                        for n in range(1, 10)],
              "rules": {"share": "0.3", "minimum": 2}}
    hashes = alg.sample_hashes(inputs)
    seed_sha256 = alg.seed_commitment(seed)
    final = alg.final_seed(seed, "36912")
    return {"format": alg.SAMPLE_FORMAT, "quarter": "2026-Q3", "inputs": inputs,
            "commitment": {"seed_sha256": seed_sha256, "inputs_sha256": hashes,
                           "digest": alg.commitment_digest(seed_sha256, hashes)},
            "draw": {"seed": seed, "witness_value": "36912", "final_seed": final.hex(),
                     "result": alg.run_sample(inputs, final)}}


def test_the_sample_size_follows_the_rule_exactly():
    assert alg.sample_size({"share": "0.3", "minimum": 2}, 9) == 3  # ⌈2.7⌉
    assert alg.sample_size({"share": "0.1", "minimum": 5}, 20) == 5  # the minimum
    assert alg.sample_size({"share": "0.1", "minimum": 5}, 3) == 3  # never more than there are
    assert alg.sample_size({"share": "0.1", "minimum": 0}, 30) == 3  # 0.1 × 30 is exactly 3
    assert len(published()["draw"]["result"]) == 3


def _drop_file(doc):
    doc["inputs"]["files"].pop()


def _other_seed(doc):
    doc["draw"]["seed"] = "cd" * 32


def _other_witness(doc):
    doc["draw"]["witness_value"] = "36913"


def _reordered(doc):
    doc["draw"]["result"].reverse()


def _swapped(doc):
    drawn = doc["draw"]["result"]
    doc["draw"]["result"] = drawn[:-1] + [next(f["id"] for f in doc["inputs"]["files"] if f["id"] not in drawn)]


def _list_and_hash(doc):
    doc["inputs"]["files"].pop()
    doc["commitment"]["inputs_sha256"]["files"] = alg.sha256_hex(alg.canonical_bytes(doc["inputs"]["files"]))


@pytest.mark.parametrize("tamper, named", [
    (_drop_file, "eligible file list"), (_other_seed, "the seed was changed"),
    (_other_witness, "witness value"), (_reordered, "another order"),
    (_swapped, "not drawn by the re-run"), (_list_and_hash, "commitment digest"),
])
def test_each_tampering_fails_and_is_named(tamper, named):
    document = published()
    digest = document["commitment"]["digest"]
    assert verify_sample(document, digest).ok
    tamper(document)
    report = verify_sample(document, digest)
    assert not report.ok and any(named in p for p in report.problems), report.problems


def test_the_command_passes_on_the_published_sample_and_fails_on_a_tampered_one(tmp_path):
    document = published()
    good, bad = tmp_path / "sample.json", tmp_path / "tampered.json"
    good.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    tampered = copy.deepcopy(document)
    _other_witness(tampered)
    bad.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")

    def run(path):  # as the public runs it: nothing but the standard library importable
        return run_with_stdlib_only("server.verify_review_sample", path,
                                    "--commitment", document["commitment"]["digest"])

    ok, failed = run(good), run(bad)
    assert ok.returncode == 0 and "通过 the sample is verified" in ok.stdout, ok.stdout + ok.stderr
    assert failed.returncode == 1 and "final seed" in failed.stdout
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format": alg.FORMAT}), encoding="utf-8")
    assert run(plan).returncode == 2
