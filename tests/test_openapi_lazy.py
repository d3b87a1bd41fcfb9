"""The OpenAPI document is built when it is first read, not when an app is built (every CLI
command, gunicorn worker and test app builds one), and it is the same whoever reads it first."""
from __future__ import annotations

import json
import threading

from server import create_app
from server.extensions import api


def test_building_the_app_describes_no_operation_until_the_document_is_read(app_config):
    app = create_app(app_config)
    assert api._spec.to_dict()["paths"] == {}  # nothing described yet: start-up paid nothing
    assert app.test_client().get("/api/errors").status_code == 200  # the routes themselves are there
    doc = app.test_client().get("/api/openapi.json").get_json()
    assert "/api/errors" in doc["paths"] and "/api/sync" in doc["paths"]
    assert "ErrorCode" in doc["components"]["schemas"]
    assert [tag["name"] for tag in doc["tags"]][:2] == ["health", "accounts"]  # features' order


def test_the_document_is_the_same_from_the_cli_the_web_and_a_second_app(app_config):
    first = create_app(app_config)
    printed = first.test_cli_runner().invoke(args=["openapi", "print"])
    assert printed.exit_code == 0, printed.output
    second = create_app(app_config)
    served = second.test_client().get("/api/openapi.json").get_json()
    assert json.loads(printed.output) == served
    assert list(json.loads(printed.output)["paths"]) == list(served["paths"])  # order too


def test_readers_at_once_all_get_the_whole_document(app_config):
    app = create_app(app_config)
    docs, start = [], threading.Barrier(4)

    def read():
        start.wait()
        docs.append(app.test_client().get("/api/openapi.json").get_json())

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(docs) == 4 and all(doc == docs[0] for doc in docs)
    assert len(docs[0]["paths"]) > 100
