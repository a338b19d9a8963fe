"""Simulated users: the protocol every user follows, and the deterministic scripted user.

A user is told the task when an episode starts and answers the assistant's messages::

    class User(Protocol):
        def start(self, task: Task, device: Seat | None, seed: int | None) -> str: ...     # opening
        def respond(self, message: str) -> str: ...                                          # reply

A reply containing :data:`STOP` ends the conversation (``TRANSFER`` after a transfer to a human,
``OUT_OF_SCOPE`` when the request cannot be expressed). In dual-control domains the user is also
handed a device, the user's :class:`~agentscaler_gym.seat.Seat`: tools on a database of their own,
which the assistant can only ask them to use (``device.call(name, arguments).text``).
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from . import user_acts as rules
from .grounding import leaf_values
from .seat import Seat
from .tasks import GREETING, USER, Task
from .tools import Tool

STOP = "###STOP###"
TRANSFER = "###TRANSFER###"
OUT_OF_SCOPE = "###OUT-OF-SCOPE###"
END_TOKENS = (STOP, TRANSFER, OUT_OF_SCOPE)


@runtime_checkable
class User(Protocol):
    def start(self, task: Task, device: Seat | None = None, seed: int | None = None) -> str:
        """Begin a conversation about ``task``; return the opening message."""

    def respond(self, message: str) -> str:
        """Answer the assistant's message."""


PERSONAL = ("email", "name", "zip", "user id", "phone", "birth")
PREFERENCES = {"cheapest": min, "lowest": min, "earliest": min, "latest": max, "most expensive": max}


