"""agentscaler-gym's domains as a verifiers environment, under the taskset id ``agentscaler-env``.

verifiers imports an environment by a top-level module name; this package is that name, and
exports what :mod:`agentscaler_gym.integrations.verifiers` defines::

    vf-eval agentscaler-env --env.taskset.env-ids '["AgentScaler/retail-v0"]' -n 5
"""

from agentscaler_gym.integrations.verifiers import AgentScalerEnv, AgentScalerTaskset, ChatHarness, load_environment

__all__ = ["AgentScalerEnv", "AgentScalerTaskset", "ChatHarness", "load_environment"]
