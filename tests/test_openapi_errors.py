"""The OpenAPI document tells the truth about errors and bounds: every error answer is declared as
problem+json with a string `code` (what the API really sends), the refused inputs are written
down, and every integer and date an operation takes carries its bounds."""
from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from .test_bad_input import assert_problem


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


def resolve(doc, item):
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = doc["components"][section][name]
    return item


def error_responses(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation.get("responses", {}).items():
                if status == "default" or int(status) >= 400:
                    yield f"{method.upper()} {path} {status}", resolve(doc, response)


def test_every_error_is_declared_as_problem_json_with_a_string_code(doc):
    seen = 0
    for name, response in error_responses(doc):
        if "content" not in response:
            continue  # described only (e.g. a tus 460 or a HEAD without a body)
        assert list(response["content"]) == ["application/problem+json"], name
        schema = resolve(doc, response["content"]["application/problem+json"]["schema"])
        assert schema["properties"]["code"]["type"] == "string", name
        assert {"type", "title", "status", "detail", "code"} <= set(schema["required"]), name
        assert "errors" in schema["properties"], name
        seen += 1
    assert seen > 40
    assert "Error" not in doc["components"].get("schemas", {})


def test_the_refused_inputs_are_written_down(doc):
    default = resolve(doc, {"$ref": "#/components/responses/DEFAULT_ERROR"})["description"]
    for said in ("NUL", "request.invalid_json", "request.body_empty", "lone surrogate", "414"):
        assert said in default, said
    status = doc["paths"]["/api/sync/status"]["get"]["description"]
    assert "`since` or `uuid` is required" in status


def test_a_real_error_answer_matches_the_declared_schema(doc, login_as):
    schema = doc["components"]["schemas"]["Problem"]
    body = assert_problem(login_as("officer1").get("/api/inspections?limit=0"), 422, "request.validation")
    kinds = {"string": str, "integer": int, "object": dict}
    for name, value in body.items():
        assert name in schema["properties"], name
        assert isinstance(value, kinds[schema["properties"][name]["type"]]), name


def walk_inputs(doc):
    """(where, schema) of every parameter and request-body member the document declares."""
    def members(where, schema, depth=0):
        schema = resolve(doc, schema)
        yield where, schema
        for name, sub in (schema.get("properties") or {}).items():
            yield from members(f"{where}.{name}", sub, depth + 1)
        if "items" in schema:
            yield from members(f"{where}[]", schema["items"], depth + 1)

    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
                if param["in"] != "header":  # tus headers are parsed and bounded by hand (evidence/tus.py)
                    yield from members(f"{method} {path} {param['name']}", param.get("schema") or {})
            for content in ((operation.get("requestBody") or {}).get("content") or {}).values():
                yield from members(f"{method} {path} body", content.get("schema") or {})


def test_every_integer_and_date_an_operation_takes_is_bounded(doc):
    checked = 0
    for where, schema in walk_inputs(doc):
        if schema.get("type") == "integer":
            assert "minimum" in schema and "maximum" in schema, where
            assert -2 ** 63 <= schema["minimum"] <= schema["maximum"] <= 2 ** 63 - 1, where
            checked += 1
        if schema.get("format") in ("date", "date-time"):
            assert schema.get("x-minimum") == "1900-01-01" and schema.get("x-maximum") == "2199-12-31", where
            checked += 1
    assert checked > 10


def test_no_route_takes_an_unbounded_integer_in_its_path(app):
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert converter.max is not None and converter.max <= 2 ** 31 - 1, (rule.rule, name)
