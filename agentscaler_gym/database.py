"""Per-instance SQLite databases through peewee: seed snapshot, reset, atomic calls, change log.

Every env instance owns one in-memory SQLite connection. Domain models subclass :class:`Model`,
whose peewee database is a router: queries go to whichever instance is *active* in the current
thread or task (a ``ContextVar``), so many instances in one process, and instances in different
threads, never see each other's state, while tools stay plain peewee code.

A domain's seed database is built once per process (:class:`SeedDatabase`); a new
:class:`Database` is a page-by-page copy of it (SQLite's backup API) into a plain in-memory
database, whose commits cost microseconds (a deserialised image pays hundreds of microseconds per
commit once many of them are alive). Triggers copy the first prior version of every row a write
touches, rowid included, into a log table beside it (``_log_<table>``), so
:meth:`Database.changes` and :meth:`Database.reset` cost O(rows changed), not O(database size): a
reset puts the logged rows back instead of reloading the whole image, which keeps the
connection's schema, compiled statements and warm pages.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
import peewee as pw
from peewee import _ConnectionState

from .tools import WRITE, Tool, validate_arguments

_ACTIVE: contextvars.ContextVar[_ConnectionState | None] = contextvars.ContextVar("agentscaler_db", default=None)
_CLOSED = _ConnectionState()
_NO_DATABASE = "no active database: run tools through Database.run() or Database.active()"


class RoutedSqliteDatabase(pw.SqliteDatabase):
    """A peewee database whose connection is the active :class:`Database`'s, per thread and task."""

    @property
    def _state(self) -> _ConnectionState:
        return _ACTIVE.get() or _CLOSED

    @_state.setter
    def _state(self, value: Any) -> None:  # peewee assigns one in __init__; routing replaces it
        pass

    def _connect(self) -> sqlite3.Connection:
        raise pw.InterfaceError(_NO_DATABASE)


ROUTER = RoutedSqliteDatabase(":memory:")  # never connects by itself: see _connect


