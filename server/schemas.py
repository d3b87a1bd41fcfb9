"""Shared API building blocks: strict input schemas and a JSON-only arguments parser."""
from __future__ import annotations

import json

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
        try:
            return json.loads(req.get_data(cache=True))
        except (ValueError, UnicodeDecodeError):
            raise ApiError("request.invalid_json") from None


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the JSON-only parser."""

    ARGUMENTS_PARSER = JsonOnlyParser()
