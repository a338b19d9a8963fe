"""The domain spec: :class:`DomainSpec`, the one owner of the ``domain.json`` format, and the checks
a folder passes before anything runs.

The synthesis stages build the spec's parts (:class:`EntitySpec` with its :class:`ColumnSpec` list,
:class:`ToolSpec` with its :class:`OperatorSpec`, the :class:`SeedData` block) and read them as
attributes; :meth:`DomainSpec.to_json` is the only place that writes the format and
:meth:`DomainSpec.from_json` (or :meth:`DomainSpec.read` for a file) the only place that reads it;
the parts' own ``from_json`` trust their value, which :meth:`DomainSpec.from_json` has checked.
Tools' parameter schemas and the rules an operator states stay JSON schema dicts.

A folder is data from anywhere (a synthesis run, a download, a hand edit), so it is read as
untrusted input: :meth:`DomainSpec.from_json` runs :func:`check_spec` first. Every name that
reaches SQL (entities, columns) matches :data:`IDENTIFIER` and is not a peewee attribute; every
operator, role, type and reference is one the runtime knows; every count is capped
(:data:`MAX_ROWS` seed rows per table, :data:`MAX_CELLS` seed values in all); the stored seed rows
fit their columns' types, with distinct keys and foreign keys naming existing rows; tools'
parameter schemas use only what the argument validator reads; every gold call names a tool of the
domain with arguments that fit its schema. The first violation raises :class:`FolderError` naming
the file, the field (``entities[2].columns[0].name``) and the cause. docs/synthesis.md lists the rules.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee as pw

from ..tasks import ASSISTANT
from ..tools import Tool, ToolError, validate_arguments

FORMAT = 2  # 2: the seed rows are stored (data.tables) rather than generated at load
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,63}")  # entity, column and domain names: what may reach SQL
TOOL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
PARAMETER = re.compile(r"[^\x00-\x1f\x7f]{1,128}")  # a JSON key the agent sends; never SQL
KEY_PREFIX = re.compile(r"[A-Za-z0-9_-]{0,16}")
SPLIT = re.compile(r"[a-z][a-z0-9_]{0,31}")
OPERATORS = ("get", "list", "create", "update", "delete", "transition", "compute", "login")
NEEDS_KEY = ("get", "update", "delete", "transition")
WRITES = ("create", "update", "delete", "transition", "login")
ROLES = ("key", "value", "min", "max", "limit", "ignored")
COLUMN_ROLES = ("key", "value", "min", "max")  # roles whose column must exist
COLUMN_TYPES = ("string", "integer", "number", "boolean", "json")
SCHEMA_TYPES = ("string", "integer", "number", "boolean", "array", "object")
MAX_FILE_BYTES = 64 * 2**20
MAX_ROWS = 10_000
MAX_CELLS = 1_000_000
MAX_ENTITIES = 64
MAX_COLUMNS = 64
MAX_TOOLS = 256
MAX_PARAMETERS = 128
MAX_ENUM = 256
MAX_TASKS = 100_000
MAX_SCHEMA_DEPTH = 8
MAX_SEED = 2**63
RESERVED_COLUMNS = frozenset(dir(pw.Model)) | {"id", "meta", "self", "cls"}


class FolderError(ValueError):
    """A domain folder the runtime refuses: ``file``, ``field`` (a path into the JSON) and the cause."""

    def __init__(self, file: str | Path, field: str, cause: str):
        self.file, self.field, self.cause = str(file), field, cause
        super().__init__(f"{self.file}: {field}: {cause}" if field else f"{self.file}: {cause}")


def read_json(file: Path) -> Any:
    """The JSON value in ``file``; a missing, oversized, undecodable or malformed file is a :class:`FolderError`."""
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise FolderError(file, "", "missing (a domain folder holds domain.json and tasks.json)") from None
    if size > MAX_FILE_BYTES:
        raise FolderError(file, "", f"{size:,} bytes, more than the {MAX_FILE_BYTES:,} a domain file may have")
    try:
        return json.loads(file.read_bytes().decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise FolderError(file, "", f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FolderError(file, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:
        raise FolderError(file, "", f"not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# ---------------------------------------------------------------------------------------------
# The domain spec


@dataclass(frozen=True)
class ColumnSpec:
    """A column of an entity's table: its JSON type (:data:`COLUMN_TYPES`) and what the stages know of it."""

    name: str
    type: str
    enum: list | None = None
    references: str | None = None  # the entity a foreign key names
    unique: bool = False
    description: str = ""
    initial: Any = None  # value of a new row when a create does not set it
    rules: dict = field(default_factory=dict)  # range, length, pattern and format rules its tools state

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.rules:
            d["rules"] = dict(sorted(self.rules.items()))
        if self.initial is not None:
            d["initial"] = self.initial
        if self.enum:
            d["enum"] = self.enum
        if self.references:
            d["references"] = self.references
        if self.unique:
            d["unique"] = True
        if self.description:
            d["description"] = self.description
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> ColumnSpec:
        return cls(
            d["name"],
            d["type"],
            d.get("enum"),
            d.get("references"),
            d.get("unique", False),
            d.get("description", ""),
            d.get("initial"),
            d.get("rules") or {},
        )


