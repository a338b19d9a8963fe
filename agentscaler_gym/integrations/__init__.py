"""Adapters from agentscaler-gym envs to training libraries.

Each submodule imports its library lazily, so ``import agentscaler_gym.integrations.trl`` stays
light until a trainer is actually built.
"""
