"""Airline: business rules in the tools, exact state changes, task splits, determinism.

(``check_env`` and ``check_domain`` on every registered id live in tests/test_envs.py.)
"""

import json
import re
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscaler_gym.checks import run_turns
from agentscaler_gym.domains.airline import DOMAIN
from agentscaler_gym.domains.airline.data import NOW, TODAY, generate
from agentscaler_gym.domains.airline.fares import BAG_FEE, COMPENSATION, free_bags
from agentscaler_gym.domains.airline.models import Flight, FlightDate, PaymentMethod, Reservation, User
from agentscaler_gym.domains.airline.tasks import FAMILIES, make_tasks
from agentscaler_gym.env import ToolUseEnv
from agentscaler_gym.personas import persona
from agentscaler_gym.seat import changes
from agentscaler_gym.tasks import ASSISTANT, oracle_turns
from agentscaler_gym.users import ScriptedUser

ROWS = DOMAIN.rows
USERS = {u["id"]: u for u in ROWS[User]}
LEGS = {leg["id"]: leg for leg in ROWS[FlightDate]}
METHODS = ROWS[PaymentMethod]


def leg_of(segment):
    return LEGS[f"{segment['flight_number']}:{segment['date']}"]


def departed(segment):
    leg = leg_of(segment)
    return leg["status"] in ("flying", "landed") or leg["date"] < TODAY


def methods_of(user_id, kind):
    return [m for m in METHODS if m["user"] == user_id and m["kind"] == kind]


def reservation(predicate):
    return next(r for r in ROWS[Reservation] if r["status"] == "active" and predicate(r))


def upcoming(r):
    return not any(departed(s) for s in r["flights"])


def old_booking(r):
    return datetime.fromisoformat(r["created_at"]) < NOW - timedelta(hours=24)


def undisrupted(r):
    return all(leg_of(s)["status"] == "available" for s in r["flights"])


@pytest.fixture()
def db():
    seat = DOMAIN.seats()[ASSISTANT]
    yield seat
    seat.close()


def call(db, name, **arguments):
    answer = db.call(name, arguments)
    return answer.text, answer.ok


def row(db, model, key):
    with db.db.active():
        return model.find(**{model._meta.primary_key.name: key})


# -- rules: a call that breaks one fails and leaves the database as it was -----------------------

BASIC_OLD = reservation(
    lambda r: r["cabin"] == "basic_economy" and upcoming(r) and old_booking(r) and not r["insurance"] and undisrupted(r)
)
STARTED = reservation(
    lambda r: departed(r["flights"][0]) and not departed(r["flights"][-1]) and r["cabin"] == "economy"
)
ECONOMY_UPCOMING = reservation(
    lambda r: (
        r["cabin"] == "economy"
        and upcoming(r)
        and undisrupted(r)
        and r["total_baggages"] > 0
        and len(r["passengers"]) < 5
        and methods_of(r["user"], "credit_card")
    )
)
OTHER_CARD = next(m for m in METHODS if m["kind"] == "credit_card" and m["user"] != ECONOMY_UPCOMING["user"])
FLIGHTS = {f["flight_number"]: f for f in ROWS[Flight]}
CANCELLED_LEG = next(leg for leg in ROWS[FlightDate] if leg["status"] == "cancelled" and leg["date"] > TODAY)
FULL_LEG = next(
    leg
    for leg in ROWS[FlightDate]
    if leg["status"] == "available" and leg["date"] > TODAY and leg["seats"]["business"] == 0
)
OPEN_LEG = next(
    leg
    for leg in ROWS[FlightDate]
    if leg["status"] == "available" and leg["date"] > TODAY and leg["seats"]["economy"] > 0
)
PAST_LEG = next(leg for leg in ROWS[FlightDate] if leg["date"] == "2024-05-02")
RICH_USER = next(
    u for u in ROWS[User] if len(methods_of(u["id"], "certificate")) >= 2 and methods_of(u["id"], "credit_card")
)


def booking(user, legs, cabin="economy", payments=(), **changes):
    """book_reservation arguments for ``user`` on the given flight dates (one way), one passenger."""
    arguments = {
        "user_id": user["id"],
        "origin": FLIGHTS[legs[0]["flight"]]["origin"],
        "destination": FLIGHTS[legs[-1]["flight"]]["destination"],
        "trip_type": "one_way",
        "cabin": cabin,
        "flights": [{"flight_number": leg["flight"], "date": leg["date"]} for leg in legs],
        "passengers": [{"first_name": user["first_name"], "last_name": user["last_name"], "dob": user["dob"]}],
        "payment_methods": list(payments),
        "total_baggages": 0,
        "insurance": False,
    }
    return {**arguments, **changes}


