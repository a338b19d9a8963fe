"""The env contract, checked on every registered env id (hand-built and synthesized)."""

import dataclasses
import json
import threading

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentscaler_gym
from agentscaler_gym.checks import check_domain, run_turns
from agentscaler_gym.registry import SYNTHESIZED, domain_of, entries
from agentscaler_gym.seat import changes as seat_changes
from agentscaler_gym.tasks import ASSISTANT, oracle_turns
from agentscaler_gym.verify import _diff, verify

ENV_IDS = agentscaler_gym.builtin_ids()
HAND_BUILT = [i for i, entry in entries().items() if SYNTHESIZED not in entry.tags]
SYNTHESIZED = [i for i in ENV_IDS if i not in HAND_BUILT]
# Every hand-built domain, and a few synthesized ones, get the expensive property tests.
PROPERTY_IDS = HAND_BUILT + SYNTHESIZED[:3]


def make(env_id, **kwargs):
    return gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_check_env_passes(env_id):
    check_env(gym.make(env_id).unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_oracle_scores_one_and_doing_nothing_scores_zero(env_id):
    check_domain(domain_of(env_id), "test")


@pytest.mark.parametrize("env_id", HAND_BUILT + SYNTHESIZED[:1])
def test_make_vec_steps(env_id):
    envs = gym.make_vec(env_id, num_envs=4, vectorization_mode="sync")
    obs, info = envs.reset(seed=3)
    assert len(obs) == 4 and all(isinstance(o, str) and o for o in obs)
    obs, reward, terminated, truncated, info = envs.step(["Could you tell me more?"] * 4)
    assert len(obs) == 4 and list(reward) == [0.0] * 4
    envs.close()


def play(env, task_id, turns, seed=0):
    env.reset(seed=seed, options={"task_id": task_id})
    for turn in turns:
        _, reward, terminated, truncated, info = env.step(turn)
        if terminated or truncated:
            return reward, json.dumps(env.messages, sort_keys=True)
    return None, json.dumps(env.messages, sort_keys=True)


@pytest.mark.parametrize("env_id", PROPERTY_IDS)
def test_same_seed_and_task_give_byte_identical_transcripts(env_id):
    a, b = make(env_id), make(env_id)
    for seed in (0, 1, 2):
        oa, ia = a.reset(seed=seed)
        ob, ib = b.reset(seed=seed)
        assert (oa, ia["task_id"]) == (ob, ib["task_id"])
    for task in a.tasks[:10]:
        assert play(a, task.id, oracle_turns(task)) == play(b, task.id, oracle_turns(task))


def stored_rows(db):
    """Every table's rows with their rowids, in storage order: what a scan without ORDER BY sees."""
    return {
        m._meta.table_name: db.conn.execute(f'SELECT rowid, * FROM "{m._meta.table_name}"').fetchall()
        for m in db.seed.models
    }


@pytest.mark.parametrize("env_id", PROPERTY_IDS)
def test_reset_after_every_oracle_episode_gives_a_fresh_database(env_id):
    env, fresh = make(env_id), make(env_id)
    fresh.reset(seed=0)
    changed = 0
    for task in env.tasks:
        play(env, task.id, oracle_turns(task))
        changed += bool(env.changes())
    assert changed  # the episodes wrote, so the reset had rows to put back
    env.reset(seed=0)
    assert env.changes() == {}
    for actor, seat in env.seats.items():
        assert stored_rows(seat.db) == stored_rows(fresh.seats[actor].db)


@pytest.mark.parametrize("env_id", PROPERTY_IDS)
def test_64_interleaved_instances_stay_isolated(env_id):
    envs = [make(env_id) for _ in range(64)]
    tasks = [envs[0].tasks[i % len(envs[0].tasks)] for i in range(64)]
    plans = [oracle_turns(t) for t in tasks]
    for env, task in zip(envs, tasks):
        env.reset(options={"task_id": task.id})
    rewards = [None] * 64
    for step in range(max(map(len, plans))):
        for i, env in enumerate(envs):
            if rewards[i] is None and step < len(plans[i]):
                _, reward, terminated, truncated, _ = env.step(plans[i][step])
                if terminated or truncated:
                    rewards[i] = reward
    assert rewards == [1.0] * 64


@pytest.mark.parametrize("env_id", PROPERTY_IDS)
def test_instances_in_threads_stay_isolated(env_id):
    tasks = make(env_id).tasks[:16]
    expected = {t.id: play(make(env_id), t.id, oracle_turns(t)) for t in tasks}
    results, errors = {}, []

    def work(chunk):
        env = make(env_id)
        try:
            for t in chunk:
                results[t.id] = play(env, t.id, oracle_turns(t))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(tasks[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == expected
    assert all(reward == 1.0 for reward, _ in results.values())


# ---------------------------------------------------------------------------------------------
# Adversarial actions: the env never raises, and a failed call leaves the database as it was.

NASTY = [
    "'; DROP TABLE user; --",
    '" OR 1=1 --',
    '1; DELETE FROM "order"',
    "%",
    "_",
    "\\",
    "\x00",
    "NULL",
    "\u202eevil",
    "🙂" * 50,
    "x" * 50_000,
    "",
    " ",
    "#W' UNION SELECT * FROM sqlite_master --",
]
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(NASTY),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def actions(draw, tools):
    names = [t["function"]["name"] for t in tools]
    kind = draw(st.sampled_from(["text", "call", "call", "call", "malformed", "unknown"]))
    if kind == "text":
        return draw(st.text(max_size=200) | st.sampled_from(NASTY))
    if kind == "malformed":
        return draw(
            st.sampled_from(
                [
                    '<tool_call>{"name": </tool_call>',
                    '{"name": 1}',
                    "f(",
                    '[{"a"',
                    "f(1)",
                    "<tool_call>[]</tool_call>",
                    '{"name": "x", "arguments": "{"}',
                ]
            )
        )
    name = draw(st.sampled_from(names)) if kind == "call" else draw(st.text(min_size=1, max_size=20))
    params = next((t["function"]["parameters"]["properties"] for t in tools if t["function"]["name"] == name), {})
    keys = list(params) + ["unexpected"]
    arguments = draw(st.dictionaries(st.sampled_from(keys), values, max_size=len(keys)))
    call = {"name": name, "arguments": arguments}
    form = draw(st.sampled_from(["hermes", "json", "python"]))
    if form == "hermes":
        return f"<tool_call>{json.dumps(call)}</tool_call>"
    if form == "json":
        return json.dumps(call)
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in arguments.items() if k.isidentifier())})"


