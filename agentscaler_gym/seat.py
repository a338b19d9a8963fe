"""Seats: one actor's place in an episode, its database, the tools that act on it and its call log.

The assistant has a seat in every domain; in dual-control domains the user has one too (in
telecom, the customer's phone). A seat is the one way a tool runs in an episode::

    answer = seat.call("cancel_pending_order", {"order_id": "#W0000001", "reason": "ordered by mistake"})
    answer.text, answer.ok, answer.ends_episode

``call`` never raises: a failure of any kind (unknown tool, bad arguments, a broken business rule,
an SQLite error) leaves the database as it was and comes back as ``"Error: ..."`` text.
:meth:`Seat.changes` reports the rows the seat's calls changed, decoded; :func:`changes` gathers
every seat's under the seat's name, which is what verification compares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from .database import Database, SeedDatabase, row_values
from .tasks import ToolCall
from .tools import Tool, ToolError

# orjson writes compact JSON about ten times as fast as the json module (an answer's encoding cost
# more than its SQL). What it refuses (integers past 64 bits, keys that are not strings, lone
# surrogates) the json module writes, in the same compact form. A datetime or a dataclass is left to
# ``str`` as the json module would (orjson would write them its own way).
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_JSON = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False, separators=(",", ":")).encode

Changes = dict[tuple[str, str, Any], "dict | None"]
"""``{(seat, table, primary key): the row after as {column: value}, or None if deleted}``."""


class Answer(NamedTuple):
    """What a tool call gave: the text the caller reads, whether it succeeded, and whether it ends
    the episode (a successful transfer to a human). (A named tuple: made on every call, it costs a
    third of a frozen dataclass.)"""

    text: str
    ok: bool
    ends_episode: bool = False


class Seat:
    """One actor's database, tools and log of successful calls.

    Args:
        actor: Whose seat it is (``"assistant"`` or ``"user"``); the actor of the logged calls.
        seed: The seed database the seat's database copies.
        tools: The tools the actor may call, by name.
    """

    def __init__(self, actor: str, seed: SeedDatabase, tools: Mapping[str, Tool]):
        self.actor = actor
        self.tools = tools
        self.db = Database(seed)
        self.calls: list[ToolCall] = []
        self._decoded: tuple[int, dict] = (-1, {})  # (the database's write count, its changes decoded)

    @property
    def schemas(self) -> list[dict]:
        """The OpenAI-style schemas of the seat's tools."""
        return [t.schema for t in self.tools.values()]

    def call(self, name: str, arguments: Any) -> Answer:
        """Run a named tool; log it if it succeeds. Never raises."""
        return self.run(ToolCall(name, dict(arguments) if isinstance(arguments, Mapping) else arguments, self.actor))

    def run(self, call: ToolCall) -> Answer:
        """Run a call; log that very call if it succeeds (as this seat's actor's), as
        :func:`~agentscaler_gym.actions.parse_action` gives it, its arguments a fresh dict. Never raises."""
        tool = self.tools.get(call.name)
        if tool is None:
            return Answer(f"Error: unknown tool {call.name!r}. Available tools: {', '.join(self.tools)}.", False)
        try:
            result = self.db.run(tool, call.arguments)
        except ToolError as exc:
            return Answer(f"Error: {exc}", False)
        except Exception as exc:  # noqa: BLE001 - any failure is an answer the caller can read
            return Answer(f"Error: {type(exc).__name__}: {exc}", False)
        self.calls.append(call if call.actor == self.actor else call._replace(actor=self.actor))
        text = result if type(result) is str else render(result)
        return tuple.__new__(Answer, (text, True, tool.ends_episode))  # Answer(...) without its Python __new__

    def changes(self) -> dict[tuple[str, Any], dict | None]:
        """Rows whose content differs from the seed: ``{(table, primary key): row or None}``."""
        version = self.db.conn.total_changes  # grows with every row written
        if self._decoded[0] != version:
            columns = self.db.seed.columns
            decoded = {
                (table, key): None if row is None else dict(zip(columns[table], row_values(row)))
                for (table, key), row in self.db.changes().items()
            }
            self._decoded = (version, decoded)
        return dict(self._decoded[1])

    def reset(self) -> None:
        """Back to the seed state, with an empty call log."""
        self.db.reset()
        self.calls = []

    def close(self) -> None:
        self.db.close()


def changes(seats: Mapping[str, Seat]) -> Changes:
    """Every seat's changed rows, keyed by the seat's name."""
    return {(actor, *key): row for actor, seat in seats.items() for key, row in seat.changes().items()}


def render(result: Any) -> str:
    """A tool's result as the text the caller reads: a string as is, anything else as compact JSON."""
    if isinstance(result, str):
        return result
    try:
        return orjson.dumps(result, default=str, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return _JSON(result)
