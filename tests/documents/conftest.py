"""Documents fixtures: the demo seal in the test's storage, and helpers to issue and seal (each
type's fields: testing/documents.py)."""
from __future__ import annotations

import pytest

from server.database import write_intent
from server.documents.queue import seal_pending
from server.documents.seal_keys import demo_paths, make_demo_seal
from server.documents.service import issue_document
from server.extensions import db
from testing.documents import FIELDS


@pytest.fixture
def demo_seal(app, storage_dir):
    """The demo CA and seal, as `make run` makes them; returns the CA certificate (PEM)."""
    make_demo_seal(storage_dir, app.config["BUREAU_NAME"])
    return demo_paths(storage_dir)[1].read_bytes()


@pytest.fixture
def issue(app, personas):
    """Factory: issue a document of `type` (committed) as officer1, fields from FIELDS."""
    def make(doc_type: str, fields: dict | None = None, **kwargs):
        db.session.commit()  # a test client's GET leaves a reader's intent behind: begin anew
        with write_intent(True):
            document = issue_document(personas["officer1"], doc_type, fields or FIELDS[doc_type], **kwargs)
            db.session.commit()
        return document
    return make


@pytest.fixture
def sealed(issue, demo_seal):
    """Factory: issue and seal a document; returns (document, sealed PDF bytes)."""
    from server.documents.queue import sealed_pdf

    def make(doc_type: str, fields: dict | None = None):
        document = issue(doc_type, fields)
        counts = seal_pending()
        db.session.refresh(document)
        assert counts == {"signed": 1, "failed": 0, "skipped": 0}, document.sign_error
        assert document.state == "signed", document.sign_error
        return document, sealed_pdf(document)
    return make