def segments(r, keep=slice(None)):
    return [{"flight_number": s["flight_number"], "date": s["date"]} for s in r["flights"][keep]]


NEXT_DAY_LEG = LEGS[f"{OPEN_LEG['flight']}:2024-05-{int(OPEN_LEG['date'][-2:]) % 30 + 1:02d}"]
VIOLATIONS = {
    "cancel a basic economy booking older than a day without a covered reason": (
        "cancel_reservation",
        {"reservation_id": BASIC_OLD["id"], "reason": "change of plan"},
        "cannot be cancelled",
    ),
    "cancel a trip that has started": (
        "cancel_reservation",
        {"reservation_id": STARTED["id"], "reason": "health"},
        "already departed",
    ),
    "claim an airline cancellation that did not happen": (
        "cancel_reservation",
        {"reservation_id": BASIC_OLD["id"], "reason": "airline cancelled flight"},
        "was cancelled by the airline",
    ),
    "change basic economy flights": (
        "update_reservation_flights",
        {"reservation_id": BASIC_OLD["id"], "flights": segments(BASIC_OLD), "payment_id": "x"},
        "basic economy",
    ),
    "drop a flight that already departed": (
        "update_reservation_flights",
        {"reservation_id": STARTED["id"], "flights": segments(STARTED, slice(1, None)), "payment_id": "x"},
        "must stay in the reservation",
    ),
    "change the cabin after departure": (
        "update_reservation_cabin",
        {"reservation_id": STARTED["id"], "cabin": "business", "payment_id": "x"},
        "already departed",
    ),
    "remove checked bags": (
        "update_reservation_baggages",
        {
            "reservation_id": ECONOMY_UPCOMING["id"],
            "total_baggages": ECONOMY_UPCOMING["total_baggages"] - 1,
            "payment_id": methods_of(ECONOMY_UPCOMING["user"], "credit_card")[0]["id"],
        },
        "only be added",
    ),
    "pay with another user's card": (
        "update_reservation_baggages",
        {
            "reservation_id": ECONOMY_UPCOMING["id"],
            "total_baggages": ECONOMY_UPCOMING["total_baggages"] + 3,
            "payment_id": OTHER_CARD["id"],
        },
        "not found in the profile",
    ),
    "change the number of passengers": (
        "update_reservation_passengers",
        {
            "reservation_id": ECONOMY_UPCOMING["id"],
            "passengers": ECONOMY_UPCOMING["passengers"] + ECONOMY_UPCOMING["passengers"][:1],
        },
        "cannot change",
    ),
    "send a certificate above the cap": ("send_certificate", {"user_id": BASIC_OLD["user"], "amount": 5000}, "at most"),
    "book a flight the airline cancelled": (
        "book_reservation",
        booking(RICH_USER, [CANCELLED_LEG]),
        "is cancelled and cannot be booked",
    ),
    "book a cabin with no seats left": (
        "book_reservation",
        booking(RICH_USER, [FULL_LEG], cabin="business"),
        "0 business seat(s) left",
    ),
    "book flights that do not connect": (
        "book_reservation",
        booking(RICH_USER, [OPEN_LEG, NEXT_DAY_LEG]),
        "leaves from",
    ),
    "book a flight in the past": ("book_reservation", booking(RICH_USER, [PAST_LEG]), "cannot be booked"),
    "pay less than the total": (
        "book_reservation",
        booking(
            RICH_USER,
            [OPEN_LEG],
            payments=[{"payment_id": methods_of(RICH_USER["id"], "credit_card")[0]["id"], "amount": 1}],
        ),
        "but the total is",
    ),
    "pay with two certificates": (
        "book_reservation",
        booking(
            RICH_USER,
            [OPEN_LEG],
            payments=[{"payment_id": m["id"], "amount": 1} for m in methods_of(RICH_USER["id"], "certificate")[:2]],
        ),
        "at most one certificate",
    ),
}


