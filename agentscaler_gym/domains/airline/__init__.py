"""Airline: book, change and cancel flight reservations under a fare and refund policy.

Users with membership tiers and payment methods (credit cards, gift cards, travel certificates),
20 airports, 300 flights over 30 dates with per-date status, seats and prices, and about 1,000
reservations. See README.md for the tools and the policy for the rules.
"""

from pathlib import Path

from ...domain import Domain, Side
from .data import generate
from .models import MODELS
from .tasks import MAX_TASKS, make_tasks, task_stream
from .tools import TOOLS

DOMAIN = Domain(
    name="airline",
    description="Airline: book, change and cancel flight reservations; baggage, cabins, refunds, compensation.",
    policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"),
    agent=Side(models=MODELS, tools=TOOLS, generate=generate),
    tasks=make_tasks,
    stream=task_stream,
    max_tasks=MAX_TASKS,
)
