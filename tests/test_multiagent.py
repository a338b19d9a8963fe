"""The PettingZoo views: API conformance, identity with the single-agent env, dual control, user fidelity."""

import json
import subprocess
import sys

import gymnasium as gym
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

import agentscaler_gym
from agents import GoldCallPolicy, OraclePolicy
from agentscaler_gym import multiagent as ma
from agentscaler_gym.registry import SYNTHESIZED, entries
from agentscaler_gym.rollout import play, run_episode
from agentscaler_gym.tasks import USER
from agentscaler_gym.user_rules import FIDELITY_CHECKS
from agentscaler_gym.users import STOP, ScriptedUser

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

ENV_IDS = agentscaler_gym.builtin_ids()
HAND_BUILT = [i for i, entry in entries().items() if SYNTHESIZED not in entry.tags]
SYNTHESIZED = [i for i in ENV_IDS if i not in HAND_BUILT]
CONFORMANCE_IDS = HAND_BUILT + ["synthesized"]  # the first built-in synthesized id, or one made for the test
MOCK = "AgentScaler/mock-v0"
TELECOM = "AgentScaler/telecom-v0"


@pytest.fixture(scope="module")
def synthesized_id(tmp_path_factory):
    """A synthesized domain's env id: a built-in one if the registry has any, else one synthesized now."""
    if SYNTHESIZED:
        return SYNTHESIZED[0]
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize

    out = tmp_path_factory.mktemp("synthesized")
    synthesize(load_corpus("builtin"), out, SynthConfig(seed=0, max_domains=1, picture=False))
    return agentscaler_gym.register_domains(out)[0]


@pytest.fixture
def env_id(request):
    return request.getfixturevalue("synthesized_id") if request.param == "synthesized" else request.param


def user_task_ids(env, limit):
    """Tasks with user-side gold calls first (dual control), then the rest, up to ``limit``."""
    tasks = env.gym_env.tasks
    dual = [t.id for t in tasks if any(c.actor == USER for c in t.gold_calls)]
    return (dual + [t.id for t in tasks if t.id not in dual])[:limit]


EPISODE_FIELDS = (
    "task_id",
    "seed",
    "messages",
    "tools",
    "reward",
    "verification",
    "turns",
    "user_calls",
    "user_errors",
    "db_changes",
    "policy",
)


def comparable(trajectory):
    """What an episode was, leaving out how it was run (timings, ids, token counts)."""
    d = trajectory.to_dict()
    return {k: d[k] for k in EPISODE_FIELDS}


# -- conformance ----------------------------------------------------------------------------------


@pytest.mark.parametrize("env_id", CONFORMANCE_IDS, indirect=True)
def test_pettingzoo_aec_api_test_passes(env_id):
    api_test(ma.env(env_id), num_cycles=1000)


@pytest.mark.parametrize("env_id", CONFORMANCE_IDS, indirect=True)
def test_pettingzoo_parallel_api_test_passes(env_id):
    parallel_api_test(ma.parallel_env(env_id), num_cycles=1000)


@pytest.mark.parametrize("env_id", CONFORMANCE_IDS, indirect=True)
def test_pettingzoo_seed_tests_pass(env_id):
    seed_test(lambda: ma.env(env_id), num_cycles=50)
    parallel_seed_test(lambda: ma.parallel_env(env_id), num_cycles=50)


def test_available_lists_every_registered_env_id(synthesized_id):
    assert set(ENV_IDS) | {synthesized_id} <= set(ma.available())


def test_spaces_are_the_same_object_on_every_call_and_per_instance():
    a, b = ma.env(MOCK), ma.env(MOCK)
    for agent in ma.AGENTS:
        assert a.observation_space(agent) is a.observation_space(agent)
        assert a.action_space(agent) is a.action_space(agent)
        assert a.action_space(agent) is not b.action_space(agent)  # seeding one env never moves another
    assert "observation" not in a.observation_space(ma.USER).spaces


# -- turn order and observations ------------------------------------------------------------------


def test_user_speaks_first_with_its_brief_and_tool_calls_keep_the_turn():
    env = ma.env(MOCK)
    env.reset(seed=0, options={"task_index": 0})
    task = env.task
    assert env.agent_selection == ma.USER and env.infos[ma.USER]["to_act"]
    user_obs = env.observe(ma.USER)
    assert task.scenario.instruction in user_obs["instructions"] and user_obs["message"] == ""
    assert env.infos[ma.USER]["scenario"]["known"] == dict(task.scenario.known)
    env.step(task.scenario.opening)
    assert env.agent_selection == ma.ASSISTANT
    assert env.observe(ma.ASSISTANT) == {"message": task.scenario.opening, "instructions": env.gym_env.domain.policy}
    email = task.scenario.known["email"]
    env.step(f'<tool_call>{{"name": "find_customer_by_email", "arguments": {{"email": "{email}"}}}}</tool_call>')
    assert env.agent_selection == ma.ASSISTANT and "customer_id" in env.observe(ma.ASSISTANT)["message"]
    env.step("Could you tell me your name?")
    assert env.agent_selection == ma.USER and env.observe(ma.USER)["message"] == "Could you tell me your name?"
    assert env.user_messages[-1] == {"role": "user", "content": "Could you tell me your name?"}
    env.step("I am " + task.scenario.known["name"])
    assert env.agent_selection == ma.ASSISTANT
    assert env.messages[-2:] == [
        {"role": "assistant", "content": "Could you tell me your name?"},
        {"role": "user", "content": "I am " + task.scenario.known["name"]},
    ]


