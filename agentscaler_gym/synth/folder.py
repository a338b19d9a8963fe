"""A synthesized domain on disk: a folder of data the runtime interprets.

    <name>/domain.json   name, title, description, policy, data seed, entities (tables, keys,
                         columns, foreign keys), tools (JSON schema, kind, operator)
    <name>/tasks.json    {"train": [task, ...], "test": [...]}, as ``Task.to_dict``
    <name>/view.py       optional: the models and tool queries as readable code, never executed

:func:`load_domain_folder` returns an ordinary :class:`~agentscaler_gym.domain.Domain`: models built
with ``type()``, tools that run their operators as parameterised peewee queries, rows generated from
the seed at load, tasks read from the folder (validated lazily by the runtime, like any domain's).
Files are written with sorted keys and no timestamps, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..domain import Domain, Side
from ..tasks import Task
from .operators import operator_tool
from .schema import build_models
from .values import generate_rows

FORMAT = 1


def build_domain(spec: Mapping, tasks: Mapping[str, list]) -> Domain:
    """A runnable :class:`Domain` from a domain spec and task dicts by split."""
    models = build_models(spec["entities"])
    entities = {e["name"]: e for e in spec["entities"]}
    tools = [operator_tool(t, models, entities) for t in spec["tools"]]
    rows_per_entity = spec["data"]["rows"]

    def generate(seed: int) -> dict:
        rows = generate_rows(spec["entities"], seed, rows_per_entity)
        return {models[name]: table for name, table in rows.items()}

    by_split = {split: [Task.from_dict(t) for t in items] for split, items in tasks.items()}
    return Domain(
        name=spec["name"],
        policy=spec["policy"],
        agent=Side(models=list(models.values()), tools=tools, generate=generate),
        tasks=lambda domain: by_split,
        data_seed=spec["data"]["seed"],
        description=spec.get("description", ""),
    )


def load_domain_folder(path: str | Path) -> Domain:
    """The domain stored in ``path`` (a folder with ``domain.json`` and ``tasks.json``)."""
    path = Path(path)
    spec = json.loads((path / "domain.json").read_text(encoding="utf-8"))
    if spec.get("format") != FORMAT:
        raise ValueError(f"{path}: unsupported domain format {spec.get('format')!r} (expected {FORMAT})")
    tasks_file = path / "tasks.json"
    tasks = json.loads(tasks_file.read_text(encoding="utf-8")) if tasks_file.exists() else {}
    return build_domain(spec, tasks)


def write_domain_folder(path: str | Path, spec: Mapping, tasks: Mapping[str, list], code: bool = False) -> Path:
    """Write ``domain.json`` and ``tasks.json`` (and, with ``code``, the readable ``view.py``)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "domain.json").write_text(dumps(spec), encoding="utf-8")
    (path / "tasks.json").write_text(dumps(tasks), encoding="utf-8")
    if code:
        from .codeview import domain_module

        (path / "view.py").write_text(domain_module(spec), encoding="utf-8")
    return path


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, one-space indent, UTF-8, trailing newline."""
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
