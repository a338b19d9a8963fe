import copy
import json
import pickle

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401 - registers the ids
from agentscaler_gym.actions import parse_action
from agentscaler_gym.tasks import ASSISTANT, ToolCall


def calls(turn):
    return [(c.name, dict(c.arguments)) for c in turn.tool_calls]


def test_hermes_blocks_are_parallel_calls_and_text_outside_is_content():
    turn = parse_action(
        'Let me check.<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
        '<tool_call>{"name": "b", "arguments": "{\\"y\\": \\"z\\"}"}</tool_call>'
    )
    assert calls(turn) == [("a", {"x": 1}), ("b", {"y": "z"})]
    assert turn.content == "Let me check." and not turn.errors


def test_think_blocks_are_dropped():
    turn = parse_action("<think>I should call a</think>\nHello there")
    assert turn.content == "Hello there" and not turn.tool_calls


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "a", "arguments": {"x": 1}}',
        '[{"name": "a", "arguments": {"x": 1}}]',
        "a(x=1)",
        '{"role": "assistant", "content": null, "tool_calls": [{"id": "1", "type": "function", "function": {"name": "a", "arguments": "{\\"x\\": 1}"}}]}',
    ],
)
def test_every_call_format_gives_the_same_call(text):
    turn = parse_action(text)
    assert calls(turn) == [("a", {"x": 1})] and not turn.errors


def test_message_dict_is_accepted():
    turn = parse_action(
        {"role": "assistant", "content": "ok", "tool_calls": [{"function": {"name": "a", "arguments": {}}}]}
    )
    assert calls(turn) == [("a", {})] and turn.content == "ok"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('<tool_call>{"name": "a", "arguments": {</tool_call>', "could not parse the tool call JSON"),
        ('<tool_call>{"arguments": {}}</tool_call>', "needs a 'name' string"),
        ('<tool_call>{"name": "a", "arguments": [1]}</tool_call>', "must be a JSON object"),
        ('<tool_call>{"name": "a", "arguments": "{bad"}</tool_call>', "not valid JSON"),
        ('{"name": "a", "arguments": ', "could not parse the JSON tool call"),
        ("a(1, 2)", "pass arguments by name"),
        ("a(x=foo)", "literal values"),
        ("a(x=1", None),
    ],
)
def test_malformed_calls_become_errors_not_exceptions(text, fragment):
    turn = parse_action(text)
    if fragment is None:
        assert turn.content == text and not turn.tool_calls
    else:
        assert any(fragment in e for e in turn.errors), turn.errors
        assert not turn.tool_calls


def test_plain_text_is_a_message_and_non_text_is_an_error():
    assert parse_action("Hello (again), how can I help?").content == "Hello (again), how can I help?"
    assert parse_action(42).errors
    assert parse_action("").content == ""


def test_unclosed_tool_call_at_end_is_still_parsed():
    assert calls(parse_action('<tool_call>{"name": "a", "arguments": {}}')) == [("a", {})]


def test_message_round_trip():
    turn = parse_action('<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>')
    again = parse_action(json.dumps(turn.message()))
    assert again.tool_calls == [ToolCall("a", {"x": 1})]


HUGE = "9" * 5000  # more digits than Python prints in decimal


@pytest.mark.parametrize(
    "text",
    [
        f'{{"name": "a", "arguments": {{"x": {HUGE}}}}}',
        f'[{{"name": "a", "arguments": {{"x": {HUGE}}}}}]',
        f'<tool_call>{{"name": "a", "arguments": {{"x": {HUGE}}}}}</tool_call>',
        f'{{"name": "a", "arguments": "{{\\"x\\": {HUGE}}}"}}',
        f'{{"role": "assistant", "content": "", "tool_calls": [{{"function": {{"name": "a", "arguments": {{"x": {HUGE}}}}}}}]}}',
        f"a(x={HUGE})",
        f"[a(x={HUGE})]",
        f"a(x=0x{'f' * 5000})",
        f"a(x=[0x{'f' * 5000}])",
        f"[0x{'f' * 5000}]",
    ],
)
def test_an_integer_too_long_to_print_is_an_error_in_every_format(text):
    turn = parse_action(text)
    assert turn.errors and not turn.tool_calls
    json.dumps(turn.message())  # what is kept can be written out