@dataclass(frozen=True)
class EntitySpec:
    """A table: its name, key column, columns (key first), whether it has seed rows, and the prefix of string keys."""

    name: str
    key: str
    columns: tuple[ColumnSpec, ...]
    seeded: bool = True  # False: the table starts empty (sessions)
    prefix: str | None = None  # how string keys start (``PET-``); None for integer keys

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "key": self.key, "columns": [c.to_json() for c in self.columns]}
        if not self.seeded:
            d["seed"] = False
        if self.prefix is not None:
            d["prefix"] = self.prefix
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> EntitySpec:
        columns = tuple(ColumnSpec.from_json(c) for c in d["columns"])
        return cls(d["name"], d["key"], columns, d.get("seed", True) is not False, d.get("prefix"))


@dataclass(frozen=True)
class Transition:
    """A status change: ``column`` becomes ``to`` from one of ``start`` (None: from any state but a final one)."""

    column: str
    to: str
    start: list[str] | None = None
    verb: str = ""

    def to_json(self) -> dict:
        return {"column": self.column, "to": self.to, "from": self.start, "verb": self.verb}

    @classmethod
    def from_json(cls, d: Mapping) -> Transition:
        return cls(d["column"], d["to"], d.get("from"), d.get("verb", ""))


@dataclass(frozen=True)
class OperatorSpec:
    """How a tool runs (:data:`OPERATORS`); ``args`` binds each parameter as ``[role, column]`` (a
    computation's: ``[role, argument]``). A computation names ``function`` and ``scale``; the others
    name their ``entity``, and may state ``rules`` per parameter, a ``transition`` and the ``session``
    table they need (a login: the one it opens)."""

    op: str
    args: dict[str, list]
    entity: str = ""
    rules: dict[str, dict] = field(default_factory=dict)
    transition: Transition | None = None
    session: str | None = None
    function: str = ""
    scale: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        if self.op == "compute":
            return {"op": self.op, "function": self.function, "args": self.args, "scale": self.scale}
        d: dict[str, Any] = {"op": self.op, "entity": self.entity, "args": self.args}
        if self.rules:
            d["rules"] = self.rules
        if self.transition is not None:
            d["transition"] = self.transition.to_json()
        if self.session is not None:
            d["session"] = self.session
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> OperatorSpec:
        transition = d.get("transition")
        return cls(
            d["op"],
            d["args"],
            d.get("entity", ""),
            d.get("rules") or {},
            Transition.from_json(transition) if transition is not None else None,
            d.get("session"),
            d.get("function", ""),
            d.get("scale") or {},
        )


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the agent sees it (name, description, JSON schema of its parameters), its kind and its operator."""

    name: str
    description: str
    kind: str  # "read" or "write", as the operator says
    parameters: dict  # a JSON schema object, as the agent reads it
    operator: OperatorSpec

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "parameters": self.parameters,
            "operator": self.operator.to_json(),
        }

    @classmethod
    def from_json(cls, d: Mapping) -> ToolSpec:
        return cls(d["name"], d["description"], d["kind"], d["parameters"], OperatorSpec.from_json(d["operator"]))


@dataclass(frozen=True)
class SeedData:
    """The seed the rows came from, rows per table, the domain's current date and the rows themselves:
    per entity, one array per row in the order of its columns (None in a spec made without them: the
    rows are then generated from ``seed`` when a domain is built)."""

    seed: int
    rows: int
    today: str  # YYYY-MM-DD
    tables: dict[str, list[list]] | None = None

    def to_json(self) -> dict:
        d: dict[str, Any] = {"seed": self.seed, "rows": self.rows, "today": self.today}
        if self.tables is not None:
            d["tables"] = self.tables
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> SeedData:
        return cls(d["seed"], d["rows"], d["today"], d.get("tables"))


@dataclass(frozen=True)
class DomainSpec:
    """A synthesized domain as data: what ``domain.json`` holds (docs/synthesis.md lists the parts).

    Built by the synthesis stages, read by them, by the runtime (:func:`.folder.build_domain`) and
    by the measures; written by :meth:`write` and read by :meth:`read`, which refuses what
    :func:`check_spec` refuses. ``source`` lists the corpus files the tools came from and ``groups``
    their source groups (API titles, themes, function families).
    """

    name: str
    title: str
    description: str
    policy: str
    data: SeedData
    entities: tuple[EntitySpec, ...]
    tools: tuple[ToolSpec, ...]
    source: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The JSON value of ``domain.json`` (parameter schemas, rules and seed rows are shared, not copied)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "policy": self.policy,
            "data": self.data.to_json(),
            "entities": [e.to_json() for e in self.entities],
            "tools": [t.to_json() for t in self.tools],
            "source": list(self.source),
            "groups": list(self.groups),
        }

    @classmethod
    def from_json(cls, value: Any, file: str | Path = "domain.json") -> DomainSpec:
        """The spec a JSON value holds; :class:`FolderError` (naming ``file``) for one :func:`check_spec` refuses."""
        check_spec(value, file)
        return cls(
            value["name"],
            value["title"],
            value["description"],
            value["policy"],
            SeedData.from_json(value["data"]),
            tuple(EntitySpec.from_json(e) for e in value["entities"]),
            tuple(ToolSpec.from_json(t) for t in value["tools"]),
            tuple(value.get("source", ())),
            tuple(value.get("groups", ())),
        )

    @classmethod
    def read(cls, file: str | Path) -> DomainSpec:
        """The spec stored in ``file`` (a ``domain.json``), checked."""
        return cls.from_json(read_json(Path(file)), file)

    def write(self, file: str | Path) -> None:
        """Store the spec in ``file`` as canonical JSON (:func:`dumps`): the same spec, the same bytes."""
        Path(file).write_text(dumps(self.to_json()), encoding="utf-8")


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, one-space indent, UTF-8, trailing newline."""
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# domain.json


