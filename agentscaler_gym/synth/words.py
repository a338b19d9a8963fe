"""Words of identifiers: split, singularise, and the verb lexicon that classifies tools.

Every synthesis stage reads API names and parameter names through these helpers, so ``petId``,
``pet_id``, ``PetID`` and ``pet-id`` are one thing everywhere.
"""

from __future__ import annotations

import functools
import re

_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(text: str) -> list[str]:
    """Lowercase words of an identifier or phrase: ``"getPetByID"`` -> ``["get", "pet", "by", "id"]``."""
    return [w.lower() for w in _PART.findall(text)]


def snake(text: str) -> str:
    """``"X-Api-Key"`` -> ``"x_api_key"``; never empty, never starts with a digit."""
    name = "_".join(words(text)) or "x"
    return name if not name[0].isdigit() else "n" + name


def singular(word: str) -> str:
    """A light English singular: ``"categories"`` -> ``"category"``, ``"addresses"`` -> ``"address"``."""
    if word == "ids":
        return "id"
    if len(word) <= 3 or word in _UNCHANGED:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    return word + "s"


@functools.lru_cache(maxsize=8192)  # task wording names the same columns and tables again and again
def human(name: str) -> str:
    """``"owner_id"`` -> ``"owner id"``."""
    return " ".join(words(name)) or name


_UNCHANGED = {
    "news",
    "status",
    "series",
    "species",
    "analysis",
    "address",
    "access",
    "bus",
    "gas",
    "canvas",
    "alias",
    "campus",
    "census",
    "corpus",
    "virus",
    "basis",
    "axis",
    "chassis",
    "business",
    "process",
    "class",
    "glass",
    "pass",
    "success",
    "progress",
    "data",
    "media",
    "settings",
    "details",
    "stats",
    "metrics",
    "analytics",
    "lyrics",
    "physics",
    "mathematics",
    "economics",
    "this",
    "his",
    "its",
}

PREPOSITIONS = {
    "by",
    "for",
    "with",
    "from",
    "of",
    "in",
    "on",
    "to",
    "at",
    "into",
    "via",
    "per",
    "using",
    "under",
    "and",
    "or",
    "as",
}

STOPWORDS = PREPOSITIONS | {
    "a",
    "an",
    "the",
    "is",
    "are",
    "be",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "if",
    "not",
    "no",
    "will",
    "can",
    "may",
    "should",
    "must",
    "which",
    "who",
    "when",
    "where",
    "what",
    "how",
    "all",
    "any",
    "each",
    "e",
    "g",
    "eg",
    "i",
    "ie",
    "etc",
    "default",
    "optional",
    "required",
    "specified",
    "specify",
    "given",
    "value",
    "values",
    "used",
    "use",
    "set",
    "parameter",
    "field",
    "number",
    "string",
    "type",
    "name",
    "list",
    "one",
    "more",
    "only",
    "also",
    "than",
    "then",
    "there",
    "their",
    "they",
    "you",
    "your",
}

# Tool verbs by operator. The first verb of a tool's name decides how it executes.
GET_VERBS = {
    "get",
    "retrieve",
    "fetch",
    "read",
    "show",
    "view",
    "describe",
    "lookup",
    "display",
    "load",
    "obtain",
    "return",
    "inspect",
    "see",
    "download",
    "access",
}
LIST_VERBS = {
    "list",
    "search",
    "find",
    "query",
    "browse",
    "filter",
    "lookup",
    "explore",
    "discover",
    "scan",
    "enumerate",
    "count",
    "match",
    "locate",
}
CREATE_VERBS = {
    "comment",
    "retweet",
    "tweet",
    "reply",
    "like",
    "follow",
    "vote",
    "touch",
    "mkdir",
    "cp",
    "claim",
    "sell",
    "trade",
    "bid",
    "create",
    "add",
    "new",
    "post",
    "insert",
    "register",
    "book",
    "make",
    "submit",
    "place",
    "schedule",
    "send",
    "upload",
    "generate",
    "reserve",
    "log",
    "record",
    "enroll",
    "subscribe",
    "invite",
    "import",
    "append",
    "write",
    "save",
    "store",
    "issue",
    "file",
    "request",
    "order",
    "buy",
    "purchase",
    "apply",
    "share",
    "upsert",
    "attach",
    "compose",
    "plan",
    "rent",
    "hire",
    "donate",
    "clone",
    "copy",
    "duplicate",
    "open",
    "onboard",
    "admit",
    "report",
    "enqueue",
    "dispense",
}
UPDATE_VERBS = {
    "mv",
    "fund",
    "deposit",
    "charge",
    "debit",
    "credit",
    "topup",
    "update",
    "edit",
    "modify",
    "change",
    "set",
    "patch",
    "put",
    "rename",
    "replace",
    "assign",
    "adjust",
    "move",
    "reschedule",
    "configure",
    "rate",
    "reassign",
    "upgrade",
    "downgrade",
    "increase",
    "decrease",
    "extend",
    "renew",
    "transfer",
    "mark",
    "toggle",
    "label",
    "link",
    "merge",
    "grade",
    "score",
}
DELETE_VERBS = {
    "rm",
    "rmdir",
    "unfollow",
    "unlike",
    "delete",
    "remove",
    "destroy",
    "drop",
    "erase",
    "purge",
    "unregister",
    "unsubscribe",
    "detach",
    "discard",
    "clear",
    "uninstall",
    "unlink",
    "untag",
    "dismiss",
}

