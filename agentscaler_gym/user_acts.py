"""How the scripted user reads an assistant message: a small rule set, no model.

Each rule recognises one act of the assistant by words (lower-cased, whole words):

============== =================================================================================
act            recognised by
============== =================================================================================
anything else  "anything else", "something else", "any other question", "further help", ...
greeting       "how can I help", "what can I do for you", "how may I assist", ...
transfer       "transfer(ring) you" / "human agent" / "a colleague will take over"
proposal       a question with "shall I", "should I", "would you like me to", "confirm", "proceed",
               "go ahead", "is that ok", "do you want me to", "ok to", "can I go ahead", ...
choice         a question offering alternatives: "A or B?"
fact request   a question or request ("could you", "please", "what is", "tell me") naming a topic
               the user knows: its words, or a synonym (``TOPIC_SYNONYMS``: e-mail, postcode...)
device action  a device tool named by its words, or by a natural phrase (``DEVICE_PHRASES``:
               "turn off airplane mode", "restart your phone", "look at the status bar")
statement      anything else that asks nothing
============== =================================================================================

A proposal's *action* is the verb of a write tool (``cancel`` in ``cancel_pending_order``) or one
of its synonyms (``ACTION_SYNONYMS``); generic verbs (change, modify, update) also need the
object (address, payment, items...). Its *values* are the ids, codes and amounts it names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

ANYTHING_ELSE = re.compile(
    r"\b(anything else|something else|any other (question|request|thing|issue)s?|anything more|"
    r"further (help|assistance|questions?)|else (i|we) can (help|do|assist)|help with anything)\b"
)
GREETING = re.compile(
    r"\b(how (can|may|could) (i|we) (help|assist)|what can (i|we) do for you|how can i be of (help|assistance)|"
    r"what brings you|what do you need( help with)?|what would you like (help|assistance) with|"
    r"how (can|may) i help you today)\b"
)
TRANSFER = re.compile(r"\b(transferr?(ing|ed)? you|human agent|hand (you|this) (over|off)|a colleague will)\b")
PROPOSAL = re.compile(
    r"\b(shall i|should i|would you like me to|do you want me to|want me to|may i|can i go ahead|"
    r"(ok|okay|alright) (to|if i)|is (that|this) (ok|okay|alright|fine|correct|right)|confirm|proceed|"
    r"go ahead|do you agree|are you sure|yes or no|can you confirm|sound good|does that (work|sound))\b"
)
SELF_PROPOSAL = re.compile(r"\b(shall i|should i|(would|do) you (like|want) me to|may i|can i go ahead|want me to)\b")
ASKS = re.compile(
    r"\?|\b(please|could you|can you|would you|provide|share|tell me|let me know|give me|i need|i'll need|"
    r"what is|what's|which)\b"
)
GOODBYE = re.compile(r"\b(goodbye|bye|have a (great|good|nice) (day|one)|take care)\b")

TOPIC_SYNONYMS = {
    "email": ("e-mail", "mail address", "email address"),
    "zip": ("postal code", "postcode", "post code", "zip code"),
    "name": ("full name", "first and last name", "first name", "last name", "who am i speaking"),
    "user id": ("user id", "username", "account id", "customer id", "member id", "id"),
    "phone": ("phone number", "mobile number", "number", "line"),
    "reservation": ("booking", "confirmation code", "confirmation number", "reservation id", "id"),
    "order": ("order number", "order id", "id"),
    "birth": ("dob", "date of birth", "birthday", "born"),
    "address": ("address", "ship", "where"),
    "payment": ("pay", "card", "payment method", "charge"),
    "reason": ("why", "reason"),
    "bags": ("bags", "luggage", "baggage", "suitcases"),
    "insurance": ("insurance", "insured"),
    "date": ("when", "which day", "what day", "date"),
}
ACTION_SYNONYMS = {
    "cancel": ("cancel", "cancellation", "call off"),
    "return": ("return", "refund", "send back"),
    "exchange": ("exchange", "swap", "replace"),
    "modify": ("modify", "change", "update", "switch", "edit"),
    "update": ("update", "change", "modify", "add", "switch", "upgrade"),
    "change": ("change", "switch", "move", "modify", "update"),
    "book": ("book", "reserve", "reservation"),
    "send": ("send", "issue", "certificate", "compensat"),
    "pay": ("pay", "settle", "charge"),
    "suspend": ("suspend", "pause"),
    "resume": ("resume", "reactivate", "unpause"),
    "refuel": ("refuel", "add", "top up", "extra data"),
    "enable": ("enable", "turn on", "activate", "switch on"),
    "disable": ("disable", "turn off", "deactivate", "switch off"),
    "open": ("open", "create", "file", "new ticket"),
    "close": ("close", "resolve"),
    "transfer": ("transfer",),
}
GENERIC_VERBS = {"modify", "update", "change"}
NOT_OBJECTS = {"pending", "delivered", "order", "user", "reservation", "line", "to", "the", "of", "by", "for"}
DEVICE_PHRASES = {
    "check_status_bar": (
        r"status bar",
        r"top of (your|the) (screen|display)",
        r"signal (bars|icon|indicator)",
        r"what (your|the) (screen|phone) (shows|says|displays)",
    ),
    "check_network_status": (r"network status", r"network (connection|registration)", r"connected to (a|the) network"),
    "check_apn_settings": (r"(check|look at|open|what are|see) (your |the )?apn", r"access point (name )?settings"),
    "check_data_usage": (r"data usage", r"how much data", r"usage (screen|meter|counter)"),
    "run_speed_test": (
        r"speed ?test",
        r"test (your|the) (connection|speed|internet|data)",
        r"load a (web ?page|website)",
    ),
    "toggle_airplane_mode": (r"(airplane|aeroplane|flight) mode",),
    "toggle_mobile_data": (r"(mobile|cellular) data",),
    "toggle_data_roaming": (r"(data )?roaming",),
    "reset_apn_settings": (
        r"reset (your |the )?(apn|access point)",
        r"(apn|access point)( settings)? (to|back to) (the )?default",
    ),
    "reseat_sim_card": (r"(reseat|reinsert|re-insert|remove and (re)?insert|take out) (your |the )?sim", r"sim card"),
    "reboot_device": (r"restart", r"reboot", r"turn (it|your phone|the phone) off and (back )?on", r"power.?cycle"),
}
TOGGLE_VERBS = re.compile(r"\b(turn|switch|toggle|enable|disable|activate|deactivate|put|take)\b")


_NOT_WORD = re.compile(r"[^\w@.#'?$:-]+")


def words(text: str) -> str:
    return " " + _NOT_WORD.sub(" ", text.lower()) + " "


def has(text: str, phrase: str, plural: bool = False) -> bool:
    """``phrase`` occurs in ``text`` as whole words (lower-cased), with a plural ending if ``plural``."""
    phrase = phrase.lower()
    # a match holds the phrase itself: most phrases tested are not in the text, and `in` tells so quickest
    return phrase in text and _phrase(phrase, plural).search(text) is not None


@functools.lru_cache(maxsize=4096)
def _phrase(phrase: str, plural: bool) -> re.Pattern:
    """The pattern of :func:`has` for a lower-cased phrase, compiled once per phrase: a reply tests
    every value and topic term of its task, more distinct phrases than the ``re`` module caches."""
    end = "(s|es)?" if plural else ""
    return re.compile(rf"(?<![\w]){re.escape(phrase)}{end}(?![\w])")


def topic_terms(topic: str) -> list[str]:
    """The words that name a fact's topic in a question: its own words and their synonyms."""
    return list(_topic_terms(topic))


