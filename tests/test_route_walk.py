"""A property-based walk of every operation the OpenAPI document declares (/api/openapi.json),
as each role, with extreme values where the document says a value goes: huge and negative
integers, far dates, long strings, NUL, odd Unicode, wrong types, unknown members. No answer
may be a 5xx, and every error answer of the API is problem+json. Run on SQLite and, with
scripts/with-postgres.sh, on PostgreSQL.

Values come from what the document declares (types, formats, enums, required members), so a
new route or field is walked without touching this file. Each operation gets a sweep (every
extreme value of its type in each parameter and body member in turn, the rest plain; for sync,
batches of a valid record each with one bad value), then Hypothesis examples mixing random and
extreme values everywhere at once. Hypothesis runs derandomized, so the suite is repeatable;
FIELDCASE_WALK_EXAMPLES raises the number of examples per operation and FIELDCASE_WALK_SEED turns
the randomness back on for a longer hunt.

What the walk may not do, so that the roles keep their sessions: change the personas themselves.
Ids in paths are extremes, unknown ids or those of two sacrificial accounts; logging out is tried
on a throwaway session; logins with random bodies come from another client address.
"""
from __future__ import annotations

import copy
import json
import os
import tempfile
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from server import create_app
from server.clock import local_today
from server.extensions import db

from .conftest import FAST_HASHING, PASSWORD, PERSONAS, ApiClient, fresh_database
from .factories import overload_record, sync_body

EXAMPLES = int(os.environ.get("FIELDCASE_WALK_EXAMPLES", "12"))
SEED = os.environ.get("FIELDCASE_WALK_SEED")
ROLES = ("anonymous", "officer1", "officer3", "supervisor1", "reviewer1", "admin")
VICTIMS = ("walk-victim-1", "walk-victim-2")
# Operations whose answer is costly (a PDF, a zip): fewer examples, naming no stored record (the
# documents themselves are tested in tests/review and tests/casefile).
COSTLY = {("get", "/api/inspections/{inspection_uuid}/record.pdf"): 3,
          ("get", "/api/inspections/{inspection_uuid}/export"): 3}

EXTREME_INTS = [0, -1, 1, 2, 200, 201, 2 ** 31 - 1, 2 ** 31, -2 ** 31 - 1, 2 ** 53 + 1, 2 ** 63 - 1,
                2 ** 63, -2 ** 63 - 1, 2 ** 64, 10 ** 30, -10 ** 30]
EXTREME_FLOATS = [0.0, -0.0, 1e308, -1e308, 5e-324, 1e20, -90.000001, 180.5, 2.0 ** 63]
FAR_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "1900-01-01", "2199-12-31", "2200-01-01",
             "2026-02-30", "2026-13-01", "0000-00-00", "+12026-01-01", "2026-05-01", "20260501"]
FAR_TIMES = ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00-12:00", "9999-12-31T23:59:59-12:00",
             "9999-12-31T23:59:59.999999+14:00", "1899-12-31T23:59:59+00:00", "2026-05-01T09:30:00+08:00",
             "2026-05-01T09:30:00", "1970-01-01T00:00:00Z", "2026-05-01T24:00:00+08:00",
             "2026-05-01T09:30:00+99:00"]
ODD_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "\u202egpj.exe", "\ufeff", "e\u0301" * 50,
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "０１２", "١٢٣", "9" * 5000, "-" + "9" * 400, "浙F12345", "x" * 3000,
            "../../etc/passwd", "' OR 1=1 --", "%00", "\\u0000", "null", "NaN", "1e999", "\r\nX: y"]
TEXT = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=40),
                 st.text(min_size=200, max_size=3000))
HEADER_TEXT = st.one_of(
    st.sampled_from(["", "-1", "0", "18446744073709551616", "9" * 4000, "1.0.0", "sha256 !!",
                     "evidence_uuid " + "A" * 3000, "Zm9v, YmFy"]),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=60))
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.sampled_from(EXTREME_INTS), st.sampled_from(EXTREME_FLOATS),
                      TEXT)
ANY_JSON = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


