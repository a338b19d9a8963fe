"""A live episode of the rollout engine: its env, the policy's answers applied, its trajectory.

Whatever goes wrong in one episode ends that episode only: a policy that raised (or a failed
request) and an env step that raised are recorded as the trajectory's ``error``, scored as the
database stands, and never a pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .env import ToolUseEnv
from .policy import Request
from .trajectory import Trajectory


@dataclass(frozen=True)
class EpisodeSpec:
    """One planned episode: ``key`` names its task and trial."""

    env_id: str
    task_id: str
    seed: int | None

    @property
    def key(self) -> tuple[str, str, int | None]:
        return self.env_id, self.task_id, self.seed


class LiveEpisode:
    """A live episode: its env, and what has been recorded so far."""

    def __init__(self, env: ToolUseEnv, spec: EpisodeSpec, index: int, policy_name: str):
        self.env, self.spec, self.index, self.policy_name = env, spec, index, policy_name
        self.policy_s = 0.0
        self.tokens: dict = {}
        self.latency: list[float] = []
        self.error: str | None = None
        self.reward, self.verification, self.done = 0.0, {}, False
        self.broken = False  # a step raised: the env is not put back in the pool
        start = time.perf_counter()
        _, info = env.reset(seed=spec.seed, options={"task_id": spec.task_id})
        self.tools = info["tools"]
        self.env_s = time.perf_counter() - start

    def request(self) -> Request:
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
        try:
            _, reward, terminated, truncated, info = self.env.step(answer)
        except Exception as exc:  # whatever the cause, it ends this episode only
            self.error, self.done, self.broken = f"env step raised {type(exc).__name__}: {exc}", True, True
            return
        finally:
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
            self.reward = 0.0
            try:
                self.verification = env.verify().to_dict()
            except Exception as exc:  # an env whose step raised may not verify either
                self.verification = {"error": f"{type(exc).__name__}: {exc}"}
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
            db_changes=[] if self.broken else db_changes(env),
            policy=self.policy_name,
        )


def db_changes(env: ToolUseEnv) -> list[dict]:
    return [
        {"seat": seat, "table": table, "key": key, "row": row}
        for (seat, table, key), row in sorted(env.changes().items(), key=repr)
    ]
