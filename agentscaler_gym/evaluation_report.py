"""The evaluation report: one self-contained HTML page (no network, no assets) with its plots.

Plots are drawn with matplotlib (imported here, inside :func:`render_report`; it comes with the
``train`` and ``synth`` extras) and embedded as PNG data URIs: the stability curve (pass^k by k),
the long-horizon curve (pass^1 by gold-call count), pass^1 by task family, the failure breakdown,
the tables behind wrong final states and, for two runs, the paired differences with their 95%
intervals. Each run's trajectories are written beside the page as a viewer page
(:mod:`agentscaler_gym.viewer`), and every failed episode links to its entry there.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from .evaluation import ALL, FAILURE_KINDS, GOLD_CALL_BUCKETS

MAX_FAILED_ROWS = 2000
MAX_ENV_LINES = 8  # more envs than this: the curves show the groups and "all" only

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:12px 20px}header h1{font-size:18px;margin:0}
main{padding:16px 20px;max-width:1200px}h2{font-size:16px;margin:22px 0 6px}
table{border-collapse:collapse;margin:8px 0;background:#fff}td,th{border:1px solid #d5d9e0;padding:3px 8px;text-align:left}
th{background:#eef0f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:8px 0;background:#fff;border:1px solid #d5d9e0;display:inline-block}figure img{display:block;max-width:100%}
.note{color:#667085}
"""

# Marks the page once every plot has decoded, so a headless browser can check it.
_SCRIPT = """
window.addEventListener('load',()=>{const imgs=[...document.querySelectorAll('img.plot')];
const ok=imgs.filter(i=>i.complete&&i.naturalWidth>0).length;document.body.dataset.plots=ok+'/'+imgs.length;});
"""


def write_report(
    results: Sequence[dict], path: str | Path, runs: Sequence[Sequence[Any]] = (), comparison: dict | None = None
) -> Path:
    """Write the report to ``path``, and each run's viewer page beside it (``<stem>.run<i>.html``)."""
    from .viewer import write_html

    path = Path(path)
    pages = []
    for i, (result, run) in enumerate(zip(results, runs)):
        page = path.with_name(f"{path.stem}.run{i + 1}.html")
        write_html(run, page, title=Path(result.get("file", f"run {i + 1}")).name)
        pages.append(page.name)
    path.write_text(render_report(results, pages, comparison), encoding="utf-8")
    return path


def render_report(results: Sequence[dict], viewer_pages: Sequence[str] = (), comparison: dict | None = None) -> str:
    """The page as a string; ``viewer_pages`` are the viewer files (relative) the failed episodes link to."""
    labels = _labels(results)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>agentscaler evaluation</title>",
        f"<style>{_CSS}</style></head><body><header><h1>Evaluation: {escape(' vs '.join(labels))}</h1></header><main>",
        _summary(results, labels),
        "<h2>Stability: pass^k</h2>",
        _figure(_pass_hat_plot(results, labels), "pass^k by k"),
        "<h2>Long horizon: pass^1 by gold calls</h2>",
        _figure(_gold_calls_plot(results, labels), "pass^1 by number of gold calls"),
        _gold_calls_table(results, labels),
        "<h2>Task families</h2>",
        _figure(_family_plot(results, labels), "pass^1 by task family"),
        "<h2>Failures</h2>",
        _figure(_failure_plot(results, labels), "failure breakdown"),
        _failure_table(results, labels),
    ]
    if any(r["failures"][ALL]["wrong_state_tables"] for r in results):
        parts.append(_figure(_tables_plot(results, labels), "wrong final state by table"))
    if comparison is not None:
        parts += [
            "<h2>Run versus run</h2>",
            _figure(_comparison_plot(comparison), "paired difference"),
            _comparison(comparison),
        ]
    parts += [_failed(results, labels, viewer_pages), f"</main><script>{_SCRIPT}</script></body></html>"]
    return "".join(parts)


