"""The trajectory: one recorded episode, how it is stored, and how a set of them is scored.

Where it sits: episode -> verification -> **trajectory** -> dataset.

- :class:`Trajectory` is the record; :attr:`Trajectory.passed` is the one definition of a pass
  (reward 1.0 and no episode error) that every summary, pass^k, the viewer and ``train/`` use.
- Storage is JSONL, one trajectory a line. :func:`write_jsonl` puts a complete file in place with
  a rename, so the path holds either its previous file or the whole new one; :func:`read_jsonl`
  refuses a file whose last line was cut off. :class:`EpisodeLog` appends finished episodes to a
  side file as they end, which a killed run resumes from.
- :func:`summarize` gives per-env rates; :func:`pass_hat_table` gives pass^k.

Nothing heavy is imported here; ``datasets`` is imported by :func:`to_dataset` when asked for.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from math import comb
from pathlib import Path
from typing import Any


@dataclass
class Trajectory:
    """One recorded episode.

    Attributes:
        env_id, task_id, seed: What was played.
        messages: The whole conversation (system, user, assistant with tool calls, tool).
        tools: The tool schemas the assistant had.
        reward: The final reward; ``verification`` has every component.
        turns: Assistant turns taken.
        timings: Seconds waiting for the ``policy`` and spent in the ``env``; ``latency`` lists
            the policy's per-request latencies when it reports them.
        tokens: ``prompt``, ``completion`` and ``requests`` counts (and ``cost``) the policy reported.
        error: Why the episode stopped early (a policy, server or env failure), else None.
        user_calls: Tool calls the user made on their device (dual control).
        user_errors: What the simulated user got wrong (``{"turn", "kind", "detail"}``; an LLM user's).
        db_changes: Every row the episode changed: ``{"seat", "table", "key", "row"}`` (``row`` None if deleted).
        policy: The policy's name.
    """

    env_id: str
    task_id: str
    seed: int | None
    messages: list[dict]
    tools: list[dict]
    reward: float = 0.0
    verification: dict = field(default_factory=dict)
    turns: int = 0
    timings: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    error: str | None = None
    user_calls: list[dict] = field(default_factory=list)
    user_errors: list[dict] = field(default_factory=list)
    db_changes: list[dict] = field(default_factory=list)
    policy: str = ""

    @property
    def passed(self) -> bool:
        """A pass: verification gave reward 1.0 and nothing ended the episode early."""
        return self.reward == 1.0 and self.error is None

    @property
    def key(self) -> tuple[str, str, int | None]:
        """``(env_id, task_id, seed)``: which planned episode (task and trial) this is."""
        return self.env_id, self.task_id, self.seed

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Trajectory:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


class RolloutResult(list):
    """The trajectories of a rollout, in plan order, plus ``stats`` of the run.

    ``stats``: ``episodes``, ``errors``, ``wall_s`` and ``policy_s`` (wall time spent waiting for
    the policy, so ``1 - policy_s / wall_s`` is the share of time outside it).
    """

    def __init__(self, trajectories: Iterable[Trajectory] = (), stats: dict | None = None):
        super().__init__(trajectories)
        self.stats = stats or {}

    def to_dataset(self):
        """A ``datasets.Dataset``, one row per trajectory. Nested fields are JSON strings:
        Arrow would otherwise merge the argument dicts of different tools into one struct."""
        return to_dataset(self)


# -- JSONL -----------------------------------------------------------------------------------


class TruncatedFileError(ValueError):
    """A JSONL file whose last line was cut off: a write was interrupted."""


def json_line(record: dict) -> bytes:
    """One JSONL line, UTF-8. Whatever a model wrote can be stored: text that UTF-8 cannot hold
    (a lone surrogate, half an emoji) falls back to ``\\u`` escapes, which read back the same, and
    an integer too long for decimal text (Python's 4,300-digit limit) is stored as its hex text."""
    try:
        text = json.dumps(record, ensure_ascii=False, default=str)
    except ValueError:  # an integer past the decimal conversion limit
        record = _hex_huge_ints(record)
        text = json.dumps(record, ensure_ascii=False, default=str)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(record, ensure_ascii=True, default=str) + "\n").encode("ascii")


def _hex_huge_ints(value: Any) -> Any:
    if isinstance(value, int):
        try:
            str(value)
        except ValueError:
            return hex(value)
        return value
    if isinstance(value, dict):
        return {k: _hex_huge_ints(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_hex_huge_ints(v) for v in value]
    return value


def write_jsonl(trajectories: Iterable[Trajectory], path: str | Path) -> Path:
    """Write ``trajectories`` to ``path`` in one rename (see :func:`write_lines`). Lines are
    made from the fields as they are (``vars``): ``to_dict``'s deep copy took 4x the encoding."""
    return write_lines((json_line(vars(t)) for t in trajectories), path)


def write_lines(lines: Iterable[bytes], path: str | Path) -> Path:
    """Write ``lines`` to ``path`` atomically: a temporary file in the same folder, flushed to
    disk, then renamed over ``path``. A failure or a kill at any point leaves the previous file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.writelines(lines)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def read_jsonl(path: str | Path, *, partial: bool = False) -> list[Trajectory]:
    """The trajectories of a JSONL file.

    A last line that does not parse and has no newline was cut off by an interrupted write:
    :class:`TruncatedFileError`, or with ``partial=True`` (a side file) it is left out. A bad
    line anywhere else is a ``ValueError`` naming it. A side file next to ``path`` means a run
    writing ``path`` has not finished: a warning says so (``path`` is the previous run).
    """
    if not partial and side_file(path).exists():
        warnings.warn(
            f"{side_file(path)} exists: a run writing {path} has not finished (resume it with --resume); "
            f"{path} holds the run before it",
            stacklevel=2,
        )
    return [t for _, t in _parse(path, partial)]


def _parse(path: str | Path, partial: bool) -> list[tuple[bytes, Trajectory]]:
    """Each whole line of a JSONL file (newline included) with its trajectory."""
    lines = Path(path).read_bytes().split(b"\n")
    out: list[tuple[bytes, Trajectory]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append((line + b"\n", Trajectory.from_dict(json.loads(line))))
        except (ValueError, TypeError) as exc:
            if number == len(lines):  # no newline after it: cut off
                if partial:
                    break
                raise TruncatedFileError(
                    f"{path}: the last line is cut off (an interrupted write); {len(out)} complete "
                    "trajectories before it"
                ) from exc
            raise ValueError(f"{path}, line {number}: not a trajectory ({exc})") from exc
    return out


class EpisodeLog:
    """Finished episodes appended, as they end, to a side file next to an output.

    Each trajectory is one line, written and flushed before the next episode is recorded, so a
    killed run keeps every episode that finished. ``resume=True`` reads what a previous run left
    (``finished``; a line cut off by the kill is dropped from the file) and appends after it;
    without it, a side file left by an unfinished run is refused rather than overwritten.
    :meth:`write` puts the output in place from the lines already encoded (encoding is most of
    the cost of storing a run), and :meth:`discard` then removes the side file.
    """

    SUFFIX = ".partial"

    def __init__(self, output: str | Path, *, resume: bool = False):
        self.path = side_file(output)
        self.finished: list[Trajectory] = []
        self.lines: dict[tuple, bytes] = {}  # Trajectory.key -> its line
        if not resume and self.path.exists():
            raise FileExistsError(
                f"{self.path} holds the episodes of an unfinished run: resume it (--resume) or delete the file"
            )
        if resume and self.path.exists():
            for line, t in _parse(self.path, partial=True):
                self.finished.append(t)
                self.lines[t.key] = line
            _truncate_after_last_line(self.path)
        self._file = open(self.path, "ab")  # noqa: SIM115 - closed in close()

    def append(self, t: Trajectory) -> None:
        self.lines[t.key] = line = json_line(vars(t))
        self._file.write(line)
        self._file.flush()

    def write(self, trajectories: Iterable[Trajectory], output: str | Path) -> Path:
        """Write ``output`` atomically (:func:`write_lines`): the logged lines of ``trajectories``."""
        return write_lines((self.lines[t.key] for t in trajectories), output)

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> EpisodeLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def side_file(output: str | Path) -> Path:
    """Where the episodes of a run writing ``output`` are streamed: ``output`` + ``.partial``."""
    output = Path(output)
    return output.with_name(output.name + EpisodeLog.SUFFIX)


def _truncate_after_last_line(path: Path) -> None:
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        with open(path, "r+b") as f:
            f.truncate(end)


def to_dataset(trajectories: Iterable[Trajectory]):
    """A ``datasets.Dataset`` of trajectories; ``messages``, ``tools`` and other nested fields as JSON text."""
    from datasets import Dataset

    nested = ("messages", "tools", "verification", "timings", "tokens", "user_calls", "db_changes")
    rows = []
    for t in trajectories:
        row = t.to_dict()
        for key in nested:
            row[key] = json.dumps(row[key], ensure_ascii=False, default=str)
        row["passed"] = t.passed
        rows.append(row)
    return Dataset.from_list(rows)


# -- summaries and pass^k --------------------------------------------------------------------


def summarize(trajectories: Sequence[Trajectory]) -> dict[str, dict]:
    """Per env id and ``"all"`` (when there are several): episodes, pass rate, mean reward,
    mean turns, tool-error rate, episode errors, completion tokens."""
    return {env_id: _summary(ts) for env_id, ts in _by_env(trajectories).items()}


def _by_env(items: Iterable, env_id=lambda t: t.env_id) -> dict[str, list]:
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(env_id(item), []).append(item)
    if len(groups) > 1:
        groups["all"] = [item for group in list(groups.values()) for item in group]
    return groups


def _summary(ts: Sequence[Trajectory]) -> dict:
    tool_messages = [m for t in ts for m in t.messages if m.get("role") == "tool"]
    tool_errors = sum(str(m.get("content", "")).startswith("Error:") for m in tool_messages)
    n = len(ts) or 1
    passed = sum(t.passed for t in ts)
    return {
        "episodes": len(ts),
        "passed": passed,
        "pass_rate": passed / n,
        "mean_reward": sum(t.reward for t in ts) / n,
        "mean_turns": sum(t.turns for t in ts) / n,
        "tool_error_rate": tool_errors / len(tool_messages) if tool_messages else 0.0,
        "errors": sum(t.error is not None for t in ts),
        "completion_tokens": sum(t.tokens.get("completion", 0) for t in ts),
    }


def pass_hat_k(successes: int, trials: int, k: int) -> float:
    """pass^k of one task: the chance that k of its trials, drawn without replacement, all pass.

    From n trials with c passes the unbiased estimate is C(c, k) / C(n, k) (τ-bench's reliability
    metric; pass^1 is the plain pass rate).
    """
    if not 0 < k <= trials:
        raise ValueError(f"k must be in 1..{trials}, got {k}")
    return comb(successes, k) / comb(trials, k)


def pass_hat_table(trajectories: Iterable[Trajectory]) -> dict[str, dict[int, float]]:
    """``{env_id: {k: pass^k}}``, averaged over tasks, plus ``"all"`` over every task.

    k runs up to the fewest trials any task of the group has, so every task counts at every k.
    """
    counts: dict[tuple[str, str], list[int]] = {}
    for t in trajectories:
        c = counts.setdefault((t.env_id, t.task_id), [0, 0])
        c[0] += t.passed
        c[1] += 1
    groups = _by_env(counts.items(), env_id=lambda item: item[0][0])
    return {env_id: _pass_hat_row([cn for _, cn in tasks]) for env_id, tasks in groups.items()}


def _pass_hat_row(tasks: list[list[int]]) -> dict[int, float]:
    most = min(n for _, n in tasks)
    return {k: sum(pass_hat_k(c, n, k) for c, n in tasks) / len(tasks) for k in range(1, most + 1)}
