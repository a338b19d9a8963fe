"""The rules a simulated user keeps: the brief that states them, and the checks that a reply keeps them.

Where it sits: beside ``users.py``. The brief (:func:`user_brief`) is what an LLM user is prompted
with and what the user agent of the PettingZoo views reads in its observation. Each reply can be
checked with :func:`check_user_reply`; an episode's faults score as :func:`fidelity`, the share of
:data:`FIDELITY_CHECKS` never broken:

- ``empty_reply``: nothing said besides an end marker;
- ``early_stop``: an end marker in the opening, right after agreeing to a confirmation request,
  or while the agent waits for an answer;
- ``invented_fact``: an email, or a token of 3+ characters with a digit, found neither in the
  scenario nor in what the user was told or said (:func:`facts`);
- ``instruction_leak``: most of a long instruction in one reply;
- ``tool_without_device``: tool calls from a user with no device (found by whoever runs them).

:class:`agents.user_llm.LLMUser` retries and repairs replies with these checks; the PettingZoo views
record what their user agent broke.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .personas import persona
from .tasks import Scenario, Task
from .users import END_TOKENS, STOP, TRANSFER

FIDELITY_CHECKS = ("empty_reply", "early_stop", "invented_fact", "instruction_leak", "tool_without_device")


# -- the user's brief ----------------------------------------------------------------------------


def user_brief(task: Task, device: bool = False) -> str:
    """What a simulated user is told: its role, the rules it keeps, and the task scenario."""
    s = task.scenario
    known = "".join(f"\n- {topic}: {value}" for topic, value in s.known.items()) or "\n- (nothing else)"
    lines = [
        "You are a customer talking with a customer-service agent. Play the customer, never the agent.",
        "",
        f"Your situation: {s.instruction}",
        f"You might open with something like: {s.opening}",
        f"Facts you know (give one only when the agent asks for it):{known}",
    ]
    if s.persona:
        lines.append(f"Who you are: {s.persona}")
    if persona(s.style).description:
        lines.append(f"How you talk: {persona(s.style).description} Keep this manner in every message.")
    lines += [
        "",
        "Rules:",
        "- Write only your next message to the agent, in plain words; one request at a time.",
        "- Do not paste your whole situation at once; reveal details as the conversation needs them.",
        "- Never invent ids, emails, numbers or other facts that are neither above nor told to you; "
        "if asked for something you do not know, say so.",
        "- After you confirm an action, wait for the agent to say it is done; do not end the chat then.",
        f"- When your request is handled, or cannot be, end your message with {STOP}.",
        f"- If the agent transfers you to a human agent, reply with {TRANSFER}.",
    ]
    if device:
        lines.append(
            "- You have a phone with the listed tools. Use them only when the agent asks you to do "
            "something on your phone, then tell the agent what you did and saw."
        )
    return "\n".join(lines)


# -- checks of one user reply --------------------------------------------------------------------

# A token with a digit, or an email; the lookbehind starts matches at token starts only (no backtracking blow-up).
_FACT = re.compile(r"(?<![\w#@.+:/-])(?:[\w#@.+:/-]*\d[\w#@.+:/-]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_WORD = re.compile(r"\w+")
_CONFIRM_ASK = re.compile(r"\b(confirm|proceed|go ahead|shall i|should i|would you like|do you want|ok to|yes or no)\b")
_INFO_ASK = re.compile(
    r"\b(please (provide|share|tell|give|send)|(could|can|would) you (please )?(provide|share|tell|give|send|confirm)"
    r"|what is your|what's your|may i have|i need your)\b"
)
_AGREES = re.compile(r"\b(yes|yeah|yep|sure|ok|okay|confirm|confirmed|go ahead|proceed|please do)\b")
_CLOSING = re.compile(r"\b(anything else|something else)\b")
LEAK_MIN_WORDS = 12  # shorter instructions are one request: saying them is not a leak
LEAK_SHARE = 0.6  # share of the instruction's word trigrams (beyond the opening's) in one reply


def facts(text: str) -> set[str]:
    """Id-like tokens of a text, normalised: emails, and tokens of 3+ characters with a digit."""
    tokens = (t.strip(".:/+-").lstrip("#") for t in _FACT.findall(_THOUSANDS.sub("", text.lower())))
    return {t for t in tokens if len(t) >= 3}


def scenario_facts(scenario: Scenario) -> set[str]:
    return facts(
        " ".join([scenario.opening, scenario.instruction, scenario.persona, *map(str, scenario.known.values())])
    )


def check_user_reply(
    reply: str, scenario: Scenario, answering: str = "", heard: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Problems with one user reply, as ``(kind, detail)`` pairs; ``[]`` if it is fine.

    Args:
        reply: The user's message.
        scenario: What the user knows.
        answering: The assistant message being answered (``""`` for the opening).
        heard: Facts (:func:`facts`) the user has been told or said so far.
    """
    problems = []
    text = reply
    for token in END_TOKENS:
        text = text.replace(token, " ")
    if not text.strip():
        problems.append(("empty_reply", "the reply says nothing"))
    stop = _early_stop(reply, text, answering.lower())
    if stop:
        problems.append(("early_stop", stop))
    invented = sorted(facts(text) - scenario_facts(scenario) - set(heard))
    if invented:
        problems.append(("invented_fact", "not in the scenario or the conversation: " + ", ".join(invented[:5])))
    leak = _instruction_leak(text, scenario)
    if leak:
        problems.append(("instruction_leak", leak))
    return problems


def _early_stop(reply: str, text: str, answering: str) -> str | None:
    if STOP not in reply:
        return None
    if not answering:
        return "ended the conversation in its opening message"
    if _CLOSING.search(answering):
        return None
    if _CONFIRM_ASK.search(answering) and _AGREES.search(text.lower()):
        return "confirmed, then ended the conversation before the agent acted"
    if _INFO_ASK.search(answering):
        return "ended the conversation while the agent waited for an answer"
    return None


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _instruction_leak(text: str, scenario: Scenario) -> str | None:
    if len(_WORD.findall(scenario.instruction)) < LEAK_MIN_WORDS:
        return None
    private = _trigrams(scenario.instruction) - _trigrams(scenario.opening)
    if not private:
        return None
    share = len(private & _trigrams(text)) / len(private)
    if share < LEAK_SHARE:
        return None
    return f"repeats {share:.0%} of the instruction at once"


def fidelity(errors: Iterable[Mapping]) -> float:
    """The share of :data:`FIDELITY_CHECKS` a user never broke in an episode (1.0 = faithful)."""
    broken = {e["kind"] for e in errors} & set(FIDELITY_CHECKS)
    return 1.0 - len(broken) / len(FIDELITY_CHECKS)
