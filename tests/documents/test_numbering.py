"""Numbers never skip or repeat: threads issue at once on real connections (SQLite's writer
queue, PostgreSQL's advisory lock), an issue rolled back gives its number back, and the database
refuses to rewrite a number, an issued document or a counter. `audit verify` names an edited
document."""
from __future__ import annotations

from functools import partial

import pytest
import sqlalchemy as sa

from server.accounts.models import User
from server.database import write_intent
from server.documents.models import Document, DocumentCounter
from server.documents.service import issue_document
from server.extensions import db
from testing.concurrent import at_once
from testing.documents import FIELDS
from tests.audit.tampering import tamper

THREADS, EACH = 6, 5


def _issue_from_threads(app, user_id: int, rollback_every: int = 0) -> list[Exception]:
    errors: list[Exception] = []

    def work(index: int):
        with app.app_context():
            try:
                for n in range(EACH):
                    with write_intent(True):
                        user = db.session.get(User, user_id)
                        issue_document(user, "penalty_notice", FIELDS["penalty_notice"])
                        if rollback_every and (index * EACH + n) % rollback_every == 0:
                            db.session.rollback()  # refused after its number was taken
                        else:
                            db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    at_once([partial(work, i) for i in range(THREADS)], timeout=120)
    return errors


def _serials() -> list[int]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Document.serial).order_by(Document.serial)).scalars())


def test_concurrent_issues_number_one_to_n_without_gap_or_repeat(app, personas):
    user_id = personas["officer1"].id
    db.session.commit()  # this thread holds no transaction (nor the writer's turn) meanwhile
    assert _issue_from_threads(app, user_id) == []
    assert _serials() == list(range(1, THREADS * EACH + 1))
    numbers = db.session.execute(sa.select(Document.number)).scalars().all()
    assert len(set(numbers)) == THREADS * EACH


def test_a_rolled_back_issue_gives_its_number_back(app, personas):
    user_id = personas["officer1"].id
    db.session.commit()
    assert _issue_from_threads(app, user_id, rollback_every=4) == []
    kept = THREADS * EACH - len(range(0, THREADS * EACH, 4))
    assert _serials() == list(range(1, kept + 1))
    counter = db.session.execute(sa.select(DocumentCounter)).scalar_one()
    assert counter.last_serial == kept


def test_the_database_refuses_to_rewrite_documents_and_counters(app, issue):
    document = issue("penalty_notice")
    statements = [
        ("UPDATE documents SET number = 'X' WHERE id = :id", {"id": document.id}),
        ("UPDATE documents SET fields = '{}' WHERE id = :id", {"id": document.id}),
        ("DELETE FROM documents WHERE id = :id", {"id": document.id}),
        ("UPDATE document_counters SET last_serial = 0", {}),
        ("UPDATE document_counters SET last_serial = last_serial + 2", {}),
        ("DELETE FROM document_counters", {}),
    ]
    for statement, params in statements:
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement), params)
            db.session.flush()
        db.session.rollback()
    db.session.execute(sa.text("UPDATE documents SET state = 'failed', sign_error = 'x' WHERE id = :id"),
                       {"id": document.id})  # the seal state moves on …
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError):  # … but never back to waiting
        db.session.execute(sa.text("UPDATE documents SET state = 'pending', sign_error = NULL "
                                   "WHERE id = :id"), {"id": document.id})
        db.session.flush()
    db.session.rollback()


def test_audit_verify_names_an_edited_document(runner, sealed):
    document, _ = sealed("penalty_decision")
    # read before the CLI runs: each command ends the session the document was loaded in
    document_id, number = document.id, document.number
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper("UPDATE documents SET fields = :f WHERE id = :id", id=document_id,
           f='{"party_name": "别人"}')
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"documents {number}" in result.output and "fields_sha256" in result.output, result.output


def test_audit_verify_names_a_swapped_pdf_hash(runner, sealed):
    document, _ = sealed("service_receipt")
    tamper("UPDATE documents SET signed_sha256 = :h WHERE id = :id", id=document.id, h="0" * 64)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "signed_sha256" in result.output, result.output