class Model(pw.Model):
    """Base class of every domain table.

    Besides the whole of peewee, it offers :meth:`find` (and :meth:`first`), :meth:`find_all` and
    :meth:`ordered`: equality lookups through statements compiled once per model, column set and
    order, and a :meth:`save` whose UPDATE is compiled once per model. Building SQL is most of a
    peewee query's cost (~50-100 us); these take a few microseconds, which is what tools on the hot
    path want. A field whose ``keeps_text`` is true keeps a column read this way as SQLite returns
    it, not through its ``python_value`` (a JSON column keeps its text, decoded on first access).
    """

    class Meta:
        database = ROUTER
        legacy_table_names = False

    @classmethod
    def find(cls, **equals: Any) -> Model | None:
        """The first row whose fields equal the given values (by primary key order), or None. Equal
        as SQL's ``=`` says: None equals nothing."""
        return cls.first(equals)

    @classmethod
    def first(cls, equals: Mapping[str, Any]) -> Model | None:
        """:meth:`find`, the values given as a mapping (what a helper passing them on already holds)."""
        found = cls._query(equals, " LIMIT 1").fetchone()
        return None if found is None else cls._row(found)

    @classmethod
    def find_all(cls, **equals: Any) -> list:
        """Every row whose fields equal the given values, in primary key order."""
        return cls._lookup(equals, "")

    @classmethod
    def ordered(cls, by: str, **equals: Any) -> list:
        """Every row whose fields equal the given values, ordered by the field ``by`` (in its
        collation), then by primary key."""
        return cls._lookup(equals, "", by)

    def save(self, force_insert: bool = False, only: Any = None) -> int:
        """Peewee's ``save``; an UPDATE of an existing row (or of its ``only`` fields) and an INSERT of
        a whole new row (``create``) are compiled once per model and column set."""
        pk = self._pk
        if force_insert or pk is None:
            return self._insert(pk) if only is None else super().save(force_insert=force_insert, only=only)
        cls = type(self)
        names = tuple(f if isinstance(f, str) else f.name for f in only) if only else None
        compiled = _UPDATES.get((cls, names))
        if compiled is None:
            compiled = _UPDATES[cls, names] = _compile_update(cls, names)
        sql, fields = compiled
        values = [f.db_value(self.__data__.get(f.name)) for f in fields]
        rows = _connection().execute(sql, values + [cls._meta.primary_key.db_value(pk)]).rowcount
        self._dirty.difference_update(f.name for f in fields)
        return rows

    def _insert(self, pk: Any) -> int:
        """Peewee's INSERT of ``save(force_insert=True)``: every field the row holds (less an
        auto-increment key not set yet), the new key read back. Peewee's own code handles the rest
        (an unsaved related row to save first, an empty row)."""
        cls, data, meta = type(self), self.__data__, self._meta
        auto = meta.auto_increment and pk is None
        if (pk is None and not auto) or any(data.get(name) is None for name in self.__rel__):
            return super().save(force_insert=True)
        names = tuple(f.name for f in meta.sorted_fields if f.name in data and not (auto and f is meta.primary_key))
        if not names or len(names) + auto < len(data):
            return super().save(force_insert=True)
        compiled = _INSERTS.get((cls, names))
        if compiled is None:
            compiled = _INSERTS[cls, names] = _compile_insert(cls, names)
        sql, fields = compiled
        with pw.__exception_wrapper__:  # peewee's errors, as its own insert raises (IntegrityError...)
            rowid = _connection().execute(sql, [f.db_value(data[f.name]) for f in fields]).lastrowid
        if auto:
            self._pk = rowid
            self._dirty.discard(meta.primary_key.name)
        self._dirty.difference_update(names)
        return 1

    @classmethod
    def _lookup(cls, equals: Mapping[str, Any], limit: str, by: str | None = None) -> list:
        return [cls._row(values) for values in cls._query(equals, limit, by)]

    @classmethod
    def _query(cls, equals: Mapping[str, Any], limit: str, by: str | None = None) -> sqlite3.Cursor:
        """The cursor of the compiled SELECT of the rows whose fields equal ``equals``."""
        key = (cls, tuple(equals), limit, by)
        compiled = _LOOKUPS.get(key)
        if compiled is None:
            compiled = _LOOKUPS[key] = _compile_lookup(cls, key[1], limit, by)
        sql, params = compiled
        state = _ACTIVE.get()  # _connection(), inline: a lookup is the hottest path a tool takes
        if state is None:
            raise pw.InterfaceError(_NO_DATABASE)
        values = []
        for name, to_db, as_is in params:  # a loop, not a comprehension: no frame of its own (Python 3.11)
            value = equals[name]
            values.append(value if type(value) is as_is else to_db(value))
        return state.conn.execute(sql, values)

    @classmethod
    def _row(cls, values: Sequence) -> Model:
        """A row of a compiled SELECT (every column, in field order) as a model instance: what
        peewee's ``__init__`` leaves, without its setattr per field (most of a lookup's cost)."""
        shape = _SHAPES.get(cls)
        if shape is None:
            shape = _SHAPES[cls] = _shape(cls)
        names, converters = shape
        data = dict(zip(names, values))
        for name, convert in converters:
            data[name] = convert(data[name])
        row = cls.__new__(cls)
        row.__data__, row._dirty, row.__rel__ = data, set(), {}
        return row


_LOOKUPS: dict[tuple, tuple[str, list[tuple[str, Callable, type | None]]]] = {}
_SHAPES: dict[type, tuple[list, list]] = {}
_TRANSACTION = object()  # on peewee's transaction stack while Database.run holds a transaction
_UPDATES: dict[tuple, tuple[str, list]] = {}
_INSERTS: dict[tuple, tuple[str, list]] = {}


def _connection() -> sqlite3.Connection:
    state = _ACTIVE.get()
    if state is None:
        raise pw.InterfaceError(_NO_DATABASE)
    return state.conn


def _compile_update(model: type[pw.Model], names: tuple[str, ...] | None) -> tuple[str, list]:
    meta = model._meta
    fields = [meta.fields[n] for n in names] if names else [f for f in meta.sorted_fields if f is not meta.primary_key]
    assignments = ", ".join(f"{_quote(f.column_name)} = ?" for f in fields)
    return (
        f"UPDATE {_quote(meta.table_name)} SET {assignments} WHERE {_quote(meta.primary_key.column_name)} = ?",
        fields,
    )


def _compile_insert(model: type[pw.Model], names: tuple[str, ...]) -> tuple[str, list]:
    meta = model._meta
    fields = [meta.fields[n] for n in names]
    columns = ", ".join(_quote(f.column_name) for f in fields)
    return f"INSERT INTO {_quote(meta.table_name)} ({columns}) VALUES ({', '.join('?' * len(fields))})", fields


