"""The scripted user as a customer: a table of phrasings per act, each answered as a customer would."""

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401
from agents import OraclePolicy
from agentscaler_gym.rollout import run_episode
from agentscaler_gym.users import STOP

RETAIL, AIRLINE, TELECOM = "AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0"


def make(env_id):
    return gym.make(env_id, disable_env_checker=True).unwrapped


@pytest.fixture(scope="module")
def retail():
    return make(RETAIL)


def start(env, family, index=0):
    task = [t for t in env.domain.task_list("train") if t.family == family][index]
    env.reset(seed=0, options={"task_id": task.id})
    return task


ASK_EMAIL = [
    "Could you give me your email?",
    "What's your email address?",
    "Please share your e-mail.",
    "Can you tell me the email on your account?",
    "I need your email address to look you up.",
    "May I have your email, please?",
    "What email did you register with?",
    "Could you provide your e-mail address?",
    "Let me know your email address, please.",
    "Which email address is on the account?",
]


@pytest.mark.parametrize("question", ASK_EMAIL)
def test_reveals_a_fact_when_asked(retail, question):
    task = start(retail, "cancel")
    reply = retail.step(question)[0]
    assert task.scenario.known["email"] in reply and STOP not in reply


ASK_CARD = [
    "Which payment method would you like to use?",
    "How would you like to pay?",
    "Which card should I charge?",
    "What payment method do you want for this?",
    "Could you tell me the payment method?",
    "Which of your cards do you want to use?",
    "Please tell me how you'd like to pay for the change.",
    "What is the replacement payment method?",
    "Can you let me know which card to use?",
    "Which payment method should it go on?",
]


@pytest.mark.parametrize("question", ASK_CARD)
def test_names_a_card_in_customer_words_not_by_internal_id(retail, question):
    task = start(retail, "modify_payment")
    reply = retail.step(question)[0]
    assert "ending in" in reply or "gift card" in reply or "paypal" in reply.lower(), reply
    assert "credit_card_" not in reply and "gift_card_" not in reply, reply
    assert task.scenario.known["replacement payment method"] in reply


GREETINGS = [
    "Hello! How can I help you today?",
    "Hi, how may I assist you?",
    "What can I do for you?",
    "How can I help?",
    "Good morning! How may I help you today?",
    "Welcome! What brings you here today?",
    "Hi there, what do you need help with?",
    "How can we help you today?",
    "Hello, how could I help?",
    "Hi! What would you like help with?",
]


@pytest.mark.parametrize("greeting", GREETINGS)
def test_restates_its_goal(retail, greeting):
    task = start(retail, "cancel")
    reply = retail.step(greeting)[0]
    order = task.gold_calls[-1].arguments["order_id"]
    assert order in reply and "don't know" not in reply and STOP not in reply


UNREQUESTED = [
    "Shall I also delete your account and all your data?",
    "Would you like me to cancel all your other orders as well?",
    "Should I change your default address to 1 Main St, Austin, TX 78701?",
    "Do you want me to return every item of your last delivered order?",
    "Can I go ahead and exchange your shoes for a bigger size too?",
    "Shall I remove your saved payment methods?",
    "Would you like me to close your account?",
    "Should I book you a flight to Paris as well?",
    "Do you want me to update your email address?",
    "May I also modify the payment method of your order?",
]


@pytest.mark.parametrize("proposal", UNREQUESTED)
def test_declines_what_it_did_not_ask_for(retail, proposal):
    start(retail, "cancel")
    reply = retail.step(proposal)[0]
    assert reply.startswith("No"), reply


WRONG = [
    "Shall I cancel order {wrong} because you no longer need it?",
    "To confirm: cancel order {wrong}, reason no longer needed. Should I proceed?",
    "I'm about to cancel {wrong}. Is that okay?",
    "Would you like me to cancel order {wrong} now?",
    "Can you confirm you want order {wrong} cancelled?",
    "Do you want me to go ahead and cancel {wrong}?",
    "Here is the plan: cancel pending order {wrong}. Shall I go ahead?",
    "I can cancel order {wrong} for you. Do you want me to proceed?",
    "Just to be sure: cancel {wrong}, yes or no?",
    "Cancelling order {wrong} for you, is that right?",
]


@pytest.mark.parametrize("proposal", WRONG)
def test_corrects_a_wrong_value_by_naming_the_right_one(retail, proposal):
    task = start(retail, "cancel")
    right = task.gold_calls[-1].arguments["order_id"]
    wrong = "#W" + str((int(right[2:]) + 1111111) % 10_000_000).zfill(7)
    reply = retail.step(proposal.format(wrong=wrong))[0]
    assert reply.startswith("No") and right in reply, reply


RIGHT = [
    "Shall I cancel order {right} because you no longer need it?",
    "To confirm: cancel order {right}. Should I proceed?",
    "I'm about to cancel {right}. Is that okay?",
    "Would you like me to cancel order {right} now?",
    "Can you confirm you want order {right} cancelled?",
    "Do you want me to go ahead and cancel {right}?",
    "Here is the plan: cancel pending order {right}. Shall I go ahead?",
    "I can cancel order {right} for you. Do you want me to proceed?",
    "Just to be sure: cancel {right}, yes or no?",
    "Cancelling order {right} for you, is that right?",
]


@pytest.mark.parametrize("proposal", RIGHT)
def test_confirms_a_proposal_that_matches_its_goal(retail, proposal):
    task = start(retail, "cancel")
    reply = retail.step(proposal.format(right=task.gold_calls[-1].arguments["order_id"]))[0]
    assert reply.startswith("Yes"), reply


