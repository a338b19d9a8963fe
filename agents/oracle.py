"""Policies that need no model: the oracle, the gold-call player, random and no-op.

The oracle (:class:`OraclePolicy`) is a demonstrator: it plays a task's gold calls the way the domain
policy prescribes.

It holds the task (a privileged policy, like the oracle) and, turn by turn:

1. before a call, makes sure every argument value is grounded (said by the user, answered by a
   tool, stated by the policy): a value the user holds but has not said is asked for, one topic
   at a time ("Could you give me your email address?");
2. before a write, states the action with its specifics and asks for an explicit yes, and writes
   only after the user agrees;
3. asks the user to act on their device in plain words ("Could you turn off airplane mode?");
4. where the task records a choice (a search-and-choose goal), offers the options its lookups
   found once they are all looked up, and lets the user pick by their preference;
5. closes with the outcome in a sentence (the required answers; for a refusal, the fact and the
   policy rule that forbid the request) and asks whether there is anything else.

Its progress is read from the transcript, so one instance serves any number of episodes. The
phrasing of every act is drawn from several templates by a generator seeded with the policy's
seed, the task id and the turn, so a run is reproducible and the data does not collapse to one
string. Reads and writes are told apart by the tool's verb (:func:`~agentscaler_gym.user_acts.is_write`).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from typing import Any

from agentscaler_gym import user_acts as rules
from agentscaler_gym.grounding import Evidence, agrees, leaf_values
from agentscaler_gym.tasks import USER, Choice, Task, ToolCall, oracle_turns

ASK_IDENTITY = (
    "Before I can help, I need to verify your identity. Could you give me your {topic}?",
    "I'd be glad to help. First, could you tell me your {topic} so I can find your account?",
    "Sure. To look up your account, what is your {topic}?",
    "Happy to help with that. Can you share your {topic} so I can verify who you are?",
)
ASK_FACT = (
    "Could you tell me the {topic}?",
    "What is the {topic}, please?",
    "To go on, I need the {topic}. Could you share it?",
    "Can you give me the {topic}?",
)
PROPOSE = (
    "Here is what I will do: {action} ({details}). Shall I go ahead?",
    "To confirm, I'm about to {action} with these details: {details}. Would you like me to proceed?",
    "I can {action} for you: {details}. Do you want me to go ahead (yes/no)?",
    "Just to be sure before I make the change: {action}, {details}. Is it okay to proceed?",
    "The change would be: {action} ({details}). Can you confirm you want this?",
)
OFFER = (
    "I found {count} options that fit{note}: {options}. Which one would you like?",
    "There are {count} items that match{note}: {options}. Which would you prefer?",
    "Looking at the catalogue{note}, these {count} fit your wish: {options}. Which one should it be?",
)
DEVICE = {
    "check_status_bar": (
        "Could you look at the status bar at the top of your screen and tell me what it shows?",
        "Please check the status bar on your phone and tell me what you see.",
    ),
    "check_network_status": (
        "Could you check your network status in your phone's settings and read it to me?",
        "Please check the network status on your phone and tell me what it says.",
    ),
    "check_apn_settings": (
        "Could you open your APN settings and tell me what they show?",
        "Please look at the access point settings on your phone and read them to me.",
    ),
    "check_data_usage": (
        "Could you check the data usage screen on your phone?",
        "Please check how much data your phone shows as used.",
    ),
    "run_speed_test": (
        "Could you run a speed test on your phone now?",
        "Please run a speed test and tell me the result.",
    ),
    "toggle_airplane_mode": (
        "Could you please turn off airplane mode?",
        "Please switch airplane mode off and tell me what happens.",
    ),
    "toggle_mobile_data": (
        "Could you please turn on mobile data?",
        "Please switch mobile data on in your settings.",
    ),
    "toggle_data_roaming": (
        "Could you turn on data roaming in your phone's settings?",
        "Please switch data roaming on.",
    ),
    "reset_apn_settings": (
        "Could you reset your APN settings to the default?",
        "Please reset the access point settings back to default.",
    ),
    "reseat_sim_card": (
        "Could you take out your SIM card and insert it again?",
        "Please remove and reinsert the SIM card, then tell me what you see.",
    ),
    "reboot_device": (
        "Could you restart your phone?",
        "Please reboot your phone and tell me once it is back on.",
    ),
}
DEVICE_FALLBACK = ("Could you please {action} on your phone and tell me what it shows?",)
DONE = (
    "All set: I have {actions}.",
    "That's done: I've {actions}.",
    "Your request is complete: I {actions}.",
    "Everything went through: I have {actions}.",
)
ANSWER = (
    "I've looked it up: {answers}.",
    "Here is what I found: {answers}.",
    "According to our records: {answers}.",
    "I checked for you: {answers}.",
)
REFUSE = (
    "I'm sorry, but I can't do that. I checked, and the relevant detail is: {answers}. Our policy says: {rule}",
    "Unfortunately this isn't possible: {answers}. The policy states: {rule}",
    "I looked into it and I'm unable to help with this request ({answers}). The rule is: {rule}",
    "I'm afraid I have to decline: {answers}. As our policy puts it: {rule}",
)
FIXED_DEVICE = (
    "Thanks for going through those steps with me; your phone should be working normally again.",
    "Great, that fixed it: the test result shows your connection is back to normal.",
    "Thank you for your patience; the problem on your phone is solved now.",
    "Everything looks good on your phone now, thanks for trying those steps.",
)
FIXED = ("Thank you for your patience.", "Thanks for checking in.", "I hope that helps.", "")
ANYTHING_ELSE = (
    "Is there anything else I can help you with?",
    "Can I help you with anything else?",
    "Is there anything else you need today?",
    "Anything else I can do for you?",
)
TRANSFER = (
    "I checked, and your account is {answers}, so I can't make that change myself. I'm transferring you to a human agent.",
    "Your account is currently {answers}; a human agent has to handle this, so I'm transferring you now.",
    "Since the account is {answers}, this needs a human agent. I'll transfer you right away.",
)
GOODBYE = ("Thank you for contacting us. Goodbye!", "Have a great day. Goodbye!")
IDENTITY_TOOLS = ("find_user", "get_user", "get_customer", "find_customer")


class OraclePolicy:
    """The demonstrator: plays the gold calls with the conversation the domain policy prescribes
    (see the module)."""

    def __init__(self, seed: int = 0):
        self.seed = seed

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if task is None:
            raise ValueError("the demonstrator needs the task")
        rng = random.Random(f"{self.seed}:{task.id}:{len(messages)}")
        index = _next_index(messages, task)
        choice = next((c for c in task.choices if c.before == index and not _offered(messages, c)), None)
        if choice is not None:
            return _say(_offer(rng, choice))
        step = task.gold_calls[index] if index < len(task.gold_calls) else None
        if step is None:
            return self._close(messages, task, rng)
        if step.actor == USER:
            phrases = DEVICE.get(step.name) or [p.format(action=_words(step.name)) for p in DEVICE_FALLBACK]
            return _say(rng.choice(phrases))
        schemas = {s["function"]["name"]: s["function"].get("parameters", {}) for s in tools}
        evidence = _evidence(messages)
        properties = schemas.get(step.name, {}).get("properties", {})
        missing = [
            v
            for name, value in step.arguments.items()
            for v in leaf_values(value)
            if not evidence.holds(v, properties.get(name))
        ]
        topic = _topic_to_ask(missing, task, messages)
        if topic is not None:
            first = not any(m["role"] == "assistant" for m in messages)
            templates = ASK_IDENTITY if first or step.name.startswith(IDENTITY_TOOLS) else ASK_FACT
            return _say(rng.choice(templates).format(topic=topic))
        if rules.is_write(step.name) and not _consented(messages, step):
            details = "; ".join(f"{_words(k)}: {_text(v)}" for k, v in step.arguments.items())
            return _say(rng.choice(PROPOSE).format(action=_words(step.name), details=details))
        content = ""
        if step.name.startswith("transfer") and task.outputs:  # the transfer ends the episode: say why first
            content = rng.choice(TRANSFER).format(answers=_sentence(task.outputs))
        function = {"name": step.name, "arguments": dict(step.arguments)}
        return {"role": "assistant", "content": content, "tool_calls": [{"type": "function", "function": function}]}

    def _close(self, messages: Sequence[dict], task: Task, rng: random.Random) -> dict:
        said = [m.get("content") or "" for m in messages if m["role"] == "assistant"]
        if any(rules.ANYTHING_ELSE.search(rules.words(s)) for s in said):
            return _say(rng.choice(GOODBYE))
        writes = [c for c in task.gold_calls if c.actor != USER and rules.is_write(c.name)]
        if writes:
            actions = "; ".join(f"{_past(c.name)} ({_key_details(c)})" for c in writes)
            text = rng.choice(DONE).format(actions=actions)
            if task.outputs:
                text += " " + rng.choice(ANSWER).format(answers=_sentence(task.outputs))
        elif "refuse" in task.family and task.outputs:
            rule = _rule(messages[0].get("content") or "", task)
            text = rng.choice(REFUSE).format(answers=_sentence(task.outputs), rule=rule)
        elif task.outputs:
            text = rng.choice(ANSWER).format(answers=_sentence(task.outputs))
        else:
            text = rng.choice(FIXED_DEVICE)
        extra = rng.choice(FIXED)
        return _say(" ".join(p for p in (text, extra, rng.choice(ANYTHING_ELSE)) if p))


# -- reading the transcript ----------------------------------------------------------------------


def _next_index(messages: Sequence[dict], task: Task) -> int:
    """The index of the first gold call the transcript has not yet covered (the count when all are)."""
    made = [
        c.get("function", c)["name"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls") or ()
    ]
    device = [c.name for c in task.gold_calls if c.actor == USER]
    requested: list[str] = []
    for m in messages:
        text = rules.words(m.get("content") or "")
        if m["role"] == "assistant" and not m.get("tool_calls") and rules.device_request(text):
            requested += rules.device_tools_named(text, dict.fromkeys(device))
    for index, call in enumerate(task.gold_calls):
        pool = requested if call.actor == USER else made
        if call.name in pool:
            pool.remove(call.name)
        else:
            return index
    return len(task.gold_calls)


def _offered(messages: Sequence[dict], choice: Choice) -> bool:
    """Whether an assistant message already offered the choice (named every option)."""
    return any(
        m["role"] == "assistant" and all(value in (m.get("content") or "") for value, _ in choice.options)
        for m in messages
    )


def _offer(rng: random.Random, choice: Choice) -> str:
    items = [f"item {value} ({label})" for value, label in choice.options]
    options = ", ".join(items[:-1]) + f" or {items[-1]}"
    note = f" ({choice.note})" if choice.note else ""
    return rng.choice(OFFER).format(count=len(items), note=note, options=options)


def _evidence(messages: Sequence[dict]) -> Evidence:
    evidence, proposal = Evidence(), None
    for m in messages:
        content = m.get("content") or ""
        if m["role"] in ("system", "tool"):
            evidence.add(content)
        elif m["role"] == "user":
            evidence.add(content)
            if proposal and agrees(content):
                evidence.add(proposal)
            proposal = None
        elif m["role"] == "assistant":
            proposal = content
    return evidence


def _topic_to_ask(missing: list, task: Task, messages: Sequence[dict]) -> str | None:
    """A fact topic the user holds that would ground a missing value, not yet asked for."""
    asked = [rules.words(m.get("content") or "") for m in messages if m["role"] == "assistant"]
    for value in missing:
        for topic, fact in task.scenario.known.items():
            holder = Evidence()
            holder.add(str(fact))
            if holder.holds(value) and not any(rules.asked_topic(a, task.scenario.known) == topic for a in asked):
                return topic
    return None


def _consented(messages: Sequence[dict], call: ToolCall) -> bool:
    """Since the last write, did the user agree to a proposal of this call's action?"""
    last = None
    for i, m in enumerate(messages):
        if m["role"] == "assistant" and any(
            rules.is_write(c.get("function", c)["name"]) for c in m.get("tool_calls") or ()
        ):
            last = i
    after = list(messages[(last or 0) + 1 :])
    for m, reply in zip(after, after[1:]):
        text = rules.words(m.get("content") or "")
        if m["role"] == "assistant" and reply["role"] == "user" and rules.names_action(text, call.name):
            if agrees(reply.get("content") or ""):
                return True
    proposals = sum(
        m["role"] == "assistant" and rules.names_action(rules.words(m.get("content") or ""), call.name) for m in after
    )
    return proposals >= 2  # the user keeps saying no to the gold action: go on rather than loop


