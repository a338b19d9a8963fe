"""Policies by name, for the training commands: ``oracle``, ``random``, ``noop`` or ``hf:PATH``.

``hf:PATH`` is :class:`agents.hf.TransformersPolicy` when that module is installed; otherwise
:class:`GreedyChatPolicy`, a minimal greedy decoder with the model's own chat template.
"""

from __future__ import annotations

from typing import Any, Sequence


def build_policy(spec: str, seed: int = 0, **model_kwargs: Any) -> Any:
    """A policy from its spec. ``hf:PATH`` (or ``transformers:PATH``) loads a local or hub model.

    Args:
        spec: The policy name or ``kind:target``.
        seed: Seeds sampling policies.
        model_kwargs: Passed to the model policy (``max_new_tokens``).
    """
    from agents import NoopPolicy, OraclePolicy, RandomPolicy

    light = {"oracle": OraclePolicy, "noop": NoopPolicy, "random": lambda: RandomPolicy(seed)}
    if spec in light:
        return light[spec]()
    kind, _, target = spec.partition(":")
    if kind in ("hf", "transformers") and target:
        try:
            from agents.hf import TransformersPolicy
        except ImportError:
            return GreedyChatPolicy(target, **model_kwargs)
        return TransformersPolicy(target, **model_kwargs)
    raise ValueError(f"unknown policy {spec!r}: use oracle, random, noop or hf:PATH")


class GreedyChatPolicy:
    """Greedy decoding of one assistant turn; the env parses the text (``<tool_call>`` blocks).

    Args:
        path: Model folder or hub id (with a chat template that renders tools).
        max_new_tokens: Tokens per turn.
    """

    def __init__(self, path: str, max_new_tokens: int = 512):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = AutoModelForCausalLM.from_pretrained(path).to(device).eval()
        self.max_new_tokens = max_new_tokens

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        import torch

        inputs = self.tokenizer.apply_chat_template(
            list(messages), tools=list(tools) or None, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.model.device)
        with torch.no_grad():
            output = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        text = self.tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
        return {"role": "assistant", "content": text}