def test_bad_actions_come_back_as_error_text_and_leave_the_database_unchanged():
    env = ma.env(MOCK)
    env.reset(seed=1)
    digest = env.gym_env.seats["assistant"].db.digest()
    env.step(12345)  # the user: not text, so an error it reads; still its turn
    assert env.agent_selection == ma.USER and env.observe(ma.USER)["message"].startswith("Error:")
    env.step("hello")
    env.step('<tool_call>{"name": "close_ticket", "arguments": {"ticket_id": "not a number"}}</tool_call>')
    env.step("{not json")
    env.step(None)
    assert env.agent_selection == ma.ASSISTANT and not any(env.terminations.values())
    assert env.gym_env.seats["assistant"].db.digest() == digest


# -- identity with the single-agent env -----------------------------------------------------------


@pytest.mark.parametrize("env_id", CONFORMANCE_IDS, indirect=True)
def test_oracle_and_scripted_user_give_the_single_agent_episode(env_id):
    env = ma.env(env_id)
    single = gym.make(env_id, disable_env_checker=True)
    user = ma.UserPolicy(ScriptedUser(), device=env.device)
    for seed, task_id in enumerate(user_task_ids(env, 6)):
        multi = play(env, OraclePolicy(), user, seed=seed, task_id=task_id)
        reference = run_episode(single, OraclePolicy(), seed=seed, task_id=task_id)
        assert multi.reward == 1.0
        assert comparable(multi) == comparable(reference)
        assert multi.user_errors == []  # the scripted user keeps every fidelity rule


def test_parallel_view_plays_the_same_episode_and_ignores_the_waiting_agent():
    aec, par = ma.env(MOCK), ma.parallel_env(MOCK)
    task_id = aec.gym_env.tasks[2].id
    reference = play(aec, OraclePolicy(), ma.UserPolicy(ScriptedUser()), seed=5, task_id=task_id)
    observations, infos = par.reset(seed=5, options={"task_id": task_id})
    policies = {ma.ASSISTANT: OraclePolicy(), ma.USER: ma.UserPolicy(ScriptedUser())}
    while par.agents:
        actions = {}
        for agent in par.agents:
            info = infos[agent]
            waiting = 'ignored <tool_call>{"name": "close_ticket", "arguments": {"ticket_id": 1}}</tool_call>'
            actions[agent] = (
                policies[agent].act(info["messages"], info["tools"], task=par.aec_env.task)
                if info["to_act"]
                else waiting
            )
        observations, rewards, terminations, truncations, infos = par.step(actions)
    assert rewards == {ma.ASSISTANT: reference.reward, ma.USER: reference.reward}
    assert terminations == {ma.ASSISTANT: True, ma.USER: True}
    assert infos[ma.ASSISTANT]["verification"] == reference.verification
    assert par.aec_env.messages == reference.messages


# -- dual control ---------------------------------------------------------------------------------


class DeviceActionUser:
    """Runs the task's user-side gold calls as tool-call actions when the assistant names them;
    otherwise answers like the scripted user (which here has no device)."""

    def __init__(self, skip=()):
        self.scripted = ma.UserPolicy(ScriptedUser())
        self.skip = set(skip)

    def act(self, messages, tools, task=None):
        last = messages[-1]
        golds = [c for c in task.gold_calls if c.actor == USER]
        made = sum(bool(m.get("tool_calls")) for m in messages)
        if last["role"] == "user" and made < len(golds) and golds[made].name in last["content"]:
            call = golds[made]
            if call.name in self.skip:
                return {"role": "assistant", "content": "Sorry, I would rather not touch that setting."}
            return {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"name": call.name, "arguments": dict(call.arguments)}}],
            }
        if last["role"] == "tool":
            return {"role": "assistant", "content": f"Done. The phone says: {last['content']}"}
        return self.scripted.act(messages, tools, task)


def dual_control_task(env):
    """A task whose gold run writes on the user's device."""
    for task_id in user_task_ids(env, 50):
        if any(k[0] == USER for k in env.gym_env.domain.gold(env.gym_env.domain.task(task_id))):
            return env.gym_env.domain.task(task_id)
    raise AssertionError("no task writes on the device")


