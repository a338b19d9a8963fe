"""The rollout engine: a policy and a simulated user play episodes; each becomes a :class:`Trajectory`.

Where it sits: episode -> verification -> **trajectory** -> dataset. The record, its storage and
its scores are :mod:`agentscaler_gym.trajectory`; the policy protocol is
:mod:`agentscaler_gym.policy`.

``run_episode`` plays one episode in one env. ``rollout`` plays many, over one or more env ids:

- a policy with ``act_batch`` (a local model) gets the pending turns of every live episode in one
  call, so it generates them as one batch;
- a policy with ``max_concurrency > 1`` (an HTTP client) runs that many episodes at once in
  threads;
- any other policy is called once per pending turn.

At most ``concurrency`` episodes are live at once; each owns an env (and its database) from a
pool, reused across episodes. A policy or server failure, or an env step that raises, ends only
that episode, with the error recorded; the rollout goes on. With ``out=`` every finished episode
is appended to a side file as it ends and the output is put in place with a rename, so a killed
run loses nothing that finished and ``resume=True`` picks it up. With the scripted user and a
deterministic policy the result is the same on every run, resumed or not, and with ``ray=`` the
same again, with episodes spread over Ray workers (:mod:`agentscaler_gym.distributed`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gymnasium as gym

from .envpool import EnvPool, fewer_full_collections, new_env
from .episode import EpisodeSpec, LiveEpisode, db_changes
from .policy import act_batch, build_policy, policy_name
from .tasks import ASSISTANT, USER
from .trajectory import EpisodeLog, RolloutResult, Trajectory


def run_episode(
    env: gym.Env, policy: Any, *, seed: int | None = None, task_id: str | None = None, env_id: str = ""
) -> Trajectory:
    """Play one episode of ``env`` (made with ``gym.make`` or bare) with ``policy``."""
    base = env.unwrapped
    if task_id is None:
        env.reset(seed=seed)
        task_id = base.task.id
    env_id = env_id or (env.spec.id if env.spec else base.domain.name)
    episode = LiveEpisode(base, EpisodeSpec(env_id, task_id, seed), 0, policy_name(policy))
    while not episode.done:
        start = time.perf_counter()
        try:
            answer = policy.act(base.messages, episode.tools, task=base.task)
        except Exception as exc:  # a policy failure ends this episode only
            answer = exc
        episode.advance(answer, time.perf_counter() - start)
    return episode.trajectory()


def play(
    aec_env: Any, assistant: Any, user: Any, *, seed: int | None = None, task_id: str | None = None, env_id: str = ""
) -> Trajectory:
    """Play one episode of a PettingZoo AEC view (:mod:`agentscaler_gym.multiagent`) with two policies;
    return the assistant's :class:`Trajectory` (``timings["user"]``: the user policy's seconds).

    Both policies get ``act(info["messages"], info["tools"], task=env.task)``: only privileged
    policies (the oracle, the scripted user) look at the task.
    """
    env, start = aec_env, time.perf_counter()
    env.reset(seed=seed, options={"task_id": task_id} if task_id is not None else None)
    tools = list(env.infos[ASSISTANT]["tools"])  # infos are emptied as the agents leave
    policies, spent = {ASSISTANT: assistant, USER: user}, {ASSISTANT: 0.0, USER: 0.0}
    for agent in env.agent_iter():
        _, _, terminated, truncated, info = env.last(observe=False)
        if terminated or truncated:
            env.step(None)
            continue
        t0 = time.perf_counter()
        action = policies[agent].act(info["messages"], info["tools"], task=env.task)
        spent[agent] += time.perf_counter() - t0
        env.step(action)
    inner = env.gym_env
    return Trajectory(
        env_id=env_id or inner.domain.name,
        task_id=env.task.id,
        seed=seed,
        messages=list(inner.messages),
        tools=tools,
        reward=env.verification.reward,
        verification=env.verification.to_dict(),
        turns=inner.turns,
        timings={
            "policy": spent[ASSISTANT],
            "user": spent[USER],
            "env": time.perf_counter() - start - sum(spent.values()),
        },
        user_calls=[c.to_dict() for c in inner.device.calls] if inner.device else [],
        user_errors=list(env.user_errors),
        db_changes=db_changes(inner),
        policy=policy_name(assistant),
    )


# -- many episodes ---------------------------------------------------------------------------


def rollout(
    env_ids: str | Sequence[str],
    policy: Any,
    *,
    split: str = "test",
    episodes: int | None = None,
    trials: int = 1,
    seed: int = 0,
    concurrency: int = 64,
    user: Callable[[], Any] | None = None,
    ray: str | None = None,
    on_episode: Callable[[Trajectory], None] | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    **env_kwargs: Any,
) -> RolloutResult:
    """Play episodes over one or more env ids and return their trajectories, in plan order.

    Args:
        env_ids: Registered env ids.
        policy: A policy, or a picklable factory of one (each Ray worker builds its own).
        split: Task split.
        episodes: Episodes per env id, cycling over its tasks (default: every task ``trials`` times).
        trials: Repeats of every task when ``episodes`` is not given (for pass^k).
        seed: Episode ``i`` of an env id is reset with ``seed + i``.
        concurrency: Live episodes at most (envs in the pool, turns in a batch).
        user: A factory of simulated users, one per env (default: the env's scripted user).
        ray: ``"local"`` or a Ray address: spread the episodes over Ray workers.
        on_episode: Called with each finished trajectory (progress bars).
        out: A JSONL file to write: each episode is appended to ``out + ".partial"`` as it ends,
            and the whole run, in plan order, replaces ``out`` in one rename at the end.
        resume: With ``out``, keep the episodes already in its side file and play only the rest.
        env_kwargs: Passed to every env (``max_turns``...).
    """
    env_ids = [env_ids] if isinstance(env_ids, str) else list(env_ids)
    configs = {env_id: env_config(env_id, split, **env_kwargs) for env_id in env_ids}
    plan = plan_episodes(configs, episodes=episodes, trials=trials, seed=seed)
    run = {"concurrency": concurrency, "user": user, "ray": ray}
    if out is None:
        return _run(plan, policy, configs, on_episode=on_episode, **run)
    with EpisodeLog(out, resume=resume) as log:

        def record(t: Trajectory) -> None:
            log.append(t)
            if on_episode is not None:
                on_episode(t)

        result = _run(plan, policy, configs, on_episode=record, finished=log.finished, **run)
    log.write(result, out)
    log.discard()
    return result


def _run(plan, policy, configs, *, ray, finished=(), **kwargs) -> RolloutResult:
    """Play the planned episodes not in ``finished`` and return all of them in plan order."""
    done = {t.key: t for t in finished}
    if extra := done.keys() - {spec.key for spec in plan}:
        raise ValueError(
            f"{len(extra)} finished episodes are not in this run's plan (another seed, split, "
            f"trials or episodes?), e.g. {sorted(extra, key=repr)[0]}"
        )
    todo = [spec for spec in plan if spec.key not in done]
    if ray is not None:
        from .distributed import run_plan_on_ray

        result = run_plan_on_ray(run_plan, todo, policy, configs, address=ray, **kwargs)
    else:
        result = run_plan(todo, policy, configs, **kwargs)
    if not done:
        return result
    played = {t.key: t for t in result}
    trajectories = [done.get(spec.key) or played[spec.key] for spec in plan]
    stats = {**result.stats, "episodes": len(trajectories), "resumed": len(done)}
    stats["errors"] = sum(t.error is not None for t in trajectories)
    return RolloutResult(trajectories, stats)


def env_config(env_id: str, split: str = "test", **env_kwargs: Any) -> dict:
    """The ``ToolUseEnv`` arguments a registered id stands for (picklable: the domain is a path)."""
    return {**gym.spec(env_id).kwargs, **env_kwargs, "split": split}


def plan_episodes(
    configs: dict[str, dict], *, episodes: int | None = None, trials: int = 1, seed: int = 0
) -> list[EpisodeSpec]:
    plan = []
    for env_id, config in configs.items():
        env = new_env(config)
        tasks = [t.id for t in env.tasks]
        env.close()
        count = len(tasks) * trials if episodes is None else episodes
        plan.extend(EpisodeSpec(env_id, tasks[i % len(tasks)], seed + i) for i in range(count))
    return plan


def run_plan(
    plan: Sequence[EpisodeSpec],
    policy: Any,
    configs: dict[str, dict],
    *,
    concurrency: int = 64,
    user: Callable[[], Any] | None = None,
    on_episode: Callable[[Trajectory], None] | None = None,
) -> RolloutResult:
    """Play planned episodes in this process (see :func:`rollout`)."""
    policy = build_policy(policy)
    pool = EnvPool(configs, user)
    start = time.perf_counter()
    with fewer_full_collections():
        if not hasattr(policy, "act_batch") and getattr(policy, "max_concurrency", 1) > 1:
            out, policy_s = _run_threaded(plan, policy, pool, min(concurrency, policy.max_concurrency), on_episode)
        else:
            out, policy_s = _run_lockstep(plan, policy, pool, concurrency, on_episode)
    pool.close()
    trajectories = [t for _, t in sorted(out, key=lambda pair: pair[0])]
    stats = {
        "episodes": len(trajectories),
        "errors": sum(t.error is not None for t in trajectories),
        "wall_s": time.perf_counter() - start,
        "policy_s": policy_s,
    }
    return RolloutResult(trajectories, stats)


def _run_lockstep(plan, policy, pool, concurrency, on_episode) -> tuple[list, float]:
    name, pending, live, out, policy_s = policy_name(policy), deque(enumerate(plan)), [], [], 0.0
    while pending or live:
        while pending and len(live) < concurrency:
            index, spec = pending.popleft()
            live.append(LiveEpisode(pool.take(spec.env_id), spec, index, name))
        requests = [episode.request() for episode in live]
        start = time.perf_counter()
        try:
            answers = (
                act_batch(policy, requests) if hasattr(policy, "act_batch") else [_act(policy, r) for r in requests]
            )
            if len(answers) != len(requests):
                raise RuntimeError(f"the policy answered {len(answers)} of {len(requests)} turns")
        except Exception as exc:  # the whole batch failed: each of its episodes ends with the error
            answers = [exc] * len(requests)
        waited = time.perf_counter() - start
        policy_s += waited
        for episode, answer in zip(live, answers):
            episode.advance(answer, waited)
        still = []
        for episode in live:
            if episode.done:
                out.append(_finish(episode, pool, on_episode))
            else:
                still.append(episode)
        live = still
    return out, policy_s


def _run_threaded(plan, policy, pool, workers, on_episode) -> tuple[list, float]:
    name, lock, waits = policy_name(policy), threading.Lock(), [0.0]

    def play(item):
        index, spec = item
        episode = LiveEpisode(pool.take(spec.env_id), spec, index, name)
        while not episode.done:
            start = time.perf_counter()
            answer = _act(policy, episode.request())
            waited = time.perf_counter() - start
            with lock:
                waits[0] += waited
            episode.advance(answer, waited)
        with lock:
            return _finish(episode, pool, on_episode)

    with ThreadPoolExecutor(max_workers=workers) as executor:
        out = list(executor.map(play, enumerate(plan)))
    # Threads wait side by side: the policy share of the wall time is the mean wait per worker.
    return out, waits[0] / max(1, min(workers, len(plan)))


def _act(policy, request) -> Any:
    try:
        return policy.act(request.messages, request.tools, task=request.task)
    except Exception as exc:  # a policy failure ends this episode only
        return exc


def _finish(episode: LiveEpisode, pool: EnvPool, on_episode) -> tuple[int, Trajectory]:
    trajectory = episode.trajectory()
    if episode.broken:  # its step raised midway: the env is not trusted with another episode
        pool.drop(episode.env)
    else:
        pool.give(episode.spec.env_id, episode.env)
    if on_episode is not None:
        on_episode(trajectory)
    return episode.index, trajectory
