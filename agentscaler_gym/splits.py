"""Domain selections and held-out splits: train on some domains, evaluate on others.

A *selection* is a comma-separated list of patterns (or a list of them), each one of:

==================================  ==============================================================
``AgentScaler/pharmacy-v0``         an env id
``pharmacy``                        a domain name (the id's middle part)
``AgentScaler/h*-v0``, ``hotel_*``  a glob over ids or names (``fnmatch``)
``tag:vertical``                    a tag: ``tags:`` of an entry in ``registry.yaml``
                                    (``vertical``, ``template``); ``synthesized`` for every
                                    synthesized domain, and the corpus themes it was built from
                                    (``source`` in its ``domain.json``: ``builtin:pharmacy.json``
                                    gives ``tag:pharmacy``)
``@ids.txt``                        a file of patterns, one a line (``#`` starts a comment)
==================================  ==============================================================

A :class:`DomainSplit` holds out the ids a selection matches. ``task_dataset``,
``agentscaler collect`` and ``agentscaler rollout`` take ``held_out`` / ``--held-out`` and play only
the other ids; ``agentscaler eval --held-out`` reports the two groups, ``in-distribution`` and
``held-out``, side by side. A pattern that matches no registered id is an error, so a typo
never silently holds out nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

import gymnasium as gym

IN_DISTRIBUTION = "in-distribution"
HELD_OUT = "held-out"


def patterns_of(selection: str | Iterable[str]) -> list[str]:
    """The patterns of a selection: split on commas, ``@file`` expanded."""
    items = [selection] if isinstance(selection, str) else list(selection)
    out: list[str] = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if part.startswith("@"):
                lines = Path(part[1:]).read_text(encoding="utf-8").splitlines()
                out.extend(patterns_of([line.split("#", 1)[0] for line in lines if line.split("#", 1)[0].strip()]))
            elif part:
                out.append(part)
    return out


def select_env_ids(selection: str | Iterable[str], ids: Sequence[str] | None = None) -> list[str]:
    """The ids (of ``ids``, default every registered AgentScaler id) that the selection matches, in
    their order. Raises ``ValueError`` naming any pattern that matches nothing."""
    ids = list(ids) if ids is not None else registered_ids()
    chosen: set[str] = set()
    for pattern in patterns_of(selection):
        hits = {env_id for env_id in ids if _matches(pattern, env_id)}
        if not hits:
            raise ValueError(f"the pattern {pattern!r} matches no env id")
        chosen |= hits
    return [env_id for env_id in ids if env_id in chosen]


def expand_env_ids(selection: str | Iterable[str]) -> list[str]:
    """Registered ids as given, other patterns (globs, names, tags, files) expanded; no duplicates."""
    out: list[str] = []
    for pattern in patterns_of(selection):
        found = [pattern] if pattern in gym.registry else select_env_ids(pattern)
        out.extend(env_id for env_id in found if env_id not in out)
    return out


@dataclass(frozen=True)
class DomainSplit:
    """Whole domains held out of training.

    Attributes:
        held_out: The held-out env ids.
        spec: The selection it was made from (for reports).
    """

    held_out: frozenset[str]
    spec: str = ""

    @classmethod
    def parse(cls, selection: str | Iterable[str], ids: Sequence[str] | None = None) -> DomainSplit:
        """The split holding out what ``selection`` matches among ``ids`` (default: every registered id)."""
        spec = selection if isinstance(selection, str) else ",".join(selection)
        return cls(frozenset(select_env_ids(selection, ids)), spec)

    def group(self, env_id: str) -> str:
        return HELD_OUT if env_id in self.held_out else IN_DISTRIBUTION

    def training_ids(self, env_ids: Iterable[str]) -> list[str]:
        """``env_ids`` without the held-out ones."""
        return [env_id for env_id in env_ids if env_id not in self.held_out]


def registered_ids() -> list[str]:
    """Every AgentScaler id registered in this process (built-in and ``register_domains``)."""
    return [env_id for env_id in gym.registry if env_id.startswith("AgentScaler/")]


def domain_name(env_id: str) -> str:
    """``AgentScaler/pharmacy-v0`` -> ``pharmacy``."""
    name = env_id.rsplit("/", 1)[-1]
    return name.rsplit("-v", 1)[0] if "-v" in name else name


def tags_of(env_id: str) -> frozenset[str]:
    """The tags of a registered id: its ``registry.yaml`` entry's, plus ``synthesized`` and the
    corpus themes for a synthesized domain folder (also one added by ``register_domains``)."""
    from .registry import entries

    entry = entries().get(env_id)
    tags = set(entry.tags if entry else ())
    spec = gym.spec(env_id).kwargs.get("domain") if env_id in gym.registry else None
    if isinstance(spec, str) and Path(spec, "domain.json").is_file():
        tags.add("synthesized")
        tags.update(_themes(spec))
    return frozenset(tags)


def _matches(pattern: str, env_id: str) -> bool:
    if pattern.startswith("tag:"):
        return pattern[4:] in tags_of(env_id)
    return fnmatchcase(env_id, pattern) or fnmatchcase(domain_name(env_id), pattern)


@cache
def _themes(folder: str) -> frozenset[str]:
    sources = json.loads(Path(folder, "domain.json").read_text(encoding="utf-8")).get("source") or []
    return frozenset(Path(str(s).rsplit(":", 1)[-1]).stem for s in sources)