@pytest.mark.parametrize("case", list(VIOLATIONS))
def test_a_call_that_breaks_a_rule_fails_and_changes_nothing(db, case):
    name, arguments, message = VIOLATIONS[case]
    before = db.db.digest()
    text, ok = call(db, name, **arguments)
    assert not ok and text.startswith("Error:"), text
    assert message in text
    assert db.db.digest() == before and db.changes() == {}


def test_a_gift_card_cannot_pay_more_than_its_balance(db):
    user = next(
        u
        for u in ROWS[User]
        if methods_of(u["id"], "gift_card") and methods_of(u["id"], "gift_card")[0]["balance"] < 100
    )
    gift = methods_of(user["id"], "gift_card")[0]
    leg = next(
        leg
        for leg in ROWS[FlightDate]
        if leg["status"] == "available" and leg["date"] > TODAY and leg["seats"]["business"] > 0
    )
    price = leg["prices"]["business"]
    assert price > gift["balance"]
    before = db.db.digest()
    text, ok = call(
        db,
        "book_reservation",
        **booking(user, [leg], cabin="business", payments=[{"payment_id": gift["id"], "amount": price}]),
    )
    assert not ok and "less than" in text
    assert db.db.digest() == before


# -- allowed calls: exactly the expected rows change ---------------------------------------------


def test_cancelling_a_fresh_booking_refunds_every_payment_and_frees_the_seats(db):
    r = reservation(lambda r: not old_booking(r) and upcoming(r) and r["cabin"] != "business")
    text, ok = call(db, "cancel_reservation", reservation_id=r["id"], reason="change of plan")
    assert ok, text
    legs = {f"{s['flight_number']}:{s['date']}" for s in r["flights"]}
    paid = {p["payment_id"]: p["amount"] for p in r["payment_history"]}
    stored = [pid for pid in paid if not pid.startswith("credit_card")]
    assert {k for k in db.changes()} == {("reservation", r["id"])} | {("flight_date", leg) for leg in legs} | {
        ("payment_method", p) for p in stored
    }
    after = row(db, Reservation, r["id"])
    assert after.status == "cancelled"
    assert after.payment_history[len(r["payment_history"]) :] == [
        {"payment_id": k, "amount": -v} for k, v in paid.items()
    ]
    for leg in legs:
        assert row(db, FlightDate, leg).seats[r["cabin"]] == LEGS[leg]["seats"][r["cabin"]] + len(r["passengers"])


def test_a_booking_charges_fares_insurance_and_extra_bags_and_takes_seats(db):
    user = next(
        u
        for u in ROWS[User]
        if u["membership"] == "silver"
        and methods_of(u["id"], "gift_card")
        and methods_of(u["id"], "gift_card")[0]["balance"] >= 400
    )
    gift = methods_of(user["id"], "gift_card")[0]
    leg = next(
        leg
        for leg in ROWS[FlightDate]
        if leg["status"] == "available"
        and leg["date"] > TODAY
        and leg["seats"]["basic_economy"] >= 1
        and leg["prices"]["basic_economy"] <= 400 - 30 - 2 * BAG_FEE
    )
    bags = free_bags("silver", "basic_economy") + 2  # two bags above the allowance
    total = leg["prices"]["basic_economy"] + 30 + 2 * BAG_FEE
    text, ok = call(
        db,
        "book_reservation",
        **booking(
            user,
            [leg],
            cabin="basic_economy",
            total_baggages=bags,
            insurance=True,
            payments=[{"payment_id": gift["id"], "amount": total}],
        ),
    )
    assert ok, text
    new_id = json.loads(text)["reservation_id"]
    assert set(db.changes()) == {("reservation", new_id), ("flight_date", leg["id"]), ("payment_method", gift["id"])}
    assert row(db, PaymentMethod, gift["id"]).balance == gift["balance"] - total
    assert row(db, FlightDate, leg["id"]).seats["basic_economy"] == leg["seats"]["basic_economy"] - 1
    booked = row(db, Reservation, new_id)
    assert (booked.nonfree_baggages, booked.created_at, booked.status) == (2, NOW.isoformat(), "active")


def test_equal_requests_in_another_spelling_reach_the_same_state():
    """Key order and 250 vs 250.0 do not matter: JSON columns are canonical, amounts whole dollars."""
    task = next(t for t in DOMAIN.task_list("test") if t.family == "book_one_way")
    gold = dict(task.gold_calls[-1].arguments)
    respelled = {
        **gold,
        "passengers": [dict(reversed(list(p.items()))) for p in gold["passengers"]],
        "payment_methods": [
            {"amount": float(p["amount"]), "payment_id": p["payment_id"]} for p in gold["payment_methods"]
        ],
    }
    a, b = DOMAIN.seats()[ASSISTANT], DOMAIN.seats()[ASSISTANT]
    assert call(a, "book_reservation", **gold)[1] and call(b, "book_reservation", **respelled)[1]
    assert changes({ASSISTANT: a}) == changes({ASSISTANT: b}) == DOMAIN.gold(task)


