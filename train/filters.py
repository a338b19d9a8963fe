"""The trajectory filters, applied in order; each counts what it drops per env id.

The first three are AgentScaler's; the fourth keeps demonstrations from teaching invented facts.

1. **validity**: the episode is a well-formed conversation. It starts with the system policy
   and the user; tool answers follow exactly the assistant turn that called them; the user
   speaks only after an assistant message; every call parses, names a real tool and passes a
   JSON object; it ends on an assistant turn or the user's goodbye; and no assistant turn
   degenerates into repetition (word 4-grams less than half distinct, or the same turn three
   times in a row). A policy failure mid-episode is invalid too. An episode may end on the
   answer of a call that ends it (a transfer to a human agent).
2. **state alignment**: the final database equals the gold run's (``verification.state_match``)
   and every output the task requires was said.
3. **exact match**: the successful calls equal the gold calls, in order. Always required for
   tasks whose gold calls only read (their state cannot tell right from wrong); for every task
   with ``exact="all"``.
4. **grounding**: every argument value of every call appeared earlier in the conversation (said
   by the user, answered by a tool, stated by the policy or agreed to in a proposal; see
   :mod:`agentscaler_gym.grounding`). One invented value is enough to teach the habit.

A call that failed (an ``Error: ...`` answer) does not make an episode invalid: an episode that
recovers and passes teaches recovery, and :func:`failed_calls` counts such calls.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentscaler_gym.grounding import argument_values
from agentscaler_gym.tasks import ASSISTANT, ToolCall
from agentscaler_gym.trajectory import Trajectory

VALIDITY = "validity"
STATE_ALIGNMENT = "state_alignment"
EXACT_MATCH = "exact_match"
GROUNDING = "grounding"
FILTERS = (VALIDITY, STATE_ALIGNMENT, EXACT_MATCH, GROUNDING)
EXACT_MODES = ("read_only", "all")

NGRAM = 4
MIN_NGRAMS = 8
MIN_DISTINCT = 0.5
MAX_SAME_TURNS = 3
INVALID_CALL = "invalid_tool_call"  # the tool name ToolUseEnv gives answers to calls it could not parse
ERROR = "Error:"

GoldCalls = Callable[[Trajectory], Sequence[ToolCall]]


@dataclass
class FilterReport:
    """What the filters kept, and per env id, filter and reason, what they dropped."""

    kept: list[Trajectory] = field(default_factory=list)
    dropped: dict[str, dict[str, Counter]] = field(default_factory=dict)  # env_id -> filter -> reason counts
    episodes: Counter = field(default_factory=Counter)  # env_id -> episodes seen
    recovered: Counter = field(default_factory=Counter)  # env_id -> kept episodes with a failed call

    def drop(self, trajectory: Trajectory, stage: str, reason: str) -> None:
        self.dropped.setdefault(trajectory.env_id, {}).setdefault(stage, Counter())[reason] += 1

    def dropped_by(self, stage: str, env_id: str | None = None) -> int:
        envs = [env_id] if env_id else list(self.dropped)
        return sum(sum(self.dropped.get(e, {}).get(stage, Counter()).values()) for e in envs)


def filter_trajectories(
    trajectories: Iterable[Trajectory], *, exact: str = "read_only", gold_calls: GoldCalls | None = None
) -> FilterReport:
    """Run the filters in order over ``trajectories``.

    Args:
        trajectories: Recorded episodes.
        exact: ``"read_only"`` (exact match only where the task demands it) or ``"all"``.
        gold_calls: The gold calls of a trajectory's task; required for ``exact="all"``.
    """
    if exact not in EXACT_MODES:
        raise ValueError(f"exact must be one of {EXACT_MODES}, not {exact!r}")
    if exact == "all" and gold_calls is None:
        raise ValueError('exact="all" needs gold_calls')
    report = FilterReport()
    for t in trajectories:
        report.episodes[t.env_id] += 1
        checks = (
            (VALIDITY, lambda: validity_problem(t)),  # noqa: B023 (called in the loop)
            (STATE_ALIGNMENT, lambda: state_problem(t)),  # noqa: B023 (called in the loop)
            (EXACT_MATCH, lambda: exact_problem(t, gold_calls(t) if exact == "all" else None)),  # noqa: B023 (called in the loop)
            (GROUNDING, lambda: grounding_problem(t)),  # noqa: B023 (called in the loop)
        )
        for stage, check in checks:
            reason = check()
            if reason:
                report.drop(t, stage, reason)
                break
        else:
            report.kept.append(t)
            report.recovered[t.env_id] += failed_calls(t) > 0
    return report


# ---------------------------------------------------------------------------------------------
# 1. validity


def validity_problem(t: Trajectory) -> str | None:
    """Why the episode is not a well-formed conversation, or None."""
    if t.error:
        return "policy_error"
    messages = t.messages
    if len(messages) < 3 or messages[0].get("role") != "system" or messages[1].get("role") != "user":
        return "bad_start"
    if any(m.get("role") == "tool" and m.get("name") == INVALID_CALL for m in messages):
        return "unparsable_tool_call"
    names = {s["function"]["name"] for s in t.tools}
    pending = 0  # tool answers still owed to the last assistant turn
    previous: dict = messages[1]
    same_turns, last_turn = 0, None
    for message in messages[2:]:
        role = message.get("role")
        if role == "tool":
            if not pending:
                return "unexpected_tool_answer"
            pending -= 1
        elif pending:
            return "missing_tool_answer"
        elif role == "assistant":
            if previous.get("role") == "assistant":
                return "assistant_twice"
            problem = _turn_problem(message, names)
            if problem:
                return problem
            pending = len(message.get("tool_calls") or ())
            turn = _turn_key(message)
            same_turns = same_turns + 1 if turn == last_turn else 1
            last_turn = turn
            if same_turns >= MAX_SAME_TURNS:
                return "repeated_turn"
        elif role == "user":
            if previous.get("role") != "assistant" or previous.get("tool_calls"):
                return "user_out_of_turn"
        else:
            return "unknown_role"
        previous = message
    if pending or (previous.get("role") == "tool" and not _ended_by_tool(t)):
        return "unfinished"
    return None


def _ended_by_tool(t: Trajectory) -> bool:
    """The episode ended on a call that ends it (a ``transfer_*`` tool: a transfer to a human
    agent), not cut off mid-work."""
    return bool(t.verification) and not t.error and t.turns > 0 and _last_call(t.messages).startswith("transfer")


def _last_call(messages: Sequence[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "assistant":
            calls = message.get("tool_calls") or []
            return calls[-1].get("function", calls[-1]).get("name", "") if calls else ""
    return ""


def _turn_problem(message: dict, tool_names: set[str]) -> str | None:
    calls = message.get("tool_calls") or []
    content = message.get("content") or ""
    if not calls and not content.strip():
        return "empty_turn"
    for call in calls:
        function = call.get("function", call)
        if function.get("name") not in tool_names:
            return "unknown_tool"
        if not isinstance(arguments_of(call), dict):
            return "bad_arguments"
    if is_degenerate(content):
        return "repetition"
    return None


def is_degenerate(text: str, n: int = NGRAM) -> bool:
    """True if the text loops: at least ``MIN_NGRAMS`` word n-grams, fewer than half of them distinct."""
    words = text.split()
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return len(grams) >= MIN_NGRAMS and len(set(grams)) / len(grams) < MIN_DISTINCT


def _turn_key(message: dict) -> str:
    calls = [(c.get("function", c).get("name"), arguments_of(c)) for c in message.get("tool_calls") or []]
    return json.dumps([message.get("content") or "", calls], sort_keys=True, default=str)


# ---------------------------------------------------------------------------------------------
# 2. state alignment and 3. exact match


def state_problem(t: Trajectory) -> str | None:
    """Why the final state (or the required outputs) differ from the gold run, or None."""
    v = t.verification or {}
    if "state_match" not in v:
        return "not_verified"
    if not v["state_match"]:
        return "state_mismatch"
    if v.get("outputs_match") is False:
        return "outputs_missing"
    return None


def exact_problem(t: Trajectory, gold: Sequence[ToolCall] | None = None) -> str | None:
    """Why the call sequence differs from the gold one, or None.

    Without ``gold`` only the env's own verdict is used, which it gives for read-only tasks.
    """
    if (t.verification or {}).get("exact_match") is False:
        return "call_sequence_differs"
    if gold is not None:
        expected = [(c.name, dict(c.arguments)) for c in gold if c.actor == ASSISTANT]
        if successful_calls(t) != expected:
            return "call_sequence_differs"
    return None


def grounding_problem(t: Trajectory) -> str | None:
    """Why some argument value was not grounded in the conversation before its call, or None."""
    if any(not v.grounded for v in argument_values(t.messages, t.tools)):
        return "ungrounded_value"
    return None


def successful_calls(t: Trajectory) -> list[tuple[str, dict]]:
    """The assistant's calls whose answer was not an error, in order, as ``(name, arguments)``."""
    return [call for call, answer in _calls_with_answers(t.messages) if not answer.startswith(ERROR)]


def failed_calls(t: Trajectory) -> int:
    """How many of the assistant's calls were answered with an error."""
    return sum(answer.startswith(ERROR) for _, answer in _calls_with_answers(t.messages))


def _calls_with_answers(messages: Sequence[dict]) -> list[tuple[tuple[str, Any], str]]:
    pairs, waiting = [], []
    for message in messages:
        if message.get("role") == "assistant":
            waiting = [(c.get("function", c).get("name"), arguments_of(c)) for c in message.get("tool_calls") or []]
        elif message.get("role") == "tool" and message.get("name") != INVALID_CALL and waiting:
            pairs.append((waiting.pop(0), message.get("content") or ""))
    return pairs


def arguments_of(call: dict) -> Any:
    """A tool call's arguments as a value (they may be stored as a JSON string)."""
    arguments = call.get("function", call).get("arguments", {})
    if isinstance(arguments, str):
        try:
            return json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return None
    return arguments
