"""One static, self-contained HTML page to browse trajectories (no server, no network, no assets).

Per env: a summary row (episodes, pass rate, mean turns, tool-error rate). Per trajectory, a
collapsible entry: the conversation with every tool call and its result, the verification
components, the rows the episode changed and, for a failed state match, each differing row
expected against actual. A filter box (a few lines of inline script) narrows the list by env,
task, outcome or any text; ``page.html#ep-<index>`` opens the episode at that position.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from .trajectory import Trajectory, summarize

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:12px 20px}header h1{font-size:18px;margin:0}
main{padding:16px 20px;max-width:1100px}
table{border-collapse:collapse;margin:8px 0;background:#fff}td,th{border:1px solid #d5d9e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}
#filter{width:360px;padding:6px;margin:8px 0;font-size:14px}
details.ep{background:#fff;border:1px solid #d5d9e0;border-radius:6px;margin:6px 0}
details.ep>summary{cursor:pointer;padding:6px 10px;font-family:ui-monospace,monospace}
.pass{color:#11813b;font-weight:600}.fail{color:#b42318;font-weight:600}.err{color:#b54708}
.body{padding:4px 14px 12px}
.msg{border-left:4px solid #ccc;margin:6px 0;padding:4px 10px;white-space:pre-wrap;word-break:break-word}
.system{border-color:#98a2b3;color:#475467;max-height:7em;overflow:auto}.user{border-color:#2e90fa}
.assistant{border-color:#12b76a}.tool{border-color:#f79009;background:#fffaf0;font-family:ui-monospace,monospace;font-size:12px}
.role{font-weight:600;font-size:12px;text-transform:uppercase;color:#667085}
.call{font-family:ui-monospace,monospace;background:#ecfdf3;padding:2px 6px;border-radius:4px;display:inline-block;margin:2px 0}
.toolerr{background:#fef3f2}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:12px}
h3{font-size:14px;margin:12px 0 4px}
"""

_SCRIPT = """
const box=document.getElementById('filter');
box.addEventListener('input',()=>{const q=box.value.toLowerCase();let n=0;
for(const d of document.querySelectorAll('details.ep')){const hit=!q||d.dataset.key.includes(q)||d.textContent.toLowerCase().includes(q);
d.style.display=hit?'':'none';n+=hit;}document.getElementById('shown').textContent=n;});
const linked=location.hash&&document.getElementById(location.hash.slice(1));
if(linked){linked.open=true;linked.scrollIntoView();}
"""


def render_html(trajectories: Sequence[Trajectory], title: str = "agentscaler trajectories") -> str:
    """The whole page as a string."""
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1></header><main>",
        _summary_table(trajectories),
        '<input id=filter placeholder="filter: env, task id, pass, fail, error, any text">',
        f" <span id=shown>{len(trajectories)}</span> shown",
    ]
    parts.extend(_episode(i, t) for i, t in enumerate(trajectories))
    parts.append(f"</main><script>{_SCRIPT}</script></body></html>")
    return "".join(parts)


def write_html(trajectories: Iterable[Trajectory], path: str | Path, title: str | None = None) -> Path:
    trajectories = list(trajectories)
    path = Path(path)
    path.write_text(render_html(trajectories, title or path.stem), encoding="utf-8")
    return path


