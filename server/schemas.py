"""Shared API building blocks: strict input schemas and a JSON-only arguments parser.

Request bodies must be I-JSON (RFC 7493): UTF-8, read the same way by any JSON parser,
because a record's content hash decides whether a resend is a duplicate or a conflict. So other
encodings, NaN/Infinity, duplicate member names and lone surrogates are refused, as are NUL
characters (PostgreSQL cannot store them) and nesting too deep to parse.

Every integer and date an input schema takes is bounded to what the database holds, with
`bounded_int`, `bounded_date` and `aware_datetime`, so that an out-of-range value is a field error
before any query runs (an id in a path: `IdConverter`). A NUL in a query string is refused here too.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time, timezone

import flask_smorest
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.routing import ValidationError as RoutingValidationError

from .errors import ApiError
from .json_text import json_value

# The widest integer columns: PostgreSQL's integer (int4) and bigint (int8); SQLite's INTEGER is
# 64-bit. An id, a version or a count names an int4 column unless a bigint is said.
INT32_MAX = 2 ** 31 - 1
INT64_MAX = 2 ** 63 - 1
# Dates a person may mean: a certificate, an inspection, a filter. Python's and the databases'
# ranges are wider, but converting 0001-01-01 or 9999-12-31 across time zones overflows.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)
_TIME_MIN = datetime.combine(DATE_MIN, time.min, timezone.utc)
_TIME_MAX = datetime.combine(DATE_MAX, time.max, timezone.utc)


class StrictSchema(Schema):
    """Input schema that refuses unknown fields, so a typo never passes silently."""

    class Meta:
        unknown = RAISE
        ordered = True


def bounded_int(minimum: int = 0, maximum: int = INT32_MAX, **kwargs) -> fields.Integer:
    """An integer within [minimum, maximum]: by default what an int4 column holds, never more
    than a bigint. Further validators may follow in `validate`."""
    if not -INT64_MAX - 1 <= minimum <= maximum <= INT64_MAX:
        raise ValueError(f"bounds {minimum}..{maximum} exceed a 64-bit column")
    extra = kwargs.pop("validate", None)
    extra = [extra] if callable(extra) else list(extra or [])
    return fields.Integer(validate=[validate.Range(minimum, maximum), *extra], **kwargs)


class _Within:
    """A date or time between DATE_MIN and DATE_MAX, said in zh-CN (not a validate.Range,
    which apispec would print as an unreadable date)."""

    def __init__(self, low, high, text: str):
        self.low, self.high, self.text = low, high, text
        # Bounds at the start and end of a year: a value of a year strictly between theirs is
        # within them, whatever its offset (less than a day), and comparing the years costs a
        # tenth of comparing two aware times of different offsets (1.7 µs, about ten per
        # synced record). tests/test_schemas_dates.py holds both ways to the same answer.
        self.years = (low.year, high.year) if (low.month, low.day) == (1, 1) and (high.month, high.day) == (12, 31) \
            else (high.year, low.year)  # otherwise never taken

    def __call__(self, value):
        if self.years[0] < value.year < self.years[1]:
            return value
        if not self.low <= value <= self.high:
            raise ValidationError(self.text)
        return value


_DATE_RANGE = f"{DATE_MIN.isoformat()} 到 {DATE_MAX.isoformat()}"
_BOUNDS_DOC = {"x-minimum": DATE_MIN.isoformat(), "x-maximum": DATE_MAX.isoformat()}


def bounded_date(**kwargs) -> fields.Date:
    """A calendar date (YYYY-MM-DD) between DATE_MIN and DATE_MAX."""
    return fields.Date(validate=_Within(DATE_MIN, DATE_MAX, f"日期应在 {_DATE_RANGE} 之间。"),
                       metadata={**_BOUNDS_DOC, **kwargs.pop("metadata", {})}, **kwargs)


def aware_datetime(**kwargs) -> fields.AwareDateTime:
    """An ISO 8601 time that says its offset (a phone's local time without one is ambiguous),
    between DATE_MIN and DATE_MAX."""
    return fields.AwareDateTime(format="iso", default_timezone=None,
                                validate=_Within(_TIME_MIN, _TIME_MAX, f"时间应在 {_DATE_RANGE} 之间。"),
                                metadata={**_BOUNDS_DOC, **kwargs.pop("metadata", {})}, **kwargs)


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive integer an int4 key can hold. Digits out of that range
    are a 404 for every method, before the view runs (werkzeug's `int` would pass 2**63 on to
    the database; a mere mismatch would fall through to the PWA's GET-only catch-all, a 405)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except RoutingValidationError:
            raise NotFound() from None


class TextConverter(UnicodeConverter):
    """The default path segment, without NUL: such a path matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


class JsonOnlyParser(FlaskParser):
    """Bodies of JSON endpoints: empty, non-JSON and malformed JSON each get their own problem;
    a query string with a NUL character is refused (PostgreSQL cannot compare with it)."""

    def load_querystring(self, req, schema):
        for name, value in req.args.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise ApiError("request.invalid", "查询参数中含有空字符（NUL），请删除后重试。",
                               errors={name.replace("\x00", "") or "query": ["不能含有空字符（NUL）。"]})
        return super().load_querystring(req, schema)

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            raise ApiError("request.body_empty")
        if not is_json_request(req):
            raise ApiError("request.not_json")
        return parsed_body(req)


def parsed_body(req):
    """The request's body by `loads_strict`, parsed once per request: a view's peek before the
    view (auth.names_users) and the view's schema share it. Raises as loads_strict does."""
    if "fieldcase.json" not in req.environ:
        req.environ["fieldcase.json"] = loads_strict(req.get_data(cache=True))
    return req.environ["fieldcase.json"]


class _NotIJson(ValueError):
    """A body that parses as JSON but is not I-JSON; its message is the zh-CN detail."""


def _refuse_constant(name: str):
    raise _NotIJson(f"JSON 中不允许 {name}（不是有效的数字），请改为数字或 null。")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotIJson(f"数字 {text[:40]} 超出可表示的范围，请检查后重试。")
    return value


def _unique_members(pairs: list) -> dict:
    members = dict(pairs)
    if len(members) != len(pairs):
        seen = set()
        duplicate = next(name for name, _ in pairs if name in seen or seen.add(name))
        raise _NotIJson(f"JSON 对象中字段名 “{duplicate[:64]}” 重复，请只保留一个。")
    return members


def _check_text(value) -> None:
    """Every string (member names included) is valid Unicode without NUL; iterative, so that
    the deepest nesting the parser accepts cannot exhaust the stack here."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise _NotIJson("内容中含有空字符（NUL），无法保存，请删除后重试。")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise _NotIJson("内容中含有无效的 Unicode 字符（不成对的代理项），请检查后重试。") from None


# The only ways a NUL or a lone surrogate gets into parsed JSON text are \u escapes (raw
# control characters are invalid JSON, and UTF-8 decoding refuses surrogates): without one of
# these escapes in the body, the walk over every string is not needed.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def loads_strict(raw: bytes):
    """The body as I-JSON, or ApiError request.invalid_json saying what is wrong. orjson reads
    it when that gives the same value (server/json_text.py): 60 µs per synced record here, 35
    there (issue 19)."""
    value = json_value(raw)
    return strict_reading(raw) if value is None else value


def strict_reading(raw: bytes):
    """loads_strict without its fast path: the standard library's reading, with I-JSON's checks."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                           object_pairs_hook=_unique_members)
        if _SUSPECT_ESCAPE.search(text):
            _check_text(value)
        return value
    except _NotIJson as error:
        raise ApiError("request.invalid_json", str(error)) from None
    except RecursionError:
        raise ApiError("request.invalid_json", "JSON 嵌套层数过多，请检查格式后重试。") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError("request.invalid_json") from None


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the JSON-only parser."""

    ARGUMENTS_PARSER = JsonOnlyParser()

    def arguments(self, schema, *args, **kwargs):
        """As flask-smorest's, with a schema given as a class made once, when the route is
        declared: webargs otherwise makes one for every request it parses, and a marshmallow
        Schema copies its declared fields when made (2 % of a one-record sync's CPU, issue 19).
        A schema keeps no state between loads (marshmallow 4 has no `context`), so the one
        instance serves every request and thread; the OpenAPI document is the same."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)
