"""Telecom with dual control: the agent works on the provider's systems, the customer on their phone.

The provider side (plans, customers, payment methods, lines, bills) is the agent's database; the
customer's phone is a second database with its own tools, which only the customer can use. A
task is solved when both end in the gold state.
"""

from ...domain import Side
from ...domains import hand_built
from .data import generate_devices
from .device_models import MODELS as DEVICE_MODELS
from .device_tools import DEVICE_TOOLS

DOMAIN = hand_built(
    __name__,
    "Mobile carrier support with dual control: lines, plans, bills, roaming, and the customer's phone.",
    user=Side(models=DEVICE_MODELS, tools=DEVICE_TOOLS, generate=generate_devices),
)
