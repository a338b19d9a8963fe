"""Synthesized worlds as training material: faithful tools, believable seed rows, measured."""

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

import agentscaler_gym
from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.operators import plan_tool
from agentscaler_gym.synth.quality import measure_folder, world_measures
from agentscaler_gym.synth.schema import tool_shape
from agentscaler_gym.synth.spec import DomainSpec, EntitySpec, OperatorSpec, SeedData, ToolSpec
from agentscaler_gym.synth.values import CURRENT_DATE, date_pairs, generate_rows
from agentscaler_gym.synth.words import MUTATING_VERBS, is_computation, mutating_verb

BUILTIN = Path(agentscaler_gym.__file__).parent / "synth" / "builtin"
NUM = {"type": "number", "description": "a number"}
S = {"type": "string", "description": "text"}


def spec_of(entities=(), tools=(), seed=0, rows=1, tables=None):
    """A domain spec made in memory; without ``tables`` its rows are generated from ``seed``."""
    data = SeedData(seed, rows, CURRENT_DATE.isoformat(), tables)
    return DomainSpec("test", "Test", "", "", data, tuple(entities), tuple(tools))


def shape(name, props, required=()):
    return tool_shape(
        ApiSpec(name, f"{name}.", {"type": "object", "properties": props, "required": list(required)}, {}, "x", "t")
    )


def inferred_spec(shapes, seed, rows):
    """A domain spec whose tables and tools the synthesis stages infer from tool shapes."""
    from agentscaler_gym.synth.operators import tool_spec
    from agentscaler_gym.synth.schema import bind_entities, infer_schema

    bound = bind_entities(shapes)
    plans = {s.name: plan_tool(s, bound[s.name])[0] for s in shapes}
    entities = infer_schema(shapes, plans)
    tools = [tool_spec(s, plans[s.name], entities) for s in shapes]
    return spec_of([e.spec() for e in entities.values()], tools, seed=seed, rows=rows)


def test_the_labelled_list_of_mutating_verbs_is_long_enough_to_measure_by():
    assert len(MUTATING_VERBS) >= 60
    assert mutating_verb("check_in_guest") == "checkin"
    assert mutating_verb("TwitterAPI.retweet") == "retweet"
    assert mutating_verb("get_account") is None


@pytest.mark.parametrize("verb", sorted(MUTATING_VERBS))
def test_a_tool_named_by_a_mutating_verb_is_a_write_or_not_offered(verb):
    for props in ({"account_id": S, "amount": NUM}, {"path": S}, {"account_id": S}):
        plan, reason = plan_tool(shape(f"{verb}_account", props, list(props)[:1]), "account")
        assert plan is None and reason or plan.op in ("create", "update", "delete", "transition"), (verb, props)


@pytest.mark.parametrize(
    "name", ["divide", "square_root", "calculate_bmi", "compute_loan_payment", "convert_currency", "math.mean"]
)
def test_a_computation_is_never_answered_by_a_row_lookup(name):
    assert is_computation(name)
    plan, reason = plan_tool(shape(name, {"a": NUM, "b": NUM}, ["a", "b"]), "number")
    assert (plan is None and "computation" in reason) or (plan.op == "compute" and plan.binding.function == name)


def test_state_changes_named_by_verbs_are_transitions():
    for name in ("check_in_guest", "withdraw_application", "submit_application", "lock_door"):
        entity = name.split("_")[-1]
        plan, _ = plan_tool(shape(name, {f"{entity}_id": S}, [f"{entity}_id"]), entity)
        assert plan is not None and plan.op == "transition", name


