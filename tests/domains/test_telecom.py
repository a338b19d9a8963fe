"""Telecom: dual control (provider database + the customer's phone), business rules, splits, determinism."""

import json

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import agentscaler_gym  # noqa: F401 - registers the ids
from agentscaler_gym.checks import check_domain, run_turns
from agentscaler_gym.domains.telecom import DOMAIN
from agentscaler_gym.domains.telecom import data as telecom_data
from agentscaler_gym.domains.telecom.device_models import Device
from agentscaler_gym.domains.telecom.models import Bill, Customer, Line, PaymentMethod, Plan
from agentscaler_gym.domains.telecom.tasks import FAMILIES, make_tasks
from agentscaler_gym.env import ToolUseEnv
from agentscaler_gym.tasks import ASSISTANT, USER, oracle_turns

ROWS = DOMAIN.rows
DEVICES = {d["phone_number"]: d for d in DOMAIN.rows[Device]}
SEATS = DOMAIN.seats()


def call(seat, name, arguments):
    answer = seat.call(name, arguments)
    return answer.text, answer.ok


PLANS = {p["id"]: p for p in ROWS[Plan]}


def first(table, **where):
    return next(r for r in ROWS[table] if all(r[k] == v for k, v in where.items()))


def line_where(predicate):
    return next(line for line in ROWS[Line] if predicate(line))


def customer_of(line):
    return first(Customer, id=line["customer"])


def overdue(customer_id):
    return [b for b in ROWS[Bill] if b["customer"] == customer_id and b["status"] == "overdue"]


def healthy(line):
    customer = customer_of(line)
    return line["status"] == "active" and customer["account_status"] == "active" and not overdue(customer["id"])


@pytest.fixture()
def env():
    env = ToolUseEnv(DOMAIN, split="test")
    yield env
    env.close()


def task_of(family, index=0):
    return [t for t in DOMAIN.task_list("test") if t.family == family][index]


# -- acceptance ----------------------------------------------------------------------------------


def test_gymnasium_check_env_passes_on_the_registered_env():
    check_env(gym.make("AgentScaler/telecom-v0").unwrapped)


def test_oracle_scores_one_and_doing_nothing_zero_on_every_test_task():
    check_domain(DOMAIN, "test")


def test_splits_are_large_fixed_and_nothing_is_rejected():
    splits = DOMAIN.splits()
    assert len(splits["train"]) >= 300 and len(splits["test"]) >= 100
    assert DOMAIN.rejected == {}
    assert {t.family for t in splits["train"]} == {t.family for t in splits["test"]} == set(FAMILIES)
    ids = [t.id for ts in splits.values() for t in ts]
    assert len(ids) == len(set(ids))


def test_at_least_six_families_need_both_the_agent_and_the_user_to_write():
    writes = {}
    for task in DOMAIN.task_list("train"):
        actors = set()
        for call in task.gold_calls:
            if SEATS[call.actor].tools[call.name].kind == "write":
                actors.add(call.actor)
        if actors == {"assistant", USER}:
            writes.setdefault(task.family, 0)
            writes[task.family] += 1
    assert {"roaming_abroad", "data_limit", "suspended_unpaid", "resume_paused"} <= set(writes)
    dual = {t.family for t in DOMAIN.task_list("train") if any(c.actor == USER for c in t.gold_calls)}
    assert len(dual) >= 8


def test_gold_state_covers_both_databases():
    task = task_of("suspended_unpaid")
    tables = {(seat, table) for seat, table, _ in DOMAIN.gold(task)}
    assert {(ASSISTANT, "bill"), (ASSISTANT, "line"), (USER, "device")} <= tables


# -- dual control --------------------------------------------------------------------------------


def test_skipping_the_device_action_fails_with_a_diff_on_the_phone(env):
    task = task_of("airplane_mode")
    turns = [t for t in oracle_turns(task) if "toggle_airplane_mode" not in (t.get("content") or "")]
    reward, info = run_turns(env, task, turns)
    assert reward == 0.0
    diff = info["verification"]["diff"]
    assert [(d["seat"], d["table"]) for d in diff] == [(USER, "device")]
    assert diff[0]["expected"]["airplane_mode"] == 0 and diff[0]["actual"] is None  # the phone was never changed


