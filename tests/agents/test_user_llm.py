"""LLMUser: the user-side transcript, the guards, device calls, and both ways of plugging it in."""

import re

import gymnasium as gym
import pytest

from agents import GoldCallPolicy, OraclePolicy
from agents.user_llm import NOTE, REPEAT, LLMUser, register_llm_user_env
from agentscaler_gym import multiagent as ma
from agentscaler_gym.rollout import play, run_episode
from agentscaler_gym.tasks import USER
from agentscaler_gym.users import STOP

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MOCK = "AgentScaler/mock-v0"
TELECOM = "AgentScaler/telecom-v0"
CONFIRM = "Shall I proceed with closing the ticket (yes/no)?"


class RuleBackend:
    """A deterministic backend: the reply is a function of the transcript it is shown, as with greedy
    decoding. It records every call so tests can check what the backend saw."""

    def __init__(self, rule):
        self.rule = rule
        self.calls = []

    def act(self, messages, tools, task=None):
        self.calls.append({"messages": [dict(m) for m in messages], "tools": list(tools), "task": task})
        out = self.rule(messages, tools)
        return out if isinstance(out, dict) else {"role": "assistant", "content": out}


def opening_from(messages):
    return re.search(r"You might open with something like: (.*)", messages[0]["content"]).group(1)


def polite(messages, tools):
    """Opens like the scenario, gives its email when asked, says thanks and stops otherwise."""
    last = messages[-1]
    if not any(m["role"] == "assistant" for m in messages):
        return opening_from(messages)
    if "email" in last["content"].lower():
        email = re.search(r"- email: (\S+)", messages[0]["content"]).group(1)
        return f"Sure, it is {email}."
    return f"Thanks, that is all. {STOP}"


def noted(messages):
    return messages[-1]["role"] == "user" and messages[-1]["content"].startswith(NOTE.split("]")[0])


def started(env_id=MOCK, user=None, task_index=0):
    env = gym.make(env_id, user=user, disable_env_checker=True).unwrapped
    opening, info = env.reset(seed=0, options={"task_index": task_index})
    return env, opening


# -- the transcript the backend sees ---------------------------------------------------------------


def test_backend_sees_the_brief_and_the_flipped_conversation_but_never_the_task():
    backend = RuleBackend(polite)
    env, opening = started(user=LLMUser(backend))
    assert opening == env.task.scenario.opening
    env.step("Could you share your email?")
    seen = backend.calls[-1]
    assert seen["task"] is None and seen["tools"] == []
    assert [m["role"] for m in seen["messages"]] == ["system", "assistant", "user"]
    assert env.task.scenario.instruction in seen["messages"][0]["content"]
    assert seen["messages"][1:] == [
        {"role": "assistant", "content": opening},
        {"role": "user", "content": "Could you share your email?"},
    ]
    assert env.messages[-1]["content"] == f"Sure, it is {env.task.scenario.known['email']}."


def test_scripted_opening_skips_the_backend():
    backend = RuleBackend(lambda m, t: "something else entirely")
    env, opening = started(user=LLMUser(backend, scripted_opening=True))
    assert opening == env.task.scenario.opening and backend.calls == []


# -- guards ---------------------------------------------------------------------------------------


def confirm_then_stop(insist):
    def rule(messages, tools):
        if not any(m["role"] == "assistant" for m in messages):
            return opening_from(messages)
        if noted(messages) and not insist:
            return "Yes, please go ahead."
        return f"Yes please. {STOP}"

    return rule


def test_ending_right_after_confirming_is_asked_again_and_the_fix_is_kept():
    backend = RuleBackend(confirm_then_stop(insist=False))
    user = LLMUser(backend)
    env, _ = started(user=user)
    observation, _, terminated, _, _ = env.step(CONFIRM)
    assert observation == "Yes, please go ahead." and not terminated
    assert "do not end with" in backend.calls[-1]["messages"][-1]["content"]
    assert user.errors == []