def check_spec(spec: Any, file: str | Path = "domain.json") -> None:
    """Raise :class:`FolderError` at the first thing in a domain spec the runtime must not run."""
    at = _At(file)
    at.mapping(spec, "")
    if spec.get("format") != FORMAT:
        at.fail("format", f"unsupported domain format {spec.get('format')!r} (expected {FORMAT})")
    at.name(spec.get("name"), "name", IDENTIFIER)
    for key in ("title", "description", "policy"):
        at.text(spec.get(key), key)
    data = at.mapping(spec.get("data"), "data")
    at.integer(data.get("seed"), "data.seed", -MAX_SEED, MAX_SEED)
    rows = at.integer(data.get("rows"), "data.rows", 1, MAX_ROWS)
    entities = at.sequence(spec.get("entities"), "entities", 0, MAX_ENTITIES)  # none: computations only
    by_name: dict[str, Mapping] = {}
    for i, entity in enumerate(entities):
        name = _check_entity(at, entity, f"entities[{i}]")
        if name in by_name:
            at.fail(f"entities[{i}].name", f"entity {name!r} is defined twice")
        by_name[name] = entity
    for i, entity in enumerate(entities):
        _check_references(at, entity, by_name, f"entities[{i}]")
    cells = rows * sum(len(e["columns"]) for e in entities)
    if cells > MAX_CELLS:
        at.fail("data.rows", f"{rows} rows per table make {cells:,} seed values, more than {MAX_CELLS:,}")
    _check_today(at, data.get("today"))
    _check_tables(at, at.mapping(data.get("tables"), "data.tables"), entities, rows)
    tools = at.sequence(spec.get("tools"), "tools", 0, MAX_TOOLS)
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        name = _check_tool(at, tool, by_name, f"tools[{i}]")
        if name in seen:
            at.fail(f"tools[{i}].name", f"tool {name!r} is defined twice")
        seen.add(name)
    for key in ("source", "groups"):
        for i, text in enumerate(at.sequence(spec.get(key, []), key, 0, 10_000)):
            at.text(text, f"{key}[{i}]")


