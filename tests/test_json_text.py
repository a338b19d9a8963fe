"""JSON in and out of the step path: orjson writes answers and reads rows, the json module takes
what orjson refuses or would read otherwise, with the same values and the same compact text."""

import dataclasses
import datetime
import json
import math

import peewee as pw
import pytest

from agentscaler_gym.actions import parse_action
from agentscaler_gym.database import Database, Model, SeedDatabase, json_value, row_values
from agentscaler_gym.seat import render


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "result",
    [
        {"order_id": "#W0000001", "items": [{"price": 12.5, "options": {"size": "M"}}], "gift": None},
        [1, 2.0, -0.0, 1e16, 0.1, True, "é ☃"],
        {"big": 2**70},  # past 64 bits: orjson refuses, the json module writes it
        {1: "a", 2: "b"},  # keys that are not strings
        {"lone": "\ud800"},  # a lone surrogate
    ],
)
def test_render_writes_compact_json_of_the_same_value(result):
    text = render(result)
    assert ", " not in text and '": ' not in text  # compact
    assert json.loads(text) == json.loads(json.dumps(result))


def test_render_leaves_what_json_cannot_write_to_str():
    when = datetime.datetime(2024, 5, 1, 9, 30)
    assert json.loads(render({"at": when, "p": Point(3), "s": {1}})) == {"at": str(when), "p": "Point(x=3)", "s": "{1}"}
    assert render("plain text") == "plain text"


class Stored(str):
    pass


@pytest.mark.parametrize(
    "text",
    ['[1,"a",null,2.5]', ' {"a": [1, {"b": 2}]} ', "NaN", "[Infinity]", "[123456789012345678901234]", '"\\ud800"'],
)
def test_json_value_reads_what_json_loads_reads(text):
    want, got = json.loads(text), json_value(text)
    assert type(got) is type(want)
    assert got == want or (isinstance(want, float) and math.isnan(want) and math.isnan(got))
    assert json_value(Stored(text)) == got or isinstance(want, float)  # a JSON column's stored text


@pytest.mark.parametrize("text", ["", "[1,", "{'a': 1}", "[1] x"])
def test_json_value_raises_as_json_loads_does(text):
    with pytest.raises(json.JSONDecodeError):
        json_value(text)


@pytest.mark.parametrize(
    "block",
    [
        '{"name": "f", "arguments": {"x": 1}}',
        '{"name": "f", "arguments": {"x": NaN}}',  # the json module reads NaN; the tool then refuses it
        '{"name": "f", "arguments": {"n": 123456789012345678901234}}',
        '{"name": "f", "arguments": {"s": "\\ud800"}}',
        '{"name": "f", "arguments": {"x": 1}} trailing',
    ],
)
def test_a_call_block_parses_as_the_json_module_reads_it(block):
    turn = parse_action(f"<tool_call>{block}</tool_call>")
    try:
        value = json.loads(block)
    except json.JSONDecodeError:
        assert not turn.tool_calls and turn.errors
        return
    assert [(c.name, dict(c.arguments)) for c in turn.tool_calls] == [(value["name"], value["arguments"])] or (
        math.isnan(value["arguments"].get("x", 0.0)) and turn.tool_calls[0].name == "f"
    )


@pytest.mark.parametrize(
    "text", ['[1,"a",null,2.5,1.0,-0.0]', "[9223372036854775807,-9223372036854775808]", '["{\\"a\\":[1,2]}"]']
)
def test_row_values_reads_sqlite_rows_as_json_loads_does(text):
    got, want = row_values(text), json.loads(text)
    assert got == want and [type(v) for v in got] == [type(v) for v in want]


def test_row_values_reads_the_rows_a_database_reports():

    class Thing(Model):
        name = pw.CharField(primary_key=True)
        count = pw.IntegerField()
        weight = pw.FloatField()

    db = Database(SeedDatabase([Thing], {Thing: [{"name": "a", "count": 2**63 - 1, "weight": 0.1}]}))
    db.conn.execute("UPDATE thing SET count = -9223372036854775808, weight = 1e300")
    db.conn.execute("INSERT INTO thing VALUES ('b\u00e9 \u2603', 7, 2.5)")
    for text in db.changes().values():
        assert row_values(text) == json.loads(text)