def test_ending_right_after_confirming_is_repaired_and_recorded_when_the_backend_insists():
    backend = RuleBackend(confirm_then_stop(insist=True))
    user = LLMUser(backend, max_retries=2)
    env, _ = started(user=user)
    observation, _, terminated, _, _ = env.step(CONFIRM)
    assert observation == "Yes please." and not terminated  # the conversation goes on
    assert len(backend.calls) == 1 + 3
    assert [(e["turn"], e["kind"]) for e in user.errors] == [(1, "early_stop")]


def test_an_invented_fact_is_asked_again_and_a_kept_one_is_recorded():
    def rule(messages, tools):
        if not any(m["role"] == "assistant" for m in messages):
            return opening_from(messages)
        return "It was order #W0000042." if not noted(messages) else "I do not know the order number."

    user = LLMUser(RuleBackend(rule))
    env, _ = started(user=user)
    assert env.step("Which order is it?")[0] == "I do not know the order number." and user.errors == []

    stubborn = LLMUser(RuleBackend(lambda m, t: "It was order #W0000042."), max_retries=1)
    env, opening = started(user=stubborn)
    assert [e["kind"] for e in stubborn.errors] == ["invented_fact"] and stubborn.errors[0]["turn"] == 0
    assert "w0000042" in stubborn.errors[0]["detail"] and opening == "It was order #W0000042."


def test_an_empty_opening_falls_back_to_the_scenario_opening():
    user = LLMUser(RuleBackend(lambda m, t: "   "), max_retries=0)
    env, opening = started(user=user)
    assert opening == env.task.scenario.opening
    assert [e["kind"] for e in user.errors] == ["empty_reply"]
    assert env.step("Sorry?")[0] == REPEAT


def test_tool_calls_without_a_device_are_refused():
    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "reboot_device", "arguments": {}}}],
    }
    user = LLMUser(
        RuleBackend(lambda m, t: call if any(x["role"] == "assistant" for x in m) else opening_from(m)), max_retries=1
    )
    env, _ = started(user=user)
    assert env.step("Could you restart your phone?")[0] == REPEAT
    assert [e["kind"] for e in user.errors] == ["tool_without_device", "empty_reply"]


def test_user_errors_reach_the_final_info_and_the_trajectory():
    user = LLMUser(RuleBackend(lambda m, t: "It was order #W0000042." if len(m) < 3 else f"Bye. {STOP}"), max_retries=0)
    env = gym.make(MOCK, user=user, disable_env_checker=True)
    trajectory = run_episode(env, GoldCallPolicy(), seed=0, task_id=env.unwrapped.tasks[0].id)
    assert trajectory.user_errors == user.errors and [e["kind"] for e in user.errors] == ["invented_fact"]
    env.reset(seed=0, options={"task_index": 0})
    *_, info = env.step("All done.")
    assert info["user_errors"] == user.errors


# -- dual control ---------------------------------------------------------------------------------


def device_rule(task):
    """Runs the device tool the agent names (arguments from the task's user gold call), reports what it saw."""
    golds = {c.name: dict(c.arguments) for c in task.gold_calls if c.actor == USER}

    def rule(messages, tools):
        last = messages[-1]
        if not any(m["role"] == "assistant" for m in messages):
            return opening_from(messages)
        if last["role"] == "tool":
            return f"Done, the phone says: {last['content']}"
        named = [t["function"]["name"] for t in tools if t["function"]["name"] in last["content"]]
        if named:
            name = named[0]
            return {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"name": name, "arguments": golds.get(name, {})}}],
            }
        return polite(messages, tools)

    return rule


def dual_task():
    domain = ma.env(TELECOM).gym_env.domain
    return next(t for t in domain.task_list("test") if any(k[0] == "user" for k in domain.gold(t)))


def test_device_calls_run_on_the_user_database_in_the_single_agent_env():
    task = dual_task()
    user = LLMUser(RuleBackend(device_rule(task)))
    env = gym.make(TELECOM, user=user, disable_env_checker=True)
    trajectory = run_episode(env, GoldCallPolicy(), seed=0, task_id=task.id)
    assert trajectory.reward == 1.0, trajectory.verification
    assert trajectory.user_calls == [c.to_dict() for c in task.gold_calls if c.actor == USER]
    assert any(m["role"] == "tool" for m in user.messages) and user.errors == []


