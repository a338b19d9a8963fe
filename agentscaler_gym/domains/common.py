"""What hand-built domains share: canonical JSON columns, the lookup that answers "not found", and the
calculator tool."""

from __future__ import annotations

import ast
import json
import operator
from collections.abc import Callable
from typing import Any, TypeVar

import peewee as pw

from ..database import Model, json_value
from ..tools import READ, ToolError, tool

M = TypeVar("M", bound=Model)
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode  # json.dumps's work, settings made once


class _DecodedOnAccess(pw.FieldAccessor):
    def __get__(self, instance, instance_type=None):
        if instance is None:
            return self.field
        value = instance.__data__.get(self.name)
        if type(value) is str:  # the column's text, as a lookup read it: decoded once, here
            value = instance.__data__[self.name] = json_value(value)
        return value


class JSONField(pw.TextField):
    """A dict or list kept as JSON text with sorted keys, so equal content is equal text (the reward compares rows).

    A row read by :meth:`Model.find` keeps the column's text, decoded on first access and written
    back as it is if never accessed (most rows a tool reads or saves leave most of their JSON columns
    untouched). So a ``str`` value is JSON text, never a value of its own.
    """

    accessor_class = _DecodedOnAccess
    keeps_text = True

    def db_value(self, value):
        return value if value is None or type(value) is str else _ENCODE(value)

    def python_value(self, value):
        return None if value is None else json_value(value)


def lookup(model: type[M], not_found: Callable[[], str], **equals: Any) -> M:
    """The first row of ``model`` whose fields equal ``equals``; a missing one raises
    :class:`ToolError` with ``not_found()``, the text the agent reads (a function, called only on
    failure: a message quoting the arguments costs as much as the lookup's own Python)."""
    row = model.first(equals)
    if row is None:
        raise ToolError(not_found())
    return row


_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_MAX_LENGTH = 200
_MAX_EXPONENT = 64
_MAX_MAGNITUDE = 10**15
_TOO_LARGE = "a number in the calculation is larger than 1e15 in magnitude"


def evaluate(expression: str) -> float:
    """The value of an arithmetic expression (numbers, + - * / // % ** and parentheses), parsed with
    ``ast``: nothing is executed. Raises ``ValueError`` (not arithmetic) or ``ArithmeticError``.

    Every number, whether written or computed along the way, must be at most 1e15 in magnitude, and
    every exponent at most 64: an integer costs time and memory in proportion to its digits, so a
    bound on the result alone would let ``(((9**64)**64)**64)**64`` run for hours before failing.
    Under these bounds the largest value ever built is (1e15)**64, about 3,200 bits.
    """
    if len(expression) > _MAX_LENGTH:
        raise ValueError(f"the expression is too long (at most {_MAX_LENGTH} characters)")
    return _evaluate(ast.parse(expression.strip(), mode="eval").body)


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _bounded(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise OverflowError(f"the exponent is too large (at most {_MAX_EXPONENT})")
        try:
            return _bounded(_OPERATORS[type(node.op)](left, right))
        except OverflowError:  # a float power beyond the float range says only "Numerical result out of range"
            raise OverflowError(_TOO_LARGE) from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand))  # the magnitude stays
    raise ValueError("only numbers, + - * / // % ** and parentheses are allowed")


def _bounded(value: float) -> float:
    if isinstance(value, complex):  # a negative number to a fractional power
        raise ArithmeticError("the result is not a real number")
    if not abs(value) <= _MAX_MAGNITUDE:  # written so that infinities and NaN fail too
        raise OverflowError(_TOO_LARGE)
    return value


@tool(READ)
def calculate(expression: str) -> str:
    """Calculate an arithmetic expression with numbers, + - * / // % ** and parentheses; the result is rounded to 2 decimals. Numbers, including intermediate results, are limited to 1e15 in magnitude and exponents to 64.

    Args:
        expression: The expression, such as '(120.5 + 33.99) * 2'.
    """
    try:
        value = round(evaluate(expression), 2)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        raise ToolError(f"{expression[:80]!r} is not an arithmetic expression: {exc}") from None
    except ArithmeticError as exc:
        raise ToolError(f"cannot evaluate {expression[:80]!r}: {exc}") from None
    return str(int(value)) if value == int(value) else str(value)
