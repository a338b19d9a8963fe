"""Rollouts: a policy and a simulated user play episodes; each becomes a :class:`Trajectory`.

Where it sits: episode -> verification -> **trajectory** -> dataset.

``run_episode`` plays one episode in one env. ``rollout`` plays many, over one or more env ids:

- a policy with ``act_batch`` (a local model) gets the pending turns of every live episode in one
  call, so it generates them as one batch;
- a policy with ``max_concurrency > 1`` (an HTTP client) runs that many episodes at once in
  threads;
- any other policy is called once per pending turn.

At most ``concurrency`` episodes are live at once; each owns an env (and its database) from a
pool, reused across episodes. A policy or server failure ends only that episode, with the error
recorded; the rollout goes on. With the scripted user and a deterministic policy the result is
the same on every run, and with ``ray=`` the same again, with episodes spread over Ray workers.
Nothing heavy is imported here; Ray and ``datasets`` are imported when asked for.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import gymnasium as gym

from .env import ToolUseEnv
from .registry import make_env


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
        error: Why the episode stopped early (a policy or server failure), else None.
        user_calls: Tool calls the user made on their device (dual control).
        user_errors: What the simulated user got wrong (``{"turn", "kind", "detail"}``; an LLM user's).
        db_changes: Every row the episode changed: ``{"table", "key", "row"}`` (``row`` None if deleted).
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
        return self.reward == 1.0 and self.error is None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Trajectory:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class EpisodeSpec:
    """One planned episode."""

    env_id: str
    task_id: str
    seed: int | None


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


# -- one episode -----------------------------------------------------------------------------


class _Episode:
    """A live episode: its env, and what has been recorded so far."""

    def __init__(self, env: ToolUseEnv, spec: EpisodeSpec, index: int, policy_name: str):
        self.env, self.spec, self.index, self.policy_name = env, spec, index, policy_name
        self.policy_s = 0.0
        self.tokens: dict = {}
        self.latency: list[float] = []
        self.error: str | None = None
        self.reward, self.verification, self.done = 0.0, {}, False
        start = time.perf_counter()
        _, info = env.reset(seed=spec.seed, options={"task_id": spec.task_id})
        self.tools = info["tools"]
        self.env_s = time.perf_counter() - start

    def request(self):
        from agents.base import Request

        return Request(self.env.messages, self.tools, self.env.task)

    def advance(self, answer: Any, waited: float) -> None:
        """Apply the policy's answer (a message, text, or the exception it raised)."""
        self.policy_s += waited
        if isinstance(answer, BaseException):
            self.error = f"{type(answer).__name__}: {answer}"
            self.done = True
            return
        if isinstance(answer, dict) and "usage" in answer:
            answer = dict(answer)
            self._count(answer.pop("usage") or {})
        start = time.perf_counter()
        _, reward, terminated, truncated, info = self.env.step(answer)
        self.env_s += time.perf_counter() - start
        if terminated or truncated:
            self.reward, self.verification, self.done = reward, info.get("verification", {}), True

    def _count(self, usage: dict) -> None:
        tokens = self.tokens
        tokens["prompt"] = tokens.get("prompt", 0) + int(usage.get("prompt_tokens", 0))
        tokens["completion"] = tokens.get("completion", 0) + int(usage.get("completion_tokens", 0))
        tokens["requests"] = tokens.get("requests", 0) + 1
        if usage.get("cost") is not None:
            tokens["cost"] = tokens.get("cost", 0.0) + float(usage["cost"])
        if usage.get("latency_s") is not None:
            self.latency.append(float(usage["latency_s"]))

    def trajectory(self) -> Trajectory:
        env = self.env
        if self.error is not None:  # scored as it stands, and never a pass
            self.verification, self.reward = env.verify().to_dict(), 0.0
        timings = {"policy": self.policy_s, "env": self.env_s}
        if self.latency:
            timings["latency"] = self.latency
        return Trajectory(
            env_id=self.spec.env_id,
            task_id=self.spec.task_id,
            seed=self.spec.seed,
            messages=list(env.messages),
            tools=list(self.tools),
            reward=self.reward,
            verification=self.verification,
            turns=env.turns,
            timings=timings,
            tokens=self.tokens,
            error=self.error,
            user_calls=[c.to_dict() for c in env.device.calls] if env.device else [],
            user_errors=list(getattr(env.user, "errors", ())),
            db_changes=_db_changes(env),
            policy=self.policy_name,
        )


