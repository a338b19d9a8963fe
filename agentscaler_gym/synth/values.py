"""Believable values for synthesized columns and arguments, keyed by what the column means.

Used twice, both at synthesis: to fill a domain's seed tables (:func:`generate_rows`; the pipeline
stores them in ``domain.json`` as ``data.tables``) and to invent new values for the writes of
generated tasks (:func:`new_value`). The runtime never calls this module: a folder carries its rows,
so what a folder means does not depend on the version of any library that made them, and loading
a domain imports nothing beyond the core.

Names, places, companies, airports, currencies, tickers, occupations, dishes and the like come from
`mimesis <https://mimesis.name>`_, imported on first use. Mimesis over Faker: its data sets are real
(cities, countries, IATA codes, listed companies and tickers, universities), where Faker composes
invented ones ("South Carla", "Donovan-Austin") and has no airport codes; it has no dependencies;
and a value costs about 7 µs against Faker's 100 µs, which matters for thousands of domains and
worlds of thousands of rows. Its output can change between releases, which is why it is pinned
exactly for byte-identical synthesis and why rows are stored rather than regenerated at load.

Relations are written here because no fake-data library knows a domain's schema: dates around the
domain's current date (births 18-85 years before it, creations before it, due dates after it), the
end of a span after its start, ``min_*`` below ``max_*`` and what is used below its limit, booleans
and dates that agree with a status, numbers in the range the spec states and plausible for what
they measure (a pet weighs 2-40 kg). Randomness comes only from ``random.Random`` seeded with
strings (mimesis providers are reseeded from it), so nothing depends on hash randomisation.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import string
import uuid
from collections.abc import Mapping, Sequence
from random import Random
from typing import Any

from .schema import in_format, named_concept, value_links
from .spec import ColumnSpec, EntitySpec, SeedData
from .words import singular, words

# The day a synthesized domain lives in unless its spec says otherwise; its policy states it.
CURRENT_DATE = dt.date(2025, 6, 1)

PERSON_ENTITIES = {
    "user",
    "customer",
    "person",
    "employee",
    "patient",
    "student",
    "member",
    "owner",
    "contact",
    "author",
    "driver",
    "passenger",
    "guest",
    "client",
    "player",
    "artist",
    "doctor",
    "teacher",
    "agent",
    "staff",
    "candidate",
    "applicant",
    "subscriber",
    "tenant",
    "buyer",
    "seller",
    "friend",
    "traveler",
    "attendee",
    "instructor",
    "athlete",
}
PERSON_WORDS = {
    "author",
    "owner",
    "customer",
    "user",
    "person",
    "contact",
    "driver",
    "guest",
    "passenger",
    "patient",
    "recipient",
    "sender",
    "holder",
    "employee",
    "manager",
    "doctor",
    "student",
    "member",
    "traveler",
    "diner",
    "patron",
    "renter",
    "borrower",
    "reader",
    "requester",
    "assignee",
    "reporter",
    "vet",
    "physician",
    "nurse",
    "coach",
    "trainer",
    "host",
    "organizer",
    "beneficiary",
    "emergency",
    "cardholder",
    "account_holder",
}
_PERSONAL = PERSON_ENTITIES | PERSON_WORDS  # an entity or a word of a column name that means a person
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF")
ANIMALS = {"pet", "animal", "dog", "cat", "horse", "livestock"}
ORGANISATIONS = {
    "company",
    "business",
    "merchant",
    "vendor",
    "supplier",
    "employer",
    "organization",
    "organisation",
    "store",
    "shop",
    "brand",
    "publisher",
    "agency",
    "firm",
    "provider",
    "carrier",
    "insurer",
    "partner",
    "restaurant",
    "hotel",
    "venue",
    "gym",
    "clinic",
    "pharmacy",
}
# Small vocabularies mimesis has no provider for.
VOCAB = {
    "genre": ["rock", "jazz", "pop", "classical", "hip hop", "folk", "electronic", "blues"],
    "cuisine": ["italian", "mexican", "japanese", "indian", "thai", "greek", "french", "lebanese"],
    "species": ["dog", "cat", "rabbit", "parrot", "hamster", "guinea pig"],
    "size": ["small", "medium", "large"],
    "priority": ["low", "medium", "high"],
    "level": ["beginner", "intermediate", "advanced"],
    "unit": ["metric", "imperial"],
    "method": ["card", "cash", "bank transfer"],
    "mode": ["standard", "express", "economy"],
    "department": ["sales", "support", "finance", "engineering", "marketing", "operations"],
    "role": ["admin", "editor", "viewer", "owner"],
    "status": ["active", "inactive", "pending"],
    "category": ["general", "premium", "standard", "special", "seasonal"],
    "type": ["basic", "standard", "premium", "custom"],
    "kind": ["basic", "standard", "premium", "custom"],
    "tag": ["new", "popular", "sale", "limited", "featured"],
    "allergies": ["penicillin", "peanuts", "pollen", "shellfish", "latex", "dust mites", "lactose", "bee stings"],
    "medications": ["ibuprofen", "amoxicillin", "metformin", "lisinopril", "atorvastatin", "cetirizine"],
    "skills": ["python", "sql", "negotiation", "design", "public speaking", "accounting", "spanish"],
    "amenities": ["wifi", "parking", "pool", "gym", "breakfast", "air conditioning", "pet friendly"],
    "seat": ["window", "aisle", "middle"],
    "sport": ["football", "basketball", "tennis", "baseball", "ice hockey", "cricket", "volleyball"],
    "league": ["Premier League", "La Liga", "Bundesliga", "Serie A", "NBA", "NFL", "MLB", "NHL"],
    "instrument": ["guitar", "piano", "violin", "drums", "cello", "flute", "saxophone"],
    "airline": ["Delta Air Lines", "United Airlines", "Lufthansa", "Air France", "Emirates", "KLM", "Qantas"],
    "material": ["bronze", "marble", "oak", "steel", "clay", "glass", "cotton", "leather"],
    "crime": ["theft", "fraud", "burglary", "assault", "vandalism", "embezzlement"],
    "season": ["spring", "summer", "autumn", "winter"],
    "mascot": ["Hawks", "Lions", "Rovers", "Tigers", "Wolves", "Rangers", "Comets", "Eagles"],
    "cabin": ["economy", "premium economy", "business", "first"],
}
SPECIES_KG = {"dog": (5, 40), "cat": (3, 7), "rabbit": (1, 3), "parrot": (0.2, 1), "hamster": (0.1, 0.2)}
SPECIES_KG["guinea pig"] = (0.7, 1.2)
LIST_WORDS = {"allergies", "allergy", "medications", "skills", "amenities", "tags", "categories", "interests"}
SYNONYMS = {"airlines": "airline", "competition": "league", "sports": "sport", "seasons": "season"}
TRAVEL = {"flight", "train", "bus", "ride", "trip", "travel", "route", "journey", "transfer", "booking", "ticket"}
PEOPLE_ROLES = {"by", "maintainer", "author", "assignee", "owner", "reporter", "creator", "organizer", "host", "coach"}
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
CODE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

# Spans: (opening word, closing words). A column whose name holds the opening word is paired with
# the column that has a closing word in its place.
PAIRS = (
    ("start", ("end", "finish")),
    ("check_in", ("check_out",)),
    ("checkin", ("checkout",)),
    ("from", ("to", "until")),
    ("departure", ("arrival", "return")),
    ("pickup", ("dropoff", "return")),
    ("created", ("updated", "modified", "closed", "completed", "resolved")),
    ("issued", ("expires", "expiry", "expiration")),
    ("issue", ("expiry", "expiration")),
    ("opened", ("closed",)),
    ("borrowed", ("due", "returned")),
    ("ordered", ("shipped", "delivered")),
    ("valid_from", ("valid_until", "valid_to")),
)
NUMBER_PAIRS = (
    ("min", ("max",)),
    ("minimum", ("maximum",)),
    ("low", ("high",)),
    ("available", ("total", "capacity")),
    ("used", ("limit", "quota", "total")),
    ("spent", ("budget", "limit")),
    ("balance", ("limit",)),
)
EVENT_OPENERS = {"start", "check", "checkin", "from", "departure", "pickup", "valid", "borrowed"}
RECORDED = {"updated", "modified", "closed", "completed", "resolved", "returned", "shipped", "delivered"}
# Status words that put a span in the past, around today, or ahead.
PAST_STATES = {
    "completed",
    "complete",
    "closed",
    "delivered",
    "returned",
    "expired",
    "finished",
    "done",
    "resolved",
    "checked_out",
    "past",
    "ended",
    "archived",
    "fulfilled",
    "paid",
    "refunded",
}
CURRENT_STATES = {"active", "in_progress", "ongoing", "checked_in", "open", "occupied", "enrolled", "rented"}
FUTURE_STATES = {"scheduled", "upcoming", "booked", "confirmed", "reserved", "planned", "not_started", "pending"}


# ---------------------------------------------------------------------------------------------
# Seed tables


def generate_rows(
    entities: Sequence[EntitySpec], seed: int, count: int, today: dt.date = CURRENT_DATE
) -> dict[str, list[dict]]:
    """``count`` rows per entity: keys first (so foreign keys always point at a real row), then values,
    then the relations between a row's values (spans in order, statuses and dates that agree)."""
    keys = {e.name: [first_key(e, i) for i in range(count)] for e in entities}
    rows: dict[str, list[dict]] = {}
    for entity in entities:
        rng = Random(f"{seed}:{entity.name}")
        columns = entity.columns
        spans = date_pairs([c.name for c in columns])
        bounds = number_pairs([c.name for c in columns if c.type in ("integer", "number")])
        seen: dict[str, set] = {c.name: set() for c in columns if c.unique and c.name != entity.key}
        table = rows[entity.name] = []
        for i in range(count):
            row: dict[str, Any] = {}
            person = _Person(rng, i)
            for column in columns:
                name = column.name
                if name == entity.key:
                    row[name] = keys[entity.name][i]
                elif column.references:
                    row[name] = rng.choice(keys[column.references])
                else:
                    value = column_value(entity.name, column, i, rng, today, person)
                    if name in seen:
                        value = _distinct(value, seen[name], i)
                    row[name] = _json_text(value) if column.type == "json" else value
            _relate(row, columns, spans, bounds, rng, today)
            table.append(row)
    _share_names(rows, entities, seed)
    return rows