def test_seed_rows_are_believable():
    columns = [
        {"name": k, "type": "string"}
        for k in ("person_id", "date_of_birth", "start_date", "end_date", "check_in", "check_out", "vin", "last_four")
    ]
    columns += [{"name": "notes", "type": "string"}, {"name": "license_class", "type": "string"}]
    entity = EntitySpec.from_json({"name": "person", "key": "person_id", "prefix": "PER-", "columns": columns})
    rows = generate_rows([entity], 3, 200)["person"]
    assert rows == generate_rows([entity], 3, 200)["person"]  # same seed, same rows
    assert all(dt.date.fromisoformat(r["date_of_birth"]) < CURRENT_DATE for r in rows)
    assert date_pairs([c["name"] for c in columns]) == [("check_in", "check_out"), ("start_date", "end_date")]
    assert all(r["start_date"] <= r["end_date"] and r["check_in"] <= r["check_out"] for r in rows)
    assert all(len(r["vin"]) == 17 and not set(r["vin"]) & set("IOQ") for r in rows)
    assert all(len(r["last_four"]) == 4 and r["last_four"].isdigit() for r in rows)
    measured = world_measures(spec_of([entity], seed=3, rows=50))
    assert measured["placeholders"] == 0 and measured["births_past"] == measured["births"] == 50


def test_seed_values_agree_with_each_other_and_with_the_current_date():
    from agentscaler_gym.synth.values import SPECIES_KG, vin

    names = ["first_name", "last_name", "email", "species", "check_in", "check_out", "created_at", "updated_at"]
    columns = [{"name": "guest_id", "type": "string"}] + [{"name": n, "type": "string"} for n in names]
    columns += [
        {"name": "status", "type": "string", "enum": ["completed", "scheduled", "active"]},
        {"name": "is_active", "type": "boolean"},
        {"name": "weight", "type": "number"},
        {"name": "min_price", "type": "number"},
        {"name": "max_price", "type": "number"},
        {"name": "limit_amount", "type": "number", "rules": {"minimum": 100, "maximum": 5000}},
        {"name": "code", "type": "string", "rules": {"pattern": "^[A-Z]{2}[0-9]{3}$"}},
    ]
    entity = EntitySpec.from_json({"name": "guest", "key": "guest_id", "prefix": "GUE-", "columns": columns})
    rows = generate_rows([entity], 5, 300)["guest"]
    today = CURRENT_DATE.isoformat()
    for r in rows:
        plain = f"{r['first_name']}.{r['last_name']}".lower().replace("'", "").replace("-", "").replace(" ", "")
        assert r["email"].split("@")[0] == plain  # the row's person, not a stranger's address
        low, high = SPECIES_KG[r["species"]]
        assert low <= r["weight"] <= high, r  # no 30 kg hamster
        assert r["check_in"] <= r["check_out"] and r["created_at"] <= r["updated_at"] <= today
        assert {"completed": r["check_out"] <= today, "scheduled": r["check_in"] > today}.get(
            r["status"], r["check_in"] <= today <= r["check_out"]
        ), r
        assert r["is_active"] == (r["status"] == "active")
        assert r["min_price"] <= r["max_price"] and 100 <= r["limit_amount"] <= 5000
        assert len(r["code"]) == 5 and r["code"][:2].isupper() and r["code"][2:].isdigit()
    assert len({r["status"] for r in rows}) == 3
    measured = world_measures(spec_of([entity], seed=5, rows=300))
    assert measured["ruled_kept"] == measured["ruled_values"] == 3 * 300
    assert measured["dated_states_agree"] == measured["dated_states"] > 0
    for seed in range(50):  # ISO 3779: the ninth character is the check digit
        import random

        v = vin(random.Random(seed))
        assert len(v) == 17 and not set(v) & set("IOQ")
        values = {
            **{str(d): d for d in range(10)},
            **dict(
                zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9])
            ),
        }
        total = sum(values[c] * w for c, w in zip(v, (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)))
        assert v[8] == ("X" if total % 11 == 10 else str(total % 11))


def test_the_same_seed_gives_the_same_stored_rows_and_another_seed_other_rows():
    from agentscaler_gym.synth.values import seed_data

    spec = DomainSpec.read(BUILTIN / "pet_care" / "domain.json")
    data = seed_data(spec.entities, spec.data.seed, spec.data.rows)
    assert data == spec.data  # the committed rows are what the pinned library draws today
    assert seed_data(spec.entities, spec.data.seed + 1, spec.data.rows).tables != data.tables