def _check_entity(at: _At, entity: Any, where: str) -> str:
    at.mapping(entity, where)
    name = at.name(entity.get("name"), f"{where}.name", IDENTIFIER)
    if name.startswith("sqlite_"):
        at.fail(f"{where}.name", f"{name!r}: names starting with sqlite_ are SQLite's own")
    columns = at.sequence(entity.get("columns"), f"{where}.columns", 1, MAX_COLUMNS)
    names: set[str] = set()
    for j, column in enumerate(columns):
        here = f"{where}.columns[{j}]"
        at.mapping(column, here)
        cname = at.name(column.get("name"), f"{here}.name", IDENTIFIER)
        if cname in RESERVED_COLUMNS:
            at.fail(f"{here}.name", f"{cname!r} is an attribute of every model and cannot be a column")
        if cname in names:
            at.fail(f"{here}.name", f"column {cname!r} is defined twice")
        names.add(cname)
        kind = at.choice(column.get("type"), f"{here}.type", COLUMN_TYPES)
        if "enum" in column:
            for k, value in enumerate(at.sequence(column["enum"], f"{here}.enum", 1, MAX_ENUM)):
                at.scalar(value, kind, f"{here}.enum[{k}]")
        if column.get("initial") is not None:
            at.scalar(column["initial"], kind, f"{here}.initial")
        if not isinstance(column.get("unique", False), bool):
            at.fail(f"{here}.unique", "must be true or false")
        at.text(column.get("description", ""), f"{here}.description")
        if "rules" in column:
            _check_rules(at, at.mapping(column["rules"], f"{here}.rules"), f"{here}.rules")
    key = entity.get("key")
    if not isinstance(key, str) or key not in names:
        at.fail(f"{where}.key", f"{key!r} is not a column of {name!r}")
    key_type = next(c["type"] for c in columns if c["name"] == key)
    if key_type not in ("string", "integer"):
        at.fail(f"{where}.key", f"the key {key!r} must be a string or integer column, not {key_type}")
    if "prefix" in entity:
        at.name(entity["prefix"], f"{where}.prefix", KEY_PREFIX)
    if not isinstance(entity.get("seed", True), bool):
        at.fail(f"{where}.seed", "must be true or false")
    return name


def _check_references(at: _At, entity: Mapping, by_name: Mapping[str, Mapping], where: str) -> None:
    for j, column in enumerate(entity["columns"]):
        parent = column.get("references")
        if parent is None:
            continue
        here = f"{where}.columns[{j}].references"
        if not isinstance(parent, str) or parent not in by_name:
            at.fail(here, f"{parent!r} is not an entity of the domain")
        target = by_name[parent]
        key_type = next(c["type"] for c in target["columns"] if c["name"] == target["key"])
        if column["type"] != key_type:
            at.fail(here, f"a {column['type']} column cannot refer to the {key_type} key of {parent!r}")


