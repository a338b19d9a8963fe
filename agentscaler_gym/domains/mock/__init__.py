"""The smallest complete domain: a help desk with customers and tickets.

It is the template to copy for a new vertical and the fixture the runtime's tests share; README.md
describes it under the headings every domain uses.
"""

from pathlib import Path

from ...domain import Domain, Side
from .data import generate
from .models import MODELS
from .tasks import make_tasks
from .tools import TOOLS

DOMAIN = Domain(
    name="mock",
    description="Help desk: look up customers, open and close support tickets.",
    policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"),
    agent=Side(models=MODELS, tools=TOOLS, generate=generate),
    tasks=make_tasks,
)
