"""The sync's answer written without marshmallow: SyncResponseSchema's dump, compiled once from
the schema's own fields (a field of a kind not known here fails at import, so that the two cannot
drift apart). For a batch of 50 created records: 3 µs of CPU per record, against marshmallow's
20 (timeit, load 4.5); tests/test_sync_answer.py holds the two to the same output."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from .schemas import SyncResponseSchema, SyncResultSchema


def _isoformat(value):
    return value.isoformat()


def _texts(values):
    return [str(v) for v in values]


def _converter(field: fields.Field):
    """How the schema's field dumps a value that is not None."""
    if isinstance(field, fields.DateTime) and field.format in (None, "iso"):
        return _isoformat
    if type(field) is fields.Integer:
        return int
    if type(field) is fields.String:
        return str
    if type(field) is fields.Raw:
        return None  # as it is
    if type(field) is fields.List and type(field.inner) is fields.String:
        return _texts
    raise TypeError(f"sync_answer: no fast dump for {field!r}; add one or use the schema")


def _compile(schema) -> tuple[tuple[str, object], ...]:
    for field in schema.fields.values():
        if field.attribute is not None or field.data_key is not None:
            raise TypeError(f"sync_answer: {field.name} is renamed; add it or use the schema")
    return tuple((name, _converter(field)) for name, field in schema.fields.items())


_RESULT = _compile(SyncResultSchema())
_TOP = _compile(SyncResponseSchema(exclude=("results",)))


def _dump(value: dict, compiled) -> dict:
    out = {}
    for name, convert in compiled:
        if name in value:
            member = value[name]
            out[name] = member if member is None or convert is None else convert(member)
    return out


def dump_sync_response(answer: dict) -> dict:
    """SyncResponseSchema().dump(answer), for sync_batch's answer."""
    return {**_dump(answer, _TOP), "results": [_dump(r, _RESULT) for r in answer["results"]]}


def sync_response(answer: dict):
    """The JSON response of a sync (flask-smorest returns a Response as it is)."""
    return jsonify(dump_sync_response(answer))
