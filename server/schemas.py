"""Shared API building blocks: strict input schemas and a JSON-only arguments parser.

Request bodies must be I-JSON (RFC 7493): UTF-8, read the same way by any JSON parser,
because a record's content hash decides whether a resend is a duplicate or a conflict. So other
encodings, NaN/Infinity, duplicate member names and lone surrogates are refused, as are NUL
characters (PostgreSQL cannot store them) and nesting too deep to parse.
"""
from __future__ import annotations

import json
import math
import re

import flask_smorest
from marshmallow import RAISE, Schema
from webargs.flaskparser import FlaskParser, is_json_request

from .errors import ApiError


class StrictSchema(Schema):
    """Input schema that refuses unknown fields, so a typo never passes silently."""

    class Meta:
        unknown = RAISE
        ordered = True


class JsonOnlyParser(FlaskParser):
    """Bodies of JSON endpoints: empty, non-JSON and malformed JSON each get their own problem."""

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            raise ApiError("request.body_empty")
        if not is_json_request(req):
            raise ApiError("request.not_json")
        return loads_strict(req.get_data(cache=True))


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
    """The body as I-JSON, or ApiError request.invalid_json saying what is wrong."""
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
