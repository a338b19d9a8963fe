"""Registration: the one place that turns an env id into a domain.

``registry.yaml`` lists the built-in ids (``envs``: id -> domain module, env arguments and tags)
and folders of synthesized domains (``synthesized``). ``import agentscaler_gym`` registers every
one with Gymnasium; :func:`register_domains` adds synthesized folders from anywhere. Every id is
registered with the entry point :func:`make_env` and picklable keyword arguments (the domain as a
module path or folder), so ``gym.make`` resolves the domain here and hands
:class:`~agentscaler_gym.env.ToolUseEnv` a :class:`Domain`: the env never looks anything up.

Registration is lazy: a domain is loaded (its seed database and tasks built) when an env is made,
once per process. :func:`entries` lists the built-in ids, :func:`domain_of` resolves any
registered id, :func:`ids` filters by tag (``vertical``, ``template``, ``synthesized``).
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import yaml

from .domain import Domain

if TYPE_CHECKING:
    from .env import ToolUseEnv

NAMESPACE = "AgentScaler"
ENTRY_POINT = "agentscaler_gym.registry:make_env"
SYNTHESIZED = "synthesized"  # the tag every domain of a ``synthesized`` folder carries
PACKAGE = Path(__file__).parent
_lock = threading.Lock()


@dataclass(frozen=True)
class Entry:
    """One registered id: its domain (module path or folder), env arguments, tags, and where it was declared."""

    id: str
    domain: str
    kwargs: dict = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    source: str = ""

    @property
    def name(self) -> str:
        """The domain's short name: ``retail`` for ``AgentScaler/retail-v0``."""
        return self.id.split("/")[-1].rsplit("-v", 1)[0]


def registry_file() -> Path:
    """The shipped ``registry.yaml`` (inside the wheel), or the repository's root copy."""
    shipped = PACKAGE / "registry.yaml"
    return shipped if shipped.exists() else PACKAGE.parent / "registry.yaml"


@lru_cache(maxsize=1)
def read_registry() -> dict:
    return _load_yaml(registry_file())


