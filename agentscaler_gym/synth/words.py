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
# above): a tool whose name leads with one of these is a write or is not offered, never a read.
MUTATING_VERBS = frozenset(
    """
    create add insert register book submit schedule reserve enroll subscribe invite upload append
    save purchase buy rent hire donate place send post update edit modify rename assign reassign
    reschedule transfer mark upgrade downgrade renew extend delete remove destroy erase purge
    unsubscribe uninstall rm rmdir touch mkdir mv cp cancel approve reject confirm close reopen
    resolve escalate archive activate deactivate enable disable publish pause resume suspend block
    unblock lock unlock ship refund pay revoke void freeze unfreeze checkin checkout fund withdraw
    deposit charge debit credit comment retweet tweet reply like follow unfollow vote redeem claim
    sell trade sign
    """.split()
)
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


def mutating_verb(name: str) -> str | None:
    """The mutating verb a tool's name leads with (``check_in_guest`` -> ``checkin``), else None."""
    ws = words(name.split(".")[-1])
    if len(ws) > 1 and ws[0] == "check" and ws[1] in ("in", "out"):
        return "check" + ws[1]
    return ws[0] if ws and ws[0] in MUTATING_VERBS else None


def is_computation(name: str) -> bool:
    """Whether a tool's name leads with a computation: ``divide``, ``square_root``, ``math_factorial``."""
    ws = words(name.split(".")[-1])
    while len(ws) > 1 and ws[0] in LIBRARY_PREFIXES | {"api"}:
        ws = ws[1:]
    return bool(ws) and (
        ws[0] in COMPUTE_WORDS or "_".join(ws[:2]) in COMPUTE_WORDS or bool({"conversion", "converter"} & set(ws))
    )
