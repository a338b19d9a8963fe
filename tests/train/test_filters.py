"""The SFT filters on real episodes, each played by a fixed list of turns or a no-model policy."""

from __future__ import annotations

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401 - registers the ids
from agents import GoldCallPolicy, OraclePolicy
from agentscaler_gym.rollout import run_episode
from agentscaler_gym.tasks import oracle_turns
from train.filters import (
    EXACT_MATCH,
    GROUNDING,
    STATE_ALIGNMENT,
    VALIDITY,
    failed_calls,
    filter_trajectories,
    is_degenerate,
    successful_calls,
    validity_problem,
)
from train.generate_sft import gold_calls

MOCK = "AgentScaler/mock-v0"


class Turns:
    """Plays ``before``, then the oracle (the demonstrator); ``fail`` raises instead of acting."""

    def __init__(self, before=(), fail=False):
        self.before, self.fail = list(before), fail

    def act(self, messages, tools, task=None):
        if self.fail:
            raise RuntimeError("backend down")
        done = sum(m["role"] == "assistant" for m in messages)
        return self.before[done] if done < len(self.before) else OraclePolicy().act(messages, tools, task)


def call(name, **arguments):
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": name, "arguments": arguments}}],
    }


@pytest.fixture(scope="module")
def env():
    env = gym.make(MOCK, split="train", disable_env_checker=True)
    yield env
    env.close()


def task_of(env, family):
    return next(t for t in env.unwrapped.tasks if t.family == family)


def play(env, family, policy):
    return run_episode(env, policy, seed=0, task_id=task_of(env, family).id, env_id=MOCK)


def test_oracle_episode_is_kept(env):
    report = filter_trajectories([play(env, "close", Turns())])
    assert len(report.kept) == 1 and not report.dropped


def test_an_episode_that_recovers_from_a_failed_call_is_kept_and_counted(env):
    ticket = task_of(env, "close").gold_calls[1].arguments["ticket_id"]
    t = play(env, "close", Turns([call("find_customer_by_email", email=str(ticket))]))  # said, but no email
    assert failed_calls(t) == 1 and t.reward == 1.0
    report = filter_trajectories([t])
    assert report.kept == [t] and report.recovered[MOCK] == 1


@pytest.mark.parametrize(
    "before, reason",
    [
        ([call("delete_everything")], "unknown_tool"),
        (["<tool_call>{not json</tool_call>"], "unparsable_tool_call"),
        ([{"role": "assistant", "content": "I can help you. " * 6}], "repetition"),
        ([call("get_ticket", ticket_id=99999)] * 3, "repeated_turn"),
    ],
)
def test_validity_drops_malformed_episodes_even_when_they_pass(env, before, reason):
    t = play(env, "close", Turns(before))
    report = filter_trajectories([t])
    assert not report.kept
    assert report.dropped[MOCK][VALIDITY] == {reason: 1}


def test_a_policy_failure_is_invalid(env):
    t = play(env, "close", Turns(fail=True))
    assert validity_problem(t) == "policy_error"


def test_turn_order_is_checked(env):
    t = play(env, "close", Turns())
    first_call = next(i for i, m in enumerate(t.messages) if m.get("tool_calls"))
    t.messages.insert(first_call + 1, {"role": "user", "content": "hello?"})  # the user cuts in before the tool answers
    assert validity_problem(t) == "missing_tool_answer"
    t = play(env, "close", Turns())
    t.messages.append({"role": "tool", "name": "get_ticket", "content": "{}"})
    assert validity_problem(t) == "unexpected_tool_answer"


def test_state_alignment_drops_wrong_final_state_and_missing_outputs(env):
    no_close = play(env, "close", Turns([{"role": "assistant", "content": "Done, bye."}]))
    status = task_of(env, "status")
    *calls, _ = oracle_turns(status)
    calls = [{**c, "content": ""} for c in calls]  # the last call states the outputs too
    mute = run_episode(
        env, Turns([*calls, {"role": "assistant", "content": "Done."}]), seed=0, task_id=status.id, env_id=MOCK
    )
    assert mute.verification["state_match"] is True and mute.verification["outputs_match"] is False
    report = filter_trajectories([no_close, mute])
    assert report.dropped[MOCK][STATE_ALIGNMENT] == {"state_mismatch": 1, "outputs_missing": 1}


def test_exact_match_is_required_for_read_only_tasks(env):
    task = task_of(env, "refuse_close")
    find, get = task.gold_calls
    other = get.arguments["ticket_id"] % 40 + 1
    turns = [
        call(find.name, **find.arguments),
        call("get_ticket", ticket_id=other),
        {"role": "assistant", "content": "It is closed."},
    ]
    t = run_episode(env, Turns(turns), seed=0, task_id=task.id, env_id=MOCK)
    assert t.verification["state_match"] is True and t.verification["exact_match"] is False
    report = filter_trajectories([t])
    assert report.dropped[MOCK][EXACT_MATCH] == {"call_sequence_differs": 1}


def test_exact_all_also_checks_tasks_that_write(env):
    ticket = task_of(env, "close").gold_calls[1].arguments["ticket_id"]
    t = play(env, "close", Turns([call("get_ticket", ticket_id=ticket)]))
    assert t.reward == 1.0
    assert len(filter_trajectories([t]).kept) == 1
    strict = filter_trajectories([t], exact="all", gold_calls=gold_calls)
    assert not strict.kept and strict.dropped_by(EXACT_MATCH) == 1
    assert successful_calls(t)[0] == ("get_ticket", {"ticket_id": ticket})


def test_grounding_drops_an_episode_that_invents_a_value(env):
    invented = play(env, "close", GoldCallPolicy())  # calls with the email the user never said
    asked = play(env, "close", Turns())
    assert invented.reward == asked.reward == 1.0
    report = filter_trajectories([invented, asked])
    assert report.kept == [asked] and report.dropped[MOCK][GROUNDING] == {"ungrounded_value": 1}


def test_an_episode_ended_by_a_transfer_is_kept():
    telecom = gym.make("AgentScaler/telecom-v0", split="train").unwrapped
    task = next(t for t in telecom.tasks if t.family == "transfer_on_hold")
    t = run_episode(telecom, OraclePolicy(), seed=0, task_id=task.id, env_id="AgentScaler/telecom-v0")
    assert t.messages[-1]["role"] == "tool" and t.reward == 1.0
    assert validity_problem(t) is None and filter_trajectories([t]).kept == [t]


def test_each_episode_is_counted_under_the_first_filter_it_fails(env):
    # invalid and wrong state: only validity counts it
    t = play(env, "close", Turns([call("delete_everything"), {"role": "assistant", "content": "Bye."}]))
    report = filter_trajectories([t])
    assert report.dropped_by(VALIDITY) == 1 and report.dropped_by(STATE_ALIGNMENT) == 0


def test_degenerate_text_detection():
    assert is_degenerate("the the the the the the the the the the the the")
    assert is_degenerate("I can help. " * 5)
    assert not is_degenerate("Order #W1 is pending. Order #W2 is pending. Order #W3 is pending. Order #W4 is pending.")
    assert not is_degenerate("short")