def test_a_device_action_changes_only_the_user_database(env):
    task = task_of("mobile_data_off")
    env.reset(options={"task_id": task.id})
    phone = task.scenario.known["phone number"]
    agent_digest = env.seats[ASSISTANT].db.digest()
    assert "Mobile data is now ON" in env.device.call("toggle_mobile_data", {"phone_number": phone}).text
    assert env.seats[ASSISTANT].db.digest() == agent_digest
    assert list(env.device.changes()) == [("device", phone)]


def test_fixing_the_line_without_the_phone_reconnecting_fails(env):
    task = task_of("suspended_unpaid")
    turns = [t for t in oracle_turns(task) if "reboot_device" not in (t.get("content") or "")]
    reward, info = run_turns(env, task, turns)
    assert reward == 0.0 and {(d["seat"], d["table"]) for d in info["verification"]["diff"]} == {(USER, "device")}


def test_rebooting_without_resuming_the_line_fails_on_the_provider_side(env):
    task = task_of("suspended_unpaid")
    turns = [
        t
        for t in oracle_turns(task)
        if t.get("tool_calls") is None or t["tool_calls"][0]["function"]["name"] not in ("pay_bill", "resume_line")
    ]
    reward, info = run_turns(env, task, turns)
    assert reward == 0.0 and {d["table"] for d in info["verification"]["diff"]} == {"bill", "line"}


def test_toggling_mobile_data_off_and_on_reconnects_as_well_as_a_reboot(env):
    task = task_of("data_limit")
    phone = task.scenario.known["phone number"]
    turns = []
    for turn in oracle_turns(task):
        if "reboot_device" in (turn.get("content") or ""):
            turns += [
                {"role": "assistant", "content": "Please toggle mobile data off."},
                {"role": "assistant", "content": "Now please toggle mobile data on again."},
            ]
        else:
            turns.append(turn)
    reward, info = run_turns(env, task, turns)
    assert reward == 1.0, info["verification"]
    assert [c.name for c in env.device.calls if c.name == "toggle_mobile_data"] == ["toggle_mobile_data"] * 2
    assert all(c.arguments == {"phone_number": phone} for c in env.device.calls)


def test_the_scripted_user_runs_a_device_action_not_in_the_gold_run_with_its_own_number(env):
    task = task_of("airplane_mode")
    env.reset(options={"task_id": task.id})
    reply, *_ = env.step("Could you please check data usage on your phone?")
    assert "Mobile data used this cycle" in reply and "Error" not in reply


def test_the_agent_cannot_call_phone_tools(env):
    task = task_of("airplane_mode")
    env.reset(options={"task_id": task.id})
    phone = task.scenario.known["phone number"]
    reply, *_ = env.step(json.dumps({"name": "toggle_airplane_mode", "arguments": {"phone_number": phone}}))
    assert reply.startswith("Error: unknown tool") and env.device.changes() == {}


def test_the_phone_shows_each_fault_and_its_fix():
    phone_seat = DOMAIN.seats()[USER]
    cases = [
        ("airplane_mode", True, "toggle_airplane_mode", "check_status_bar", "airplane icon"),
        ("sim_seated", False, "reseat_sim_card", "check_status_bar", "No SIM"),
        ("mobile_data", False, "toggle_mobile_data", "run_speed_test", "mobile data is off"),
        ("network_block", "data allowance used up", "reboot_device", "run_speed_test", "data allowance used up"),
        ("network_block", "line suspended", "reboot_device", "check_status_bar", "SOS only"),
    ]
    for field, value, fix, check, symptom in cases:
        phone = next(p for p, d in DEVICES.items() if d[field] == value)
        before = phone_seat.call(check, {"phone_number": phone})
        assert before.ok and symptom in before.text, (field, before)
        assert phone_seat.call(fix, {"phone_number": phone}).ok
        after = phone_seat.call(check, {"phone_number": phone}).text
        assert symptom not in after, (field, after)


