"""Computation tools: a known pure function the spec names and binds, or not offered; never a lookup."""

import json
import random
from dataclasses import replace

import pytest

from agentscaler_gym.synth import compute
from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.folder import build_domain
from agentscaler_gym.synth.operators import plan_tool, tool_spec
from agentscaler_gym.synth.quality import KNOWN_RESULTS, computes_truly
from agentscaler_gym.synth.schema import tool_shape
from agentscaler_gym.synth.spec import DomainSpec, FolderError, check_spec
from agentscaler_gym.synth.values import seed_data

NUM = {"type": "number", "description": "a number"}


def computation(name, props, required=None, description=""):
    shape = tool_shape(
        ApiSpec(
            name, description, {"type": "object", "properties": props, "required": required or list(props)}, {}, "", "t"
        )
    )
    plan, reason = plan_tool(shape, "x")
    if plan is not None and plan.op != "compute":
        return plan.op, reason
    return (tool_spec(shape, plan, {}) if plan is not None else None), reason


def spec_of(*tools):
    return DomainSpec("calc", "Calc", "", "", seed_data([], 0, 4), (), tools)


def test_every_library_function_has_hand_computed_results_and_gives_them():
    assert set(KNOWN_RESULTS) == set(compute.LIBRARY)
    for name, examples in KNOWN_RESULTS.items():
        for inputs, expected in examples:
            got = compute.result_value(compute.LIBRARY[name].fn(**inputs))
            assert got == pytest.approx(expected, abs=1e-4), (name, inputs)


def test_divide_answers_the_true_quotient_and_refuses_a_zero_divisor_leaving_the_database():
    tool, _ = computation(
        "divide",
        {"a": {"type": "number", "description": "Numerator."}, "b": {"type": "number", "description": "Denominator."}},
    )
    assert tool.operator.to_json() == {
        "op": "compute",
        "function": "divide",
        "args": {"a": ["input", "dividend"], "b": ["input", "divisor"]},
        "scale": {},
    }
    check_spec(spec_of(tool).to_json())
    seat = build_domain(spec_of(tool), {}).seats()["assistant"]
    assert json.loads(seat.call("divide", {"a": 10, "b": 2}).text) == {"result": 5}
    assert json.loads(seat.call("divide", {"a": 820.29, "b": 238.21}).text) == {"result": 3.4436}
    answer = seat.call("divide", {"a": 1, "b": 0})
    assert not answer.ok and "zero" in answer.text and not seat.changes()
    assert computes_truly(tool)


def test_units_stated_in_descriptions_convert_to_the_formula_and_unstated_units_are_not_offered():
    cm = {"type": "integer", "description": "Height of the person in centimeters."}
    kg = {"type": "integer", "description": "Weight of the person in kilograms."}
    tool, _ = computation(
        "calculate_bmi_3",
        {"weight": kg, "height": cm, "unit": {"type": "string", "description": "metric or imperial"}},
        ["weight", "height"],
    )
    assert tool.operator.scale == {"height": 0.01} and "unit" not in tool.parameters["properties"]
    seat = build_domain(spec_of(tool), {}).seats()["assistant"]
    assert json.loads(seat.call("calculate_bmi_3", {"weight": 70, "height": 175}).text) == {"result": 22.8571}
    tool, reason = computation("calculate_bmi", {"weight": NUM, "height": NUM})
    assert tool is None and "unit" in reason


def test_precision_parameters_round_and_other_required_parameters_mean_another_function():
    tool, _ = computation(
        "square_root", {"number": NUM, "precision": {"type": "integer", "description": "digits"}}, ["number"]
    )
    seat = build_domain(spec_of(tool), {}).seats()["assistant"]
    assert json.loads(seat.call("square_root", {"number": 2, "precision": 2}).text) == {"result": 1.41}
    assert not seat.call("square_root", {"number": -4}).ok
    tool, reason = computation("calculate_electric_field", {"charge": NUM, "distance": NUM})
    assert tool is None and reason == "computation that no known function matches"
    tool, reason = computation("math_power", {"base": NUM, "exponent": NUM, "mod": NUM})
    assert tool is None and "required parameter" in reason


def test_a_name_that_only_sounds_like_a_function_keeps_its_own_meaning():
    tool, _ = computation(
        "add_dates",
        {"date": {"type": "string", "description": "d"}, "days_to_add": {"type": "integer", "description": "n"}},
    )
    assert tool in (None, "create")


def test_the_truth_check_catches_a_swapped_binding_and_a_wrong_unit():
    tool, _ = computation(
        "divide",
        {"a": {"type": "number", "description": "Numerator."}, "b": {"type": "number", "description": "Denominator."}},
    )
    swapped = replace(
        tool, operator=replace(tool.operator, args={"a": ["input", "divisor"], "b": ["input", "dividend"]})
    )
    assert computes_truly(tool) and not computes_truly(swapped)
    cm = {"type": "number", "description": "Height in centimeters."}
    tool, _ = computation("calculate_bmi", {"weight_kg": NUM | {"description": "kg"}, "height": cm})
    wrong = replace(tool, operator=replace(tool.operator, scale={}))
    assert computes_truly(tool) and not computes_truly(wrong)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda op: op.update(function="os_system"), "operator.function"),
        (lambda op: op["args"].pop("b"), "operator.args"),
        (lambda op: op["args"].update(b=["input", "dividend"]), "operator.args.b[1]"),
        (lambda op: op.update(scale={"a": -1}), "operator.scale.a"),
        (lambda op: op["args"].update(b=["column", "divisor"]), "operator.args.b[0]"),
    ],
)
def test_a_folder_computation_the_library_cannot_run_is_refused(change, field):
    tool, _ = computation("divide", {"a": NUM, "b": NUM})
    spec = spec_of(tool).to_json()
    change(spec["tools"][0]["operator"])
    with pytest.raises(FolderError) as caught:
        DomainSpec.from_json(spec)
    assert f"tools[0].{field}" in str(caught.value)


def test_random_arguments_follow_the_parameter_types_and_units():
    tool, _ = computation(
        "gcd", {"num1": {"type": "integer", "description": "n"}, "num2": {"type": "integer", "description": "n"}}
    )
    op = tool.operator
    args = compute.random_arguments(op.function, op.args, op.scale, tool.parameters["properties"], random.Random(1))
    assert all(isinstance(v, int) for v in args.values())