def test_the_builtin_domains_measure_faithful_and_believable():
    measured = measure_folder(BUILTIN)
    assert measured["domains"] >= 20 and measured["tasks"] > 0
    assert measured["mutating_as_read"] == 0 and measured["computations_wrong"] == 0
    assert measured["births_past"] == 1.0 and measured["date_pairs_ordered"] >= 0.99
    assert measured["placeholders"] <= 0.02
    assert measured["values_in_rules"] == 1.0 and measured["dated_states_agree"] == 1.0
    assert measured["transcription"] <= 0.2 and measured["ask_to_know"] >= 0.5
    assert measured["read_only"] <= 0.4 and measured["gold_length"]["mean"] >= 2.5
    assert measured["true_dependency"] >= 0.5 and measured["test_unseen_in_train"] >= 0.5
    assert measured["mixed_sources"] <= 0.1  # tools of two themes never share a domain


def test_a_user_who_knows_a_record_by_name_leads_to_a_search_whose_answer_feeds_the_write():
    from agentscaler_gym.synth.folder import load_domain_folder
    from agentscaler_gym.users import ScriptedUser

    chained = 0
    for folder in sorted(BUILTIN.glob("*/domain.json")):
        domain = load_domain_folder(folder.parent)
        kinds = {t.name: t.kind for t in domain.tools.values()}
        for task in domain.task_list("train"):
            known = {str(v) for v in task.scenario.known.values()}
            first, *rest = task.gold_calls
            ids = [v for c in rest for v in c.arguments.values() if isinstance(v, str) and v not in known]
            if (
                first.name.startswith(("find", "search", "list"))
                and ids
                and any(kinds[c.name] == "write" for c in rest)
            ):
                chained += 1
                user = ScriptedUser()
                user.start(task)
                held = [(t, v) for t, v in task.scenario.known.items() if f"'{v}'" not in task.scenario.opening]
                assert held  # some facts wait for a question (a picked record's fact is said up front)
                topic, value = held[0]
                question = f"Could you tell me the {topic}?"
                if str(value).lower() not in question.lower():  # else it reads as a confirmation
                    assert str(value) in user.respond(question)
    assert chained >= 5


def test_rows_per_table_is_an_option(tmp_path):
    import json

    from agentscaler_gym.cli import main
    from agentscaler_gym.synth.folder import load_domain_folder

    assert main(["synth", "--corpus", "builtin", "--out", str(tmp_path), "--max-domains", "1", "--rows", "40"]) == 0
    folder = next(tmp_path.glob("*/domain.json")).parent
    spec = json.loads((folder / "domain.json").read_text())
    assert spec["data"]["rows"] == 40
    assert all(len(table) == 40 for table in spec["data"]["tables"].values())
    domain = load_domain_folder(folder)
    assert all(len(table) == 40 for table in domain.rows.values())
    with pytest.raises(SystemExit):
        main(["synth", "--corpus", "builtin", "--out", str(tmp_path), "--rows", "0"])


def test_rules_a_parameter_states_are_enforced_with_a_readable_error_and_kept_by_seed_rows():
    import json

    from agentscaler_gym.synth.folder import build_domain

    vin = {"type": "string", "description": "Vehicle identification number; must be 17 characters."}
    limit = {"type": "number", "description": "New card limit, between 100 and 5000."}
    shapes = [
        shape("add_vehicle", {"vin": vin, "owner_name": S}, ["vin"]),
        shape("get_vehicle", {"vehicle_id": S}, ["vehicle_id"]),
        shape("set_card_limit", {"card_id": S, "limit_amount": limit}, ["card_id", "limit_amount"]),
        shape("get_card", {"card_id": S}, ["card_id"]),
    ]
    spec = inferred_spec(shapes, seed=1, rows=30)
    seat = build_domain(spec, {}).seats()["assistant"]
    answer = seat.call("add_vehicle", {"vin": "X"})
    assert not answer.ok and "vin must be exactly 17 characters long, got 1" in answer.text
    answer = seat.call("set_card_limit", {"card_id": "CAR-0001", "limit_amount": 99999999})
    assert not answer.ok and "must be between 100 and 5000" in answer.text
    assert not seat.changes()
    answer = seat.call("set_card_limit", {"card_id": "CAR-0001", "limit_amount": 2500})
    assert answer.ok and json.loads(answer.text)["limit_amount"] == 2500
    rows = generate_rows(spec.entities, 1, 30)
    assert all(len(r["vin"]) == 17 for r in rows["vehicle"])
    assert all(100 <= r["limit_amount"] <= 5000 for r in rows["card"])


