"""Known pure functions a synthesized computation tool may run, and how an API is matched to one.

A computation API (``divide``, ``calculate_bmi``, ``convert_currency``) cannot be a row lookup: the
answer would be a stored number, not its result. It is offered only as one of the functions in
:data:`LIBRARY`, which are this module's own code. Synthesis matches an API to a function by the
words of its name and binds the API's parameters to the function's arguments by their names (and
the units their descriptions state); the tool spec then *names* the function and the binding::

    {"op": "compute", "function": "divide",
     "args": {"a": ["input", "dividend"], "b": ["input", "divisor"], "precision": ["digits", ""]},
     "scale": {}}

so nothing generated is executed. :func:`run` evaluates a bound call: a value outside the
function's domain (a division by zero, the square root of a negative number) is a
:class:`~agentscaler_gym.tools.ToolError` the agent reads. Results are rounded to the tool's
``digits`` argument when it has one, else to :data:`DIGITS` decimal places, as its description says.

Hand-written because no library maps loose API names and parameter names onto formulas; the
formulas themselves are Python's ``math`` and ``statistics``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..tools import ToolError
from .spec import ToolSpec
from .words import words

DIGITS = 4
MAX_DIGITS = 10
# Fixed exchange rates, stated in every currency tool's description: units of each currency per US dollar.
RATES = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "JPY": 150.0,
    "CAD": 1.36,
    "AUD": 1.52,
    "CHF": 0.88,
    "CNY": 7.2,
    "INR": 83.0,
    "MXN": 17.0,
}
TEMPERATURES = ("celsius", "fahrenheit", "kelvin")
# Units by symbol: (dimension, size in the dimension's SI unit). Conversions stay within a dimension.
UNITS = {
    "m": ("length", 1.0),
    "km": ("length", 1000.0),
    "cm": ("length", 0.01),
    "mm": ("length", 0.001),
    "mi": ("length", 1609.344),
    "yd": ("length", 0.9144),
    "ft": ("length", 0.3048),
    "in": ("length", 0.0254),
    "kg": ("mass", 1.0),
    "g": ("mass", 0.001),
    "mg": ("mass", 1e-6),
    "t": ("mass", 1000.0),
    "lb": ("mass", 0.45359237),
    "oz": ("mass", 0.028349523125),
    "l": ("volume", 0.001),
    "ml": ("volume", 1e-6),
    "m3": ("volume", 1.0),
    "gal": ("volume", 0.003785411784),
    "qt": ("volume", 0.000946352946),
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    "day": ("time", 86400.0),
}
# Words of a unit in a parameter's name or description -> factor to the function's own unit.
LENGTH_UNITS = {
    "centimeters": 0.01,
    "centimetres": 0.01,
    "cm": 0.01,
    "meters": 1.0,
    "metres": 1.0,
    "m": 1.0,
    "feet": 0.3048,
    "ft": 0.3048,
    "inches": 0.0254,
    "inch": 0.0254,
}
MASS_UNITS = {"kilograms": 1.0, "kg": 1.0, "pounds": 0.45359237, "lbs": 0.45359237, "lb": 0.45359237}
RATE_UNITS = {"decimal": 1.0, "fraction": 1.0, "percentage": 0.01, "percent": 0.01}  # first stated wins
TIP_UNITS = {"decimal": 100.0, "fraction": 100.0, "percentage": 1.0, "percent": 1.0}
# Words of an API name that do not say which function it is.
FILLER = frozenset(
    "calculate calculates calculation compute computes calc math mathematics api toolkit get find the of a an "
    "number numbers value values given two result simple basic".split()
)
# Optional parameters that set how many decimal places the result has.
OPTIONAL_ARGS = frozenset({"periods"})  # arguments a tool may leave unbound (compounding once a year)
DIGIT_PARAMS = frozenset({"precision", "decimal_places", "decimals", "accuracy", "round_to", "rounding", "digits"})


@dataclass(frozen=True)
class Arg:
    """One argument of a library function.

    Attributes:
        name: The function's own name for it.
        kind: ``number``, ``integer``, ``numbers`` (a list), or ``choice`` (one of ``choices``).
        aliases: Parameter names (snake case) that bind to it, best first.
        low, high: The range random inputs are drawn from (the quality check's inputs).
        units: Unit words -> factor, when the argument has a dimension its parameter must state.
        choices: The values of a ``choice`` argument.
    """

    name: str
    kind: str
    aliases: tuple[str, ...]
    low: float = 1.0
    high: float = 100.0
    units: Mapping[str, float] | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Function:
    """A pure function: the names that call it, its arguments, what it returns (in words) and the formula."""

    name: str
    names: tuple[str, ...]  # name phrases (words joined by "_") that call it
    args: tuple[Arg, ...]
    returns: str
    fn: Callable[..., Any]


def _pair(first: str, second: str) -> tuple[Arg, Arg]:
    return (
        Arg(first, "number", ("a", "x", "num1", "number1", "first_number", "n1", first)),
        Arg(second, "number", ("b", "y", "num2", "number2", "second_number", "n2", second)),
    )


def _divide(dividend: float, divisor: float) -> float:
    if divisor == 0:
        raise ToolError("the divisor must not be zero: division by zero is undefined")
    return dividend / divisor


def _sqrt(x: float) -> float:
    if x < 0:
        raise ToolError(f"the square root of a negative number ({x}) is not a real number")
    return math.sqrt(x)


def _log(x: float, base: float) -> float:
    if x <= 0 or base <= 0 or base == 1:
        raise ToolError("the logarithm needs a positive number and a positive base other than 1")
    return math.log(x, base)


def _factorial(n: int) -> int:
    if not 0 <= n <= 170:
        raise ToolError(f"the factorial is computed for whole numbers from 0 to 170, got {n}")
    return math.factorial(int(n))


def _whole(*values: float) -> list[int]:
    if any(not float(v).is_integer() for v in values):
        raise ToolError("the arguments must be whole numbers")
    return [int(v) for v in values]


def _numbers(values: Sequence[Any], least: int = 1) -> list[float]:
    if not isinstance(values, (list, tuple)) or len(values) < least:
        raise ToolError(f"give a list of at least {least} number{'s' if least > 1 else ''}")
    if any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in values):
        raise ToolError("every item of the list must be a number")
    return [float(v) for v in values]


def _percentage(part: float, whole: float) -> float:
    return _divide(part, whole) * 100


def _heron(a: float, b: float, c: float) -> float:
    s = (a + b + c) / 2
    product = s * (s - a) * (s - b) * (s - c)
    if min(a, b, c) <= 0 or product < 0:
        raise ToolError("these three sides do not make a triangle")
    return math.sqrt(product)


def _quadratic(a: float, b: float, c: float) -> list[float]:
    if a == 0:
        raise ToolError("a must not be zero in a quadratic equation")
    d = b * b - 4 * a * c
    if d < 0:
        raise ToolError("the equation has no real roots")
    return sorted([(-b - math.sqrt(d)) / (2 * a), (-b + math.sqrt(d)) / (2 * a)])


def _bmi(weight: float, height: float) -> float:
    if weight <= 0 or height <= 0:
        raise ToolError("weight and height must be positive")
    return weight / height**2


def _compound(principal: float, rate: float, years: float, periods: float = 1) -> float:
    if periods <= 0:
        raise ToolError("the number of compounding periods per year must be positive")
    return _finite(principal * (1 + rate / periods) ** (periods * years) - principal)


def _payment(principal: float, rate: float, years: float) -> float:
    months = years * 12
    if months <= 0:
        raise ToolError("the term must be positive")
    monthly = rate / 12
    if monthly == 0:
        return principal / months
    return _finite(principal * monthly / (1 - (1 + monthly) ** -months))


def _convert_currency(amount: float, source: str, target: str) -> float:
    return amount / RATES[source] * RATES[target]


def _convert_unit(value: float, source: str, target: str) -> float:
    (kind, size), (other, target_size) = UNITS[source], UNITS[target]
    if kind != other:
        raise ToolError(f"{source} ({kind}) cannot be converted to {target} ({other})")
    return value * size / target_size


def _convert_temperature(value: float, source: str, target: str) -> float:
    kelvin = {"celsius": value + 273.15, "fahrenheit": (value - 32) * 5 / 9 + 273.15, "kelvin": value}[source]
    if kelvin < 0:
        raise ToolError(f"{value} degrees {source} is below absolute zero")
    return {"celsius": kelvin - 273.15, "fahrenheit": (kelvin - 273.15) * 9 / 5 + 32, "kelvin": kelvin}[target]


_LIST = Arg(
    "values", "numbers", ("numbers", "values", "data", "elements", "numbers_list", "list", "nums", "data_points")
)
_PRINCIPAL = Arg(
    "principal", "number", ("principal", "principal_amount", "initial_amount", "loan_amount", "amount"), 100, 100_000
)
_RATE = Arg(
    "rate",
    "number",
    ("rate", "interest_rate", "annual_rate", "annual_interest_rate", "rate_of_interest"),
    0.01,
    0.2,
    units=RATE_UNITS,
)
_YEARS = Arg(
    "years", "number", ("time", "years", "time_years", "duration", "period", "term", "loan_term", "num_years"), 1, 30
)
_CURRENCY = tuple(sorted(RATES))

LIBRARY: dict[str, Function] = {
    f.name: f
    for f in (
        Function("add", ("add", "addition", "sum", "plus"), _pair("a", "b"), "a + b", lambda a, b: a + b),
        Function(
            "subtract", ("subtract", "subtraction", "difference", "minus"), _pair("a", "b"), "a - b", lambda a, b: a - b
        ),
        Function(
            "multiply", ("multiply", "multiplication", "product", "times"), _pair("a", "b"), "a × b", lambda a, b: a * b
        ),
        Function(
            "divide",
            ("divide", "division", "quotient"),
            (
                Arg("dividend", "number", ("a", "x", "num1", "numerator", "dividend", "number1", "first_number")),
                Arg("divisor", "number", ("b", "y", "num2", "denominator", "divisor", "number2", "second_number")),
            ),
            "dividend ÷ divisor",
            _divide,
        ),
        Function(
            "power",
            ("power", "pow", "exponent", "exponentiation"),
            (
                Arg("base", "number", ("base", "a", "x", "number"), 1, 10),
                Arg("exponent", "number", ("exponent", "power", "b", "y", "exp"), 0, 6),
            ),
            "base raised to the exponent",
            lambda base, exponent: _finite(float(base) ** exponent),
        ),
        Function(
            "sqrt",
            ("sqrt", "square_root", "root"),
            (Arg("x", "number", ("number", "num", "x", "value", "n"), 0, 10_000),),
            "the square root of the number",
            _sqrt,
        ),
        Function(
            "absolute",
            ("absolute", "absolute_value", "abs"),
            (Arg("x", "number", ("number", "num", "x", "value", "n"), -1000, 1000),),
            "the absolute value of the number",
            lambda x: abs(x),
        ),
        Function(
            "round",
            ("round", "round_number", "rounding"),
            (
                Arg("x", "number", ("number", "num", "x", "value"), -1000, 1000),
                Arg("places", "integer", ("decimal_places", "digits", "places", "ndigits", "precision"), 0, 4),
            ),
            "the number rounded to the given decimal places",
            lambda x, places: round(x, max(0, min(int(places), MAX_DIGITS))),
        ),
        Function(
            "modulo",
            ("modulo", "mod", "modulus", "remainder"),
            (
                Arg("dividend", "number", ("a", "x", "num1", "dividend", "number")),
                Arg("divisor", "number", ("b", "y", "num2", "divisor", "modulus", "mod")),
            ),
            "the remainder of dividend ÷ divisor",
            lambda dividend, divisor: math.fmod(dividend, _nonzero(divisor)),
        ),
        Function(
            "factorial",
            ("factorial",),
            (Arg("n", "integer", ("number", "n", "num", "x", "value"), 0, 20),),
            "n! (n factorial)",
            lambda n: _factorial(_whole(n)[0]),
        ),
        Function(
            "gcd",
            ("gcd", "greatest_common_divisor", "hcf"),
            (
                Arg("a", "integer", ("a", "num1", "number1", "x", "first_number"), 1, 1000),
                Arg("b", "integer", ("b", "num2", "number2", "y", "second_number"), 1, 1000),
            ),
            "the greatest common divisor",
            lambda a, b: math.gcd(*_whole(a, b)),
        ),
        Function(
            "lcm",
            ("lcm", "least_common_multiple"),
            (
                Arg("a", "integer", ("a", "num1", "number1", "x", "first_number"), 1, 1000),
                Arg("b", "integer", ("b", "num2", "number2", "y", "second_number"), 1, 1000),
            ),
            "the least common multiple",
            lambda a, b: math.lcm(*_whole(a, b)),
        ),
        Function(
            "logarithm",
            ("logarithm", "log"),
            (
                Arg("x", "number", ("value", "number", "x", "num"), 1, 10_000),
                Arg("base", "number", ("base",), 2, 10),
            ),
            "the logarithm of the number in the given base",
            _log,
        ),
        Function(
            "hypotenuse",
            ("hypot", "hypotenuse"),
            (Arg("x", "number", ("x", "a", "side1", "side_a")), Arg("y", "number", ("y", "b", "side2", "side_b"))),
            "sqrt(x² + y²)",
            lambda x, y: math.hypot(x, y),
        ),
        Function(
            "percentage",
            ("percentage", "percent"),
            (
                Arg("part", "number", ("part", "value", "portion", "part_value")),
                Arg("whole", "number", ("whole", "total", "whole_value", "total_value"), 100, 1000),
            ),
            "part ÷ whole × 100",
            _percentage,
        ),
        Function(
            "sum",
            ("sum", "total", "sum_values", "sum_elements", "sum_numbers"),
            (_LIST,),
            "the sum of the numbers",
            lambda values: math.fsum(_numbers(values)),
        ),
        Function(
            "mean",
            ("mean", "average", "avg", "arithmetic_mean"),
            (_LIST,),
            "the arithmetic mean of the numbers",
            lambda values: statistics.fmean(_numbers(values)),
        ),
        Function(
            "median",
            ("median",),
            (_LIST,),
            "the median of the numbers",
            lambda values: statistics.median(_numbers(values)),
        ),
        Function(
            "min",
            ("min", "min_value", "minimum"),
            (_LIST,),
            "the smallest of the numbers",
            lambda values: min(_numbers(values)),
        ),
        Function(
            "max",
            ("max", "max_value", "maximum"),
            (_LIST,),
            "the largest of the numbers",
            lambda values: max(_numbers(values)),
        ),
        Function(
            "stdev",
            ("standard_deviation", "std_dev", "stdev", "std"),
            (_LIST,),
            "the population standard deviation of the numbers",
            lambda values: statistics.pstdev(_numbers(values)),
        ),
        Function(
            "circle_area",
            ("circle_area", "area_circle", "area_of_circle"),
            (Arg("radius", "number", ("radius", "r")),),
            "π × radius²",
            lambda radius: math.pi * radius**2,
        ),
        Function(
            "circumference",
            ("circumference", "circle_circumference", "circle_perimeter"),
            (Arg("radius", "number", ("radius", "r")),),
            "2 × π × radius",
            lambda radius: 2 * math.pi * radius,
        ),
        Function(
            "triangle_area",
            ("triangle_area", "triangle_area_base_height", "area_triangle", "area_of_triangle"),
            (Arg("base", "number", ("base", "b")), Arg("height", "number", ("height", "h"))),
            "base × height ÷ 2",
            lambda base, height: base * height / 2,
        ),
        Function(
            "heron",
            ("triangle_area_heron", "heron", "heron_area"),
            (
                Arg("a", "number", ("side1", "a", "side_a"), 5, 10),
                Arg("b", "number", ("side2", "b", "side_b"), 5, 10),
                Arg("c", "number", ("side3", "c", "side_c"), 5, 10),
            ),
            "the area of the triangle with these sides (Heron's formula)",
            _heron,
        ),
        Function(
            "quadratic_roots",
            ("quadratic", "solve_quadratic", "solve_quadratic_equation", "roots_quadratic", "quadratic_roots"),
            (
                Arg("a", "number", ("a",), 1, 5),
                Arg("b", "number", ("b",), 20, 40),
                Arg("c", "number", ("c",), -20, 20),
            ),
            "the real roots of a·x² + b·x + c = 0, smallest first",
            _quadratic,
        ),
        Function(
            "bmi",
            ("bmi", "body_mass_index"),
            (
                Arg("weight", "number", ("weight", "weight_kg", "mass", "weight_lbs"), 40, 120, units=MASS_UNITS),
                Arg("height", "number", ("height", "height_m", "height_cm", "height_in"), 1.5, 2.0, units=LENGTH_UNITS),
            ),
            "weight in kilograms ÷ (height in meters)²",
            _bmi,
        ),
        Function(
            "tip",
            ("tip", "tip_amount"),
            (
                Arg("bill", "number", ("bill_amount", "bill_total", "bill", "total", "amount", "total_bill"), 10, 500),
                Arg(
                    "percent",
                    "number",
                    ("tip_percentage", "tip_percent", "percentage", "tip_rate"),
                    5,
                    30,
                    units=TIP_UNITS,
                ),
            ),
            "bill × tip percentage ÷ 100",
            lambda bill, percent: bill * percent / 100,
        ),
        Function(
            "simple_interest",
            ("simple_interest",),
            (_PRINCIPAL, _RATE, _YEARS),
            "the interest earned: principal × rate × years",
            lambda principal, rate, years: principal * rate * years,
        ),
        Function(
            "compound_interest",
            ("compound_interest", "compounded_interest"),
            (
                _PRINCIPAL,
                _RATE,
                _YEARS,
                Arg(
                    "periods",
                    "integer",
                    ("n", "compounds_per_year", "compounding_frequency", "times_compounded", "compounding_periods"),
                    1,
                    12,
                ),
            ),
            "the interest earned: principal × (1 + rate ÷ periods)^(periods × years) − principal",
            _compound,
        ),
        Function(
            "loan_payment",
            ("mortgage_payment", "loan_payment", "monthly_payment", "emi", "mortgage"),
            (_PRINCIPAL, _RATE, _YEARS),
            "the monthly payment of an amortised loan: P·r ÷ (1 − (1 + r)^−n), r the monthly rate, n the months",
            _payment,
        ),
        Function(
            "convert_currency",
            ("convert_currency", "currency_convert", "currency_conversion", "currency_converter", "exchange_currency"),
            (
                Arg("amount", "number", ("amount", "value", "money"), 1, 1000),
                Arg(
                    "source",
                    "choice",
                    ("from_currency", "base_currency", "source_currency", "from", "currency_from"),
                    choices=_CURRENCY,
                ),
                Arg("target", "choice", ("to_currency", "target_currency", "to", "currency_to"), choices=_CURRENCY),
            ),
            "the amount in the target currency at fixed rates per US dollar: "
            + ", ".join(f"{c} {r:g}" for c, r in RATES.items()),
            _convert_currency,
        ),
        Function(
            "convert_unit",
            (
                "unit_conversion",
                "si_conversion",
                "imperial_si_conversion",
                "convert_unit",
                "convert_units",
                "unit_converter",
            ),
            (
                Arg("value", "number", ("value", "amount", "quantity"), 1, 1000),
                Arg(
                    "source",
                    "choice",
                    ("unit_in", "from_unit", "source_unit", "unit_from", "from"),
                    choices=tuple(UNITS),
                ),
                Arg("target", "choice", ("unit_out", "to_unit", "target_unit", "unit_to", "to"), choices=tuple(UNITS)),
            ),
            "the value in the target unit (length m km cm mm mi yd ft in; mass kg g mg t lb oz; volume l ml m3 gal qt; "
            "time s min h day)",
            _convert_unit,
        ),
        Function(
            "convert_temperature",
            ("temperature_converter_convert", "convert_temperature", "temperature_convert", "temperature_conversion"),
            (
                Arg("value", "number", ("temperature", "value", "temp", "degrees"), -40, 120),
                Arg(
                    "source",
                    "choice",
                    ("from_unit", "source_unit", "from_scale", "unit_from", "from"),
                    choices=TEMPERATURES,
                ),
                Arg("target", "choice", ("to_unit", "target_unit", "to_scale", "unit_to", "to"), choices=TEMPERATURES),
            ),
            "the temperature in the target scale",
            _convert_temperature,
        ),
        Function(
            "celsius_to_fahrenheit",
            ("convert_celsius_to_fahrenheit", "celsius_to_fahrenheit"),
            (Arg("celsius", "number", ("celsius", "temperature", "temp", "value", "degrees"), -40, 120),),
            "celsius × 9 ÷ 5 + 32",
            lambda celsius: celsius * 9 / 5 + 32,
        ),
        Function(
            "fahrenheit_to_celsius",
            ("convert_fahrenheit_to_celsius", "fahrenheit_to_celsius"),
            (Arg("fahrenheit", "number", ("fahrenheit", "temperature", "temp", "value", "degrees"), -40, 250),),
            "(fahrenheit − 32) × 5 ÷ 9",
            lambda fahrenheit: (fahrenheit - 32) * 5 / 9,
        ),
    )
}
_BY_NAME: dict[str, list[Function]] = {}
for _f in LIBRARY.values():
    for _phrase in _f.names:
        _BY_NAME.setdefault(_phrase, []).append(_f)


def _nonzero(value: float) -> float:
    if value == 0:
        raise ToolError("the divisor must not be zero")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value) or abs(value) > 1e15:
        raise ToolError("the result is too large to compute")
    return value


# ---------------------------------------------------------------------------------------------
# Matching an API to a function


@dataclass
class Binding:
    """How a tool calls a library function: its parameters by role, unit factors, published schema."""

    function: str
    args: dict[str, list[str]]  # param -> ["input", arg] | ["digits", ""]
    scale: dict[str, float]  # param -> factor to the function's unit
    properties: dict[str, dict]  # the tool's published parameter schemas
    required: list[str]
    description: str


def functions_for(name: str) -> list[Function]:
    """The library functions an API name may call (``math_api_divide``, ``calculate_bmi_4``), best first."""
    ws = [w for w in words(name.split(".")[-1]) if w not in FILLER and not w.isdigit()]
    found: list[Function] = []
    for size in range(len(ws), 0, -1):
        if size < len(ws) - 1:  # at most one word of the name left unexplained
            break
        for start in range(len(ws) - size + 1):
            found += [f for f in _BY_NAME.get("_".join(ws[start : start + size]), ()) if f not in found]
    return found


def bind(
    name: str, description: str, properties: Mapping[str, Mapping], required: Sequence[str]
) -> tuple[Binding | None, str]:
    """Bind an API to a library function, or ``(None, reason)``.

    Every argument of the function must bind to a parameter whose name is one of its aliases and
    whose type fits; a dimensioned argument must state its unit (``"in centimeters"``); a required
    parameter the function does not take means the API computes something else. Optional
    parameters the function does not take are left out of the published tool, except a number of
    decimal places, which rounds the result."""
    functions = functions_for(name)
    if not functions:
        return None, "computation that no known function matches"
    reason = ""
    for function in functions:
        binding, reason = _bind(function, description, properties, required)
        if binding is not None:
            return binding, ""
    return None, reason


def _bind(
    function: Function, description: str, properties: Mapping[str, Mapping], required: Sequence[str]
) -> tuple[Binding | None, str]:
    params = {str(p): dict(s) for p, s in properties.items()}
    snakes = {p: "_".join(words(p)) for p in params}
    args: dict[str, list[str]] = {}
    scale: dict[str, float] = {}
    published: dict[str, dict] = {}
    for arg in function.args:
        param = next(
            (
                p
                for alias in arg.aliases
                for p in params
                if snakes[p] == "_".join(words(alias)) and p not in args and _fits(arg, params[p])
            ),
            None,
        )
        if param is None:
            if arg.name in OPTIONAL_ARGS:
                continue
            return None, f"computation whose parameters do not match {function.name} ({arg.name})"
        text = " ".join(words(param) + words(str(params[param].get("description", ""))))
        if arg.units is not None:
            factor = next((f for unit, f in arg.units.items() if f" {unit} " in f" {text} "), None)
            if factor is None:
                return None, f"computation whose {arg.name} does not state its unit"
            if factor != 1.0:
                scale[param] = factor
        args[param] = ["input", arg.name]
        published[param] = _published(arg, params[param])
    for param, schema in params.items():
        if param in args:
            continue
        if snakes[param] in DIGIT_PARAMS and schema.get("type") in ("integer", "number"):
            args[param] = ["digits", ""]
            published[param] = {
                "type": "integer",
                "description": f"Decimal places of the result (0 to {MAX_DIGITS}); {DIGITS} if not given.",
            }
        elif param in required:
            return None, "computation with a required parameter the known function does not take"
    digits = "the given decimal places" if any(r == "digits" for r, _ in args.values()) else f"{DIGITS} decimal places"
    rates = f" ({_unit_note(scale, args)})" if scale else ""
    text = f"{description.rstrip('.')}. " if description else ""
    return (
        Binding(
            function.name,
            args,
            scale,
            published,
            [p for p in published if args[p][0] == "input" and (p in required or args[p][1] not in OPTIONAL_ARGS)],
            f"{text}Returns {function.returns}{rates}, rounded to {digits}.",
        ),
        "",
    )


def _unit_note(scale: Mapping[str, float], args: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{p} is multiplied by {f:g} to convert to the formula's unit" for p, f in sorted(scale.items()))


def _fits(arg: Arg, schema: Mapping) -> bool:
    kind = schema.get("type")
    if arg.kind in ("number", "integer"):
        return kind in ("number", "integer")
    if arg.kind == "numbers":
        return kind == "array" and schema.get("items", {}).get("type") in (None, "number", "integer")
    return kind == "string"


def _published(arg: Arg, schema: Mapping) -> dict:
    out = {"type": schema["type"], "description": str(schema.get("description") or arg.name)}
    if arg.kind == "numbers":
        out["items"] = {"type": "number"}
    if arg.kind == "choice":
        out["enum"] = list(arg.choices)
    return out


# ---------------------------------------------------------------------------------------------
# Running a bound call


def run(
    function: str, args: Mapping[str, Sequence[str]], scale: Mapping[str, float], arguments: Mapping[str, Any]
) -> Any:
    """The result of a tool call bound to a library function (arguments already validated against the
    tool's schema); an argument outside the function's domain raises :class:`ToolError`."""
    f = LIBRARY[function]
    kinds = {a.name: a for a in f.args}
    inputs: dict[str, Any] = {}
    digits = DIGITS
    try:
        for param, value in arguments.items():
            role, name = args[param]
            if role == "digits" and value is not None:
                digits = max(0, min(int(value), MAX_DIGITS))
            elif role == "input" and value is not None:
                arg = kinds[name]
                if arg.kind == "choice" and value not in arg.choices:
                    raise ToolError(f"{param} must be one of {', '.join(arg.choices)}, got {value!r}")
                if arg.kind in ("number", "integer") and (
                    isinstance(value, bool) or not isinstance(value, (int, float))
                ):
                    raise ToolError(f"{param} must be a number, got {value!r}")
                inputs[name] = value * scale[param] if param in scale else value
        return {"result": result_value(f.fn(**inputs), digits)}
    except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        raise ToolError(f"{function} cannot be computed for these arguments ({exc})") from None


def result_value(value: Any, digits: int = DIGITS) -> Any:
    """A result as the tool answers it: rounded, whole numbers as integers."""
    if isinstance(value, list):
        return [result_value(v, digits) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = round(_finite(float(value)), digits)
    return int(value) if value.is_integer() else value


def random_arguments(
    function: str, args: Mapping[str, Sequence[str]], scale: Mapping[str, float], properties: Mapping, rng: Any
) -> dict:
    """Arguments for a call drawn from each argument's range (in the parameter's own unit and type)."""
    f = LIBRARY[function]
    by_name = {a.name: a for a in f.args}
    out: dict[str, Any] = {}
    for param, (role, name) in sorted(args.items()):
        if role != "input":
            continue
        arg = by_name[name]
        if arg.kind == "numbers":
            out[param] = [round(rng.uniform(arg.low, arg.high), 1) for _ in range(rng.randint(3, 6))]
        elif arg.kind == "choice":
            choices = arg.choices
            source = next((out[q] for q, (r, n) in sorted(args.items()) if n == "source" and q in out), None)
            if name == "target" and source in UNITS:  # a unit of the same dimension
                choices = tuple(u for u in choices if UNITS[u][0] == UNITS[source][0])
            out[param] = rng.choice(choices)
        elif arg.kind == "integer":
            out[param] = rng.randint(int(arg.low), int(arg.high))
        else:
            value = round(rng.uniform(arg.low, arg.high), 1 if arg.high > 5 else 3)
            out[param] = round(value / scale[param], 2) if param in scale else value
        if properties[param].get("type") == "integer" and not isinstance(out[param], list):
            out[param] = max(1, round(out[param])) if arg.low >= 1 else round(out[param])
    return out


# ---------------------------------------------------------------------------------------------
# Tasks


def compute_task(
    spec: ToolSpec, tool: Any, db: Any, rng: Any, index: int, openings: Sequence[str], personas: Sequence[str]
):
    """A task that needs one computation: the user holds the inputs (given when asked) and wants the
    result, which the task requires the agent to say. ``None`` if no drawn input has a result."""
    from ..tasks import Scenario, Task, ToolCall
    from .words import human

    op = spec.operator
    for _ in range(4):
        arguments = random_arguments(op.function, op.args, op.scale, spec.parameters["properties"], rng)
        try:
            result = db.run(tool, arguments)
        except ToolError:
            continue
        break
    else:
        return None
    result = result["result"]
    outputs = tuple(_said(v) for v in (result if isinstance(result, list) else [result]))
    known = {human(p): _said(v) for p, v in arguments.items() if not isinstance(v, list)}
    stated = [f"{human(p)} {', '.join(_said(x) for x in v)}" for p, v in arguments.items() if isinstance(v, list)]
    what = LIBRARY[op.function].returns.split(":")[0].split(" (")[0]
    goal = f"work out {what}" + (f" for {'; '.join(stated)}" if stated else "") + ", and tell me the result"
    details = ", ".join(f"{k} {v}" for k, v in known.items())
    instruction = f"You want to {goal.replace(', and tell me', ' and hear')}" + (f" with {details}" if details else "")
    instruction += ". Give the numbers you know when the assistant asks for them."
    scenario = Scenario(rng.choice(openings).format(goal), instruction, known, rng.choice(personas))
    return Task(f"compute-{index:03d}", "compute", scenario, (ToolCall(spec.name, arguments),), outputs)


def _said(value: Any) -> str:
    return str(value)
