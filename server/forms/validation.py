"""Checking a record's answers against the exact form version it names (pure: no database, no HTTP).

Answer shapes (one per item id; see forms/README.md): check {"result": "pass"|"fail"|"na",
"note": str, "photos": [uuid]}; text/select str; integer/decimal number; multiselect [str];
date "YYYY-MM-DD"; datetime ISO 8601 with offset; location {"lat", "lon", "accuracy"};
photo/audio/video [uuid]; signature uuid; repeat [{column id: answer}]; computed: optional, the
server's value wins and a different client value is an error; note: never answered. A check's
`result_rules` (computed values or other answers that settle it) refuse a result they do not allow.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .answer_types import AnswerError, EvidenceRef, fmt_number  # noqa: F401 - form_checks imports it here
from .loader import FormVersion

__all__ = ["AnswerCheck", "AnswerError", "EvidenceRef", "validate_answers"]


@dataclass
class AnswerCheck:
    """The outcome: errors (empty when the answers fit), server-computed values, evidence named."""

    errors: list[AnswerError] = field(default_factory=list)
    computed: dict[str, object] = field(default_factory=dict)
    evidence: list[EvidenceRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_by_item(self) -> dict[str, list[str]]:
        """zh-CN messages per item path, the `errors` member of a problem+json answer."""
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.item, []).append(error.message)
        return grouped


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _normalise_computed(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, dict)):
        return None
    return value


def _same_computed(sent, server) -> bool:
    if isinstance(sent, (int, float)) and isinstance(server, (int, float)) \
            and not isinstance(sent, bool) and not isinstance(server, bool):
        return math.isclose(sent, server, rel_tol=1e-9, abs_tol=1e-9)
    return sent == server


def validate_answers(form: FormVersion, answers: Mapping) -> AnswerCheck:
    """Check `answers` (item id -> answer, as JSON) against `form`; never raises on bad input.

    Returns an AnswerCheck: `errors` (one AnswerError per problem: item path such as
    "axles[1].axle_mass", a machine `code`, a zh-CN `message`), `computed` (the server's value
    of every computed item, None until all its inputs are answered; store these, not the
    client's), and `evidence` (every evidence UUID the answers name, with item path and kind,
    so the caller can match them with the record's evidence list). Codes: unknown_item,
    not_answerable, hidden, required, wrong_type, out_of_range, not_offered, too_long,
    too_few, too_many, evidence_required, computed_mismatch, result_contradicts (a check's
    result that its result rules refuse, with the rule's reason).

    Runs the form version's checks compiled once (form_checks.py); testing/references.py's
    `walk_answers` is the same by reading the form's tree, the reference they are tested against.
    """
    return checks_of(form)(answers)


from .form_checks import checks_of  # noqa: E402 - it builds on the definitions above