def test_changing_a_flight_charges_the_fare_difference_and_moves_the_seats(db):
    task = next(t for t in DOMAIN.task_list("test") if t.family == "change_flight")
    update = task.gold_calls[-1].arguments
    r = next(r for r in ROWS[Reservation] if r["id"] == update["reservation_id"])
    old, new = r["flights"][-1], update["flights"][-1]
    new_leg = LEGS[f"{new['flight_number']}:{new['date']}"]
    difference = (new_leg["prices"][r["cabin"]] - old["price"]) * len(r["passengers"])
    text, ok = call(db, "update_reservation_flights", **update)
    assert ok, text
    after = row(db, Reservation, r["id"])
    assert after.payment_history == r["payment_history"] + (
        [{"payment_id": update["payment_id"], "amount": difference}] if difference else []
    )
    assert after.flights[-1]["price"] == new_leg["prices"][r["cabin"]]
    assert row(db, FlightDate, new_leg["id"]).seats[r["cabin"]] == new_leg["seats"][r["cabin"]] - len(r["passengers"])
    old_id = f"{old['flight_number']}:{old['date']}"
    assert row(db, FlightDate, old_id).seats[r["cabin"]] == LEGS[old_id]["seats"][r["cabin"]] + len(r["passengers"])


def test_extra_bags_cost_fifty_dollars_above_the_tier_and_cabin_allowance_per_passenger(db):
    r = reservation(
        lambda r: (
            upcoming(r)
            and r["cabin"] == "economy"
            and len(r["passengers"]) == 2
            and r["nonfree_baggages"] == 0
            and methods_of(r["user"], "credit_card")
        )
    )
    membership = USERS[r["user"]]["membership"]
    card = methods_of(r["user"], "credit_card")[0]
    total = 2 * free_bags(membership, "economy") + 1
    text, ok = call(
        db, "update_reservation_baggages", reservation_id=r["id"], total_baggages=total, payment_id=card["id"]
    )
    assert ok, text
    assert set(db.changes()) == {("reservation", r["id"])}
    after = row(db, Reservation, r["id"])
    assert (after.total_baggages, after.nonfree_baggages) == (total, 1)
    assert after.payment_history[-1] == {"payment_id": card["id"], "amount": BAG_FEE}


def test_a_cabin_downgrade_refunds_the_difference_to_a_gift_card(db):
    r = reservation(
        lambda r: (
            upcoming(r)
            and undisrupted(r)
            and r["cabin"] == "business"
            and methods_of(r["user"], "gift_card")
            and all(leg_of(s)["seats"]["economy"] >= len(r["passengers"]) for s in r["flights"])
        )
    )
    gift = methods_of(r["user"], "gift_card")[0]
    refund = sum(s["price"] - leg_of(s)["prices"]["economy"] for s in r["flights"]) * len(r["passengers"])
    text, ok = call(db, "update_reservation_cabin", reservation_id=r["id"], cabin="economy", payment_id=gift["id"])
    assert ok, text
    assert row(db, PaymentMethod, gift["id"]).balance == gift["balance"] + refund
    assert row(db, Reservation, r["id"]).payment_history[-1] == {"payment_id": gift["id"], "amount": -refund}


def test_a_certificate_gets_the_same_id_in_every_run():
    a, b = DOMAIN.seats()[ASSISTANT], DOMAIN.seats()[ASSISTANT]
    user = ROWS[User][0]["id"]
    assert (
        call(a, "send_certificate", user_id=user, amount=150)[1]
        and call(b, "send_certificate", user_id=user, amount=150)[1]
    )
    assert a.changes() == b.changes() and len(a.changes()) == 1
    ((table, key),) = a.changes()
    assert table == "payment_method" and key.startswith("certificate_")