# Status transitions: verb -> (target state, states it may start from or None for "any non-final state").
TRANSITIONS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "cancel": ("cancelled", None),
    "approve": ("approved", ("pending", "submitted", "draft")),
    "reject": ("rejected", ("pending", "submitted")),
    "decline": ("declined", ("pending", "submitted")),
    "accept": ("accepted", ("pending", "submitted")),
    "confirm": ("confirmed", ("pending", "draft")),
    "close": ("closed", None),
    "reopen": ("open", ("closed", "resolved")),
    "resolve": ("resolved", ("open", "pending", "escalated")),
    "escalate": ("escalated", ("open", "pending")),
    "archive": ("archived", None),
    "unarchive": ("active", ("archived",)),
    "activate": ("active", ("inactive", "suspended", "pending", "draft")),
    "deactivate": ("inactive", ("active",)),
    "enable": ("enabled", ("disabled",)),
    "disable": ("disabled", ("enabled",)),
    "publish": ("published", ("draft", "unpublished")),
    "unpublish": ("unpublished", ("published",)),
    "pause": ("paused", ("active", "running")),
    "resume": ("active", ("paused",)),
    "start": ("running", ("stopped", "pending", "paused")),
    "stop": ("stopped", ("running", "active")),
    "complete": ("completed", None),
    "finish": ("completed", None),
    "verify": ("verified", ("pending", "unverified")),
    "suspend": ("suspended", ("active",)),
    "block": ("blocked", ("active",)),
    "unblock": ("active", ("blocked",)),
    "lock": ("locked", ("unlocked",)),
    "unlock": ("unlocked", ("locked",)),
    "ship": ("shipped", ("pending", "processing", "paid")),
    "deliver": ("delivered", ("shipped",)),
    "refund": ("refunded", ("paid", "delivered", "completed")),
    "pay": ("paid", ("pending", "unpaid", "overdue")),
    "revoke": ("revoked", ("active", "granted")),
    "void": ("voided", ("pending", "open", "issued")),
    "release": ("released", ("held", "on_hold", "pending")),
    "hold": ("on_hold", ("pending", "open", "active")),
    "expire": ("expired", ("active",)),
    "restore": ("active", ("archived", "deleted", "inactive")),
    "checkin": ("checked_in", ("booked", "confirmed")),
    "checkout": ("checked_out", ("checked_in",)),
    "dispatch": ("dispatched", ("pending", "processing")),
    "terminate": ("terminated", None),
    "dispute": ("disputed", None),
    "appeal": ("appealed", ("denied", "rejected")),
    "deny": ("denied", ("pending", "submitted")),
    "freeze": ("frozen", ("active",)),
    "unfreeze": ("active", ("frozen",)),
    "deploy": ("deployed", ("pending", "stopped", "draft")),
    "submit": ("submitted", ("draft", "pending")),
    "withdraw": ("withdrawn", ("pending", "submitted", "active")),
    "redeem": ("redeemed", ("active", "issued")),
    "sign": ("signed", ("pending", "draft")),
}
FINAL_STATES = {
    "cancelled",
    "closed",
    "completed",
    "rejected",
    "declined",
    "refunded",
    "revoked",
    "voided",
    "expired",
    "terminated",
    "deleted",
    "delivered",
    "denied",
    "withdrawn",
    "redeemed",
}

