"""Rollouts on Ray workers (the ``distributed`` extra): a plan dealt into one share per worker.

Ray is imported when a run asks for it, never by ``import agentscaler_gym``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from .trajectory import RolloutResult, Trajectory


def run_plan_on_ray(
    run_plan: Callable[..., RolloutResult],
    plan: Sequence,
    policy: Any,
    configs: dict[str, dict],
    *,
    address: str = "local",
    concurrency: int = 64,
    user: Callable[[], Any] | None = None,
    on_episode: Callable[[Trajectory], None] | None = None,
    workers: int | None = None,
) -> RolloutResult:
    """Play planned episodes on Ray workers (``address="local"`` starts or joins a local instance).

    The plan is dealt round-robin into one share per worker; each worker runs ``run_plan`` (the
    engine's :func:`~agentscaler_gym.rollout.run_plan`) on its share with its own copy of the
    policy (pass a policy factory for a model, so each worker loads it itself) and sends back the
    trajectories, which are put back in plan order. ``on_episode`` sees a share's episodes when
    the share comes back.
    """
    import ray

    if not ray.is_initialized():
        ray.init(
            address=None if address == "local" else address,
            include_dashboard=False,
            ignore_reinit_error=True,
            log_to_driver=False,
        )
    workers = workers or max(1, int(ray.available_resources().get("CPU", 1)))
    shares = [list(range(i, len(plan), workers)) for i in range(min(workers, len(plan)))]
    task = ray.remote(_run_share)
    start = time.perf_counter()
    pending = {
        task.remote(run_plan, [plan[i] for i in share], policy, configs, concurrency, user): share for share in shares
    }
    out: list[Trajectory | None] = [None] * len(plan)
    policy_s = 0.0
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        rows, stats = ray.get(done[0])
        policy_s = max(policy_s, stats["policy_s"])
        for index, row in zip(pending.pop(done[0]), rows):
            out[index] = Trajectory.from_dict(row)
            if on_episode is not None:
                on_episode(out[index])
    trajectories = [t for t in out if t is not None]
    stats = {
        "episodes": len(trajectories),
        "errors": sum(t.error is not None for t in trajectories),
        "wall_s": time.perf_counter() - start,
        "policy_s": policy_s,
        "workers": len(shares),
    }
    return RolloutResult(trajectories, stats)


def _run_share(run_plan, plan, policy, configs, concurrency, user) -> tuple[list[dict], dict]:
    import agentscaler_gym  # noqa: F401 - a fresh worker registers the ids

    result = run_plan(plan, policy, configs, concurrency=concurrency, user=user)
    return [t.to_dict() for t in result], result.stats
