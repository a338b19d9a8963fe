"""ToolUseEnv's turn halves: ``step`` is ``assistant_turn`` then ``user_turn``, and a caller can play the user."""

import gymnasium as gym
import pytest

from agentscaler_gym.env import ENDED
from agentscaler_gym.tasks import USER, oracle_turns
from agentscaler_gym.users import STOP, ScriptedUser

MOCK = "AgentScaler/mock-v0"
TELECOM = "AgentScaler/telecom-v0"


def make(env_id, **kwargs):
    return gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped


def some_tasks(env, limit=4):
    """Tasks with user-side gold calls (dual control) first, then the rest."""
    dual = [t for t in env.tasks if any(c.actor == USER for c in t.gold_calls)]
    return (dual + [t for t in env.tasks if t not in dual])[:limit]


def stepped(env, task, seed):
    env.reset(seed=seed, options={"task_id": task.id})
    outcomes = []
    for action in oracle_turns(task):
        outcomes.append(env.step(action))
        if outcomes[-1][2] or outcomes[-1][3]:
            break
    return outcomes


def by_halves(env, task, seed, user):
    """The same turns, the caller playing ``user`` (its opening included) through the halves."""
    env.reset(seed=seed, options={"task_id": task.id, "opening": False})
    opening = env.user_turn(user.start(task, env.device, seed))
    outcomes = []
    for action in oracle_turns(task):
        outcome = env.assistant_turn(action)
        if outcome is None:
            outcome = env.user_turn(user.respond(env.reply_to))
        outcomes.append(outcome)
        if outcome[2] or outcome[3]:
            break
    return opening, outcomes


@pytest.mark.parametrize("env_id", [MOCK, TELECOM])
def test_a_caller_playing_the_user_through_the_halves_gets_the_stepped_episode(env_id):
    a, b = make(env_id), make(env_id)
    for seed, task in enumerate(some_tasks(a)):
        reference = stepped(a, task, seed)
        opening, outcomes = by_halves(b, task, seed, ScriptedUser())
        assert opening == (task.scenario.opening, 0.0, False, False, {"turn": 0})
        assert outcomes == reference and reference[-1][1] == 1.0
        assert b.messages == a.messages and b.changes() == a.changes()
        assert [c.to_dict() for c in (b.device.calls if b.device else ())] == [
            c.to_dict() for c in (a.device.calls if a.device else ())
        ]


def test_tool_calls_end_the_turn_and_a_message_waits_for_the_user():
    env = make(MOCK)
    env.reset(seed=0, options={"task_index": 0})
    email = env.task.scenario.known["email"]
    observation, reward, terminated, truncated, info = env.assistant_turn(f'find_customer_by_email(email="{email}")')
    assert "customer_id" in observation and env.reply_to is None and info == {"turn": 1}
    assert env.assistant_turn("Could you tell me your name?") is None
    assert env.reply_to == "Could you tell me your name?" and env.messages[-1]["role"] == "assistant"
    assert env.user_turn("I'd rather not say.") == ("I'd rather not say.", 0.0, False, False, {"turn": 2})
    assert env.reply_to is None and env.messages[-1] == {"role": "user", "content": "I'd rather not say."}


def test_out_of_turn_calls_raise_and_change_nothing():
    env = make(MOCK)
    with pytest.raises(gym.error.ResetNeeded):
        env.assistant_turn("hello")
    with pytest.raises(gym.error.ResetNeeded):
        env.user_turn("hello")
    env.reset(seed=0)
    with pytest.raises(RuntimeError, match="assistant_turn"):
        env.user_turn("nobody asked me")
    assert env.assistant_turn("Could you share your email?") is None
    before = ([dict(m) for m in env.messages], env.turns, env.changes())
    with pytest.raises(RuntimeError, match="user_turn"):
        env.assistant_turn('<tool_call>{"name": "close_ticket", "arguments": {"ticket_id": 1}}</tool_call>')
    assert ([dict(m) for m in env.messages], env.turns, env.changes()) == before


def test_reset_without_an_opening_leaves_it_to_the_caller_and_never_asks_the_user():
    class Silent:
        def start(self, *args):
            raise AssertionError("the env asked its user for the opening")

    env = make(MOCK, user=Silent())
    observation, info = env.reset(seed=0, options={"opening": False})
    assert observation == "" and env.reply_to == "" and [m["role"] for m in env.messages] == ["system"]
    assert info["messages"] is env.messages
    assert env.user_turn("Hello, I need help.") == ("Hello, I need help.", 0.0, False, False, {"turn": 0})
    assert env.messages[-1] == {"role": "user", "content": "Hello, I need help."} and env.reply_to is None


def test_an_opening_that_ends_the_chat_ends_the_episode_scored():
    env = make(MOCK)
    env.reset(seed=0, options={"opening": False})
    observation, reward, terminated, truncated, info = env.user_turn(f"Never mind. {STOP}")
    assert terminated and not truncated and reward == 0.0 and info["verification"]["reward"] == 0.0
    assert env.assistant_turn("Hello?") == (ENDED, 0.0, True, False, {"turn": 0})
    assert env.user_turn("Hello?")[0] == ENDED
