"""Tool-call parsers: each family's syntax becomes the same assistant message; bad calls stay visible."""

import pytest

from agents.parsers import PARSERS, get_parser, parser_for, register_parser

CALL = {"name": "get_ticket", "arguments": {"ticket_id": 7}}


def calls(message):
    return [c["function"] for c in message.get("tool_calls", [])]


def test_hermes_blocks_become_calls_and_text_outside_stays_content():
    text = 'Let me check.\n<tool_call>\n{"name": "get_ticket", "arguments": {"ticket_id": 7}}\n</tool_call>'
    message = get_parser("hermes")(text)
    assert calls(message) == [CALL]
    assert message["content"] == "Let me check."


def test_hermes_parallel_calls_keep_their_order():
    text = '<tool_call>{"name": "a", "arguments": {}}</tool_call><tool_call>{"name": "b", "arguments": {"x": 1}}</tool_call>'
    assert [c["name"] for c in calls(get_parser("hermes")(text))] == ["a", "b"]


def test_thinking_is_split_off_into_reasoning_content():
    text = (
        "<think>\nThe user wants ticket 7.\n</think>\n\n<tool_call>\n"
        + '{"name": "get_ticket", "arguments": {"ticket_id": 7}}'
        + "\n</tool_call>"
    )
    message = get_parser("hermes")(text)
    assert message["reasoning_content"] == "The user wants ticket 7."
    assert calls(message) == [CALL] and message["content"] == ""


def test_malformed_hermes_call_is_left_in_content_for_the_env_to_report():
    text = '<tool_call>\n{"name": "get_ticket", "arguments": {"ticket_id": 7}\n</tool_call>'
    message = get_parser("hermes")(text)
    assert "tool_calls" not in message
    assert message["content"] == text


def test_string_arguments_are_decoded():
    message = get_parser("hermes")('<tool_call>{"name": "get_ticket", "arguments": "{\\"ticket_id\\": 7}"}</tool_call>')
    assert calls(message) == [CALL]


def test_llama3_json_with_python_tag_and_semicolon_separated_calls():
    text = '<|python_tag|>{"name": "get_ticket", "parameters": {"ticket_id": 7}}; {"name": "list_tickets", "parameters": {"customer_id": "C;1"}}'
    assert calls(get_parser("llama3")(text)) == [CALL, {"name": "list_tickets", "arguments": {"customer_id": "C;1"}}]


def test_llama3_plain_text_is_a_message():
    assert get_parser("llama3")("Your ticket is open.") == {"role": "assistant", "content": "Your ticket is open."}


def test_mistral_tool_calls_list():
    text = '[TOOL_CALLS] [{"name": "get_ticket", "arguments": {"ticket_id": 7}}]'
    assert calls(get_parser("mistral")(text)) == [CALL]


def test_mistral_malformed_list_is_left_in_content():
    text = "[TOOL_CALLS] [{'name': 'get_ticket'}]"
    assert get_parser("mistral")(text)["content"] == text


@pytest.mark.parametrize(
    "template, expected",
    [
        ("{{ '<tool_call>' }}", "hermes"),
        ("{{ '<|python_tag|>' }}", "llama3"),
        ("{{ '[TOOL_CALLS]' }}", "mistral"),
        (None, "hermes"),
    ],
)
def test_parser_is_chosen_from_the_chat_template(template, expected):
    assert parser_for(template) == expected


def test_registering_a_parser_makes_it_available_by_name():
    @register_parser("shout")
    def shout(text):
        return {"role": "assistant", "content": text.upper()}

    try:
        assert get_parser("shout")("hi")["content"] == "HI"
    finally:
        PARSERS.pop("shout")
    with pytest.raises(KeyError, match="unknown tool-call parser"):
        get_parser("shout")
