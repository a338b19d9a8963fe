"""Task counts per split (``gym.make(id, tasks=N)``) and retail's search-and-choose goals."""

import itertools
import json
import pickle
import subprocess
import sys

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401 - registers the ids
from agents.oracle import OraclePolicy
from agentscaler_gym import multiagent
from agentscaler_gym.checks import check_domain
from agentscaler_gym.domains.airline import DOMAIN as AIRLINE
from agentscaler_gym.domains.airline import tasks as airline_tasks
from agentscaler_gym.domains.retail import DOMAIN as RETAIL
from agentscaler_gym.domains.retail.tasks import MAX_TASKS, make_tasks, task_stream
from agentscaler_gym.domains.telecom import DOMAIN as TELECOM
from agentscaler_gym.domains.telecom import tasks as telecom_tasks
from agentscaler_gym.grounding import argument_values
from agentscaler_gym.registry import domain_of
from agentscaler_gym.rollout import env_config, rollout, run_episode
from agentscaler_gym.tasks import Task, gold_key
from agentscaler_gym.users import ScriptedUser

RETAIL_ID = "AgentScaler/retail-v0"
PREFER = ("exchange_prefer", "modify_prefer", "find_prefer")


def _fingerprint(tasks: list[Task]) -> list[tuple]:
    return [(t.id, gold_key(t), t.scenario.opening, t.scenario.instruction, t.outputs, t.choices) for t in tasks]


def test_retail_gives_ten_thousand_distinct_tasks_the_same_every_time():
    env = gym.make(RETAIL_ID, tasks=MAX_TASKS, split="train")
    tasks = env.unwrapped.tasks
    assert len(tasks) == MAX_TASKS == 10_000
    assert len({t.id for t in tasks}) == len({gold_key(t) for t in tasks}) == MAX_TASKS
    assert not env.unwrapped.domain.rejected
    # the validated list is the stream's prefix, and a fresh stream gives the same tasks
    fresh = list(itertools.islice(task_stream(RETAIL)["train"], MAX_TASKS))
    assert _fingerprint(fresh) == _fingerprint(tasks)
    # a smaller count is a prefix of a larger one; the same count is built once per process
    assert RETAIL.with_tasks(700).task_list("train") == tasks[:700]
    assert gym.make(RETAIL_ID, tasks=MAX_TASKS, split="train").unwrapped.domain is env.unwrapped.domain
    # variety grows with the count: more tool sequences and every family, the new ones included
    sequences = [tuple(c.name for c in t.gold_calls) for t in tasks]
    assert (
        len(set(sequences))
        > len(set(sequences[:1000]))
        > len({tuple(c.name for c in t.gold_calls) for t in tasks[:100]})
    )
    assert {t.family for t in tasks} >= set(PREFER) | {"cancel", "multi_intent", "refuse", "info"}


