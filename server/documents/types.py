"""Document types as data: documents/<type>/schema.yaml (fields, number abbreviation, retention)
and template.html (laid out by render.py). Loaded once at start; a mistake stops the start naming
the file. `check_fields` is the one place that decides whether a document may be issued."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from flask import Flask, current_app

from ..errors import ApiError

KINDS = ("text", "paragraph", "list", "date")
MAX_LENGTH = {"text": 500, "paragraph": 20_000, "list": 2_000}
MAX_LIST_ITEMS = 200
CODE = re.compile(r"^[a-z][a-z_]*$")
# libyaml where present (as forms/ and discretion/ are read): every app built reads these files.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    required: bool


@dataclass(frozen=True)
class DocumentType:
    code: str
    title: str
    abbrev: str
    retention: str
    fields: tuple[Field, ...]

    @property
    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}


class DocumentTypeError(Exception):
    """A schema.yaml that cannot be used (the start stops with this message)."""


def load_types(folder: Path) -> dict[str, DocumentType]:
    """Every documents/<type>/ with a schema.yaml and a template.html."""
    types = {}
    for schema in sorted(folder.glob("*/schema.yaml")):
        name = schema.relative_to(folder)
        try:
            data = yaml.load(schema.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
            fields = tuple(Field(f["name"], f["label"], f["kind"], bool(f.get("required")))
                           for f in data["fields"])
            doc_type = DocumentType(data["code"], data["title"], data["abbrev"], data["retention"], fields)
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise DocumentTypeError(f"{name}: {type(exc).__name__}: {exc}") from None
        if doc_type.code != schema.parent.name or not CODE.match(doc_type.code):
            raise DocumentTypeError(f"{name}: code {doc_type.code!r} must be the folder's name")
        for f in fields:
            if f.kind not in KINDS:
                raise DocumentTypeError(f"{name}: field {f.name!r}: kind {f.kind!r} is not one of {KINDS}")
        if len({f.name for f in fields}) != len(fields):
            raise DocumentTypeError(f"{name}: a field name appears twice")
        if not (schema.parent / "template.html").is_file():
            raise DocumentTypeError(f"{name}: template.html missing beside it")
        types[doc_type.code] = doc_type
    if not types:
        raise DocumentTypeError(f"{folder}: no document types")
    return types


def init_app(app: Flask) -> None:
    app.extensions["document_types"] = load_types(Path(app.config["DOCUMENTS_DIR"]))


def get_type(code: str) -> DocumentType:
    doc_type = current_app.extensions["document_types"].get(code)
    if doc_type is None:
        raise ApiError("document.unknown_type", detail=f"没有“{code}”这种文书。")
    return doc_type


def all_types() -> list[DocumentType]:
    return list(current_app.extensions["document_types"].values())


def check_fields(doc_type: DocumentType, fields: dict) -> dict:
    """The fields as they will be stored (unknown names refused, values of their kind); a missing
    or empty required field is refused naming every such field by its Chinese label."""
    known = doc_type.labels
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ApiError("document.unknown_fields", detail=f"文书《{doc_type.title}》没有这些栏目："
                       f"{'、'.join(unknown)}，请删除后重试。", fields=unknown)
    clean, problems = {}, {}
    for f in doc_type.fields:
        value = fields.get(f.name)
        if isinstance(value, str):
            value = value.strip()
        if isinstance(value, list):
            value = [v.strip() for v in value if isinstance(v, str) and v.strip()] \
                if all(isinstance(v, str) for v in value) else value
        if value in (None, "", []):
            continue
        problem = _kind_problem(f, value)
        if problem:
            problems[f.name] = f"{f.label}：{problem}"
            continue
        clean[f.name] = value
    missing = [f for f in doc_type.fields if f.required and f.name not in clean and f.name not in problems]
    if missing:
        names = "、".join(f"“{f.label}”" for f in missing)
        raise ApiError("document.missing_fields",
                       detail=f"文书《{doc_type.title}》缺少必填栏目：{names}，请填写后再出具。",
                       fields=[f.name for f in missing])
    if problems:
        raise ApiError("document.invalid_fields", detail="；".join(problems.values()) + "。",
                       fields=sorted(problems))
    return clean


def _kind_problem(f: Field, value) -> str | None:
    if f.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "应为若干行文字（列表）"
        if len(value) > MAX_LIST_ITEMS or any(len(v) > MAX_LENGTH["list"] for v in value):
            return f"最多 {MAX_LIST_ITEMS} 行、每行 {MAX_LENGTH['list']} 字"
        return None
    if not isinstance(value, str):
        return "应为文字"
    if f.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "应为日期（YYYY-MM-DD）"
        return None
    if len(value) > MAX_LENGTH[f.kind]:
        return f"最多 {MAX_LENGTH[f.kind]} 字"
    return None
