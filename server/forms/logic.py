"""JSON Logic on the server with the semantics of json-logic-js, which the PWA runs.

panzi's `json_logic` walks the expression (if/and/or/map/filter/reduce/all/some/none); the
operators where Python's defaults differ from JavaScript are replaced here by faithful versions:
loose and strict equality (`null == 0` is false), relational comparison (`null < 1` is true),
`+` and `*` via parseFloat (`null + 1` is NaN), division by zero (Infinity, not an exception),
`%` with the dividend's sign, `in` with strict equality, `cat` (null joins as "").
Forms may use only PORTABLE_OPERATIONS; `check_expression` enforces that at load time.
"""
from __future__ import annotations

import math
import operator
import re

from json_logic import jsonLogic
from json_logic.builtins import BUILTINS, not_, op_merge, op_missing, op_missing_some, op_var, to_bool

NAN = float("nan")
CONTROL_OPERATIONS = frozenset({"if", "?:", "and", "or", "map", "filter", "reduce", "all", "some", "none"})
# Operators whose first argument is a list and second a logic run once per element.
ITERATING_OPERATIONS = frozenset({"map", "filter", "reduce", "all", "some", "none"})
_JS_FLOAT_PREFIX = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_JS_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def js_to_string(value) -> str:
    """String(value) as JavaScript spells it for JSON values."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        if isinstance(value, float):
            if math.isnan(value):
                return "NaN"
            if math.isinf(value):
                return "Infinity" if value > 0 else "-Infinity"
            if value.is_integer() and abs(value) < 1e21:
                return str(int(value))
        return repr(value)
    if isinstance(value, list):
        return ",".join("" if v is None else js_to_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _to_primitive(value):
    return js_to_string(value) if isinstance(value, (list, dict)) else value


def js_to_number(value) -> float | int:
    """Number(value) (the ToNumber of `-`, `/`, `<` …) for JSON values."""
    value = _to_primitive(value)
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if _is_number(value):
        return value
    text = value.strip()
    if text == "":
        return 0
    if text in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if text.startswith("-") else math.inf
    return float(text) if _JS_NUMBER.fullmatch(text) else NAN


def js_parse_float(value) -> float | int:
    """parseFloat(value), which json-logic-js's `+` and `*` use (null and booleans are NaN)."""
    if _is_number(value):
        return value
    if value is None or isinstance(value, (bool, dict)):
        return NAN
    match = _JS_FLOAT_PREFIX.match(js_to_string(value))
    return float(match.group(1)) if match else NAN


def js_strict_equals(a, b) -> bool:
    """a === b (arrays and objects are equal only to themselves)."""
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return a is b
    return type(a) is type(b) and a == b


def js_loose_equals(a, b) -> bool:
    """a == b by JavaScript's abstract equality for JSON values."""
    if a is None or b is None:
        return a is None and b is None
    if type(a) is type(b) or (_is_number(a) and _is_number(b)):
        return js_strict_equals(a, b)
    if isinstance(a, bool):
        return js_loose_equals(int(a), b)
    if isinstance(b, bool):
        return js_loose_equals(a, int(b))
    if isinstance(a, (list, dict)):
        return not isinstance(b, (list, dict)) and js_loose_equals(_to_primitive(a), b)
    if isinstance(b, (list, dict)):
        return js_loose_equals(a, _to_primitive(b))
    return js_to_number(a) == js_to_number(b)  # number and string


def _js_less(a, b) -> bool | None:
    """a < b; None when the comparison is undefined (a NaN was involved)."""
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a < b
    x, y = js_to_number(a), js_to_number(b)
    if math.isnan(x) or math.isnan(y):
        return None
    return x < y


def _lt(a, b) -> bool:
    return _js_less(a, b) is True


def _le(a, b) -> bool:
    return _js_less(b, a) is False


def _between(compare):
    def op(data=None, a=None, b=None, *rest):
        if not rest:
            return compare(a, b)
        return compare(a, b) and compare(b, rest[0])
    return op


def _add(data=None, *args):
    total = 0
    for arg in args:
        total = js_parse_float(total) + js_parse_float(arg)
    return total


def _multiply(data=None, *args):
    if not args:
        return NAN
    product = args[0]
    for arg in args[1:]:
        product = js_parse_float(product) * js_parse_float(arg)
    return product


def _subtract(data=None, *args):
    # Unary only when there is one argument: a - null is a - 0, as in JavaScript.
    if len(args) == 1:
        return -js_to_number(args[0])
    a, b = (args + (None, None))[:2]
    return js_to_number(a) - js_to_number(b)


def _divide(a, b):
    x, y = js_to_number(a), js_to_number(b)
    if y == 0:
        return NAN if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
    return x / y


def _remainder(a, b):
    x, y = js_to_number(a), js_to_number(b)
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return NAN
    return math.fmod(x, y)


