"""A marshmallow schema's load, compiled once, for input that is valid (the sync hot path).

marshmallow's load spends most of its time in its generic machinery (error stores, getters,
hooks looked up per call), not in the checks themselves: for one 3 KB inspection record it costs
more than all the form's rules. `compile_loader(schema)` walks the schema once and returns a
function that does what `schema.load` does for input it can vouch for: the same checks, the
same fields' own `_deserialize` and validators, the same schema validators, the same result. For
anything else (a missing or unknown field, a null, a wrong type, a failed check) it returns
None, and the caller runs `schema.load`, which says exactly what is wrong. So the schema stays
the one definition of the input, and errors keep their messages.

Only what is understood is compiled: a schema with pre/post-load processors, field validators
(`@validates`), schema validators that want the original data, unknown=INCLUDE, or a field of a
kind not handled below makes the whole loader defer to `schema.load` every time.

It serves one schema, the inspection record (`inspections/service.py`), and relies on
marshmallow's private API: `Schema._hooks` (to find processors and validators) and
`Field._deserialize` (to convert a value as the field does). A marshmallow upgrade that changes
either is caught by tests/test_record_loader.py, which checks the loader against `schema.load`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

from ..text_uuid import read_uuid


class _Defer(Exception):
    """The input is not one the compiled loader vouches for: schema.load must decide."""


class _NotCompilable(Exception):
    """The schema uses something the compiled loader does not reproduce."""


Loader = Callable[[object], dict | None]


def compile_loader(schema: Schema) -> Loader:
    """A function returning `schema.load(data)` for valid data, or None where it cannot vouch."""
    try:
        load = _compile_schema(schema)
    except _NotCompilable:
        return lambda data: None

    def loader(data):
        try:
            return load(data)
        except Exception:  # noqa: BLE001 - _Defer, ValidationError or anything odd: schema.load decides
            return None
    return loader


def _compile_schema(schema: Schema):
    if schema.many or schema._hooks[PRE_LOAD] or schema._hooks[POST_LOAD] or schema._hooks[VALIDATES]:
        raise _NotCompilable(type(schema).__name__)
    if schema.unknown not in (RAISE, EXCLUDE):
        raise _NotCompilable("unknown=INCLUDE")
    validators = []
    for attr_name, many, options in schema._hooks[VALIDATES_SCHEMA]:
        if many or options.get("pass_original"):
            raise _NotCompilable(attr_name)
        validators.append(getattr(schema, attr_name))
    plan = []  # (data key, attribute, field's loader, field)
    for attr_name, field in schema.load_fields.items():
        attribute = field.attribute or attr_name
        if "." in attribute:
            raise _NotCompilable(attribute)
        key = field.data_key if field.data_key is not None else attr_name
        plan.append((key, attribute, _compile_field(field), field))
    known = frozenset(key for key, _, _, _ in plan)
    strict = schema.unknown == RAISE

    def load(data):
        if type(data) is not dict or (strict and not known.issuperset(data)):
            raise _Defer
        out = {}
        for key, attribute, load_value, field in plan:
            value = data.get(key, missing)
            if value is missing:
                if field.required:
                    raise _Defer
                value = field.load_default
                value = value() if callable(value) else value
                if value is not missing:
                    out[attribute] = value
            elif value is None:
                if not field.allow_none:
                    raise _Defer
                out[attribute] = None
            else:
                out[attribute] = load_value(value)
        for check_schema in validators:
            check_schema(out, partial=None, many=False, unknown=schema.unknown)
        return out
    return load


def _compile_field(field: fields.Field):
    """The field's `deserialize` for a present, non-null value."""
    if getattr(field, "pre_load", None):
        raise _NotCompilable(f"pre_load on {field!r}")
    convert = _converter(field)
    tests, calls = [], []
    for check in field.validators:
        test = _test_of(check)
        if test is not None:
            tests.append(test)
        else:
            calls.append(check)
    if not tests and not calls:
        return convert
    if len(tests) == 1 and not calls:
        only = tests[0]

        def load_tested(value):
            result = convert(value)
            if not only(result):
                raise _Defer
            return result
        return load_tested

    def load(value):
        result = convert(value)
        for test in tests:
            if not test(result):
                raise _Defer
        for check in calls:
            check(result)  # raises to refuse (marshmallow 4 ignores what it returns)
        return result
    return load


