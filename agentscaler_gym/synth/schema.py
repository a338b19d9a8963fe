"""Stage 3: a database schema for one domain, inferred from its tools' names and parameters.

Each tool is read as a *shape*: its verb (``get``, ``cancel``), the noun it acts on (``pet``), and
its cleaned parameters. Entities come from two kinds of evidence: every ``<x>_id`` parameter names
an entity ``x`` (the strongest evidence, and shared ids are what join tables), and each tool's noun
names the entity the tool is bound to. An entity's columns are the parameters and declared return
fields of its tools; ``<x>_id`` parameters of other entities become foreign keys.

The schema becomes the domain spec's entities (``Entity.spec``: :class:`~.spec.EntitySpec`), stored in ``domain.json``.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import peewee as pw

from ..database import Model
from .spec import ColumnSpec, EntitySpec
from .words import (
    CREATE_VERBS,
    DELETE_VERBS,
    FINAL_STATES,
    GET_VERBS,
    LIST_VERBS,
    MUTATING_VERBS,
    NOUN_LIKE_VERBS,
    PREPOSITIONS,
    QUERY_WORDS,
    TRANSITIONS,
    UPDATE_VERBS,
    description_verb,
    is_login,
    own_words,
    singular,
    snake,
    verb_in,
    words,
)

TYPES = ("string", "integer", "number", "boolean", "json")
KNOWN_VERBS = GET_VERBS | LIST_VERBS | CREATE_VERBS | UPDATE_VERBS | DELETE_VERBS | set(TRANSITIONS)
# Verbs a description's opening is trusted for ("Applies linear regression" creates nothing).
DESCRIPTION_VERBS = (KNOWN_VERBS & MUTATING_VERBS) | GET_VERBS | LIST_VERBS

# Parameters that steer a query rather than describe a record.
CONTROL = {
    "limit",
    "offset",
    "page",
    "page_size",
    "per_page",
    "page_number",
    "page_token",
    "cursor",
    "next_token",
    "sort",
    "sort_by",
    "order_by",
    "sort_order",
    "sort_direction",
    "direction",
    "fields",
    "format",
    "include",
    "expand",
    "pretty",
    "callback",
    "max_results",
    "num_results",
    "top",
    "skip",
    "count",
    "start_index",
    "pagination_token",
    "continuation_token",
    "dry_run",
    "verbose",
    "debug",
    "response_format",
    "output_format",
}
LIMIT_PARAMS = {"limit", "page_size", "per_page", "max_results", "num_results", "top", "count"}
# Nouns that say nothing about the entity ("get_pet_details" acts on a pet).
GENERIC_NOUNS = {
    "detail",
    "details",
    "info",
    "information",
    "data",
    "list",
    "all",
    "new",
    "existing",
    "current",
    "specific",
    "single",
    "multiple",
    "one",
    "many",
    "entry",
    "entries",
    "object",
    "resource",
    "record",
    "records",
    "result",
    "results",
    "item_detail",
    "summary",
    "overview",
    "me",
    "my",
    "id",
    "ids",
    "api",
    "v1",
    "v2",
    "v3",
    "request",
    "response",
    "status",
    "the",
    "a",
    "an",
}
# Verbs that name the action even at the end of a name (``credit_notes_delete``).
TRAILING_VERBS = {"delete", "get", "list", "create", "update", "patch", "remove", "cancel", "retrieve", "search"}
# Leading words of an id parameter that give the referenced entity a role (``from_account_id``).
ROLE_WORDS = {
    "from",
    "to",
    "source",
    "target",
    "destination",
    "origin",
    "new",
    "old",
    "parent",
    "primary",
    "secondary",
    "sender",
    "recipient",
    "receiver",
    "original",
    "current",
    "default",
    "linked",
    "related",
}
_JSON_TYPES = {
    "string": "string",
    "str": "string",
    "text": "string",
    "char": "string",
    "date": "string",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "decimal": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "object": "object",
    "dict": "object",
    "map": "object",
    "hashmap": "object",
}
MAX_COLUMNS = 24


def is_credential(name: str) -> bool:
    """Authentication parameters are not part of a domain's data: they are removed from tool schemas."""
    ws = set(words(name))
    return (
        bool(ws & {"token", "secret", "authorization", "signature", "apikey", "password", "passwd", "bearer"})
        or ("api" in ws and "key" in ws)
        or snake(name) in {"key", "auth", "subscription_key", "app_key", "access_key", "ocp_apim_subscription_key"}
    )


