"""Standalone verifier of a published 案卷评查 sample (a quarter's closed files drawn for review):

    python -m server.verify_review_sample sample.json [--commitment DIGEST]

Standard library only, the sibling of `python -m server.verify_draw` (the same commitment scheme,
docs/draw.md §9, and the same checks and command line, server/verify_common.py;
server/draws/algorithm.py is the code the server sampled with). It checks the
eligible file list and the rule against the hashes committed before the draw, the revealed seed
against its SHA-256, the final seed against SHA-256(seed ‖ witness value), and re-runs the sample:
the files drawn must be the published ones, in the same order. Exit 0: verified; 1: something
differs (each difference is named); 2: not a sample.json.
"""
from __future__ import annotations

import sys

from server import verify_common as common
from server.draws import algorithm as alg

LABELS = {"files": "待抽取案卷名单 eligible file list", "rules": "抽取比例 sample rule"}


def verify_sample(document: dict, expect_commitment: str | None = None) -> common.Report:
    """Check a published sample.json; every problem found is named in the report."""
    committed = common.read_committed(document, alg.SAMPLE_FORMAT)
    report = common.Report()
    common.check_inputs(report, committed, {name: LABELS[name] for name in alg.SAMPLE_INPUT_NAMES},
                        "sample.json")
    common.check_digest(report, committed, expect_commitment)
    if not committed.draw:
        report.lines.append("not drawn yet: only the commitment was checked")
        return report
    seed = common.check_seed(report, committed.draw, committed.seed_sha256)
    if seed is None or not all(name in committed.inputs for name in alg.SAMPLE_INPUT_NAMES):
        return report
    rerun, theirs = alg.run_sample(committed.inputs, seed), committed.draw.get("result")
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
    """Exit 0: the sample is verified; 1: something differs; 2: not a sample.json."""
    return common.run_command(argv, prog="python -m server.verify_review_sample",
                              description="Re-run a published 案卷评查 sample.",
                              file_arg="sample_json", verify=verify_sample,
                              verified="the sample is verified")


if __name__ == "__main__":
    sys.exit(main())
