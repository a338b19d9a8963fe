"""Rollouts: a policy and a simulated user play episodes; each becomes a :class:`Trajectory`.

``run_episode`` plays one episode in one env; ``rollout`` plays many over one or more env ids.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import gymnasium as gym


@dataclass
class Trajectory:
    """One recorded episode.

    Attributes:
        env_id, task_id, seed: What was played.
        messages: The whole conversation (system, user, assistant with tool calls, tool).
        tools: The tool schemas the assistant had.
        reward: The final reward; ``verification`` has every component.
        turns: Assistant turns taken.
        timings: Seconds spent in ``policy`` and in the ``env``.
        tokens: Token counts reported by the policy, if any.
        error: Why the episode stopped early (a policy or server failure), else None.
        user_calls: Tool calls the user made on their device (dual control).
        user_errors: What the simulated user got wrong (``{"turn", "kind", "detail"}``; an LLM user's).
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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Trajectory":
        return cls(**d)


def run_episode(env: gym.Env, policy: Any, *, seed: int | None = None, task_id: str | None = None, env_id: str = "") -> Trajectory:
    """Play one episode of ``env`` with ``policy`` (see :class:`agents.base.Policy`)."""
    base = env.unwrapped
    options = {"task_id": task_id} if task_id is not None else None
    start = time.perf_counter()
    observation, info = env.reset(seed=seed, options=options)
    tools = info["tools"]
    policy_time, error, reward, verification = 0.0, None, 0.0, {}
    while True:
        t0 = time.perf_counter()
        try:
            action = policy.act(base.messages, tools, task=base.task)
        except Exception as exc:  # a policy failure ends this episode only
            error = f"{type(exc).__name__}: {exc}"
            break
        finally:
            policy_time += time.perf_counter() - t0
        observation, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            verification = info.get("verification", {})
            break
    if error is not None:
        verification = base.verify().to_dict()
        reward = 0.0
    total = time.perf_counter() - start
    return Trajectory(
        env_id=env_id or (env.spec.id if env.spec else base.domain.name),
        task_id=base.task.id,
        seed=seed,
        messages=list(base.messages),
        tools=tools,
        reward=reward,
        verification=verification,
        turns=base.turns,
        timings={"policy": policy_time, "env": total - policy_time},
        error=error,
        user_calls=[c.to_dict() for c in base.device.calls] if base.device else [],
        user_errors=list(getattr(base.user, "errors", ())),
    )


def rollout(env_ids: str | Sequence[str], policy: Any, *, split: str = "test", episodes: int | None = None, seed: int = 0, **env_kwargs: Any) -> list[Trajectory]:
    """Play ``episodes`` episodes per env id (default: every task of the split once, in order)."""
    env_ids = [env_ids] if isinstance(env_ids, str) else list(env_ids)
    out = []
    for env_id in env_ids:
        env = gym.make(env_id, split=split, disable_env_checker=True, **env_kwargs)
        tasks = env.unwrapped.tasks
        count = len(tasks) if episodes is None else episodes
        for i in range(count):
            out.append(run_episode(env, policy, seed=seed + i, task_id=tasks[i % len(tasks)].id, env_id=env_id))
        env.close()
    return out


def write_jsonl(trajectories: Iterable[Trajectory], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for t in trajectories:
            f.write(json.dumps(t.to_dict(), ensure_ascii=False, default=str) + "\n")


def read_jsonl(path: str | Path) -> list[Trajectory]:
    with open(path, encoding="utf-8") as f:
        return [Trajectory.from_dict(json.loads(line)) for line in f if line.strip()]
