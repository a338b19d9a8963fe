"""Held-out evaluation: pass^1 of a policy on the test tasks of some env ids, via the rollout engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def pass_at_1(
    policy: Any,
    env_ids: Sequence[str],
    *,
    split: str = "test",
    limit: int | None = None,
    seed: int = 0,
    **env_kwargs: Any,
) -> dict:
    """``{env_id: {"episodes", "passed", "pass^1"}}``: each task of ``split`` played once (at most ``limit``).

    ``policy`` is a policy object or a spec for :func:`agents.make_policy`.
    """
    from agents import make_policy
    from agentscaler_gym.rollout import rollout

    from .generate_sft import _domain

    policy = make_policy(policy) if isinstance(policy, str) else policy
    results = {}
    for env_id in env_ids:
        tasks = len(_domain(env_id, env_kwargs.get("tasks")).task_list(split))
        episodes = tasks if limit is None else min(limit, tasks)
        trajectories = rollout(env_id, policy, split=split, episodes=episodes, seed=seed, **env_kwargs)
        passed = sum(t.passed for t in trajectories)
        results[env_id] = {
            "episodes": len(trajectories),
            "passed": passed,
            "pass^1": passed / max(len(trajectories), 1),
        }
    return results


def model_pass_at_1(model_path: str, env_ids: Sequence[str], *, max_new_tokens: int = 512, **kwargs: Any) -> dict:
    """:func:`pass_at_1` of a saved model, played greedily by ``agents.hf.TransformersPolicy``."""
    from agents import make_policy

    policy = make_policy(f"hf:{model_path}", max_new_tokens=max_new_tokens)
    return pass_at_1(policy, env_ids, **kwargs)


def checkpoint_pass_at_1(model_path: str, config: Any) -> dict:
    """:func:`model_pass_at_1` of a checkpoint, with the evaluation fields every run config shares
    (``eval_envs``, ``eval_limit``, ``eval_max_turns``, ``eval_max_new_tokens``, ``seed``)."""
    return model_pass_at_1(
        model_path,
        config.eval_envs,
        max_new_tokens=config.eval_max_new_tokens,
        limit=config.eval_limit,
        seed=config.seed,
        max_turns=config.eval_max_turns,
    )
