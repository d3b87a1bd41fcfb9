"""Reading discretion/*.yaml into Benchmark objects, refusing any file with a mistake in it.

A file is parsed (YAML), its `include:` fragment expanded (discretion/_common/: facts and factors
every violation sees), checked against its schema (definition.py), then as a whole: file name =
id and version, unique codes and fact ids, JSON Logic with portable operators naming only declared
facts and earlier steps (the PWA's logic.js evaluates the same expressions), level penalties of the
violation's types. The content hash covers the expanded document as canonical JSON, as for forms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError

from ..forms.loader import content_hash
from ..forms.logic import KNOWN_OPERATIONS
from .definition import BenchmarkSchema, NoPenaltyListSchema

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
RESULT_NAMES = frozenset({"amount", "min", "max"})


class DiscretionDefinitionError(Exception):
    """A discretion file that cannot be used: names the file, the violation and the problem."""

    def __init__(self, source: str, code: str | None, problem: str) -> None:
        self.source, self.code, self.problem = source, code, problem
        where = f"{source}: violation '{code}'" if code else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Benchmark:
    """One immutable version of a discretion file (a benchmark or the no-penalty list)."""
    id: str
    version: int
    kind: str
    content_hash: str
    source: str
    definition: dict       # as loaded by the schema
    document: dict         # the file with its include expanded: what content_hash covers
    violations: dict[str, dict] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return self.definition["title"]


def _read_yaml(path: Path, source: str):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DiscretionDefinitionError(source, None, f"not valid YAML: {exc}") from None


def _expand_include(document: dict, folder: Path, source: str) -> dict:
    name = document.get("include")
    if name is None:
        return document
    path = (folder / str(name)).resolve()
    if not path.is_relative_to(folder.resolve() / "_common") or not path.is_file():
        raise DiscretionDefinitionError(source, None, f"include: no fragment {name!r} in _common/")
    fragment = _read_yaml(path, source)
    if not isinstance(fragment, dict) or set(fragment) - {"facts", "factors"}:
        raise DiscretionDefinitionError(source, None, f"include {name}: holds only facts and factors")
    expanded = {k: v for k, v in document.items() if k != "include"}
    for key in ("facts", "factors"):
        expanded[key] = list(fragment.get(key) or []) + list(document.get(key) or [])
    return expanded


def check_expression(node, names: set[str], fail) -> None:
    """Portable operators only, and every `var` one of `names`."""
    if isinstance(node, list):
        for child in node:
            check_expression(child, names, fail)
        return
    if not isinstance(node, dict):
        return
    if len(node) != 1:
        fail(f"a JSON Logic operation has exactly one key, not {sorted(node)}")
    op, args = next(iter(node.items()))
    if op not in KNOWN_OPERATIONS:
        fail(f"unknown or non-portable JSON Logic operator {op!r}")
    args = args if isinstance(args, list) else [args]
    if op == "var":
        if not args or args[0] not in names:
            fail(f"var names an unknown fact or step: {args[0] if args else None!r}")
        return
    check_expression(args, names, fail)


def _check_violation(v: dict, common_facts: list, source: str) -> None:
    def fail(problem):
        raise DiscretionDefinitionError(source, v["code"], problem)

    facts = common_facts + v["facts"]
    ids = [f["id"] for f in facts]
    if len(ids) != len(set(ids)):
        fail(f"a fact id is declared twice: {sorted(i for i in ids if ids.count(i) > 1)}")
    for f in facts:
        if f["type"] == "select" and not f.get("options"):
            fail(f"fact {f['id']}: a select fact lists its options")
    if v["authority"] == "police":
        if v["levels"]:
            fail("a violation the police punish has no levels here")
        return
    if not v["levels"]:
        fail("levels: at least one")
    if "fine" in v["penalty_types"] and "statutory_range" not in v:
        fail("statutory_range: required when the law sets a fine")
    seen = set()
    for level in v["levels"]:
        if level["level"] in seen:
            fail(f"level {level['level']} is defined twice")
        seen.add(level["level"])
        check_expression(level["when"], set(ids), fail)
        p = level["penalty"]
        if set(p["types"]) - {"none"} - set(v["penalty_types"]):
            fail(f"level {level['level']}: a penalty type the law does not give")
        names = set(ids)
        for step in p["let"]:
            check_expression(step["value"], names, fail)
            names.add(step["name"])
        if ("fine" in p["types"]) != ("amount" in p):
            fail(f"level {level['level']}: an amount exactly when the penalty is a fine")
        for key in ("amount", "min", "max"):
            if key in p:
                check_expression(p[key], names, fail)
        unknown = set(PLACEHOLDER.findall(p.get("arithmetic", ""))) - names - RESULT_NAMES
        if unknown:
            fail(f"level {level['level']}: arithmetic names unknown {sorted(unknown)}")


def build_benchmark(document: dict, source: str) -> Benchmark:
    """Validate an expanded document of either kind and index its violations."""
    schema = NoPenaltyListSchema() if document.get("kind") == "no_penalty_list" else BenchmarkSchema()
    try:
        definition = schema.load(document)
    except ValidationError as exc:
        raise DiscretionDefinitionError(source, None, f"{exc.messages}") from None
    fact_ids = {f["id"] for f in definition["facts"]}
    for factor in definition["factors"]:
        check_expression(factor["when"], fact_ids, lambda p, f=factor: _fail(source, f["id"], p))
    violations: dict[str, dict] = {}
    for v in definition.get("violations") or definition["entries"]:
        if v["code"] in violations:
            raise DiscretionDefinitionError(source, v["code"], "the code is listed twice")
        if definition["kind"] == "benchmark":
            _check_violation(v, definition["facts"], source)
        else:
            check_expression(v["when"], fact_ids, lambda p, c=v["code"]: _fail(source, c, p))
        violations[v["code"]] = v
    return Benchmark(definition["id"], definition["version"], definition["kind"],
                     content_hash(document), source, definition, document, violations)


def _fail(source, code, problem):
    raise DiscretionDefinitionError(source, code, problem)


def read_benchmark_file(path: Path, folder: Path) -> Benchmark:
    source = path.name
    document = _read_yaml(path, source)
    if not isinstance(document, dict):
        raise DiscretionDefinitionError(source, None, "a discretion file holds a mapping")
    benchmark = build_benchmark(_expand_include(document, folder, source), source)
    expected = f"{benchmark.id}-v{benchmark.version}.yaml"
    if source != expected:
        raise DiscretionDefinitionError(source, None, f"file name must be {expected} (id and version)")
    return benchmark


def load_discretion_dir(folder: Path) -> dict[tuple[str, int], Benchmark]:
    """Every folder/*.yaml (fragments live in _common/), keyed by (id, version); the current
    version of each id may not share a violation code with another id's."""
    found = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        b = read_benchmark_file(path, Path(folder))
        found[(b.id, b.version)] = b
    owner: dict[tuple[str, str], str] = {}
    for b in current(found.values()):
        for code in b.violations:
            if (b.kind, code) in owner:
                raise DiscretionDefinitionError(b.source, code, f"also in {owner[(b.kind, code)]}")
            owner[(b.kind, code)] = b.source
    for b in current(found.values()):
        for code in b.violations if b.kind == "no_penalty_list" else ():
            listed = next((x.violations[code] for x in current(found.values())
                           if x.kind == "benchmark" and code in x.violations), None)
            if listed is None or listed["authority"] != "transport":
                raise DiscretionDefinitionError(b.source, code, "no benchmark of this bureau has the code")
    return found


def current(benchmarks) -> list[Benchmark]:
    """The highest version of each id."""
    latest: dict[str, Benchmark] = {}
    for b in sorted(benchmarks, key=lambda b: (b.id, b.version)):
        latest[b.id] = b
    return list(latest.values())