def test_communities_never_join_tools_of_two_named_sources():
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.graph import build_graph, detect_domains, parameter_features

    apis = load_corpus("builtin").apis
    graph = build_graph([parameter_features(a.parameters) for a in apis])
    groups = [a.category for a in apis]
    assert any(len({groups[i] for i in d}) > 1 for d in detect_domains(graph, 0).domains)  # without groups
    assert all(len({groups[i] for i in d}) == 1 for d in detect_domains(graph, 0, groups=groups).domains)


@pytest.mark.parametrize(
    "rules",
    [{"pattern": "^(a+)+$"}, {"pattern": "(["}, {"minimum": [1]}, {"maxLength": -1}, {"minimum": "5"}],
    ids=["nested-repeat", "broken-pattern", "list-bound", "negative-length", "text-bound"],
)
def test_a_folder_whose_stated_rules_could_hang_or_mislead_the_checker_is_refused(tmp_path, rules):
    import json

    from agentscaler_gym.synth.folder import load_domain_folder
    from agentscaler_gym.synth.spec import FolderError

    folder = next(p.parent for p in sorted(BUILTIN.glob("*/domain.json")))
    spec = json.loads((folder / "domain.json").read_text())
    tool = spec["tools"][0]
    param = next(iter(tool["parameters"]["properties"]))
    tool["operator"]["rules"] = {param: rules}
    (tmp_path / "domain.json").write_text(json.dumps(spec))
    (tmp_path / "tasks.json").write_text((folder / "tasks.json").read_text())
    with pytest.raises(FolderError) as caught:
        load_domain_folder(tmp_path)
    assert f"tools[0].operator.rules.{param}." in str(caught.value)


def test_formats_and_quoted_choices_stated_in_descriptions_are_enforced_and_counted():
    from agentscaler_gym.synth.folder import build_domain
    from agentscaler_gym.synth.quality import rule_measures

    due = {"type": "string", "description": "Due date in YYYY-MM-DD format."}
    priority = {"type": "string", "description": "Priority, one of 'low', 'medium' or 'high'."}
    shapes = [
        shape("create_ticket", {"title": S, "due": due, "priority": priority}, ["title", "due", "priority"]),
        shape("get_ticket", {"ticket_id": S}, ["ticket_id"]),
    ]
    spec = inferred_spec(shapes, seed=1, rows=8)
    columns = {c.name: c for c in spec.entities[0].columns}
    assert columns["due"].rules == {"format": "date"} and columns["priority"].enum == ["low", "medium", "high"]
    domain = build_domain(spec, {})
    seat = domain.seats()["assistant"]
    answer = seat.call("create_ticket", {"title": "a", "due": "next week", "priority": "low"})
    assert not answer.ok and "due must be a date as YYYY-MM-DD" in answer.text and not seat.changes()
    assert not seat.call("create_ticket", {"title": "a", "due": "2025-07-01", "priority": "urgent"}).ok
    assert seat.call("create_ticket", {"title": "a", "due": "2025-07-01", "priority": "high"}).ok
    assert rule_measures(build_domain(spec, {}), spec) == {"rules": 2, "rules_enforced": 2}


def test_seed_values_keep_a_stated_format_where_the_column_name_says_nothing():
    from agentscaler_gym.synth.schema import FORMATS, in_format

    columns = [{"name": "item_id", "type": "string"}]
    columns += [{"name": f"ref_{i}", "type": "string", "rules": {"format": f}} for i, f in enumerate(FORMATS)]
    entity = EntitySpec.from_json({"name": "item", "key": "item_id", "prefix": "ITM-", "columns": columns})
    rows = generate_rows([entity], 7, 60)["item"]
    for i, kind in enumerate(FORMATS):
        assert all(in_format(kind, r[f"ref_{i}"]) for r in rows), kind
    measured = world_measures(spec_of([entity], seed=7, rows=60))
    assert measured["ruled_kept"] == measured["ruled_values"] == 60 * len(FORMATS)


