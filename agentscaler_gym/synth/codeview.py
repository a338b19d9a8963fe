"""A synthesized domain as a readable Python module, for people to inspect (``--emit-code``).

The module shows the peewee models and, for each tool, the query its operator runs. It is written
next to ``domain.json`` as ``view.py`` and is never imported or executed: the runtime interprets
``domain.json`` (``operators.operator_tool``), so the view can only document, never drift into use.

Everything from the corpus is data here too: texts (descriptions, enum values, states, prefixes)
are written as ``repr`` literals or comments of ``repr`` text, names as identifiers that no keyword
or other name shadows (a column ``from`` is the attribute ``from_`` with ``column_name='from'``),
and :func:`agentscaler_gym.synth.folder.write_domain_folder` compiles the result before writing it.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping

from .spec import DomainSpec, EntitySpec, ToolSpec
from .words import human

_FIELDS = {
    "string": "TextField",
    "integer": "IntegerField",
    "number": "FloatField",
    "boolean": "BooleanField",
    "json": "TextField",
}
_PY = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "list", "object": "dict"}


def domain_module(spec: DomainSpec) -> str:
    """The source of ``view.py``: every text of the spec is a ``repr`` literal, every name a valid identifier."""
    classes: dict[str, str] = {}
    for e in spec.entities:
        classes[e.name] = identifier("".join(w.capitalize() for w in str(e.name).split("_")), set(classes.values()))
    doc = f"{spec.title}: {spec.description}\n\nGenerated from domain.json for reading only; the runtime never imports this file.\n"
    lines = [
        repr(doc),
        "",
        "import peewee as pw",
        "",
        "from agentscaler_gym.database import Model",
        "from agentscaler_gym.synth.words import FINAL_STATES",
        "from agentscaler_gym.tools import READ, WRITE, ToolError, tool",
        "",
    ]
    for e in spec.entities:
        lines += ["", "", f"class {classes[e.name]}(Model):"]
        for c in e.columns:
            args = "primary_key=True" if c.name == e.key else "null=True"
            attribute = _attribute(c.name)
            if attribute != c.name:
                args += f", column_name={c.name!r}"
            note = (
                f"  # -> {classes.get(c.references, '?')}"
                if c.references
                else (f"  # {' | '.join(map(repr, c.enum))}" if c.enum else "")
            )
            lines.append(f"    {attribute} = pw.{_FIELDS.get(c.type, 'TextField')}({args}){note}")
    taken = set(classes.values()) | _IMPORTED
    for t in spec.tools:
        name = identifier(t.name, taken)
        taken.add(name)
        lines += ["", ""] + _function(t, name, {e.name: e for e in spec.entities}, classes)
    return "\n".join(lines) + "\n"


_IMPORTED = {"pw", "Model", "FINAL_STATES", "READ", "WRITE", "ToolError", "tool"}


def identifier(text: str, taken: set[str] = frozenset()) -> str:
    """``text`` as a Python name no keyword, builtin import or earlier name of the module shadows."""
    name = re.sub(r"\W", "_", str(text), flags=re.ASCII) or "x"
    if name[0].isdigit():
        name = "x_" + name
    while keyword.iskeyword(name) or name in taken or name in _IMPORTED:
        name += "_"
    return name


def _attribute(column: str) -> str:
    """A model attribute for a column: the column's own name when it is a usable identifier (``from`` -> ``from_``)."""
    return identifier(column)


def _function(tool: ToolSpec, name: str, entities: Mapping[str, EntitySpec], classes: Mapping) -> list[str]:
    op = tool.operator
    if op.op == "compute":
        return [
            "@tool(READ)",
            f"def {name}(**arguments):",
            f"    {tool.description[:200]!r}",
            "    from agentscaler_gym.synth import compute",
            "",
            f"    return compute.run({op.function!r}, {op.args!r}, {op.scale!r}, arguments)",
        ]
    if op.op == "login":
        return [
            "@tool(WRITE)",
            f"def {name}(**credentials):",
            f"    {tool.description[:200]!r}",
            f"    # opens a session (a row of {op.session}) when exactly one {op.entity} has these values",
            "    ...",
        ]
    model, entity = classes[op.entity], entities[op.entity]
    props, required = tool.parameters["properties"], set(tool.parameters["required"])
    arguments = {p: identifier(p, {"row", "query"}) for p in props}  # the agent's name -> the Python one
    params = [
        f"{arguments[p]}: {_PY.get(s.get('type'), 'object')}" + ("" if p in required else " = None")
        for p, s in props.items()
    ]
    params.sort(key=lambda text: text.endswith("= None"))
    roles = {arguments[p]: (r, _attribute(c)) for p, (r, c) in op.args.items() if p in arguments}
    key = next(((p, c) for p, (r, c) in roles.items() if r == "key"), None)
    values = [(p, c) for p, (r, c) in roles.items() if r == "value"]
    body = [
        f"@tool({'WRITE' if tool.kind == 'write' else 'READ'})",
        f"def {name}({', '.join(params)}):",
        f"    {tool.description[:200]!r}",
    ]
    find = f"{model}.get_or_none({model}.{key[1]} == {key[0]})" if key else "None"
    if op.op == "list":
        body.append(f"    query = {model}.select()")
        for p, (r, c) in roles.items():
            if r in ("value", "key", "min", "max"):
                test = {"min": ">=", "max": "<="}.get(r, "==")
                body += [f"    if {p} is not None:", f"        query = query.where({model}.{c} {test} {p})"]
        order = _attribute(entity.key)
        return body + [f"    return [row.__data__ for row in query.order_by({model}.{order}).limit(20)]"]
    if op.op == "create":
        sets = ", ".join(f"{c}={p}" for p, c in values)
        first = f"{entity.prefix or ''}0001"
        return body + [
            f"    # foreign keys must exist; the key is the next free one ({first!r}, ...)",
            f"    return {model}.create({sets}).__data__",
        ]
    missing = f"no {human(op.entity)} "
    body += [
        f"    row = {find}",
        "    if row is None:",
        f"        raise ToolError({missing!r} + repr({key[0] if key else 'None'}))",
    ]
    if op.op == "get":
        return body + ["    return row.__data__"]
    if op.op == "delete":
        return body + [
            "    # refused while other records refer to the row",
            "    row.delete_instance()",
            f"    return {{'deleted': True, {entity.key!r}: row.{_attribute(entity.key)}}}",
        ]
    if op.op == "transition":
        t = op.transition
        status = _attribute(t.column)
        start = f"row.{status} not in {t.start!r}" if t.start else f"row.{status} in FINAL_STATES"
        body += [
            f"    if row.{status} == {t.to!r} or {start}:",
            f"        raise ToolError({'cannot become ' + str(t.to)!r})",
            f"    row.{status} = {t.to!r}",
        ]
    body += [f"    row.{c} = {p}" for p, c in values]
    return body + ["    # an update that changes nothing is refused", "    row.save()", "    return row.__data__"]
