import dataclasses
import re

import gymnasium as gym

import agentscaler_gym  # noqa: F401
from agentscaler_gym.users import STOP, ScriptedUser


def test_scripted_user_runs_device_actions_in_the_order_the_message_names_them():
    env = gym.make("AgentScaler/telecom-v0", disable_env_checker=True).unwrapped
    env.reset(seed=0)
    reply = env.step("Please run reboot device first, then check_status_bar, and tell me what you see.")[0]
    assert [c.name for c in env.device.calls] == ["reboot_device", "check_status_bar"]
    assert reply.index("reboot device") < reply.index("check status bar")


def test_scripted_user_answers_from_known_facts_confirms_and_stops():
    env = gym.make("AgentScaler/mock-v0", disable_env_checker=True).unwrapped
    env.reset(seed=0)
    known = env.task.scenario.known
    assert env.step("Could you share your email address?")[0] == f"My email is {known['email']}."
    assert env.step("Shall I proceed with that?")[0] == "Yes, please go ahead."
    assert env.step("What is your favourite colour?")[0] == "I'm sorry, I don't know that."
    observation, _, terminated, _, _ = env.step("Your request is complete.")
    assert terminated and STOP in observation


def test_scripted_user_reads_each_task_object_it_is_given_even_under_a_known_id():
    env = gym.make("AgentScaler/mock-v0", disable_env_checker=True).unwrapped
    task, other = env.tasks[0], env.tasks[1]
    renamed = dataclasses.replace(other, id=task.id)  # another domain may reuse an id
    user = ScriptedUser()
    user.start(task)
    assert user.start(renamed) == other.scenario.opening
    email = other.scenario.known["email"]
    wrong = re.sub(r"\d", lambda m: str((int(m[0]) + 1) % 10), email)  # shaped like it, not it
    assert email in user.respond(f"Shall I go ahead for {wrong}?")  # corrected with its own values