@pytest.mark.parametrize("env_id", PROPERTY_IDS)
def test_adversarial_actions_never_raise_and_failed_calls_change_nothing(env_id):
    env = make(env_id)
    env.reset(seed=0)
    tools = env.domain.tool_schemas

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(actions(tools), min_size=1, max_size=20))
    def run(sequence):
        env.reset(seed=len(sequence))
        for action in sequence:
            before = env.changes()
            observation, reward, terminated, truncated, info = env.step(action)
            assert isinstance(observation, str) and env.observation_space.contains(observation)
            if observation.startswith("Error"):
                assert env.changes() == before, f"failed call changed the database: {action!r}"
            if terminated or truncated:
                assert reward in (0.0, 1.0) and "verification" in info
                env.reset()

    run()
    db = env.seats[ASSISTANT].db
    digest = db.digest()  # every table still there and readable
    env.reset()
    assert db.digest() == domain_of(env_id).seats()[ASSISTANT].db.digest() != ""
    assert stored_rows(db) == stored_rows(make(env_id).seats[ASSISTANT].db)
    assert digest


def test_step_before_reset_and_after_the_end():
    env = make("AgentScaler/mock-v0")
    with pytest.raises(gym.error.ResetNeeded):
        env.step("hi")
    env.reset(seed=0)
    _, _, terminated, _, _ = env.step("All done.")
    assert terminated
    assert env.step("hello?")[0] == "The episode has ended; call reset()."


def test_turn_limit_truncates_and_still_verifies():
    env = make("AgentScaler/mock-v0", max_turns=3)
    env.reset(seed=0)
    for _ in range(3):
        _, reward, terminated, truncated, info = env.step(
            '<tool_call>{"name": "get_ticket", "arguments": {"ticket_id": 1}}</tool_call>'
        )
    assert truncated and not terminated and info["verification"]["reward"] == reward == 0.0


