"""A synthesized domain on disk: a folder of data the runtime interprets.

    <name>/domain.json   a :class:`~.spec.DomainSpec`: name, title, description, policy, data (seed,
                         rows per table, the domain's current date, the seed rows), entities
                         (tables, keys, columns, foreign keys), tools (JSON schema, kind, operator)
    <name>/tasks.json    {"train": [task, ...], "test": [...]}, as ``Task.to_dict``
    <name>/view.py       optional: the models and tool queries as readable code, never executed

:func:`load_domain_folder` returns an ordinary :class:`~agentscaler_gym.domain.Domain`: models built
with ``type()``, tools that run their operators as parameterised peewee queries, the seed rows the
folder stores, tasks read from the folder. A folder is untrusted data: both files are checked
against the rules of :mod:`.spec` before anything is built (``domain.json`` by
:meth:`~.spec.DomainSpec.read`), and every task is replayed at load, so a broken folder raises one
:class:`~.spec.FolderError` naming the file, the field and the cause.

Files are written with sorted keys and no timestamps (:func:`.spec.dumps`), so the same input gives
the same bytes. A folder is complete when it holds both files (:func:`is_complete`); the pipeline
writes whole output folders beside the target and swaps them in, so a complete folder is never
half written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..domain import Domain, Side
from ..tasks import Task
from .operators import operator_tool
from .schema import build_models
from .spec import DomainSpec, FolderError, check_tasks, dumps, read_json

FILES = ("domain.json", "tasks.json")


def build_domain(spec: DomainSpec, tasks: Mapping[str, list], tasks_file: str | Path | None = None) -> Domain:
    """A runnable :class:`Domain` from a domain spec and task dicts by split.

    With ``tasks_file``, the tasks are first checked against the domain's tools (:func:`.spec.check_tasks`).
    """
    models = build_models(spec.entities)
    entities = {e.name: e for e in spec.entities}
    tools = [operator_tool(t, models, entities) for t in spec.tools]
    if tasks_file is not None:
        check_tasks(tasks, {t.name: t for t in tools}, tasks_file)
    rows = seed_rows(spec)

    def generate(seed: int) -> dict:  # the rows are the folder's, whatever the seed
        return {models[name]: [dict(r) for r in table] for name, table in rows.items()}

    by_split = {split: [Task.from_dict(t) for t in items] for split, items in tasks.items()}
    return Domain(
        name=spec.name,
        policy=spec.policy,
        agent=Side(models=list(models.values()), tools=tools, generate=generate),
        tasks=lambda domain: by_split,
        data_seed=spec.data.seed,
        description=spec.description,
    )


def seed_rows(spec: DomainSpec) -> dict[str, list[dict]]:
    """The seed rows of a domain spec by entity, as dicts: those stored in ``data.tables``, or, for a
    spec made in memory without them (a test), generated from its seed now."""
    data = spec.data
    if data.tables is None:
        from .values import generate_rows

        rows = generate_rows(spec.entities, data.seed, data.rows)
        return {e.name: rows[e.name] if e.seeded else [] for e in spec.entities}
    return {e.name: [dict(zip((c.name for c in e.columns), row)) for row in data.tables[e.name]] for e in spec.entities}


def load_domain_folder(path: str | Path) -> Domain:
    """The domain stored in ``path`` (a folder with ``domain.json`` and ``tasks.json``).

    Raises :class:`~.spec.FolderError` (naming the file, the field and the cause) for a folder that
    is incomplete, malformed, breaks a rule of :mod:`.spec`, or has a task whose gold run fails.
    """
    path = Path(path)
    spec_file, tasks_file = (path / name for name in FILES)
    spec = DomainSpec.read(spec_file)
    tasks = read_json(tasks_file)
    domain = build_domain(spec, tasks, tasks_file)
    domain.splits()  # replays every task now, so a broken one is reported with its file
    for task_id, reason in domain.rejected.items():
        where = next(
            f"{split}[{i}]" for split, items in tasks.items() for i, t in enumerate(items) if t["id"] == task_id
        )
        raise FolderError(tasks_file, where, f"task {task_id!r} is invalid: {reason}")
    return domain


def is_complete(path: Path) -> bool:
    """Whether ``path`` holds every file of a domain folder."""
    return all((path / name).is_file() for name in FILES)


def write_domain_folder(path: str | Path, spec: DomainSpec, tasks: Mapping[str, list], code: bool = False) -> Path:
    """Write ``domain.json`` and ``tasks.json`` (and, with ``code``, the readable ``view.py``)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    spec.write(path / "domain.json")
    (path / "tasks.json").write_text(dumps(tasks), encoding="utf-8")
    if code:
        from .codeview import domain_module

        source = domain_module(spec)
        compile(source, str(path / "view.py"), "exec")  # a view that is not valid Python is a bug: fail here
        (path / "view.py").write_text(source, encoding="utf-8")
    return path
