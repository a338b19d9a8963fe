"""What the hand-built domains share: the "not found" lookup and the bounded calculator."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401  (registers the env ids)
from agentscaler_gym.domains.common import calculate, evaluate, lookup
from agentscaler_gym.domains.mock import DOMAIN as MOCK
from agentscaler_gym.domains.mock.models import Customer, Ticket
from agentscaler_gym.tasks import ASSISTANT
from agentscaler_gym.tools import ToolError

# -- lookup --------------------------------------------------------------------------------------


def test_lookup_returns_the_row_or_raises_the_agents_message():
    with MOCK.seats()[ASSISTANT].db.active():
        assert lookup(Ticket, lambda: "unused", id=1).id == 1
        first = MOCK.rows[Customer][0]
        assert lookup(Customer, lambda: "unused", id=first["id"], email=first["email"]).name == first["name"]
        with pytest.raises(ToolError, match="^ticket 999 not found$"):
            lookup(Ticket, lambda: "ticket 999 not found", id=999)
        with pytest.raises(ToolError, match="not theirs"):  # every field must match, not only the key
            lookup(Customer, lambda: "not theirs", id=first["id"], email="someone.else@example.com")


# -- calculate -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, value",
    [("(120.5 + 33.99) * 2", 308.98), ("2 ** 49", 2**49), ("10 ** 15", 10**15), ("-(10 ** 15)", -(10**15))],
)
def test_arithmetic_within_the_bounds(expression, value):
    assert evaluate(expression) == pytest.approx(value)


@pytest.mark.parametrize(
    "expression",
    [
        "(9**64)**64 * 0",  # the result is 0, but 9**64 is not a number the calculator builds
        "((9**64)**64)**64 - ((9**64)**64)**64",
        "99999999999999999 * 0",
        "10**16 / 10**16",
        "1e15 ** 64",
        "1e300 * 1e300 * 0",
    ],
)
def test_every_intermediate_number_is_bounded_not_only_the_result(expression):
    with pytest.raises(OverflowError, match="larger than 1e15"):
        evaluate(expression)


@pytest.mark.parametrize("expression", ["(-8) ** 0.5", "2 ** 65", "1 / 0", "0 ** -1"])
def test_other_arithmetic_errors(expression):
    with pytest.raises(ArithmeticError):
        evaluate(expression)


def test_power_towers_fail_at_once():
    """``(((9**64)**64)**64)**64`` took 37 s and one more level hours; they run in a child process so
    that a calculator without operand bounds fails this test instead of stalling the suite."""
    script = textwrap.dedent(
        """
        from agentscaler_gym.domains.common import calculate
        from agentscaler_gym.tools import ToolError

        for tower in ("(((9**64)**64)**64)**64", "((((9**64)**64)**64)**64)**64"):
            try:
                calculate(expression=tower)
            except ToolError as error:
                print(error)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2 and all("a number in the calculation is larger than 1e15" in line for line in lines)


def test_a_bound_error_is_an_observation_and_the_episode_goes_on():
    env = gym.make("AgentScaler/retail-v0", disable_env_checker=True).unwrapped
    env.reset(seed=0)
    obs, reward, terminated, truncated, _ = env.step('calculate(expression="((9**64)**64)**64 * 0")')
    assert obs.startswith("Error: cannot evaluate") and "larger than 1e15" in obs
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert env.step('calculate(expression="2 + 2")')[0] == "4"


def test_the_tool_answers_bound_errors_in_words():
    with pytest.raises(ToolError, match=r"cannot evaluate '9 \*\* 64': a number in the calculation is larger"):
        calculate(expression="9 ** 64")
