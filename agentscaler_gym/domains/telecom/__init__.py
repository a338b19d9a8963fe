"""Telecom with dual control: the agent works on the provider's systems, the customer on their phone.

The provider side (plans, customers, payment methods, lines, bills) is the agent's database; the
customer's phone is a second database with its own tools, which only the customer can use. A
task is solved when both end in the gold state.
"""

from pathlib import Path

from ...domain import Domain, Side
from .data import generate, generate_devices
from .device_models import MODELS as DEVICE_MODELS
from .device_tools import DEVICE_TOOLS
from .models import MODELS
from .tasks import MAX_TASKS, make_tasks, task_stream
from .tools import TOOLS

DOMAIN = Domain(
    name="telecom",
    description="Mobile carrier support with dual control: lines, plans, bills, roaming, and the customer's phone.",
    policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"),
    agent=Side(models=MODELS, tools=TOOLS, generate=generate),
    user=Side(models=DEVICE_MODELS, tools=DEVICE_TOOLS, generate=generate_devices),
    tasks=make_tasks,
    stream=task_stream,
    max_tasks=MAX_TASKS,
)
