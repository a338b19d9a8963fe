"""Stage 4: every tool as an executable operator over its entity's table.

An operator is data (an :class:`~.spec.OperatorSpec`, the ``operator`` entry of a tool in ``domain.json``)::

    {"op": "transition", "entity": "order",
     "args": {"orderId": ["key", "order_id"], "reason": ["value", "reason"]},
     "transition": {"column": "status", "to": "cancelled", "from": ["pending", "processing"]}}

``op`` is one of ``get`` (one row by key), ``list`` (rows by equality and range filters), ``create``,
``update``, ``delete``, ``transition`` (a status change with preconditions), ``login`` (opens a
session) and ``select`` (makes a row the current one: ``cd`` into a directory). Each argument has a
role: ``key`` (finds the row, or supplies a new row's key), ``value`` (a column: a filter for
reads, a value for writes), ``min`` / ``max`` (range filters), ``limit``, or ``ignored``. A tool that
acts in the current record carries a ``scope`` (``{"table": "current_directory", "column":
"directory_id"}``): it reads, finds and creates rows only there.

:func:`operator_tool` turns an operator into an ordinary :class:`~agentscaler_gym.tools.Tool` whose
function runs parameterised peewee queries on the domain's models: nothing is generated or
``exec``'d. Reads only select; a write either changes the database or raises :class:`ToolError`
(an update that changes nothing, a transition from a state that does not allow it, a key that does
not exist, a foreign key to a missing row, a delete of a row others refer to).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import peewee as pw

from ..tools import READ, WRITE, Tool, ToolError
from . import compute
from .schema import (
    CONTROL,
    FORMAT_WORDS,
    LIMIT_PARAMS,
    SESSION,
    Scoped,
    ToolShape,
    column_type,
    in_format,
    login_entity,
    selection_table,
)
from .spec import EntitySpec, OperatorSpec, Scope, ToolSpec, Transition
from .words import (
    CREATE_VERBS,
    DELETE_VERBS,
    FINAL_STATES,
    GET_VERBS,
    MUTATING_VERBS,
    QUERY_WORDS,
    TRANSITIONS,
    UPDATE_VERBS,
    human,
    is_computation,
    mutating_verb,
    snake,
    verb_in,
    words,
)

WRITES = ("create", "update", "delete", "transition", "login", "select")
NATURAL_KEYS = {
    "name",
    "username",
    "email",
    "code",
    "slug",
    "handle",
    "symbol",
    "ticker",
    "title",
    "number",
    "sku",
    "isbn",
    "tag",
    "ref",
    "reference",
    "plate",
}
# Actions whose call, when it names no record it changes, is itself a record: a transfer, a payment.
ACTION_RECORDS = {
    "transfer": "transfer",
    "withdraw": "withdrawal",
    "deposit": "deposit",
    "fund": "funding",
    "pay": "payment",
    "charge": "charge",
    "refund": "refund",
    "debit": "debit",
    "credit": "credit",
    "topup": "topup",
}
# Target states by the word that names them: mark_order_shipped moves an order to "shipped".
STATE_WORDS = {to: verb for verb, (to, _) in TRANSITIONS.items()}
DEFAULT_LIMIT = 20


@dataclass
class Plan:
    """How one tool executes, before the schema exists: operator, entity and a role per parameter."""

    op: str
    entity: str
    roles: dict[str, tuple[str, str]]  # param -> (role, column)
    transition: dict | None = None
    binding: compute.Binding | None = None  # the library function a computation runs
    session: str | None = None  # the login tool whose session this tool needs
    scope: tuple[str, str, str] | None = None  # (table, selected entity, column): acts in the current record
    selector: str | None = None  # the tool that makes that record current

    @property
    def key(self) -> tuple[str, str] | None:
        return next(((p, c) for p, (r, c) in self.roles.items() if r == "key"), None)


def plan_tool(shape: ToolShape, entity: str) -> tuple[Plan | None, str | None]:
    """Classify a tool by its verb and bind its parameters to roles; ``(None, reason)`` if it cannot run.

    A computation (``divide``, ``calculate_bmi``) runs a function of :mod:`.compute` that its name
    and parameters match, or is not offered: a row lookup would answer it with a stored number, not
    its result. A tool named by a mutating verb is a write or is not offered."""
    if shape.login:
        return _login_plan(shape)
    binding, reason = compute.bind(
        shape.name,
        shape.description,
        {p.name: p.schema for p in shape.params},
        [p.name for p in shape.params if p.required],
    )
    if binding is not None:
        return Plan("compute", "", {}, binding=binding), None
    if is_computation(shape.name) or is_computation("_".join(shape.words)):  # a namespace's calculate_score
        return None, reason
    verb = _state_verb(shape) or shape.verb
    if shape.method == "GET" and (verb in MUTATING_VERBS or mutating_verb(shape.name, shape.description)):
        return None, "write verb on a GET operation"
    verb = _method_verb(shape, entity, verb)
    key = _key_param(shape, entity, creates=verb in CREATE_VERBS)
    if verb in TRANSITIONS and key:
        to, start = TRANSITIONS[verb]
        op = "transition"
        transition = {"column": "status", "to": to, "from": list(start) if start else None, "verb": verb}
    else:
        transition = None
        if verb in CREATE_VERBS:
            op = "create"
        elif verb in UPDATE_VERBS:
            op = "update"
        elif verb in DELETE_VERBS:
            op = "delete"
        elif key and (verb in GET_VERBS or (verb is None and shape.returns.get("type") == "object")):
            op = "get"  # a named lookup, or an unnamed one whose declared answer is one record
        else:
            op = "list"  # unknown verbs, searches, and lookups without a key read with filters
    if op in ("update", "transition", "list") and not key and verb in ACTION_RECORDS:
        # money that moves with no account named as the record changed (bank_account_transfer(from, to,
        # amount)): the movement itself is the record the call creates
        op, entity, transition = "create", ACTION_RECORDS[verb], None
    if op in ("update", "delete") and not key:
        return None, f"{op} without a key parameter"
    if op in ("get", "list") and mutating_verb(shape.name, shape.description):
        return None, "mutating verb without a record it changes"
    roles: dict[str, tuple[str, str]] = {}
    for p in shape.params:
        roles[p.name] = _role(p, op, entity, key)
    if op == "create" and key and key[1] == "natural":
        roles[key[0]] = ("value", shape.param(key[0]).column)
    if op == "update" and not any(r == "value" for r, _ in roles.values()):
        return None, "update with nothing to set"
    if op == "create" and not any(r in ("value", "key") for r, _ in roles.values()):
        return None, "create with no values"
    return Plan(op, entity, roles, transition), None


_WRITE_VERBS = CREATE_VERBS | UPDATE_VERBS | DELETE_VERBS | set(TRANSITIONS)


def _method_verb(shape: ToolShape, entity: str, verb: str | None) -> str | None:
    """The verb an HTTP method says when the name says none, or overrides: DELETE deletes; PUT and
    PATCH update; POST creates, or updates the record its own key names (``POST /pets/{petId}``)
    when it sets values; a POST named by a query verb (``searchPets``) reads."""
    method = shape.method
    if method == "DELETE":
        return "delete"
    if method == "GET":  # never a write: "generate_report", "new_releases" read what they name
        return None if verb in _WRITE_VERBS else verb
    found = verb_in(shape.words)
    if verb is not None or method not in ("POST", "PUT", "PATCH") or (found and found[1] in QUERY_WORDS):
        return verb
    if method in ("PUT", "PATCH"):
        return "update"
    key = _key_param(shape, entity)
    return "update" if key and key[1] == "id" and len(shape.params) > 1 else "create"


def _login_plan(shape: ToolShape) -> tuple[Plan | None, str | None]:
    """A login checks the credentials it is given against a row of the account it names (``user_id``:
    a user) or of ``account``, and opens a session."""
    entity = login_entity(shape)
    roles = {p.name: ("key", entity + "_id") if p.id_of == entity else ("value", p.column) for p in shape.params}
    if not roles:
        return None, "login without credentials"
    return Plan("login", entity, roles), None


def plan_in_scope(shape: ToolShape, entity: str, scopes: Mapping[str, Scoped]) -> tuple[Plan | None, str | None]:
    """:func:`plan_tool` for a tool that takes part in a selection (see :func:`.schema.selection_scopes`):
    a selector makes one record current; a tool that acts in the current record is planned on the
    record kind the selection decides, the parameter naming its record (``file_name``) read as that
    record's name, and keeps the selection's column in its plan (``touch`` creates its file there, ``ls``
    lists only what is there, ``cat`` finds a file only there). Other tools are planned as usual."""
    scoped = scopes.get(shape.name)
    if scoped is None:
        return plan_tool(shape, entity)
    if scoped.selects:
        return _select_plan(shape, scoped.selected)
    target = scoped.entity or entity
    renamed = shape
    if scoped.named and shape.param("name") is None:  # ``file_name`` of a file is the file's name
        params = [
            dataclasses.replace(p, name="name", column="name") if p.name == scoped.named else p for p in shape.params
        ]
        renamed = dataclasses.replace(shape, params=params)
    plan, reason = plan_tool(renamed, target)
    if plan is None:
        return None, reason
    if renamed is not shape:
        plan.roles = {(scoped.named if p == "name" else p): role for p, role in plan.roles.items()}
        if plan.op == "list" and plan.roles[scoped.named][0] == "key":  # "display the file": one record
            plan.op = "get"
            plan.roles = {p: r if p == scoped.named else ("ignored", r[1]) for p, r in plan.roles.items()}
    if scoped.itself:
        if plan.op == "list" and not plan.roles:
            plan.op = "get"  # "return the current directory": the current record itself
        column = target + "_id"
    else:
        column = f"parent_{target}_id" if target == scoped.selected else scoped.selected + "_id"
    plan.scope, plan.selector = (scoped.table, scoped.selected, column), scoped.selector
    return plan, None


def _select_plan(shape: ToolShape, entity: str) -> tuple[Plan | None, str | None]:
    """A selector finds one record by the argument naming it (its id, or its name: ``cd(folder)`` names a
    directory) and makes it the current one."""
    required = [p for p in shape.params if p.required] or shape.params
    p = required[0]
    if p.id_of == entity or snake(p.name) in (entity + "_id", "id"):
        column = entity + "_id"
    else:
        ws = words(p.name)
        column = p.column if ws and ws[-1] in NATURAL_KEYS else "name"
    roles = {q.name: ("key", column) if q is p else ("ignored", q.column) for q in shape.params}
    return Plan("select", entity, roles), None


def guard_sessions(shapes: list[ToolShape], plans: Mapping[str, Plan]) -> None:
    """Tools that come from the same API as a login tool (the same category, or every tool when the
    corpus names none) need its session: called before logging in, they answer an error. A tool that
    acts in a current record whose selector is not offered acts without one."""
    for s in shapes:
        if plans[s.name].selector is not None and plans[s.name].selector not in plans:
            plans[s.name].scope = plans[s.name].selector = None
    logins = {s.category: s.name for s in shapes if plans[s.name].op == "login"}
    for s in shapes:
        login = logins.get(s.category)
        if login is not None and plans[s.name].op not in ("login", "compute"):
            plans[s.name].session = login


def _state_verb(shape: ToolShape) -> str | None:
    """The transition a "mark"/"set"/"put" tool performs when its name says a state or a transition verb."""
    if shape.verb not in ("mark", "set", "put", "move", "change", "update", "flag") or shape.verb not in shape.words:
        return None  # a verb read from the description says no state
    for word in shape.words[shape.words.index(shape.verb) + 1 :]:
        if word in TRANSITIONS:
            return word
        if word in STATE_WORDS:
            return STATE_WORDS[word]
    return None


def _key_param(shape: ToolShape, entity: str, creates: bool = False) -> tuple[str, str] | None:
    """``(param, "id")`` for the entity's id, ``(param, "natural")`` for a unique name-like key, else None.

    A create's key must be the entity's own id (``pet_id``); ``from_account_id`` there refers to another row."""
    for p in sorted(shape.params, key=lambda p: snake(p.name) != entity + "_id"):
        ws = words(p.name)
        if p.schema.get("type") not in ("string", "integer", "number"):
            continue
        own = snake(p.name) in (entity + "_id", entity + "id", "id")
        if own or (p.id_of == entity and not creates):
            return p.name, "id"
    for p in shape.params:
        ws = words(p.name)
        if p.required and p.schema.get("type") == "string" and ws and ws[-1] in NATURAL_KEYS and "enum" not in p.schema:
            if len(ws) == 1 or snake("_".join(ws[:-1])) == entity:
                return p.name, "natural"
    return None


def _role(p, op: str, entity: str, key: tuple[str, str] | None) -> tuple[str, str]:
    column = p.column
    if key and p.name == key[0]:
        return ("key", entity + "_id") if key[1] == "id" else ("key", column)
    if op in ("get", "delete"):
        return "ignored", column
    if p.id_of:
        return "value", column
    if column in LIMIT_PARAMS and op == "list" and p.schema.get("type") == "integer":
        return "limit", column
    if column in CONTROL:
        return "ignored", column
    ws = column.split("_")
    if op == "list" and len(ws) > 1 and p.schema.get("type") in ("integer", "number", "string"):
        for bound, marks in (("min", ("min", "minimum")), ("max", ("max", "maximum"))):
            if ws[0] in marks:
                return bound, "_".join(ws[1:])
            if ws[-1] in marks:
                return bound, "_".join(ws[:-1])
    if column_type(p.schema) == "json" and op == "list":
        return "ignored", column
    return "value", column


def tool_spec(shape: ToolShape, plan: Plan, entities: Mapping[str, Any]) -> ToolSpec:
    """The tool as data: name, description, JSON schema of its parameters, kind and operator."""
    if plan.binding is not None:
        b = plan.binding
        return ToolSpec(
            shape.name,
            b.description,
            READ,
            {"type": "object", "properties": b.properties, "required": b.required},
            OperatorSpec("compute", b.args, function=b.function, scale=b.scale),
        )
    entity = entities[plan.entity]
    args = {}
    for p in shape.params:
        role, column = plan.roles[p.name]
        if role == "key" and column == entity.key:
            pass
        elif role in ("value", "min", "max", "key") and column not in entity.columns:
            role = "ignored"
        args[p.name] = [role, column]
    properties = {p.name: _parameter_schema(p) for p in shape.params}
    required = [p.name for p in shape.params if p.required]
    rules = {p.name: p.rules for p in shape.params if p.rules}
    transition = Transition.from_json(plan.transition) if plan.transition else None
    description = shape.description or f"{plan.op.capitalize()} {human(plan.entity)} records."
    session = SESSION if plan.op == "login" or plan.session else None
    selection = selection_table(plan.entity) if plan.op == "select" else None
    if selection:
        description = f"{description.rstrip('.')}. The {human(plan.entity)} stays current for the calls that follow."
    scope = None
    if plan.scope:
        table, selected, column = plan.scope
        scope = Scope(table, column)
        where = (
            f"for the {human(selected)} logged in with"
            if table == SESSION
            else f"in the current {human(selected)}, which"
        )
        description = f"{description.rstrip('.')}. Acts {where} {plan.selector}{'' if table == SESSION else ' sets'}."
    if plan.session:
        description = f"{description.rstrip('.')}. Needs a logged-in session: call {plan.session} first."
    return ToolSpec(
        shape.name,
        description,
        WRITE if plan.op in WRITES else READ,
        {"type": "object", "properties": properties, "required": required},
        OperatorSpec(plan.op, args, plan.entity, rules, transition, session, selection=selection, scope=scope),
    )


def _parameter_schema(p) -> dict:
    schema = dict(p.schema)
    schema.setdefault("description", human(p.name))
    return schema


# ---------------------------------------------------------------------------------------------
# Execution


def operator_tool(spec: ToolSpec, models: Mapping[str, type[pw.Model]], entities: Mapping[str, EntitySpec]) -> Tool:
    """An executable :class:`Tool` from a tool spec (see :func:`tool_spec`) and the domain's models."""
    op = spec.operator
    if op.op == "compute":
        function, args, scale = op.function, op.args, op.scale
        return Tool(
            spec.name, READ, spec.description, spec.parameters, lambda **a: compute.run(function, args, scale, a)
        )
    run = getattr(_Operator(op, models, entities), op.op)
    rules = op.rules
    session = models[op.session] if op.session and op.op != "login" else None
    if not rules and session is None:
        return Tool(spec.name, spec.kind, spec.description, spec.parameters, run)

    def checked(**arguments: Any) -> Any:
        if session is not None and session.find() is None:
            raise ToolError("you are not logged in: log in first")
        for param, value in arguments.items():
            problem = rule_problem(rules[param], value) if param in rules else None
            if problem:
                raise ToolError(f"{param} {problem}")
        return run(**arguments)

    return Tool(spec.name, spec.kind, spec.description, spec.parameters, checked)


