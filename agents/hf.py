"""TransformersPolicy: any causal LM from the hub or a local folder, generating on this machine.

Each pending turn is rendered with the tokenizer's own chat template and the domain's tools
(``apply_chat_template(messages, tools=..., add_generation_prompt=True)``); the turns of many
episodes are generated together as one left-padded batch; the completion is cut at the first
end-of-turn token and turned into an assistant message by a tool-call parser
(:mod:`agents.parsers`). Greedy decoding (``temperature=0``, the default) is deterministic;
sampling is seeded per call from ``seed``.

torch and transformers are imported when a policy is built, never when this module is imported.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentscaler_gym.policy import BatchPolicy, Request

from .parsers import get_parser, parser_for


def render_prompt(tokenizer: Any, request: Request, chat_template_kwargs: dict | None = None) -> str:
    """The prompt text for one pending turn, as the model's chat template writes it."""
    return tokenizer.apply_chat_template(
        list(request.messages),
        tools=list(request.tools) or None,
        add_generation_prompt=True,
        tokenize=False,
        **(chat_template_kwargs or {}),
    )


class TransformersPolicy(BatchPolicy):
    """Generate assistant turns with ``transformers``.

    Args:
        model: A hub name, a local folder, or a loaded ``PreTrainedModel`` (then pass ``tokenizer``).
        tokenizer: Defaults to the model's own.
        parser: Tool-call parser name (:data:`agents.parsers.PARSERS`); default: chosen from the
            chat template.
        max_new_tokens: Per turn.
        temperature: 0 means greedy decoding.
        top_p, top_k: Sampling filters (only with ``temperature > 0``).
        seed: Sampling seed; call ``i`` of this policy samples with ``seed + i``.
        batch_size: Turns generated together at most.
        device, dtype: Where and how to load the model (default: CPU or the first GPU, "auto").
        chat_template_kwargs: Extra template variables, e.g. ``{"enable_thinking": False}``.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        parser: str | None = None,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        top_p: float = 1.0,
        top_k: int | None = None,
        seed: int = 0,
        batch_size: int = 32,
        device: str | None = None,
        dtype: str = "auto",
        chat_template_kwargs: dict | None = None,
    ):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if isinstance(model, (str, Path)):
            self.name = str(model)
            tokenizer = tokenizer or AutoTokenizer.from_pretrained(model)
            device = device or ("cuda" if torch.cuda.is_available() else "cpu")
            model = AutoModelForCausalLM.from_pretrained(model, dtype=dtype).to(device)
        else:
            self.name = getattr(model, "name_or_path", type(model).__name__)
            if tokenizer is None:
                raise ValueError("pass the tokenizer along with a loaded model")
        self.model, self.tokenizer = model.eval(), tokenizer
        self.parse = get_parser(parser or parser_for(tokenizer.chat_template))
        self.max_new_tokens, self.temperature, self.top_p, self.top_k = max_new_tokens, temperature, top_p, top_k
        self.seed, self.batch_size, self.calls = seed, batch_size, 0
        self.chat_template_kwargs = chat_template_kwargs or {}
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        eos = model.generation_config.eos_token_id
        self.stop_ids = {tokenizer.eos_token_id, *(eos if isinstance(eos, list) else [eos])} - {None}

    def act_batch(self, requests: Sequence[Request]) -> list[dict]:
        prompts = [render_prompt(self.tokenizer, r, self.chat_template_kwargs) for r in requests]
        # Similar lengths share a batch, so little compute goes to padding.
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        out: list[dict] = [{}] * len(prompts)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for i, message in zip(chunk, self.generate([prompts[i] for i in chunk])):
                out[i] = message
        return out

    def generate(self, prompts: list[str]) -> list[dict]:
        """Complete rendered prompts in one batch; one parsed assistant message (with ``usage``) each."""
        import torch

        start = time.perf_counter()
        batch = self.tokenizer(
            prompts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False
        )
        batch = batch.to(self.model.device)
        sampling = self.temperature > 0
        options: dict[str, Any] = {
            "do_sample": sampling,
            "max_new_tokens": self.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if sampling:
            torch.manual_seed(self.seed + self.calls)
            options.update(temperature=self.temperature, top_p=self.top_p, top_k=self.top_k)
        else:
            options.update(temperature=None, top_p=None, top_k=None)
        self.calls += 1
        with torch.inference_mode():
            output = self.model.generate(**batch, **options)
        latency = time.perf_counter() - start
        width = batch["input_ids"].shape[1]
        prompt_tokens = batch["attention_mask"].sum(dim=1).tolist()
        messages = []
        for row, n_prompt in zip(output[:, width:].tolist(), prompt_tokens):
            ids = self._until_stop(row)
            message = self.parse(self.tokenizer.decode(ids, skip_special_tokens=False))
            finished = len(ids) < len(row)  # the stop token counts as generated
            message["usage"] = {
                "prompt_tokens": n_prompt,
                "completion_tokens": len(ids) + finished,
                "latency_s": latency,
            }
            messages.append(message)
        return messages

    def _until_stop(self, ids: list[int]) -> list[int]:
        for i, token in enumerate(ids):
            if token in self.stop_ids:
                return ids[:i]
        return ids