def _labels(results: Sequence[dict]) -> list[str]:
    names = [Path(r.get("file", f"run {i + 1}")).name for i, r in enumerate(results)]
    return (
        names if len(set(names)) == len(names) else [f"{'AB'[i] if i < 2 else i + 1}: {n}" for i, n in enumerate(names)]
    )


def _curve_scopes(result: dict, compared: bool = False) -> list[str]:
    """The lines of a curve plot: the envs when few (and one run), the groups, ``all``."""
    envs = [s for s, kind in result["scopes"].items() if kind == "env"]
    groups = [s for s, kind in result["scopes"].items() if kind == "group"]
    return (envs if len(envs) <= MAX_ENV_LINES and not compared else []) + groups + [ALL]


# -- plots -----------------------------------------------------------------------------------


def _figure(fig, alt: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<figure><img class=plot alt='{escape(alt)}' src='data:image/png;base64,{data}'></figure>"


def _axes(width: float = 7.5, height: float = 3.8):
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _pass_hat_plot(results, labels):
    fig, ax = _axes()
    for style, result, label in zip(("-", "--", ":"), results, labels):
        for scope in _curve_scopes(result, len(results) > 1):
            curve = result["pass_hat_k"][scope]
            ks = [int(k) for k in curve]
            ax.plot(ks, [curve[str(k)]["value"] for k in ks], style, marker="o", label=_legend(scope, label, results))
    ax.set(xlabel="k (trials that must all pass)", ylabel="pass^k", ylim=(-0.03, 1.03))
    ax.xaxis.get_major_locator().set_params(integer=True)
    _legend_box(ax)
    return fig


def _gold_calls_plot(results, labels):
    fig, ax = _axes()
    x = list(range(len(GOLD_CALL_BUCKETS)))
    for style, result, label in zip(("-", "--", ":"), results, labels):
        for scope in _curve_scopes(result, len(results) > 1):
            row = result["by_gold_calls"][scope]
            values = [row[b]["pass^1"] for b in GOLD_CALL_BUCKETS]
            points = [(i, v) for i, v in zip(x, values) if v is not None]
            if points:
                ax.plot(*zip(*points), style, marker="o", label=_legend(scope, label, results))
    ax.set_xticks(x, GOLD_CALL_BUCKETS)
    ax.set(xlabel="gold calls of the task", ylabel="pass^1", ylim=(-0.03, 1.03))
    _legend_box(ax)
    return fig


def _family_plot(results, labels):
    families = sorted({f for r in results for f in r["by_family"][ALL]})
    fig, ax = _axes(7.5, max(2.0, 0.28 * len(families) * len(results) + 1))
    height = 0.8 / len(results)
    for i, (result, label) in enumerate(zip(results, labels)):
        rows = result["by_family"][ALL]
        values = [rows[f]["pass^1"] if f in rows else 0.0 for f in families]
        ax.barh([j + i * height for j in range(len(families))], values, height=height, label=label)
    ax.set_yticks([j + height * (len(results) - 1) / 2 for j in range(len(families))], families)
    ax.invert_yaxis()
    ax.set(xlabel="pass^1 (all scopes)", xlim=(0, 1.02))
    if len(results) > 1:
        ax.legend(fontsize=8)
    return fig


def _failure_plot(results, labels):
    kinds = list(FAILURE_KINDS)
    fig, ax = _axes(7.5, 3.2)
    height = 0.8 / len(results)
    for i, (result, label) in enumerate(zip(results, labels)):
        f = result["failures"][ALL]
        ax.barh([j + i * height for j in range(len(kinds))], [f[k] for k in kinds], height=height, label=label)
    ax.set_yticks(
        [j + height * (len(results) - 1) / 2 for j in range(len(kinds))], [k.replace("_", " ") for k in kinds]
    )
    ax.invert_yaxis()
    ax.set(xlabel="failed episodes with this cause (causes overlap)")
    if len(results) > 1:
        ax.legend(fontsize=8)
    return fig


def _tables_plot(results, labels):
    counts: dict[str, int] = {}
    for r in results:
        for table, n in r["failures"][ALL]["wrong_state_tables"].items():
            counts[table] = counts.get(table, 0) + n
    tables = sorted(counts, key=lambda t: (-counts[t], t))[:25]
    fig, ax = _axes(7.5, max(2.0, 0.28 * len(tables) * len(results) + 1))
    height = 0.8 / len(results)
    for i, (result, label) in enumerate(zip(results, labels)):
        rows = result["failures"][ALL]["wrong_state_tables"]
        ax.barh(
            [j + i * height for j in range(len(tables))], [rows.get(t, 0) for t in tables], height=height, label=label
        )
    ax.set_yticks([j + height * (len(results) - 1) / 2 for j in range(len(tables))], tables)
    ax.invert_yaxis()
    ax.set(xlabel="failed episodes with a wrong row in this table")
    if len(results) > 1:
        ax.legend(fontsize=8)
    return fig


def _comparison_plot(comparison):
    scopes = [s for s, r in comparison["by_scope"].items() if r["delta"] is not None]
    fig, ax = _axes(7.5, max(2.0, 0.35 * len(scopes) + 1))
    rows = [comparison["by_scope"][s] for s in scopes]
    deltas = [r["delta"] for r in rows]
    errors = [[d - r["ci_low"] for d, r in zip(deltas, rows)], [r["ci_high"] - d for d, r in zip(deltas, rows)]]
    ax.errorbar(deltas, range(len(scopes)), xerr=errors, fmt="o", capsize=3)
    ax.axvline(0, color="#98a2b3", linewidth=1)
    ax.set_yticks(range(len(scopes)), scopes)
    ax.invert_yaxis()
    ax.set(xlabel="pass^1(B) - pass^1(A), 95% paired bootstrap interval", xlim=(-1.05, 1.05))
    return fig


def _legend(scope: str, label: str, results) -> str:
    return scope if len(results) == 1 else f"{scope} ({label})"


def _legend_box(ax) -> None:
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))


