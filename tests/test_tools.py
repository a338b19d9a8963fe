import math
from typing import Literal

import pytest

from agentscaler_gym.tools import READ, WRITE, Tool, ToolError, _validate_fully, tool, validate_arguments


@tool(WRITE)
def book_room(
    guest_id: str,
    nights: int,
    rate: float,
    view: Literal["sea", "garden"],
    late_checkout: bool = False,
    extras: list[str] | None = None,
) -> dict:
    """Book a room for a guest.

    Args:
        guest_id: The guest id, such as 'G001'.
        nights: How many nights,
            at least one.
        rate: Nightly rate in dollars.
        view: Which view the room has.
        late_checkout: Whether to add late checkout.
        extras: Extra services.
    """
    return {"guest_id": guest_id, "nights": nights}


def test_schema_is_derived_from_hints_and_docstring():
    fn = book_room.schema["function"]
    assert fn["name"] == "book_room" and fn["description"] == "Book a room for a guest."
    props = fn["parameters"]["properties"]
    assert props["guest_id"] == {"type": "string", "description": "The guest id, such as 'G001'."}
    assert props["nights"] == {"type": "integer", "description": "How many nights, at least one."}
    assert props["rate"]["type"] == "number"
    assert props["view"]["enum"] == ["sea", "garden"]
    assert props["extras"] == {
        "type": "array",
        "items": {"type": "string"},
        "nullable": True,
        "description": "Extra services.",
    }
    assert fn["parameters"]["required"] == ["guest_id", "nights", "rate", "view"]
    assert book_room.kind == WRITE


def test_schema_matches_transformers_get_json_schema():
    utils = pytest.importorskip("transformers.utils")

    def lookup(order_id: str, limit: int = 3) -> dict:
        """Look up an order.

        Args:
            order_id: The order id.
            limit: How many rows.
        """

    theirs = utils.get_json_schema(lookup)["function"]
    ours = tool(READ)(lookup).schema["function"]
    assert ours["parameters"]["properties"] == theirs["parameters"]["properties"]
    assert ours["parameters"]["required"] == theirs["parameters"]["required"]
    assert ours["description"] == theirs["description"]


def test_choices_in_docstring_become_an_enum():
    @tool()
    def f(kind: str) -> str:
        """Pick.

        Args:
            kind: The kind. (choices: ["a", "b"])
        """
        return kind

    assert f.parameters["properties"]["kind"] == {"type": "string", "enum": ["a", "b"], "description": "The kind."}


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"nights": 1, "rate": 1.0, "view": "sea"}, "missing required argument(s) 'guest_id'"),
        ({"guest_id": "G1", "nights": 1, "rate": 1.0, "view": "sea", "pool": True}, "unknown argument(s) 'pool'"),
        (
            {"guest_id": 7, "nights": 1, "rate": 1.0, "view": "sea"},
            "'guest_id' of book_room must be a string, got integer 7",
        ),
        ({"guest_id": "G1", "nights": True, "rate": 1.0, "view": "sea"}, "must be an integer, got boolean"),
        ({"guest_id": "G1", "nights": 1.5, "rate": 1.0, "view": "sea"}, "must be an integer, got number"),
        ({"guest_id": "G1", "nights": 1, "rate": 1.0, "view": "roof"}, "must be one of ['sea', 'garden']"),
        ({"guest_id": "G1", "nights": 1, "rate": 1.0, "view": "sea", "extras": ["spa", 3]}, "item 1 must be a string"),
        ({"guest_id": "x" * 20_000, "nights": 1, "rate": 1.0, "view": "sea"}, "too long"),
        (["G1"], "must be a JSON object, got array"),
    ],
)
def test_bad_arguments_raise_a_tool_error_that_teaches_the_signature(arguments, message):
    with pytest.raises(ToolError) as err:
        validate_arguments(book_room, arguments)
    assert message in str(err.value)
    assert "Usage: book_room(guest_id: string, nights: integer" in str(err.value)


def test_valid_arguments_pass_and_ints_are_numbers():
    assert book_room(guest_id="G1", nights=2, rate=100, view="sea", extras=None) == {"guest_id": "G1", "nights": 2}


def test_undocumented_or_untyped_parameters_are_rejected_at_definition():
    with pytest.raises(TypeError, match="not documented"):

        @tool()
        def f(x: int) -> int:
            """Doc without args."""

    with pytest.raises(TypeError, match="no type hint"):

        @tool()
        def g(x) -> int:
            """Doc.

            Args:
                x: An x.
            """

    with pytest.raises(ValueError):
        tool("delete")


@tool(WRITE)
def set_limit(card_id: str, daily_limit: float, steps: list[float] | None = None) -> str:
    """Set a card's daily limit.

    Args:
        card_id: The card.
        daily_limit: The new limit.
        steps: Intermediate limits.
    """
    return "ok"


@pytest.mark.parametrize(
    "arguments",
    [
        {"card_id": "C1", "daily_limit": float("inf")},
        {"card_id": "C1", "daily_limit": float("-inf")},
        {"card_id": "C1", "daily_limit": float("nan")},
        {"card_id": "C1", "daily_limit": 1.0, "steps": [1.0, float("inf")]},
    ],
)
def test_non_finite_numbers_are_invalid_arguments(arguments):
    with pytest.raises(ToolError, match="finite|must not contain"):
        validate_arguments(set_limit, arguments)
    assert validate_arguments(set_limit, {"card_id": "C1", "daily_limit": 1e308})["daily_limit"] == 1e308


# The quick test compiled per tool must never accept what the full walk of the schema refuses, and
# must accept the common shapes (or the step path loses its shortcut). Every schema of one
# parameter, against values at every type's limits, and the rules on keys.
CHOICES = {"string": ["a", "x" * 10_001], "integer": [1, 2], "number": [0.5, 2], "boolean": [True]}
VALUES = ["a", "x" * 10_000, "x" * 10_001, 0, 1, 2, 2**70, 0.5, 1.0, 2.0, math.nan, math.inf, -math.inf, True, False]
VALUES += [None, [], ["a"], [1.5], [math.nan], {}, {"k": 1}, {"k": math.inf}, (1,), {1}, b"a"]
SCHEMAS = [
    {"type": kind, **({"enum": CHOICES[kind]} if enum else {}), **({"nullable": True} if nullable else {})}
    for kind in CHOICES
    for enum in (False, True)
    for nullable in (False, True)
]
SCHEMAS += [{"type": "array"}, {"type": "array", "items": {"type": "number"}}, {"type": "object"}, {}]
SCHEMAS += [{"anyOf": [{"type": "string"}, {"type": "integer"}]}, {"type": "string", "enum": [["unhashable"], "a"]}]


def full_walk_accepts(t, arguments):
    try:
        _validate_fully(t, arguments)
    except ToolError:
        return False
    return True


def test_the_quick_argument_test_agrees_with_the_full_walk():
    for schema in SCHEMAS:
        for required in ([], ["p"]):
            t = Tool("t", READ, "A tool.", {"type": "object", "properties": {"p": schema}, "required": required}, dict)
            simple = schema.get("type") in CHOICES and not isinstance(schema.get("enum", [""])[0], list)
            for arguments in [*({"p": v} for v in VALUES), {}, {"q": 1}, {"p": "a", "q": 1}, "p", None, [("p", 1)]]:
                valid = full_walk_accepts(t, arguments)
                assert valid or not t.accepts(arguments), (schema, required, arguments)
                plain = type(arguments) is dict and all(type(v) in (str, int, float, bool) for v in arguments.values())
                assert not (valid and simple and plain) or t.accepts(arguments), (schema, required, arguments)