def _compile_lookup(model: type[pw.Model], names: tuple[str, ...], limit: str, by: str | None) -> tuple[str, list]:
    """The SELECT of every column of ``model`` (in field order, as :meth:`Model._row` reads them)
    where ``names`` equal parameters, and for each parameter its conversion and the type it binds
    as is (:func:`_stored_type`)."""
    meta = model._meta
    unknown = [n for n in (*names, *([by] if by else [])) if n not in meta.fields]
    if unknown:
        raise AttributeError(f"{model.__name__} has no field(s) {unknown}")
    fields = meta.sorted_fields
    columns = ", ".join(_quote(f.column_name) for f in fields)
    where = " AND ".join(f"{_quote(meta.fields[n].column_name)} = ?" for n in names) or "1"
    order = _quote(meta.primary_key.column_name)
    if by and meta.fields[by] is not meta.primary_key:
        order = f"{_quote(meta.fields[by].column_name)}, {order}"
    sql = f"SELECT {columns} FROM {_quote(meta.table_name)} WHERE {where} ORDER BY {order}{limit}"
    return sql, [(n, meta.fields[n].db_value, _stored_type(meta.fields[n])) for n in names]


def _shape(model: type[pw.Model]) -> tuple[list, list]:
    """The field names of ``model``'s columns in order, and the conversions a row read needs."""
    fields = model._meta.sorted_fields
    return [f.name for f in fields], [(f.name, f.python_value) for f in fields if not _as_stored(f)]


# Fields whose value SQLite returns already as peewee would make it, and the Python type whose values
# peewee's db_value leaves as they are (both conversions are no-ops). Exact types: a subclass may convert.
_AS_STORED = {
    pw.CharField: str,
    pw.TextField: str,
    pw.IntegerField: int,
    pw.AutoField: int,
    pw.BigIntegerField: int,
    pw.FloatField: float,
}


def _stored_type(field: pw.Field) -> type | None:
    """The type of the values ``field`` binds and reads as they are, or None."""
    if isinstance(field, pw.ForeignKeyField):
        field = field.rel_field
    return _AS_STORED.get(type(field))


def _as_stored(field: pw.Field) -> bool:
    # a field that keeps its text decodes it itself (JSONField)
    return _stored_type(field) is not None or getattr(field, "keeps_text", False)


_SCAN = json.JSONDecoder().scan_once  # raw_decode's C scanner, without its Python frame


def json_value(text: str) -> Any:
    """``json.loads(text)``, quicker on compact JSON (what the JSON columns hold): no whitespace to
    skip around the value. Anything else takes the long way."""
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError, TypeError):  # not JSON, or bytes: json.loads says which
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def row_values(text: str) -> list:
    """A row as SQLite's ``json_array`` writes it (:meth:`Database.changes`), as a list: read by
    orjson, in a third of the json module's time. Exact here: orjson reads an integer past 64 bits
    as a float, and SQLite holds none. What orjson refuses (an infinite real) the json module reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


Change = dict[tuple[str, Any], "str | None"]
"""``{(table, primary key): row after as JSON array text, or None if deleted}``."""


class SeedDatabase:
    """A domain's schema and initial rows, built once and kept as serialised bytes.

    Args:
        models: The domain's tables, in creation order (referenced tables first).
        rows: Rows per model, as dicts of field name to Python value.
    """

    def __init__(self, models: Sequence[type[pw.Model]], rows: Mapping[type[pw.Model], Sequence[Mapping]]):
        self.models = tuple(models)
        self.tables = {m._meta.table_name: m for m in self.models}
        for model in self.models:
            if model._meta.primary_key is False or isinstance(model._meta.primary_key, pw.CompositeKey):
                raise TypeError(f"{model.__name__}: change tracking needs a single-column primary key")
            _check_names(model)
        conn = _connect()
        state = _state_for(conn)
        token = _ACTIVE.set(state)
        try:
            ROUTER.create_tables(self.models)
            conn.execute("BEGIN")
            for model in self.models:
                _insert_rows(conn, model, rows.get(model, ()))
            conn.execute("COMMIT")
            for sql in _tracking_sql(self.models):  # one statement per call: a name can never add one
                conn.execute(sql)
        finally:
            _ACTIVE.reset(token)
        self._source = conn
        self._copying = threading.Lock()  # one backup at a time reads the shared source
        self._changes_sql = _changes_query(self.models)
        self.columns = {m._meta.table_name: [f.column_name for f in m._meta.sorted_fields] for m in self.models}
        """The column names of each table, in the order :meth:`Database.changes` gives a row's values."""

    def copy_into(self, conn: sqlite3.Connection) -> None:
        """Make ``conn``'s main database a copy of the seed."""
        with self._copying:
            self._source.backup(conn)