# -- tables ----------------------------------------------------------------------------------


def _summary(results, labels) -> str:
    rows = [
        "<h2>Summary</h2><table><tr><th>run</th><th>scope</th><th>episodes</th><th>tasks</th><th>pass^1</th>"
        "<th>pass^k (largest k)</th><th>tool-error rate</th><th>turns (mean)</th><th>tool calls (mean)</th></tr>"
    ]
    for result, label in zip(results, labels):
        for scope in result["scopes"]:
            curve = result["pass_hat_k"][scope]
            last = list(curve)[-1] if curve else None
            e, f = result["episodes"][scope], result["failures"][scope]
            rows.append(
                f"<tr><td>{escape(label)}</td><td>{escape(scope)}</td><td class=n>{e['count']}</td>"
                f"<td class=n>{curve[last]['tasks'] if last else 0}</td><td class=n>{_num(curve.get('1', {}).get('value'))}</td>"
                f"<td class=n>{_num(curve[last]['value']) + f' (k={last})' if last else '-'}</td>"
                f"<td class=n>{f['tool_error_rate']:.1%}</td><td class=n>{_num(e['turns']['mean'], 2)}</td>"
                f"<td class=n>{_num(e['tool_calls']['mean'], 2)}</td></tr>"
            )
    held = sorted({h for r in results for h in r.get("held_out", [])})
    note = f"<p class=note>Held out: {escape(', '.join(held))}</p>" if held else ""
    return "".join(rows) + "</table>" + note


