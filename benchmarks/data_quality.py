"""Training-signal measures per env: demonstrations (a policy's episodes) and tasks.

    python benchmarks/data_quality.py                                   # verticals + mock, train split
    python benchmarks/data_quality.py --envs AgentScaler/retail-v0 --split test --policy oracle
    python benchmarks/data_quality.py --envs AgentScaler/retail-v0 --tasks 10000 --tasks-only

Prints one JSON line per env id: ``{"env", "split", "policy", "demonstrations": {...},
"tasks": {...}}``.

Demonstrations (every task of the split played once with the scripted user):

- ``grounding``: share of tool-call argument values grounded in the conversation before the call
  (:mod:`train.grounding`); ``fully_grounded``: share of episodes with no ungrounded value;
  ``ungrounded_top``: the most frequent ungrounded ``tool.argument``.
- ``confirmed_writes``: share of write calls preceded, since the previous write, by an assistant
  question stating the action and a user message agreeing.
- ``questions``: share of assistant text turns that ask something.
- ``closing_quality``: share of episodes whose last assistant text is a sentence (6+ words) that
  states every required output and whose exact text closes at most 5% of episodes;
  ``top_closing_share``: share of episodes closed by the most common closing text.

Tasks (the split's tasks and their gold runs):

- ``transcription``: the opening message holds every gold argument value;
- ``true_dependency``: some gold argument value is said by nobody on the user's side and comes
  from an earlier gold call's answer;
- ``ask_to_know``: some gold argument value is a fact the user holds but does not open with;
- ``gold_length`` (mean, min, max, histogram), ``read_only``;
- ``variety``: distinct gold tool sequences, at growing task counts, and the share of test tasks
  whose sequence never occurs in train.

``--tasks N`` measures the env made with ``tasks=N`` (N distinct tasks per split).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym  # noqa: E402

import agentscaler_gym  # noqa: E402, F401
from agentscaler_gym.grounding import Evidence, argument_values, asks, confirmed_writes, leaf_values  # noqa: E402
from agentscaler_gym.tasks import ASSISTANT, USER  # noqa: E402
from agentscaler_gym.tools import WRITE  # noqa: E402

ENVS = ("AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0", "AgentScaler/mock-v0")
MIN_CLOSING_WORDS = 6
FIXED_SHARE = 0.05


def domain_of(env_id: str, count: int | None = None):
    env = gym.make(env_id, disable_env_checker=True, tasks=count)
    domain = env.unwrapped.domain
    env.close()
    return domain


def demonstrations(env_id: str, split: str, policy_spec: str, count: int | None = None) -> dict:
    from agents import make_policy
    from agentscaler_gym.rollout import rollout

    domain = domain_of(env_id, count)
    writes = {name for name, t in domain.tools.items() if t.kind == WRITE}
    trajectories = rollout([env_id], make_policy(policy_spec), split=split, **({"tasks": count} if count else {}))
    values = grounded = full = confirmed = total_writes = texts = questions = 0
    closings: list[tuple[str, tuple[str, ...]]] = []
    ungrounded: Counter = Counter()
    for t in trajectories:
        marks = argument_values(t.messages, t.tools)
        values += len(marks)
        grounded += sum(v.grounded for v in marks)
        full += all(v.grounded for v in marks)
        ungrounded.update(f"{v.tool}.{v.argument}" for v in marks if not v.grounded)
        c, n = confirmed_writes(t.messages, writes)
        confirmed, total_writes = confirmed + c, total_writes + n
        said = [m["content"] for m in t.messages if m["role"] == "assistant" and (m.get("content") or "").strip()]
        texts += len(said)
        questions += sum(asks(s) for s in said)
        closings.append((said[-1] if said else "", domain.task(t.task_id).outputs))
    counts = Counter(text for text, _ in closings)
    episodes = len(trajectories)
    good = sum(
        len(text.split()) >= MIN_CLOSING_WORDS
        and counts[text] <= FIXED_SHARE * episodes
        and all(o.lower().replace(",", "") in text.lower().replace(",", "") for o in outputs)
        for text, outputs in closings
    )
    return {
        "episodes": episodes,
        "pass_rate": _share(sum(t.passed for t in trajectories), episodes),
        "values": values,
        "grounding": _share(grounded, values),
        "fully_grounded": _share(full, episodes),
        "ungrounded_top": dict(ungrounded.most_common(5)),
        "writes": total_writes,
        "confirmed_writes": _share(confirmed, total_writes),
        "text_turns": texts,
        "questions": _share(questions, texts),
        "closing_quality": _share(good, episodes),
        "top_closing_share": _share(counts.most_common(1)[0][1] if counts else 0, episodes),
        "top_closing": counts.most_common(1)[0][0][:80] if counts else "",
    }


def tasks(env_id: str, split: str, count: int | None = None) -> dict:
    domain = domain_of(env_id, count)
    chosen = domain.task_list(split)
    transcription = dependency = ask_to_know = read_only = 0
    lengths: Counter = Counter()
    tools = {name: tool for seat in domain.seats().values() for name, tool in seat.tools.items()}
    for task in chosen:
        assistant = [c for c in task.gold_calls if c.actor != USER]
        lengths[len(task.gold_calls)] += 1
        read_only += all(tools[c.name].kind != WRITE for c in task.gold_calls)
        opening, user_side = Evidence(), Evidence()
        opening.add(task.scenario.opening)
        user_side.add(task.scenario.opening)
        for value in task.scenario.known.values():
            user_side.add(str(value))
        leaves = [(c, v) for c in assistant for v in leaf_values(dict(c.arguments)) if not isinstance(v, bool)]
        transcription += all(opening.holds(v) for _, v in leaves)
        ask_to_know += any(user_side.holds(v) and not opening.holds(v) for _, v in leaves)
        dependency += _depends(domain, task, user_side)
    sequences = [_sequence(t) for t in chosen]
    variety = {"distinct": len(set(sequences))}
    for n in (100, 1000, 10_000):
        if n < len(sequences):
            variety[f"distinct_at_{n}"] = len(set(sequences[:n]))
    train = _train_tasks(domain) if split == "test" else None
    if train is not None:
        seen = {_sequence(t) for t in train}
        variety["test_unseen_in_train"] = _share(sum(s not in seen for s in sequences), len(sequences))
    count = len(chosen)
    return {
        "tasks": count,
        "transcription": _share(transcription, count),
        "true_dependency": _share(dependency, count),
        "ask_to_know": _share(ask_to_know, count),
        "gold_length": {
            "mean": round(sum(k * n for k, n in lengths.items()) / max(count, 1), 2),
            "min": min(lengths, default=0),
            "max": max(lengths, default=0),
            "histogram": dict(sorted(lengths.items())),
        },
        "read_only": _share(read_only, count),
        "variety": variety,
    }


def _depends(domain, task, user_side: Evidence) -> bool:
    """Replay the gold run: does some argument come only from an earlier call's answer?"""
    seats = domain.seats()
    answers = Evidence()
    for call in task.gold_calls:
        if call.actor != USER:
            for value in leaf_values(dict(call.arguments)):
                if not isinstance(value, bool) and not user_side.holds(value) and answers.holds(value):
                    return True
        answers.add(seats[USER if call.actor == USER else ASSISTANT].call(call.name, call.arguments).text)
    return False


def _sequence(task) -> tuple[str, ...]:
    return tuple(c.name for c in task.gold_calls)


def _train_tasks(domain) -> list | None:
    try:
        return domain.task_list("train")
    except (KeyError, ValueError):  # no train split, or fewer train tasks than asked for
        return None


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--envs", nargs="+", default=list(ENVS))
    p.add_argument("--split", default="train")
    p.add_argument("--policy", default="oracle", help="a policy spec (agents.make_policy)")
    p.add_argument("--tasks-only", action="store_true", help="skip playing demonstrations")
    p.add_argument(
        "--tasks", type=int, default=None, metavar="N", help="N distinct tasks per split (default: the env's own)"
    )
    args = p.parse_args(argv)
    for env_id in args.envs:
        line = {"env": env_id, "split": args.split, "policy": args.policy}
        if args.tasks:
            line["task_count"] = args.tasks
        if not args.tasks_only:
            line["demonstrations"] = demonstrations(env_id, args.split, args.policy, args.tasks)
        line["tasks"] = tasks(env_id, args.split, args.tasks)
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