def _summary_table(trajectories: Sequence[Trajectory]) -> str:
    rows = [
        "<table><tr><th>env</th><th>episodes</th><th>pass rate</th><th>mean turns</th><th>tool-error rate</th><th>policy errors</th></tr>"
    ]
    for env_id, s in summarize(trajectories).items():
        rows.append(
            f"<tr><td>{escape(env_id)}</td><td>{s['episodes']}</td><td>{s['pass_rate']:.1%}</td><td>{s['mean_turns']:.2f}</td>"
            f"<td>{s['tool_error_rate']:.1%}</td><td>{s['errors']}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _episode(index: int, t: Trajectory) -> str:
    outcome = "error" if t.error else ("pass" if t.passed else "fail")
    css = {"pass": "pass", "fail": "fail", "error": "err"}[outcome]
    key = f"{t.env_id} {t.task_id} {outcome}".lower()
    head = (
        f"<span class={css}>{outcome.upper():<5}</span> #{index} {escape(t.env_id)} · {escape(t.task_id)}"
        f" · seed {t.seed} · reward {t.reward:g} · {t.turns} turns"
    )
    body = [_error(t), _conversation(t.messages), _verification(t.verification), _changes(t.db_changes), _meta(t)]
    return f"<details class=ep id=ep-{index} data-key='{escape(key)}'><summary>{head}</summary><div class=body>{''.join(body)}</div></details>"


def _error(t: Trajectory) -> str:
    return f"<p class=err><b>Episode error:</b> {escape(t.error)}</p>" if t.error else ""


def _conversation(messages: Sequence[dict]) -> str:
    out = ["<h3>Conversation</h3>"]
    for m in messages:
        role = str(m.get("role", "?"))
        label = role if role != "tool" else f"tool · {m.get('name', '')}"
        content = str(m.get("content") or "")
        extra = " toolerr" if role == "tool" and content.startswith("Error:") else ""
        calls = "".join(
            f"<div class=call>→ {escape(c['function']['name'])}({escape(_args(c['function'].get('arguments')))})</div><br>"
            for c in m.get("tool_calls") or ()
        )
        out.append(
            f"<div class='msg {escape(role)}{extra}'><span class=role>{escape(label)}</span>\n{escape(content)}{calls}</div>"
        )
    return "".join(out)


def _verification(v: dict) -> str:
    if not v:
        return ""
    rows = "".join(
        f"<tr><th>{name}</th><td>{_mark(v.get(name))}</td></tr>"
        for name in ("reward", "state_match", "exact_match", "outputs_match")
    )
    missing = v.get("missing_outputs") or []
    if missing:
        rows += f"<tr><th>missing outputs</th><td>{escape(', '.join(map(str, missing)))}</td></tr>"
    out = [f"<h3>Verification</h3><table>{rows}</table>"]
    if v.get("diff"):
        out.append(
            "<h3>State diff (rows that differ from the gold run)</h3><table><tr><th>table</th><th>key</th><th>expected</th><th>actual</th></tr>"
        )
        for d in v["diff"]:
            out.append(
                f"<tr><td>{escape(_where(d))}</td><td>{escape(str(d.get('key')))}</td>"
                f"<td><pre>{escape(_json(d.get('expected')))}</pre></td><td><pre>{escape(_json(d.get('actual')))}</pre></td></tr>"
            )
        out.append("</table>")
    return "".join(out)


def _where(row: dict) -> str:
    """A changed row's table, named with its seat when it is not the assistant's (the user's phone)."""
    seat = row.get("seat")
    return f"{seat}: {row.get('table')}" if seat not in (None, "assistant") else str(row.get("table"))


def _changes(changes: Sequence[dict]) -> str:
    if not changes:
        return "<h3>Database changes</h3><p>none</p>"
    rows = "".join(
        f"<tr><td>{escape(_where(c))}</td><td>{escape(str(c.get('key')))}</td><td><pre>{escape(_json(c.get('row')) if c.get('row') is not None else 'deleted')}</pre></td></tr>"
        for c in changes
    )
    return f"<h3>Database changes</h3><table><tr><th>table</th><th>key</th><th>row after</th></tr>{rows}</table>"


def _meta(t: Trajectory) -> str:
    info = {"policy": t.policy, "timings": {k: v for k, v in t.timings.items() if k != "latency"}, "tokens": t.tokens}
    if t.user_calls:
        info["user_calls"] = t.user_calls
    return f"<h3>Run</h3><pre>{escape(_json(info))}</pre>"


def _mark(value) -> str:
    if value is True:
        return "<span class=pass>yes</span>"
    if value is False:
        return "<span class=fail>no</span>"
    return "n/a" if value is None else escape(str(value))


def _args(arguments) -> str:
    if isinstance(arguments, dict):
        return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in arguments.items())
    return str(arguments)


def _json(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # JSON-text columns (addresses, item lists) shown decoded
        value = {k: _decoded(v) for k, v in value.items()}
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def _decoded(value):
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return value
