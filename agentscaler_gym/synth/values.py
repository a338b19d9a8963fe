"""Realistic values for synthesized columns and arguments, from the column's name, type and enum.

Used twice: to fill a domain's seed database at load (``generate_rows``: same entities and seed,
same rows) and to invent new values for the writes of generated tasks (``new_value``). Randomness
comes only from ``random.Random`` seeded with strings, so nothing depends on hash randomisation.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

from .words import words

FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Diego",
    "Emma",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
LAST = [
    "Adams",
    "Brown",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Wright",
]
CITIES = [
    "Austin",
    "Berlin",
    "Cairo",
    "Denver",
    "Lisbon",
    "Madrid",
    "Nairobi",
    "Osaka",
    "Paris",
    "Quebec",
    "Rome",
    "Seattle",
    "Toronto",
    "Vienna",
    "Warsaw",
    "Boston",
    "Chicago",
    "Dublin",
    "Lima",
    "Oslo",
]
COUNTRIES = ["USA", "Germany", "Egypt", "Portugal", "Spain", "Kenya", "Japan", "France", "Canada", "Italy"]
STREETS = ["Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Lake", "Hill", "River"]
ADJECTIVES = [
    "Blue",
    "Bright",
    "Calm",
    "Golden",
    "Quick",
    "Silver",
    "Smart",
    "Swift",
    "Urban",
    "Wild",
    "Clever",
    "Bold",
    "Classic",
    "Fresh",
    "Green",
    "Happy",
    "Lucky",
    "Prime",
    "Royal",
    "Solid",
]
NOUNS = [
    "Falcon",
    "Harbor",
    "Maple",
    "Orbit",
    "Summit",
    "Meadow",
    "Comet",
    "Canyon",
    "Pioneer",
    "Atlas",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Frontier",
    "Glacier",
    "Horizon",
    "Island",
    "Juniper",
    "Lotus",
]
PHRASES = [
    "needs a quick review",
    "for the spring launch",
    "requested by the team",
    "top priority this week",
    "follow up next month",
    "checked and approved",
    "pending more details",
    "for internal use",
    "shared with partners",
    "part of the yearly plan",
]
VOCAB = {
    "genre": ["rock", "jazz", "pop", "classical", "hip hop", "folk"],
    "cuisine": ["italian", "mexican", "japanese", "indian", "thai", "greek"],
    "currency": ["USD", "EUR", "GBP", "JPY", "CAD", "CHF"],
    "language": ["en", "fr", "de", "es", "it", "ja"],
    "lang": ["en", "fr", "de", "es", "it", "ja"],
    "color": ["red", "blue", "green", "black", "white", "yellow"],
    "colour": ["red", "blue", "green", "black", "white", "yellow"],
    "gender": ["female", "male", "other"],
    "size": ["small", "medium", "large"],
    "priority": ["low", "medium", "high"],
    "level": ["beginner", "intermediate", "advanced"],
    "unit": ["metric", "imperial"],
    "method": ["card", "cash", "transfer"],
    "mode": ["standard", "express", "eco"],
    "department": ["sales", "support", "finance", "engineering", "marketing"],
    "role": ["admin", "editor", "viewer", "owner"],
    "status": ["active", "inactive", "pending"],
    "state": ["CA", "NY", "TX", "WA", "IL", "FL"],
    "category": ["general", "premium", "standard", "special", "seasonal"],
    "type": ["basic", "standard", "premium", "custom"],
    "kind": ["basic", "standard", "premium", "custom"],
    "brand": ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne"],
    "tag": ["new", "popular", "sale", "limited", "featured"],
}
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
}
BASE_DATE = dt.date(2025, 1, 1)
# The day every synthesized domain lives in (its policy states it); seed dates are placed around it.
CURRENT_DATE = dt.date(2025, 6, 1)


def generate_rows(entities: Sequence[Mapping], seed: int, count: int) -> dict[str, list[dict]]:
    """``count`` rows per entity: keys first (so foreign keys always point at a real row), then values."""
    keys = {e["name"]: [first_key(e, i) for i in range(count)] for e in entities}
    rows: dict[str, list[dict]] = {}
    for entity in entities:
        rng = random.Random(f"{seed}:{entity['name']}")
        table = rows[entity["name"]] = []
        for i in range(count):
            row: dict[str, Any] = {}
            for column in entity["columns"]:
                name = column["name"]
                if name == entity["key"]:
                    row[name] = keys[entity["name"]][i]
                elif column.get("references"):
                    row[name] = rng.choice(keys[column["references"]])
                else:
                    value = column_value(entity["name"], column, i, rng)
                    row[name] = _json_text(value) if column["type"] == "json" else value
            for start, end in date_pairs([c["name"] for c in entity["columns"]]):
                if isinstance(row[start], str) and isinstance(row[end], str) and row[end] < row[start]:
                    row[start], row[end] = row[end], row[start]  # a stay, a trip, a term: start before end
            table.append(row)
    return rows


PAIRS = (("start", "end"), ("check_in", "check_out"), ("checkin", "checkout"), ("from", "to"), ("departure", "arrival"))


def date_pairs(columns: Sequence[str]) -> list[tuple[str, str]]:
    """Column pairs that open and close a span: ``start_date``/``end_date``, ``check_in``/``check_out``."""
    names = set(columns)
    found = []
    for name in sorted(names):
        for a, b in PAIRS:
            if name == a or name.startswith(a + "_") or name.endswith("_" + a) or f"_{a}_" in name:
                other = name.replace(a, b, 1)
                if other != name and other in names and (name, other) not in found:
                    found.append((name, other))
    return found


def first_key(entity: Mapping, index: int) -> Any:
    """The key of the ``index``-th seed row: 1, 2, ... or ``PET-0001``, ..."""
    key_type = next(c["type"] for c in entity["columns"] if c["name"] == entity["key"])
    return index + 1 if key_type == "integer" else f"{entity.get('prefix', '')}{index + 1:04d}"


def new_value(entity: str, column: Mapping, schema: Mapping, index: int, rng: random.Random) -> Any:
    """A value for an argument (of JSON ``schema``) that sets ``column``: fits the schema, realistic for the column."""
    kind = schema.get("type")
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if kind == "array":
        item = schema.get("items") or {"type": "string"}
        return [
            new_value(entity, {"name": column["name"], "type": item.get("type", "string")}, item, index + k, rng)
            for k in range(1 + rng.randrange(2))
        ]
    if kind == "object":
        props = schema.get("properties") or {}
        return {
            k: new_value(entity, {"name": k, "type": v.get("type", "string")}, v, index, rng)
            for k, v in sorted(props.items())[:3]
        }
    if kind == "number" and column.get("type") == "integer":
        kind = "integer"  # a number argument that sets an integer column must be whole
    ruled = _within(kind, schema, rng)
    if ruled is not None:
        return ruled
    return column_value(
        entity,
        {**column, "type": {"integer": "integer", "number": "number", "boolean": "boolean"}.get(kind, "string")},
        index,
        rng,
    )


def column_value(entity: str, column: Mapping, index: int, rng: random.Random) -> Any:
    """A realistic value for ``column`` of ``entity``; ``index`` makes values of unique columns distinct."""
    kind = column["type"]
    if column.get("enum"):
        return rng.choice(column["enum"])
    ws = words(column["name"])
    last = ws[-1] if ws else ""
    if kind == "boolean":
        return rng.random() < 0.5
    ruled = _within(kind, column.get("rules") or {}, rng)
    if ruled is not None:
        return ruled
    if kind in ("integer", "number"):
        return _number(ws, last, kind, rng)
    if kind == "json":
        return [rng.choice(VOCAB["tag"])]
    return _text(entity, ws, last, index, rng, bool(column.get("unique")))


def _within(kind: str, rules: Mapping, rng: random.Random) -> Any:
    """A value that keeps a stated range or exact length (a limit between 100 and 5000, a 17-character
    code); None when the rules leave the choice to the column's meaning."""
    low, high = rules.get("minimum"), rules.get("maximum")
    if kind in ("integer", "number") and (low is not None or high is not None):
        low = low if low is not None else min(0, high)
        high = high if high is not None else low + 1000
        if kind == "integer":
            return rng.randint(int(math.ceil(low)), int(math.floor(high)))
        return round(rng.uniform(low, high), 2)
    length = rules.get("minLength")
    if kind == "string" and length is not None and length == rules.get("maxLength") and "pattern" not in rules:
        return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(length))
    return None


