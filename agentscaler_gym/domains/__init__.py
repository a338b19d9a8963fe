"""Hand-built domains. Each is one folder exposing ``DOMAIN``; see ``mock/`` for the smallest."""

from __future__ import annotations

from importlib import import_module, resources

from ..domain import Domain, Side


def hand_built(package: str, description: str, user: Side | None = None) -> Domain:
    """The domain of a hand-built folder, from its fixed file names: ``policy.md`` (the system
    prompt), ``models.py`` (``MODELS``), ``tools.py`` (``TOOLS``), ``data.py`` (``generate(seed)``)
    and ``tasks.py`` (``make_tasks``; for any task count also ``task_stream`` and ``MAX_TASKS``).

    Args:
        package: The folder's package (its ``__name__``); its last part names the domain.
        description: One line for listings.
        user: The user's side, for dual-control domains.
    """
    tasks = import_module(f"{package}.tasks")
    return Domain(
        name=package.rpartition(".")[2],
        description=description,
        policy=resources.files(package).joinpath("policy.md").read_text(encoding="utf-8"),
        agent=Side(
            models=import_module(f"{package}.models").MODELS,
            tools=import_module(f"{package}.tools").TOOLS,
            generate=import_module(f"{package}.data").generate,
        ),
        user=user,
        tasks=tasks.make_tasks,
        stream=getattr(tasks, "task_stream", None),
        max_tasks=getattr(tasks, "MAX_TASKS", None),
    )
