"""VLLMPolicy: offline ``vllm.LLM`` generation, same interface and parsers as the transformers policy.

vLLM needs a CUDA machine; install it there with ``pip install "agentscaler-gym[vllm]"``. It is
imported when the policy is built, so this module imports on any machine.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from agentscaler_gym.policy import BatchPolicy, Request

from .hf import render_prompt
from .parsers import get_parser, parser_for

INSTALL_HINT = 'VLLMPolicy needs vLLM, which runs on a CUDA machine: pip install "agentscaler-gym[vllm]"'


class VLLMPolicy(BatchPolicy):
    """Generate assistant turns with an offline ``vllm.LLM``; all pending turns go in one ``generate``.

    Args:
        model: A hub name or local folder.
        parser: Tool-call parser name; default: chosen from the chat template.
        max_new_tokens, temperature, top_p, top_k, seed: Sampling (``temperature=0``: greedy).
        chat_template_kwargs: Extra template variables.
        llm_kwargs: Passed to ``vllm.LLM`` (``tensor_parallel_size``, ``gpu_memory_utilization``...).
    """

    def __init__(
        self,
        model: str,
        *,
        parser: str | None = None,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        top_p: float = 1.0,
        top_k: int = -1,
        seed: int = 0,
        chat_template_kwargs: dict | None = None,
        **llm_kwargs: Any,
    ):
        vllm = _import_vllm()
        self.name = model
        self.llm = vllm.LLM(model=model, seed=seed, **llm_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.parse = get_parser(parser or parser_for(self.tokenizer.chat_template))
        self.sampling = vllm.SamplingParams(
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            max_tokens=max_new_tokens,
            seed=seed,
        )
        self.chat_template_kwargs = chat_template_kwargs or {}

    def act_batch(self, requests: Sequence[Request]) -> list[dict]:
        prompts = [render_prompt(self.tokenizer, r, self.chat_template_kwargs) for r in requests]
        start = time.perf_counter()
        outputs = self.llm.generate(prompts, self.sampling, use_tqdm=False)
        latency = time.perf_counter() - start
        messages = []
        for output in outputs:
            completion = output.outputs[0]
            message = self.parse(completion.text)
            message["usage"] = {
                "prompt_tokens": len(output.prompt_token_ids or ()),
                "completion_tokens": len(completion.token_ids),
                "latency_s": latency,
            }
            messages.append(message)
        return messages


def _import_vllm():
    try:
        import vllm
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return vllm
