"""Standalone verifier of a published random-inspection draw (双随机), for anyone:

    python -m server.verify_draw plan.json [--commitment DIGEST]

Standard library only (server/draws/algorithm.py is the very code the server drew with). It
checks each input list against the hash published at commitment, the revealed seed against its
SHA-256 commitment, the final seed against SHA-256(seed ‖ witness value), that nothing listed as
excluded is among the draw's inputs, and re-runs the draw: the result must be the published one.
`--commitment` is the digest shown on the plan's public page (and in the audit log) since it was
committed, before the draw; without it, compare the printed digest with the published one.
Each mismatch names what differs: which input list, the seed, the witness value, which target or
officer. Exit 0: the draw is what the inputs and seed give; 1: something differs; 2: unreadable.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

from server.draws import algorithm as alg

LIST_LABELS = {"targets": "检查对象名单 target list", "officers": "执法人员名单 officer list",
               "conflicts": "回避关系 conflict list", "excluded": "排除名单 exclusion list",
               "rules": "抽取比例 rules"}


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    digest: str | None = None

    def good(self, text: str) -> None:
        self.lines.append(f"[通过 OK]   {text}")

    def bad(self, text: str) -> None:
        self.problems.append(text)
        self.lines.append(f"[失败 FAIL] {text}")

    @property
    def ok(self) -> bool:
        return not self.problems


class Unreadable(Exception):
    """Not a plan.json of this format."""


def verify_draw(document: dict, expect_commitment: str | None = None) -> Report:
    """Check a published plan.json; every problem found is named in the report."""
    if not isinstance(document, dict) or document.get("format") != alg.FORMAT:
        raise Unreadable(f"not a {alg.FORMAT} document")
    try:
        inputs, commitment, draw = document["inputs"], document["commitment"], document["draw"]
        published_hashes = commitment["inputs_sha256"]
        seed_sha256 = commitment["seed_sha256"]
    except (KeyError, TypeError) as exc:
        raise Unreadable(f"missing part: {exc}") from exc
    report = Report()
    _check_inputs(report, inputs, published_hashes)
    report.digest = alg.commitment_digest(seed_sha256, published_hashes)
    if expect_commitment is not None:
        if report.digest == expect_commitment.strip().lower():
            report.good(f"commitment digest {report.digest} is the one published before the draw")
        else:
            report.bad(f"commitment digest {report.digest} differs from the published "
                       f"{expect_commitment} (the seed commitment or an input hash was changed)")
    if not draw:
        report.lines.append("not drawn yet: only the commitment was checked")
        return report
    seed = _check_seed(report, draw, seed_sha256)
    if seed is None or not all(name in inputs for name in alg.INPUT_NAMES):
        return report
    _check_result(report, inputs, seed, draw.get("result"))
    return report


def _check_inputs(report: Report, inputs: dict, published: dict) -> None:
    for name in alg.INPUT_NAMES:
        if name not in inputs:
            report.bad(f"{LIST_LABELS[name]}: missing from plan.json")
            continue
        actual = alg.sha256_hex(alg.canonical_bytes(inputs[name]))
        if actual == published.get(name):
            report.good(f"{LIST_LABELS[name]}: SHA-256 {actual} as committed")
        else:
            report.bad(f"{LIST_LABELS[name]}: SHA-256 {actual} differs from the committed "
                       f"{published.get(name)} (the list was changed after the commitment)")
    excluded = {(e.get("kind"), e.get("id")) for e in inputs.get("excluded", [])}
    for kind, rows in (("target", inputs.get("targets", [])), ("officer", inputs.get("officers", []))):
        for row in rows:
            if (kind, row.get("id")) in excluded:
                report.bad(f"{kind} {row.get('id')}: listed as excluded and yet among the inputs")


def _check_seed(report: Report, draw: dict, seed_sha256: str) -> bytes | None:
    seed_hex, witness = draw.get("seed"), draw.get("witness_value")
    if not isinstance(seed_hex, str) or not isinstance(witness, str):
        report.bad("seed or witness value missing from the draw")
        return None
    try:
        commitment = alg.seed_commitment(seed_hex)
    except ValueError:
        report.bad(f"seed {seed_hex!r} is not hexadecimal")
        return None
    if commitment == seed_sha256:
        report.good(f"seed: its SHA-256 is the commitment {seed_sha256}")
    else:
        report.bad(f"seed: SHA-256 of the revealed seed is {commitment}, not the commitment "
                   f"{seed_sha256} (the seed was changed)")
    final = alg.final_seed(seed_hex, witness)
    if final.hex() == draw.get("final_seed"):
        report.good(f"final seed = SHA-256(seed ‖ witness value {witness!r}) = {final.hex()}")
    else:
        report.bad(f"final seed: SHA-256(seed ‖ witness value {witness!r}) is {final.hex()}, "
                   f"the published final seed is {draw.get('final_seed')} (the witness value or "
                   f"the seed differs from the one drawn with)")
    return final


def _check_result(report: Report, inputs: dict, seed: bytes, published) -> None:
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
    parser = argparse.ArgumentParser(prog="python -m server.verify_draw",
                                     description="Re-run a published random-inspection draw.")
    parser.add_argument("plan_json")
    parser.add_argument("--commitment", help="the commitment digest published before the draw")
    args = parser.parse_args(argv)
    try:
        with open(args.plan_json, encoding="utf-8") as handle:
            report = verify_draw(json.load(handle), args.commitment)
    except (OSError, ValueError, Unreadable) as exc:
        print(f"无法读取 unreadable: {exc}", file=sys.stderr)
        return 2
    for line in report.lines:
        print(line)
    print(f"commitment digest: {report.digest}")
    print("结果 RESULT: " + ("通过 the draw is verified" if report.ok
                           else f"失败 {len(report.problems)} problem(s)"))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