def clean_schema(schema: Any, depth: int = 0) -> dict:
    """A JSON schema the runtime's validator understands: known ``type`` names, ``enum`` kept only when typed."""
    if not isinstance(schema, dict):
        return {}
    out: dict[str, Any] = {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    kind = _JSON_TYPES.get(str(kind).lower()) if kind is not None else None
    if kind is None and isinstance(schema.get("properties"), dict):
        kind = "object"
    if kind:
        out["type"] = kind
    if isinstance(schema.get("description"), str):
        out["description"] = " ".join(schema["description"].split())[:600]
    enum = schema.get("enum")
    if kind in ("string", "integer", "number") and isinstance(enum, list) and enum and len(enum) <= 64:
        pytype = {"string": str, "integer": int, "number": (int, float)}[kind]
        values = [v for v in enum if isinstance(v, pytype) and not isinstance(v, bool)]
        if values and len(set(map(repr, values))) == len(values):
            out["enum"] = values
    if kind == "array" and depth < 3 and isinstance(schema.get("items"), dict):
        items = clean_schema(schema["items"], depth + 1)
        if items.get("type"):
            out["items"] = {k: v for k, v in items.items() if k in ("type", "enum", "items", "properties")}
    if kind == "object" and depth < 2 and isinstance(schema.get("properties"), dict):
        props = {str(k): clean_schema(v, depth + 1) for k, v in list(schema["properties"].items())[:16]}
        out["properties"] = {
            k: {x: y for x, y in v.items() if x in ("type", "enum", "description")} for k, v in props.items()
        }
    return out


RULE_KEYS = ("minimum", "maximum", "minLength", "maxLength", "pattern", "format")
# String formats a rule may state (JSON Schema's names); ``values.py`` draws seed values in them.
FORMATS = ("date", "date-time", "email", "uuid", "uri")
FORMAT_WORDS = {
    "date": "a date as YYYY-MM-DD",
    "date-time": "a date and time as YYYY-MM-DDTHH:MM:SS",
    "email": "an email address",
    "uuid": "a UUID",
    "uri": "a URL",
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")


def in_format(kind: str, value: str) -> bool:
    """Whether ``value`` is written in the stated ``format`` (one of :data:`FORMATS`)."""
    try:
        if kind == "date":
            return len(value) == 10 and dt.date.fromisoformat(value) is not None
        if kind == "date-time":
            return len(value) >= 16 and "T" in value.upper() and dt.datetime.fromisoformat(value) is not None
        if kind == "uuid":
            return uuid.UUID(value) is not None
    except ValueError:
        return False
    if kind == "email":
        return _EMAIL.fullmatch(value) is not None
    if kind == "uri":
        return _URI.fullmatch(value) is not None
    return True


_DATE_TEXT = re.compile(r"\b(?:YYYY-MM-DD|yyyy-mm-dd|ISO[ -]?8601 date)\b")
_DATETIME_TEXT = re.compile(r"\b(?:YYYY-MM-DDTHH:MM(?::SS)?|ISO[ -]?8601 (?:date-?time|timestamp))\b", re.I)
_ENUM_TEXT = re.compile(
    r"\b(?:one of|either|options(?: are)?|allowed values(?: are)?|possible values(?: are)?|valid values(?: are)?)"
    r"[:\s]*((?:['\"`][\w .-]{1,40}['\"`](?:\s*(?:,|or|and|/)\s*)*){2,})",
    re.I,
)
_NUMBER = r"(-?\d+(?:\.\d+)?)"
_BETWEEN = re.compile(
    rf"\bbetween {_NUMBER} and {_NUMBER}\b|\bfrom {_NUMBER} to {_NUMBER}\b|\b{_NUMBER} ?(?:-|to) ?{_NUMBER}\b", re.I
)
_AT_LEAST = re.compile(rf"\b(?:at least|minimum(?: of)?|min\.?|no less than) {_NUMBER}\b", re.I)
_AT_MOST = re.compile(rf"\b(?:at most|maximum(?: of)?|max\.?|up to|no more than) {_NUMBER}\b", re.I)
_NESTED = re.compile(r"[+*}]\)*[+*{]|\([^)]*[+*][^)]*\)[+*{?]")
_LENGTH = re.compile(r"\b(?:must be|exactly|is) (\d+) (?:characters|chars|digits|letters)\b", re.I)


def stated_rules(schema: Mapping, description: str, kind: str) -> dict:
    """Range, length and pattern rules of a parameter: its schema's keywords, else what its description
    states ("between 100 and 5000", "must be 17 characters", "at most 50 characters")."""
    rules: dict[str, Any] = {}
    for key in RULE_KEYS:
        value = schema.get(key)
        if key == "pattern" and kind == "string" and safe_pattern(value):
            rules[key] = value
        elif key in ("minimum", "maximum") and kind != "string" and _finite(value):
            rules[key] = value
        elif key in ("minLength", "maxLength") and kind == "string" and isinstance(value, int) and value >= 0:
            rules[key] = value
    text = description or ""
    if kind == "string":
        stated = schema.get("format") if schema.get("format") in FORMATS else None
        if stated is None and _DATETIME_TEXT.search(text):
            stated = "date-time"
        elif stated is None and _DATE_TEXT.search(text):
            stated = "date"
        if stated and "pattern" not in rules:
            rules["format"] = stated
        m = _LENGTH.search(text)
        if m and "minLength" not in rules and "maxLength" not in rules:
            rules["minLength"] = rules["maxLength"] = int(m.group(1))
        m = re.search(r"\b(?:at most|up to|no more than|max(?:imum)?(?: of)?) (\d+) (?:characters|chars)\b", text, re.I)
        if m and "maxLength" not in rules:
            rules["maxLength"] = int(m.group(1))
        return rules
    m = _BETWEEN.search(text)
    if m and "minimum" not in rules and "maximum" not in rules:
        low, high = (float(v) for v in m.groups() if v is not None)
        if low < high:
            rules["minimum"], rules["maximum"] = _number(low, kind), _number(high, kind)
    for pattern, key in ((_AT_LEAST, "minimum"), (_AT_MOST, "maximum")):
        m = pattern.search(text)
        if (
            m
            and key not in rules
            and not re.search(rf"{re.escape(m.group(0))} (?:characters|chars|items|results)", text)
        ):
            rules[key] = _number(float(m.group(1)), kind)
    if rules.get("minimum", float("-inf")) > rules.get("maximum", float("inf")):
        rules.pop("minimum"), rules.pop("maximum")
    return rules


def stated_enum(description: str) -> list[str] | None:
    """The choices a description lists in quotes ("one of 'low', 'medium' or 'high'"), else None."""
    m = _ENUM_TEXT.search(description or "")
    if not m:
        return None
    values = list(dict.fromkeys(v.strip() for v in re.findall(r"['\"`]([\w .-]{1,40})['\"`]", m.group(1))))
    return values if len(values) >= 2 else None


def safe_pattern(value: Any) -> bool:
    """A short regular expression that compiles and has no nested repeat (``(a+)+``), which could take
    exponential time on a short argument."""
    if not isinstance(value, str) or len(value) > 200 or _NESTED.search(value):
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e15


def _number(value: float, kind: str) -> int | float:
    return int(value) if kind == "integer" or value.is_integer() else value


def column_type(schema: dict) -> str:
    return {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}.get(
        schema.get("type"), "json"
    )


# ---------------------------------------------------------------------------------------------
# Tool shapes


@dataclass
class Param:
    name: str  # as the agent sends it
    column: str  # the column it maps to, before entity binding
    schema: dict
    required: bool
    rules: dict = field(default_factory=dict)  # range, length and pattern rules the tool checks

    @property
    def id_of(self) -> str | None:
        """The entity an id names: ``"pet"`` for ``petId``, ``pet_id`` and ``from_pet_id``; None otherwise."""
        ws = words(self.name)
        if len(ws) >= 2 and ws[-1] == "id" and self.schema.get("type") in ("string", "integer", "number"):
            ws = ws[:-1]
            if len(ws) > 1 and ws[0] in ROLE_WORDS:
                ws = ws[1:]
            return snake("_".join(singular(w) for w in ws))
        return None


@dataclass
class ToolShape:
    """A tool read for synthesis: its verb, noun and cleaned parameters."""

    name: str
    description: str
    verb: str | None
    noun: list[str]
    words: list[str]  # every word of the function's own name (its namespace left out)
    params: list[Param]
    returns: dict
    category: str
    source: str
    credentials: int = 0  # parameters removed as authentication
    login: bool = False  # logs a user in: its credentials are kept, and a session follows
    method: str = ""  # the HTTP method of an operation ("GET", "POST", ...), '' when the corpus gives none

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def tool_shape(api: Any) -> ToolShape:
    """Read an ``ApiSpec``: verb and noun from its name, parameters cleaned (credentials removed).

    The verb is read in the function's own name (``book`` of ``hotel_booking.book``, as the corpus
    records it, or after a numbered namespace: ``hotels_2_book_house``); a name without one takes the
    verb its description opens with ("Books a hotel room"). A name that is only a verb takes its
    noun from the namespace (``hotel_booking.book`` acts on a hotel booking)."""
    own = getattr(api, "own_name", "")
    name_words = words(own) if own else own_words(api.name)
    said = description_verb(str(api.description))
    verb, noun = _verb_and_noun(name_words, said[0] if said else None)
    method = str(getattr(api, "method", "") or "").upper()
    if verb is None and not (name_words and name_words[0] in QUERY_WORDS):
        # "Books a hotel room" says what flight_hotel_booking does, when it is about what the name names
        if said and said[0] in DESCRIPTION_VERBS and (not noun or noun[-1] in said[1]):
            verb = said[0]
    elif verb in NOUN_LIKE_VERBS and verb not in GET_VERBS | LIST_VERBS and verb != method.lower():
        # a write verb that is more often a noun, where the description asks: store_count "Returns
        # the number of stores"; the query wins (a name the fidelity measure reads as a write is then
        # not offered)
        if said and (said[0] in GET_VERBS | LIST_VERBS | QUERY_WORDS):
            verb = said[0] if said[0] in KNOWN_VERBS else None
    if not noun and own:
        noun = _noun(words(api.name[: -len(snake(own))] if api.name.endswith(snake(own)) else api.name))
    props = api.parameters.get("properties") if isinstance(api.parameters, dict) else None
    required = set(api.parameters.get("required") or []) if isinstance(api.parameters, dict) else set()
    params, credentials, used = [], 0, set()
    login = is_login(api.name)
    for pname, pschema in (props or {}).items():
        pname = str(pname)
        if is_credential(pname) and not login:  # a login's own credentials are what the user gives
            credentials += 1
            continue
        column = _column_name(pname)
        if column in used:
            continue
        used.add(column)
        schema = clean_schema(pschema)
        if schema.get("type") == "string" and "enum" not in schema:
            choices = stated_enum(schema.get("description", ""))
            if choices:
                schema["enum"] = choices
        rules = (
            stated_rules(pschema, schema.get("description", ""), schema["type"])
            if schema.get("type") in ("string", "integer", "number") and "enum" not in schema
            else {}
        )
        params.append(Param(pname, column, schema, pname in required, rules))
    return ToolShape(
        api.name,
        " ".join(str(api.description).split()),
        verb,
        noun,
        name_words,
        params,
        api.returns if isinstance(api.returns, dict) else {},
        api.category,
        api.source,
        credentials,
        login,
        method,
    )


def _verb_and_noun(ws: list[str], opening: str | None = None) -> tuple[str | None, list[str]]:
    """Verb and noun of a name's words (``opening``: the verb its description opens with)."""
    if len(ws) > 1 and ws[0] == "check" and ws[1] in ("in", "out"):  # check_in_guest, check_out_vehicle
        return "check" + ws[1], _noun(ws[2:])
    if len(ws) > 1 and ws[-1] in TRAILING_VERBS:  # resource first, action last: upload_sessions_delete
        return ws[-1], _noun(ws[:-1])
    if ws and ws[0] in KNOWN_VERBS:
        return ws[0], _noun(ws[1:])
    if ws and ws[0] in QUERY_WORDS:  # track_order, check_availability: a query, whatever noun follows
        return None, _noun(ws[1:])
    position = next((i for i, w in enumerate(ws) if w in KNOWN_VERBS and w not in NOUN_LIKE_VERBS), None)
    if position is None:  # a write verb that is more often a noun, after a namespace: hotel_booking_book
        found = verb_in(ws, opening)
        position = found[0] if found and found[1] in KNOWN_VERBS and found[1] in MUTATING_VERBS else None
    if position is None:
        return None, _noun(ws)
    after = ws[position + 1 :]
    if position > 0 and (not after or after[0] in PREPOSITIONS):
        return ws[position], _noun(ws[:position])  # Azure style: pets_list_by_owner
    return ws[position], _noun(after)


def _noun(ws: list[str]) -> list[str]:
    if ws and ws[0] in PREPOSITIONS:  # remove_from_watchlist: the noun follows the preposition
        ws = ws[1:]
    cut = next((i for i, w in enumerate(ws) if w in PREPOSITIONS), len(ws))
    return [singular(w) for w in ws[:cut] if w not in GENERIC_NOUNS and len(w) > 1 and not w.isdigit()]


def _column_name(param: str) -> str:
    ws = words(param)
    if len(ws) > 1 and ws[0] in ("new", "updated"):
        ws = ws[1:]
    return safe_column(snake("_".join(ws)))


def safe_column(name: str) -> str:
    """A column name that no peewee ``Model`` attribute shadows (``save`` -> ``save_value``)."""
    return name + "_value" if name in _RESERVED else name


_RESERVED = set(dir(pw.Model)) | {"id", "meta", "self", "cls"}


# ---------------------------------------------------------------------------------------------
# Entities


@dataclass
class Entity:
    name: str
    key: str  # primary key column
    columns: dict[str, ColumnSpec] = field(default_factory=dict)  # in order, key first
    seeded: bool = True  # False: the table starts empty (sessions)

    def add(self, column: ColumnSpec) -> ColumnSpec:
        """Add a column, or merge it into the one of that name (its choices, description and
        uniqueness); the column the entity now holds (past ``MAX_COLUMNS``, ``column`` unheld)."""
        existing = self.columns.get(column.name)
        if existing is None:
            if len(self.columns) >= MAX_COLUMNS and not column.references and column.name != "status":
                return column
            self.columns[column.name] = column
            return column
        enum = existing.enum
        if column.enum and existing.type == column.type and (existing.enum or not existing.description):
            enum = _merge(existing.enum or [], column.enum)
        merged = replace(
            existing,
            enum=enum,
            description=existing.description or column.description,
            unique=existing.unique or column.unique,
        )
        self.columns[column.name] = merged
        return merged

    def spec(self) -> EntitySpec:
        """The entity as the domain spec holds it; string keys get a prefix (``PET-``)."""
        prefix = key_prefix(self.name) if self.columns[self.key].type == "string" else None
        return EntitySpec(
            self.name,
            self.key,
            tuple(replace(c, rules=dict(sorted(c.rules.items()))) for c in self.columns.values()),
            self.seeded,
            prefix,
        )


def key_prefix(entity: str) -> str:
    """``"order_item"`` -> ``"OI-"``, ``"pet"`` -> ``"PET-"``: how string keys of an entity start."""
    parts = entity.split("_")
    return ("".join(p[0] for p in parts[:3]) if len(parts) > 1 else entity[:3]).upper() + "-"


def _merge(a: Sequence, b: Iterable) -> list:
    out = list(a)
    for v in b:
        if v not in out:
            out.append(v)
    return out


def bind_entities(shapes: Sequence[ToolShape]) -> dict[str, str]:
    """Each tool's entity, from the strongest evidence that applies:

    1. the longest suffix of its noun that an id names (``list_order_items`` -> ``order_item``);
    2. for a tool that acts on one record, a noun word its own id parameters name
       (``update_listing_price(listing_id)`` -> ``listing``), else, for a change, its first required
       id (``update_job_title(employee_id)`` -> ``employee``);
    3. its head noun.
    """
    id_entities = {p.id_of for s in shapes for p in s.params if p.id_of}
    bound = {}
    for s in shapes:
        entity = None
        for start in range(len(s.noun)):
            candidate = "_".join(s.noun[start:])
            if candidate in id_entities:
                entity = candidate
                break
        own_ids = [p.id_of for p in s.params if p.id_of]
        if entity is None and own_ids and s.verb is not None and s.verb not in LIST_VERBS | CREATE_VERBS:
            entity = next((w for w in reversed(s.noun) if w in own_ids), None)
            if entity is None and (s.verb in UPDATE_VERBS or s.verb in TRANSITIONS):
                entity = next((p.id_of for p in s.params if p.id_of and p.required), own_ids[0])
        if entity is None and not s.noun:
            ids = sorted({p.id_of for p in s.params if p.id_of})
            entity = ids[0] if len(ids) == 1 else None
        if entity is None:
            entity = s.noun[-1] if s.noun else (snake(s.category).split("_")[0] if s.category else "record")
        bound[s.name] = snake(entity)
    return bound


def infer_schema(shapes: Sequence[ToolShape], plans: Mapping[str, Any]) -> dict[str, Entity]:
    """Entities, keys, columns and foreign keys of a domain, from its tools and their plans (stage 4 roles)."""
    key_types: dict[str, str] = {}
    shapes = [s for s in shapes if plans[s.name].op != "compute"]  # a computation reads no table
    for s in shapes:
        plan = plans[s.name]
        for p in s.params:
            role, column = plan.roles[p.name]
            if p.id_of:
                key_types.setdefault(p.id_of, _key_type(p.schema))
            elif role == "key" and column == plan.entity + "_id":
                key_types.setdefault(plan.entity, _key_type(p.schema))
    entities: dict[str, Entity] = {}
    for name in sorted({plans[s.name].entity for s in shapes} | set(key_types)):
        entity = entities[name] = Entity(name, name + "_id")
        entity.add(ColumnSpec(entity.key, key_types.get(name, "string")))
    for s in shapes:
        plan = plans[s.name]
        entity = entities[plan.entity]
        for p in s.params:
            role, column = plan.roles[p.name]
            if role in ("ignored", "limit") or column == entity.key:
                continue
            parent = p.id_of
            if parent in entities and column == p.column:
                entity.add(ColumnSpec(column, entities[parent].columns[entities[parent].key].type, references=parent))
                continue
            kind = column_type(p.schema)
            existing = entity.columns.get(column)
            if existing is not None and not compatible(existing.type, kind):
                column = f"{column}_{kind}"  # same name, other type: its own column
                plan.roles[p.name] = (role, column)
            enum = p.schema.get("enum") if role == "value" else None
            rules = p.rules if role == "value" else {}
            added = entity.add(
                ColumnSpec(column, kind, enum=enum, unique=role == "key", description=p.schema.get("description", ""))
            )
            if rules and not added.rules and added.type == kind and added.name in entity.columns:
                entity.columns[added.name] = replace(added, rules=rules)
        if plan.op in ("get", "list", "create"):
            for name, schema in returned_fields(s.returns):
                column = safe_column(snake(name))
                if column != entity.key and not column.endswith("_id"):
                    entity.add(
                        ColumnSpec(
                            column,
                            column_type(schema),
                            enum=schema.get("enum"),
                            description=schema.get("description", ""),
                        )
                    )
    _add_status_columns(shapes, plans, entities)
    logins = sorted({plans[s.name].entity for s in shapes if plans[s.name].op == "login"})
    if logins:
        session = entities[SESSION] = Entity(SESSION, SESSION + "_id", seeded=False)
        session.add(ColumnSpec(session.key, "integer"))
        for name in logins:
            key = entities[name].columns[entities[name].key]
            session.add(ColumnSpec(entities[name].key, key.type, references=name))
    _add_selections(shapes, plans, entities)
    return entities


SESSION = "login_session"  # the table of who is logged in: empty at the start of an episode

# Last words of a text column that names one thing (a hotel's name, a stock's ticker), not a trait of it.
NAME_WORDS = {"name", "title", "symbol", "ticker"}
# Words of a person's name (``first_name``, ``holder_name``): two tables' people need not be the same.
NAME_PARTS = {"first", "last", "middle", "full", "given", "family", "display", "nick", "user", "holder", "contact"}
NAME_PARTS |= {"legal", "preferred", "screen", "real", "owner", "customer", "account", "sur", "maiden", "diner"}
# Things people and services name: a column that holds one (``artist``, ``company``) names a thing.
NAMED_THINGS = {
    "artist",
    "author",
    "album",
    "book",
    "celebrity",
    "company",
    "court",
    "criminal",
    "dish",
    "event",
    "game",
    "hotel",
    "league",
    "movie",
    "museum",
    "painting",
    "player",
    "product",
    "project",
    "recipe",
    "restaurant",
    "sculpture",
    "song",
    "stock",
    "team",
    "venue",
}


def named_concept(entity: str, column: ColumnSpec) -> str | None:
    """The thing a text column names, or None for a trait (a colour, a date, a city): ``hotel_name``
    -> ``hotel``, ``artist`` and ``artist_name`` -> ``artist``, the ``name`` of a ``hotel`` -> ``hotel``."""
    if column.type != "string" or column.enum or column.references:
        return None
    if column.rules.get("format") in ("date", "date-time"):
        return None
    ws = column.name.split("_")
    if ws[-1] in NAME_WORDS and not set(ws[:-1]) & NAME_PARTS:
        return "_".join(ws[:-1]) or entity
    return column.name if ws[-1] in NAMED_THINGS else None


def value_links(entities: Sequence[EntitySpec]) -> dict[tuple[str, str], dict[str, str]]:
    """``{(entity, column): {other entity: its column}}`` for text columns of different entities that
    name the same thing (``ticket.artist`` and ``concert.artist_name``; ``booking.hotel_name`` and
    ``hotel.name``): a record one tool answers gives the value another tool's argument takes, the way
    a foreign key does for ids. Keys and unique columns are left out (a natural key is its own record)."""
    by_concept: dict[str, list[tuple[str, str]]] = {}
    for e in entities:
        for c in e.columns:
            concept = named_concept(e.name, c) if c.name != e.key and not c.unique else None
            members = by_concept.setdefault(concept, []) if concept else []
            if concept and all(e.name != m for m, _ in members):  # a second column of it is not linked
                members.append((e.name, c.name))
    links: dict[tuple[str, str], dict[str, str]] = {}
    for members in by_concept.values():
        for entity, column in members:
            others = {e: c for e, c in members if e != entity}
            if others:
                links[(entity, column)] = dict(sorted(others.items()))
    return links


def _add_selections(shapes: Sequence[ToolShape], plans: Mapping[str, Any], entities: dict[str, Entity]) -> None:
    """A selection table per record kind a tool makes current (``current_directory``: empty at the start,
    one row once ``cd`` ran), and on each entity a tool acts on "in the current" one, the column that
    ties its rows to it (``file.directory_id``; ``directory.parent_directory_id`` for a directory's own)."""
    for s in shapes:
        plan = plans[s.name]
        if plan.scope is None:
            continue
        _, selected, column = plan.scope
        target, parent = entities[plan.entity], entities[selected]
        if column != target.key:
            target.add(ColumnSpec(column, parent.columns[parent.key].type, references=selected))
    for name in sorted({plans[s.name].entity for s in shapes if plans[s.name].op == "select"}):
        table = selection_table(name)
        current = entities[table] = Entity(table, table + "_id", seeded=False)
        current.add(ColumnSpec(current.key, "integer"))
        current.add(ColumnSpec(entities[name].key, entities[name].columns[entities[name].key].type, references=name))


def selection_table(entity: str) -> str:
    """The table that holds which record of ``entity`` is current (``directory`` -> ``current_directory``)."""
    return f"current_{entity}"


# ---------------------------------------------------------------------------------------------
# Selections: a record made current by one call and acted on by later ones


@dataclass(frozen=True)
class Scoped:
    """How a tool takes part in a selection: it makes a record of ``selected`` current (``selects``), or
    it acts in the current one (a login's account is the current one of its session). ``entity`` is the
    record kind it acts on when the selection decides it (``None``: the one its name binds), ``named``
    the parameter that names that record (``file_name``), and ``itself`` says it reads or changes the
    current record itself (``pwd``)."""

    selected: str
    selector: str
    table: str  # the table that holds the current record: a selection table, or the login session
    selects: bool = False
    entity: str | None = None
    named: str | None = None
    itself: bool = False


_CURRENT = r"(?:curr+ent|selected|active)(?: working)? "  # "currrent" is how one API spells it
_LOGGED_IN = r"(?:curr+ent(?:ly)?|authenticated|logged[- ]in|signed[- ]in)(?: authenticated| logged[- ]in)? "
_SELECTS = re.compile(
    r"\b(?:change|set|switch|select|choose|move|go|navigate|enter)(?:e?s)?\b(?: \w+){0,2}? (?:the |your )?"
    + _CURRENT
    + r"([a-z]+)"
)
SELECT_VERBS = {"select", "switch", "choose"}
SETTING_VERBS = {"set", "change", "use", "open", "enter", "navigate", "go", "move"}
# What a description may call "current" that is a value rather than a record (the current version).
NOT_SELECTED = {"value", "version", "time", "date", "state", "setting", "system", "or", "and", "price", "balance"}


def selection_scopes(shapes: Sequence[ToolShape]) -> dict[str, Scoped]:
    """The tools of each API (a category, or the whole corpus when it names none) that select a current
    record and those that act in it, from what the API says: a tool whose description says it changes
    the current X (``cd``: "Change the current working directory to the specified folder"), or whose name
    selects, switches to or chooses an X, taking one argument naming it, is a selector when another tool
    of its API says it acts in the current (selected, active, local) X; ``{}`` when none does."""
    out: dict[str, Scoped] = {}
    for shape in shapes:
        if shape.name in out or (shape.login and not shape.params):  # a login status check logs nobody in
            continue
        if shape.login:  # the logged-in account: "post a tweet for the authenticated user"
            noun, table = login_entity(shape), SESSION
            qualifiers, nouns = _LOGGED_IN, {"user", "account", noun}
        else:
            noun = _selected_noun(shape)
            table = selection_table(snake(noun)) if noun else ""
            qualifiers, nouns = _CURRENT, {noun}
        if noun is None:
            continue
        siblings = [
            s for s in shapes if s is not shape and s.category == shape.category and s.name not in out and not s.login
        ]
        acting = [s for s in siblings if any(_acts_in(s, n, qualifiers) for n in sorted(nouns))]
        if not acting:
            continue
        selected = snake(noun)
        if not shape.login:
            out[shape.name] = Scoped(selected, shape.name, table, selects=True)
        named = {s.name: _named_param(s, selected) for s in acting}
        kinds = collections.Counter(e for e, _ in named.values() if e and e != selected)
        contents = min(kinds, key=lambda e: (-kinds[e], e)) if kinds else None
        for s in acting:
            entity, param = named[s.name]
            if (
                entity is None
                and not s.params
                and re.search(
                    rf"\b(?:return|get|show|print|display|tell)s? (?:the )?{qualifiers}{noun}", s.description.lower()
                )
            ):
                out[s.name] = Scoped(selected, shape.name, table, itself=True, entity=selected)
            elif entity is None and contents and _command(s) and not any(p.required for p in s.params) and _reads(s):
                out[s.name] = Scoped(selected, shape.name, table, entity=contents)  # "the contents of the current X"
            else:
                out[s.name] = Scoped(selected, shape.name, table, entity=entity, named=param)
    return out


def _selected_noun(shape: ToolShape) -> str | None:
    """The record kind a tool makes current, when it takes one argument that names it and its name says
    no other action (a ``delete_customer`` that says "set the current version" is not one)."""
    required = [p for p in shape.params if p.required] or shape.params
    if len(required) != 1 or required[0].schema.get("type") not in ("string", "integer"):
        return None
    if shape.verb is not None and shape.verb not in SELECT_VERBS | SETTING_VERBS:
        return None
    m = _SELECTS.search(shape.description.lower())
    if m:
        noun = singular(m.group(1))
    elif shape.words and shape.words[0] in SELECT_VERBS and len(shape.words) > 1:
        noun = "_".join(singular(w) for w in shape.words[1:])
    else:
        return None
    return None if noun in GENERIC_NOUNS | NOT_SELECTED else noun


def login_entity(shape: ToolShape) -> str:
    """The record a login checks credentials against: the one its id names (``user_id``: a user), else an account."""
    return next((p.id_of for p in shape.params if p.id_of), None) or "account"


def _acts_in(shape: ToolShape, noun: str, qualifiers: str) -> bool:
    """Whether the tool's description, or a required parameter's, says it acts in the current ``noun``
    (``qualifiers``: the words that say current)."""
    pattern = re.compile(rf"\b(?:{qualifiers}|local (?:to (?:the )?)?){re.escape(noun.replace('_', ' '))}\b")
    texts = [shape.description] + [p.schema.get("description", "") for p in shape.params if p.required]
    return any(pattern.search(t.lower()) for t in texts)


def _named_param(shape: ToolShape, selected: str) -> tuple[str | None, str | None]:
    """``(entity, param)`` for a command-like tool (its name is a verb or a single word: ``touch``,
    ``cat``) with a required ``<x>_name`` parameter: the record kind it names (``dir`` is short for the
    selected ``directory``) and the parameter; ``(None, None)`` otherwise (``get_events(display_name)``
    acts on events)."""
    if not _command(shape):
        return None, None
    for p in shape.params:
        ws = words(p.name)
        if p.required and p.schema.get("type") == "string" and len(ws) >= 2 and ws[-1] == "name":
            kind = snake("_".join(singular(w) for w in ws[:-1]))
            return (selected if len(kind) > 2 and selected.startswith(kind) else kind), p.name
    return None, None


def _command(shape: ToolShape) -> bool:
    """Whether a tool's name is a command (a verb alone, or one word: ``mkdir``, ``ls``) rather than an
    action on a named record (``get_events``), so its parameters and the selection say what it acts on."""
    return not shape.noun or shape.noun == shape.words


def _reads(shape: ToolShape) -> bool:
    return shape.verb is None or shape.verb in GET_VERBS | LIST_VERBS


def compatible(column: str, argument: str) -> bool:
    """Whether arguments of one type can be stored in a column of another without loss."""
    return (
        column == argument or {column, argument} == {"integer", "number"} or (column == "string" and argument != "json")
    )


def _key_type(schema: dict) -> str:
    return "integer" if schema.get("type") in ("integer", "number") else "string"


def returned_fields(returns: Any) -> list[tuple[str, dict]]:
    """Fields of a declared output's records: an object, an array of objects, or an envelope around one
    (``{"orders": [...], "total": 3}``); counts and paging fields are not record fields."""
    if not isinstance(returns, dict):
        return []
    schema = returns.get("items") if returns.get("type") == "array" else returns
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return []
    lists = [
        v
        for v in props.values()
        if isinstance(v, dict)
        and v.get("type") == "array"
        and isinstance(v.get("items"), dict)
        and isinstance(v["items"].get("properties"), dict)
    ]
    if len(lists) == 1:
        props = lists[0]["items"]["properties"]
    return [
        (str(k), clean_schema(v))
        for k, v in list(props.items())[:MAX_COLUMNS]
        if words(str(k)) and snake(str(k)) not in ENVELOPE_FIELDS
    ]


ENVELOPE_FIELDS = CONTROL | {
    "total",
    "total_count",
    "count",
    "has_more",
    "next",
    "next_page",
    "previous",
    "success",
    "ok",
    "message",
    "error",
    "errors",
}


def _add_status_columns(shapes: Sequence[ToolShape], plans: Mapping[str, Any], entities: dict[str, Entity]) -> None:
    """A ``status`` column (with every state the transitions name) on each entity that has transitions."""
    states: dict[str, list[str]] = {}
    open_targets: dict[str, set[str]] = {}
    for s in shapes:
        t = plans[s.name].transition
        if t:
            name = plans[s.name].entity
            states[name] = _merge(states.get(name, []), (t["from"] or []) + [t["to"]])
            if t["from"] is None:
                open_targets.setdefault(name, set()).add(t["to"])
    for name, new in states.items():
        entity = entities[name]
        existing = entity.columns.get("status")
        enum = _merge(existing.enum or [] if existing is not None and existing.type == "string" else [], new)
        if not any(v not in FINAL_STATES and v not in open_targets.get(name, ()) for v in enum):
            enum.append("active")
        starts = [v for v in enum if v not in FINAL_STATES]
        initial = "pending" if "pending" in enum else (starts or enum)[0]
        description = (existing.description if existing is not None else "") or "The record's state."
        entity.columns["status"] = ColumnSpec("status", "string", enum=enum, description=description, initial=initial)


# ---------------------------------------------------------------------------------------------
# Models

_FIELDS = {
    "string": pw.TextField,
    "integer": pw.IntegerField,
    "number": pw.FloatField,
    "boolean": pw.BooleanField,
    "json": pw.TextField,
}


def build_models(entities: Sequence[EntitySpec]) -> dict[str, type[Model]]:
    """Peewee models (subclasses of :class:`Model`, made with ``type()``) for the domain spec's entities."""
    models = {}
    for entity in entities:
        attrs: dict[str, Any] = {"__module__": __name__, "Meta": type("Meta", (), {"table_name": entity.name})}
        for column in entity.columns:
            kind = _FIELDS[column.type]
            if column.name == entity.key:
                attrs[column.name] = kind(primary_key=True)
            else:
                attrs[column.name] = kind(null=True, index=bool(column.references or column.unique))
        class_name = "".join(w.capitalize() for w in entity.name.split("_")) or "Record"
        models[entity.name] = type(class_name, (Model,), attrs)
    return models
