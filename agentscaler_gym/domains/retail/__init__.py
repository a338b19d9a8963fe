"""Retail customer service: users, orders and a catalogue; cancel, modify, return and exchange.

See README.md in this folder for the environment card and policy.md for the agent's rules.
"""

from pathlib import Path

from ...domain import Domain, Side
from .data import generate
from .models import MODELS
from .tasks import MAX_TASKS, make_tasks, task_stream
from .tools import TOOLS

DOMAIN = Domain(
    name="retail",
    description="Online store: authenticate, then cancel or modify pending orders, return or exchange delivered ones.",
    policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"),
    agent=Side(models=MODELS, tools=TOOLS, generate=generate),
    tasks=make_tasks,
    stream=task_stream,
    max_tasks=MAX_TASKS,
)
