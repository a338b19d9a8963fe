"""Verification: did the episode reach the gold outcome?

Components (all reported in ``info["verification"]``):

- ``state_match``: the rows the episode changed equal, in content, the rows the gold run changed
  (every seat's: the user's too in dual-control domains). ``diff`` lists every row that differs,
  as ``{"seat", "table", "key", "expected", "actual"}`` (a row as ``{column: value}``, None if absent).
- ``outputs_match``: every required output appears, as whole words, in what the assistant said;
  ``None`` if the task has none.
- ``exact_match``: for tasks whose gold calls only read (``Task.exact_match``), whether the
  assistant's successful calls equal the gold calls, in order; ``None`` otherwise. Reported, not
  part of the reward: the SFT exact-match filter uses it.
- ``progress``: the share of the gold run's row changes the episode made (``None`` when the gold
  run changes nothing). Reported, not part of the reward, for shaping.

``reward`` is 1.0 iff ``state_match`` and ``outputs_match`` hold, else 0.0. A read-only task is
thus scored on its outcome: the database is unchanged and the required answer was said (an agent
that reads one record twice and answers right has solved it). Tasks that doing nothing would pass
(no change, no required output) are rejected when a domain is built.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .seat import Changes
from .tasks import Task, ToolCall


@dataclass(frozen=True)
class Verification:
    reward: float
    state_match: bool
    exact_match: bool | None
    outputs_match: bool | None
    progress: float | None = None
    diff: tuple[dict, ...] = ()
    missing_outputs: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.reward == 1.0

    def to_dict(self) -> dict:
        """Every component, the tuples as lists (written out field by field: ``dataclasses.asdict``
        deep-copies every row of the diff, to be thrown away)."""
        return {
            "reward": self.reward,
            "state_match": self.state_match,
            "exact_match": self.exact_match,
            "outputs_match": self.outputs_match,
            "progress": self.progress,
            "diff": list(self.diff),
            "missing_outputs": list(self.missing_outputs),
        }


def verify(task: Task, gold: Changes, changes: Changes, calls: Sequence[ToolCall], said: Iterable[str]) -> Verification:
    """Score an episode: a pure function of its inputs.

    Args:
        task: The task.
        gold: The gold run's state change (:meth:`Domain.gold`).
        changes: The episode's state change (:func:`agentscaler_gym.seat.changes` of its seats).
        calls: The assistant's successful calls, in order.
        said: Everything the assistant said to the user.
    """
    if gold == changes:  # the usual end, a solved task: nothing differs, and all of the gold is done
        diff, progress = (), 1.0 if gold else None
    else:
        diff, progress = _diff(gold, changes)
    exact = None
    if task.exact_match:
        gold_calls = [(c.name, dict(c.arguments)) for c in task.gold_calls if c.actor == "assistant"]
        exact = [(c.name, dict(c.arguments)) for c in calls] == gold_calls
    missing: tuple[str, ...] = ()
    if task.outputs:
        text = _normalise(" ".join(said))
        missing = tuple(o for o in task.outputs if not _said(o).search(text))
    outputs = None if not task.outputs else not missing
    passed = not diff and outputs is not False
    return Verification(1.0 if passed else 0.0, not diff, exact, outputs, progress, diff, missing)


def _diff(gold: Changes, changes: Changes) -> tuple[tuple[dict, ...], float | None]:
    """The rows that end otherwise than in the gold run, and the share of the gold's rows done."""
    differ = [key for key in gold.keys() | changes.keys() if gold.get(key, _ABSENT) != changes.get(key, _ABSENT)]
    diff = tuple(
        {"seat": key[0], "table": key[1], "key": key[2], "expected": gold.get(key), "actual": changes.get(key)}
        for key in sorted(differ, key=repr)
    )
    progress = sum(changes.get(key, _ABSENT) == value for key, value in gold.items()) / len(gold) if gold else None
    return diff, progress


_ABSENT = object()


@functools.lru_cache(maxsize=4096)
def _said(output: str) -> re.Pattern:
    """A pattern finding ``output`` as words of a normalised text, compiled once per output."""
    return re.compile(rf"(?<!\w){re.escape(_normalise(output))}(?!\w)")


def _normalise(text: str) -> str:
    return text.lower().replace(",", "")