def _check_today(at: _At, today: Any) -> None:
    try:
        dt.date.fromisoformat(at.text(today, "data.today"))
    except ValueError:
        at.fail("data.today", f"{_short(today)} is not a date (YYYY-MM-DD)")


def _check_tables(at: _At, tables: Mapping, entities: list, rows: int) -> None:
    """The stored seed rows: ``rows`` arrays per entity, one value per column that fits its type, keys
    present and distinct, foreign keys naming a row of the parent table."""
    names = [e["name"] for e in entities]
    for name in tables:
        if name not in names:
            at.fail(f"data.tables.{_short(name)}", "is not an entity of the domain")
    keys: dict[str, set] = {}
    for entity in entities:
        here = f"data.tables.{entity['name']}"
        if entity["name"] not in tables:
            at.fail(here, "missing (every entity has its seed rows)")
        columns = entity["columns"]
        fits = [_FITS[c["type"]] for c in columns]
        key = next(j for j, c in enumerate(columns) if c["name"] == entity["key"])
        seen = keys[entity["name"]] = set()
        count = 0 if entity.get("seed", True) is False else rows  # a session table starts empty
        for i, row in enumerate(at.sequence(tables[entity["name"]], here, count, count)):
            if not isinstance(row, list) or len(row) != len(columns):
                at.fail(f"{here}[{i}]", f"must be an array of {len(columns)} values, one per column")
            for j, value in enumerate(row):
                if not (fits[j](value) or value is None and j != key):
                    at.fail(f"{here}[{i}][{j}]", f"{_short(value)} does not fit the {columns[j]['type']} column")
            if row[key] in seen:
                at.fail(f"{here}[{i}][{key}]", f"key {_short(row[key])} appears twice")
            seen.add(row[key])
    for entity in entities:
        for j, column in enumerate(entity["columns"]):
            parent = column.get("references")
            for i, row in enumerate(tables[entity["name"]] if parent else ()):
                if row[j] is not None and row[j] not in keys[parent]:
                    at.fail(f"data.tables.{entity['name']}[{i}][{j}]", f"{_short(row[j])} is not a key of {parent!r}")


def _check_tool(at: _At, tool: Any, entities: Mapping[str, Mapping], where: str) -> str:
    at.mapping(tool, where)
    name = at.name(tool.get("name"), f"{where}.name", TOOL_NAME)
    at.text(tool.get("description"), f"{where}.description")
    parameters = at.mapping(tool.get("parameters"), f"{where}.parameters")
    if parameters.get("type") != "object":
        at.fail(f"{where}.parameters.type", "must be 'object'")
    properties = at.mapping(parameters.get("properties"), f"{where}.parameters.properties")
    if len(properties) > MAX_PARAMETERS:
        at.fail(f"{where}.parameters.properties", f"{len(properties)} parameters, more than {MAX_PARAMETERS}")
    for pname, schema in properties.items():
        at.name(pname, f"{where}.parameters.properties", PARAMETER)
        _check_schema(at, schema, f"{where}.parameters.properties.{pname}", 0)
    for k, required in enumerate(at.sequence(parameters.get("required", []), f"{where}.parameters.required")):
        if not isinstance(required, str) or required not in properties:
            at.fail(f"{where}.parameters.required[{k}]", f"{required!r} is not a parameter")
    op = at.mapping(tool.get("operator"), f"{where}.operator")
    kind = at.choice(op.get("op"), f"{where}.operator.op", OPERATORS)
    expected = "write" if kind in WRITES else "read"
    if tool.get("kind") != expected:
        at.fail(f"{where}.kind", f"a {kind} operator is a {expected}, not {tool.get('kind')!r}")
    if kind == "compute":
        _check_compute(at, op, properties, f"{where}.operator")
        return name
    entity_name = op.get("entity")
    if not isinstance(entity_name, str) or entity_name not in entities:
        at.fail(f"{where}.operator.entity", f"{entity_name!r} is not an entity of the domain")
    columns = {c["name"]: c for c in entities[entity_name]["columns"]}
    roles = []
    for here, binding in _bindings(at, op, properties, f"{where}.operator", "column"):
        role = at.choice(binding[0], f"{here}[0]", ROLES)
        column = at.name(binding[1], f"{here}[1]", IDENTIFIER)
        if role in COLUMN_ROLES and column not in columns:
            at.fail(f"{here}[1]", f"{column!r} is not a column of {entity_name!r}")
        roles.append(role)
    if kind in NEEDS_KEY and "key" not in roles:
        at.fail(f"{where}.operator.args", f"a {kind} operator needs an argument with the key role")
    if kind == "transition":
        _check_transition(at, op.get("transition"), columns, f"{where}.operator.transition")
    if kind == "login" and "session" not in op:
        at.fail(f"{where}.operator.session", "a login operator names the session table it opens")
    if "session" in op:
        _check_session(at, op["session"], entity_name, entities, f"{where}.operator.session")
    for pname, rules in at.mapping(op.get("rules", {}), f"{where}.operator.rules").items():
        if pname not in properties:
            at.fail(f"{where}.operator.rules.{pname}", f"{pname!r} is not a parameter of the tool")
        _check_rules(at, at.mapping(rules, f"{where}.operator.rules.{pname}"), f"{where}.operator.rules.{pname}")
    return name


