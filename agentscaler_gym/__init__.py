"""agentscaler-gym: verifiable tool-use environments for LLM agents.

The flow, one module per arrow::

    corpus -> domain -> task -> episode -> verification -> trajectory -> dataset -> trainer
    synth/    domain.py tasks.py env.py   verify.py        trajectory.py train/     train/

Episodes are played by the rollout engine (``rollout.py``) with any policy (``policy.py``).

Importing this package registers the built-in env ids (``registry.yaml``) with Gymnasium and
imports nothing heavy (no torch, transformers, trl, vllm or ray).
"""

from .actions import Turn, parse_action
from .database import Database, Model, SeedDatabase
from .domain import Domain, Side
from .env import ToolUseEnv, UnicodeText
from .registry import builtin_ids, domain_of, entries, load_domain, make_env, register_builtin, register_domains
from .seat import Answer, Seat
from .tasks import Scenario, Task, ToolCall
from .tools import READ, WRITE, Tool, ToolError, tool
from .users import STOP, TRANSFER, ScriptedUser, User
from .verify import Verification, verify

__version__ = "0.1.0"

__all__ = [
    "READ",
    "STOP",
    "TRANSFER",
    "WRITE",
    "Answer",
    "Database",
    "Domain",
    "Model",
    "Scenario",
    "ScriptedUser",
    "Seat",
    "SeedDatabase",
    "Side",
    "Task",
    "Tool",
    "ToolCall",
    "ToolError",
    "ToolUseEnv",
    "Turn",
    "UnicodeText",
    "User",
    "Verification",
    "builtin_ids",
    "domain_of",
    "entries",
    "load_domain",
    "make_env",
    "parse_action",
    "register_builtin",
    "register_domains",
    "tool",
    "verify",
]

register_builtin()
