"""What the standalone verifiers of a committed draw share (`python -m server.verify_draw`,
`python -m server.verify_review_sample`): the report, the commitment checks (input lists against
their hashes, the digest, the revealed seed and the final seed), and the command line with its
exit codes (0 verified, 1 something differs, 2 unreadable). The case file's verifier
(`python -m server.verify_case`) uses the same report, Unreadable and exit codes.

Standard library only, like the verifiers: anyone must be able to run them without FieldCase's
dependencies (docs/draw.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from server.draws import algorithm as alg

EXIT_VERIFIED, EXIT_DIFFERS, EXIT_UNREADABLE = 0, 1, 2


@dataclass
class Report:
    """The lines a verifier prints, the problems among them and the commitment digest."""

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
    """Not a document of the verifier's format."""


@dataclass
class Committed:
    """The parts of a published document: inputs, the hashes committed to, the draw (or None)."""

    inputs: dict
    inputs_sha256: dict
    seed_sha256: str
    draw: dict | None


def read_committed(document, expected_format: str) -> Committed:
    """The parts every committed document has; Unreadable if it is not of `expected_format`."""
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise Unreadable(f"not a {expected_format} document")
    try:
        commitment = document["commitment"]
        return Committed(document["inputs"], commitment["inputs_sha256"],
                         commitment["seed_sha256"], document["draw"])
    except (KeyError, TypeError) as exc:
        raise Unreadable(f"missing part: {exc}") from exc


def check_inputs(report: Report, committed: Committed, labels: Mapping[str, str],
                 file_name: str) -> None:
    """Each input list (named by `labels`) against the hash committed before the draw."""
    for name, label in labels.items():
        if name not in committed.inputs:
            report.bad(f"{label}: missing from {file_name}")
            continue
        actual = alg.sha256_hex(alg.canonical_bytes(committed.inputs[name]))
        published = committed.inputs_sha256.get(name)
        if actual == published:
            report.good(f"{label}: SHA-256 {actual} as committed")
        else:
            report.bad(f"{label}: SHA-256 {actual} differs from the committed {published} "
                       f"(the list was changed after the commitment)")


def check_digest(report: Report, committed: Committed, expect_commitment: str | None) -> None:
    """Compute the commitment digest; compare it with the published one when it is given."""
    report.digest = alg.commitment_digest(committed.seed_sha256, committed.inputs_sha256)
    if expect_commitment is None:
        return
    if report.digest == expect_commitment.strip().lower():
        report.good(f"commitment digest {report.digest} is the one published before the draw")
    else:
        report.bad(f"commitment digest {report.digest} differs from the published "
                   f"{expect_commitment} (the seed commitment or an input hash was changed)")


def check_seed(report: Report, draw: dict, seed_sha256: str) -> bytes | None:
    """The revealed seed against its commitment and the final seed against SHA-256(seed ‖
    witness value); the final seed to re-run with, or None if there is none to use."""
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


def run_command(argv: list[str] | None, *, prog: str, description: str, file_arg: str,
                verify: Callable[[dict, str | None], Report], verified: str) -> int:
    """The verifiers' command line: read the file, print every line, the digest and the result;
    return the exit code."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(file_arg)
    parser.add_argument("--commitment", help="the commitment digest published before the draw")
    args = parser.parse_args(argv)
    try:
        with open(getattr(args, file_arg), encoding="utf-8") as handle:
            report = verify(json.load(handle), args.commitment)
    except (OSError, ValueError, Unreadable) as exc:
        print(f"无法读取 unreadable: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    for line in report.lines:
        print(line)
    print(f"commitment digest: {report.digest}")
    print("结果 RESULT: " + (f"通过 {verified}" if report.ok
                           else f"失败 {len(report.problems)} problem(s)"))
    return EXIT_VERIFIED if report.ok else EXIT_DIFFERS
