"""The policy text of a synthesized domain: its records and the rules its tools enforce.

Generated from the domain's entities and operators, so the rules an agent reads are exactly the
preconditions the tools check (status transitions, keys that must exist, deletes that must not
orphan records, values that must stay unique).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .spec import EntitySpec, ToolSpec
from .values import CURRENT_DATE
from .words import FINAL_STATES, human, plural


def policy_text(
    title: str,
    description: str,
    entities: Sequence[EntitySpec],
    tools: Sequence[ToolSpec],
    today: dt.date = CURRENT_DATE,
) -> str:
    """The policy of a domain whose current date is ``today`` (the date its seed rows are placed around)."""
    lines = [
        f"# {title}: assistant policy",
        "",
        f"You are the assistant of {title}. {description}".strip(),
        "You act only through the tools; each one reads or changes the records below.",
        f"Today is {today.isoformat()}; dates in the records are relative to it.",
        "",
        "## Records",
        "",
    ]
    for e in entities:
        columns = []
        for c in e.columns:
            if c.name == e.key:
                continue
            text = human(c.name)
            if c.references:
                text += f" (a {human(c.references)})"
            elif c.enum:
                text += f" ({', '.join(map(str, c.enum[:8]))})"
            columns.append(text)
        lines.append(f"- {human(e.name)} (key {human(e.key)}): {', '.join(columns) or 'no other fields'}.")
    lines += [
        "",
        "## Rules",
        "",
        "- Use only keys and values that the user gives you or that the tools return; never invent them.",
        "- Make exactly the changes the user asks for, with the values the user gives, and nothing else.",
        "- An update must change at least one value; a record that already has the requested values is left as it is.",
        "- When you are done, tell the user the outcome and any value they asked for, as the tools returned it.",
    ]
    by_name = {e.name: e for e in entities}
    for t in tools:
        op = t.operator
        entity = human(op.entity)
        if op.op == "transition":
            tr = op.transition
            if tr.start:
                start = " or ".join(tr.start)
                lines.append(f"- {t.name}: {article(entity)} can become {tr.to} only while its status is {start}.")
            else:
                final = sorted(s for s in FINAL_STATES if s in (_enum(by_name[op.entity], "status") or ()))
                lines.append(
                    f"- {t.name}: {article(entity)} that is {tr.to} already, or in a final state "
                    f"({', '.join(final) or 'none'}), cannot become {tr.to}."
                )
    for e in entities:
        for c in e.columns:
            if c.references:
                lines.append(
                    f"- {article(human(e.name)).capitalize()} must refer to an existing {human(c.references)}; "
                    f"{article(human(c.references))} cannot be deleted while {plural(human(e.name))} refer to it."
                )
            if c.unique:
                lines.append(f"- No two {plural(human(e.name))} share the same {human(c.name)}.")
    return "\n".join(lines) + "\n"


def article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _enum(entity: EntitySpec, column: str):
    return next((c.enum for c in entity.columns if c.name == column), None)
