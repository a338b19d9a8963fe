"""Grounding: where each argument value of a conversation's tool calls came from."""

import json
import subprocess
import sys
from pathlib import Path

from agentscaler_gym.grounding import argument_values, confirmed_writes

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "cancel_order",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}, "reason": {"type": "string", "enum": ["mistake"]}},
            },
        },
    }
]


def conversation(*turns):
    return [{"role": "system", "content": "Policy: refunds above 100 need approval."}, *turns]


def calls(name, **arguments):
    return {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": name, "arguments": arguments}}]}


def marks(messages):
    return {(v.argument, str(v.value)): v.grounded for v in argument_values(messages, TOOLS)}


def test_a_value_said_by_the_user_or_a_tool_is_grounded_and_an_invented_one_is_not():
    messages = conversation(
        {"role": "user", "content": "Cancel order #W123, please."},
        calls("find", email="ann@example.com"),
        {"role": "tool", "content": '{"user_id": "ann_1"}'},
        calls("cancel_order", order_id="#W123", user="ann_1", reason="mistake"),
    )
    assert marks(messages) == {
        ("email", "ann@example.com"): False,
        ("order_id", "#W123"): True,
        ("user", "ann_1"): True,
        ("reason", "mistake"): True,  # a member of the parameter's enum
    }


def test_values_match_whole_words_and_numbers_in_any_decimal_form():
    messages = conversation(
        {"role": "user", "content": "It cost $12.00 and my zip is 94103."},
        calls("pay", amount=12, zip="9410", total=24.0, limit=100),
    )
    assert marks(messages) == {
        ("amount", "12"): True,
        ("zip", "9410"): False,  # part of a word is not the word
        ("total", "24.0"): True,  # 12 + 12
        ("limit", "100"): True,  # stated by the policy
    }


def test_a_value_the_assistant_proposed_counts_once_the_user_agrees():
    proposal = {"role": "assistant", "content": "The total is $431.50. Shall I book it?"}
    agreed = conversation(proposal, {"role": "user", "content": "Yes, please."}, calls("book", amount=431.5))
    declined = conversation(proposal, {"role": "user", "content": "No, wait."}, calls("book", amount=431.5))
    assert marks(agreed) == {("amount", "431.5"): True}
    assert marks(declined) == {("amount", "431.5"): False}


def test_a_write_is_confirmed_only_by_a_yes_to_a_question_that_names_it():
    asked = conversation(
        {"role": "user", "content": "Cancel #W1."},
        {"role": "assistant", "content": "Shall I cancel order #W1?"},
        {"role": "user", "content": "Yes, go ahead."},
        calls("cancel_order", order_id="#W1"),
        {"role": "tool", "content": "{}"},
        calls("cancel_order", order_id="#W2"),
    )
    assert confirmed_writes(asked, {"cancel_order"}) == (1, 2)


def test_the_data_quality_benchmark_measures_a_dual_control_domain_and_a_template():
    """The benchmark script runs on the current runtime and reports the oracle's demonstrations as grounded."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "data_quality.py"
    envs = ["AgentScaler/mock-v0", "AgentScaler/telecom-v0"]
    out = subprocess.run(
        [sys.executable, str(script), "--envs", *envs, "--split", "test"], capture_output=True, text=True, check=True
    ).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["env"] for line in lines] == envs
    for line in lines:
        demos, tasks = line["demonstrations"], line["tasks"]
        assert demos["pass_rate"] == 1.0 and demos["grounding"] == 1.0 and demos["confirmed_writes"] == 1.0
        assert tasks["tasks"] > 0 and 0.0 <= tasks["read_only"] <= 1.0