def _share_names(rows: dict[str, list[dict]], entities: Sequence[EntitySpec], seed: int) -> None:
    """Text columns of different tables that name the same thing (:func:`~.schema.value_links`: a
    ticket's ``artist``, a concert's ``artist``) name the same things: each takes its values from
    one table, the thing's own (``hotel.name`` for ``booking.hotel_name``) or else the first by name,
    so a record found in one table names records of the others, as a foreign key does."""
    metas = {(e.name, c.name): c for e in entities for c in e.columns}
    for (entity, column), others in sorted(value_links(entities).items()):
        members = sorted([(entity, column), *others.items()])
        own = [m for m in members if named_concept(m[0], metas[m]) == m[0]]
        source = (own or members)[0]
        rules = metas[(entity, column)].rules
        values = [r[source[1]] for r in rows[source[0]] if isinstance(r.get(source[1]), str) and r[source[1]]]
        values = [v for v in values if _fits(v, rules)]  # what this column's own rules allow
        if source == (entity, column) or not values:
            continue
        rng = Random(f"{seed}:{entity}:{column}:names")
        for row in rows[entity]:
            row[column] = rng.choice(values)


def seed_data(entities: Sequence[EntitySpec], seed: int, count: int, today: dt.date = CURRENT_DATE) -> SeedData:
    """The ``data`` block of a domain spec: seed, rows per table, current date and the rows themselves
    (per entity, one array per row in the order of its columns)."""
    rows = generate_rows(entities, seed, count, today)
    tables = {
        e.name: [[r[c.name] for c in e.columns] for r in rows[e.name]] if e.seeded else [] for e in entities
    }  # a session table starts empty: nobody is logged in yet
    return SeedData(seed, count, today.isoformat(), tables)


