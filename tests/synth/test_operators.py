"""Synthesized operators run as ordinary tools: reads select, writes change state or fail with a reason."""

import json
from dataclasses import replace

import pytest

from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.folder import build_domain
from agentscaler_gym.synth.operators import plan_tool, tool_spec
from agentscaler_gym.synth.policy import policy_text
from agentscaler_gym.synth.schema import ToolShape, bind_entities, infer_schema, tool_shape
from agentscaler_gym.synth.spec import DomainSpec, SeedData
from agentscaler_gym.synth.values import CURRENT_DATE
from agentscaler_gym.tasks import ASSISTANT


def api(name, props, required=(), returns=None, category="Pet shop"):
    return ApiSpec(
        name,
        f"{name} tool.",
        {"type": "object", "properties": props, "required": list(required)},
        returns or {},
        category,
        "test",
    )


S = {"type": "string", "description": "text"}
INT = {"type": "integer", "description": "number"}
STATUS = {"type": "string", "description": "state", "enum": ["available", "sold"]}
APIS = [
    api("get_pet", {"pet_id": INT}, ["pet_id"]),
    api("find_pets", {"name": S, "status": STATUS, "min_age": INT, "max_age": INT, "limit": INT}),
    api("add_pet", {"name": S, "age": INT, "status": STATUS, "owner_id": S}, ["name", "owner_id"]),
    api("update_pet", {"pet_id": INT, "name": S, "status": STATUS, "api_key": S}, ["pet_id"]),
    api("delete_owner", {"owner_id": S}, ["owner_id"]),
    api("cancel_adoption", {"adoption_id": INT, "reason": S}, ["adoption_id"]),
    api("get_owner", {"owner_id": S}, ["owner_id"]),
    api("register_owner", {"username": S, "city": S}, ["username"]),
]


def make_spec(apis=APIS):
    shapes = [tool_shape(a) for a in apis]
    bound = bind_entities(shapes)
    plans = {s.name: plan_tool(s, bound[s.name])[0] for s in shapes}
    entities = infer_schema(shapes, plans)
    tools = tuple(tool_spec(s, plans[s.name], entities) for s in shapes)
    specs = tuple(e.spec() for e in entities.values())
    data = SeedData(3, 8, CURRENT_DATE.isoformat())  # no stored rows: they are generated from the seed
    return DomainSpec("pets", "Pets", "", policy_text("Pets", "", specs, tools), data, specs, tools)


@pytest.fixture(scope="module")
def domain():
    return build_domain(make_spec(), {})


@pytest.fixture
def db(domain):
    seat = domain.seats()[ASSISTANT]
    yield seat
    seat.close()


def call(domain, db, tool, **arguments):
    answer = db.call(tool, arguments)
    text, ok = answer.text, answer.ok
    return (json.loads(text) if ok else text), ok


def test_tools_are_classified_by_verb_and_bound_to_entities():
    spec = make_spec()
    ops = {t.name: (t.operator.op, t.operator.entity, t.kind) for t in spec.tools}
    assert ops == {
        "get_pet": ("get", "pet", "read"),
        "find_pets": ("list", "pet", "read"),
        "add_pet": ("create", "pet", "write"),
        "update_pet": ("update", "pet", "write"),
        "delete_owner": ("delete", "owner", "write"),
        "cancel_adoption": ("transition", "adoption", "write"),
        "get_owner": ("get", "owner", "read"),
        "register_owner": ("create", "owner", "write"),
    }


def test_schema_has_keys_foreign_keys_and_a_status_column_for_transitions():
    entities = {e.name: e for e in make_spec().entities}
    pet = {c.name: c for c in entities["pet"].columns}
    assert entities["pet"].key == "pet_id" and pet["pet_id"].type == "integer"
    assert pet["owner_id"].references == "owner" and pet["status"].enum == ["available", "sold"]
    assert {"name", "age"} <= set(pet) and "api_key" not in pet and "limit" not in pet and "min_age" not in pet
    adoption = {c.name: c for c in entities["adoption"].columns}
    assert "cancelled" in adoption["status"].enum and adoption["status"].initial == "active"


def test_credentials_are_removed_from_tool_schemas():
    spec = make_spec()
    update = next(t for t in spec.tools if t.name == "update_pet")
    assert "api_key" not in update.parameters["properties"]


def test_get_returns_the_row_and_a_missing_key_is_an_error_the_agent_reads(domain, db):
    row, ok = call(domain, db, "get_pet", pet_id=3)
    assert ok and row["pet_id"] == 3 and set(row) >= {"name", "status", "owner_id"}
    text, ok = call(domain, db, "get_pet", pet_id=999)
    assert not ok and "no pet with pet id 999" in text