# Verbs that change something in the world (labelled by hand, independent of the operator lexicons
# above): a tool whose name carries one of these (:func:`mutating_verb`) is a write or is not offered,
# never a read.
MUTATING_VERBS = frozenset(
    """
    create add insert register book submit schedule reserve enroll subscribe invite upload append
    save purchase buy rent hire donate place send post update edit modify rename assign reassign
    reschedule transfer mark upgrade downgrade renew extend delete remove destroy erase purge
    unsubscribe uninstall rm rmdir touch mkdir mv cp cancel approve reject confirm close reopen
    resolve escalate archive activate deactivate enable disable publish pause resume suspend block
    unblock lock unlock ship refund pay revoke void freeze unfreeze checkin checkout fund withdraw
    deposit charge debit credit comment retweet tweet reply like follow unfollow vote redeem claim
    sell trade sign order clear set
    """.split()
)
# Verbs that are more often nouns: they count as the verb of a name when they come first ("book_flight"),
# or later when its description opens with them (hotel_booking_book: "Book a hotel room"; not borrow_book).
NOUN_LIKE_VERBS = {
    "comment",
    "like",
    "credit",
    "charge",
    "deposit",
    "trade",
    "vote",
    "reply",
    "claim",
    "bid",
    "sign",
    "fund",
    "touch",
    "book",
    "order",
    "file",
    "issue",
    "log",
    "record",
    "plan",
    "request",
    "tag",
    "label",
    "copy",
    "post",
    "review",
    "match",
    "count",
    "set",
    "share",
    "return",
    "display",
    "access",
    "view",
    "query",
    "filter",
    "transfer",
    "rate",
    "link",
    "schedule",
    "place",
    "store",
    "drop",
    "clear",
    "hold",
    "release",
    "block",
    "lock",
    "stop",
    "start",
    "finish",
    "complete",
    "void",
    "pay",
    "ship",
    "resume",
    "reserve",
    "save",
}
# Verbs of calls that ask rather than change: reads, and actions on inputs that store nothing. In a
# name, a word before one of these belongs to the function's namespace (``flight_schedule_get_timings``
# reads timings; it schedules nothing), and a name that starts with one is a query (``track_order``).
QUERY_WORDS = frozenset(
    """
    get list search find retrieve fetch lookup query show describe read browse locate check track monitor
    analyze analyse estimate calculate compute calc solve divide multiply subtract predict evaluate identify
    determine recommend suggest compare convert translate summarize detect validate
    """.split()
)
_VERB_WORDS = GET_VERBS | LIST_VERBS | CREATE_VERBS | UPDATE_VERBS | DELETE_VERBS | set(TRANSITIONS) | MUTATING_VERBS
# Words that name a computation: such a tool returns a true result of a known function or is not offered.
COMPUTE_WORDS = frozenset(
    """
    calculate compute calc divide multiply subtract sqrt square_root power logarithm factorial average
    mean median convert solve percentage modulo hypotenuse hypot gcd lcm standard_deviation sum
    absolute_value round_number min_value max_value
    """.split()
)
# Leading words that say which library a function comes from (``math_factorial``), not what it does.
LIBRARY_PREFIXES = frozenset({"math", "mathematics", "maths"})


LOGIN_WORDS = frozenset({"login", "logon", "signin", "authenticate", "authentication", "authorize"})


def is_login(name: str) -> bool:
    """Whether a tool's name says it logs a user in: ``trading_login``, ``authenticate_twitter``, ``signIn``."""
    ws = words(name.split(".")[-1])
    pairs = {" ".join(ws[i : i + 2]) for i in range(len(ws) - 1)}
    return bool(LOGIN_WORDS & set(ws) or pairs & {"log in", "sign in"}) and not {"logout", "signout"} & set(ws)


def own_words(name: str) -> list[str]:
    """The words of a function's own name inside its namespace: ``hotel_booking.book`` -> ``['book']``,
    ``Hotels_2_BookHouse`` and ``rental_cars_3_reserve_car`` (a numbered namespace: one or two words
    and a number) -> ``['book', 'house']``, ``['reserve', 'car']``; any other name: all its words."""
    ws = words(name.rsplit(".", 1)[-1]) or words(name)
    number = next((i for i in (1, 2) if i < len(ws) - 1 and ws[i].isdigit()), None)
    if number is not None and not _VERB_WORDS & set(ws[:number]):
        return ws[number + 1 :]
    return ws


