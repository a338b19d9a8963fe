"""Run reports: ``report.json``, ``report.md`` and ``report.png`` (training curves, pass rates)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

Curve = Sequence[tuple[float, float]]


def write_report(out_dir: str | Path, title: str, report: dict, curves: dict[str, Curve], ylabel: str) -> Path:
    """Write the report files; ``report["evaluations"]`` is a list of ``{"checkpoint", "results"}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    plot(out / "report.png", curves, ylabel, report.get("evaluations", []))
    (out / "report.md").write_text(markdown(title, report, ylabel), encoding="utf-8")
    return out


def markdown(title: str, report: dict, ylabel: str) -> str:
    lines = [f"# {title}", "", "![training curve and pass rates](report.png)", "", "## Held-out pass^1", ""]
    evaluations = report.get("evaluations", [])
    env_ids = sorted({e for ev in evaluations for e in ev["results"]})
    if evaluations:
        lines += ["| checkpoint | " + " | ".join(env_ids) + " |", "|---|" + "---:|" * len(env_ids)]
        for ev in evaluations:
            cells = [_cell(ev["results"].get(e)) for e in env_ids]
            lines.append(f"| {ev['checkpoint']} | " + " | ".join(cells) + " |")
    else:
        lines.append("No evaluation was run.")
    lines += ["", "## Training", ""]
    for stage in report.get("stages", []):
        curve = stage.get("curve", [])
        first, last = (curve[0][1], curve[-1][1]) if curve else (None, None)
        lines.append(
            f"- {stage['name']}: {stage.get('steps', 0)} steps in {stage.get('seconds', 0):.1f} s; {ylabel} {_num(first)} -> {_num(last)}"
        )
        for warning in stage.get("warnings", []):
            lines.append(f"  - warning: {warning}")
    lines += ["", "## Config", "", "```json", json.dumps(report.get("config", {}), indent=2, default=str), "```", ""]
    return "\n".join(lines)


def plot(path: Path, curves: dict[str, Curve], ylabel: str, evaluations: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for label, curve in curves.items():
        if curve:
            xs, ys = zip(*curve)
            left.plot(xs, ys, marker=".", label=label)
    left.set_xlabel("step")
    left.set_ylabel(ylabel)
    left.set_title(f"training {ylabel}")
    if curves:
        left.legend()
    env_ids = sorted({e for ev in evaluations for e in ev["results"]})
    width = 0.8 / max(len(env_ids), 1)
    for j, env_id in enumerate(env_ids):
        values = [ev["results"].get(env_id, {}).get("pass^1", 0.0) for ev in evaluations]
        right.bar([i + j * width for i in range(len(evaluations))], values, width, label=env_id.split("/")[-1])
    right.set_xticks(
        [i + width * (len(env_ids) - 1) / 2 for i in range(len(evaluations))], [ev["checkpoint"] for ev in evaluations]
    )
    right.set_ylim(0, 1)
    right.set_ylabel("pass^1 (test)")
    right.set_title("held-out pass^1")
    if env_ids:
        right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _cell(result: dict | None) -> str:
    return "-" if result is None else f"{result['pass^1']:.2f} ({result['passed']}/{result['episodes']})"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
