"""Static checks of a form's JSON Logic (conditions, computations, a check's result rules):
portable operators, known item names, offered option values, and no cycle among computed items.

Names resolve by scope: an expression on a top-level item sees top-level items; one on an item
inside a repeat also sees its row's siblings; inside map/filter/all/some/none over a repeat the
names are the repeat's columns, inside reduce `current.<column>` and `accumulator`.
"""
from __future__ import annotations

from .definition import CHECK_RESULTS
from .logic import ITERATING_OPERATIONS, KNOWN_OPERATIONS

EXPRESSION_KEYS = ("show_if", "required_if", "compute")
_EQUALITY = {"==", "!=", "===", "!=="}


class _Checker:
    def __init__(self, items: dict, owner: str | None, key: str, repeat: str | None):
        self.items, self.owner, self.key, self.repeat = items, owner, key, repeat
        self.names: set[str] = set()

    def fail(self, problem: str):
        raise ValueError(self.owner, f"{self.key}: {problem}")

    def walk(self, node, scope=("data", None)) -> None:
        if isinstance(node, list):
            for child in node:
                self.walk(child, scope)
            return
        if not isinstance(node, dict) or len(node) != 1:
            if isinstance(node, dict):
                self.fail(f"a JSON Logic operation has exactly one key, not {sorted(node)}")
            return
        op, args = next(iter(node.items()))
        args = args if isinstance(args, list) else [args]
        if op not in KNOWN_OPERATIONS:
            self.fail(f"unknown or non-portable JSON Logic operator {op!r}")
        if op == "var":
            if not args or not isinstance(args[0], str) or not args[0]:
                self.fail("a var names an item with a literal, non-empty string")
            self.resolve(args[0], scope)
            self.walk(args[1:], scope)
        elif op in ("missing", "missing_some"):
            names = args[1] if op == "missing_some" and len(args) > 1 else args
            names = names[0] if op == "missing" and len(names) == 1 and isinstance(names[0], list) else names
            for name in names if isinstance(names, list) else []:
                if not isinstance(name, str):
                    self.fail(f"{op} takes literal item names")
                self.resolve(name, scope)
        elif op in ITERATING_OPERATIONS:
            self.walk(args[:1], scope)
            source = args[0] if args else None
            repeat = None
            if isinstance(source, dict) and isinstance(source.get("var"), str):
                ref = self.items.get(source["var"])
                repeat = source["var"] if ref and ref.item["type"] == "repeat" else None
            self.walk(args[1:2], ("reduce" if op == "reduce" else "element", repeat))
            if op == "reduce" and len(args) > 2 and isinstance(args[2], (dict, list)):
                self.fail("the initial value of reduce must be a literal (json-logic-js and the "
                          "server disagree otherwise)")
        else:
            if op in _EQUALITY and len(args) >= 2:
                self.check_option(args[0], args[1])
                self.check_option(args[1], args[0])
            elif op == "in" and len(args) >= 2 and isinstance(args[1], list):
                for literal in args[1]:
                    self.check_option(args[0], literal)
            self.walk(args, scope)

    def resolve(self, name: str, scope) -> None:
        kind, repeat = scope
        head, _, rest = name.partition(".")
        if kind == "reduce":
            if head not in ("current", "accumulator"):
                self.fail(f"inside reduce, names start with current. or accumulator, not {name!r}")
            column = rest.partition(".")[0]
            ref = self.items.get(column)
            if head == "current" and repeat and column and (ref is None or ref.repeat != repeat):
                self.fail(f"names unknown column {column!r} of repeat {repeat!r}")
            return
        if kind == "element":
            ref = self.items.get(head)
            if repeat and (ref is None or ref.repeat != repeat):
                self.fail(f"names {head!r}, which is not a column of repeat {repeat!r}")
            return
        ref = self.items.get(head)
        if ref is None:
            self.fail(f"names unknown item {head!r}")
        if ref.repeat is not None and ref.repeat != self.repeat:
            self.fail(f"names {head!r} inside repeat {ref.repeat!r}: use map/reduce over the repeat")
        if ref.item["type"] == "note":
            self.fail(f"names note {head!r}, which has no value")
        if head == self.owner:
            self.fail("refers to its own item")
        self.names.add(head)

    def check_option(self, side, literal) -> None:
        if not (isinstance(side, dict) and isinstance(side.get("var"), str) and isinstance(literal, str)):
            return
        ref = self.items.get(side["var"])
        if ref is None:
            return
        if ref.item["type"] == "check":
            offered = set(CHECK_RESULTS)
        elif ref.item["type"] in ("select", "multiselect"):
            offered = {o["value"] for o in ref.item["options"]}
        else:
            return
        if literal not in offered:
            self.fail(f"compares {side['var']!r} with {literal!r}, which is not one of its options "
                      f"{sorted(offered)}")


def _expressions(definition: dict, items: dict):
    for section in definition["sections"]:
        if "show_if" in section:
            yield None, f"section {section['id']} show_if", section["show_if"], None
    for item_id, ref in items.items():
        for key in EXPRESSION_KEYS:
            if key in ref.item:
                yield item_id, key, ref.item[key], ref.repeat
        for index, rule in enumerate(ref.item.get("result_rules") or ()):
            yield item_id, f"result_rules[{index}].when", rule["when"], ref.repeat


def check_references(definition: dict, items: dict) -> list[tuple[str, tuple[str, ...]]]:
    """Check every expression; return the computed items in evaluation order with their inputs.

    Raises ValueError(item_id, problem) on the first mistake.
    """
    inputs: dict[str, tuple[str, ...]] = {}
    for owner, key, logic, repeat in _expressions(definition, items):
        checker = _Checker(items, owner, key, repeat)
        checker.walk(logic)
        if key == "compute":
            inputs[owner] = tuple(sorted(checker.names))
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(item_id: str, path: list[str]) -> None:
        if state.get(item_id) == "done":
            return
        if state.get(item_id) == "visiting":
            cycle = path[path.index(item_id):] + [item_id]
            raise ValueError(item_id, f"compute: cycle among computed items: {' -> '.join(cycle)}")
        state[item_id] = "visiting"
        for name in inputs[item_id]:
            if name in inputs:
                visit(name, path + [item_id])
        state[item_id] = "done"
        order.append(item_id)

    for item_id in inputs:
        visit(item_id, [])
    return [(item_id, inputs[item_id]) for item_id in order]
