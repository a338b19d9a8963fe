"""Kept trajectories -> rows TRL's ``SFTTrainer`` reads as they are, plus a data card.

A row is ``{"messages", "tools", "env_id", "task_id"}``:

- ``messages``: the system policy, the user, assistant turns (``tool_calls`` with
  ``arguments`` as a JSON string) and tool answers (with the tool's ``name``); it ends on the
  assistant's last turn (the user's goodbye teaches nothing).
- ``tools``: the tool schemas as one JSON string.

Both are strings on purpose: Arrow would merge the argument dicts of different tools into one
struct, so ``get_ticket`` would be trained to emit ``{"ticket_id": 7, "subject": null}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from agentscaler_gym.trajectory import Trajectory, json_line, write_lines

from .filters import FILTERS, FilterReport, arguments_of

JSONL = "sft.jsonl"
DATASET = "dataset"


def sft_row(t: Trajectory) -> dict:
    """One SFT row from a recorded episode."""
    messages = [_message(m) for m in t.messages]
    while messages and messages[-1]["role"] != "assistant":
        messages.pop()
    return {
        "messages": messages,
        "tools": json.dumps(t.tools, ensure_ascii=False),
        "env_id": t.env_id,
        "task_id": t.task_id,
    }


def _message(message: dict) -> dict:
    out = {"role": message["role"], "content": message.get("content") or ""}
    if message.get("tool_calls"):
        out["tool_calls"] = [
            {
                "type": "function",
                "function": {
                    "name": c.get("function", c)["name"],
                    "arguments": json.dumps(arguments_of(c), ensure_ascii=False),
                },
            }
            for c in message["tool_calls"]
        ]
    if message["role"] == "tool":
        out["name"] = message.get("name", "")
    return out


def write_rows(rows: list[dict], out_dir: str | Path) -> Path:
    """Write ``sft.jsonl`` and a ``datasets.Dataset`` (``save_to_disk``) under ``out_dir``."""
    from datasets import Dataset

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_lines(map(json_line, rows), out / JSONL)
    Dataset.from_list(rows).save_to_disk(str(out / DATASET))
    return out


def load_rows(path: str | Path):
    """The ``datasets.Dataset`` of an output folder (or of a ``.jsonl`` file)."""
    from datasets import Dataset, load_from_disk

    path = Path(path)
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as f:
            return Dataset.from_list([json.loads(line) for line in f if line.strip()])
    return load_from_disk(str(path / DATASET if (path / DATASET).exists() else path))


def data_card(report: FilterReport, rows: Iterable[dict], settings: dict) -> dict:
    """Counts per env id and per filter, the reasons behind every drop, and how the data was made."""
    rows = list(rows)
    per_env = {}
    for env_id, episodes in sorted(report.episodes.items()):
        kept = sum(t.env_id == env_id for t in report.kept)
        per_env[env_id] = {
            "episodes": episodes,
            "dropped": {stage: report.dropped_by(stage, env_id) for stage in FILTERS},
            "kept": kept,
            "kept_with_recovery": report.recovered[env_id],
            "reasons": {stage: dict(report.dropped.get(env_id, {}).get(stage, {})) for stage in FILTERS},
        }
    turns = [sum(m["role"] == "assistant" for m in r["messages"]) for r in rows]
    return {
        "settings": settings,
        "totals": {
            "episodes": sum(report.episodes.values()),
            "dropped": {stage: report.dropped_by(stage) for stage in FILTERS},
            "kept": len(rows),
            "kept_with_recovery": sum(report.recovered.values()),
            "assistant_turns": sum(turns),
        },
        "per_env": per_env,
    }


def write_card(card: dict, out_dir: str | Path) -> None:
    """Write ``card.json`` and ``card.md``."""
    out = Path(out_dir)
    (out / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "card.md").write_text(card_markdown(card), encoding="utf-8")


def card_markdown(card: dict) -> str:
    totals, settings = card["totals"], card["settings"]
    lines = [
        "# SFT data card",
        "",
        "Episodes rolled out with a simulated user, then filtered in order: validity, state alignment,",
        "exact match. Rows are TRL `SFTTrainer` conversations (`messages`, `tools` as a JSON string).",
        "",
        "## Settings",
        "",
        *[f"- {key}: `{value}`" for key, value in settings.items()],
        "",
        "## Counts",
        "",
        "| env id | episodes | validity | state alignment | exact match | kept | kept with recovery |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for env_id, c in card["per_env"].items():
        d = c["dropped"]
        lines.append(
            f"| {env_id} | {c['episodes']} | -{d['validity']} | -{d['state_alignment']} | -{d['exact_match']} | {c['kept']} | {c['kept_with_recovery']} |"
        )
    d = totals["dropped"]
    lines.append(
        f"| **total** | {totals['episodes']} | -{d['validity']} | -{d['state_alignment']} | -{d['exact_match']} | {totals['kept']} | {totals['kept_with_recovery']} |"
    )
    lines += ["", "## Why episodes were dropped", ""]
    for env_id, c in card["per_env"].items():
        reasons = [f"{stage}/{reason} {n}" for stage, rs in c["reasons"].items() for reason, n in rs.items()]
        lines.append(f"- {env_id}: {', '.join(reasons) if reasons else 'none'}")
    return "\n".join(lines) + "\n"