def first_key(entity: EntitySpec, index: int) -> Any:
    """The key of the ``index``-th seed row: 1, 2, ... or ``PET-0001``, ..."""
    key_type = next(c.type for c in entity.columns if c.name == entity.key)
    return index + 1 if key_type == "integer" else f"{entity.prefix or ''}{index + 1:04d}"


def date_pairs(columns: Sequence[str]) -> list[tuple[str, str]]:
    """Column pairs that open and close a span: ``start_date``/``end_date``, ``check_in``/``check_out``."""
    return _pairs(columns, PAIRS)


def number_pairs(columns: Sequence[str]) -> list[tuple[str, str]]:
    """Number column pairs where the first may not exceed the second: ``min_price``/``max_price``,
    ``available_seats``/``total_seats``."""
    return _pairs(columns, NUMBER_PAIRS)


def _pairs(columns: Sequence[str], pairs: Sequence[tuple[str, tuple[str, ...]]]) -> list[tuple[str, str]]:
    names = set(columns)
    found = []
    for name in sorted(names):
        for a, closers in pairs:
            if not (name == a or name.startswith(a + "_") or name.endswith("_" + a) or f"_{a}_" in name):
                continue
            for b in closers:
                other = re.sub(rf"(^|_){a}(_|$)", rf"\g<1>{b}\g<2>", name, count=1)
                if other != name and other in names and (name, other) not in found:
                    found.append((name, other))
                    break
    return found


def _distinct(value: Any, seen: set, index: int) -> Any:
    """A unique column's value, made distinct from the rows before it (an index where it must)."""
    if value in seen and isinstance(value, str):
        value = value.replace("@", f"{index + 1}@", 1) if "@" in value else f"{value} {index + 1}"
    elif value in seen and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = value + index + 1
    seen.add(value)
    return value


def _relate(row: dict, columns: Sequence[ColumnSpec], spans, bounds, rng: Random, today: dt.date) -> None:
    """Make a row's values agree: spans and bounds in order, dates and flags that fit its status."""
    for low, high in bounds:
        if isinstance(row[low], (int, float)) and isinstance(row[high], (int, float)) and row[low] > row[high]:
            row[low], row[high] = row[high], row[low]
    main = status_column(columns)
    status = row[main] if main is not None and isinstance(row[main], str) else None
    state = state_word(status)
    for c in columns:  # a booking's booking_status and status tell one story where they can
        if c.name != main and c.name.endswith("status") and status in (c.enum or ()):
            row[c.name] = status
    for start, end in spans:
        a, b = as_date(row[start]), as_date(row[end])
        if a is None or b is None:
            continue
        length = max((b - a).days, 0) or rng.randint(1, 14)
        if set(words(end)) & RECORDED and a + dt.timedelta(days=length) > today:
            a = today - dt.timedelta(days=length + rng.randint(0, 30))  # an update is never ahead of today
        elif not is_event_span(start):
            pass
        elif state in PAST_STATES and a + dt.timedelta(days=length) > today:
            a = today - dt.timedelta(days=length + rng.randint(1, 90))
        elif state in FUTURE_STATES and a <= today:
            a = today + dt.timedelta(days=rng.randint(1, 120))
        elif state in CURRENT_STATES and not a <= today <= a + dt.timedelta(days=length):
            a = today - dt.timedelta(days=rng.randint(0, length))
        row[start], row[end] = _redate(row[start], a), _redate(row[end], a + dt.timedelta(days=length))
    species = row.get("species")
    for c in columns:  # a hamster does not weigh 30 kg
        if c.name in ("weight", "weight_kg") and species in SPECIES_KG and isinstance(row[c.name], (int, float)):
            low, high = SPECIES_KG[species]
            row[c.name] = (
                round(rng.uniform(low, high), 2) if c.type == "number" else max(1, round(rng.uniform(low, high)))
            )
    if status is None:
        return
    stated = next(c.enum for c in columns if c.name == main) or VOCAB["status"]
    states = {state_word(v) for v in stated}
    for c in columns:  # is_active, verified: true exactly when the status says so
        if c.type == "boolean" and c.name.removeprefix("is_") in states:
            row[c.name] = state == c.name.removeprefix("is_")