class Walk:
    """The app under test, its OpenAPI document, one logged-in client per role, and the values a
    path may name (records and accounts that exist)."""

    def __init__(self, app, doc: dict, known: dict):
        self.app, self.doc, self.known = app, doc, known
        self.clients: dict[str, ApiClient] = {}
        self.costly = False

    def client(self, role: str) -> ApiClient:
        """The role's logged-in client (anonymous: a client that never logs in)."""
        if role == "anonymous":
            # Random logins come from another address, so the roles' own logins are not slowed.
            client = self.app.test_client()
            client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
            return client
        client = self.clients.get(role)
        if client is None:
            client = self.clients[role] = self.app.test_client()
            client.login(role)
        return client

    def forget(self, role: str) -> None:
        """The role's session ended (a 401): log in again for its next request."""
        self.clients.pop(role, None)

    def record_uuids(self) -> list[str]:
        """UUIDs of stored records and evidence; none for a costly operation (see COSTLY)."""
        return [str(uuid.UUID(int=1))] if self.costly else self.known["uuids"]

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.doc["components"]["schemas"][name]
        return schema


@pytest.fixture(scope="module")
def walk(database_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("walk")
    with fresh_database(database_template, folder, "fc_walk") as url:
        storage = folder / "storage"
        storage.mkdir()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, "TESTING": True,
                          **FAST_HASHING})
        app.test_client_class = ApiClient
        with app.app_context():
            known = _seed(app)
            doc = app.test_client().get("/api/openapi.json").get_json()
            yield Walk(app, doc, known)
            db.session.remove()
            db.engine.dispose()


def _seed(app) -> dict:
    """Personas, two sacrificial accounts and one synced record: the ids a walk may name."""
    from server.accounts import service

    today = local_today()
    service.create_team("A", "执法A中队")
    service.create_team("B", "执法B中队")
    for name, options in {**PERSONAS, **{v: {"roles": ("officer",), "team": "B"} for v in VICTIMS}}.items():
        certified = options.get("certificate", "valid") == "valid"
        service.create_user(name, PASSWORD, display_name=name, roles=list(options["roles"]),
                            team_code=options["team"],
                            certificate_number="330424" + name if certified else None,
                            certificate_valid_from=today - timedelta(days=30) if certified else None,
                            certificate_valid_until=today + timedelta(days=365) if certified else None)
    db.session.commit()
    officer = app.test_client()
    officer.login("officer1")
    record = overload_record()
    answer = officer.post("/api/sync", json=sync_body(record)).get_json()
    assert answer["results"][0]["result"] == "created", answer
    from server.accounts.models import User

    victims = db.session.execute(sa.select(User.id).where(User.username.in_(VICTIMS))).scalars().all()
    return {"record": record, "uuids": [record["uuid"], *(e["uuid"] for e in record["evidence"])],
            "user_ids": victims}


def operations() -> list[tuple[str, str]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "STORAGE_DIR": tempfile.mkdtemp(),
                      "TESTING": True})
    doc = app.test_client().get("/api/openapi.json").get_json()
    return [(method, path) for path, item in doc["paths"].items() for method in item
            if method in ("get", "put", "post", "patch", "delete", "head", "options")]


# --- values from the document's schemas --------------------------------------------------------

def value_for(walk: Walk, schema: dict, depth: int = 0):
    """A strategy of JSON values where `schema` says a value goes: mostly of its type, often
    extreme, sometimes of another type altogether."""
    schema = walk.resolve(schema)
    own = _typed(walk, schema, depth)
    return st.one_of(own, own, own, JSON_LEAF) if depth < 4 else st.one_of(own, JSON_LEAF)


def _typed(walk: Walk, schema: dict, depth: int):
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), TEXT)
    if kind == "integer":
        bounded = st.integers(schema.get("minimum", -2 ** 70), schema.get("maximum", 2 ** 70))
        return st.one_of(st.sampled_from(EXTREME_INTS), bounded, st.integers())
    if kind == "number":
        return st.one_of(st.sampled_from(EXTREME_FLOATS), st.floats(allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["true", "yes", "0", 2]))
    if kind == "array":
        items = value_for(walk, schema.get("items") or {}, depth + 1)
        return st.lists(items, max_size=3 if depth else 6)
    if kind == "object" or "properties" in schema:
        return _object(walk, schema, depth)
    if fmt == "date":
        return st.one_of(st.sampled_from(FAR_DATES), st.dates().map(str))
    if fmt == "date-time":
        return st.one_of(st.sampled_from(FAR_TIMES), st.datetimes().map(lambda d: d.isoformat() + "+08:00"))
    if fmt == "uuid":
        return st.one_of(st.sampled_from(walk.record_uuids()), st.uuids().map(str), TEXT)
    if kind == "string":
        return st.one_of(TEXT, st.sampled_from(["overload", "bus", "A", "B", *VICTIMS, "complete"]))
    return ANY_JSON