def test_the_same_count_gives_the_same_tasks_in_another_process():
    code = (
        "import json, gymnasium as gym, agentscaler_gym;"
        "d = gym.make('AgentScaler/retail-v0', tasks=300).unwrapped.domain;"
        "print(json.dumps({s: [t.to_dict() for t in d.task_list(s)] for s in ('train', 'test')}, sort_keys=True))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    here = RETAIL.with_tasks(300)
    expected = {s: [t.to_dict() for t in here.task_list(s)] for s in ("train", "test")}
    assert json.loads(out) == json.loads(json.dumps(expected, sort_keys=True))
    assert not {t.id for t in here.task_list("train")} & {t.id for t in here.task_list("test")}


def test_the_default_is_the_domain_own_task_list():
    env = gym.make(RETAIL_ID, split="train")
    assert env.unwrapped.domain is RETAIL and RETAIL.with_tasks(None) is RETAIL
    assert [t.id for t in env.unwrapped.tasks] == [t.id for t in make_tasks(RETAIL)["train"]]
    assert domain_of(RETAIL_ID) is RETAIL and domain_of(RETAIL_ID, 40) is RETAIL.with_tasks(40)


@pytest.mark.parametrize("bad", [0, -3, "10", 2.5, True])
def test_a_count_that_is_not_a_positive_whole_number_is_refused(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        gym.make(RETAIL_ID, tasks=bad)


def test_a_count_beyond_the_cap_is_a_clear_error_not_fewer_tasks():
    with pytest.raises(ValueError, match="at most 10000 tasks per split"):
        gym.make(RETAIL_ID, tasks=MAX_TASKS + 1)
    with pytest.raises(ValueError, match="fixed task list"):
        gym.make("AgentScaler/mock-v0", tasks=5)
    train_only = TELECOM.with_tasks(telecom_tasks.MAX_TASKS["test"] + 1)
    assert len(train_only.task_list("train")) == telecom_tasks.MAX_TASKS["test"] + 1
    with pytest.raises(ValueError, match="at most 545 test tasks"):
        train_only.task_list("test")
    assert list(train_only.splits()) == ["train"]


@pytest.mark.parametrize(("domain", "module"), [(AIRLINE, airline_tasks), (TELECOM, telecom_tasks)])
def test_airline_and_telecom_state_their_caps_and_reach_them(domain, module):
    """The stated caps are what the streams hold (every task valid), so a change to the families
    that moves them fails here."""
    for split, cap in module.MAX_TASKS.items():
        stream = list(domain.stream(domain)[split])
        assert len(stream) == cap
        assert len({gold_key(t) for t in stream}) == len({t.id for t in stream}) == cap
    both = min(module.MAX_TASKS.values())
    variant = domain.with_tasks(both)
    assert all(len(tasks) == both for tasks in variant.splits().values())
    assert not variant.rejected
    with pytest.raises(ValueError, match="at most"):
        domain.with_tasks(max(module.MAX_TASKS.values()) + 1)


def test_the_count_reaches_the_env_through_pickled_configs_the_rollout_engine_and_pettingzoo():
    config = pickle.loads(pickle.dumps(env_config(RETAIL_ID, "train", tasks=40)))
    assert config["tasks"] == 40
    result = rollout([RETAIL_ID], OraclePolicy(), split="train", tasks=40, concurrency=8)
    assert len(result) == 40 and all(t.passed for t in result)
    assert {t.task_id for t in result} == {t.id for t in RETAIL.with_tasks(40).task_list("train")}
    aec = multiagent.env(RETAIL_ID, tasks=40, split="train")
    assert aec.gym_env.domain is RETAIL.with_tasks(40)


def test_collect_takes_a_task_count(tmp_path, capsys):
    from agentscaler_gym.cli import main as agentscaler

    out = tmp_path / "c"
    args = ["collect", "--envs", RETAIL_ID, "--tasks", "12", "--split", "test", "--out", str(out), "--quiet"]
    assert agentscaler(args) == 0
    assert "kept 12 of 12 episodes" in capsys.readouterr().out
    assert json.loads((out / "card.json").read_text())["settings"]["tasks"] == 12


# -- search-and-choose goals ---------------------------------------------------------------------


def _prefer_tasks(split: str, count: int = 600) -> list[Task]:
    return [t for t in RETAIL.with_tasks(count).task_list(split) if t.family in PREFER]


def test_oracle_passes_and_doing_nothing_fails_on_five_hundred_tasks_of_each_split():
    for split in ("train", "test"):
        check_domain(RETAIL.with_tasks(500), split)


def test_the_demonstrator_offers_the_options_and_the_user_picks_by_preference_grounded():
    env = gym.make(RETAIL_ID, tasks=600, split="train", disable_env_checker=True)
    chosen = [t for t in _prefer_tasks("train") if t.choices][:40]
    assert {t.family for t in chosen} == set(PREFER)
    for task in chosen:
        trajectory = run_episode(env, OraclePolicy(), seed=0, task_id=task.id)
        assert trajectory.reward == 1.0, task.id
        choice = task.choices[0]
        said = [m["content"] for m in trajectory.messages if m["role"] == "assistant" and m.get("content")]
        offer = next(
            i
            for i, m in enumerate(trajectory.messages)
            if m["role"] == "assistant" and all(v in (m.get("content") or "") for v, _ in choice.options)
        )
        price = dict(choice.options)[choice.pick].rsplit("$", 1)[1]
        assert f"${price}" in trajectory.messages[offer + 1]["content"], task.id  # the user's pick
        assert all(v.grounded for v in argument_values(trajectory.messages, trajectory.tools)), task.id
        assert len(said) >= 3


def test_a_preference_task_needs_the_search_its_gold_run_makes():
    tasks = _prefer_tasks("test")
    assert tasks and all(any(c.name == "get_product_details" for c in t.gold_calls) for t in tasks)
    for task in tasks:
        # the chosen item is nowhere in what the user says: it comes from the catalogue lookup
        said = task.scenario.opening + " ".join(map(str, task.scenario.known.values()))
        wanted = [c for c in task.gold_calls if "new_item_ids" in c.arguments]
        assert all(i not in said for c in wanted for i in c.arguments["new_item_ids"])
    assert any(c.note for t in tasks for c in t.choices)  # some need the fallback


@pytest.mark.parametrize("word", ["cheapest", "most expensive"])
def test_the_scripted_user_answers_a_choice_from_its_preference_not_from_the_gold_id(word):
    task = next(
        t for t in _prefer_tasks("train") if t.choices and word in t.scenario.known["preference if several fit"]
    )
    choice = task.choices[0]
    user = ScriptedUser()
    user.start(task)
    options = list(reversed(choice.options))
    offer = (
        ", ".join(f"item {v} ({label})" for v, label in options[:-1]) + f" or item {options[-1][0]} ({options[-1][1]})"
    )
    reply = user.respond(f"I found these: {offer}. Which one would you like?")
    prices = {v: float(label.rsplit("$", 1)[1]) for v, label in choice.options}
    best = (min if word == "cheapest" else max)(prices.values())
    assert f"${best:.2f}" in reply and word in reply
    assert prices[choice.pick] == best


def test_grpo_prompts_of_a_task_count_reset_the_envs_trl_makes():
    from agentscaler_gym.integrations.trl import environment_class, task_dataset

    rows = task_dataset(RETAIL_ID, "train", limit=3, tasks=30)
    ids = [row["task_id"] for row in rows]
    assert ids == [t.id for t in RETAIL.with_tasks(30).task_list("train")[:3]]
    environment = environment_class(RETAIL_ID)()  # made without a count, as TRL does
    for task_id in ids:
        environment.reset(task_id=task_id, seed=0)
        assert environment.env.task.id == task_id
    with pytest.raises(KeyError):
        environment.reset(task_id="cancel-train-99999", seed=0)


def test_the_memoised_validation_records_the_same_gold_change_as_a_full_replay():
    variant = RETAIL.with_tasks(300)
    for split in ("train", "test"):
        for task in variant.task_list(split)[::3]:
            assert variant.gold(task) == RETAIL.replay(task), task.id
