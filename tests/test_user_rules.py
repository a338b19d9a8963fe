"""The rules a simulated user keeps: its brief, the checks of one reply, and the fidelity score."""

import pytest

from agentscaler_gym.domains.telecom import DOMAIN as TELECOM
from agentscaler_gym.tasks import Scenario
from agentscaler_gym.user_rules import FIDELITY_CHECKS, check_user_reply, facts, fidelity, user_brief
from agentscaler_gym.users import STOP

SCENARIO = Scenario(
    opening="Hi, I want to return something from order #W1234567.",
    instruction=(
        "You want to return the blue kettle from order #W1234567 and have the refund go to your gift card; "
        "if the agent asks, you also want to change the address of order #W7654321 to 12 Oak Street."
    ),
    known={"email": "ava.lee@example.com", "zip code": "90210"},
)


@pytest.mark.parametrize(
    "reply, answering, heard, kinds",
    [
        ("My email is ava.lee@example.com.", "Could you share your email?", set(), []),
        ("My email is bob@example.com.", "Could you share your email?", set(), ["invented_fact"]),
        ("It is order #W5550001.", "Which order?", set(), ["invented_fact"]),
        ("It is order W5550001, the one you found.", "Which order?", facts("I found #W5550001."), []),
        ("I paid $1,249.99 for it.", "How much?", facts("The total was 1249.99."), []),
        (f"Yes, please go ahead. {STOP}", "Shall I proceed with the return (yes/no)?", set(), ["early_stop"]),
        (f"No, that's all, thanks. {STOP}", "Is there anything else I can help with?", set(), []),
        (f"Thanks. {STOP}", "Your return is done; the refund goes to your gift card.", set(), []),
        (f"I don't know. {STOP}", "Could you provide your zip code?", set(), ["early_stop"]),
        (STOP, "", set(), ["empty_reply", "early_stop"]),
        ("", "Could you provide your zip code?", set(), ["empty_reply"]),
        (SCENARIO.instruction, "How can I help?", set(), ["instruction_leak"]),
        ("I want to return the blue kettle.", "How can I help?", set(), []),
        (SCENARIO.opening, "", set(), []),
    ],
)
def test_check_user_reply_finds_each_kind_of_fault(reply, answering, heard, kinds):
    assert [kind for kind, _ in check_user_reply(reply, SCENARIO, answering, heard)] == kinds


def test_fidelity_is_the_share_of_checks_never_broken():
    assert fidelity([]) == 1.0
    twice = [{"turn": 1, "kind": "invented_fact", "detail": ""}] * 2
    assert fidelity(twice) == pytest.approx(1 - 1 / len(FIDELITY_CHECKS))
    assert fidelity([{"turn": 1, "kind": k, "detail": ""} for k in FIDELITY_CHECKS]) == 0.0


def test_user_brief_holds_the_scenario_and_the_rules():
    task = TELECOM.task_list("test")[0]
    brief = user_brief(task, device=True)
    assert task.scenario.instruction in brief and STOP in brief and "phone" in brief
    assert all(str(v) in brief for v in task.scenario.known.values())
    assert "phone with the listed tools" not in user_brief(task, device=False)