def _rule(policy: str, task: Task) -> str:
    """The policy line that best matches the request and the fact the refusal turns on."""
    lines = [ln.strip(" -*") for ln in re.split(r"\n(?=\s*[-*] )|\n\n", policy) if len(ln.strip()) > 20]
    request = set(re.findall(r"[a-z]{4,}", (task.scenario.opening + " " + " ".join(task.outputs)).lower()))
    best = max(lines, key=lambda ln: len(request & set(re.findall(r"[a-z]{4,}", ln.lower()))), default="")
    return " ".join(best.replace("**", "").split())


# -- phrasing ------------------------------------------------------------------------------------


def _say(text: str) -> dict:
    return {"role": "assistant", "content": text}


def _words(name: str) -> str:
    return name.replace("_", " ")


def _past(name: str) -> str:
    verb, _, rest = _words(name).partition(" ")
    done = verb + ("d" if verb.endswith("e") else "ed")
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "o", "u", ""):
        done = verb[:-1] + "ied"  # modify -> modified
    irregular = {"send": "sent", "pay": "paid", "book": "booked", "reset": "reset", "open": "opened"}
    return f"{irregular.get(verb, done)} {rest}".strip()


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _key_details(call: ToolCall) -> str:
    return ", ".join(_text(v) for v in call.arguments.values() if not isinstance(v, (list, dict)))[:200]