def _bindings(at: _At, op: Mapping, properties: Mapping, where: str, target: str):
    """An operator's ``args``: each a parameter of the tool bound as ``[role, target]``; yields (field, binding)."""
    for pname, binding in at.mapping(op.get("args"), f"{where}.args").items():
        here = f"{where}.args.{pname}"
        if pname not in properties:
            at.fail(here, f"{pname!r} is not a parameter of the tool")
        if not isinstance(binding, list) or len(binding) != 2:
            at.fail(here, f"must be [role, {target}]")
        yield here, binding


def _check_compute(at: _At, op: Mapping, properties: Mapping, where: str) -> None:
    """A computation names a function of the library and binds each of its arguments to one parameter."""
    from .compute import LIBRARY, OPTIONAL_ARGS

    function = op.get("function")
    if not isinstance(function, str) or function not in LIBRARY:
        at.fail(f"{where}.function", f"{_short(function)} is not a function of the computation library")
    names = {a.name for a in LIBRARY[function].args}
    bound: set[str] = set()
    for here, binding in _bindings(at, op, properties, where, "argument"):
        role = at.choice(binding[0], f"{here}[0]", ("input", "digits"))
        if role == "input":
            if binding[1] not in names or binding[1] in bound:
                at.fail(f"{here}[1]", f"{_short(binding[1])} is not an unbound argument of {function}")
            bound.add(binding[1])
    missing = sorted(names - bound - OPTIONAL_ARGS)
    if missing:
        at.fail(f"{where}.args", f"the arguments {', '.join(missing)} of {function} are not bound")
    for pname, factor in at.mapping(op.get("scale", {}), f"{where}.scale").items():
        if op["args"].get(pname, [None])[0] != "input":
            at.fail(f"{where}.scale.{pname}", f"{pname!r} is not an input of the computation")
        if not (isinstance(factor, (int, float)) and not isinstance(factor, bool) and 0 < factor < 1e6):
            at.fail(f"{where}.scale.{pname}", f"{_short(factor)} is not a positive factor")


def _check_session(at: _At, session: Any, entity: str, entities: Mapping[str, Mapping], where: str) -> None:
    """A session table starts empty, has an integer key and refers to the entity a login checks."""
    if not isinstance(session, str) or session not in entities:
        at.fail(where, f"{_short(session)} is not an entity of the domain")
    table = entities[session]
    key = next(c for c in table["columns"] if c["name"] == table["key"])
    if table.get("seed", True) is not False or key["type"] != "integer":
        at.fail(where, f"the session table {session!r} must start empty (seed false) with an integer key")
    if not any(c.get("references") for c in table["columns"]):
        at.fail(where, f"the session table {session!r} refers to no account")