@pytest.mark.parametrize(
    "name, arguments",
    [
        ("get_user_details", {"user_id": ROWS[User][3]["id"]}),
        ("get_reservation_details", {"reservation_id": ROWS[Reservation][5]["id"]}),
        ("list_all_airports", {}),
        (
            "search_direct_flight",
            {"origin": ROWS[Flight][0]["origin"], "destination": ROWS[Flight][0]["destination"], "date": "2024-05-22"},
        ),
        ("search_onestop_flight", {"origin": "SEA", "destination": "MIA", "date": "2024-05-22"}),
        ("get_flight_status", {"flight_number": ROWS[Flight][0]["flight_number"], "date": TODAY}),
        ("calculate", {"expression": "2 * (3 + 4)"}),
    ],
)
def test_read_tools_answer_without_writing(db, name, arguments):
    text, ok = call(db, name, **arguments)
    assert ok and text and db.changes() == {}


def test_one_stop_search_leaves_an_hour_to_connect(db):
    pairs = json.loads(call(db, "search_onestop_flight", origin="SEA", destination="MIA", date="2024-05-22")[0])
    assert pairs
    for first, second in pairs:
        assert first["destination"] == second["origin"] and (first["origin"], second["destination"]) == ("SEA", "MIA")
        hours, minutes = map(int, second["departure_time"].split(":"))
        arrive_h, arrive_m = map(int, first["arrival_time"].split(":"))
        assert hours * 60 + minutes >= arrive_h * 60 + arrive_m + 60
        assert first["status"] == second["status"] == "available"


@pytest.mark.parametrize(
    "expression, answer", [("(312 + 287) * 2 + 50", "1248"), ("10 / 4", "2.5"), ("-3 + 1", "-2"), ("1/3", "0.33")]
)
def test_calculate_does_arithmetic(db, expression, answer):
    assert call(db, "calculate", expression=expression) == (answer, True)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').getcwd()",
        "x + 1",
        "2 ** 100000",
        "1 / 0",
        "(" * 300 + "1" + ")" * 300,
        "[1, 2]",
        "1e308 * 10",
        "1e308 * 10 - 1e308 * 10",
    ],
)
def test_calculate_refuses_anything_but_arithmetic(db, expression):
    text, ok = call(db, "calculate", expression=expression)
    assert not ok and text.startswith("Error:")


# -- tasks ---------------------------------------------------------------------------------------


def test_splits_are_large_and_every_task_validates():
    splits = DOMAIN.splits()
    assert len(splits["train"]) >= 500 and len(splits["test"]) >= 150
    assert DOMAIN.rejected == {}
    for split in ("train", "test"):
        assert {t.family for t in splits[split]} == set(FAMILIES)
    ids = [t.id for ts in splits.values() for t in ts]
    assert len(ids) == len(set(ids))


def test_no_test_user_appears_in_a_training_task():
    def users(split):
        return {
            c.arguments["user_id"]
            for t in DOMAIN.task_list(split)
            for c in t.gold_calls
            if c.name == "get_user_details"
        }

    assert not users("train") & users("test")
    assert all(t.gold_calls[0].name == "get_user_details" for ts in DOMAIN.splits().values() for t in ts)


def test_data_and_tasks_are_deterministic():
    again = generate(DOMAIN.data_seed)
    assert again == ROWS
    assert generate(DOMAIN.data_seed + 1)[Reservation] != ROWS[Reservation]
    first, second = make_tasks(DOMAIN), make_tasks(DOMAIN)
    assert [t.to_dict() for t in first["test"]] == [t.to_dict() for t in second["test"]]
    assert [t.to_dict() for t in first["train"]] == [t.to_dict() for t in second["train"]]


def test_generated_world_has_the_stated_size():
    assert len(ROWS[User]) == 500 and len(ROWS[Flight]) == 300 and len(ROWS[FlightDate]) == 300 * 30
    assert 900 <= len(ROWS[Reservation]) <= 1100
    assert {leg["status"] for leg in ROWS[FlightDate]} == {"available", "delayed", "cancelled", "flying", "landed"}
    assert {m["kind"] for m in METHODS} == {"credit_card", "gift_card", "certificate"}


@pytest.mark.parametrize(
    "family, tool", [("refuse_cancel", "cancel_reservation"), ("refuse_change", "update_reservation_flights")]
)
def test_what_a_refusal_task_forbids_the_tools_refuse(db, family, tool):
    for task in [t for t in DOMAIN.task_list("test") if t.family == family]:
        r = next(r for r in ROWS[Reservation] if r["id"] == task.scenario.known["reservation id"])
        card = (methods_of(r["user"], "credit_card") or methods_of(r["user"], "gift_card"))[0]["id"]
        arguments = (
            {"reservation_id": r["id"], "reason": task.scenario.known["reason"]}
            if tool == "cancel_reservation"
            else {"reservation_id": r["id"], "flights": segments(r), "payment_id": card}
        )
        text, ok = call(db, tool, **arguments)
        assert not ok, (task.id, text)
    assert db.changes() == {}