@pytest.mark.parametrize(
    "literal, problem",
    [
        ("{1, 2}", "set is not a JSON type"),
        ("b'x'", "bytes is not a JSON type"),
        ("1j", "complex is not a JSON type"),
        ("...", "ellipsis is not a JSON type"),
        ("{1: 'a'}", "keys must be strings"),
        ("[" * 40 + "]" * 40, "nested more than"),
    ],
)
def test_call_syntax_literals_that_are_not_json_values_are_errors(literal, problem):
    turn = parse_action(f"get_ticket(ticket_id={literal})")
    assert not turn.tool_calls and problem in turn.errors[0]


def test_a_message_dict_with_values_that_are_not_json_is_an_error():
    turn = parse_action({"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": {"x": {1}}}}]})
    assert not turn.tool_calls and "set is not a JSON type" in turn.errors[0]
    turn = parse_action({"role": "assistant", "tool_calls": [10**5000]})
    assert not turn.tool_calls and turn.errors


def test_tuples_and_non_finite_numbers_still_parse():
    assert calls(parse_action("a(x=(1, 2), y=1e999)")) == [("a", {"x": (1, 2), "y": float("inf")})]
    assert calls(parse_action('{"name": "a", "arguments": {"y": NaN}}'))[0][1]["y"] != 0


@pytest.mark.parametrize(
    "block",
    [
        '{"name": "a", "arguments": {"x": 1, "y": "z"}}',
        '{"name": "a", "arguments": {}, "id": "7"}',
        '{"name": "a", "parameters": {"x": 1}}',
        '{"name": "a", "arguments": "{\\"x\\": 1}"}',
        '{"name": "a", "arguments": ' + '{"x": ' * 33 + "1" + "}" * 33 + "}",
        '{"name": "a", "arguments": {"x": ' + "[" * 31 + "]" * 31 + "}}",
        '{"name": "a", "arguments": "' + '{\\"x\\": ' * 40 + "1" + "}" * 40 + '"}',
        '{"name": "a", "arguments": {"x": "\\u007b\\u005b"}}',
        f'{{"name": "a", "arguments": {{"x": {HUGE}}}}}',
        '{"name": "a", "arguments": {"x": NaN}}',
        '{"name": "", "arguments": {}}',
        '{"name": 3, "arguments": {}}',
        '{"name": "a", "arguments": [1]}',
        '{"name": "a", "arguments": {}} trailing',
        '["a"]',
        "\ufeff{}",
        "",
    ],
)
def test_one_plain_call_is_read_as_the_general_case_reads_it(block):
    one = parse_action(f"<tool_call>{block}</tool_call>")
    two = parse_action(f"<tool_call>{block}</tool_call><tool_call>{block}</tool_call>")  # the general case
    assert one.tool_calls * 2 == two.tool_calls and one.errors * 2 == two.errors and one.content == two.content


def test_a_tool_call_is_a_light_immutable_record():
    call = ToolCall("a", {"x": 1})
    assert call == ToolCall("a", {"x": 1}, "assistant") != ToolCall("a", {"x": 1}, "user")
    assert (call.name, call.arguments, call.actor) == ("a", {"x": 1}, "assistant")
    assert repr(call) == "ToolCall(name='a', arguments={'x': 1}, actor='assistant')"
    assert ToolCall("a").arguments == {} and ToolCall("a").arguments is not ToolCall("a").arguments
    with pytest.raises(AttributeError):
        call.name = "b"
    assert pickle.loads(pickle.dumps(call)) == call and copy.deepcopy(call) == call
    assert call._replace(actor="user").to_dict() == {"name": "a", "arguments": {"x": 1}, "actor": "user"}


def test_one_call_and_several_calls_write_the_same_transcript_entries():
    """A turn of one call writes the transcript entries a turn of several calls writes for each of
    its calls."""
    env = gym.make("AgentScaler/mock-v0").unwrapped
    task = next(t for t in env.tasks if t.family == "status")
    call = task.gold_calls[0]
    block = f"<tool_call>{json.dumps(call.to_dict())}</tool_call>"
    env.reset(options={"task_id": task.id})
    one, _, _, _, _ = env.step(block)
    single = env.messages[-2:]
    env.reset(options={"task_id": task.id})
    two, _, _, _, _ = env.step(block + block)
    assistant, first, second = env.messages[-3:]
    assert single[0] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": call.name, "arguments": dict(call.arguments)}}],
    }
    assert assistant["tool_calls"] == single[0]["tool_calls"] * 2
    assert single[1] == first == second == {"role": "tool", "name": call.name, "content": one}
    assert two == f"<tool_response>\n{one}\n</tool_response>\n<tool_response>\n{one}\n</tool_response>"
    assert env.seats[ASSISTANT].calls == [call, call]
