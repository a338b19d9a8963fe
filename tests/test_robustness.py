"""Hostile input at the env's edge: on every registered id and both PettingZoo views, no action
raises, a failed call changes nothing, and the transcript can always be written out as JSON."""

import json
import math

import gymnasium as gym
import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentscaler_gym
from agentscaler_gym import Domain, Model, Scenario, Side, Task, ToolCall, ToolError, ToolUseEnv, tool
from agentscaler_gym import multiagent as ma
from agentscaler_gym.tools import WRITE

ENV_IDS = agentscaler_gym.builtin_ids()
HUGE = "9" * 5000
HEX = "0x" + "f" * 5000


def make(env_id, **kwargs):
    return gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped


# -- regressions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        f'{{"name": "get_ticket", "arguments": {{"ticket_id": {HUGE}}}}}',
        f'[{{"name": "get_ticket", "arguments": {{"ticket_id": {HUGE}}}}}]',
        f'<tool_call>{{"name": "get_ticket", "arguments": {{"ticket_id": {HUGE}}}}}</tool_call>',
        f'{{"name": "get_ticket", "arguments": "{{\\"ticket_id\\": {HUGE}}}"}}',
        f'{{"role": "assistant", "tool_calls": [{{"function": {{"name": "get_ticket", "arguments": {{"ticket_id": {HUGE}}}}}}}]}}',
        f"get_ticket(ticket_id={HUGE})",
        f"get_ticket(ticket_id={HEX})",
    ],
)
def test_an_integer_with_thousands_of_digits_is_an_error_observation(action):
    env = make("AgentScaler/mock-v0")
    env.reset(seed=0)
    observation, reward, terminated, truncated, _ = env.step(action)
    assert observation.startswith("Error") and (reward, terminated, truncated) == (0.0, False, False)
    assert env.changes() == {}
    json.dumps(env.messages)


class Card(Model):
    id = pw.CharField(primary_key=True)
    daily_limit = pw.FloatField()


@tool(WRITE)
def set_card_limit(card_id: str, daily_limit: float) -> dict:
    """Set a card's daily spending limit.

    Args:
        card_id: The card, such as 'C1'.
        daily_limit: The new limit.
    """
    card = Card.find(id=card_id)
    if card is None:
        raise ToolError(f"no card {card_id!r}")
    card.daily_limit = daily_limit
    card.save()
    return {"card_id": card_id, "daily_limit": daily_limit}


CARDS = Domain(
    name="cards",
    policy="Help customers with their cards.",
    agent=Side([Card], [set_card_limit], lambda seed: {Card: [{"id": "C1", "daily_limit": 100.0}]}),
    tasks=lambda domain: {
        "test": [
            Task(
                "limit",
                "limit",
                Scenario("Please set my card's limit to 200.", "Set card C1's daily limit to 200."),
                (ToolCall("set_card_limit", {"card_id": "C1", "daily_limit": 200.0}),),
            )
        ]
    },
)


@pytest.mark.parametrize("limit", ["1e999", "-1e999", "float('nan')", "Infinity", "NaN"])
def test_non_finite_numbers_are_refused_and_the_episode_ends_cleanly(limit):
    env = ToolUseEnv(CARDS)
    env.reset(seed=0)
    if limit[0].isupper():
        action = f'{{"name": "set_card_limit", "arguments": {{"card_id": "C1", "daily_limit": {limit}}}}}'
    else:
        action = f"set_card_limit(card_id='C1', daily_limit={limit})"
    observation, *_ = env.step(action)
    assert observation.startswith("Error") and env.changes() == {}
    _, reward, terminated, _, info = env.step("That is all, thank you.")
    assert terminated and reward == 0.0 and info["verification"]["diff"]


def test_human_rendering_of_literals_that_are_not_json_does_not_raise(capsys):
    env = make("AgentScaler/mock-v0", render_mode="human")
    env.reset(seed=0)
    for action in ["get_ticket(ticket_id={1, 2})", f"get_ticket(ticket_id={HEX})", "get_ticket(ticket_id=b'1')"]:
        assert env.step(action)[0].startswith("Error")
    env.step('find_customer_by_email(email="\\ud83d@example.com")')
    assert "[tool]" in capsys.readouterr().out


# -- properties -------------------------------------------------------------------------------