CHOICES = [
    "Which order do you mean: {a} or {b}?",
    "Is it order {a} or order {b}?",
    "Should I look at {a} or {b}?",
    "Do you want to cancel {a} or {b}?",
    "Which one would you like: {a}, or {b}?",
    "Are we talking about {a} or {b}?",
    "I see two orders. Would you prefer {a} or {b}?",
    "Which should I cancel, {a} or {b}?",
    "Did you mean {a} or {b}?",
    "Would you like to go with {a} or {b}?",
]


@pytest.mark.parametrize("question", CHOICES)
@pytest.mark.parametrize("right_first", [True, False])
def test_answers_a_choice_with_the_option_it_wants(retail, question, right_first):
    task = start(retail, "cancel")
    right = task.gold_calls[-1].arguments["order_id"]
    wrong = "#W" + str((int(right[2:]) + 1111111) % 10_000_000).zfill(7)
    a, b = (right, wrong) if right_first else (wrong, right)
    reply = retail.step(question.format(a=a, b=b))[0]
    assert right in reply and wrong not in reply, reply


PRICES = [
    "Would you prefer the 08:00 flight at ${x} or the 15:00 flight at ${y}?",
    "There are two options: ${x} at 08:00, or ${y} at 15:00?",
    "Do you want HAT001 for ${x} or HAT002 for ${y}?",
    "Should I pick the morning one (${x}) or the afternoon one (${y})?",
    "Which would you like, the flight costing ${x} or the one costing ${y}?",
    "Option one is ${x}, option two is ${y}. Which do you prefer, one or two?",
    "Would you rather take the ${x} fare or the ${y} fare?",
    "The direct flight is ${x} or there is another at ${y}. Which one?",
    "Do you prefer flight A at ${x} or flight B at ${y}?",
    "Should I book the ${x} option or the ${y} option?",
]


@pytest.mark.parametrize("question", PRICES)
def test_answers_a_choice_by_its_stated_preference(question):
    env = make(AIRLINE)
    task = next(t for t in env.domain.task_list("train") if "cheapest" in t.scenario.known.get("preference", ""))
    env.reset(seed=0, options={"task_id": task.id})
    reply = env.step(question.format(x=240, y=180))[0]
    assert "180" in reply and "240" not in reply, reply


ANYTHING_ELSE = [
    "Is there anything else I can help you with?",
    "Can I help you with anything else?",
    "Is there anything else you need today?",
    "Anything else I can do for you?",
    "Do you have any other questions?",
    "Is there something else I can help with?",
    "Can I assist with anything more?",
    "Do you need any further help?",
    "Anything else we can do for you today?",
    "Is there any other request I can help with?",
]


@pytest.mark.parametrize("question", ANYTHING_ELSE)
def test_ends_politely_once_the_goal_is_done_and_not_before(retail, question):
    task = start(retail, "info")
    early = retail.step(question)[0]
    assert STOP not in early
    observation, _, terminated, _, _ = retail.step(f"The answer is {'; '.join(task.outputs)}. {question}")
    assert terminated and STOP in observation


DEVICE = [
    ("Please turn off airplane mode.", "toggle_airplane_mode"),
    ("Could you switch off flight mode for me?", "toggle_airplane_mode"),
    ("Is airplane mode on? Could you turn it off?", "toggle_airplane_mode"),
    ("Please restart your phone.", "reboot_device"),
    ("Can you reboot the phone and tell me when it's back?", "reboot_device"),
    ("Could you check the status bar at the top of your screen?", "check_status_bar"),
    ("Please run a speed test.", "run_speed_test"),
    ("Could you turn on mobile data?", "toggle_mobile_data"),
    ("Please reset your APN settings to the default.", "reset_apn_settings"),
    ("Could you take out your SIM card and insert it again?", "reseat_sim_card"),
    ("Please switch data roaming on.", "toggle_data_roaming"),
    ("Could you check your network status?", "check_network_status"),
    ("Please check the data usage screen on your phone.", "check_data_usage"),
]


@pytest.mark.parametrize(("instruction", "tool"), DEVICE)
def test_carries_out_a_natural_device_instruction_and_reports_what_it_sees(instruction, tool):
    env = make(TELECOM)
    env.reset(seed=0)
    reply = env.step(instruction)[0]
    assert [c.name for c in env.device.calls] == [tool]
    assert tool.replace("_", " ") in reply and STOP not in reply


@pytest.mark.parametrize("env_id", [RETAIL, AIRLINE])
def test_every_test_task_declines_an_unrequested_write_and_ends_after_the_goal(env_id):
    env = make(env_id)
    oracle = OraclePolicy()
    for task in env.domain.task_list("test"):
        env.reset(seed=0, options={"task_id": task.id})
        assert env.step("Shall I also delete your account and all your data?")[0].startswith("No"), task.id
        t = run_episode(env, oracle, seed=0, task_id=task.id)
        last = [m for m in t.messages if m["role"] == "assistant"][-1]["content"]
        assert t.reward == 1.0 and "anything else" in last.lower(), task.id
        assert STOP in t.messages[-1]["content"], task.id


@pytest.mark.parametrize("question", PRICES)
@pytest.mark.parametrize("word", ["earliest", "latest"])
def test_a_departure_time_preference_picks_by_the_clock_not_the_price(question, word):
    env = make(AIRLINE)
    task = next(t for t in env.domain.task_list("train") if word in t.scenario.known.get("preference", ""))
    env.reset(seed=0, options={"task_id": task.id})
    offered = question.replace("${x}", "$240").replace("${y}", "$180")
    if "08:00" not in offered:
        offered = offered.replace("?", "? They leave at 08:00 and 15:00 respectively.", 1)
    reply = env.step(offered)[0]
    wanted, other = ("08:00", "15:00") if word == "earliest" else ("15:00", "08:00")
    assert wanted in reply and other not in reply, reply