def status_column(columns: Sequence[ColumnSpec]) -> str | None:
    """The column that holds a row's status: ``status``, else the first text ``*_status`` column."""
    names = [c.name for c in columns if c.type == "string"]
    return "status" if "status" in names else next((n for n in names if n.endswith("_status")), None)


def state_word(value: Any) -> str:
    """A status as a word to look up: ``"Checked out"`` -> ``"checked_out"``; not text -> ``""``."""
    return value.lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else ""


def is_event_span(start: str) -> bool:
    """Whether a span opened by column ``start`` is a stay, trip or term that a status places in time
    (``check_in``, ``start_date``), not the bookkeeping of a record (``created_at``, ``issued_on``)."""
    return bool(set(words(start)) & EVENT_OPENERS)


def as_date(value: Any) -> dt.date | None:
    """The date a stored value starts with (``2025-06-01`` or ``2025-06-01T10:00``), else None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _redate(value: str, day: dt.date) -> str:
    return day.isoformat() + value[10:]


# ---------------------------------------------------------------------------------------------
# One value


def new_value(
    entity: str, column: ColumnSpec, schema: Mapping, index: int, rng: Random, today: dt.date = CURRENT_DATE
) -> Any:
    """A value for an argument (of JSON ``schema``) that sets ``column``: fits the schema, realistic for the column."""
    kind = schema.get("type")
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if kind == "array":
        item = schema.get("items") or {"type": "string"}
        return [
            new_value(entity, ColumnSpec(column.name, item.get("type", "string")), item, index + k, rng, today)
            for k in range(1 + rng.randrange(2))
        ]
    if kind == "object":
        props = schema.get("properties") or {}
        return {
            k: new_value(entity, ColumnSpec(k, v.get("type", "string")), v, index, rng, today)
            for k, v in sorted(props.items())[:3]
        }
    if kind == "number" and column.type == "integer":
        kind = "integer"  # a number argument that sets an integer column must be whole
    kind = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(kind, "string")
    rules = {**column.rules, **{k: v for k, v in schema.items() if k in RULE_KEYS}}
    # built directly rather than by dataclasses.replace, which is several times slower in this hot path
    column = ColumnSpec(
        column.name, kind, column.enum, column.references, column.unique, column.description, column.initial, rules
    )
    return column_value(entity, column, index, rng, today)


RULE_KEYS = ("minimum", "maximum", "minLength", "maxLength", "pattern")


def column_value(
    entity: str,
    column: ColumnSpec,
    index: int,
    rng: Random,
    today: dt.date = CURRENT_DATE,
    person: _Person | None = None,
) -> Any:
    """A realistic value for ``column`` of ``entity`` that keeps the column's stated rules."""
    kind = column.type
    if column.enum:
        return rng.choice(column.enum)
    if kind == "boolean":
        return rng.random() < 0.5
    ws = words(column.name)
    rules = column.rules
    person = person or _Person(rng, index)
    if kind in ("integer", "number"):
        return _ruled_number(_number(entity, ws, kind, rng, today), kind, rules, rng)
    if kind == "json":
        vocab = next((VOCAB[w] for w in reversed(ws) if w in VOCAB and w in LIST_WORDS), None)
        if vocab is None and "allergy" in ws:
            vocab = VOCAB["allergies"]
        if vocab is not None:
            return rng.sample(vocab, rng.randint(1, 2))
        item = [*ws[:-1], singular(ws[-1])] if ws else []
        items = [_meant(entity, item, index, rng, today, _Person(rng, index)) for _ in range(rng.randint(1, 2))]
        return items if items[0] is not None else rng.sample(VOCAB["tag"], rng.randint(1, 2))
    for _ in range(4):
        value = _meant(entity, ws, index, rng, today, person) or _identifier(ws, rng)
        if _fits(value, rules):
            return value
    if "format" in rules:
        value = _formatted(rules["format"], rng, today, person)
        if _fits(value, rules):
            return value
    return _ruled_text(rules, rng)


def _fits(value: str, rules: Mapping) -> bool:
    if len(value) < rules.get("minLength", 0) or len(value) > rules.get("maxLength", len(value)):
        return False
    if "format" in rules and not in_format(rules["format"], value):
        return False
    return "pattern" not in rules or re.search(rules["pattern"], value) is not None


def _formatted(kind: str, rng: Random, today: dt.date, person: _Person) -> str:
    """A value written in a stated format (see ``schema.FORMATS``), for a column whose name says less."""
    day = today - dt.timedelta(days=rng.randint(1, 730))
    if kind == "date":
        return day.isoformat()
    if kind == "date-time":
        return f"{day.isoformat()}T{rng.randint(8, 19):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"
    if kind == "email":
        return person.email()
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return f"https://example.com/{rng.choice(VOCAB['tag'])}/{rng.randint(1, 9999)}"


