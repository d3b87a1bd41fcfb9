"""The OpenAPI document: built on its first reading, not at start-up, and its error contract:
every error is problem+json (RFC 9457, see server/errors.py) with a string `code` from the catalog,
and the inputs refused before any view runs are said once, in the default error response every
operation refers to."""
from __future__ import annotations

import http
import threading
from collections.abc import Callable

from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

PROBLEM_CONTENT_TYPE = "application/problem+json"

REFUSED_INPUTS = """\
Every error is `application/problem+json`; clients branch on `code`, never on the text.

Refused before a view runs:
- `400 request.body_empty`: a JSON endpoint sent no body.
- `400 request.invalid_json`: a body that is not I-JSON (RFC 7493): not UTF-8, malformed,
  `NaN`/`Infinity` or a number out of range, duplicate member names, a lone surrogate
  (`\\ud800`), a NUL character (`\\u0000`: PostgreSQL cannot store it), nesting too deep.
- `400 request.invalid`: a NUL character in a query string (`%00`); `errors` names the parameter.
- `404 request.not_found`: a path segment with a NUL, an id out of range (ids are 1 to 2147483647).
- `413 request.too_large`, `415 request.not_json`, `405 request.method_not_allowed` (with `Allow`).
- `401 auth.required`, `403 auth.forbidden` / `auth.csrf_failed`: checked before the input is read.
- `414 request.uri_too_long`, `431 request.headers_too_large`, `400 request.invalid`: a request
  line or header the HTTP server itself refuses (answered as problem+json by server/gunicorn_worker.py).
"""

VALIDATION = """\
`request.validation`: `errors` maps each field (nested: member, then item) to zh-CN messages a
user can act on, e.g. `{"form_version": ["应在 1 到 2147483647 之间。"]}`. Integers are bounded to
what the database holds (`minimum`/`maximum`), dates and times to 1900-01-01 .. 2199-12-31.
"""


class ProblemSchema(Schema):
    """RFC 9457 problem details, as server/errors.py answers every error."""

    type = fields.String(required=True, metadata={
        "description": "URI of the problem type: https://fieldcase.invalid/problems/<code>"})
    title = fields.String(required=True, metadata={"description": "Short English title"})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    detail = fields.String(required=True, metadata={"description": "What to do, in zh-CN"})
    code = fields.String(required=True, metadata={
        "description": "Stable machine code from the error catalog, e.g. `inspection.conflict`"})
    instance = fields.String(metadata={"description": "The request path"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Per field or per item: zh-CN messages (a list), or nested for members"})


class ProblemApi(Api):
    """flask-smorest's Api, documenting errors as problem+json with ProblemSchema, and building
    the document when something first reads `spec` (GET /api/openapi.json, `flask openapi`, a
    test): describing every operation cost a third of create_app(), which every CLI command,
    worker and test app paid for a document most of them never read. The blueprints' routes are
    registered at once; their documentation is queued, then added in the same order as before,
    so the document is the same to the byte."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args, **kwargs):
        self._spec = None
        self._undocumented: list[Callable] = []  # for self._spec, in registration order
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The OpenAPI document of the last app built, completed first with what is queued."""
        if self._undocumented:
            with self._documenting:
                while self._undocumented:  # emptied only once the last one is in the document
                    self._undocumented[0](self._spec)
                    del self._undocumented[0]
        return self._spec

    @spec.setter
    def spec(self, spec) -> None:
        # flask-smorest makes a new document for each app (init_app): its queue starts empty.
        self._spec = spec
        self._undocumented = []

    def document(self, describe: Callable) -> None:
        """Queue `describe(spec)`, to run when the document is first read."""
        self._undocumented.append(describe)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register the blueprint's routes now and its documentation when the document is read
        (flask-smorest's Api.register_blueprint, in two steps)."""
        name = options.get("name", blp.name)
        app = self._app
        app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        app.register_blueprint(blp, **options)

        def describe(spec):
            blp.register_views_in_doc(self, app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})

        self.document(describe)

    def _register_responses(self):
        descriptions = {422: VALIDATION, 400: REFUSED_INPUTS}
        for status in http.HTTPStatus:
            response = {"description": descriptions.get(status, status.phrase)}
            error = status >= 400
            if error:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec,
                             PROBLEM_CONTENT_TYPE if error else self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": REFUSED_INPUTS, "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)