def _test_of(check):
    """marshmallow's common validators as a test that is true exactly when the validator passes
    (an exception, e.g. `in` on an unhashable value, defers too); None for any other."""
    kind = type(check)
    if kind is validate.Length:
        low, high, equal = check.min, check.max, check.equal
        if equal is not None:
            return lambda value: len(value) == equal
        return lambda value: (low is None or len(value) >= low) and (high is None or len(value) <= high)
    if kind is validate.Range:
        low, high, low_in, high_in = check.min, check.max, check.min_inclusive, check.max_inclusive

        def within(value):
            if low is not None and (value < low if low_in else value <= low):
                return False
            return not (high is not None and (value > high if high_in else value >= high))
        return within
    if kind is validate.Regexp:
        match = check.regex.match
        return lambda value: match(value) is not None
    if kind is validate.OneOf:
        choices = check.choices
        return lambda value: value in choices
    return None


def _converter(field: fields.Field):
    """Fast equivalents of `_deserialize` for the common JSON types, exact for the inputs they
    accept (others defer); any other field kind uses its own `_deserialize`."""
    kind = type(field)
    if kind is fields.String:
        return _typed(str)
    if kind is fields.Integer and field.strict:
        return _typed(int)  # `type is int`: booleans, which marshmallow refuses, defer
    if kind is fields.Float and not field.allow_nan:
        return _finite_float
    if kind is fields.UUID:
        return _uuid
    if kind is fields.Raw:
        return lambda value: value
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        return _plain_dict
    if kind is fields.List:
        inner = _compile_inner(field.inner)
        return lambda value: [inner(item) for item in value] if type(value) is list else _defer()
    if kind is fields.Nested:
        if field.many or not isinstance(field.nested, type | Schema) or field.only or field.exclude \
                or field.unknown is not None:
            raise _NotCompilable(repr(field))
        nested = _compile_schema(field.schema)
        return nested
    if kind is fields.AwareDateTime and field.format in ("iso", "iso8601"):
        return _aware_iso(field.default_timezone)
    if kind in (fields.AwareDateTime, fields.DateTime, fields.Date, fields.Boolean):
        return lambda value: field._deserialize(value, None, None)
    raise _NotCompilable(f"field kind {kind.__name__}")


def _compile_inner(field: fields.Field):
    load = _compile_field(field)

    def inner(value):
        if value is None:  # a null item: marshmallow's own rules for it
            if not field.allow_none:
                raise _Defer
            return None
        return load(value)
    return inner


def _defer():
    raise _Defer


def _typed(kind: type):
    def convert(value):
        if type(value) is not kind:
            raise _Defer
        return value
    return convert


def _finite_float(value):
    if type(value) not in (int, float):
        raise _Defer
    number = float(value)
    if not math.isfinite(number):
        raise _Defer
    return number


def _uuid(value):
    if type(value) is not str:
        raise _Defer
    try:
        return read_uuid(value)  # a uuid.UUID that keeps its text (server/text_uuid.py)
    except ValueError:
        raise _Defer from None


def _aware_iso(default_timezone):
    """AwareDateTime's `_deserialize` for ISO 8601 text (datetime.fromisoformat, then aware or
    given the field's default time zone)."""
    def convert(value):
        if type(value) is not str:
            raise _Defer
        moment = datetime.fromisoformat(value)  # ValueError defers
        if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
            if default_timezone is None:
                raise _Defer
            moment = moment.replace(tzinfo=default_timezone)
        return moment
    return convert


def _plain_dict(value):
    if type(value) is not dict:
        raise _Defer
    return dict(value)