def _extreme(pick, empty):
    def op(data=None, *args):
        numbers = [js_to_number(a) for a in args]
        if any(math.isnan(n) for n in numbers):
            return NAN
        return pick(numbers) if numbers else empty
    return op


def _in(data=None, needle=None, haystack=None, *_):
    if isinstance(haystack, list):
        return any(js_strict_equals(needle, item) for item in haystack)
    if isinstance(haystack, str) and haystack:
        return js_to_string(needle) in haystack
    return False


def _truthy(value) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, float) and math.isnan(value):
        return False
    return value is not None and (isinstance(value, dict) or bool(value))


PORTABLE_OPERATIONS = {
    "var": op_var,
    "missing": op_missing,
    "missing_some": op_missing_some,
    "merge": op_merge,
    "==": lambda data=None, a=None, b=None, *_: js_loose_equals(a, b),
    "!=": lambda data=None, a=None, b=None, *_: not js_loose_equals(a, b),
    "===": lambda data=None, a=None, b=None, *_: js_strict_equals(a, b),
    "!==": lambda data=None, a=None, b=None, *_: not js_strict_equals(a, b),
    "<": _between(_lt),
    "<=": _between(_le),
    ">": lambda data=None, a=None, b=None, *_: _lt(b, a),
    ">=": lambda data=None, a=None, b=None, *_: _le(b, a),
    "!": lambda data=None, a=None, *_: not _truthy(a),
    "!!": lambda data=None, a=None, *_: _truthy(a),
    "+": _add,
    "*": _multiply,
    "-": _subtract,
    "/": lambda data=None, a=None, b=None, *_: _divide(a, b),
    "%": lambda data=None, a=None, b=None, *_: _remainder(a, b),
    "min": _extreme(min, math.inf),
    "max": _extreme(max, -math.inf),
    "in": _in,
    "cat": lambda data=None, *args: "".join("" if a is None else js_to_string(a) for a in args),
}
assert set(PORTABLE_OPERATIONS) <= set(BUILTINS)
KNOWN_OPERATIONS = frozenset(PORTABLE_OPERATIONS) | CONTROL_OPERATIONS


def evaluate(logic, data: dict):
    """Apply a JSON Logic expression to `data` by json-logic-js's rules."""
    return compiled(logic)(data)


def interpret(logic, data: dict):
    """The same as `evaluate`, by panzi's interpreter walking the expression on every call: the
    reference that the compiled form is tested against."""
    return jsonLogic(logic, data, PORTABLE_OPERATIONS)


# Compiled expressions by the identity of the expression object (kept alive by the entry, so its
# id cannot be reused); the expressions of loaded forms live as long as the process.
_COMPILED: dict[int, tuple[object, object]] = {}
_COMPILED_LIMIT = 10_000


def compiled(logic):
    """`logic` as a Python function of the data, made once per expression object. It follows
    json_logic.apply step for step (same control operators, same truthiness, same operations)."""
    entry = _COMPILED.get(id(logic))
    if entry is not None and entry[0] is logic:
        return entry[1]
    function = _compile(logic)
    if len(_COMPILED) >= _COMPILED_LIMIT:
        _COMPILED.clear()
    _COMPILED[id(logic)] = (logic, function)
    return function


def _constant(value):
    return lambda data: value


def _compile(logic):
    if isinstance(logic, list):
        parts = [_compile(item) for item in logic]
        return lambda data: [part(data) for part in parts]
    if not isinstance(logic, dict) or len(logic) != 1:
        return _constant(logic)
    op = next(iter(logic))
    args = logic[op]
    if not isinstance(args, list):
        args = [args]
    if op in _CONTROL_COMPILERS:
        return _CONTROL_COMPILERS[op](args)
    if op == "var" and _plain_key(args):
        return _compile_var(*args)
    parts = [_compile(arg) for arg in args]
    operation = PORTABLE_OPERATIONS.get(op)
    if operation is None:  # raised when reached, as the interpreter does
        return _unrecognized(op)
    if len(parts) == 1:
        only, = parts
        return lambda data: operation(data, only(data))
    if len(parts) == 2:
        fast = _with_fast_path(op, args, parts)
        if fast is not None:
            return fast
        first, second = parts
        return lambda data: operation(data, first(data), second(data))
    return lambda data: operation(data, *[part(data) for part in parts])