def _object(walk: Walk, schema: dict, depth: int):
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required", []) if name in properties]
    optional = [name for name in properties if name not in required]

    @st.composite
    def build(draw):
        members = {name: draw(value_for(walk, properties[name], depth + 1)) for name in required
                   if draw(st.integers(0, 9)) > 0}  # now and then a required member is missing
        for name in draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []:
            members[name] = draw(value_for(walk, properties[name], depth + 1))
        if draw(st.integers(0, 9)) == 0:
            members[draw(TEXT)] = draw(JSON_LEAF)  # an unknown member
        return members
    return build()


# Valid bodies to start from, so that a walk also reaches the checks behind the schema (form
# rules, officers, clocks) with one extreme value in an otherwise good request.
def _good_bodies(walk: Walk) -> dict:
    return {("post", "/api/sync"): sync_body(walk.known["record"]),
            ("post", "/api/users"): {"username": "walk-new", "password": "a-long-password",
                                     "roles": ["officer"], "team": "A",
                                     "certificate": {"number": "330424x", "valid_from": "2026-01-01",
                                                     "valid_until": "2027-01-01"}},
            ("put", "/api/users/{user_id}/certificate"): {"number": "330424x", "valid_from": "2026-01-01",
                                                          "valid_until": "2027-01-01"}}