def test_a_computation_named_by_a_mutating_verb_is_judged_by_its_result_not_as_a_read():
    from test_compute import computation

    tool, _ = computation("add", {"a": {"type": "number"}, "b": {"type": "number"}})
    assert tool.operator.op == "compute" and mutating_verb("add")
    measured = world_measures(spec_of(tools=[tool], tables={}))
    assert measured.get("mutating_as_read", 0) == 0 and measured["computations"] == 1
    assert measured["computations_wrong"] == 0
    lookup = replace(tool, kind="read", operator=OperatorSpec("get", {}, "sum"))
    measured = world_measures(spec_of(tools=[lookup], tables={}))
    assert measured["mutating_as_read"] == 1


@pytest.mark.parametrize(
    "name, description, verb",
    [
        ("hotel_booking_book", "Book a hotel room at the location.", "book"),
        ("whole_foods_order", "Order food from Whole Foods.", "order"),
        ("bank_account_transfer", "Transfer a given amount.", "transfer"),
        ("library_reserve_book", "Reserves a book in the library.", "reserve"),
        ("memory_clear", "Clear the memory.", "clear"),
        ("users_profile_set", "Sets the user profile data.", "set"),
        ("usergroups_enable", "Enables a user group.", "enable"),
        ("hotels_2_book_house", "Books a selected house.", "book"),
        ("flight_schedule_get_timings", "Get the flight timings.", None),
        ("borrow_book", "Borrow a book.", None),
        ("track_order", "Get the status of an order.", None),
    ],
)
def test_the_fidelity_measure_reads_the_verb_after_a_namespace(name, description, verb):
    assert mutating_verb(name, description) == verb


def test_a_namespaced_write_implemented_as_a_read_is_counted():
    tool = ToolSpec(
        "hotel_booking_book",
        "Book a hotel room at the location.",
        "read",
        {"type": "object", "properties": {}, "required": []},
        OperatorSpec("list", {}, "booking"),
    )
    measured = world_measures(spec_of(tools=[tool], tables={}))
    assert (measured["mutating_tools"], measured["mutating_as_read"]) == (1, 1)


def test_a_description_that_names_its_suite_first_is_read_from_its_own_part():
    text = (
        "This tool belongs to the travel system, which allows users to book flights. Tool description: Book a flight."
    )
    assert mutating_verb("travel_booking_book_flight", text) == "book"


def test_a_noun_first_in_a_name_yields_to_a_description_that_asks():
    assert mutating_verb("order_types_all", "List Order Types") is None
    assert mutating_verb("place_devices", "List of Devices. Get the devices of a place.") is None
    assert mutating_verb("order_food", "Order food for delivery.") == "order"
    assert mutating_verb("order_food") == "order"


def test_the_graph_bound_covers_every_tool_sequence_walks_give():
    """Every gold sequence of up to four calls of the built-in tasks (and of more tasks walked) is one
    the dependency graph with its searches allows, and every domain's graph allows at least 200."""
    import json

    from agentscaler_gym.synth.folder import build_domain
    from agentscaler_gym.synth.quality import graph_sequences, sequence_bound
    from agentscaler_gym.synth.taskgen import TaskSettings, generate_tasks

    for i, folder in enumerate(sorted(BUILTIN.glob("*/domain.json"))):
        spec = DomainSpec.read(folder)
        assert sequence_bound(spec, cap=200) == 200
        if i % 4 != 1 and spec.name != "gym_fitness":
            continue  # a sample of the domains keeps the test short
        tasks = json.loads((folder.parent / "tasks.json").read_text())
        if spec.name == "gym_fitness":
            tasks, _ = generate_tasks(spec, build_domain(spec, {}), 1, TaskSettings(count=80, walk_length=(2, 4)))
        walked = {tuple(c["name"] for c in t["gold_calls"]) for split in tasks.values() for t in split}
        allowed = graph_sequences(spec, (2, 4), cap=10**6)
        assert {s for s in walked if len(s) <= 4} <= allowed, spec.name
