"""The envs of a rollout: made on demand per env id, reset and reused across episodes.

Also the garbage collector setting for a run, which keeps every live env and trajectory around.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from .env import ToolUseEnv
from .registry import make_env


class EnvPool:
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
        env = new_env(config)
        with self.lock:
            self.all.append(env)
        return env

    def give(self, env_id: str, env: ToolUseEnv) -> None:
        with self.lock:
            self.free[env_id].append(env)

    def drop(self, env: ToolUseEnv) -> None:
        with self.lock:
            self.all.remove(env)
        env.close()

    def close(self) -> None:
        for env in self.all:
            env.close()


def new_env(config: dict) -> ToolUseEnv:
    return make_env(**config)


_COLLECTOR = threading.Lock()
_COLLECTOR_RUNS: list = [0, None]  # runs in progress, thresholds to restore after the last one


@contextmanager
def fewer_full_collections(factor: int = 10):
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
