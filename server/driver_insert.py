"""INSERTs handed to the SQLite driver with their values bound once: the sync's write (issue 19).

On SQLite a sync's INSERTs run in the writer's turn, which every write of every worker waits for
(server/writer_lock.py): under load the turn, not the CPU, sets the rate (bench/wrk_sync.py prints
how long it is held). Part of the turn's CPU is SQLAlchemy's per-statement work: compiled-cache
look-up, execution context, parameter processing, result set-up. A `DriverInsert` does that work
once: its SQL text is built once per table and column list, each column's bind processor (the
dialect's implementation of its type, the one Core applies: UUIDs as hex, UTC times as text with
microseconds, JSON as text) is looked up once, and the rows go to the driver through
`Connection.exec_driver_sql`, so that the connection's transaction and its
`before_cursor_execute` listeners (the statement counts of tests/test_sync_statements.py) see
every statement as before. The turn's CPU fell by about a tenth (README, Performance). What is
stored is what Core would store: tests/test_driver_insert.py writes the same random rows both
ways and compares the two databases as SQLite holds them.

Only every column named in the rows is written: a column left out gets the database's default
(NULL), never Core's Python-side default, so a `DriverInsert` refuses to be built without a
column that has one.

The binding itself (each value through its column's processor) can be done ahead, outside the
writer's turn: `bind_ahead` gives read-only `BoundRow`s that carry their bound values, and an
insert of the same table and columns then only reads them (a sync binds its records' rows while
checking them, server/inspections/sync_rows.py).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

# SQLite allows 32,766 parameters per statement (3.32 and later); a multi-row INSERT stays well under.
MAX_PARAMETERS = 30_000


class _Binder:
    """How the rows of `columns` of `table` are bound for SQLite's driver: each column's bind
    processor, looked up once (one per table, columns and dialect: `_binder`)."""

    __slots__ = ("processors", "_bind_values")

    def __init__(self, table: sa.Table, columns: tuple, dialect):
        # The dialect's own type (SQLite's DATETIME writes microseconds always), as Core binds it.
        self.processors = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                           for name in columns]
        self._bind_values = _values_function(self.processors)

    def bind(self, row: dict) -> tuple:
        if type(row) is BoundRow and row.binder is self:
            return row.bound
        return self._bind_values(row)


def _values_function(processors: list[tuple]):
    """`lambda row: (row["a"], process_b(row["b"]), ...)` for these columns, written as the
    source of one function (as fastjsonschema does): a generator over the columns costs about
    three times as much per row. The names are the table's own columns, written in with repr()."""
    namespace, values = {}, []
    for position, (name, process) in enumerate(processors):
        if process is None:
            values.append(f"row[{name!r}]")
        else:
            namespace[f"process_{position}"] = process
            values.append(f"process_{position}(row[{name!r}])")
    source = f"def bind_values(row):\n    return ({', '.join(values)},)\n"
    exec(compile(source, f"<bind values of {len(processors)} columns>", "exec"), namespace)  # noqa: S102
    return namespace["bind_values"]


_binders: dict[tuple, _Binder] = {}


def _binder(table: sa.Table, columns: tuple, dialect) -> _Binder:
    key = (table.name, columns, dialect)
    binder = _binders.get(key)
    if binder is None:
        binder = _binders[key] = _Binder(table, columns, dialect)
    return binder


def _refuse_change(self, *args, **kwargs):
    raise TypeError("a bound row cannot change: what is inserted must be what was bound")


class BoundRow(dict):
    """A row (column name -> value) that carries its values as the driver takes them, bound by
    `bind_ahead`; read-only, so that what is inserted is what was bound."""

    __slots__ = ("binder", "bound")

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = __ior__ = _refuse_change


def bind_ahead(table: sa.Table, rows: list[dict], dialect) -> list[dict]:
    """`rows` (dicts with the same keys) bound now for an insert into `table` through SQLite's
    driver, as BoundRows; elsewhere (PostgreSQL: Core binds) `rows` as they are."""
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark" or not rows:
        return rows
    binder = _binder(table, tuple(rows[0]), dialect)
    bound = []
    for row in rows:
        ahead = BoundRow(row)
        ahead.binder, ahead.bound = binder, binder.bind(row)
        bound.append(ahead)
    return bound


class DriverInsert:
    """An INSERT of `columns` of `table` (SQLite, qmark parameters), with `suffix` (ON CONFLICT,
    RETURNING) appended as written."""

    def __init__(self, table: sa.Table, columns: Sequence[str], dialect, suffix: str = ""):
        if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
            raise ValueError(f"DriverInsert binds for SQLite's qmark parameters, not {dialect.name}")
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {unknown}")
        defaulted = [c.name for c in table.c if c.name not in columns and c.default is not None]
        if defaulted:
            raise ValueError(f"{table.name}: the rows must give {defaulted} (Core would fill their defaults)")
        self.table, self.columns = table, tuple(columns)
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in self.columns)
        self._head = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES "
        self._group = "(" + ", ".join("?" * len(self.columns)) + ")"
        self._suffix = f" {suffix}" if suffix else ""
        self._binder = _binder(table, self.columns, dialect)
        self._rows_per_statement = max(1, MAX_PARAMETERS // len(self.columns))

    def bind(self, row: dict) -> tuple:
        """The row's values as the driver takes them (KeyError for a missing column); those of a
        BoundRow of the same columns as they were bound."""
        return self._binder.bind(row)

    def insert_many(self, connection: sa.Connection, rows: list[tuple]) -> None:
        """Insert bound rows (one statement, the driver's executemany)."""
        if rows:
            connection.exec_driver_sql(self._head + self._group + self._suffix, rows)

    def insert_returning(self, connection: sa.Connection, rows: list[tuple]) -> list[tuple]:
        """Insert bound rows as multi-row VALUES (one statement per 30,000 parameters) and return
        what the suffix's RETURNING gives, as the driver gives it."""
        returned = []
        step = self._rows_per_statement
        for start in range(0, len(rows), step):
            chunk = rows[start:start + step]
            sql = self._head + ", ".join([self._group] * len(chunk)) + self._suffix
            returned += connection.exec_driver_sql(sql, tuple(v for row in chunk for v in row)).all()
        return returned


_built: dict[tuple, DriverInsert] = {}


def driver_insert(table: sa.Table, columns: Sequence[str], dialect, suffix: str = "") -> DriverInsert:
    """The DriverInsert of these columns (built once per table, columns, suffix and dialect)."""
    key = (table.name, tuple(columns), suffix, dialect)
    built = _built.get(key)
    if built is None:
        built = _built[key] = DriverInsert(table, columns, dialect, suffix)
    return built


def insert_rows(session, table: sa.Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in this session's transaction: on
    SQLite through the driver (above), elsewhere with Core's executemany."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        session.execute(table.insert(), rows)
        return
    inserter = driver_insert(table, tuple(rows[0]), dialect)
    inserter.insert_many(connection, [inserter.bind(row) for row in rows])
