"""A synthesized domain as a readable Python module, for people to inspect (``--emit-code``).

The module shows the peewee models and, for each tool, the query its operator runs. It is written
next to ``domain.json`` as ``view.py`` and is never imported or executed: the runtime interprets
``domain.json`` (``operators.operator_tool``), so the view can only document, never drift into use.
"""

from __future__ import annotations

from collections.abc import Mapping

from .words import human

_FIELDS = {
    "string": "TextField",
    "integer": "IntegerField",
    "number": "FloatField",
    "boolean": "BooleanField",
    "json": "TextField",
}
_PY = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "list", "object": "dict"}


def domain_module(spec: Mapping) -> str:
    classes = {e["name"]: "".join(w.capitalize() for w in e["name"].split("_")) for e in spec["entities"]}
    lines = [
        f'"""{spec["title"]}: {spec["description"]}',
        "",
        "Generated from domain.json for reading only; the runtime never imports this file.",
        '"""',
        "",
        "import peewee as pw",
        "",
        "from agentscaler_gym.database import Model",
        "from agentscaler_gym.synth.words import FINAL_STATES",
        "from agentscaler_gym.tools import READ, WRITE, ToolError, tool",
        "",
    ]
    for e in spec["entities"]:
        lines += ["", "", f"class {classes[e['name']]}(Model):"]
        for c in e["columns"]:
            args = "primary_key=True" if c["name"] == e["key"] else "null=True"
            note = (
                f"  # -> {classes[c['references']]}"
                if c.get("references")
                else (f"  # {' | '.join(map(str, c['enum']))}" if c.get("enum") else "")
            )
            lines.append(f"    {c['name']} = pw.{_FIELDS[c['type']]}({args}){note}")
    for t in spec["tools"]:
        lines += ["", ""] + _function(t, {e["name"]: e for e in spec["entities"]}, classes)
    return "\n".join(lines) + "\n"


def _function(tool: Mapping, entities: Mapping, classes: Mapping) -> list[str]:
    op = tool["operator"]
    model, entity = classes[op["entity"]], entities[op["entity"]]
    props, required = tool["parameters"]["properties"], set(tool["parameters"]["required"])
    params = [
        f"{p}: {_PY.get(s.get('type'), 'object')}" + ("" if p in required else " = None")
        for p, s in props.items()
        if p.isidentifier()
    ]
    params.sort(key=lambda text: text.endswith("= None"))
    roles = {p: tuple(rc) for p, rc in op["args"].items() if p.isidentifier()}
    key = next(((p, c) for p, (r, c) in roles.items() if r == "key"), None)
    values = [(p, c) for p, (r, c) in roles.items() if r == "value"]
    body = [
        f"@tool({tool['kind'].upper()})",
        f"def {tool['name']}({', '.join(params)}):",
        f'    """{tool["description"][:200]}"""',
    ]
    find = f"{model}.get_or_none({model}.{key[1]} == {key[0]})" if key else None
    if op["op"] == "list":
        body.append(f"    query = {model}.select()")
        for p, (r, c) in roles.items():
            if r in ("value", "key", "min", "max"):
                test = {"min": ">=", "max": "<="}.get(r, "==")
                body += [f"    if {p} is not None:", f"        query = query.where({model}.{c} {test} {p})"]
        return body + [f"    return [row.__data__ for row in query.order_by({model}.{entity['key']}).limit(20)]"]
    if op["op"] == "create":
        sets = ", ".join(f"{c}={p}" for p, c in values)
        return body + [
            f"    # foreign keys must exist; the key is the next free one ({entity.get('prefix', '')}0001, ...)",
            f"    return {model}.create({sets}).__data__",
        ]
    body += [
        f"    row = {find}",
        "    if row is None:",
        f'        raise ToolError(f"no {human(op["entity"])} {{{key[0]}!r}}")',
    ]
    if op["op"] == "get":
        return body + ["    return row.__data__"]
    if op["op"] == "delete":
        return body + [
            "    # refused while other records refer to the row",
            "    row.delete_instance()",
            f"    return {{'deleted': True, '{entity['key']}': row.{entity['key']}}}",
        ]
    if op["op"] == "transition":
        t = op["transition"]
        start = f"row.status not in {t['from']!r}" if t["from"] else "row.status in FINAL_STATES"
        body += [
            f"    if row.status == {t['to']!r} or {start}:",
            f'        raise ToolError("cannot become {t["to"]}")',
            f"    row.status = {t['to']!r}",
        ]
    body += [f"    row.{c} = {p}" for p, c in values]
    return body + ["    # an update that changes nothing is refused", "    row.save()", "    return row.__data__"]
