"""The TRL adapter: environment classes, task datasets and the rollout_func renderer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import agentscaler_gym
from agentscaler_gym.integrations.trl import (
    USER_TOOL,
    environment_class,
    environment_factory,
    make_env,
    python_type,
    task_dataset,
)

MOCK = "AgentScaler/mock-v0"
RETAIL = "AgentScaler/retail-v0"


def _task(env_id: str, family: str, split: str = "train"):
    return next(t for t in make_env(env_id, split=split).tasks if t.family == family)


def _mock_at(family: str):
    """A TRL mock environment reset to the first train task of ``family``, and that task."""
    env = environment_class(MOCK)()
    task = _task(MOCK, family)
    env.reset(task_id=task.id)
    return env, task


def _call(env, calls) -> list[str]:
    """Make ``calls`` through the environment's tool methods; their answers."""
    return [getattr(env, call.name)(**call.arguments) for call in calls]


def test_importing_the_adapter_pulls_in_no_heavy_library():
    code = (
        "import sys, agentscaler_gym.integrations.trl as m; m.environment_class('AgentScaler/mock-v0')();"
        "print(sorted(k for k in ('torch', 'transformers', 'trl', 'datasets', 'vllm') if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("env_id", agentscaler_gym.builtin_ids())
def test_every_tool_method_has_the_schema_the_env_publishes(env_id):
    from transformers.utils import get_json_schema

    env = environment_class(env_id)()
    for schema in env.env.domain.tool_schemas:
        method = getattr(env, schema["function"]["name"])
        derived = get_json_schema(method)
        derived["function"].pop("return")
        assert _normalised(derived) == _normalised(schema)


def _normalised(schema: dict) -> dict:
    """The same schema with ``required`` as a sorted list (transformers lists it in signature order and
    leaves out an empty one)."""
    schema = json.loads(json.dumps(schema))
    parameters = schema["function"]["parameters"]
    parameters["required"] = sorted(parameters.get("required", []))
    return schema


def test_trl_discovers_exactly_the_domain_tools_and_the_user_tool():
    import inspect

    cls = environment_class(MOCK)
    members = {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}
    tools = set(make_env(MOCK).domain.tools)
    assert members - {"reset", "get_reward"} == tools | {USER_TOOL}
    assert USER_TOOL not in {
        n for n, _ in inspect.getmembers(environment_class(MOCK, user_tool=False), inspect.isfunction)
    }


def test_a_rollout_making_the_gold_calls_gets_1_and_one_that_does_not_gets_0():
    env, task = _mock_at("close")
    _call(env, task.gold_calls[:-1])
    assert env.get_reward() == 0.0  # the ticket is not closed yet
    (answer,) = _call(env, task.gold_calls[-1:])
    assert json.loads(answer)["status"] == "closed"
    assert env.get_reward() == 1.0


def test_reset_restores_the_database_of_a_reused_instance():
    env, task = _mock_at("open")
    _call(env, task.gold_calls)
    assert env.get_reward() == 1.0
    env.reset(task_id=task.id)
    assert env.get_reward() == 0.0
    assert env.env.changes() == {}


def test_a_bad_call_is_answered_in_text_and_changes_nothing():
    env, _ = _mock_at("open")
    assert env.close_ticket(ticket_id=99999).startswith("Error:")
    assert env.open_ticket(customer_id="C001").startswith("Error:")  # missing argument
    assert env.env.changes() == {}


def test_required_outputs_count_when_told_to_the_user():
    env, task = _mock_at("status")
    _call(env, task.gold_calls)
    assert env.get_reward() == 0.0  # the status was not said
    reply = env.send_message_to_user(f"Your ticket is {task.outputs[0]}.")
    assert agentscaler_gym.STOP in reply
    assert env.get_reward() == 1.0
    assert env.verification["outputs_match"] is True


def test_the_user_tool_gives_known_facts_when_asked():
    env, task = _mock_at("open")
    assert task.scenario.known["email"] in env.send_message_to_user("Could you tell me your email?")


def test_dict_factory_has_one_class_per_env_id_named_after_it():
    factory = environment_factory([MOCK, RETAIL])
    assert list(factory) == [MOCK, RETAIL]
    assert factory[MOCK].__name__ == "MockV0Env" and factory[RETAIL].__name__ == "RetailV0Env"
    assert hasattr(factory[RETAIL], "get_order_details") and not hasattr(factory[MOCK], "get_order_details")
    assert environment_class(MOCK) is factory[MOCK]  # built once per env id


def test_task_dataset_rows_reset_the_episode_their_prompt_shows():
    dataset = task_dataset([MOCK, RETAIL], "train", limit=3)
    assert dataset.column_names == ["prompt", "task_id", "environment", "seed"]
    assert dataset["environment"] == [MOCK] * 3 + [RETAIL] * 3
    factory = environment_factory([MOCK, RETAIL])
    for row in dataset:
        env = factory[row["environment"]]()
        env.reset(**{k: v for k, v in row.items() if k != "environment"})
        assert env.env.task.id == row["task_id"]
        shown = [{"role": m["role"], "content": m["content"]} for m in row["prompt"]]
        assert shown == env.env.messages
        assert all(m["task_id"] == row["task_id"] and m["env_id"] == row["environment"] for m in row["prompt"])


def test_python_type_round_trips_through_transformers():
    from transformers.utils.chat_template_utils import _parse_type_hint

    for schema in (
        {"type": "string"},
        {"type": "integer"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "object"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "string", "enum": ["a", "b"]},
        {"type": "integer", "nullable": True},
    ):
        assert _parse_type_hint(python_type(schema)) == schema


def test_rollout_renderer_cuts_answers_exactly_where_the_template_continues(tiny_model):
    from transformers import AutoTokenizer

    from agentscaler_gym.integrations.trl import _Renderer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    render = _Renderer(tokenizer, None, {})
    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "get_ticket", "arguments": {"ticket_id": 7}}}],
    }
    cases = [
        (call, [{"role": "tool", "name": "get_ticket", "content": '{"status": "open"}'}]),
        ({"role": "assistant", "content": "What is your email?"}, [{"role": "user", "content": "It is a@b.c"}]),
    ]
    for assistant, answers in cases:
        suffix = render.suffix(assistant, answers)
        full = render.ids([{"role": "user", "content": "hi"}, assistant, *answers], True)
        text = tokenizer.decode(suffix)
        assert full[-len(suffix) :] == suffix
        assert text.startswith("\n<|im_start|>user\n") and text.endswith("<|im_start|>assistant\n")
        assert answers[0]["content"] in text