def name_verb(name: str, description: str = "") -> tuple[int, str] | None:
    """Where a name carries its verb, and which (``check_in`` is ``checkin``), read in the function's
    own name (:func:`own_words`): its first word when that is a verb, else the first verb inside it
    that no query verb follows (``hotel_booking_book``, ``library_reserve_book``, ``usergroups_enable``:
    a namespace, then the action; ``flight_schedule_get_timings``: ``schedule`` is the namespace's).
    A verb that is more often a noun (:data:`NOUN_LIKE_VERBS`) counts inside a name only when the
    description opens with it ("Book a hotel room"), so ``borrow_book`` borrows a book; first in a
    name it yields to a description that opens with a query ("List Order Types" of ``order_types_all``)."""
    said = description_verb(description) if description else None
    return verb_in(own_words(name), said[0] if said else None)


def verb_in(ws: list[str], opening: str | None = None) -> tuple[int, str] | None:
    """:func:`name_verb` of a name already split into words (``opening``: its description's verb)."""
    for i, w in enumerate(ws):
        verb = "check" + ws[i + 1] if w == "check" and ws[i + 1 : i + 2] in (["in"], ["out"]) else w
        if verb not in _VERB_WORDS and verb not in QUERY_WORDS:
            continue
        if i > 0 and verb in NOUN_LIKE_VERBS and verb != opening:
            continue  # borrow_book: a book, unless the description says "Book ..."
        if i == 0 and verb in NOUN_LIKE_VERBS and opening in QUERY_WORDS | GET_VERBS | LIST_VERBS:
            return 0, opening  # place_devices: "List the devices of a place"
        later = ws[i + 2 :] if verb in ("checkin", "checkout") else ws[i + 1 :]
        if i == 0 or not QUERY_WORDS & set(later):
            return i, verb
    return None


_PREAMBLE = frozenset(
    "this that which it function tool api endpoint method operation call service will can is used use to lets "
    "allows helps you user users the a an please".split()
)


def description_verb(text: str) -> tuple[str, list[str]] | None:
    """The verb a description opens with, as the lexicons spell it, and the words of what it acts on:
    ``"Books a hotel room"`` -> ``("book", ["hotel", "room"])``, ``"Use this to retrieve the forecast"``
    -> ``("retrieve", ["forecast"])``; None when it opens with no verb of the lexicons. A description
    that first says which suite a tool belongs to is read from its ``Tool description:``."""
    _, marked, own = text.partition("Tool description:")
    ws = words(own if marked else text)[:16]
    for i, w in enumerate(ws[:8]):
        if w in _PREAMBLE:
            continue
        stems = (w, w[:-3] + "y" if w.endswith("ies") else "", w[:-2] if w.endswith("es") else "", w[:-1])
        verb = next((v for v in stems if v and (v in _VERB_WORDS or v in QUERY_WORDS)), None)
        if verb is None:
            return None
        rest = [x for x in ws[i + 1 :] if x not in STOPWORDS and x not in _PREAMBLE]
        cut = next((j for j, x in enumerate(ws[i + 1 :]) if x in PREPOSITIONS), len(ws))
        obj = [singular(x) for x in ws[i + 1 : i + 1 + cut] if x in rest]
        return verb, obj[:3]
    return None


def mutating_verb(name: str, description: str = "") -> str | None:
    """The mutating verb a tool's name carries (:func:`name_verb`; ``check_in_guest`` -> ``checkin``,
    ``hotel_booking_book`` described as "Book a hotel room" -> ``book``), else None."""
    found = name_verb(name, description)
    return found[1] if found and found[1] in MUTATING_VERBS else None


def is_computation(name: str) -> bool:
    """Whether a tool's name names a computation: it leads with one (``divide``, ``square_root``,
    ``math_factorial``), or its verb (:func:`name_verb`) is one (``distance_calculator_calculate``,
    ``kinematics_calculate_speed``: a namespace, then the computation)."""
    ws = words(name.split(".")[-1])
    while len(ws) > 1 and ws[0] in LIBRARY_PREFIXES | {"api"}:
        ws = ws[1:]
    found = name_verb(name)
    return bool(ws) and (
        ws[0] in COMPUTE_WORDS
        or "_".join(ws[:2]) in COMPUTE_WORDS
        or bool({"conversion", "converter"} & set(ws))
        or (found is not None and found[1] in COMPUTE_WORDS)
    )