def _db_changes(env: ToolUseEnv) -> list[dict]:
    return [
        {"table": table, "key": key, "row": env._row(table, row)}
        for (table, key), row in sorted(env.changes().items(), key=repr)
    ]


def run_episode(
    env: gym.Env, policy: Any, *, seed: int | None = None, task_id: str | None = None, env_id: str = ""
) -> Trajectory:
    """Play one episode of ``env`` (made with ``gym.make`` or bare) with ``policy``."""
    base = env.unwrapped
    if task_id is None:
        env.reset(seed=seed)
        task_id = base.task.id
    env_id = env_id or (env.spec.id if env.spec else base.domain.name)
    episode = _Episode(base, EpisodeSpec(env_id, task_id, seed), 0, policy_name(policy))
    while not episode.done:
        start = time.perf_counter()
        try:
            answer = policy.act(base.messages, episode.tools, task=base.task)
        except Exception as exc:  # a policy failure ends this episode only
            answer = exc
        episode.advance(answer, time.perf_counter() - start)
    return episode.trajectory()


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
    **env_kwargs: Any,
) -> RolloutResult:
    """Play episodes over one or more env ids and return their trajectories, in plan order.

    Args:
        env_ids: Registered env ids.
        policy: A policy object, or a spec for :func:`agents.make_policy` (``"hf:PATH"``...).
        split: Task split.
        episodes: Episodes per env id, cycling over its tasks (default: every task ``trials`` times).
        trials: Repeats of every task when ``episodes`` is not given (for pass^k).
        seed: Episode ``i`` of an env id is reset with ``seed + i``.
        concurrency: Live episodes at most (envs in the pool, turns in a batch).
        user: A factory of simulated users, one per env (default: the env's scripted user).
        ray: ``"local"`` or a Ray address: spread the episodes over Ray workers.
        on_episode: Called with each finished trajectory (progress bars).
        env_kwargs: Passed to every env (``max_turns``...).
    """
    env_ids = [env_ids] if isinstance(env_ids, str) else list(env_ids)
    configs = {env_id: env_config(env_id, split, **env_kwargs) for env_id in env_ids}
    plan = plan_episodes(configs, episodes=episodes, trials=trials, seed=seed)
    if ray is not None:
        return run_plan_on_ray(
            plan, policy, configs, address=ray, concurrency=concurrency, user=user, on_episode=on_episode
        )
    return run_plan(plan, policy, configs, concurrency=concurrency, user=user, on_episode=on_episode)


def env_config(env_id: str, split: str = "test", **env_kwargs: Any) -> dict:
    """The ``ToolUseEnv`` arguments a registered id stands for (picklable: the domain is a path)."""
    return {**gym.spec(env_id).kwargs, **env_kwargs, "split": split}


def plan_episodes(
    configs: dict[str, dict], *, episodes: int | None = None, trials: int = 1, seed: int = 0
) -> list[EpisodeSpec]:
    plan = []
    for env_id, config in configs.items():
        env = _make_env(config)
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
    if isinstance(policy, str):
        from agents import make_policy

        policy = make_policy(policy)
    pool = _EnvPool(configs, user)
    start = time.perf_counter()
    with _fewer_full_collections():
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


_COLLECTOR = threading.Lock()
_COLLECTOR_RUNS: list = [0, None]  # runs in progress, thresholds to restore after the last one


@contextmanager
def _fewer_full_collections(factor: int = 10):
    """A run keeps every env and trajectory alive, so the collector's full passes, which scan them
    all, find little and took 13% of a 1,024-env oracle run: make them ``factor`` times rarer
    until the last concurrent run ends. Young objects are collected as usual."""
    with _COLLECTOR:
        if _COLLECTOR_RUNS[0] == 0:
            _COLLECTOR_RUNS[1] = young, middle, old = gc.get_threshold()
            gc.set_threshold(young, middle, old * factor)
        _COLLECTOR_RUNS[0] += 1
    try:
        yield
    finally:
        with _COLLECTOR:
            _COLLECTOR_RUNS[0] -= 1
            if _COLLECTOR_RUNS[0] == 0:
                gc.set_threshold(*_COLLECTOR_RUNS[1])


