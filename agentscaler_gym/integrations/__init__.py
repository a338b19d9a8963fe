"""Adapters from agentscaler-gym envs to other ecosystems: TRL (:mod:`.trl`), MCP (:mod:`.mcp`) and
verifiers (:mod:`.verifiers`), over the shared tool-call episode contract of :mod:`.episode`.

Each imports its library lazily or behind its extra, so ``import agentscaler_gym`` loads none of
them, and a missing extra is named in the error.
"""