# Literals as a model might write them in call syntax, each with what it becomes in JSON text.
LITERALS = [
    HUGE,
    HEX,
    "-" + HUGE,
    "1e999",
    "-1e999",
    "{1, 2}",
    "set()",
    "b'\\x00'",
    "1j",
    "...",
    "(1, 2)",
    "{1: 2}",
    "'\\ud83d'",
    "'\\udc00 tail'",
    "[" * 60 + "]" * 60,
    "{'a': " * 40 + "1" + "}" * 40,
    "None",
    "True",
    "0",
    "-1",
    "2**63",
    "9223372036854775808",
    "'x' * 3",
    "''",
]
JSON_LITERALS = [
    HUGE,
    "-" + HUGE,
    "1e999",
    "Infinity",
    "-Infinity",
    "NaN",
    '"\\ud83d"',
    '"\\udfff\\ud800"',
    "[" * 3000 + "]" * 3000,
    '{"a": ' * 50 + "1" + "}" * 50,
    "9223372036854775808",
    "null",
    "0.5",
    '"x"',
]


@st.composite
def hostile_actions(draw, tools):
    """A call to a real tool (or a made-up one), with one hostile value, in one of every format."""
    names = [t["function"]["name"] for t in tools] + ["no_such_tool"]
    name = draw(st.sampled_from(names))
    params = next((t["function"]["parameters"]["properties"] for t in tools if t["function"]["name"] == name), {})
    key = draw(st.sampled_from([*params, "x"]))
    form = draw(st.sampled_from(["python", "python-list", "hermes", "json", "json-list", "message", "string-args"]))
    if form.startswith("python"):
        call = f"{name}({key}={draw(st.sampled_from(LITERALS))})"
        return f"[{call}]" if form == "python-list" else call
    literal = draw(st.sampled_from(JSON_LITERALS))
    arguments = f'{{"{key}": {literal}}}'
    if form == "string-args":
        arguments = json.dumps(arguments)
    call = f'{{"name": "{name}", "arguments": {arguments}}}'
    return {
        "hermes": f"<tool_call>{call}</tool_call>",
        "json": call,
        "json-list": f"[{call}]",
        "message": f'{{"role": "assistant", "content": "", "tool_calls": [{{"function": {call}}}]}}',
        "string-args": call,
    }[form]


def failed(messages) -> bool:
    """Every tool answer among ``messages`` is an error (none succeeded)."""
    return all(m["content"].startswith("Error") for m in messages if m["role"] == "tool")


SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_hostile_values_never_raise_and_failed_calls_change_nothing(env_id):
    env = make(env_id, render_mode="ansi")
    tools = env.domain.tool_schemas

    @SETTINGS
    @given(st.lists(hostile_actions(tools), min_size=1, max_size=4))
    def run(sequence):
        env.reset(seed=0)
        for action in sequence:
            before, seen = env.changes(), len(env.messages)
            observation, _, terminated, truncated, _ = env.step(action)
            assert isinstance(observation, str)
            if failed(env.messages[seen:]):
                assert env.changes() == before, action[:200]
            json.dumps(env.messages)
            env.render()
            if terminated or truncated:
                env.reset(seed=0)
        env.step("Thank you, that is all.")  # the end of an episode scores whatever was stored
        assert math.isfinite(env.verify().reward)

    run()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_hostile_values_in_both_pettingzoo_views(env_id):
    aec = ma.env(env_id)
    parallel = ma.parallel_env(env_id)
    tools = aec.gym_env.domain.tool_schemas
    device_tools = aec.gym_env.device.schemas if aec.gym_env.device is not None else tools

    @SETTINGS
    @given(st.lists(st.tuples(hostile_actions(tools), hostile_actions(device_tools)), min_size=1, max_size=3))
    def run(sequence):
        aec.reset(seed=0)
        for assistant, user in sequence:
            for agent, action in ((ma.USER, "Hello, I need some help."), (ma.ASSISTANT, assistant), (ma.USER, user)):
                if not aec.agents:
                    return
                if aec.agent_selection != agent:
                    continue
                before, seen = aec.gym_env.changes(), (len(aec.messages), len(aec.user_messages))
                aec.step(action)
                if failed(aec.messages[seen[0] :]) and failed(aec.user_messages[seen[1] :]):
                    assert aec.gym_env.changes() == before, action[:200]
                json.dumps(aec.messages)
        parallel.reset(seed=0)
        for assistant, user in sequence:
            if not parallel.agents:
                return
            parallel.step({ma.ASSISTANT: assistant, ma.USER: user})

    run()