def _sentence(outputs: Sequence[str]) -> str:
    return "; ".join(outputs)


# -- policies for tests and baselines -------------------------------------------------------------


class GoldCallPolicy:
    """Plays the task's gold calls in order and nothing else, then a closing message with the
    required outputs: no questions, no confirmations (for tests of the runtime)."""

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if task is None:
            raise ValueError("the gold-call policy needs the task")
        turns = oracle_turns(task)
        done = sum(1 for m in messages if m["role"] == "assistant")
        return turns[min(done, len(turns) - 1)]


class NoopPolicy:
    """Does nothing: says goodbye. Scores 0 on every task that needs a change."""

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        return {"role": "assistant", "content": "Goodbye."}


class RandomPolicy:
    """Calls a random tool with arguments drawn from its schema, or says something random."""

    def __init__(self, seed: int = 0, p_message: float = 0.1):
        self.rng = random.Random(seed)
        self.p_message = p_message

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if not tools or self.rng.random() < self.p_message:
            return {"role": "assistant", "content": self._string()}
        fn = self.rng.choice(list(tools))["function"]
        props = fn["parameters"].get("properties", {})
        arguments = {k: self._value(v) for k, v in props.items()}
        return {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"type": "function", "function": {"name": fn["name"], "arguments": arguments}}],
        }

    def _value(self, schema: dict) -> Any:
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "integer":
            return self.rng.randint(0, 1000)
        if kind == "number":
            return round(self.rng.uniform(0, 1000), 2)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "array":
            return [self._value(schema.get("items", {"type": "string"})) for _ in range(self.rng.randint(0, 2))]
        if kind == "object":
            return {}
        return self._string()

    def _string(self) -> str:
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(self.rng.randint(1, 12)))