def test_compensation_is_per_passenger_by_flight_status():
    for task in [t for t in DOMAIN.task_list("train") if t.family == "compensation"]:
        leg = LEGS[f"{task.scenario.known['flight number']}:{task.scenario.known['flight date']}"]
        r = next(r for r in ROWS[Reservation] if r["id"] == task.scenario.known["reservation id"])
        assert task.gold_calls[-1].arguments["amount"] == COMPENSATION[leg["status"]] * len(r["passengers"])


def test_a_refusal_is_failed_by_doing_the_forbidden_write_and_passed_by_reading_only():
    env = ToolUseEnv(DOMAIN, split="test")
    task = next(t for t in DOMAIN.task_list("test") if t.family == "refuse_compensation")
    assert run_turns(env, task, oracle_turns(task))[0] == 1.0
    user = task.gold_calls[0].arguments["user_id"]
    certificate = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"type": "function", "function": {"name": "send_certificate", "arguments": {"user_id": user, "amount": 50}}}
        ],
    }
    reward, info = run_turns(env, task, [*oracle_turns(task)[:-1], certificate, oracle_turns(task)[-1]])
    assert reward == 0.0 and not info["verification"]["state_match"]


def test_booking_with_the_wrong_insurance_choice_scores_zero():
    env = ToolUseEnv(DOMAIN, split="test")
    task = next(
        t
        for t in DOMAIN.task_list("test")
        if t.family == "book_round_trip"
        and [p["payment_id"][:4] for p in t.gold_calls[-1].arguments["payment_methods"]] == ["cred"]
    )
    gold = task.gold_calls[-1].arguments
    people = len(gold["passengers"])
    total = gold["payment_methods"][0]["amount"] + (-30 if gold["insurance"] else 30) * people
    wrong = {
        **gold,
        "insurance": not gold["insurance"],
        "payment_methods": [{"payment_id": gold["payment_methods"][0]["payment_id"], "amount": total}],
    }
    turns = oracle_turns(task)
    turns[-2] = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "book_reservation", "arguments": wrong}}],
    }
    reward, info = run_turns(env, task, turns)
    assert env.seats[ASSISTANT].calls[-1].name == "book_reservation"  # the booking itself went through
    assert reward == 0.0 and not info["verification"]["state_match"]


def test_the_scripted_user_confirms_a_summary_that_restates_what_it_knows():
    for task in DOMAIN.task_list("test"):
        user = ScriptedUser()
        user.start(task)
        assert task.scenario.known["user id"] in user.respond("Could you share your user id?")
        summary = "To confirm: " + "; ".join(task.scenario.known.values()) + ". Shall I proceed?"
        reply = user.respond(summary)
        assert reply in persona(task.scenario.style).confirm, (task.id, reply)


# -- valid calls with one value replaced: a readable error or success, never an internal error ---

_GOLD_CALLS = [c for task in DOMAIN.task_list("test") for c in task.gold_calls]
_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 600),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["", "2024-05-02", "2030-01-01", "JFK", "SA101", "credit_card_1"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_INTERNAL = re.compile(r"^Error: [A-Z]\w*(Error|Exception): ")
FUZZ_DB = DOMAIN.seats()[ASSISTANT]


def _paths(value, path=()):
    """Every place in a JSON value: leaves and containers."""
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, (*path, key))


def _replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, len(_GOLD_CALLS) - 1), data=st.data())
def test_a_valid_call_with_one_value_replaced_gets_a_readable_answer_and_fails_cleanly(index, data):
    gold = _GOLD_CALLS[index]
    path = data.draw(st.sampled_from(list(_paths(dict(gold.arguments)))[1:] or [()]))
    arguments = _replaced(dict(gold.arguments), path, data.draw(_ANY)) if path else {}
    FUZZ_DB.reset()
    text, ok = call(FUZZ_DB, gold.name, **arguments)
    assert not _INTERNAL.match(text), text
    if not ok:
        assert FUZZ_DB.changes() == {}