def test_a_wrong_apn_blocks_data_until_reset():
    phone_seat = DOMAIN.seats()[USER]
    phone = next(p for p, d in DEVICES.items() if d["apn_name"] != "internet.fastnet")
    call = lambda name: phone_seat.call(name, {"phone_number": phone}).text  # noqa: E731
    assert call("run_speed_test").startswith("Speed test failed")
    call("reset_apn_settings")
    assert "internet.fastnet" in call("check_apn_settings")
    assert call("run_speed_test").startswith("Download")


# -- business rules: a violation is an error and leaves the database as it was -------------------


def _delinquent_line():
    return line_where(lambda line: line["suspension_reason"] == "non-payment")


def _other_customers_method(customer_id):
    return next(m for m in ROWS[PaymentMethod] if m["customer"] != customer_id)


def expired(method):
    """Cards expire at the end of their MM/YY month; today is 2025-10-15."""
    return bool(method["expires"]) and (int(method["expires"][3:]), int(method["expires"][:2])) < (25, 10)


def _expired_card_and_open_bill():
    for method in ROWS[PaymentMethod]:
        bills = [b for b in ROWS[Bill] if b["customer"] == method["customer"] and b["status"] != "paid"]
        if expired(method) and bills:
            return method, bills[0]
    raise AssertionError("the seed data has no expired card of a customer with an open bill")


def _no_roaming_line():
    return line_where(lambda line: healthy(line) and not PLANS[line["plan"]]["roaming_allowed"])


def _roaming_line():
    return line_where(lambda line: healthy(line) and line["roaming_enabled"])


def _on_hold_line():
    return line_where(lambda line: customer_of(line)["account_status"] == "on_hold")


def _violations():
    delinquent = _delinquent_line()
    owed = overdue(delinquent["customer"])[0]
    paid = first(Bill, status="paid")
    expired_card, open_bill = _expired_card_and_open_bill()
    roaming = _roaming_line()
    no_roaming_plan = next(p for p in PLANS.values() if not p["roaming_allowed"])
    healthy_line = line_where(healthy)
    return {
        "resume with an overdue bill": ("resume_line", {"line_id": delinquent["id"]}, "overdue"),
        "refuel a suspended line": ("refuel_data", {"line_id": delinquent["id"], "gb": 1}, "suspended"),
        "pay with another customer's method": (
            "pay_bill",
            {"bill_id": owed["id"], "payment_method_id": _other_customers_method(owed["customer"])["id"]},
            "does not belong",
        ),
        "pay with an expired card": (
            "pay_bill",
            {"bill_id": open_bill["id"], "payment_method_id": expired_card["id"]},
            "expired",
        ),
        "pay a paid bill": ("pay_bill", {"bill_id": paid["id"], "payment_method_id": "PM-10000"}, "already paid"),
        "roaming on a plan without it": (
            "enable_roaming",
            {"line_id": _no_roaming_line()["id"]},
            "does not allow roaming",
        ),
        "leave roaming for a plan without it": (
            "change_plan",
            {"line_id": roaming["id"], "plan_id": no_roaming_plan["id"]},
            "disable roaming",
        ),
        "change to the same plan": (
            "change_plan",
            {"line_id": healthy_line["id"], "plan_id": healthy_line["plan"]},
            "already",
        ),
        "refuel too much": ("refuel_data", {"line_id": healthy_line["id"], "gb": 7}, "between 0.5 and 5"),
        "refuel an odd amount": ("refuel_data", {"line_id": healthy_line["id"], "gb": 1.2}, "steps of 0.5"),
        "suspend a suspended line": (
            "suspend_line",
            {"line_id": delinquent["id"], "reason": "customer request"},
            "resume it first",
        ),
        "write on an account on hold": ("enable_roaming", {"line_id": _on_hold_line()["id"]}, "on hold"),
        "unknown line": ("get_line_details", {"line_id": "L0"}, "not found"),
        "bad reason": ("suspend_line", {"line_id": healthy_line["id"], "reason": "bored"}, "must be one of"),
        "code in calculate": ("calculate", {"expression": "__import__('os').getcwd()"}, "not an arithmetic"),
        "division by zero": ("calculate", {"expression": "1/0"}, "cannot evaluate"),
    }