def _run_lockstep(plan, policy, pool, concurrency, on_episode) -> tuple[list, float]:
    from agents.base import act_batch

    name, pending, live, out, policy_s = policy_name(policy), deque(enumerate(plan)), [], [], 0.0
    while pending or live:
        while pending and len(live) < concurrency:
            index, spec = pending.popleft()
            live.append(_Episode(pool.take(spec.env_id), spec, index, name))
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
        episode = _Episode(pool.take(spec.env_id), spec, index, name)
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


def _finish(episode: _Episode, pool: _EnvPool, on_episode) -> tuple[int, Trajectory]:
    trajectory = episode.trajectory()
    pool.give(episode.spec.env_id, episode.env)
    if on_episode is not None:
        on_episode(trajectory)
    return episode.index, trajectory


class _EnvPool:
    """Envs per id, made on demand and reused: an env is reset before each episode."""

    def __init__(self, configs: dict[str, dict], user: Callable[[], Any] | None):
        self.configs, self.user = configs, user
        self.free: dict[str, list[ToolUseEnv]] = {env_id: [] for env_id in configs}
        self.all: list[ToolUseEnv] = []
        self.lock = threading.Lock()

    def take(self, env_id: str) -> ToolUseEnv:
        with self.lock:
            if self.free[env_id]:
                return self.free[env_id].pop()
        config = dict(self.configs[env_id])
        if self.user is not None:
            config["user"] = self.user()
        env = _make_env(config)
        with self.lock:
            self.all.append(env)
        return env

    def give(self, env_id: str, env: ToolUseEnv) -> None:
        with self.lock:
            self.free[env_id].append(env)

    def close(self) -> None:
        for env in self.all:
            env.close()


def _make_env(config: dict) -> ToolUseEnv:
    return make_env(**config)


def policy_name(policy: Any) -> str:
    if isinstance(policy, str):
        return policy
    return getattr(policy, "name", None) or type(policy).__name__


# -- Ray -------------------------------------------------------------------------------------


def run_plan_on_ray(
    plan: Sequence[EpisodeSpec],
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

    The plan is dealt round-robin into one share per worker; each worker runs :func:`run_plan` on
    its share with its own copy of the policy (pass a spec string for a model, so each worker
    loads it itself) and sends back the trajectories, which are put back in plan order.
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
    pending = {task.remote([plan[i] for i in share], policy, configs, concurrency, user): share for share in shares}
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


def _run_share(plan, policy, configs, concurrency, user) -> tuple[list[dict], dict]:
    import agentscaler_gym  # noqa: F401 - a fresh worker registers the ids

    result = run_plan(plan, policy, configs, concurrency=concurrency, user=user)
    return [t.to_dict() for t in result], result.stats


# -- storage ---------------------------------------------------------------------------------


def write_jsonl(trajectories: Iterable[Trajectory], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for t in trajectories:
            f.write(json.dumps(t.to_dict(), ensure_ascii=False, default=str) + "\n")


def read_jsonl(path: str | Path) -> list[Trajectory]:
    with open(path, encoding="utf-8") as f:
        return [Trajectory.from_dict(json.loads(line)) for line in f if line.strip()]


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


# -- summaries -------------------------------------------------------------------------------


def summarize(trajectories: Sequence[Trajectory]) -> dict[str, dict]:
    """Per env id and ``"all"``: episodes, pass rate, mean turns, tool-error rate, policy errors, tokens."""
    groups: dict[str, list[Trajectory]] = {}
    for t in trajectories:
        groups.setdefault(t.env_id, []).append(t)
    if len(groups) != 1:
        groups["all"] = list(trajectories)
    return {env_id: _summary(ts) for env_id, ts in groups.items()}


def _summary(ts: Sequence[Trajectory]) -> dict:
    tool_messages = [m for t in ts for m in t.messages if m.get("role") == "tool"]
    tool_errors = sum(str(m.get("content", "")).startswith("Error:") for m in tool_messages)
    n = len(ts) or 1
    return {
        "episodes": len(ts),
        "pass_rate": sum(t.passed for t in ts) / n,
        "mean_reward": sum(t.reward for t in ts) / n,
        "mean_turns": sum(t.turns for t in ts) / n,
        "tool_error_rate": tool_errors / len(tool_messages) if tool_messages else 0.0,
        "errors": sum(t.error is not None for t in ts),
        "completion_tokens": sum(t.tokens.get("completion", 0) for t in ts),
    }