class ScriptedUser:
    """A deterministic customer driven by the task: what it wants, what it knows, what it accepts.

    It opens with ``scenario.opening`` and then answers each assistant message by the first rule of
    :mod:`agentscaler_gym.user_acts` that applies:

    - on a dual-control device it carries out the actions the message asks for ("turn off airplane
      mode", "restart your phone"), in the order named, and says what the phone shows;
    - "Is there anything else?" ends the conversation (``###STOP###``) once its goal is done (every
      change it wants confirmed and every answer it needs heard); otherwise it says what is left;
    - a transfer to a human ends it with ``###TRANSFER###``;
    - "How can I help?" gets its request again;
    - a proposal gets "yes" only when its action is one the user wants and every id it names is
      right; a wrong id gets a correction naming the right one; any other action gets a "no";
    - "A or B?" gets the option its preference picks (a known fact whose topic starts with
      "preference": "the cheapest one" picks the lowest price offered), else the option with one
      of its values, or the price its stated preference picks;
    - a question about a fact it knows gets that fact, one topic at a time, in its own words
      (facts are written as a customer says them: "my Visa card ending in 6162");
    - a statement that asks nothing ends the conversation.

    It ends the conversation after ``max_turns`` replies.
    """

    def __init__(self, max_turns: int = 20):
        self.max_turns = max_turns

    def start(self, task: Task, device: Seat | None = None, seed: int | None = None) -> str:
        self.task, self.device, self.turns = task, device, 0
        self.pending = [c for c in task.gold_calls if c.actor == USER]
        self.wanted = [c for c in task.gold_calls if c.actor != USER and rules.is_write(c.name)]
        self.confirmed: set[int] = set()
        self.heard = ""
        self.values = [str(v) for c in self.wanted for v in leaf_values(dict(c.arguments)) if isinstance(v, str)]
        self.values += [str(v) for v in task.scenario.known.values()]
        return task.scenario.opening

    @property
    def done(self) -> bool:
        heard = all(rules.has(self.heard, o) for o in self.task.outputs)
        return heard and len(self.confirmed) == len(self.wanted)

    def respond(self, message: str) -> str:
        self.turns += 1
        if self.turns > self.max_turns:
            return f"I have to go now. {STOP}"
        text = rules.words(message)
        self.heard += text
        if self.device is not None and rules.device_request(text):
            done = self._act_on_device(text)
            if done:
                return " ".join(done)
        asks = bool(rules.ASKS.search(text))
        if rules.ANYTHING_ELSE.search(text):
            return f"No, that's all. Thank you! {STOP}" if self.done else f"Yes: {self._request()}"
        if rules.TRANSFER.search(text) and not (asks and rules.PROPOSAL.search(text)):
            return f"Okay, thank you. {TRANSFER}"
        if rules.GREETING.search(text):
            return self._request()
        if rules.offers_choice(text):
            choice = self._choose(message, text)
            if choice is not None:
                return choice
        if asks and rules.PROPOSAL.search(text):
            return self._answer_proposal(text)
        if asks:
            return self._give_fact(text)
        return f"Thank you, that's all I needed. {STOP}"

    # -- acts ----------------------------------------------------------------------------------

    def _request(self) -> str:
        """The opening request, without its greeting."""
        return GREETING.sub("", self.task.scenario.opening)

    def _answer_proposal(self, text: str) -> str:
        wrong = rules.wrong_values(text, self.values)
        named = [i for i, c in enumerate(self.wanted) if rules.names_action(text, c.name)]
        bare = text  # the verbs of the message itself, not those inside facts it restates ("change of plan")
        for value in sorted({v for v in self.values if len(v) > 3}, key=len, reverse=True):
            bare = bare.replace(value.lower(), " ")
        if not named and (rules.proposes_any_action(bare) or rules.TRANSFER.search(bare)):
            return f"No, I don't want that. {self._request()}"
        if named and not wrong and rules.SCOPE.search(text) and not any(self._key_values(i, text) for i in named):
            return f"No, I only want this: {self._request()}"
        if wrong:
            said, right = wrong[0]
            return f"No, that's not right: it's {right}, not {said}."
        if named:
            open_ = [i for i in named if i not in self.confirmed] or named
            self.confirmed.add(open_[0])
            return "Yes, please go ahead."
        if re.search(r"\b(right|correct)\b", text):
            return "Yes, that's right."
        if self._unsaid_topic(text) is not None:  # "may I have your email?" asks, it proposes nothing
            return self._give_fact(text)
        return "Yes, please go ahead."

    def _choose(self, message: str, text: str) -> str | None:
        """The option its preference picks among offered prices (a fact it holds: "the cheapest
        one"), else the alternative holding one of its values, or the price its stated preference picks."""
        offered = rules.prices(message)
        preference = next((str(v) for t, v in self.task.scenario.known.items() if t.startswith("preference")), "")
        for word, pick in PREFERENCES.items():
            if word in preference and len(offered) >= 2:
                return f"The ${pick(offered):.2f} one, please: I'd like the {word} option."
        named = [v for v in dict.fromkeys(self.values) if rules.has(text, v)]
        if len(named) == 1:
            return f"{named[0]}, please."
        stated = rules.words(
            self.task.scenario.instruction + " " + " ".join(map(str, self.task.scenario.known.values()))
        )
        for word, pick in PREFERENCES.items():
            if word in stated and len(offered) >= 2:
                return f"The ${pick(offered):g} one, please: I prefer the {word} option."
        return None

    def _give_fact(self, text: str) -> str:
        known = self.task.scenario.known
        topic = self._unsaid_topic(text)
        if topic is None:
            if any(rules.has(text, str(v)) for v in known.values()):
                return "Yes, that's right."
            return "I'm sorry, I don't know that."
        if any(p in topic.lower() for p in PERSONAL):
            return f"My {topic} is {known[topic]}."
        return f"The {topic} is {known[topic]}."

    def _key_values(self, index: int, text: str) -> list[str]:
        """The values of a wanted change (ids, names, dates) that ``text`` names."""
        call = self.wanted[index]
        return [
            v for v in leaf_values(dict(call.arguments)) if isinstance(v, str) and len(v) > 3 and rules.has(text, v)
        ]

    def _unsaid_topic(self, text: str) -> str | None:
        """The topic of a known fact the message asks for; a fact it already states is being
        confirmed, not asked for."""
        known = self.task.scenario.known
        unsaid = {t: v for t, v in known.items() if not rules.has(text, str(v))}
        return rules.asked_topic(text, unsaid, rules.words(self.task.scenario.opening))

    def _act_on_device(self, text: str) -> list[str]:
        done = []
        for name in rules.device_tools_named(text, self.device.tools):
            gold = next((c for c in self.pending if c.name == name), None)
            if gold is not None:
                self.pending.remove(gold)
            arguments = dict(gold.arguments) if gold else self._known_arguments(self.device.tools[name])
            result = self.device.call(name, arguments).text
            done.append(f"Okay, I did that ({name.replace('_', ' ')}). My phone shows: {result}")
        return done

    def _known_arguments(self, tool: Tool) -> dict:
        """Arguments the user fills from what they know: topic "phone number" gives ``phone_number``."""
        known = {topic.lower().replace(" ", "_"): value for topic, value in self.task.scenario.known.items()}
        return {name: known[name] for name in tool.parameters.get("properties", {}) if name in known}
