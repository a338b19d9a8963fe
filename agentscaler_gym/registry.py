"""Registration: ``registry.yaml`` -> Gymnasium ids, and synthesized domain folders -> ids.

``import agentscaler_gym`` registers every built-in id. Registration is lazy: a domain is loaded
(its seed database and tasks built) only when an env is made.
"""

from __future__ import annotations

import importlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import gymnasium as gym
import yaml

from .domain import Domain

NAMESPACE = "AgentScaler"
ENTRY_POINT = "agentscaler_gym.env:ToolUseEnv"
PACKAGE = Path(__file__).parent
_lock = threading.Lock()


def registry_file() -> Path:
    """The shipped ``registry.yaml`` (inside the wheel), or the repository's root copy."""
    shipped = PACKAGE / "registry.yaml"
    return shipped if shipped.exists() else PACKAGE.parent / "registry.yaml"


@lru_cache(maxsize=1)
def read_registry() -> dict:
    return yaml.safe_load(registry_file().read_text(encoding="utf-8")) or {}


def builtin_ids() -> list[str]:
    """Every env id ``registry.yaml`` defines, synthesized domains included."""
    return list(_entries())


def _entries() -> dict[str, dict]:
    reg = read_registry()
    defaults = reg.get("defaults", {})
    entries = {env_id: {**defaults, **spec} for env_id, spec in (reg.get("envs") or {}).items()}
    for folder in reg.get("synthesized") or []:
        for path in _domain_folders(PACKAGE / folder):
            entries[env_id_for(path.name)] = {**defaults, "domain": str(path)}
    return entries


def env_id_for(name: str) -> str:
    return f"{NAMESPACE}/{name}-v0"


def register_builtin() -> None:
    for env_id, kwargs in _entries().items():
        _register(env_id, kwargs)


def register_domains(path: str | Path, **env_kwargs: Any) -> list[str]:
    """Register every synthesized domain folder under ``path`` (or ``path`` itself); return the ids."""
    path = Path(path)
    ids = []
    for folder in _domain_folders(path):
        env_id = env_id_for(folder.name)
        _register(
            env_id, {"split": "test", "max_turns": 30, **env_kwargs, "domain": str(folder.resolve())}, replace=True
        )
        ids.append(env_id)
    return ids


def _domain_folders(path: Path) -> list[Path]:
    if (path / "domain.json").exists():
        return [path]
    return sorted(p.parent for p in path.glob("*/domain.json")) if path.is_dir() else []


def _register(env_id: str, kwargs: dict, replace: bool = False) -> None:
    if env_id in gym.registry and not replace:
        return
    gym.registry.pop(env_id, None)
    gym.register(id=env_id, entry_point=ENTRY_POINT, kwargs=dict(kwargs), disable_env_checker=False)


_domains: dict[str, Domain] = {}


def load_domain(spec: str) -> Domain:
    """A domain by module path (``agentscaler_gym.domains.retail``) or synthesized folder, once per process."""
    with _lock:
        if spec not in _domains:
            if Path(spec).is_dir():
                from .synth.folder import load_domain_folder

                _domains[spec] = load_domain_folder(Path(spec))
            else:
                _domains[spec] = importlib.import_module(spec).DOMAIN
        return _domains[spec]