def _ruled_text(rules: Mapping, rng: Random) -> str:
    """A code that keeps stated length and pattern rules where the column's meaning could not."""
    low = rules.get("minLength", 0)
    high = rules.get("maxLength", max(low, 8))
    pattern = rules.get("pattern")
    for _ in range(8 if pattern else 0):
        value = matching(pattern, rng)
        if value is not None and _fits(value, rules):
            return value
    for alphabet in (CODE_LETTERS + string.digits, string.digits, string.ascii_lowercase, CODE_LETTERS):
        for _ in range(8):
            value = "".join(
                rng.choice(alphabet) for _ in range(rng.randint(max(low, 1 if high else 0), max(high, low)))
            )
            if pattern is None or re.search(pattern, value):
                return value
    return "".join(rng.choice(CODE_LETTERS) for _ in range(max(low, min(high, 8))))


def matching(pattern: str, rng: Random) -> str | None:
    """A string that ``pattern`` matches, drawn by walking its parse tree; None for a construct
    outside plain classes, literals, groups, alternatives and repeats. Hand-written: the libraries
    that do this (rstr, exrex) walk the same tree and add a dependency for a dozen lines."""
    try:
        import re._parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        return _walk(parser.parse(pattern), parser, rng)
    except (LookupError, ValueError, TypeError, re.error):
        return None


_CATEGORY = {"CATEGORY_DIGIT": string.digits, "CATEGORY_WORD": string.ascii_letters + string.digits + "_"}
_CATEGORY["CATEGORY_SPACE"] = " "