class Database:
    """One env instance's database: restore, run tools atomically, report changes.

    Args:
        seed: The domain's :class:`SeedDatabase`.
    """

    def __init__(self, seed: SeedDatabase):
        self.seed = seed
        self.conn = _connect()
        seed.copy_into(self.conn)
        self._state = _state_for(self.conn)
        self._changes: tuple[int, Change] | None = None
        self._clean = self.conn.total_changes  # the value at the last known seed state

    def reset(self) -> None:
        """Restore the seed state and empty the change log: logged rows are put back as they were
        (same values, same rowids), so every query answers as on a fresh copy. One statement."""
        if self.conn.total_changes == self._clean:
            return  # nothing written since the last reset (total_changes counts every row written)
        try:
            self.conn.execute(_RESET)
        except BaseException:
            self.seed.copy_into(self.conn)  # the whole image: slower, always exact
            raise
        finally:
            self._clean = self.conn.total_changes

    @contextmanager
    def active(self) -> Iterator[Database]:
        """Route :class:`Model` queries in this thread or task to this database."""
        token = _ACTIVE.set(self._state)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def run(self, tool: Tool, arguments: Any) -> Any:
        """Call a tool on this database. A write runs in one transaction: if it raises, nothing changed."""
        if not tool.accepts(arguments):
            arguments = validate_arguments(tool, arguments)  # raises, saying why (or accepts a rarer shape)
        token = _ACTIVE.set(self._state)
        try:
            if tool.kind != WRITE:
                return tool.fn(**arguments)
            # One transaction, begun and ended here (peewee's atomic() costs as much as the SQL of a
            # small write); the marker makes an atomic() inside a tool a savepoint within it.
            transactions = self._state.transactions
            self.conn.execute("BEGIN")
            transactions.append(_TRANSACTION)
            try:
                result = tool.fn(**arguments)
            except BaseException:
                transactions.pop()
                self.conn.execute("ROLLBACK")
                raise
            transactions.pop()
            self.conn.execute("COMMIT")
            return result
        finally:
            _ACTIVE.reset(token)

    def changes(self) -> Change:
        """Rows whose content differs from the seed: ``{(table, pk): row JSON or None}``."""
        version = self.conn.total_changes  # grows with every row written, so it keys a cache
        if version == self._clean:
            return {}
        if self._changes is None or self._changes[0] != version:
            self._changes = (
                version,
                {
                    (table, pk): after
                    for table, pk, before, after in self.conn.execute(self.seed._changes_sql)
                    if before != after
                },
            )
        return dict(self._changes[1])

    def digest(self) -> str:
        """SHA-256 of the full canonical content (every table, rows by primary key). O(database size)."""
        h = hashlib.sha256()
        for model in sorted(self.seed.models, key=lambda m: m._meta.table_name):
            table, pk = model._meta.table_name, model._meta.primary_key.column_name
            h.update(table.encode())
            for row in self.conn.execute(f"SELECT * FROM {_quote(table)} ORDER BY {_quote(pk)}"):
                h.update(repr(row).encode())
        return h.hexdigest()

    def close(self) -> None:
        self.conn.close()


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    ROUTER._add_conn_hooks(conn)
    return conn


def _state_for(conn: sqlite3.Connection) -> _ConnectionState:
    state = _ConnectionState()
    state.set_connection(conn)
    return state


def _insert_rows(conn: sqlite3.Connection, model: type[pw.Model], rows: Sequence[Mapping]) -> None:
    if not rows:
        return
    fields = model._meta.sorted_fields
    names = [f.name for f in fields]
    unknown = set().union(*(r.keys() for r in rows)) - set(names)
    if unknown:
        raise ValueError(f"{model.__name__}: unknown field(s) {sorted(unknown)}")
    columns = ", ".join(_quote(f.column_name) for f in fields)
    sql = f"INSERT INTO {_quote(model._meta.table_name)} ({columns}) VALUES ({', '.join('?' * len(fields))})"
    defaults = [f.default() if callable(f.default) else f.default for f in fields]
    conn.executemany(
        sql,
        ([f.db_value(row.get(n, d)) for f, n, d in zip(fields, names, defaults)] for row in rows),
    )


# Deleting from this view restores every touched table inside SQLite: one statement, one transaction.
_RESET_VIEW = "_reset"
_RESET = f'DELETE FROM "{_RESET_VIEW}"'


def _quote(name: str) -> str:
    """An SQL identifier. Table and column names are data (a synthesized domain's), never SQL."""
    return '"' + name.replace('"', '""') + '"'


