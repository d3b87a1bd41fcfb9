"""Reading forms/*.yaml into FormVersion objects, refusing any file with a mistake in it.

A file is parsed (YAML), its `include:` sections expanded (shared fragments such as
forms/_common/onsite-v1.yaml), checked against the schema, then checked as a whole: unique ids,
JSON Logic that names only known items with portable operators, no cycle among computed items.
Every problem raises FormDefinitionError naming the file, the item and what is wrong.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError

from .definition import FormSchema
from .references import check_references

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FormDefinitionError(Exception):
    """A form file that cannot be used: names the file, the item (if any) and the problem."""

    def __init__(self, source: str, item: str | None, problem: str) -> None:
        self.source, self.item, self.problem = source, item, problem
        where = f"{source}: item '{item}'" if item else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class ItemRef:
    """Where an item sits: its definition, its section and the repeat holding it (if any)."""

    item: dict
    section: str
    repeat: str | None = None


@dataclass(frozen=True)
class FormVersion:
    """One immutable version of a form, validated and indexed."""

    id: str
    version: int
    content_hash: str
    source: str
    definition: dict  # as loaded by FormSchema (defaults applied)
    document: dict  # the file with includes expanded: what content_hash covers
    items: dict[str, ItemRef] = field(repr=False)
    # Computed items in evaluation order, each with the items its expression names.
    computed: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def title(self) -> str:
        return self.definition["title"]

    @property
    def domain(self) -> str:
        return self.definition["domain"]


def content_hash(document: dict) -> str:
    """SHA-256 (hex) of the document as canonical JSON: comments and layout do not count."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _read_yaml(path: Path, source: str):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FormDefinitionError(source, None, f"cannot read: {exc}") from None


def _expand_includes(document: dict, forms_dir: Path, source: str) -> dict:
    sections = document.get("sections")
    if not isinstance(sections, list):
        return document
    expanded = []
    for entry in sections:
        if not (isinstance(entry, dict) and set(entry) == {"include"}):
            expanded.append(entry)
            continue
        target = (forms_dir / str(entry["include"])).resolve()
        if forms_dir.resolve() not in target.parents or not target.is_file():
            raise FormDefinitionError(source, None, f"include {entry['include']!r}: no such file in forms/")
        fragment = _read_yaml(target, source)
        if not (isinstance(fragment, dict) and set(fragment) == {"sections"}
                and isinstance(fragment["sections"], list)):
            raise FormDefinitionError(source, None,
                                      f"include {entry['include']!r}: a fragment holds only `sections:`")
        expanded.extend(fragment["sections"])
    return {**document, "sections": expanded}


def read_form_file(path: Path, forms_dir: Path) -> FormVersion:
    """Load and check one form file (includes resolved against forms_dir)."""
    source = path.name
    document = _read_yaml(path, source)
    if not isinstance(document, dict):
        raise FormDefinitionError(source, None, "a form file holds a mapping (id, version, title, …)")
    document = _expand_includes(document, forms_dir, source)
    form = build_form(document, source)
    expected = f"{form.id}-v{form.version}.yaml"
    if source != expected:
        raise FormDefinitionError(source, None, f"file name must be {expected} (id and version)")
    return form


def _first_problem(messages, raw, path="", item=None):
    """The first schema error as (item id or None, 'field: message'), the path relative to the item."""
    if isinstance(raw, dict) and "id" in raw and "type" in raw:
        item, path = str(raw["id"]), ""
    if isinstance(messages, list):
        return item, f"{path or 'value'}: {messages[0] if messages else 'invalid'}"
    key, value = next(iter(messages.items()))
    child = None
    if isinstance(raw, dict):
        child = raw.get(key)
    elif isinstance(raw, list) and isinstance(key, int) and 0 <= key < len(raw):
        child = raw[key]
    return _first_problem(value, child, f"{path}.{key}" if path else str(key), item)


def build_form(document: dict, source: str) -> FormVersion:
    """Validate an expanded form document and index it."""
    try:
        definition = FormSchema().load(document)
    except ValidationError as exc:
        item, problem = _first_problem(exc.messages, document)
        raise FormDefinitionError(source, item, problem) from None
    items: dict[str, ItemRef] = {}
    section_ids = set()
    for section in definition["sections"]:
        if section["id"] in section_ids:
            raise FormDefinitionError(source, None, f"section id {section['id']!r} is used twice")
        section_ids.add(section["id"])
        for item in section["items"]:
            _index(items, item, section["id"], None, source)
    try:
        computed = check_references(definition, items)
    except ValueError as exc:
        item, problem = exc.args
        raise FormDefinitionError(source, item, problem) from None
    return FormVersion(id=definition["id"], version=definition["version"],
                       content_hash=content_hash(document), source=source, definition=definition,
                       document=document, items=items, computed=tuple(computed))


def _index(items: dict, item: dict, section: str, repeat: str | None, source: str) -> None:
    if item["id"] in items:
        raise FormDefinitionError(source, item["id"], "duplicate item id")
    items[item["id"]] = ItemRef(item, section, repeat)
    for child in item.get("items") or ():
        if repeat is not None or child["type"] == "repeat":
            raise FormDefinitionError(source, child["id"], "a repeat cannot hold another repeat")
        if child["type"] == "computed":
            raise FormDefinitionError(source, child["id"], "computed items cannot sit inside a repeat")
        _index(items, child, section, item["id"], source)


def load_forms_dir(forms_dir: Path) -> dict[tuple[str, int], FormVersion]:
    """Every forms_dir/*.yaml (fragments live in sub-folders), keyed by (id, version)."""
    forms: dict[tuple[str, int], FormVersion] = {}
    for path in sorted(Path(forms_dir).glob("*.yaml")):
        form = read_form_file(path, Path(forms_dir))
        forms[(form.id, form.version)] = form
    return forms
