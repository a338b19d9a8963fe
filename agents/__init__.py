"""Policies that act in agentscaler-gym envs: one assistant turn from the conversation so far.

Every policy implements :class:`agentscaler_gym.policy.Policy` (``act``); model policies also answer many
turns at once (``act_batch``). The oracle, random and no-op policies are light; the
transformers, vLLM and OpenAI-compatible policies import their stack when built.

``make_policy(spec)`` builds one from a short spec::

    oracle[:SEED] | gold | noop | random[:SEED]     no model (oracle: the demonstrator; gold: the bare gold calls)
    hf:PATH_OR_HUB_NAME               agents.hf.TransformersPolicy
    vllm:HUB_NAME                     agents.vllm.VLLMPolicy (CUDA machine)
    openai:URL#MODEL                  agents.openai_compat.OpenAIPolicy, URL is the API root (.../v1)
"""

from __future__ import annotations

from typing import Any

from agentscaler_gym.policy import BatchPolicy, Policy, Request, act_batch

from .oracle import GoldCallPolicy, NoopPolicy, OraclePolicy, RandomPolicy

__all__ = [
    "BatchPolicy",
    "GoldCallPolicy",
    "NoopPolicy",
    "OraclePolicy",
    "Policy",
    "RandomPolicy",
    "Request",
    "act_batch",
    "make_policy",
]


def make_policy(spec: str, **options: Any) -> Policy:
    """Build a policy from a spec string; ``options`` go to its constructor (``temperature=0.7``...)."""
    kind, _, rest = spec.partition(":")
    if kind == "oracle":
        return OraclePolicy(seed=int(rest or options.pop("seed", 0)))
    if kind == "gold":
        return GoldCallPolicy()
    if kind == "noop":
        return NoopPolicy()
    if kind == "random":
        return RandomPolicy(seed=int(rest or options.pop("seed", 0)))
    if kind not in ("hf", "vllm", "openai"):
        raise ValueError(
            f"unknown policy kind {kind!r} in {spec!r}: use oracle, gold, noop, random, hf:, vllm: or openai:"
        )
    if not rest:
        raise ValueError(f"policy spec {spec!r} needs a model: {kind}:NAME")
    if kind == "hf":
        from .hf import TransformersPolicy

        return TransformersPolicy(rest, **options)
    if kind == "vllm":
        from .vllm import VLLMPolicy

        return VLLMPolicy(rest, **options)
    from .openai_compat import OpenAIPolicy

    url, _, model = rest.partition("#")
    if not model:
        raise ValueError(f"policy spec {spec!r} needs the model name after '#': openai:URL#MODEL")
    return OpenAIPolicy(url, model, **options)