def test_user_device_actions_change_the_user_database_and_verification_sees_them():
    env = ma.env(TELECOM)
    task = dual_control_task(env)
    trajectory = play(env, GoldCallPolicy(), DeviceActionUser(), seed=0, task_id=task.id)
    assert trajectory.reward == 1.0, trajectory.verification
    assert any(seat == USER for seat, _, _ in env.gym_env.changes())
    assert trajectory.user_calls == [c.to_dict() for c in task.gold_calls if c.actor == USER]
    calls = [m for m in env.user_messages if m.get("tool_calls")]
    results = [m for m in env.user_messages if m["role"] == "tool"]
    assert len(calls) == len(results) == len(trajectory.user_calls)
    assert trajectory.user_errors == []


def test_skipping_a_device_action_fails_verification_with_a_user_table_diff():
    env = ma.env(TELECOM)
    task = dual_control_task(env)
    gold = env.gym_env.domain.gold(task)
    written = {c.name for c in task.gold_calls if c.actor == USER}
    phone = env.gym_env.seats[USER]
    skip = next(n for n in written if n != "check_status_bar" and phone.tools[n].kind == "write")
    trajectory = play(env, GoldCallPolicy(), DeviceActionUser(skip={skip}), seed=0, task_id=task.id)
    assert trajectory.reward == 0.0
    assert any(d["seat"] == USER for d in trajectory.verification["diff"])
    assert any(k[0] == USER for k in gold)


def test_device_calls_without_a_device_are_an_error_the_user_reads():
    env = ma.env(MOCK)
    env.reset(seed=0)
    env.step('<tool_call>{"name": "toggle_airplane_mode", "arguments": {}}</tool_call>')
    assert env.agent_selection == ma.USER
    assert "no device tools" in env.observe(ma.USER)["message"]
    assert [e["kind"] for e in env.user_errors] == ["tool_without_device"]
    assert env.user_messages[-1]["role"] == "tool"


def test_a_user_stuck_on_its_device_is_truncated_with_a_verification():
    env = ma.env(TELECOM, max_user_steps=5)
    env.reset(seed=0)
    for _ in range(6):
        env.step('<tool_call>{"name": "check_status_bar", "arguments": {}}</tool_call>')
    assert all(env.truncations.values()) and not any(env.terminations.values())
    assert env.infos[ma.ASSISTANT]["verification"]["reward"] == 0.0


# -- rewards and user fidelity --------------------------------------------------------------------


class InventingUser:
    """The scripted user, but its opening cites an order number the scenario does not have."""

    def __init__(self):
        self.scripted = ma.UserPolicy(ScriptedUser())

    def act(self, messages, tools, task=None):
        message = self.scripted.act(messages, tools, task)
        if not any(m["role"] == "assistant" for m in messages):
            message["content"] += " My order number is #W9999999."
        return message


@pytest.mark.parametrize("mode", ma.USER_REWARDS)
def test_user_reward_modes(mode):
    env = ma.env(MOCK, user_reward=mode)
    task_id = env.gym_env.tasks[0].id
    trajectory = play(env, OraclePolicy(), InventingUser(), seed=0, task_id=task_id)
    assert trajectory.reward == 1.0  # the assistant's reward ignores the user's faults
    assert [e["kind"] for e in trajectory.user_errors] == ["invented_fact"]
    assert "9999999" in trajectory.user_errors[0]["detail"] and trajectory.user_errors[0]["turn"] == 0
    expected = {"shared": 1.0, "zero": 0.0, "fidelity": 1 - 1 / len(FIDELITY_CHECKS)}[mode]
    assert env.final_rewards == pytest.approx({ma.ASSISTANT: 1.0, ma.USER: expected})


def test_an_opening_that_ends_the_chat_terminates_with_reward_zero_and_an_early_stop():
    env = ma.env(MOCK)
    env.reset(seed=0)
    env.step(f"Never mind. {STOP}")
    assert all(env.terminations.values())
    assert env.rewards == {ma.ASSISTANT: 0.0, ma.USER: 0.0}
    assert [e["kind"] for e in env.infos[ma.USER]["user_errors"]] == ["early_stop"]


def test_unknown_user_reward_and_user_argument_are_refused():
    with pytest.raises(ValueError):
        ma.env(MOCK, user_reward="bonus")
    with pytest.raises(TypeError):
        ma.env(MOCK, user=ScriptedUser())


def test_importing_the_multiagent_views_stays_light_and_below_the_rollout_engine():
    heavy = "'torch','transformers','trl','vllm','ray','datasets','agentscaler_gym.rollout','agents','train'"
    code = f"import sys, agentscaler_gym.multiagent; print(sorted({{{heavy}}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == []
