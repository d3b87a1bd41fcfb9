"""The review checklist (评查标准, oversight/review-standard-v*.yaml) and how a file is scored.

A reviewer answers each item `met`, `not_met` or `na` (only where the item `may_be_na`). The score
is 100 × (points of the items met) ÷ (points of the items that apply), one decimal, half up; the
grade is the first of `grades` whose minimum the score reaches, except that a 否决项 (`veto`) not
met makes the file 不合格 whatever its score.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..errors import ApiError

STANDARD_DIR = Path(__file__).resolve().parent.parent.parent / "oversight"
CURRENT_VERSION = 1
SECTIONS = ("facts", "evidence", "procedure", "legal_basis", "discretion", "documents")
ANSWERS = ("met", "not_met", "na")
FAILED_GRADE = "不合格"
ID = validate.Regexp(r"^[a-z][a-z0-9_]*$")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class Item(_Strict):
    id = fields.String(required=True, validate=ID)
    text = fields.String(required=True)
    points = fields.Integer(required=True, validate=validate.Range(min=1))
    defect = fields.String(required=True)
    veto = fields.Boolean(load_default=False)
    may_be_na = fields.Boolean(load_default=False)


class Section(_Strict):
    id = fields.String(required=True, validate=validate.OneOf(SECTIONS))
    title = fields.String(required=True)
    items = fields.List(fields.Nested(Item), required=True, validate=validate.Length(min=1))


class Grade(_Strict):
    min = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    label = fields.String(required=True)


class Standard(_Strict):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    grades = fields.List(fields.Nested(Grade), required=True)
    sections = fields.List(fields.Nested(Section), required=True)


@lru_cache(maxsize=4)
def load_standard(version: int = CURRENT_VERSION) -> dict:
    """The checklist of `version`, validated: every section once, item ids unique, 100 points."""
    path = STANDARD_DIR / f"review-standard-v{version}.yaml"
    standard = Standard().load(yaml.safe_load(path.read_text(encoding="utf-8")))
    if [s["id"] for s in standard["sections"]] != list(SECTIONS):
        raise ValidationError(f"{path.name}: sections must be {SECTIONS}")
    items = [i for s in standard["sections"] for i in s["items"]]
    if len({i["id"] for i in items}) != len(items) or sum(i["points"] for i in items) != 100:
        raise ValidationError(f"{path.name}: item ids must be unique and points sum to 100")
    if standard["grades"][-1]["min"] != 0:
        raise ValidationError(f"{path.name}: the last grade must start at 0")
    return standard


def items_by_id(standard: dict) -> dict[str, tuple[str, dict]]:
    """item id -> (section id, item)."""
    return {i["id"]: (s["id"], i) for s in standard["sections"] for i in s["items"]}


def check_answers(standard: dict, answers: dict) -> None:
    """Every item answered once with a known answer; `na` only where allowed."""
    items = items_by_id(standard)
    if set(answers) != set(items):
        raise ApiError("evalreview.answers_incomplete")
    for item_id, answer in answers.items():
        if answer["result"] == "na" and not items[item_id][1]["may_be_na"]:
            raise ApiError("evalreview.not_applicable_refused")
        if answer["result"] == "not_met" and not (answer.get("note") or "").strip():
            raise ApiError("evalreview.defect_note_required")


def score_answers(standard: dict, answers: dict) -> dict:
    """{"score": "92.5", "grade", "vetoed", "defects": {section: count}} for complete answers."""
    met = applicable = 0
    vetoed = False
    defects = dict.fromkeys(SECTIONS, 0)
    for item_id, (section, item) in items_by_id(standard).items():
        result = answers[item_id]["result"]
        if result == "na":
            continue
        applicable += item["points"]
        if result == "met":
            met += item["points"]
        else:
            defects[section] += 1
            vetoed = vetoed or item["veto"]
    score = (Decimal(100) * met / applicable if applicable else Decimal(100)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)
    grade = FAILED_GRADE if vetoed else next(g["label"] for g in standard["grades"] if score >= g["min"])
    return {"score": str(score), "grade": grade, "vetoed": vetoed, "defects": defects}