def _check_transition(at: _At, rule: Any, columns: Mapping[str, Mapping], where: str) -> None:
    at.mapping(rule, where)
    column = rule.get("column")
    if not isinstance(column, str) or column not in columns or columns[column]["type"] != "string":
        at.fail(f"{where}.column", f"{column!r} is not a text column of the entity")
    at.text(rule.get("to"), f"{where}.to")
    if rule.get("from") is not None:
        for k, state in enumerate(at.sequence(rule["from"], f"{where}.from", 1, MAX_ENUM)):
            at.text(state, f"{where}.from[{k}]")
    at.text(rule.get("verb", ""), f"{where}.verb")


def _check_schema(at: _At, schema: Any, where: str, depth: int) -> None:
    """A parameter schema in what :func:`agentscaler_gym.tools.validate_arguments` understands."""
    at.mapping(schema, where)
    if depth > MAX_SCHEMA_DEPTH:
        at.fail(where, f"nested more than {MAX_SCHEMA_DEPTH} levels")
    if "type" in schema:
        at.choice(schema["type"], f"{where}.type", SCHEMA_TYPES)
    if "enum" in schema:
        for k, value in enumerate(at.sequence(schema["enum"], f"{where}.enum", 1, MAX_ENUM)):
            if not _is_scalar(value):
                at.fail(f"{where}.enum[{k}]", f"{_short(value)} is not a JSON scalar")
    if "nullable" in schema and not isinstance(schema["nullable"], bool):
        at.fail(f"{where}.nullable", "must be true or false")
    if "description" in schema:
        at.text(schema["description"], f"{where}.description")
    if "items" in schema:
        _check_schema(at, schema["items"], f"{where}.items", depth + 1)
    for k, option in enumerate(at.sequence(schema.get("anyOf", []), f"{where}.anyOf", 0, 16)):
        _check_schema(at, option, f"{where}.anyOf[{k}]", depth + 1)
    for pname, sub in at.mapping(schema.get("properties", {}), f"{where}.properties").items():
        _check_schema(at, sub, f"{where}.properties.{pname}", depth + 1)


def _check_rules(at: _At, rules: Mapping, where: str) -> None:
    """Range, length and pattern rules the tools check: finite bounds, whole lengths, a pattern that
    compiles and has no nested repeat (which could take exponential time on a short argument)."""
    from .schema import FORMATS, safe_pattern  # schema builds the spec's parts, so it imports this module

    for key in ("minimum", "maximum"):
        value = rules.get(key)
        if value is not None and not (_is_scalar(value) and isinstance(value, (int, float)) and math.isfinite(value)):
            at.fail(f"{where}.{key}", f"{_short(value)} is not a finite number")
    for key in ("minLength", "maxLength"):
        if key in rules:
            at.integer(rules[key], f"{where}.{key}", 0, 10**6)
    if "format" in rules:
        at.choice(rules["format"], f"{where}.format", FORMATS)
    if "pattern" in rules and not safe_pattern(rules["pattern"]):
        at.fail(
            f"{where}.pattern", f"{_short(rules['pattern'])} is not a short regular expression without nested repeats"
        )


# ---------------------------------------------------------------------------------------------
# tasks.json


def check_tasks(tasks: Any, tools: Mapping[str, Tool], file: str | Path = "tasks.json") -> None:
    """Raise :class:`FolderError` at the first task that is malformed or calls what the domain lacks."""
    at = _At(file)
    at.mapping(tasks, "")
    ids: set[str] = set()
    total = 0
    for split, items in tasks.items():
        at.name(split, "", SPLIT)
        total += len(at.sequence(items, split))
        if total > MAX_TASKS:
            at.fail(split, f"more than {MAX_TASKS:,} tasks")
        for i, task in enumerate(items):
            _check_task(at, task, tools, f"{split}[{i}]")
            if task["id"] in ids:
                at.fail(f"{split}[{i}].id", f"task {task['id']!r} appears twice")
            ids.add(task["id"])


