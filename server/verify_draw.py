"""Standalone verifier of a published random-inspection draw (双随机), for anyone:

    python -m server.verify_draw plan.json [--commitment DIGEST]

Standard library only (server/draws/algorithm.py is the very code the server drew with;
server/verify_common.py the checks and the command line it shares with verify_review_sample). It
checks each input list against the hash published at commitment, the revealed seed against its
SHA-256 commitment, the final seed against SHA-256(seed ‖ witness value), that nothing listed as
excluded is among the draw's inputs, and re-runs the draw: the result must be the published one.
`--commitment` is the digest shown on the plan's public page (and in the audit log) since it was
committed, before the draw; without it, compare the printed digest with the published one.
Each mismatch names what differs: which input list, the seed, the witness value, which target or
officer. Exit 0: the draw is what the inputs and seed give; 1: something differs; 2: unreadable.
"""
from __future__ import annotations

import sys

from server import verify_common as common
from server.draws import algorithm as alg

LIST_LABELS = {"targets": "检查对象名单 target list", "officers": "执法人员名单 officer list",
               "conflicts": "回避关系 conflict list", "excluded": "排除名单 exclusion list",
               "rules": "抽取比例 rules"}


def verify_draw(document: dict, expect_commitment: str | None = None) -> common.Report:
    """Check a published plan.json; every problem found is named in the report."""
    committed = common.read_committed(document, alg.FORMAT)
    report = common.Report()
    common.check_inputs(report, committed, {name: LIST_LABELS[name] for name in alg.INPUT_NAMES},
                        "plan.json")
    _check_exclusions(report, committed.inputs)
    common.check_digest(report, committed, expect_commitment)
    if not committed.draw:
        report.lines.append("not drawn yet: only the commitment was checked")
        return report
    seed = common.check_seed(report, committed.draw, committed.seed_sha256)
    if seed is None or not all(name in committed.inputs for name in alg.INPUT_NAMES):
        return report
    _check_result(report, committed.inputs, seed, committed.draw.get("result"))
    return report


def _check_exclusions(report: common.Report, inputs: dict) -> None:
    excluded = {(e.get("kind"), e.get("id")) for e in inputs.get("excluded", [])}
    for kind, rows in (("target", inputs.get("targets", [])), ("officer", inputs.get("officers", []))):
        for row in rows:
            if (kind, row.get("id")) in excluded:
                report.bad(f"{kind} {row.get('id')}: listed as excluded and yet among the inputs")


def _check_result(report: common.Report, inputs: dict, seed: bytes, published) -> None:
    rerun = alg.run_draw(inputs, seed)
    if rerun == published:
        report.good(f"re-run draw: the same {len(rerun)} targets and officers as published")
        return
    if not isinstance(published, list):
        report.bad("published result: missing or not a list")
        return
    theirs = {row.get("target"): row for row in published if isinstance(row, dict)}
    ours = {row["target"]: row for row in rerun}
    for tid in ours.keys() - theirs.keys():
        report.bad(f"target {tid}: drawn by the re-run, missing from the published result")
    for tid in theirs.keys() - ours.keys():
        report.bad(f"target {tid}: in the published result, not drawn by the re-run")
    for tid in ours.keys() & theirs.keys():
        if ours[tid] != theirs[tid]:
            report.bad(f"target {tid}: published officers {theirs[tid].get('officers')}, the "
                       f"re-run sends {ours[tid]['officers']}")
    if ours.keys() == theirs.keys() and all(ours[t] == theirs[t] for t in ours):
        report.bad("published result: same rows in another order than the re-run's")


def main(argv: list[str] | None = None) -> int:
    """Exit 0: the draw is verified; 1: something differs; 2: unreadable."""
    return common.run_command(argv, prog="python -m server.verify_draw",
                              description="Re-run a published random-inspection draw.",
                              file_arg="plan_json", verify=verify_draw,
                              verified="the draw is verified")


if __name__ == "__main__":
    sys.exit(main())
