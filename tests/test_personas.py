"""Personas and opening templates: the wording changes, the meaning does not."""

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import fields

import pytest

from agentscaler_gym.domains.airline import DOMAIN as AIRLINE
from agentscaler_gym.domains.retail import DOMAIN as RETAIL
from agentscaler_gym.domains.telecom import DOMAIN as TELECOM
from agentscaler_gym.grounding import agrees
from agentscaler_gym.personas import NAMES, PERSONAS, Persona, opening, persona
from agentscaler_gym.tasks import ASSISTANT
from agentscaler_gym.user_rules import user_brief
from agentscaler_gym.users import ScriptedUser

FIELDS = {
    "subject": "my email",
    "Subject": "My email",
    "value": "ava@example.com",
    "request": "I want to cancel my order.",
    "said": "#W1",
    "right": "#W2",
    "option": "#W2",
    "price": "180",
    "word": "cheapest",
    "action": "reboot device",
    "result": "The phone restarted.",
}
DOMAINS = {"retail": RETAIL, "airline": AIRLINE, "telecom": TELECOM}


def filled(p, act):
    return [t.format(**FIELDS) for t in getattr(p, act)]


@pytest.mark.parametrize("name", list(PERSONAS))
def test_every_persona_keeps_the_meaning_of_each_act(name):
    p = PERSONAS[name]
    for act in ("confirm", "right", "more"):
        for reply in filled(p, act):
            assert reply.startswith("Yes") and agrees(reply), (act, reply)
    for act in ("decline", "only", "correct", "goodbye"):
        for reply in filled(p, act):
            assert reply.startswith("No") and not agrees(reply), (act, reply)
    for reply in filled(p, "correct"):
        assert "#W2" in reply
    # a fact, a choice or a restated request is not a yes: the demonstrator must not read consent in it
    for act in ("reveal", "unknown", "choose", "prefer", "restate", "enough", "leave"):
        for reply in filled(p, act):
            assert not agrees(reply), (act, reply)
    for reply in filled(p, "reveal"):
        assert "ava@example.com" in reply
    for reply in filled(p, "device"):
        assert "(reboot device)" in reply and "The phone restarted." in reply
    for act in ("reveal", "choose", "prefer", "restate", "device"):  # no digits of its own: no invented facts
        assert not any(re.search(r"\d", t.replace("{price}", "")) for t in getattr(p, act)), act


def test_personas_word_the_same_fact_differently():
    task = next(t for t in RETAIL.task_list("train") if t.family == "cancel")
    replies = set()
    for style in NAMES:
        user = ScriptedUser()
        user.start(_styled(task, style))
        for _ in range(3):
            reply = user.respond("Could you give me your email?")
            assert task.scenario.known["email"] in reply, reply
            replies.add(reply)
    assert len(replies) >= 2 * len(NAMES)


def test_a_persona_reply_is_reproducible():
    task = next(t for t in AIRLINE.task_list("train") if t.family == "cancel")
    conversations = []
    for _ in range(2):
        user = ScriptedUser()
        conversations.append([user.start(task), user.respond("Could you give me your user id?")])
    assert conversations[0] == conversations[1]


@pytest.mark.parametrize("name", list(DOMAINS))
def test_tasks_record_a_persona_that_the_llm_brief_carries(name):
    tasks = DOMAINS[name].task_list("train")
    styles = Counter(t.scenario.style for t in tasks)
    assert set(styles) == set(NAMES), styles
    for task in tasks[:50]:
        assert persona(task.scenario.style).description in user_brief(task)
        assert task.scenario.request and json.loads(json.dumps(task.to_dict()))["scenario"]["style"]


@pytest.mark.parametrize("name", list(DOMAINS))
def test_each_family_opens_in_several_ways(name):
    by_family = defaultdict(set)
    tasks = DOMAINS[name].task_list("train")
    for task in tasks:
        by_family[task.family].add(_request_words(task))
    for family, said in by_family.items():
        count = sum(t.family == family for t in tasks)
        assert len(said) >= min(3, count), (family, said)


def test_an_opening_draws_a_template_the_fields_fill():
    templates = ("Cancel order {order}.", "Cancel an order.")
    partial = {opening(templates, str(k), other="x").lower() for k in range(20)}
    assert all("cancel an order." in o and "{" not in o for o in partial)  # a template missing a field is skipped
    assert "hip {the} {braces}." in opening(("Ship {the} {braces}.",), "1")  # no fields: as written
    drawn = {"cancel order #w1." in opening(templates, str(k), order="#W1").lower() for k in range(40)}
    assert drawn == {True, False}
    assert opening(templates, "7", order="#W1") == opening(templates, "7", order="#W1")


