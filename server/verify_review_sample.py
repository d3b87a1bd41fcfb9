"""Standalone verifier of a published 案卷评查 sample (a quarter's closed files drawn for review):

    python -m server.verify_review_sample sample.json [--commitment DIGEST]

Standard library only, the sibling of `python -m server.verify_draw` (the same commitment scheme,
docs/draw.md §9; server/draws/algorithm.py is the code the server sampled with). It checks the
eligible file list and the rule against the hashes committed before the draw, the revealed seed
against its SHA-256, the final seed against SHA-256(seed ‖ witness value), and re-runs the sample:
the files drawn must be the published ones, in the same order. Exit 0: verified; 1: something
differs (each difference is named); 2: not a sample.json.
"""
from __future__ import annotations

import argparse
import json
import sys

from server.draws import algorithm as alg
from server.verify_draw import Report, Unreadable, _check_seed

LABELS = {"files": "待抽取案卷名单 eligible file list", "rules": "抽取比例 sample rule"}


def verify_sample(document: dict, expect_commitment: str | None = None) -> Report:
    """Check a published sample.json; every problem found is named in the report."""
    if not isinstance(document, dict) or document.get("format") != alg.SAMPLE_FORMAT:
        raise Unreadable(f"not a {alg.SAMPLE_FORMAT} document")
    try:
        inputs, commitment, draw = document["inputs"], document["commitment"], document["draw"]
        published, seed_sha256 = commitment["inputs_sha256"], commitment["seed_sha256"]
    except (KeyError, TypeError) as exc:
        raise Unreadable(f"missing part: {exc}") from exc
    report = Report()
    for name in alg.SAMPLE_INPUT_NAMES:
        if name not in inputs:
            report.bad(f"{LABELS[name]}: missing from sample.json")
            continue
        actual = alg.sha256_hex(alg.canonical_bytes(inputs[name]))
        if actual == published.get(name):
            report.good(f"{LABELS[name]}: SHA-256 {actual} as committed")
        else:
            report.bad(f"{LABELS[name]}: SHA-256 {actual} differs from the committed "
                       f"{published.get(name)} (changed after the commitment)")
    report.digest = alg.commitment_digest(seed_sha256, published)
    if expect_commitment is not None:
        if report.digest == expect_commitment.strip().lower():
            report.good(f"commitment digest {report.digest} is the one published before the draw")
        else:
            report.bad(f"commitment digest {report.digest} differs from the published {expect_commitment}")
    if not draw:
        report.lines.append("not drawn yet: only the commitment was checked")
        return report
    seed = _check_seed(report, draw, seed_sha256)
    if seed is None or not all(name in inputs for name in alg.SAMPLE_INPUT_NAMES):
        return report
    rerun, theirs = alg.run_sample(inputs, seed), draw.get("result")
    if rerun == theirs:
        report.good(f"re-run sample: the same {len(rerun)} files as published")
        return report
    theirs = theirs if isinstance(theirs, list) else []
    for file_id in [f for f in rerun if f not in theirs]:
        report.bad(f"file {file_id}: drawn by the re-run, missing from the published sample")
    for file_id in [f for f in theirs if f not in rerun]:
        report.bad(f"file {file_id}: in the published sample, not drawn by the re-run")
    if sorted(map(str, theirs)) == sorted(rerun):
        report.bad("published sample: the same files in another order than the re-run's")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.verify_review_sample",
                                     description="Re-run a published 案卷评查 sample.")
    parser.add_argument("sample_json")
    parser.add_argument("--commitment", help="the commitment digest published before the draw")
    args = parser.parse_args(argv)
    try:
        with open(args.sample_json, encoding="utf-8") as handle:
            report = verify_sample(json.load(handle), args.commitment)
    except (OSError, ValueError, Unreadable) as exc:
        print(f"无法读取 unreadable: {exc}", file=sys.stderr)
        return 2
    for line in report.lines:
        print(line)
    print(f"commitment digest: {report.digest}")
    print("结果 RESULT: " + ("通过 the sample is verified" if report.ok
                           else f"失败 {len(report.problems)} problem(s)"))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
