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

import functools
import re
from typing import Protocol, runtime_checkable

from . import user_acts as rules
from .grounding import leaf_values
from .personas import persona
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
BY_TIME = ("earliest", "latest")  # these preferences compare departure times, not prices


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
      of its values, or the one its stated preference picks (the earliest or latest departure
      time, the cheapest price...);
    - a question about a fact it knows gets that fact, one topic at a time, in its own words
      (facts are written as a customer says them: "my Visa card ending in 6162");
    - a statement that asks nothing ends the conversation.

    It ends the conversation after ``max_turns`` replies. Every reply is worded by the task's
    persona (``scenario.style``, :mod:`agentscaler_gym.personas`), drawn by the task id and turn.
    """

    def __init__(self, max_turns: int = 20):
        self.max_turns = max_turns

    def start(self, task: Task, device: Seat | None = None, seed: int | None = None) -> str:
        self.task, self.device, self.turns = task, device, 0
        self.facts = facts = _facts(task)
        self.pending = list(facts.pending)
        self.wanted, self.values, self.persona = facts.wanted, facts.values, facts.persona
        self.confirmed: set[int] = set()
        self.heard = ""
        self.said = facts.opening_words  # what the user has told so far
        return task.scenario.opening

    def _say(self, act: str, **fields: str) -> str:
        return self.persona.say(act, f"{self.task.id}:{self.turns}:{act}", **fields)

    @property
    def done(self) -> bool:
        heard = all(rules.has(self.heard, o) for o in self.task.outputs)
        return heard and len(self.confirmed) == len(self.wanted)

    def respond(self, message: str) -> str:
        reply = self._reply(message)
        self.said += _reply_words(reply)
        return reply

    def _reply(self, message: str) -> str:
        self.turns += 1
        if self.turns > self.max_turns:
            return f"{self._say('leave')} {STOP}"
        text = rules.words(message)
        self.heard += text
        if self.device is not None and rules.device_request(text):
            done = self._act_on_device(text)
            if done:
                return " ".join(done)
        asks = bool(rules.ASKS.search(text))
        if rules.ANYTHING_ELSE.search(text):
            return f"{self._say('goodbye')} {STOP}" if self.done else self._say("more", request=self._request())
        if rules.TRANSFER.search(text) and not (asks and rules.PROPOSAL.search(text)):
            return f"{self._say('transfer')} {TRANSFER}"
        if rules.GREETING.search(text):
            return self._say("restate", request=self._request())
        if rules.offers_choice(text):
            choice = self._choose(message, text)
            if choice is not None:
                return choice
        if asks and rules.PROPOSAL.search(text):
            return self._answer_proposal(text)
        if asks:
            return self._give_fact(text)
        return f"{self._say('enough')} {STOP}"

    # -- acts ----------------------------------------------------------------------------------

    def _request(self) -> str:
        """The request in full (the opening, without its greeting, when the scenario has none)."""
        return self.task.scenario.request or GREETING.sub("", self.task.scenario.opening)

    def _answer_proposal(self, text: str) -> str:
        wrong = rules.wrong_values(text, self.values)
        named = [i for i, c in enumerate(self.wanted) if rules.names_action(text, c.name)]
        bare = text  # the verbs of the message itself, not those inside facts it restates ("change of plan")
        for value in self.facts.long_values:
            bare = bare.replace(value.lower(), " ")
        if not named and (rules.proposes_any_action(bare) or rules.TRANSFER.search(bare)):
            return self._say("decline", request=self._request())
        if named and not wrong and rules.SCOPE.search(text) and not any(self._key_values(i, text) for i in named):
            return self._say("only", request=self._request())
        if wrong:
            said, right = wrong[0]
            return self._say("correct", right=right, said=said)
        if named:
            open_ = [i for i in named if i not in self.confirmed] or named
            self.confirmed.add(open_[0])
            return self._say("confirm")
        if re.search(r"\b(right|correct)\b", text):
            return self._say("right")
        if self._unsaid_topic(text) is not None:  # "may I have your email?" asks, it proposes nothing
            return self._give_fact(text)
        return self._say("confirm")

    def _choose(self, message: str, text: str) -> str | None:
        """The option its preference picks among offered prices (a fact it holds: "the cheapest
        one"), else the alternative holding one of its values, or what its stated preference picks:
        the departure time for the earliest or latest, else the price."""
        offered = rules.prices(message)
        preference = self.facts.preference
        for word, pick in PREFERENCES.items():
            if word in preference and word not in BY_TIME and len(offered) >= 2:
                return self._say("prefer", price=f"{pick(offered):.2f}", word=word)
        named = [v for v in dict.fromkeys(self.values) if rules.has(text, v)]
        if len(named) == 1:
            return self._say("choose", option=named[0])
        stated = self.facts.stated
        clock = rules.times(message)
        for word in BY_TIME:
            if word in stated and len(clock) >= 2:
                pick = PREFERENCES[word](clock, key=lambda t: int(t.split(":")[0]) * 60 + int(t.split(":")[1]))
                return self._say("choose", option=pick)
        for word, pick in PREFERENCES.items():
            if word in stated and len(offered) >= 2:
                return self._say("prefer", price=f"{pick(offered):g}", word=word)
        return None

    def _give_fact(self, text: str) -> str:
        known = self.task.scenario.known
        topic = self._unsaid_topic(text)
        if topic is None:
            if any(rules.has(text, str(v)) for v in known.values()):
                return self._say("right")
            return self._say("unknown")
        subject = f"{'my' if any(p in topic.lower() for p in PERSONAL) else 'the'} {topic}"
        return self._say("reveal", subject=subject, Subject=subject[:1].upper() + subject[1:], value=str(known[topic]))

    def _key_values(self, index: int, text: str) -> list[str]:
        """The values of a wanted change (ids, names, dates) that ``text`` names."""
        call = self.wanted[index]
        return [
            v for v in leaf_values(dict(call.arguments)) if isinstance(v, str) and len(v) > 3 and rules.has(text, v)
        ]

    def _unsaid_topic(self, text: str) -> str | None:
        """The topic of a known fact the message asks for; a fact it already states is being
        confirmed, not asked for. On a tie, a fact the user has not told yet wins ("the to account
        id" after "the from account id")."""
        known = self.task.scenario.known
        unsaid = {t: v for t, v in known.items() if not rules.has(text, str(v))}
        return rules.asked_topic(text, unsaid, self.said)

    def _act_on_device(self, text: str) -> list[str]:
        done = []
        for name in rules.device_tools_named(text, self.device.tools):
            gold = next((c for c in self.pending if c.name == name), None)
            if gold is not None:
                self.pending.remove(gold)
            arguments = dict(gold.arguments) if gold else self._known_arguments(self.device.tools[name])
            result = self.device.call(name, arguments).text
            done.append(self._say("device", action=name.replace("_", " "), result=result))
        return done

    def _known_arguments(self, tool: Tool) -> dict:
        """Arguments the user fills from what they know: topic "phone number" gives ``phone_number``."""
        known = {topic.lower().replace(" ", "_"): value for topic, value in self.task.scenario.known.items()}
        return {name: known[name] for name in tool.parameters.get("properties", {}) if name in known}


class TaskFacts:
    """What the scripted user derives from its task alone, worked out once per task (:func:`_facts`)."""

    def __init__(self, task: Task):
        scenario = task.scenario
        self.task = task
        self.pending = tuple(c for c in task.gold_calls if c.actor == USER)  # device calls, in order
        self.wanted = tuple(c for c in task.gold_calls if c.actor != USER and rules.is_write(c.name))
        self.opening_words = rules.words(scenario.opening)
        values = [str(v) for c in self.wanted for v in leaf_values(dict(c.arguments)) if isinstance(v, str)]
        self.values = tuple(values + [str(v) for v in scenario.known.values()])
        self.long_values = sorted({v for v in self.values if len(v) > 3}, key=len, reverse=True)  # longest first
        self.persona = persona(scenario.style)
        # the preference it holds as a fact ("the cheapest one"), and the words it states one in
        self.preference = next((str(v) for t, v in scenario.known.items() if t.startswith("preference")), "")
        self.stated = rules.words(scenario.instruction + " " + " ".join(map(str, scenario.known.values())))


# A task's replies come back in each of its episodes (one template per act and turn, its own values).
_reply_words = functools.lru_cache(maxsize=4096)(rules.words)

FACTS_CACHED = 4096  # tasks; the cache is emptied when full
_cache: dict[str, TaskFacts] = {}


def _facts(task: Task) -> TaskFacts:
    """The task's :class:`TaskFacts`, cached by task id: ``start`` runs at every reset, and the same
    tasks are played again and again (epochs, groups of rollouts per task). Tasks are not changed
    once made; a different task object under a cached id (another domain's) replaces the entry."""
    facts = _cache.get(task.id)
    if facts is None or facts.task is not task:
        if len(_cache) >= FACTS_CACHED:
            _cache.clear()
        facts = _cache[task.id] = TaskFacts(task)
    return facts