def test_telecom_plan_preferences_pick_the_gold_plan_and_are_said_in_the_opening():
    plans = json.loads(TELECOM.seats()[ASSISTANT].call("list_plans", {}).text)
    checked = 0
    for task in TELECOM.task_list("train") + TELECOM.task_list("test"):
        wish = task.scenario.known.get("new plan", "")
        if "cheapest" not in wish:
            continue
        line = json.loads(TELECOM.seats()[ASSISTANT].call("get_line_details", {"line_id": _arg(task, "line_id")}).text)
        current = next(p for p in plans if p["plan_id"] == line["plan_id"])
        fits = [p for p in plans if p["plan_id"] != current["plan_id"]]
        if "roaming" in wish:
            fits = [p for p in fits if p["roaming_allowed"]]
        if (least := re.search(r"at least (\d+) GB", wish)) is not None:
            fits = [p for p in fits if p["data_limit_gb"] >= float(least.group(1))]
        if "more data than my current" in wish:
            fits = [p for p in fits if p["data_limit_gb"] > current["data_limit_gb"]]
        assert _arg(task, "plan_id") == min(fits, key=lambda p: p["monthly_price"])["plan_id"], task.id
        assert wish in task.scenario.opening, task.id  # the agent cannot ask for it by topic
        checked += 1
    assert checked >= 10


def test_airline_date_changes_take_the_flight_the_stated_preference_picks():
    seat = AIRLINE.seats()[ASSISTANT]
    keys = {
        "cheapest": lambda cabin: lambda f: f["prices"][cabin],
        "earliest": lambda cabin: lambda f: f["departure_time"],
        "latest": lambda cabin: lambda f: tuple(-ord(c) for c in f["departure_time"]),
    }
    preferences = Counter()
    for task in AIRLINE.task_list("train"):
        if task.family != "change_flight":
            continue
        word = re.search(r"cheapest|earliest|latest", task.scenario.known["preference"]).group(0)
        assert word in task.scenario.opening or word in task.scenario.request, task.id
        reservation = json.loads(
            seat.call("get_reservation_details", {"reservation_id": _arg(task, "reservation_id")}).text
        )
        search = next(c for c in task.gold_calls if c.name == "search_direct_flight")
        found = json.loads(seat.call("search_direct_flight", dict(search.arguments)).text)
        people, cabin = len(reservation["passengers"]), reservation["cabin"]
        found = [f for f in found if f["seats"][cabin] >= people]
        best = min(found, key=keys[word](cabin))
        assert _arg(task, "flights")[-1]["flight_number"] == best["flight_number"], task.id
        preferences[word] += 1
    assert len(preferences) == 3, preferences


def _arg(task, name):
    return next(c.arguments[name] for c in reversed(task.gold_calls) if name in c.arguments)


def _styled(task, style):
    from dataclasses import replace

    return replace(task, scenario=replace(task.scenario, style=style))


def _request_words(task) -> str:
    """The opening without persona phrases and without values: which template it was."""
    text = task.scenario.opening
    frames = {x.strip() for p in PERSONAS.values() for x in (*p.greetings, *p.manners, *p.sign_offs)}
    for phrase in sorted((f for f in frames if f), key=len, reverse=True):
        text = text.replace(phrase, "")
    for value in sorted(map(str, task.scenario.known.values()), key=len, reverse=True):
        text = text.replace(value, "")
    return " ".join(re.sub(r"\S*\d\S*|\([A-Z]{3}\)|[A-Z][a-z]+", "", text).lower().split())


@pytest.mark.parametrize("name", list(PERSONAS))
def test_say_draws_the_template_a_generator_seeded_with_the_key_picks(name):
    p = PERSONAS[name]
    acts = [f.name for f in fields(Persona)][5:]  # after name, description, greetings, manners, sign_offs
    assert acts[0] == "reveal" and acts[-1] == "device"
    for act in acts:
        for turn in range(12):
            seed = f"task-{turn % 5}:{turn}:{act}"
            assert p.say(act, seed, **FIELDS) == random.Random(seed).choice(getattr(p, act)).format(**FIELDS)