def _number(ws: list[str], last: str, kind: str, rng: random.Random) -> Any:
    ranges = [
        ({"year"}, 1990, 2026),
        ({"month"}, 1, 12),
        ({"day", "days", "nights"}, 1, 28),
        ({"hour", "hours"}, 0, 23),
        ({"age"}, 18, 85),
        ({"rating", "stars", "score"}, 1, 5),
        (
            {
                "quantity",
                "qty",
                "count",
                "guests",
                "people",
                "seats",
                "rooms",
                "party",
                "size",
                "adults",
                "children",
                "travelers",
                "tickets",
            },
            1,
            8,
        ),
        ({"minute", "minutes"}, 0, 59),
        ({"floor"}, 1, 30),
        ({"capacity", "stock", "inventory"}, 5, 500),
        ({"percent", "percentage"}, 1, 99),
        ({"duration"}, 10, 180),
        ({"latitude", "lat"}, -60, 60),
        ({"longitude", "lon", "lng"}, -150, 150),
    ]
    for names, lo, hi in ranges:
        if last in names or (names & set(ws) and kind == "integer"):
            if kind == "number" and names & {"latitude", "lat", "longitude", "lon", "lng"}:
                return round(rng.uniform(lo, hi), 4)
            return rng.randint(lo, hi) if kind == "integer" else float(rng.randint(lo, hi))
    if {
        "price",
        "amount",
        "cost",
        "total",
        "balance",
        "fee",
        "salary",
        "budget",
        "payment",
        "revenue",
        "income",
        "value",
        "fare",
    } & set(ws):
        return rng.randint(5, 900) if kind == "integer" else round(rng.uniform(5, 900), 2)
    if {"rate", "ratio", "probability", "interest"} & set(ws):
        return rng.randint(1, 20) if kind == "integer" else round(rng.uniform(0.5, 15), 2)
    return rng.randint(1, 100) if kind == "integer" else round(rng.uniform(1, 1000), 2)


