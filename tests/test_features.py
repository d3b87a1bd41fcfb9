"""Each feature package registers itself (its init_app) and app.py names it once in FEATURES: a
package left out would lose its API, its CLI or, silently, the audit's check of its rows."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from server.app import FEATURES
from server.audit.vouched import VouchedKind
from server.extensions import db

SERVER = Path(__file__).resolve().parent.parent / "server"


def test_every_package_with_routes_or_tables_is_a_registered_feature():
    packages = {path.parent.name for pattern in ("*/routes.py", "*/models.py")
                for path in SERVER.glob(pattern)}
    assert packages <= set(FEATURES), packages - set(FEATURES)
    for name in FEATURES:
        assert callable(import_module(f"server.{name}").init_app), name


def test_every_vouched_kind_is_checked_by_audit_verify(app):
    declared = []
    for path in SERVER.glob("*/vouched.py"):
        module = import_module(f"server.{path.parent.name}.vouched")
        for value in vars(module).values():
            kinds = value if isinstance(value, list | tuple) else [value]
            declared += [kind for kind in kinds if isinstance(kind, VouchedKind)]
    registered = app.extensions["audit_vouched"]
    assert len(declared) > 20
    assert {kind.table for kind in declared} == {kind.table for kind in registered}
    assert len(registered) == len({kind.table for kind in registered})  # each once


def test_every_table_of_a_feature_is_known(app):
    # The models are imported by their feature's init_app: Alembic and the app see every table.
    for table in ("inspections", "cases", "case_steps", "documents", "random_plans",
                  "officer_certificates", "simple_decisions", "review_samples"):
        assert table in db.metadata.tables, table
