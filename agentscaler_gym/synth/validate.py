"""Stage 6: keep a synthesized domain only if it is sound, as a whole and task by task.

The runtime first replays every task (``Domain.splits``: a failing gold run, or a task a do-nothing
agent passes, is rejected). The domain must then pass ``check_domain`` on both splits (reads leave
the database as it was, writes change it, the oracle scores 1.0, doing nothing 0.0) and Gymnasium's
``check_env``. If a check fails, each task is checked on its own, the failing ones are dropped with
their reason counted, and the rest must pass again; otherwise the domain is dropped whole.
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Mapping

from ..checks import DomainCheckError, check_do_nothing, check_domain, check_oracle, check_tool_kinds
from ..domain import Domain
from ..env import ToolUseEnv, UnicodeText
from ..tasks import Task
from .folder import build_domain
from .spec import DomainSpec

CHECK_ACTION_LENGTH = 2_000


def validate_domain(
    spec: DomainSpec, tasks: Mapping[str, list], min_test: int = 2, min_train: int = 2, built: Domain | None = None
) -> tuple[dict | None, collections.Counter]:
    """``(kept tasks by split, or None if the domain is dropped; counted reasons)``. ``built``: the
    domain of ``spec`` already built (its tables, tools and seed database are reused)."""
    reasons: collections.Counter = collections.Counter()
    domain = _with_tasks(spec, tasks, built)
    splits = domain.splits()
    for reason in domain.rejected.values():
        reasons["task: " + _short(reason)] += 1
    if not any(splits.values()):
        reasons["domain: no valid task"] += 1
        return None, reasons
    try:  # the common case: every replayed task passes every check
        given = {t["id"]: t for items in tasks.values() for t in items}  # the dicts of the tasks kept, as given
        return _checked(
            domain, {split: [given[t.id] for t in items] for split, items in splits.items()}, min_test, min_train
        ), reasons
    except _TooFew:
        reasons["domain: too few valid tasks"] += 1
        return None, reasons
    except DomainCheckError:
        pass
    kept = _passing_tasks(domain, splits, reasons)
    try:
        return _checked(_with_tasks(spec, kept, built), kept, min_test, min_train), reasons
    except _TooFew:
        reasons["domain: too few valid tasks"] += 1
    except Exception as exc:  # noqa: BLE001 - any failure drops the domain with its reason
        reasons[f"domain: {type(exc).__name__}: {_short(str(exc))}"] += 1
    return None, reasons


def _with_tasks(spec: DomainSpec, tasks: Mapping[str, list], built: Domain | None) -> Domain:
    if built is None:
        return build_domain(spec, tasks)
    by_split = {split: [Task.from_dict(t) for t in items] for split, items in tasks.items()}
    return built.with_task_source(lambda domain: by_split)


class _TooFew(Exception):
    pass


def _checked(domain, kept: dict[str, list], min_test: int, min_train: int) -> dict[str, list]:
    """``kept`` if the domain has enough tasks and passes ``check_domain`` on every split and ``check_env``."""
    if len(kept.get("test", ())) < min_test or len(kept.get("train", ())) < min_train:
        raise _TooFew
    for split in kept:
        check_domain(domain, split)
    check_env_passes(domain)
    return kept


def _passing_tasks(domain, splits: dict, reasons: collections.Counter) -> dict[str, list]:
    """The tasks that pass each check on their own; the reason of each failure is counted."""
    everything = [t for items in splits.values() for t in items]
    env = ToolUseEnv(
        domain,
        split=next(s for s, items in splits.items() if items),
        max_turns=max(len(t.gold_calls) for t in everything) + 4,
    )
    kept: dict[str, list] = {}
    for split, items in splits.items():
        kept[split] = []
        for task in items:
            try:
                check_tool_kinds(domain, [task])
                check_oracle(env, [task])
                check_do_nothing(env, [task])
            except DomainCheckError as exc:
                reasons["task: " + _short(str(exc).split(": ", 1)[-1])] += 1
                continue
            kept[split].append(_as_dict(task))
    return kept


def check_env_passes(domain) -> None:
    """Gymnasium's ``check_env`` on a fresh env of the domain (its warnings are expected for text spaces).

    The random actions ``check_env`` steps with are drawn from an action space capped at
    :data:`CHECK_ACTION_LENGTH` characters: a million-character random string (the env's own cap)
    exercises only the action parser, which is the same for every domain, and costs about a second.
    """
    from gymnasium.utils.env_checker import check_env

    env = ToolUseEnv(domain)
    env.action_space = UnicodeText(CHECK_ACTION_LENGTH, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)
    env.close()


def _as_dict(task) -> dict:
    d = task.to_dict()
    d.pop("exact_match", None)  # the runtime derives it when it validates the task
    return d


def _short(text: str) -> str:
    """A reason without the values in it, so equal causes count together."""
    head = text.split(":")[0] if not text.startswith("gold call failed") else "gold call failed"
    return head.strip()[:80]
