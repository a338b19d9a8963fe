"""Training on agentscaler-gym envs: the last two arrows of the flow.

    trajectory --(filters.py)--> kept trajectory --(export.py)--> SFT dataset --(sft.py)--> model
    task dataset --(agentscaler_gym.integrations.trl)--> GRPO (grpo.py)

- ``generate_sft``: roll out a policy with a simulated user, apply the three filters (validity,
  state alignment, exact match), export TRL-ready rows and a data card.
- ``sft``: two-stage SFT (general domains, then the verticals), evaluated after each stage.
- ``grpo``: GRPO through TRL's ``environment_factory`` or the multi-turn ``rollout_func``.

Nothing here is imported by ``agentscaler_gym``; torch, transformers, trl and datasets are
imported inside the functions that use them.
"""