def _text(entity: str, ws: list[str], last: str, index: int, rng: random.Random, unique: bool) -> str:
    first, surname = FIRST[index % 20], LAST[(index // 20 + index) % 20]
    person = entity in PERSON_ENTITIES or bool(
        {
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
        }
        & set(ws[:-1])
    )
    wset = set(ws)
    if "email" in wset:
        return f"{first}.{surname}{index}@example.com".lower()
    if last in ("username", "login", "handle", "nickname") or ws[-2:] == ["user", "name"]:
        return f"{first}{surname[0]}{index}".lower()
    if last == "first" or ws[-2:] == ["first", "name"]:
        return first
    if ws[-2:] in (["last", "name"], ["family", "name"], ["surname"]) or last == "surname":
        return surname
    if last == "name" and (person or len(ws) > 1 and ws[-2] in ("full", "display")):
        return f"{first} {surname}"
    if "phone" in wset or "mobile" in wset:
        return f"+1-555-{100 + index:03d}-{rng.randint(1000, 9999)}"
    if wset & {"city", "town", "location", "destination", "origin", "place", "venue", "region", "area"}:
        return CITIES[(index if unique else rng.randrange(20)) % 20]
    if "country" in wset or "nationality" in wset:
        return rng.choice(COUNTRIES)
    if wset & {"address", "street"}:
        return f"{rng.randint(1, 999)} {rng.choice(STREETS)} Street"
    if wset & {"zip", "postal", "postcode", "zipcode"}:
        return f"{rng.randint(10000, 99999)}"
    if wset & {"url", "website", "link", "homepage", "uri"}:
        return f"https://example.com/{entity}/{index + 1}"
    if (
        wset & {"datetime", "timestamp"}
        or last in ("at", "time")
        and len(ws) > 1
        and ws[-2] in ("created", "updated", "start", "end", "departure", "arrival")
    ):
        day = BASE_DATE + dt.timedelta(days=rng.randrange(540))
        return f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if wset & {"birth", "birthday", "dob"}:  # an adult's: 18 to 85 years before the current date
        return (CURRENT_DATE - dt.timedelta(days=rng.randrange(18 * 365, 85 * 365))).isoformat()
    if wset & {"date", "day", "deadline", "due", "checkin", "checkout"} or ws in (["check", "in"], ["check", "out"]):
        return (BASE_DATE + dt.timedelta(days=rng.randrange(540))).isoformat()
    if last == "time":
        return f"{rng.randrange(7, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}"
    if last in VOCAB and not unique:
        return rng.choice(VOCAB[last])
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
        "query",
        "feedback",
        "review",
        "details",
        "preferences",
        "request",
        "remarks",
    }:
        return f"{rng.choice(ADJECTIVES).lower()} {rng.choice(NOUNS).lower()}, {rng.choice(PHRASES)}"
    if "vin" in wset:  # 17 characters, no I, O or Q
        return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17))
    if ws[-2:] == ["last", "four"] or last in ("last4", "four"):
        return f"{rng.randrange(10000):04d}"
    if wset & {"code", "symbol", "ticker", "sku", "isbn", "serial", "number", "plate", "iata"}:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return f"{letters}{index + 1:03d}" if unique else f"{letters}{rng.randint(100, 999)}"
    noun = entity.replace("_", " ").title() if entity else rng.choice(NOUNS)
    label = f"{ADJECTIVES[index % 20]} {NOUNS[(index // 20 + index * 7) % 20]}"
    if last in ("name", "title", "label", "subject", "headline", "caption"):
        return f"{label} {noun}" if not unique else f"{label} {noun} {index + 1}"
    # Any other text column holds an identifier-like value, never a made-up label ("Blue Falcon").
    prefix = "".join(w[0] for w in ws[-3:]).upper() or "X"
    return f"{prefix}-{(index + 1) if unique else rng.randint(100, 9999):04d}"


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)