def _places(value, prefix=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + (key,)
            yield from _places(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield prefix + (index,)
            yield from _places(item, prefix + (index,))


@st.composite
def mutated(draw, good: dict):
    """`good` with one or two of its values replaced by an extreme one (a fresh record UUID)."""
    body = copy.deepcopy(good)
    for record in body.get("records", []):
        record["uuid"] = str(uuid.uuid4())
    places = list(_places(body))
    for _ in range(draw(st.integers(1, 2))):
        *parents, last = draw(st.sampled_from(places))
        holder = body
        for step in parents:
            holder = holder[step]
        if not isinstance(holder, (dict, list)) or (isinstance(holder, list) and last >= len(holder)):
            continue
        holder[last] = draw(st.one_of(JSON_LEAF, st.sampled_from(FAR_TIMES), st.sampled_from(FAR_DATES)))
    return body


# --- requests -----------------------------------------------------------------------------------

def path_value(walk: Walk, param: dict):
    schema = walk.resolve(param.get("schema") or {})
    if schema.get("type") == "integer":
        return st.one_of(st.sampled_from(EXTREME_INTS), st.sampled_from(walk.known["user_ids"]),
                         st.integers(-10, 100_000), st.sampled_from(["1.5", "-0", "١", "9" * 40])).map(str)
    return st.one_of(_typed(walk, schema, 0), TEXT).map(str)


def query_value(walk: Walk, param: dict):
    schema = walk.resolve(param.get("schema") or {})
    if schema.get("type") == "array":
        return st.lists(_typed(walk, walk.resolve(schema.get("items") or {}), 1).map(_as_text), max_size=4)
    return _typed(walk, schema, 0).map(_as_text)


def _quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


@st.composite
def request_for(draw, walk: Walk, method: str, path: str):
    """One request to the operation: (role, url, headers, body keyword arguments)."""
    item = walk.doc["paths"][path]
    operation = item[method]
    parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
    url = path
    query, headers = [], {}
    for param in parameters:
        where, name = param["in"], param["name"]
        if where == "path":
            value = draw(path_value(walk, param))
            url = url.replace("{" + name + "}", _quoted(value) or "%20")
        elif where == "query" and (param.get("required") or draw(st.booleans())):
            value = draw(query_value(walk, param))
            for one in value if isinstance(value, list) else [value]:
                query.append(f"{quote(name)}={_quoted(one)}")
        elif where == "header" and (param.get("required") or draw(st.booleans())):
            headers[name] = draw(HEADER_TEXT)
    if query:
        url += "?" + "&".join(query)
    body = {}
    content = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" in content:
        good = _good_bodies(walk).get((method, path))
        generated = value_for(walk, content["application/json"].get("schema") or {})
        value = draw(st.one_of(generated, mutated(good)) if good else generated)
        body["data"] = json.dumps(value)  # ASCII: a lone surrogate travels as an escape
        headers["Content-Type"] = "application/json"
    elif content:
        (media_type,) = content
        body["data"] = draw(st.binary(max_size=2048))
        headers.setdefault("Content-Type", media_type)
    return draw(st.sampled_from(ROLES)), url, headers, body


# --- a sweep: each extreme value of each parameter and member, one at a time -------------------

def extremes_for(walk: Walk, schema: dict) -> list:
    """The extreme values of the type `schema` declares, each to be tried once."""
    schema = walk.resolve(schema)
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return [*schema["enum"][:2], "", "\x00", "x" * 3000]
    if kind == "integer":
        return EXTREME_INTS
    if kind == "number":
        return EXTREME_FLOATS
    if kind == "boolean":
        return [True, False, "yes", 2, None]
    if fmt == "date":
        return FAR_DATES
    if fmt == "date-time":
        return FAR_TIMES
    if fmt == "uuid":
        return [*walk.record_uuids()[:1], str(uuid.UUID(int=0)), "not-a-uuid", "\x00", "x" * 3000]
    if kind == "array":
        return [[], None, *([x] for x in extremes_for(walk, schema.get("items") or {})[:6])]
    if kind == "object" or "properties" in schema:
        return [{}, [], None, "x"]
    return ODD_TEXT


def plausible(walk: Walk, schema: dict):
    """An ordinary value of the type `schema` declares: the base a sweep varies one value of."""
    schema = walk.resolve(schema)
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {name: plausible(walk, sub) for name, sub in (schema.get("properties") or {}).items()
                if name in schema.get("required", [])}
    return {"integer": 1, "number": 1.5, "boolean": False, "array": []}.get(kind) or {
        "date": "2026-05-01", "date-time": "2026-05-01T09:30:00+08:00",
        "uuid": walk.record_uuids()[0]}.get(fmt, "x")


def body_variants(walk: Walk, schema: dict, base: dict, depth: int = 0):
    """`base` with one member (nested objects too) set to each extreme of its type in turn."""
    schema = walk.resolve(schema)
    for name, sub in (schema.get("properties") or {}).items():
        for value in extremes_for(walk, sub):
            yield {**base, name: value}
        sub = walk.resolve(sub)
        if depth < 2 and (sub.get("type") == "object" or "properties" in sub):
            inner = base.get(name) if isinstance(base.get(name), dict) else plausible(walk, sub)
            for variant in body_variants(walk, sub, inner, depth + 1):
                yield {**base, name: variant}


def record_variants(record: dict):
    """A valid record with one value (record members, subject, place, an evidence entry, the
    answers) replaced by each extreme of its kind: one bad record of a batch each."""
    def extremes(value):
        if isinstance(value, bool):
            return [None, 2]
        if isinstance(value, (int, float)):
            return [*EXTREME_INTS[6:], *EXTREME_FLOATS[3:6]]
        if isinstance(value, str) and value[:2] in ("19", "20") and "T" in value:
            return FAR_TIMES
        return [None, "x" * 3000, 2 ** 63, [], {}]  # (a NUL refuses the whole body: I-JSON)

    holders = [(record, k) for k in record]
    holders += [(record[part], k) for part in ("subject", "place", "answers") for k in record[part]]
    holders += [(record["evidence"][0], k) for k in record["evidence"][0]]
    for holder, key in holders:
        for value in extremes(holder[key]):
            variant = copy.deepcopy(record)
            target = variant if holder is record else (
                variant["evidence"][0] if holder is record["evidence"][0]
                else variant[next(p for p in ("subject", "place", "answers") if holder is record[p])])
            target[key] = value
            variant["uuid"] = str(uuid.uuid4()) if key != "uuid" else value
            yield variant


def sweep(walk: Walk, method: str, path: str):
    """Requests (url, headers, body arguments) that each change one value of a plain request."""
    item = walk.doc["paths"][path]
    operation = item[method]
    parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
    base = {}
    for param in parameters:
        schema = walk.resolve(param.get("schema") or {})
        if param["in"] == "path":
            base[param["name"]] = (str(walk.known["user_ids"][0]) if schema.get("type") == "integer"
                                   else walk.record_uuids()[0])
        elif param.get("required"):
            base[param["name"]] = _as_text(plausible(walk, schema))
    content = (operation.get("requestBody") or {}).get("content") or {}
    body_schema = (content.get("application/json") or {}).get("schema")
    good = _good_bodies(walk).get((method, path))
    plain_body = good or (plausible(walk, body_schema) if body_schema else None)

    def build(values: dict, body=None):
        url, query = path, []
        for param in parameters:
            name = param["name"]
            if name not in values:
                continue
            if param["in"] == "path":
                url = url.replace("{" + name + "}", _quoted(values[name]) or "%20")
            elif param["in"] == "query":
                for one in values[name] if isinstance(values[name], list) else [values[name]]:
                    query.append(f"{quote(name)}={_quoted(one)}")
        headers = {p["name"]: values[p["name"]] for p in parameters
                   if p["in"] == "header" and p["name"] in values}
        kwargs = {}
        if body_schema is not None:
            kwargs["data"] = json.dumps(plain_body if body is None else body)
            headers["Content-Type"] = "application/json"
        return url + ("?" + "&".join(query) if query else ""), headers, kwargs

    yield build(base)
    for param in parameters:
        schema = walk.resolve(param.get("schema") or {})
        if param["in"] == "header":
            values = ["", "-1", "18446744073709551616", "9" * 4000, "\u00e9\u00e8"]
        else:
            values = [v for v in extremes_for(walk, schema)]
        for value in values:
            text = [_as_text(v) for v in value] if isinstance(value, list) else _as_text(value)
            if param["in"] == "header" and not text.isascii():
                continue
            yield build({**base, param["name"]: text})
    if (method, path) == ("post", "/api/sync"):
        variants = list(record_variants(walk.known["record"]))
        for start in range(0, len(variants), 100):
            yield build(base, sync_body(*variants[start:start + 100]))
    elif body_schema is not None:
        for variant in body_variants(walk, body_schema, plain_body if isinstance(plain_body, dict) else {}):
            yield build(base, variant)


@pytest.mark.parametrize("method, path", operations(), ids=lambda v: v)
def test_no_route_answers_a_server_error_whatever_it_is_sent(walk, method, path):
    answers: dict[int, int] = {}
    walk.costly = (method, path) in COSTLY

    @settings(max_examples=COSTLY.get((method, path), EXAMPLES), deadline=None, database=None,
              derandomize=SEED is None, suppress_health_check=list(HealthCheck))
    @given(request_for(walk, method, path))
    def example(request):
        check(*request)

    def check(role, url, headers, body):
        client = walk.client(role)
        if (method, path) == ("delete", "/api/session") and role != "anonymous":
            client = walk.app.test_client()  # a throwaway session: the role's own stays open
            client.login(role)
        if (method, path) == ("post", "/api/session"):
            body = {**body, "environ_base": {"REMOTE_ADDR": "192.0.2.7"}}  # see Walk.client
        response = client.open(url, method=method.upper(), headers=headers, **body)
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        if response.status_code == 401 and role != "anonymous":
            walk.forget(role)
        assert response.status_code < 500, (role, method, url, body, response.get_data()[:800])
        if response.status_code >= 400 and method != "head" and url.startswith("/api/"):
            assert response.mimetype == "application/problem+json", (url, response.status_code,
                                                                      response.get_data()[:300])
        db.session.remove()  # as after a real request: nothing cached between examples
        return response.status_code

    requests = sweep(walk, method, path)
    plain = next(requests)
    # The sweep goes as the roles the plain request lets through (in turn), so that its values
    # reach the view rather than a 401 or 403; every role sends the plain request.
    allowed = [role for role in ROLES if check(role, *plain) not in (401, 403)] or ["admin"]
    for number, request in enumerate(requests):
        check(allowed[number % len(allowed)], *request)
    if SEED is not None:
        example = seed(int(SEED))(example)
    example()
    assert sum(answers.values()) >= min(4, EXAMPLES), answers  # the examples really ran