def _check_task(at: _At, task: Any, tools: Mapping[str, Tool], where: str) -> None:
    at.mapping(task, where)
    at.text(task.get("id"), f"{where}.id")
    at.text(task.get("family"), f"{where}.family")
    scenario = at.mapping(task.get("scenario"), f"{where}.scenario")
    for key in scenario:
        if key not in ("opening", "instruction", "known", "persona"):
            at.fail(f"{where}.scenario.{key}", "is not a field of a scenario")
    for key in ("opening", "instruction"):
        at.text(scenario.get(key), f"{where}.scenario.{key}")
    at.text(scenario.get("persona", ""), f"{where}.scenario.persona")
    for topic, fact in at.mapping(scenario.get("known", {}), f"{where}.scenario.known").items():
        if not isinstance(fact, (str, int, float)) or isinstance(fact, bool):
            at.fail(f"{where}.scenario.known.{topic}", f"{_short(fact)} is not a text or number")
    for k, output in enumerate(at.sequence(task.get("outputs", []), f"{where}.outputs")):
        at.text(output, f"{where}.outputs[{k}]")
    if not isinstance(task.get("exact_match", False), bool):
        at.fail(f"{where}.exact_match", "must be true or false")
    for k, call in enumerate(at.sequence(task.get("gold_calls"), f"{where}.gold_calls", 1, 64)):
        here = f"{where}.gold_calls[{k}]"
        at.mapping(call, here)
        if call.get("actor", ASSISTANT) != ASSISTANT:
            at.fail(f"{here}.actor", "a synthesized domain has no user-side tools")
        if not isinstance(call.get("name"), str) or call["name"] not in tools:
            at.fail(f"{here}.name", f"{_short(call.get('name'))} is not a tool of the domain")
        try:
            validate_arguments(tools[call["name"]], call.get("arguments", {}))
        except ToolError as exc:
            at.fail(f"{here}.arguments", str(exc))


# ---------------------------------------------------------------------------------------------
# Small checks that raise with the file and the field


class _At:
    def __init__(self, file: str | Path):
        self.file = file

    def fail(self, field: str, cause: str):
        raise FolderError(self.file, field, cause)

    def mapping(self, value: Any, field: str) -> Mapping:
        if not isinstance(value, dict):
            self.fail(field, f"must be a JSON object, not {_short(value)}")
        return value

    def sequence(self, value: Any, field: str, least: int = 0, most: int = MAX_TASKS) -> list:
        if not isinstance(value, list):
            self.fail(field, f"must be a JSON array, not {_short(value)}")
        if not least <= len(value) <= most:
            self.fail(field, f"must hold {least} to {most:,} items, not {len(value):,}")
        return value

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            self.fail(field, f"must be text, not {_short(value)}")
        return value

    def name(self, value: Any, field: str, pattern: re.Pattern) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(field, f"{_short(value)} does not match {pattern.pattern}")
        return value

    def choice(self, value: Any, field: str, options: tuple) -> str:
        if value not in options or not isinstance(value, str):
            self.fail(field, f"{_short(value)} is not one of {', '.join(options)}")
        return value

    def integer(self, value: Any, field: str, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(field, f"must be an integer from {low:,} to {high:,}, not {_short(value)}")
        return value

    def scalar(self, value: Any, kind: str, field: str) -> None:
        if not _FITS[kind](value):
            self.fail(field, f"{_short(value)} does not fit a {kind} column")


_FITS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < MAX_SEED,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v),
    "boolean": lambda v: isinstance(v, bool),
    "json": lambda v: _is_scalar(v),
}


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, bool)) or (isinstance(value, int) and abs(value) < MAX_SEED)


def _finite(value: float) -> bool:
    return abs(value) < MAX_SEED if isinstance(value, int) else math.isfinite(value)


def _short(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_SEED:
        return "a huge integer"
    text = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    text = {"dict": "an object", "list": "an array"}.get(text, text)
    return text if len(text) <= 60 else text[:57] + "..."