def rule_problem(schema: Mapping, value: Any) -> str | None:
    """What breaks the range, length or pattern rule of a parameter's schema, in words; None if nothing."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if low is not None and high is not None and not low <= value <= high:
            return f"must be between {low} and {high}, got {value}"
        if low is not None and value < low:
            return f"must be at least {low}, got {value}"
        if high is not None and value > high:
            return f"must be at most {high}, got {value}"
    if isinstance(value, str):
        shortest, longest = schema.get("minLength"), schema.get("maxLength")
        if shortest is not None and shortest == longest and len(value) != shortest:
            return f"must be exactly {shortest} characters long, got {len(value)}"
        if shortest is not None and len(value) < shortest:
            return f"must be at least {shortest} characters long, got {len(value)}"
        if longest is not None and len(value) > longest:
            return f"must be at most {longest} characters long, got {len(value)}"
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            return f"must match the pattern {schema['pattern']!r}, got {value!r}"
        if "format" in schema and not in_format(schema["format"], value):
            return f"must be {FORMAT_WORDS.get(schema['format'], schema['format'])}, got {value!r}"
    return None


class _Operator:
    """The closures behind one tool: each method takes the validated arguments as keywords."""

    def __init__(self, op: OperatorSpec, models: Mapping[str, type[pw.Model]], entities: Mapping[str, EntitySpec]):
        self.name = op.entity
        self.model = models[self.name]
        self.entity = entities[self.name]
        self.columns = {c.name: c for c in self.entity.columns}
        self.key_column = self.entity.key
        self.args = {p: tuple(rc) for p, rc in op.args.items()}
        self.op = op
        self.rule = op.transition
        self.fields = self.model._meta.fields
        self._select_sql: dict[tuple, str] = {}
        self._write_sql: dict[tuple[str, tuple[str, ...]], str] = {}
        self._readers: list[tuple[str, int, Any, bool]] | None = None  # (column, position, python_value, JSON)
        self.models, self.entities = models, entities
        self.children = [
            (models[e.name], e.name, c.name) for e in entities.values() for c in e.columns if c.references == self.name
        ]
        self.scope = op.scope  # acts in the current record
        if self.scope:
            self.current = models[self.scope.table]
            self.selected = self.columns[self.scope.column].references or self.name

    # -- reads ---------------------------------------------------------------------------------

    def get(self, **arguments: Any) -> dict:
        return self._row_dict(self._find(arguments))

    def list(self, **arguments: Any) -> list:
        where, values, limit = [], [], DEFAULT_LIMIT
        if self.scope:  # only what is in the current record
            where.append(("value", self.scope.column, False))
            values.append(self.fields[self.scope.column].db_value(self._current()))
        for param, value in arguments.items():
            role, column = self.args.get(param, ("ignored", ""))
            if role == "limit":
                limit = max(1, min(int(value), 100))
            elif role in ("value", "key", "min", "max") and column in self.columns:
                value = self._coerce(column, value)
                where.append((role, column, isinstance(value, str) and column != self.key_column))
                values.append(self.fields[column].db_value(value.lower() if where[-1][2] else value))
        sql = self._select_sql.get(tuple(where))
        if sql is None:
            sql = self._select_sql[tuple(where)] = _select_sql(self.model, where)
        cursor = self.model._meta.database.execute_sql(sql, values + [limit])
        return [self._selected_dict(row) for row in cursor]

    def _selected_dict(self, row: tuple) -> dict:
        """:meth:`_row_dict` of a row :func:`_select_sql` selected, without making a model instance of it."""
        if self._readers is None:
            position = {f.name: i for i, f in enumerate(self.model._meta.sorted_fields)}
            self._readers = [
                (name, position[name], self.fields[name].python_value, column.type == "json")
                for name, column in self.columns.items()
            ]
        out = {}
        for name, i, convert, decode in self._readers:
            value = convert(row[i])
            out[name] = json.loads(value) if decode and value is not None else value
        return out

    # -- writes --------------------------------------------------------------------------------

    def create(self, **arguments: Any) -> dict:
        values = self._values(arguments)
        key = next(
            (
                self._coerce(c, v)
                for p, v in arguments.items()
                for r, c in [self.args.get(p, ("", ""))]
                if r == "key" and c == self.key_column
            ),
            None,
        )
        if key is not None and self._get(key) is not None:
            raise ToolError(f"{human(self.name)} {key!r} already exists")
        if self.scope:
            values[self.scope.column] = self._current()
        self._check_unique(values, None)
        for column in self.columns.values():
            if column.name not in values and column.name != self.key_column and column.initial is not None:
                values[column.name] = column.initial
        values[self.key_column] = key if key is not None else self._next_key()
        self._execute("insert", tuple(values), [self.fields[c].db_value(v) for c, v in values.items()])
        return self._row_dict(self._get(values[self.key_column]))

    def update(self, **arguments: Any) -> dict:
        row = self._find(arguments)
        values = {c: v for c, v in self._values(arguments).items() if getattr(row, c) != v}
        if not values:
            raise ToolError(f"nothing to change: {human(self.name)} {self._key_of(row)!r} already has these values")
        self._check_unique(values, row)
        return self._save(row, values)

    def delete(self, **arguments: Any) -> dict:
        row = self._find(arguments)
        key = self._key_of(row)
        for model, child, column in self.children:
            if model.find(**{column: key}) is not None:
                raise ToolError(
                    f"{human(self.name)} {key!r} cannot be deleted: {human(child)} records still refer to it"
                )
        self._execute("delete", (), [self.model._meta.primary_key.db_value(key)])
        return {"deleted": True, self.key_column: key}

    def login(self, **arguments: Any) -> dict:
        """Open a session for the account whose columns equal every credential given (exactly, case included)."""
        session = self.models[self.op.session]
        if session.find() is not None:
            raise ToolError("already logged in")
        wanted = {}
        for param, value in arguments.items():
            role, column = self.args.get(param, ("ignored", ""))
            if role in ("key", "value") and column in self.columns:
                wanted[column] = self._coerce(column, value)
        rows = self.model.find_all(**wanted) if wanted else []
        if len(rows) != 1:
            raise ToolError("the credentials do not match an account")
        key = self._key_of(rows[0])
        session.insert(**{session._meta.primary_key.name: 1, self.key_column: key}).execute()
        return {"logged_in": True, self.key_column: key}

    def select(self, **arguments: Any) -> dict:
        """Make the record the arguments name the current one (it stays current until another is selected)."""
        row = self._find(arguments)
        table = self.models[self.op.selection]
        current = table.find()
        if current is not None and getattr(current, self.key_column) == self._key_of(row):
            raise ToolError(f"{human(self.name)} {self._key_of(row)!r} is already the current one")
        table.delete().execute()
        table.insert(**{table._meta.primary_key.name: 1, self.key_column: self._key_of(row)}).execute()
        return self._row_dict(row)

    def transition(self, **arguments: Any) -> dict:
        row = self._find(arguments)
        column, target, start = self.rule.column, self.rule.to, self.rule.start
        state = getattr(row, column)
        what = f"{human(self.name)} {self._key_of(row)!r}"
        if state == target:
            raise ToolError(f"{what} is already {target}")
        if start is not None and state not in start:
            raise ToolError(
                f"{what} is {state}; only a {human(self.name)} that is {' or '.join(start)} can become {target}"
            )
        if start is None and state in FINAL_STATES:
            raise ToolError(f"{what} is {state}, which is final; it cannot become {target}")
        values = {c: v for c, v in self._values(arguments).items() if c != column}
        values[column] = target
        return self._save(row, values)

    # -- helpers -------------------------------------------------------------------------------

    def _find(self, arguments: Mapping[str, Any]) -> pw.Model:
        for param, value in arguments.items():
            role, column = self.args.get(param, ("ignored", ""))
            if role == "key":
                rows = self.model.find_all(**{column: self._coerce(column, value)})
                if self.scope and self.scope.column != self.key_column:
                    current = self._current()
                    here = [r for r in rows if getattr(r, self.scope.column) == current]
                    if rows and not here:
                        raise ToolError(
                            f"no {human(self.name)} with {human(column)} {value!r} in the current {human(self.selected)}"
                        )
                    rows = here
                if not rows:
                    raise ToolError(f"no {human(self.name)} with {human(column)} {value!r}")
                if len(rows) > 1:
                    raise ToolError(f"several {human(self.name)} records have {human(column)} {value!r}; give the id")
                return rows[0]
        if self.scope and self.scope.column == self.key_column:  # the current record itself
            row = self._get(self._current())
            if row is None:
                raise ToolError(f"the current {human(self.name)} no longer exists")
            return row
        raise ToolError(f"say which {human(self.name)}: the key argument is missing")

    def _current(self) -> Any:
        """The key of the current record of the selection this tool acts in; an error before one is selected."""
        row = self.current.find()
        if row is None:
            raise ToolError(f"there is no current {human(self.selected)} yet: choose one first")
        return getattr(row, self.entities[self.selected].key)

    def _values(self, arguments: Mapping[str, Any]) -> dict:
        values = {}
        for param, value in arguments.items():
            role, column = self.args.get(param, ("ignored", ""))
            if role != "value" or column not in self.columns:
                continue
            value = self._coerce(column, value)
            parent = self.columns[column].references
            if parent is not None and value is not None:
                model = self.models[parent]
                if model.find(**{model._meta.primary_key.name: value}) is None:
                    raise ToolError(f"no {human(parent)} with id {value!r}")
            values[column] = value
        return values

    def _check_unique(self, values: Mapping[str, Any], row: pw.Model | None) -> None:
        for column, value in values.items():
            if self.columns[column].unique and value is not None:
                others = [
                    r
                    for r in self.model.find_all(**{column: value})
                    if row is None or self._key_of(r) != self._key_of(row)
                ]
                if others:
                    raise ToolError(f"another {human(self.name)} already has {human(column)} {value!r}")

    def _save(self, row: pw.Model, values: Mapping[str, Any]) -> dict:
        key = self._key_of(row)
        params = [self.fields[c].db_value(v) for c, v in values.items()]
        self._execute("update", tuple(values), params + [self.model._meta.primary_key.db_value(key)])
        return self._row_dict(self._get(key))

    def _execute(self, statement: str, columns: tuple[str, ...], params: list) -> None:
        """Run an INSERT of ``columns``, an UPDATE of ``columns`` by primary key or a DELETE by
        primary key, as peewee's query of the same would, its SQL built once per column set (building
        it is most of a small write's cost)."""
        sql = self._write_sql.get((statement, columns))
        if sql is None:
            sql = self._write_sql[statement, columns] = _write_sql(self.model, statement, columns)
        self.model._meta.database.execute_sql(sql, params)

    def _get(self, key: Any) -> pw.Model | None:
        return self.model.find(**{self.key_column: key})

    def _coerce(self, column: str, value: Any) -> Any:
        return coerce(self.columns[column].type, value, column)

    def _key_of(self, row: pw.Model) -> Any:
        return getattr(row, self.key_column)

    def _next_key(self) -> Any:
        field = self.fields[self.key_column]  # the keys alone: no row read whole to take its key
        sql = f'SELECT "{field.column_name}" FROM "{self.model._meta.table_name}"'
        keys = [field.python_value(key) for (key,) in self.model._meta.database.execute_sql(sql)]
        if self.columns[self.key_column].type == "integer":
            return max(keys, default=0) + 1
        prefix = self.entity.prefix or ""
        numbers = [
            int(k[len(prefix) :])
            for k in keys
            if isinstance(k, str) and k.startswith(prefix) and k[len(prefix) :].isdigit()
        ]
        return f"{prefix}{max(numbers, default=0) + 1:04d}"

    def _row_dict(self, row: pw.Model) -> dict:
        out = {}
        for name, column in self.columns.items():
            value = getattr(row, name)
            out[name] = json.loads(value) if column.type == "json" and value is not None else value
        return out