def test_verification_reports_a_row_diff():
    env = make("AgentScaler/mock-v0")
    task = next(t for t in env.tasks if t.family == "open")
    env.reset(options={"task_id": task.id})
    customer = task.gold_calls[1].arguments["customer_id"]
    env.step(f'open_ticket(customer_id="{customer}", subject="wrong subject")')
    _, reward, terminated, _, info = env.step("Done.")
    v = info["verification"]
    assert terminated and reward == 0.0 and v["state_match"] is False
    assert v["diff"][0]["table"] == "ticket" and v["diff"][0]["actual"]["subject"] == "wrong subject"
    assert v["diff"][0]["expected"]["subject"] == task.gold_calls[1].arguments["subject"]
    assert list(v) == [f.name for f in dataclasses.fields(env.verification)]  # every component, in order
    assert type(v["diff"]) is list and type(v["missing_outputs"]) is list


def test_read_only_tasks_are_scored_on_the_outcome_and_report_the_call_sequence():
    env = make("AgentScaler/mock-v0")
    task = next(t for t in env.tasks if t.family == "status")
    assert task.exact_match and task.outputs
    calls = [
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": c.to_dict()}]}
        for c in task.gold_calls
    ]
    answer = {"role": "assistant", "content": f"Your ticket is {task.outputs[0]}."}
    reward, info = run_turns(env, task, [*calls, answer])
    assert reward == 1.0 and info["verification"]["exact_match"] is True
    reward, info = run_turns(env, task, [*calls, {"role": "assistant", "content": "All done."}])
    assert reward == 0.0 and info["verification"]["missing_outputs"] == list(task.outputs)
    # one extra harmless read, then the answer: solved, and the call sequence is reported as different
    reward, info = run_turns(env, task, [*calls, calls[-1], answer])
    assert reward == 1.0 and info["verification"]["exact_match"] is False


def test_progress_is_the_share_of_gold_row_changes_made():
    env = make("AgentScaler/retail-v0")
    task = next(t for t in env.tasks if len(env.domain.gold(t)) > 1)
    writes = [c for c in task.gold_calls if env.domain.tools[c.name].kind == "write"]
    calls = [
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": c.to_dict()}]}
        for c in task.gold_calls
    ]
    reward, info = run_turns(env, task, [*calls, {"role": "assistant", "content": "Done."}])
    assert info["verification"]["progress"] == 1.0
    reward, info = run_turns(env, task, [{"role": "assistant", "content": "Goodbye."}])
    assert reward == 0.0 and info["verification"]["progress"] == 0.0
    assert writes


@pytest.mark.parametrize("env_id", ["AgentScaler/retail-v0", "AgentScaler/telecom-v0"])
def test_a_state_equal_to_the_gold_scores_as_the_row_by_row_comparison_does(env_id):
    env = make(env_id)
    for task in env.tasks[:15]:
        for done in range(len(task.gold_calls) + 1):  # every prefix of the gold run, the whole of it last
            seats = env.domain.seats()
            for call in task.gold_calls[:done]:
                assert seats[call.actor].call(call.name, call.arguments).ok
            gold, changes = env.domain.gold(task), seat_changes(seats)
            result = verify(task, gold, changes, [], ["."])
            assert (result.diff, result.progress) == _diff(gold, changes)
        assert result.state_match and result.progress in (1.0, None)


def test_render_shows_the_transcript():
    env = make("AgentScaler/mock-v0", render_mode="ansi")
    env.reset(seed=1)
    env.step("get_ticket(ticket_id=1)")
    text = env.render()
    assert text.startswith("[system]") and "-> get_ticket" in text and "[tool]" in text


@pytest.mark.parametrize("env_id", ["AgentScaler/retail-v0", "AgentScaler/airline-v0"])
def test_read_only_tasks_pass_with_an_extra_read_and_fail_when_nothing_is_done(env_id):
    env = make(env_id)
    read_only = [t for split in ("train", "test") for t in env.domain.task_list(split) if t.exact_match]
    assert read_only and all(t.outputs for t in read_only)
    for task in read_only:
        calls = [
            {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": c.to_dict()}]}
            for c in task.gold_calls
        ]
        answer = {"role": "assistant", "content": "Here is what I found: " + "; ".join(task.outputs) + "."}
        reward, info = run_turns(env, task, [*calls, calls[0], answer])
        assert reward == 1.0 and info["verification"]["exact_match"] is False, task.id
        reward, _ = run_turns(env, task, [{"role": "assistant", "content": "Goodbye."}])
        assert reward == 0.0, task.id
