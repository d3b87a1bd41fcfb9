"""The sync's INSERTs through the SQLite driver (server/driver_insert.py) store what Core's
INSERTs store: the same random rows written both ways into two real SQLite databases, compared
column by column as SQLite holds them (its own types, not what SQLAlchemy reads back)."""
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import driver_insert
from server.accounts.models import Team, User
from server.audit.models import AuditEntry
from server.driver_insert import BoundRow, DriverInsert, bind_ahead, insert_rows
from server.inspections.models import Evidence, Inspection, InspectionOfficer
from server.targets.models import InspectionTarget, Target

TABLES = (Inspection.__table__, InspectionOfficer.__table__, Evidence.__table__,
          InspectionTarget.__table__, AuditEntry.__table__)

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
aware = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                     timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                timezone(timedelta(hours=-3, minutes=-30))]))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)
maybe = st.none().__or__


def _value(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Uuid):
        strategy = st.uuids()
    elif isinstance(kind, sa.types.TypeDecorator):  # UTCDateTime
        strategy = aware
    elif isinstance(kind, sa.JSON):
        strategy = st.dictionaries(text, json_value, max_size=4) | st.lists(json_value, max_size=3)
    elif isinstance(kind, sa.Float):
        strategy = st.floats(allow_nan=False, allow_infinity=False)
    elif isinstance(kind, sa.Integer):
        strategy = st.integers(-2**63, 2**63 - 1)
    else:
        strategy = text
    return strategy if not column.nullable or column.primary_key else maybe(strategy)


def rows_of(table: sa.Table):
    columns = [c for c in table.c if not (c.autoincrement is True and c.primary_key and isinstance(c.type, sa.Integer))]
    return st.lists(st.fixed_dictionaries({c.name: _value(c) for c in columns}), min_size=1, max_size=4)


def _engine(path):
    """A database of the sync's tables as the app declares them, without their CHECK constraints
    and with foreign keys not enforced: what is compared is how values are stored, so that rows
    may hold any value of a column's type and name users and records that do not exist."""
    engine = sa.create_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys = OFF"))
    schema = sa.MetaData()
    for table in (User.__table__, Team.__table__, Target.__table__, *TABLES):
        copy = table.to_metadata(schema)
        for check in [c for c in copy.constraints if isinstance(c, sa.CheckConstraint)]:
            copy.constraints.remove(check)
    schema.create_all(engine)
    return engine


def _stored(path, table: sa.Table) -> list[tuple]:
    with sqlite3.connect(path) as raw:  # SQLite's own values and types, nothing read back through SQLAlchemy
        return raw.execute(f"SELECT *, {', '.join(f'typeof({c.name})' for c in table.c)} "
                           f"FROM {table.name} ORDER BY rowid").fetchall()


def _unique(rows: list[dict], table: sa.Table) -> list[dict]:
    keys = [c.name for c in table.primary_key.columns]
    seen, kept = set(), []
    for row in rows:
        key = tuple(row.get(k) for k in keys)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_driver_stores_what_core_stores(table, data, tmp_path_factory):
    """Rows bound when inserted, and rows bound ahead (bind_ahead, as a sync binds its records'
    rows while checking them), are stored as Core stores them."""
    rows = _unique(data.draw(rows_of(table)), table)
    folder = tmp_path_factory.mktemp("both")
    core, driver, ahead = (_engine(folder / f"{name}.sqlite3") for name in ("core", "driver", "ahead"))
    try:
        with core.begin() as connection:
            connection.execute(table.insert(), rows)
        with sa.orm.Session(driver) as session:
            insert_rows(session, table, rows)
            session.commit()
        bound = bind_ahead(table, rows, ahead.dialect)
        assert all(type(row) is BoundRow for row in bound) and bound == rows
        with sa.orm.Session(ahead) as session:
            insert_rows(session, table, bound)
            session.commit()
        assert _stored(folder / "driver.sqlite3", table) == _stored(folder / "core.sqlite3", table)
        assert _stored(folder / "ahead.sqlite3", table) == _stored(folder / "core.sqlite3", table)
    finally:
        for engine in (core, driver, ahead):
            engine.dispose()


def test_a_row_bound_ahead_cannot_change_and_binds_again_for_other_columns():
    """What is inserted is what was bound: a bound row refuses every change. Bound for one set of
    columns, it is bound again by an insert of others."""
    engine = sa.create_engine("sqlite://")
    table = Evidence.__table__
    row = {"uuid": uuid.UUID(int=7), "inspection_uuid": uuid.UUID(int=1000), "position": 0,
           "item_id": "photo-1", "sha256": "ab" * 32, "size": 10, "media_type": "image/jpeg",
           "captured_at": datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc), "received_at": None}
    [bound] = bind_ahead(table, [row], engine.dialect)
    changes = [lambda: bound.__setitem__("size", 11), lambda: bound.update(size=11),
               lambda: bound.pop("size"), lambda: bound.setdefault("x", 1), bound.clear, bound.popitem,
               lambda: bound.__delitem__("size")]
    for change in changes:
        with pytest.raises(TypeError, match="cannot change"):
            change()
    assert bound == row
    fewer = DriverInsert(table, tuple(row)[:-1], engine.dialect)  # received_at left out
    assert fewer.bind(bound) == DriverInsert(table, tuple(row), engine.dialect).bind(row)[:-1]
    postgresql = sa.dialects.postgresql.dialect()  # Core binds there: rows are left as they are
    assert type(bind_ahead(table, [row], postgresql)[0]) is dict


def test_insert_returning_answers_only_the_rows_inserted_across_statements(tmp_path, monkeypatch):
    """A multi-row INSERT … ON CONFLICT DO NOTHING RETURNING, split into several statements when
    the rows hold more parameters than one statement may: every row inserted once, the existing
    ones skipped, and the UUIDs inserted returned."""
    engine = _engine(tmp_path / "db.sqlite3")
    table = Evidence.__table__
    monkeypatch.setattr(driver_insert, "MAX_PARAMETERS", 3 * len(table.c))  # three rows a statement

    def row(n):
        return {"uuid": uuid.UUID(int=n), "inspection_uuid": uuid.UUID(int=1000), "position": n,
                "item_id": f"photo-{n}", "sha256": "ab" * 32, "size": n, "media_type": "image/jpeg",
                "captured_at": datetime(2026, 11, 30, 8, n, tzinfo=timezone.utc), "received_at": None}

    inserter = DriverInsert(table, tuple(row(0)), engine.dialect, "ON CONFLICT (uuid) DO NOTHING RETURNING uuid")
    result = table.c.uuid.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
    with engine.begin() as connection:
        first = inserter.insert_returning(connection, [inserter.bind(row(n)) for n in (1, 2, 3, 4)])
        second = inserter.insert_returning(connection, [inserter.bind(row(n)) for n in range(1, 9)])
    assert {result(r[0]) for r in first} == {uuid.UUID(int=n) for n in (1, 2, 3, 4)}
    assert {result(r[0]) for r in second} == {uuid.UUID(int=n) for n in (5, 6, 7, 8)}
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 8
    engine.dispose()


def test_a_column_with_a_python_default_must_be_given(tmp_path):
    """Core fills a left-out column's Python-side default; the driver would store NULL or the
    database's default instead, so it refuses to be built without that column."""
    engine = _engine(tmp_path / "db.sqlite3")
    columns = [c.name for c in Inspection.__table__.c if c.name != "computed"]
    with pytest.raises(ValueError, match="computed"):
        DriverInsert(Inspection.__table__, columns, engine.dialect)
    engine.dispose()
