"""Conformance checks for a domain, each raising :class:`DomainCheckError` with a message.

``check_domain(domain)`` runs them all: a hand-built or synthesized domain is sound when its
successful writes change state and its reads do not, the oracle scores 1.0 on every task, and a
do-nothing agent scores 0.0 on every task whose gold run changes state.
"""

from __future__ import annotations

from collections.abc import Sequence

from .domain import Domain
from .env import ToolUseEnv
from .tasks import Task, oracle_turns
from .tools import READ, WRITE


class DomainCheckError(AssertionError):
    pass


def check_domain(domain: Domain, split: str = "test", limit: int | None = None) -> None:
    tasks = domain.task_list(split)[:limit]
    if not tasks:
        raise DomainCheckError(f"{domain.name}: split {split!r} has no tasks")
    check_tool_kinds(domain, tasks)
    env = ToolUseEnv(domain, split=split, max_turns=len(max((t.gold_calls for t in tasks), key=len)) + 4)
    check_oracle(env, tasks)
    check_do_nothing(env, tasks)


def check_tool_kinds(domain: Domain, tasks: Sequence[Task]) -> None:
    """Replay gold calls one at a time: a read never changes state; a write that succeeds in a task that
    changes state, changes it. The tasks share one set of seats, reset to the seed state before each."""
    seats = domain.seats()
    for task in tasks:
        for seat in seats.values():
            seat.reset()
        before = {}
        for call in task.gold_calls:
            seat = seats[call.actor]
            answer = seat.call(call.name, call.arguments)
            if not answer.ok:
                raise DomainCheckError(f"{domain.name}/{task.id}: gold call {call.name} failed: {answer.text}")
            after, kind = seat.changes(), seat.tools[call.name].kind
            if kind == READ and after != before.get(call.actor, {}):
                raise DomainCheckError(f"{domain.name}/{task.id}: read tool {call.name} changed the database")
            if kind == WRITE and after == before.get(call.actor, {}):
                raise DomainCheckError(f"{domain.name}/{task.id}: write tool {call.name} succeeded but changed nothing")
            before[call.actor] = after


def check_oracle(env: ToolUseEnv, tasks: Sequence[Task]) -> None:
    for task in tasks:
        reward, info = run_turns(env, task, oracle_turns(task))
        if reward != 1.0:
            raise DomainCheckError(
                f"{env.domain.name}/{task.id}: the oracle scored {reward}: {info.get('verification')}"
            )


def check_do_nothing(env: ToolUseEnv, tasks: Sequence[Task]) -> None:
    for task in tasks:
        reward, _ = run_turns(env, task, [{"role": "assistant", "content": "Goodbye."}])
        if reward != 0.0:
            raise DomainCheckError(f"{env.domain.name}/{task.id}: a do-nothing agent scored {reward}")


def run_turns(env: ToolUseEnv, task: Task, turns: Sequence) -> tuple[float, dict]:
    """Play fixed assistant turns on ``task``; return the final reward and info."""
    env.reset(options={"task_id": task.id})
    reward, info = 0.0, {}
    for turn in turns:
        _, reward, terminated, truncated, info = env.step(turn)
        if terminated or truncated:
            return reward, info
    return reward, info