def _walk(tree: Any, parser: Any, rng: Random) -> str:
    out = []
    for op, arg in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append(rng.choice(string.ascii_letters))
        elif name == "IN":
            out.append(_pick(arg, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            count = rng.randint(low, min(high, low + 6) if high != parser.MAXREPEAT else low + 6)
            out.extend(_walk(sub, parser, rng) for _ in range(count))
        elif name == "SUBPATTERN":
            out.append(_walk(arg[-1], parser, rng))
        elif name == "BRANCH":
            out.append(_walk(rng.choice(arg[1]), parser, rng))
        elif name == "AT":
            continue
        elif name == "CATEGORY":
            out.append(rng.choice(_CATEGORY[str(arg)]))
        else:
            raise ValueError(name)
    return "".join(out)


def _pick(items: list, rng: Random) -> str:
    if items and str(items[0][0]) == "NEGATE":
        raise ValueError("negated class")
    choices = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            choices.append(chr(arg))
        elif name == "RANGE":
            choices.extend(chr(x) for x in range(arg[0], min(arg[1], arg[0] + 200) + 1))
        elif name == "CATEGORY":
            choices.extend(_CATEGORY[str(arg)])
        else:
            raise ValueError(name)
    return rng.choice(choices)


def _ruled_number(value: float, kind: str, rules: Mapping, rng: Random) -> Any:
    """``value`` if it keeps the stated range, else a value drawn inside the range."""
    low, high = rules.get("minimum"), rules.get("maximum")
    if (low is None or value >= low) and (high is None or value <= high):
        return value
    low = low if low is not None else min(0, high)
    high = high if high is not None else low + 1000
    if kind == "integer":
        return rng.randint(int(math.ceil(low)), int(math.floor(high)))
    return round(rng.uniform(low, high), 2)


# ---------------------------------------------------------------------------------------------
# Numbers: plausible for what they measure


def _number(entity: str, ws: list[str], kind: str, rng: Random, today: dt.date) -> int | float:
    """A number for a column named by ``ws``: (low, high, decimals) chosen by its last meaningful word."""
    wset, last = set(ws), ws[-1] if ws else ""
    animal = entity in ANIMALS or bool(wset & ANIMALS)
    if last == "year" or "year" in wset and kind == "integer":
        if wset & {"birth"}:
            return rng.randint(today.year - 85, today.year - 18)
        if wset & {"expiry", "expiration", "expires"}:
            return rng.randint(today.year + 1, today.year + 6)
        return rng.randint(today.year - 30, today.year)
    low, high, places = _range(entity, ws, wset, last, animal)
    if kind == "integer":
        return rng.randint(int(low), int(high))
    return round(rng.uniform(low, high), places)


def _range(entity: str, ws: list[str], wset: set, last: str, animal: bool) -> tuple[float, float, int]:
    if wset & {"latitude", "lat"}:
        return -60, 60, 4
    if wset & {"longitude", "lon", "lng"}:
        return -150, 150, 4
    if "weight" in wset:
        if animal:
            return 2, 40, 1
        if entity in PERSON_ENTITIES or wset & PERSON_WORDS:
            return 45, 120, 1
        return 0.2, 30, 2
    if "height" in wset:
        return (20, 90, 0) if animal else (150, 200, 0)
    if "age" in wset:
        return (1, 15, 0) if animal else (18, 85, 0)
    if last == "month":
        return 1, 12, 0
    if last in ("day", "weekday"):
        return 1, 28, 0
    if last in ("hour", "hours"):
        return 0, 23, 0
    if last in ("minute", "minutes", "duration", "length") or "duration" in wset:
        return 15, 240, 0
    if last in ("days", "nights"):
        return 1, 14, 0
    if wset & {"rating", "stars"}:
        return 1, 5, 1
    if wset & {"score", "percent", "percentage", "battery", "progress", "discount"}:
        return 0, 100, 1
    if wset & {"interest", "apr", "apy"} or last == "rate" and wset & {"tax", "interest", "commission"}:
        return 0.5, 15, 2
    if last in ("rate", "ratio", "probability", "factor"):
        return 0.5, 2, 3
    if wset & {"salary", "income", "wage"}:
        return 30_000, 180_000, 0
    if wset & {"budget", "revenue", "valuation"}:
        return 1_000, 500_000, 0
    if wset & {"limit", "credit"}:
        return 500, 20_000, 0
    if "balance" in wset:
        return 0, 25_000, 2
    if wset & {"fee", "tip", "tax", "shipping", "deposit", "penalty", "charge"}:
        return 1, 80, 2
    if wset & {"price", "cost", "fare", "rent", "premium", "subtotal"}:
        return 5, 500, 2
    if wset & {"amount", "total", "payment", "value", "sum", "refund", "transfer"}:
        return 10, 2_000, 2
    if wset & {"mileage", "odometer", "km", "miles"}:
        return 1_000, 200_000, 0
    if wset & {"distance"}:
        return 1, 500, 1
    if wset & {"temperature", "temp"}:
        return 16, 28, 1
    if wset & {"speed"}:
        return 20, 130, 0
    if wset & {"capacity", "stock", "inventory", "seats", "rooms", "beds"} and not wset & {"quantity", "number"}:
        return (1, 8, 0) if last in ("seats", "rooms", "beds") else (10, 500, 0)
    if wset & {
        "quantity",
        "qty",
        "count",
        "guests",
        "people",
        "party",
        "size",
        "adults",
        "children",
        "travelers",
        "tickets",
        "passengers",
        "nights",
    }:
        return 1, 8, 0
    if wset & {"floor", "level"}:
        return 1, 30, 0
    if wset & {"points", "followers", "likes", "views", "downloads"}:
        return 0, 20_000, 0
    if wset & {"pages"}:
        return 50, 900, 0
    if wset & {"calories"}:
        return 50, 900, 0
    if wset & {"dose", "dosage"}:
        return 5, 500, 0
    return 1, 100, 2


# ---------------------------------------------------------------------------------------------
# Text: mimesis for what it knows, composed for the rest


@functools.cache
def _providers() -> dict[str, Any]:
    """Mimesis providers in English, made once per process (imported here, not at module load)."""
    import mimesis
    from mimesis.locales import Locale

    return {
        "person": mimesis.Person(Locale.EN),
        "address": mimesis.Address(Locale.EN),
        "finance": mimesis.Finance(Locale.EN),
        "text": mimesis.Text(Locale.EN),
        "food": mimesis.Food(Locale.EN),
        "datetime": mimesis.Datetime(Locale.EN),
        "transport": mimesis.Transport(),
        "code": mimesis.Code(),
        "internet": mimesis.Internet(),
        "payment": mimesis.Payment(),
        "file": mimesis.File(),
        "development": mimesis.Development(),
        "cryptographic": mimesis.Cryptographic(),
    }


def fake(rng: Random, provider: str, method: str, **kwargs: Any) -> Any:
    """``mimesis.<provider>.<method>()`` drawn from ``rng``: the provider is reseeded from it first."""
    p = _providers()[provider]
    p.reseed(rng.getrandbits(64))
    return getattr(p, method)(**kwargs)


class _Person:
    """The person a row is about, drawn on first use so every name, email and username agree."""

    def __init__(self, rng: Random, index: int):
        self.rng, self.index, self._names = rng, index, None

    @property
    def names(self) -> tuple[str, str]:
        if self._names is None:
            self._names = (fake(self.rng, "person", "first_name"), fake(self.rng, "person", "last_name"))
        return self._names

    def email(self) -> str:
        first, last = (_ascii(n) for n in self.names)
        return f"{first}.{last}@{self.rng.choice(EMAIL_DOMAINS)}"

    def username(self) -> str:
        first, last = (_ascii(n) for n in self.names)
        return f"{first[0]}{last}{self.rng.randint(1, 99)}"


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower()) or "user"


def _identifier(ws: list[str], rng: Random) -> str:
    """What a text column holds when its name says nothing known: an identifier-like value, never a
    made-up label ("Blue Falcon")."""
    prefix = "".join(w[0] for w in ws[-3:]).upper() or "X"
    return f"{prefix}-{rng.randint(100, 9999):04d}"


def _meant(entity: str, ws: list[str], index: int, rng: Random, today: dt.date, person: _Person) -> str | None:
    """A value for the text column named by ``ws``, or None when the name says nothing known."""
    wset, last = set(ws), ws[-1] if ws else ""
    last = SYNONYMS.get(last, last)
    personal = entity in _PERSONAL or not _PERSONAL.isdisjoint(ws[:-1])
    first, surname = person.names if personal or wset & {"first", "last", "surname", "email"} else ("", "")
    if "email" in wset:
        return person.email()
    if last in ("username", "login", "handle", "nickname") or ws[-2:] == ["user", "name"]:
        return person.username()
    if ws[-2:] == ["first", "name"] or last in ("first", "firstname", "forename"):
        return first
    if ws[-2:] in (["last", "name"], ["family", "name"]) or last in ("surname", "lastname"):
        return surname
    if last == "name" and (personal or ws[-2:-1] in (["full"], ["display"])):
        return f"{first} {surname}"
    if last in PEOPLE_ROLES or ws[-2:] in (["assigned", "to"], ["created", "by"]):
        return " ".join(person.names)
    if wset & {"phone", "mobile", "telephone", "fax"}:
        return fake(rng, "person", "phone_number")
    date = _date_text(entity, ws, wset, last, rng, today)
    if date is not None:
        return date
    found = _known_text(entity, ws, wset, last, rng)
    if found is not None:
        return found
    if last in VOCAB and last != "tag":
        return rng.choice(VOCAB[last])
    if last == "team" or last.startswith("team") and last[4:].isdigit() or ws[-2:-1] == ["team"] and last.isdigit():
        return f"{fake(rng, 'address', 'city')} {rng.choice(VOCAB['mascot'])}"
    if last in ("to", "from", "departure", "arrival") and (entity in TRAVEL or wset & TRAVEL):
        return fake(rng, "address", "city")
    if last == "month":
        return fake(rng, "datetime", "month")
    if last in ("jurisdiction", "province", "county"):
        return fake(rng, "address", "state")
    if last in ("ingredient", "vegetable", "fruit", "spice"):
        return fake(rng, "food", {"fruit": "fruit", "spice": "spices"}.get(last, "vegetable"))
    if ws[-2:] in (["account", "number"], ["card", "number"]):
        return fake(rng, "payment", "credit_card_number") if "card" in wset else str(rng.randint(10**9, 10**10 - 1))
    if last in ("restaurant", "store", "shop", "vendor", "merchant", "brand", "museum", "hotel", "gallery"):
        return fake(rng, "finance", "company") if last != "museum" else f"{fake(rng, 'address', 'city')} Museum"
    if last in ("query", "keyword", "keywords", "search", "term"):
        return " ".join(fake(rng, "text", "words", quantity=rng.randint(1, 3)))
    if last in ("name", "title", "label", "headline", "caption", "subject"):
        if len(ws) > 1 and ws[-2] not in ("code", "number", "id", "date", "time", "file", "display"):
            return _meant(entity, ws[:-1], index, rng, today, person) or _thing_name(ws[-2], ws, index, rng)
        return _thing_name(entity, ws, index, rng)
    if wset & {
        "description",
        "notes",
        "note",
        "comment",
        "comments",
        "message",
        "text",
        "body",
        "content",
        "summary",
        "bio",
        "reason",
        "instructions",
        "feedback",
        "review",
        "details",
        "preferences",
        "request",
        "remarks",
        "answer",
        "question",
        "memo",
        "purpose",
        "about",
        "statement",
        "caption",
    }:
        return fake(rng, "text", "sentence")
    if "vin" in wset:
        return vin(rng)
    if ws[-2:] == ["last", "four"] or last in ("last4", "four"):
        return f"{rng.randrange(10000):04d}"
    if wset & {"plate", "registration"}:
        return f"{rng.randint(1, 9)}{''.join(rng.choice(CODE_LETTERS) for _ in range(3))}{rng.randint(100, 999)}"
    if wset & {"code", "number", "serial", "reference", "confirmation", "locator", "sku"}:
        prefix = "".join(w[0] for w in ws[-3:] if w not in ("code", "number")).upper() or "N"
        return f"{prefix}{rng.randint(10000, 99999)}"
    return None


def _date_text(entity: str, ws: list[str], wset: set, last: str, rng: Random, today: dt.date) -> str | None:
    """An ISO date or date-time placed by what the column says about time, or None if it is not one."""
    stamp = bool(wset & {"datetime", "timestamp"}) or (last in ("at", "time") and len(ws) > 1 and ws[-2] != "time")
    dated = stamp or wset & {"date", "day", "deadline", "due", "checkin", "checkout", "dob", "birthday", "birth"}
    dated = dated or ws in (["check", "in"], ["check", "out"])
    dated = dated or last in ("on", "since", "until", "expiry", "expires", "start", "end", "begin")
    if not dated:
        if last == "time" or last == "hour" and "opening" in wset:
            return f"{rng.randrange(7, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}"
        return None
    if wset & {"birth", "birthday", "dob", "born"}:
        years = (1, 15) if entity in ANIMALS else (18, 85)
        day = today - dt.timedelta(days=rng.randrange(years[0] * 365, years[1] * 365))
    elif wset & {"due", "deadline", "expiry", "expiration", "expires", "renewal", "next", "until", "valid"}:
        day = today + dt.timedelta(days=rng.randint(1, 365))
    elif wset & {
        "created",
        "updated",
        "modified",
        "registered",
        "joined",
        "signup",
        "opened",
        "issued",
        "purchased",
        "ordered",
        "paid",
        "posted",
        "published",
        "submitted",
        "last",
        "hired",
        "founded",
        "since",
        "enrolled",
        "added",
        "sent",
        "received",
        "visited",
    }:
        day = today - dt.timedelta(days=rng.randint(1, 3 * 365))
    else:
        day = today + dt.timedelta(days=rng.randint(-120, 240))
    if stamp:
        return f"{day.isoformat()}T{rng.randrange(7, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    return day.isoformat()


def _known_text(entity: str, ws: list[str], wset: set, last: str, rng: Random) -> str | None:
    """A value mimesis holds a real data set for: places, airports, companies, currencies, codes."""
    if wset & {"airport", "iata"} or entity in ("flight", "route") and last in ("origin", "destination"):
        return fake(rng, "address", "iata_code")
    if "icao" in wset:
        return fake(rng, "address", "icao_code")
    if wset & {"address", "street"} and not wset & {"email", "ip", "mac", "web", "url"}:
        return fake(rng, "address", "address")
    if wset & {"zip", "postal", "postcode", "zipcode"}:
        return fake(rng, "address", "postal_code")
    if wset & {"city", "town", "destination", "origin", "location", "place", "region", "area", "hometown"}:
        return fake(rng, "address", "city")
    if last == "state" and ("country" in wset or entity in ("address", "location")) or last == "province":
        return fake(rng, "address", "state")
    if ws[-2:] == ["country", "code"] or last in ("iso2", "alpha2"):
        return fake(rng, "address", "country_code")
    if wset & {"country", "nationality_country"}:
        return fake(rng, "address", "country")
    if wset & {"currency"}:  # mostly the common ones, as in real accounts
        common = rng.random() < 0.8
        return rng.choice(COMMON_CURRENCIES) if common else fake(rng, "finance", "currency_iso_code", allow_random=True)
    if wset & {"ticker", "symbol"} and not wset & {"currency"}:
        return fake(rng, "finance", "stock_ticker")
    if "bank" in wset:
        return fake(rng, "finance", "bank")
    if wset & {"exchange"} and not wset & {"rate"}:
        return fake(rng, "finance", "stock_exchange")
    if wset & {"company", "employer", "organization", "organisation", "publisher", "carrier", "insurer", "vendor"}:
        return fake(rng, "finance", "company")
    if wset & {"occupation", "profession", "job"}:
        return fake(rng, "person", "occupation")
    if wset & {"university", "college", "school"}:
        return fake(rng, "person", "university")
    if "nationality" in wset:
        return fake(rng, "person", "nationality")
    if last in ("language", "lang") and not wset & {"programming"}:
        return fake(rng, "person", "language")
    if ws[-2:] == ["blood", "type"] or "blood" in wset:
        return fake(rng, "person", "blood_type")
    if last == "gender" or last == "sex":
        return rng.choice(("female", "male", "non-binary"))
    if last in ("color", "colour"):
        return fake(rng, "text", "color").lower()
    if "isbn" in wset:
        return fake(rng, "code", "isbn")
    if wset & {"ean", "barcode", "upc", "gtin"}:
        return fake(rng, "code", "ean")
    if "imei" in wset:
        return fake(rng, "code", "imei")
    if wset & {"url", "website", "link", "homepage", "uri"}:
        return fake(rng, "internet", "url")
    if wset & {"hostname", "domain"} and not wset & {"name"}:
        return fake(rng, "internet", "hostname")
    if ws[-2:] == ["ip", "address"] or last in ("ip", "ipv4"):
        return fake(rng, "internet", "ip_v4")
    if "mac" in wset:
        return fake(rng, "internet", "mac_address")
    if wset & {"uuid", "guid"}:
        return fake(rng, "cryptographic", "uuid")
    if wset & {"filename", "file"}:
        return fake(rng, "file", "file_name")
    if wset & {"mime", "mimetype"} or ws[-2:] == ["content", "type"]:
        return fake(rng, "file", "mime_type")
    if wset & {"timezone", "tz"}:
        return fake(rng, "datetime", "timezone")
    if wset & {"make", "manufacturer"} or entity in ("vehicle", "car") and last == "brand":
        return fake(rng, "transport", "manufacturer")
    if entity in ("vehicle", "car") and last == "model" or ws[-2:] == ["car", "model"]:
        return fake(rng, "transport", "car")
    if wset & {"aircraft", "airplane", "plane"}:
        return fake(rng, "transport", "airplane")
    if wset & {"dish", "meal", "entree"}:
        return fake(rng, "food", "dish")
    if wset & {"drink", "beverage"}:
        return fake(rng, "food", "drink")
    if wset & {"os", "platform"}:
        return fake(rng, "development", "os")
    if ws[-2:] == ["programming", "language"]:
        return fake(rng, "development", "programming_language")
    if last == "version":
        return fake(rng, "development", "version")
    if "species" in wset or last in ("animal", "pet_type"):
        return rng.choice(VOCAB["species"])
    return None


def _thing_name(entity: str, ws: list[str], index: int, rng: Random) -> str:
    """The name of a record that is not a person: a company, a pet, a dish, a course, a room."""
    noun = " ".join(w for w in words(entity)).title() or "Item"
    if entity in ANIMALS:
        return fake(rng, "person", "first_name")
    if entity in ORGANISATIONS or ws[:1] and ws[0] in ORGANISATIONS:
        return fake(rng, "finance", "company")
    if entity in ("dish", "menu_item", "meal", "recipe", "food"):
        return fake(rng, "food", "dish")
    if entity in ("drink", "beverage"):
        return fake(rng, "food", "drink")
    if entity in ("vehicle", "car"):
        return fake(rng, "transport", "car")
    if entity in ("stock", "fund", "security", "asset"):
        return fake(rng, "finance", "stock_name")
    if entity in ("city", "location", "destination", "airport", "branch", "office"):
        return fake(rng, "address", "city") + ("" if entity == "city" else f" {noun}")
    if entity in ("file", "document", "attachment"):
        return fake(rng, "file", "file_name")
    return f"{fake(rng, 'address', 'street_name')} {noun}"


def vin(rng: Random) -> str:
    """A 17-character vehicle identification number with a valid check digit (ISO 3779 weights)."""
    chars = [rng.choice(VIN_CHARS) for _ in range(17)]
    total = sum(_VIN_VALUE[c] * w for c, w in zip(chars, _VIN_WEIGHTS))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


_VIN_VALUE = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