VIOLATIONS = _violations()


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_a_broken_rule_is_an_error_and_changes_nothing(case):
    name, arguments, message = VIOLATIONS[case]
    seat = DOMAIN.seats()[ASSISTANT]
    digest = seat.db.digest()
    text, ok = call(seat, name, arguments)
    assert not ok and text.startswith("Error") and message in text, text
    assert seat.db.digest() == digest and seat.changes() == {}


def test_an_unknown_phone_is_an_error_on_the_device():
    phone_seat = DOMAIN.seats()[USER]
    text, ok = call(phone_seat, "reboot_device", {"phone_number": "555-000-0000"})
    assert not ok and "no phone" in text and phone_seat.changes() == {}


def test_paying_the_overdue_bills_allows_resuming_the_line():
    line = _delinquent_line()
    customer = customer_of(line)
    method = next(m for m in ROWS[PaymentMethod] if m["customer"] == customer["id"] and not expired(m))
    db = DOMAIN.seats()[ASSISTANT]
    for bill in overdue(customer["id"]):
        assert call(db, "pay_bill", {"bill_id": bill["id"], "payment_method_id": method["id"]})[1]
    text, ok = call(db, "resume_line", {"line_id": line["id"]})
    assert ok and json.loads(text)["status"] == "active"


def test_refuel_adds_data_and_charges_the_plan_price():
    line = line_where(healthy)
    db = DOMAIN.seats()[ASSISTANT]
    text, ok = call(db, "refuel_data", {"line_id": line["id"], "gb": 2.5})
    details = json.loads(text)
    price = PLANS[line["plan"]]["refuel_price_per_gb"]
    assert ok and details["data_refuel_gb"] == line["data_refuel_gb"] + 2.5
    assert details["pending_charges"] == pytest.approx(line["pending_charges"] + 2.5 * price)


def test_lookup_accepts_any_phone_number_format():
    line = ROWS[Line][0]
    digits = line["phone_number"].replace("-", "")
    db = DOMAIN.seats()[ASSISTANT]
    text, ok = call(db, "get_customer_by_phone", {"phone_number": f"+1 ({digits[:3]}) {digits[3:6]} {digits[6:]}"})
    assert ok and json.loads(text)["customer_id"] == line["customer"]


def test_calculate_evaluates_arithmetic():
    db = DOMAIN.seats()[ASSISTANT]
    assert call(db, "calculate", {"expression": "(15 + 1.5) - 13.2"}) == ("3.3", True)


# -- determinism ---------------------------------------------------------------------------------


def test_the_generator_and_the_tasks_are_deterministic():
    assert telecom_data._world.__wrapped__(0) == telecom_data._world.__wrapped__(0)
    assert telecom_data._world.__wrapped__(0) != telecom_data._world.__wrapped__(1)
    again = make_tasks(DOMAIN)
    assert [t.to_dict() for t in again["test"]][:5] == [t.to_dict() for t in DOMAIN.task_list("test")][:5]
    assert {s: [t.id for t in ts] for s, ts in again.items()} == {
        s: [t.id for t in ts] for s, ts in DOMAIN.splits().items()
    }


def test_same_seed_and_task_give_identical_episodes_and_states():
    task = task_of("roaming_abroad", 1)
    results = []
    for _ in range(2):
        env = ToolUseEnv(DOMAIN, split="test")
        reward, _ = run_turns(env, task, oracle_turns(task))
        results.append((reward, json.dumps(env.messages), *(seat.db.digest() for seat in env.seats.values())))
        env.close()
    assert results[0] == results[1] and results[0][0] == 1.0
