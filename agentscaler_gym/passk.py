"""pass^k: the chance that k independent trials of a task all succeed, averaged over tasks.

From n trials of a task with c successes, the unbiased estimate is C(c, k) / C(n, k) (τ-bench's
reliability metric; pass^1 is the plain success rate). k runs up to the fewest trials any task
of the group has, so every task counts at every k.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import comb


def pass_hat_k(successes: int, trials: int, k: int) -> float:
    """C(successes, k) / C(trials, k) for one task."""
    if not 0 < k <= trials:
        raise ValueError(f"k must be in 1..{trials}, got {k}")
    return comb(successes, k) / comb(trials, k)


def pass_hat_table(trajectories: Iterable) -> dict[str, dict[int, float]]:
    """``{env_id: {k: pass^k}}`` for k = 1..(fewest trials of any task), plus ``"all"`` over every task.

    A trajectory counts as a success when it passed verification without a policy error.
    """
    counts: dict[tuple[str, str], list[int]] = {}
    for t in trajectories:
        c = counts.setdefault((t.env_id, t.task_id), [0, 0])
        c[0] += int(t.reward == 1.0 and t.error is None)
        c[1] += 1
    groups: dict[str, list[tuple[int, int]]] = {}
    for (env_id, _), (c, n) in counts.items():
        groups.setdefault(env_id, []).append((c, n))
    if len(groups) > 1:
        groups["all"] = [cn for cns in list(groups.values()) for cn in cns]
    return {env_id: _table(tasks) for env_id, tasks in groups.items()}


def _table(tasks: list[tuple[int, int]]) -> dict[int, float]:
    most = min(n for _, n in tasks)
    return {k: sum(pass_hat_k(c, n, k) for c, n in tasks) / len(tasks) for k in range(1, most + 1)}