def _gold_calls_table(results, labels) -> str:
    head = "".join(f"<th>{b}</th>" for b in GOLD_CALL_BUCKETS)
    rows = [f"<table><tr><th>run</th><th>scope</th>{head}</tr>"]
    for result, label in zip(results, labels):
        for scope in result["scopes"]:
            row = result["by_gold_calls"][scope]
            cells = "".join(
                f"<td class=n>{_num(row[b]['pass^1'])} <span class=note>({row[b]['tasks']})</span></td>"
                for b in GOLD_CALL_BUCKETS
            )
            rows.append(f"<tr><td>{escape(label)}</td><td>{escape(scope)}</td>{cells}</tr>")
    return "".join(rows) + "</table><p class=note>pass^1 (tasks)</p>"


def _failure_table(results, labels) -> str:
    head = "".join(f"<th>{k.replace('_', ' ')}</th>" for k in ("failed",) + FAILURE_KINDS)
    rows = [f"<table><tr><th>run</th><th>scope</th><th>episodes</th>{head}<th>tool-error rate</th></tr>"]
    for result, label in zip(results, labels):
        for scope in result["scopes"]:
            f = result["failures"][scope]
            cells = "".join(f"<td class=n>{f[k]}</td>" for k in ("failed",) + FAILURE_KINDS)
            rows.append(
                f"<tr><td>{escape(label)}</td><td>{escape(scope)}</td><td class=n>{f['episodes']}</td>{cells}"
                f"<td class=n>{f['tool_error_rate']:.1%}</td></tr>"
            )
    return "".join(rows) + "</table>"


def _comparison(c: dict) -> str:
    rows = [
        f"<p>{c['pairs']} episodes paired by (env, task, trial); unpaired: A {c['unpaired']['a']}, B {c['unpaired']['b']}. "
        f"Paired bootstrap over tasks, {c['resamples']} draws, seed {c['seed']}.</p>"
        "<table><tr><th>scope</th><th>pairs</th><th>A</th><th>B</th><th>B - A</th><th>95% interval</th></tr>"
    ]
    for scope, r in c["by_scope"].items():
        if r["delta"] is None:
            continue
        rows.append(
            f"<tr><td>{escape(scope)}</td><td class=n>{r['pairs']}</td><td class=n>{_num(r['a'])}</td><td class=n>{_num(r['b'])}</td>"
            f"<td class=n>{r['delta']:+.3f}</td><td class=n>[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]</td></tr>"
        )
    rows.append("</table>")
    for way, tasks in c["flipped"].items():
        items = "".join(
            f"<li>{escape(t['env'])} · {escape(t['task'])} (trials {', '.join(map(str, t['trials']))})</li>"
            for t in tasks
        )
        rows.append(f"<h3>{way.replace('_', ' ')}: {len(tasks)} tasks</h3><ul>{items}</ul>")
    return "".join(rows)


def _failed(results, labels, pages) -> str:
    out = ["<h2>Failed episodes</h2>"]
    for i, (result, label) in enumerate(zip(results, labels)):
        failed = result["failed"]
        page = pages[i] if i < len(pages) else None
        out.append(f"<h3>{escape(label)}: {len(failed)} failed</h3>")
        if not failed:
            continue
        rows = ["<table><tr><th>episode</th><th>env</th><th>task</th><th>trial</th><th>causes</th></tr>"]
        for f in failed[:MAX_FAILED_ROWS]:
            anchor = f"#{f['index']}"
            link = f"<a href='{escape(page)}#ep-{f['index']}'>{anchor}</a>" if page else anchor
            rows.append(
                f"<tr><td>{link}</td><td>{escape(f['env'])}</td><td>{escape(f['task'])}</td><td class=n>{f['trial']}</td>"
                f"<td>{escape(', '.join(r.replace('_', ' ') for r in f['reasons']))}</td></tr>"
            )
        rows.append("</table>")
        if len(failed) > MAX_FAILED_ROWS:
            rows.append(f"<p class=note>{len(failed) - MAX_FAILED_ROWS} more not listed.</p>")
        out.extend(rows)
    return "".join(out)


def _num(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