def _check_names(model: type[pw.Model]) -> None:
    """Refuse names peewee cannot quote (it writes them between double quotes as they are) and
    names the change tracking uses."""
    table = model._meta.table_name
    for name in (table, *(f.column_name for f in model._meta.sorted_fields)):
        if not isinstance(name, str) or not name or '"' in name or "\0" in name:
            raise ValueError(f"{model.__name__}: {name!r} is not a usable table or column name")
    if table == _RESET_VIEW or table.startswith("_log_") or table.lower().startswith("sqlite_"):
        raise ValueError(f"{model.__name__}: the table name {table!r} is reserved")


def _log(model: type[pw.Model]) -> str:
    return _quote(f"_log_{model._meta.table_name}")


def _trigger(model: type[pw.Model], event: str) -> str:
    return _quote(f"_{model._meta.table_name}_{event}")


def _rowid(model: type[pw.Model]) -> bool:
    return not getattr(model._meta, "without_rowid", False)


def _tracking_sql(models: Sequence[type[pw.Model]]) -> list[str]:
    """A log table and three triggers per table. ``_log_key`` is the primary key a write touched;
    ``_log_before`` says whether the row existed before the first such write, and if so the
    remaining columns (and ``_log_rowid``) hold that first version."""
    statements = []
    for model in models:
        table, log = _quote(model._meta.table_name), _log(model)
        pk = _quote(model._meta.primary_key.column_name)
        columns = [_quote(f.column_name) for f in model._meta.sorted_fields]
        rowid = ['"_log_rowid"'] if _rowid(model) else []
        keep = f'INSERT OR IGNORE INTO {log} ("_log_key", "_log_before", {", ".join(rowid + columns)}) VALUES '
        old = f"(OLD.{pk}, 1, {', '.join((['OLD.rowid'] if rowid else []) + ['OLD.' + c for c in columns])});"
        new = f'INSERT OR IGNORE INTO {log} ("_log_key", "_log_before") VALUES (NEW.{pk}, 0);'
        statements += [
            f'CREATE TABLE {log} ("_log_key" PRIMARY KEY, "_log_before" INTEGER NOT NULL, {", ".join(rowid + columns)})',
            f"CREATE TRIGGER {_trigger(model, 'ins')} AFTER INSERT ON {table} BEGIN {new} END",
            f"CREATE TRIGGER {_trigger(model, 'upd')} AFTER UPDATE ON {table} BEGIN {keep}{old} {new} END",
            f"CREATE TRIGGER {_trigger(model, 'del')} AFTER DELETE ON {table} BEGIN {keep}{old} END",
        ]
    statements.append(f'CREATE VIEW "{_RESET_VIEW}" AS SELECT 1')
    for model in models:
        restore = " ".join(f"{sql};" for sql in _restore_sql(model))
        statements.append(
            f'CREATE TRIGGER {_trigger(model, "reset")} INSTEAD OF DELETE ON "{_RESET_VIEW}" '
            f"WHEN EXISTS (SELECT 1 FROM {_log(model)}) BEGIN {restore} END"
        )
    return statements


def _restore_sql(model: type[pw.Model]) -> tuple[str, str, str]:
    """Put a table's logged rows back: drop every touched key, re-insert the first versions, clear
    the log. (The triggers fire meanwhile but only ever ignore keys the log already holds.)"""
    table, log = _quote(model._meta.table_name), _log(model)
    pk = _quote(model._meta.primary_key.column_name)
    columns = ", ".join(_quote(f.column_name) for f in model._meta.sorted_fields)
    target, source = ("rowid, " + columns, '"_log_rowid", ' + columns) if _rowid(model) else (columns, columns)
    return (
        f'DELETE FROM {table} WHERE {pk} IN (SELECT "_log_key" FROM {log})',
        f'INSERT INTO {table} ({target}) SELECT {source} FROM {log} WHERE "_log_before" ORDER BY "_log_key"',
        f"DELETE FROM {log}",
    )


def _json_row(model: type[pw.Model], alias: str) -> str:
    return "json_array(" + ", ".join(f"{alias}.{_quote(f.column_name)}" for f in model._meta.sorted_fields) + ")"


def _changes_query(models: Sequence[type[pw.Model]]) -> str:
    parts = []
    for model in models:
        table = model._meta.table_name
        pk = _quote(model._meta.primary_key.column_name)
        name = "'" + table.replace("'", "''") + "'"  # the table's name as an SQL string
        before = f'CASE WHEN l."_log_before" THEN {_json_row(model, "l")} END'
        after = f'(SELECT {_json_row(model, "t")} FROM {_quote(table)} AS t WHERE t.{pk} = l."_log_key")'
        parts.append(f'SELECT {name}, l."_log_key", {before}, {after} FROM {_log(model)} AS l')
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2"