@functools.lru_cache(maxsize=1024)
def _topic_terms(topic: str) -> tuple[str, ...]:
    """:func:`topic_terms`, worked out once per topic (every question is scored on every topic)."""
    terms = [w for w in re.split(r"[\s_]+", topic.lower()) if len(w) > 2 and w not in ("the", "and", "for", "new")]
    for key, synonyms in TOPIC_SYNONYMS.items():
        if key in topic.lower():
            terms += synonyms
    return tuple(terms)


def asked_topic(text: str, topics: Iterable[str], said: str = "") -> str | None:
    """The fact topic a message asks about (the one it names most specifically), or None.

    On a tie, a topic whose fact is not yet in ``said`` (what the user already told) wins."""
    best, score = None, (0, False)
    for topic, fact in topics.items() if isinstance(topics, Mapping) else ((t, None) for t in topics):
        hits = sum(len(term) for term in _topic_terms(topic) if has(text, term, plural=True))
        rank = (hits, fact is not None and not has(said, str(fact)))
        if hits and rank > score:
            best, score = topic, rank
    return best


def action_terms(tool_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(verbs, objects)`` that name a write tool in a proposal."""
    parts = tool_name.lower().split("_")
    verbs = ACTION_SYNONYMS.get(parts[0], (parts[0],))
    objects = tuple(p.rstrip("s") for p in parts[1:] if p not in NOT_OBJECTS and len(p) > 2)
    return verbs, objects if parts[0] in GENERIC_VERBS else ()


def names_action(text: str, tool_name: str) -> bool:
    verbs, objects = _action_patterns(tool_name)
    if not verbs.search(text):
        return False
    return objects is None or objects.search(text) is not None


def _starts(terms: Iterable[str]) -> re.Pattern:
    """One pattern matching where any of ``terms`` starts a word (a single scan finds any of them)."""
    return re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, terms)) + ")")


@functools.lru_cache(maxsize=1024)
def _action_patterns(tool_name: str) -> tuple[re.Pattern, re.Pattern | None]:
    """:func:`action_terms` as patterns, compiled once per tool: its verbs, and the first five
    letters of its objects (``None`` when it needs none)."""
    verbs, objects = action_terms(tool_name)
    return _starts(verbs), _starts(o[:5] for o in objects) if objects else None


READ_VERBS = {"get", "find", "list", "search", "check", "calculate", "lookup", "show", "read", "view", "query", "fetch"}
READ_VERBS |= {"count", "think", "transfer"}


def is_write(tool_name: str) -> bool:
    """Whether a tool changes something, judged by its verb (the user and demonstrator see no tags)."""
    return tool_name.lower().split("_")[0] not in READ_VERBS


WRITE_VERBS = tuple(sorted({v for vs in ACTION_SYNONYMS.values() for v in vs} | {"delete", "remove", "close"}))


_ANY_WRITE_VERB = _starts(WRITE_VERBS)


def proposes_any_action(text: str) -> bool:
    return _ANY_WRITE_VERB.search(text) is not None


def shape(value: str) -> str | None:
    """A pattern for values like ``value`` (``#W7373150`` -> ``#W\\d{7}``), for ids that hold digits."""
    if not re.search(r"\d", value) or " " in value or len(value) < 4:
        return None
    return "".join(r"\d" if c.isdigit() else re.escape(c) for c in value)


def wrong_values(text: str, right: Iterable[str]) -> list[tuple[str, str]]:
    """``(said, right)`` pairs: an id in ``text`` shaped like a right value but not equal to any."""
    right = [r for r in right if isinstance(r, str)]
    found = []
    for value in right:
        pattern = _shaped(value)
        if pattern is None:
            continue
        for said in pattern.findall(text):
            if said.lower() not in (r.lower() for r in right):
                found.append((said, value))
    return found


@functools.lru_cache(maxsize=4096)
def _shaped(value: str) -> re.Pattern | None:
    """A whole-word, case-blind pattern of :func:`shape`, compiled once per value (a proposal is
    checked against every value of the task)."""
    pattern = shape(value)
    return None if pattern is None else re.compile(rf"(?<![\w]){pattern}(?![\w])", re.IGNORECASE)


MONEY = re.compile(r"\$\s?(\d+(?:\.\d+)?)")
SCOPE = re.compile(r"\b(all|every|other|others|also|as well|too|everything)\b")


def offers_choice(text: str) -> bool:
    """A question that offers alternatives ("A or B?"), not a yes-or-no question."""
    return "?" in text and re.search(r"\bor\b", text) is not None and not re.search(r"\byes or no\b", text)


def prices(text: str) -> list[float]:
    return [float(m) for m in MONEY.findall(text)]


CLOCK = re.compile(r"(?<![\w:])([01]?\d|2[0-3]):([0-5]\d)(?![\w:])")


def times(text: str) -> list[str]:
    """Clock times a message offers ("08:00"), as written."""
    return [m.group(0) for m in CLOCK.finditer(text)]


def device_request(text: str) -> bool:
    """Whether a message may ask the user to act on their device: not a proposal of the
    assistant's own action ("shall I enable roaming?", "can you confirm?") nor a closing."""
    return not (SELF_PROPOSAL.search(text) or ANYTHING_ELSE.search(text) or re.search(r"\b(confirm|proceed)\b", text))


def device_tools_named(text: str, tools: Mapping[str, object]) -> list[str]:
    """The device tools a message asks the user to use, in the order it names them.

    A tool is named by its own name (``reboot_device``, "reboot device") or a phrase of
    ``DEVICE_PHRASES``; toggles need an action verb too ("turn off airplane mode"), so a
    question such as "is airplane mode on?" alone runs nothing.
    """
    found = []
    for name in tools:
        spots = [p for p in (text.find(name), text.find(name.replace("_", " "))) if p >= 0]
        phrases = _phrases(name)
        if phrases and not (name.startswith("toggle_") and not TOGGLE_VERBS.search(text)):
            m = phrases.search(text)  # where the first of its phrases is
            if m:
                spots.append(m.start())
        if spots:
            found.append((min(spots), name))
    found.sort()
    # a reset of the APN names "apn" too: one request, not a check and a reset
    names = [n for _, n in found]
    if "reset_apn_settings" in names and "check_apn_settings" in names and not re.search(r"\bcheck\b", text):
        names.remove("check_apn_settings")
    if "reseat_sim_card" in names and "check_status_bar" in names and not re.search(r"status bar|screen", text):
        names.remove("check_status_bar")
    return names


@functools.cache
def _phrases(name: str) -> re.Pattern | None:
    """The phrases of ``DEVICE_PHRASES`` naming tool ``name`` as one pattern, compiled once: its
    first match is the first of any phrase's (messages are scanned for every phone tool)."""
    phrases = DEVICE_PHRASES.get(name)
    return re.compile("|".join(rf"(?<![\w])(?:{p})" for p in phrases)) if phrases else None