def test_list_filters_by_equality_ignoring_case_and_by_range_and_limit(domain, db):
    pets, _ = call(domain, db, "find_pets")
    assert len(pets) == 8
    name = pets[2]["name"]
    found, _ = call(domain, db, "find_pets", name=name.upper())
    assert [p["pet_id"] for p in found] == [p["pet_id"] for p in pets if p["name"].lower() == name.lower()]
    ages = sorted(p["age"] for p in pets)
    middle, _ = call(domain, db, "find_pets", min_age=ages[2], max_age=ages[5])
    assert {p["pet_id"] for p in middle} == {p["pet_id"] for p in pets if ages[2] <= p["age"] <= ages[5]}
    limited, _ = call(domain, db, "find_pets", limit=2)
    assert [p["pet_id"] for p in limited] == [p["pet_id"] for p in pets[:2]]


def test_reads_leave_the_database_unchanged(domain, db):
    for name, args in [
        ("get_pet", {"pet_id": 1}),
        ("find_pets", {"status": "sold"}),
        ("get_owner", {"owner_id": "OWN-0001"}),
    ]:
        call(domain, db, name, **args)
    assert db.changes() == {}


def test_create_assigns_the_next_key_and_checks_the_foreign_key(domain, db):
    row, ok = call(domain, db, "add_pet", name="Rex", age=4, owner_id="OWN-0002")
    assert ok and row["pet_id"] == 9 and row["owner_id"] == "OWN-0002"
    text, ok = call(domain, db, "add_pet", name="Rex", owner_id="OWN-0999")
    assert not ok and "no owner with id 'OWN-0999'" in text
    owner, ok = call(domain, db, "register_owner", username="newbie", city="Lima")
    assert ok and owner["owner_id"] == "OWN-0009"
    assert len(db.changes()) == 2


def test_update_that_changes_nothing_fails_and_leaves_the_row(domain, db):
    pet, _ = call(domain, db, "get_pet", pet_id=2)
    text, ok = call(domain, db, "update_pet", pet_id=2, status=pet["status"])
    assert not ok and "nothing to change" in text and db.changes() == {}
    other = "sold" if pet["status"] == "available" else "available"
    row, ok = call(domain, db, "update_pet", pet_id=2, status=other)
    assert ok and row["status"] == other and list(db.changes()) == [("pet", 2)]


def test_transition_enforces_its_start_states(domain, db):
    adoptions = next(rows for m, rows in domain.rows.items() if m._meta.table_name == "adoption")
    key = next(r["adoption_id"] for r in adoptions if r["status"] != "cancelled")
    row, ok = call(domain, db, "cancel_adoption", adoption_id=key, reason="moved away")
    assert ok and row["status"] == "cancelled" and row["reason"] == "moved away"
    text, ok = call(domain, db, "cancel_adoption", adoption_id=key)
    assert not ok and "already cancelled" in text
    assert list(db.changes()) == [("adoption", key)]


def test_delete_refuses_rows_that_others_refer_to(domain, db):
    pets, _ = call(domain, db, "find_pets")
    used = pets[0]["owner_id"]
    text, ok = call(domain, db, "delete_owner", owner_id=used)
    assert not ok and "still refer to it" in text
    owners = {f"OWN-{i:04d}" for i in range(1, 9)}
    free = sorted(owners - {p["owner_id"] for p in pets})[0]
    row, ok = call(domain, db, "delete_owner", owner_id=free)
    assert ok and row == {"deleted": True, "owner_id": free} and db.changes() == {("owner", free): None}


def test_bad_arguments_come_back_as_errors_and_change_nothing(domain, db):
    for name, args in [
        ("get_pet", {"pet_id": "three"}),
        ("add_pet", {"name": "X"}),
        ("update_pet", {"pet_id": 1, "colour": "red"}),
        ("find_pets", {"status": "lost"}),
        ("nope", {}),
    ]:
        text, ok = call(domain, db, name, **args)
        assert not ok and text.startswith("Error:")
    assert db.changes() == {}


def test_seed_rows_are_the_same_for_the_same_seed_and_differ_for_another(domain):
    spec = make_spec()
    again = build_domain(spec, {})
    other = build_domain(replace(spec, data=replace(spec.data, seed=4)), {})

    def rows(d):
        return {m._meta.table_name: r for m, r in d.rows.items()}

    assert rows(again) == rows(domain)
    assert rows(other) != rows(domain)


def test_policy_states_the_rules_the_tools_enforce():
    policy = make_spec().policy
    assert "cancel_adoption" in policy and "cancelled" in policy
    assert "A pet must refer to an existing owner" in policy


def test_verb_and_noun_reading_of_tool_names():
    def shape(name):
        return tool_shape(api(name, {"x": S}))

    assert (shape("get_pet_by_id").verb, shape("get_pet_by_id").noun) == ("get", ["pet"])
    assert (shape("pets_list_by_owner").verb, shape("pets_list_by_owner").noun) == ("list", ["pet"])
    assert (shape("borrow_book").verb, shape("borrow_book").noun) == (None, ["borrow", "book"])
    assert (shape("book_flight").verb, shape("book_flight").noun) == ("book", ["flight"])
    assert isinstance(shape("calculate_bmi"), ToolShape)
