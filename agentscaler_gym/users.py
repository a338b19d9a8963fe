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
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from .seat import Seat
from .tasks import USER, Task
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


_ASKS = re.compile(r"\?|\b(please|could you|can you|provide|share|tell me|let me know)\b")
_CONFIRM = re.compile(r"\b(confirm|proceed|go ahead|shall i|should i|would you like|do you want|ok to|yes or no)\b")


class ScriptedUser:
    """A deterministic user driven by the task scenario.

    It opens with ``scenario.opening``; gives a known fact when the assistant asks about its topic
    (``"email"`` is given when the message mentions "email"); confirms when asked to confirm; says
    it does not know anything else; on a dual-control device, performs the actions the assistant
    names (``toggle_airplane_mode`` or "toggle airplane mode"), in the order it names them; and
    ends the conversation with ``###STOP###`` when the assistant makes a statement rather than a
    request, or after ``max_turns`` replies.
    """

    def __init__(self, max_turns: int = 20):
        self.max_turns = max_turns

    def start(self, task: Task, device: Seat | None = None, seed: int | None = None) -> str:
        self.task, self.device, self.turns = task, device, 0
        self.pending = [c for c in task.gold_calls if c.actor == USER]
        return task.scenario.opening

    def respond(self, message: str) -> str:
        self.turns += 1
        if self.turns > self.max_turns:
            return f"I have to go now. {STOP}"
        text = message.lower()
        if self.device is not None:
            done = self._act_on_device(text)
            if done:
                return " ".join(done)
        if _ASKS.search(text):
            # a fact the message already states is being confirmed, not asked for
            facts = [
                f"My {topic} is {value}."
                for topic, value in self.task.scenario.known.items()
                if _mentions(text, topic) and str(value).lower() not in text
            ]
            if facts:
                return " ".join(facts)
            if _CONFIRM.search(text):
                return "Yes, please go ahead."
            return "I'm sorry, I don't know that."
        return f"Thank you, that's all I needed. {STOP}"

    def _act_on_device(self, text: str) -> list[str]:
        done = []
        for name, tool in _named_in_order(text, self.device.tools):
            gold = next((c for c in self.pending if c.name == name), None)
            if gold is not None:
                self.pending.remove(gold)
            arguments = dict(gold.arguments) if gold else self._known_arguments(tool)
            done.append(f"I ran {name}: {self.device.call(name, arguments).text}")
        return done

    def _known_arguments(self, tool: Tool) -> dict:
        """Arguments the user fills from what they know: topic "phone number" gives ``phone_number``."""
        known = {topic.lower().replace(" ", "_"): value for topic, value in self.task.scenario.known.items()}
        return {name: known[name] for name in tool.parameters.get("properties", {}) if name in known}


def _named_in_order(text: str, tools: Mapping[str, Tool]) -> list[tuple[str, Tool]]:
    """The tools a message names (``reboot_device`` or "reboot device"), in the order it names them."""
    found = []
    for name, tool in tools.items():
        positions = [p for p in (text.find(name), text.find(name.replace("_", " "))) if p >= 0]
        if positions:
            found.append((min(positions), name, tool))
    return [(name, tool) for _, name, tool in sorted(found)]


def _mentions(text: str, topic: str) -> bool:
    return any(len(word) > 2 and word in text for word in topic.lower().split())
