"""`audit verify` checks the target directory against the entries that vouch for it: a class
raised or a history row rewritten behind the log's back is named."""
from __future__ import annotations

from tests.audit.tampering import tamper

from .files import TENCENT, good_rows, xlsx
from .test_import import upload


def verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_imported_directory_verifies_and_tampering_is_named(runner, login_as):
    assert upload(login_as("admin"), xlsx(good_rows()), "x.xlsx").status_code == 200
    code, output = verify(runner)
    assert code == 0, output
    tamper("UPDATE targets SET credit_class = 'A' WHERE key = :key", key=TENCENT)
    tamper("UPDATE target_credit_classes SET effective_date = '2020-01-01' WHERE id = 1")
    code, output = verify(runner)
    assert code != 0
    assert f"targets id 2 ({TENCENT}): altered: credit_class" in output, output
    assert "target_credit_classes id 1: altered: effective_date" in output, output