class _UniqueKeys(yaml.SafeLoader):
    """YAML's safe loader, refusing a mapping key written twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        lines: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in lines:
                raise ValueError(f"{key} is claimed twice: by line {lines[key]} and by line {line}")
            lines[key] = line
        return super().construct_mapping(node, deep)


def _load_yaml(file: Path) -> dict:
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=_UniqueKeys) or {}
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from None


def entries(registry: Path | None = None) -> dict[str, Entry]:
    """Every id a registry file declares (default: the shipped one), synthesized folders included.

    A domain is a module path exposing ``DOMAIN`` or a domain folder; folders are relative to the
    package for the shipped file, to the file's own folder otherwise. Raises ``ValueError`` naming
    both sources when two of them claim one id.
    """
    if registry is None:
        reg, file, base = read_registry(), registry_file().name, PACKAGE
    else:
        registry = Path(registry)
        reg, file, base = _load_yaml(registry), str(registry), registry.parent
    defaults = reg.get("defaults") or {}
    found: dict[str, Entry] = {}

    def claim(entry: Entry) -> None:
        if entry.id in found:
            raise ValueError(f"{entry.id} is claimed twice: by {found[entry.id].source} and by {entry.source}")
        found[entry.id] = entry

    for env_id, spec in (reg.get("envs") or {}).items():
        spec = {**defaults, **spec}
        tags = tuple(spec.pop("tags", ()))
        domain = str(spec.pop("domain"))
        domain = str(base / domain) if (base / domain).is_dir() else domain
        claim(Entry(env_id, domain, spec, tags, f"{file} envs: {env_id}"))
    for folder in reg.get("synthesized") or []:
        for path in domain_folders(base / folder):
            claim(
                Entry(env_id_for(path.name), str(path), dict(defaults), (SYNTHESIZED,), f"{file} synthesized: {path}")
            )
    return found


def ids(tag: str | None = None) -> list[str]:
    """The built-in ids, or those carrying ``tag`` (``ids("vertical")``: the hand-built verticals)."""
    return [i for i, e in entries().items() if tag is None or tag in e.tags]


def builtin_ids() -> list[str]:
    """Every env id ``registry.yaml`` defines, synthesized domains included."""
    return ids()


def env_id_for(name: str) -> str:
    return f"{NAMESPACE}/{name}-v0"


def domain_of(env_id: str, tasks: int | None = None) -> Domain:
    """The domain behind a registered id (built-in or added by :func:`register_domains`), with
    ``tasks`` tasks per split if given (else the id's registered count, if any)."""
    if env_id not in gym.registry:
        entry = entries().get(env_id)
        if entry is None:
            raise KeyError(f"{env_id} is not registered; `agentscaler list` shows the ids")
        spec = {**entry.kwargs, "domain": entry.domain}
    else:
        spec = gym.spec(env_id).kwargs
    return load_domain(spec["domain"]).with_tasks(tasks if tasks is not None else spec.get("tasks"))


def make_env(domain: str, tasks: int | None = None, **kwargs: Any) -> ToolUseEnv:
    """Gymnasium's entry point for every id: the env of ``domain`` (module path or folder).

    ``tasks`` sets the number of distinct tasks per split (``gym.make(id, tasks=10_000)``); the
    default keeps the domain's own task list. See :meth:`Domain.with_tasks`.
    """
    from .env import ToolUseEnv

    return ToolUseEnv(load_domain(domain).with_tasks(tasks), **kwargs)


def register_builtin(registry: Path | None = None) -> list[str]:
    """Register the ids of ``registry.yaml`` (or of another registry file); return them."""
    found = entries(registry)
    for entry in found.values():
        if entry.id not in gym.registry:
            _register(entry.id, {**entry.kwargs, "domain": entry.domain})
    return list(found)


def register_domains(path: str | Path, replace: bool = False, **env_kwargs: Any) -> list[str]:
    """Register every synthesized domain folder under ``path`` (or ``path`` itself); return the ids.

    A folder must be complete (``domain.json`` and ``tasks.json``). An id already registered for
    another domain (``retail`` would shadow ``AgentScaler/retail-v0``) is refused unless ``replace``.
    """
    from .synth.folder import is_complete
    from .synth.spec import IDENTIFIER, FolderError

    path = Path(path)
    folders = domain_folders(path)
    for folder in folders:
        if not is_complete(folder):
            raise FolderError(folder / "tasks.json", "", "missing: the folder is incomplete (an interrupted write?)")
        if not IDENTIFIER.fullmatch(folder.name):
            raise FolderError(folder, "", f"the folder name {folder.name!r} does not match {IDENTIFIER.pattern}")
        env_id, domain = env_id_for(folder.name), str(folder.resolve())
        if not replace and env_id in gym.registry and not _same(gym.spec(env_id).kwargs.get("domain"), domain):
            raise ValueError(
                f"{env_id} is already registered for {gym.spec(env_id).kwargs.get('domain')}; "
                f"{folder} would replace it: rename the folder or pass replace=True"
            )
    ids = []
    for folder in folders:
        env_id = env_id_for(folder.name)
        _register(env_id, {"split": "test", "max_turns": 30, **env_kwargs, "domain": str(folder.resolve())})
        ids.append(env_id)
    return ids


def _same(registered: Any, folder: str) -> bool:
    """Whether a registered domain argument names ``folder`` (a resolved path)."""
    return isinstance(registered, str) and Path(registered).is_dir() and str(Path(registered).resolve()) == folder


def domain_folders(path: Path) -> list[Path]:
    """``path`` if it is a domain folder, else its sub-folders that hold a ``domain.json``."""
    if (path / "domain.json").exists():
        return [path]
    return sorted(p.parent for p in path.glob("*/domain.json")) if path.is_dir() else []


def _register(env_id: str, kwargs: dict) -> None:
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
