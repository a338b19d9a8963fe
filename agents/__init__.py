"""Policies that act in agentscaler-gym envs: one assistant turn from the conversation so far.

Every policy implements :class:`agents.base.Policy`. The oracle, random and no-op policies are
light; the transformers, vLLM and OpenAI-compatible policies import their stack when built.
"""

from .base import Policy
from .oracle import NoopPolicy, OraclePolicy, RandomPolicy

__all__ = ["NoopPolicy", "OraclePolicy", "Policy", "RandomPolicy"]
