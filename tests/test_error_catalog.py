"""One error catalog: every code server/ answers with is in server/errors.py's CATALOG, and
every code there is answered somewhere or listed in RESERVED with a reason.

The codes are found by reading the source (ast): the code argument of each call that answers a
problem or refuses one record, followed through local variables and same-module functions that
return codes (review/service.refusal). A code the scanner cannot follow fails the test, so a new
way of raising is either taught to the scanner here or written with a literal code.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from server import errors
from server.errors import CATALOG, RESERVED

SERVER = Path(__file__).resolve().parents[1] / "server"

# Callable name -> position of its code argument. Problems (status >= 400) and per-record answers.
PROBLEM_CALLS = {"ApiError": 0, "problem_response": 0, "Refused": 1}
RECORD_CALLS = {"per_record": 0, "Rejected": 0, "_reject": 0, "rejected_answer": 2}
CALLS = {**PROBLEM_CALLS, **RECORD_CALLS}

# The HTTP errors werkzeug and flask-smorest raise in this app, which errors._STATUS_CODES maps
# to a code (the other statuses there are raised explicitly, or their codes are RESERVED).
RAISED_BY_THE_FRAMEWORK = {
    400: "a malformed request (werkzeug's BadRequest)",
    404: "no route for the path",
    405: "a route without that method",
    413: "a body over MAX_CONTENT_LENGTH",
    414: "gunicorn: a request line too long (server/gunicorn_worker.py, where present)",
    416: "send_file: a byte range beyond the file",
    422: "webargs: a query or body its schema refuses",
    431: "gunicorn: request headers too large (server/gunicorn_worker.py, where present)",
}


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


class _Module:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.functions = {node.name: node for node in ast.walk(self.tree)
                          if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.parents = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def enclosing(self, node, kinds):
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, kinds):
                return node
        return None

    def where(self, node) -> str:
        return f"{self.path.relative_to(SERVER.parent)}:{node.lineno}"

    def codes_of(self, expr, function, seen=frozenset()) -> set[str]:
        """The codes `expr` may hold; raises LookupError when it cannot tell."""
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                return {expr.value}
            if expr.value is None:
                return set()
        if isinstance(expr, ast.IfExp):
            return self.codes_of(expr.body, function, seen) | self.codes_of(expr.orelse, function, seen)
        if isinstance(expr, ast.BoolOp):
            return set().union(*(self.codes_of(v, function, seen) for v in expr.values))
        if isinstance(expr, ast.Name) and function is not None:
            assigned = [node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)]
            if assigned:
                return set().union(*(self.codes_of(v, function, seen) for v in assigned))
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
                and expr.func.id in self.functions and expr.func.id not in seen:
            callee = self.functions[expr.func.id]
            returned = [node.value for node in ast.walk(callee)
                        if isinstance(node, ast.Return) and node.value is not None]
            return set().union(*(self.codes_of(v, callee, seen | {expr.func.id}) for v in returned))
        raise LookupError(f"{self.where(expr)}: cannot tell which code {ast.unparse(expr)!r} holds")

    def passes_a_code_on(self, expr, function, cls) -> bool:
        """A wrapper handing on the code it was given: a parameter of a function (or a method of
        a class) that is itself one of CALLS, or the `.code` of an error already made."""
        if isinstance(expr, ast.Attribute) and expr.attr == "code":
            return True
        if isinstance(expr, ast.Name) and function is not None:
            params = {a.arg for a in function.args.args + function.args.kwonlyargs}
            owner = cls.name if cls is not None else function.name
            return expr.id in params and (function.name in CALLS or owner in CALLS)
        return False


def _answered_codes() -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """(problem code -> places, per-record code -> places, what the scanner could not follow)."""
    problems: dict[str, list[str]] = {}
    records: dict[str, list[str]] = {}
    unknown: list[str] = []
    for path in sorted(SERVER.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _Module(path)
        for call in ast.walk(module.tree):
            if not isinstance(call, ast.Call) or _called_name(call) not in CALLS:
                continue
            name = _called_name(call)
            position = CALLS[name]
            arg = next((k.value for k in call.keywords if k.arg == "code"), None)
            if arg is None and len(call.args) > position:
                arg = call.args[position]
            if arg is None:
                continue
            function = module.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef))
            cls = module.enclosing(call, ast.ClassDef)
            if module.passes_a_code_on(arg, function, cls):
                continue
            if path.name == "errors.py" and path.parent == SERVER and not isinstance(arg, ast.Constant):
                continue  # the handlers' own mapping, _STATUS_CODES, is added below
            try:
                codes = module.codes_of(arg, function)
            except LookupError as exc:
                unknown.append(str(exc))
                continue
            into = problems if name in PROBLEM_CALLS else records
            for code in codes:
                into.setdefault(code, []).append(module.where(call))
    for status in RAISED_BY_THE_FRAMEWORK:  # answered by server/errors.py's HTTPException handler
        if status in errors._STATUS_CODES:
            problems.setdefault(errors._STATUS_CODES[status], []).append(f"_STATUS_CODES[{status}]")
    return problems, records, unknown


@pytest.fixture(scope="module")
def answered():
    return _answered_codes()


def test_the_scanner_follows_every_code_argument(answered):
    _problems, _records, unknown = answered
    assert not unknown, "teach tests/test_error_catalog.py these, or use a literal code:\n" + "\n".join(unknown)


def test_the_scanner_finds_codes_of_every_kind(answered):
    """The scan itself is checked: a code of each way of answering is found where it is."""
    problems, records, _unknown = answered
    assert any(p.startswith("server/accounts/auth.py") for p in problems["auth.required"])
    assert "review.own_work" in problems  # returned by review/service.refusal, raised via a variable
    assert {"upload.completed", "upload.not_found"} <= set(problems)  # ApiError(a if x else b)
    assert "witness.fork" in problems and "server.error" in problems
    assert {"sync.invalid_uuid", "sync.conflict", "sync.amendment_superseded", "sync.invalid_officers",
            "sync.storage_refused"} <= set(records)


def test_every_code_answered_is_in_the_catalog(answered):
    problems, records, _unknown = answered
    missing = {code: places for code, places in {**problems, **records}.items() if code not in CATALOG}
    assert not missing, f"codes answered but not in server/errors.py CATALOG: {missing}"


def test_every_catalog_code_is_answered_or_reserved(answered):
    problems, records, _unknown = answered
    unused = sorted(set(CATALOG) - set(problems) - set(records) - set(RESERVED))
    assert not unused, f"catalog codes nothing answers with (remove them, or add to RESERVED why): {unused}"
    stale = sorted(set(RESERVED) & (set(problems) | set(records)))
    assert not stale, f"codes listed as reserved but answered: {stale}"
    assert set(RESERVED) <= set(CATALOG) and all(reason.strip() for reason in RESERVED.values())


def test_problem_codes_and_per_record_codes_are_not_mixed(answered):
    """A problem answers with an error status; a per-record sync answer travels inside a 200."""
    problems, records, _unknown = answered
    assert not {c: p for c, p in problems.items() if c in CATALOG and CATALOG[c][0] < 400}
    assert not {c: p for c, p in records.items() if c in CATALOG and CATALOG[c][0] != 200}


def test_every_code_has_a_chinese_detail_and_a_title():
    for code, (status, title, detail) in CATALOG.items():
        assert code.count(".") == 1 and code == code.lower(), code
        assert status == 200 or 400 <= status < 600, code
        assert title and title.isascii(), code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), f"{code}: detail not in zh-CN"


def test_the_codes_the_clients_branch_on_are_in_the_catalog():
    """The PWA and the review desk compare `code` with these strings: they must never change."""
    static = SERVER.parent / "static"
    used = set()
    for path in list(static.glob("pwa/js/**/*.js")) + list(static.glob("review/js/**/*.js")):
        text = path.read_text(encoding="utf-8")
        used |= {code for code in CATALOG if f'"{code}"' in text}
    assert {"auth.required", "auth.csrf_failed", "sync.amendment_superseded", "review.own_work",
            "review.stale_revision", "review.legal_opinion_required"} <= used


def test_the_catalog_is_published(client):
    """GET /api/errors lists every code; the OpenAPI document names them in `ErrorCode`."""
    listed = client.get("/api/errors")
    assert listed.status_code == 200
    rows = {row["code"]: row for row in listed.get_json()}
    assert set(rows) == set(CATALOG)
    assert rows["sync.conflict"]["per_record"] is True and rows["auth.required"]["status"] == 401
    assert rows["auth.required"]["detail"] == CATALOG["auth.required"][2]
    for code, reason in RESERVED.items():
        assert rows[code]["reserved"] == reason
    spec = client.get("/api/openapi.json").get_json()
    error_code = spec["components"]["schemas"]["ErrorCode"]
    assert error_code["enum"] == list(CATALOG)
    assert "| `sync.amendment_superseded` | 200 (per record) |" in error_code["description"]


def test_a_per_record_answer_takes_its_code_and_detail_from_the_catalog():
    from server.errors import per_record

    assert per_record("sync.conflict") == {"code": "sync.conflict", "detail": CATALOG["sync.conflict"][2]}
    assert per_record("sync.invalid_officers", "执法人员重复。")["detail"] == "执法人员重复。"
    with pytest.raises(KeyError):
        per_record("sync.not_in_the_catalog")
    with pytest.raises(ValueError):
        per_record("auth.required")  # a problem code, not one record's answer