_NUMBERS = (int, float)  # exact types: a bool is not a number here
_EQUALITIES = {"==": False, "===": False, "!=": True, "!==": True}  # operator -> negated
_NUMBER_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _with_fast_path(op: str, args: list, parts: list):
    """A two-operand operation with a shortcut for the common operands, or None. Each shortcut
    gives what the operation gives (tests/forms/test_logic.py compares them on every kind of
    JSON value) and hands any other operands to the operation itself:
    - equality with a constant text (or number): text against text (number against number) is
      compared by Python's ==, for loose and strict equality alike;
    - `in` a constant list of texts: true only for text that is one of them (strict equality);
    - order of two numbers (not booleans): Python's comparison, false when a NaN is involved,
      as JavaScript's is."""
    operation = PORTABLE_OPERATIONS[op]
    first, second = parts
    if op in _EQUALITIES:
        negated = _EQUALITIES[op]
        for index in (1, 0):
            constant = args[index]
            kinds = (str,) if type(constant) is str else _NUMBERS if type(constant) in _NUMBERS else None
            if kinds is None:
                continue
            operand = parts[1 - index]
            constant_first = index == 0

            def equal(data, operand=operand, constant=constant, kinds=kinds, constant_first=constant_first):
                value = operand(data)
                if type(value) in kinds:
                    return (value != constant) if negated else (value == constant)
                return operation(data, constant, value) if constant_first else operation(data, value, constant)
            return equal
        return None
    if op == "in" and isinstance(args[1], list) and all(type(v) is str for v in args[1]):
        texts = frozenset(args[1])

        def member(data):
            value = first(data)
            return type(value) is str and value in texts
        return member
    if op in _NUMBER_ORDER:
        compare = _NUMBER_ORDER[op]

        def order(data):
            a, b = first(data), second(data)
            if type(a) in _NUMBERS and type(b) in _NUMBERS:
                return compare(a, b)
            return operation(data, a, b)
        return order
    return None


def _plain_key(args: list) -> bool:
    """A `var` whose name is a constant, one level deep (no dots, not a number, not "length"),
    with a constant default (not an expression): the common case, read with one dict look-up."""
    if not 1 <= len(args) <= 2 or type(args[0]) is not str or not args[0]:
        return False
    if "." in args[0] or args[0] == "length":
        return False
    return len(args) == 1 or not isinstance(args[1], (dict, list))


def _compile_var(key: str, default=None):
    def run(data):
        if isinstance(data, dict):  # op_var's own steps for a dict and a key without dots
            value = data.get(key)
            return default if value is None else value
        return op_var(data, key, default)
    return run


def _unrecognized(op):
    def run(data):
        raise ReferenceError(f"Unrecognized operation: {op!r}")
    return run


def _compile_if(args):
    parts = [_compile(arg) for arg in args]
    count = len(parts)

    def run(data):
        index = 0
        while index < count - 1:
            if to_bool(parts[index](data)):
                return parts[index + 1](data)
            index += 2
        return parts[index](data) if index < count else None
    return run


def _short_circuit(stops_at):
    """and/or: the operands in turn, up to the first that `stops_at` (falsy for and, truthy for
    or); that operand, else the last, else null."""
    def compile_(args):
        parts = [_compile(arg) for arg in args]

        def run(data):
            current = None
            for part in parts:
                current = part(data)
                if stops_at(current):
                    return current
            return current
        return run
    return compile_


def _iterating(args, minimum: int, fallback, over_items):
    """map/filter/all/some/none: items from the first argument, a logic run on each item."""
    if len(args) < minimum:
        return _constant(fallback() if callable(fallback) else fallback)
    items = _compile(args[0])
    sub = _compile(args[1]) if len(args) > 1 else _constant(None)

    def run(data):
        values = items(data)
        if not isinstance(values, list):
            return fallback() if callable(fallback) else fallback
        return over_items(values, sub)
    return run


def _compile_reduce(args):
    if not args:
        return _constant(None)
    items = _compile(args[0])
    sub = _compile(args[1]) if len(args) > 1 else _constant(None)
    initial = args[2] if len(args) > 2 else None

    def run(data):
        values = items(data)
        if not isinstance(values, list):
            return initial
        context = {"accumulator": initial}
        for value in values:
            context["current"] = value
            context["accumulator"] = sub(context)
        return context["accumulator"]
    return run


_CONTROL_COMPILERS = {
    "if": _compile_if, "?:": _compile_if, "and": _short_circuit(not_), "or": _short_circuit(to_bool),
    "reduce": _compile_reduce,
    "map": lambda args: _iterating(args, 1, list, lambda values, sub: [sub(v) for v in values]),
    "filter": lambda args: _iterating(args, 2, list,
                                      lambda values, sub: [v for v in values if to_bool(sub(v))]),
    "all": lambda args: _iterating(args, 2, False,
                                   lambda values, sub: bool(values) and all(to_bool(sub(v)) for v in values)),
    "some": lambda args: _iterating(args, 2, False, lambda values, sub: any(to_bool(sub(v)) for v in values)),
    "none": lambda args: _iterating(args, 2, True, lambda values, sub: not any(to_bool(sub(v)) for v in values)),
}
assert set(_CONTROL_COMPILERS) == CONTROL_OPERATIONS


def truthy(value) -> bool:
    """JSON Logic truthiness (an empty list is false), as json-logic-js defines it."""
    return _truthy(value)
