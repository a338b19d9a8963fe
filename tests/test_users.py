import gymnasium as gym

import agentscaler_gym  # noqa: F401
from agentscaler_gym.users import STOP


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
