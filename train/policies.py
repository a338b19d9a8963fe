"""Policies by name, for the training commands: ``oracle``, ``random``, ``noop`` or ``hf:PATH``."""

from __future__ import annotations

from typing import Any


def build_policy(spec: str, seed: int = 0, **model_kwargs: Any) -> Any:
    """A policy from its spec. ``hf:PATH`` (or ``transformers:PATH``) loads a local or hub model.

    Args:
        spec: The policy name or ``kind:target``.
        seed: Seeds sampling policies.
        model_kwargs: Passed to the model policy (generation settings).
    """
    from agents import NoopPolicy, OraclePolicy, RandomPolicy

    light = {"oracle": OraclePolicy, "noop": NoopPolicy, "random": lambda: RandomPolicy(seed)}
    if spec in light:
        return light[spec]()
    kind, _, target = spec.partition(":")
    if kind in ("hf", "transformers") and target:
        from agents.hf import TransformersPolicy

        return TransformersPolicy(target, **model_kwargs)
    raise ValueError(f"unknown policy {spec!r}: use oracle, random, noop or hf:PATH")