def test_the_same_backend_gives_the_same_episode_as_a_pettingzoo_user_agent():
    task = dual_task()
    single = gym.make(TELECOM, user=LLMUser(RuleBackend(device_rule(task))), disable_env_checker=True)
    reference = run_episode(single, GoldCallPolicy(), seed=3, task_id=task.id)
    env = ma.env(TELECOM)
    user = LLMUser(RuleBackend(device_rule(task)))
    trajectory = play(env, GoldCallPolicy(), user, seed=3, task_id=task.id)
    assert trajectory.verification == reference.verification and trajectory.reward == 1.0
    assert trajectory.messages == reference.messages
    assert env.user_messages == single.unwrapped.user.messages  # device calls went through the env as actions
    assert trajectory.user_calls == reference.user_calls


def test_device_rounds_are_capped_then_only_a_message_is_accepted():
    always = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "check_status_bar", "arguments": {}}}],
    }
    backend = RuleBackend(lambda m, t: always if t else "My phone shows no signal.")
    user = LLMUser(backend, max_device_calls=2)
    env = gym.make(TELECOM, user=user, disable_env_checker=True).unwrapped
    env.reset(seed=0)
    assert [c["tools"] != [] for c in backend.calls] == [True, True, False]
    assert "phone with the listed tools" in backend.calls[-1]["messages"][0]["content"]  # still told it has a phone
    assert sum(bool(m.get("tool_calls")) for m in user.messages) == 2


# -- registration ---------------------------------------------------------------------------------


def test_registered_llm_user_env_is_flagged_nondeterministic_and_gets_a_fresh_user():
    made = []

    def make_user():
        made.append(LLMUser(RuleBackend(polite)))
        return made[-1]

    env_id = register_llm_user_env(MOCK, make_user)
    assert env_id == "AgentScaler/mock-llmuser-v0" and gym.spec(env_id).nondeterministic
    a, b = gym.make(env_id), gym.make(env_id)
    assert a.unwrapped.user is made[0] and b.unwrapped.user is made[1]
    trajectory = run_episode(a, OraclePolicy(), seed=0, task_id=a.unwrapped.tasks[0].id)
    assert trajectory.reward == 1.0 and trajectory.messages[-1]["content"].endswith(STOP)
    assert env_id not in ma.available()


# -- the tiny model on both sides -----------------------------------------------------------------


def tiny(path, max_new_tokens=16):
    from agents.hf import TransformersPolicy

    return TransformersPolicy(path, max_new_tokens=max_new_tokens)


@pytest.mark.parametrize("assistant_model", ["tiny_model", pytest.param("tiny_tool_model", marks=pytest.mark.slow)])
def test_tiny_model_on_both_sides_plays_the_same_episode_in_both_envs(request, tiny_model, assistant_model):
    assistant_path = request.getfixturevalue(assistant_model)
    tokens = 48 if assistant_model == "tiny_tool_model" else 16  # a whole <tool_call> block takes ~40 tokens
    single = gym.make(MOCK, user=LLMUser(tiny(tiny_model), max_retries=1), max_turns=2, disable_env_checker=True)
    task_id = single.unwrapped.tasks[1].id
    reference = run_episode(single, tiny(assistant_path, tokens), seed=4, task_id=task_id)
    assert reference.error is None and reference.turns >= 1 and reference.verification

    env = ma.env(MOCK, max_turns=2)
    user = LLMUser(tiny(tiny_model), max_retries=1)
    trajectory = play(env, tiny(assistant_path, tokens), user, seed=4, task_id=task_id)
    assert trajectory.verification == reference.verification
    assert trajectory.messages == reference.messages
    assert env.user_messages == single.unwrapped.user.messages
    assert user.errors == single.unwrapped.user.errors == reference.user_errors
    if assistant_model == "tiny_tool_model":  # the over-fitted model calls the mock tools
        assert any(m.get("tool_calls") for m in trajectory.messages)