def _select_sql(model: type[pw.Model], where: list[tuple[str, str, bool]]) -> str:
    """``SELECT`` with one placeholder per filter and one for the limit; columns are the model's own names."""
    meta = model._meta
    tests = []
    for role, column, folded in where:
        name = f'"{meta.fields[column].column_name}"'
        tests.append(
            f"lower({name}) = ?" if folded else f"{name} {'>=' if role == 'min' else '<=' if role == 'max' else '='} ?"
        )
    columns = ", ".join(f'"{f.column_name}"' for f in meta.sorted_fields)
    return (
        f'SELECT {columns} FROM "{meta.table_name}" WHERE {" AND ".join(tests) or "1"} '
        f'ORDER BY "{meta.primary_key.column_name}" LIMIT ?'
    )


def _write_sql(model: type[pw.Model], statement: str, columns: tuple[str, ...]) -> str:
    """``INSERT`` of ``columns``, or ``UPDATE`` of ``columns`` / ``DELETE`` where the primary key is
    the last placeholder; names are the model's own, quoted."""
    meta = model._meta
    table, names = f'"{meta.table_name}"', [f'"{meta.fields[c].column_name}"' for c in columns]
    if statement == "insert":
        return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    where = f'WHERE "{meta.primary_key.column_name}" = ?'
    if statement == "update":
        return f"UPDATE {table} SET {', '.join(n + ' = ?' for n in names)} {where}"
    return f"DELETE FROM {table} {where}"


def coerce(kind: str, value: Any, column: str = "value") -> Any:
    """A value in a column's type; raises :class:`ToolError` saying why it does not fit."""
    if value is None:
        return None
    try:
        if kind == "integer":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "boolean":
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes")
            return bool(value)
        if kind == "json":
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, OverflowError):
        raise ToolError(
            f"{human(column)} must be {'an' if kind[0] in 'aeiou' else 'a'} {kind}, got {value!r}"
        ) from None
