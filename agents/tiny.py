"""A tiny Qwen3-style chat model built fully offline, for tests and smoke runs.

``build_tiny_model(out_dir)`` writes a 2-layer Qwen3 model with random weights (about 0.2 M
parameters, 1 MB on disk), a byte-level BPE tokenizer (one token per digit) trained in well under
a second on generated text, and TRL's own ``qwen3.jinja`` chat template. Using TRL's template
bytes unchanged matters: TRL recognises templates by exact string equality, so SFT swaps in its
training template and GRPO finds a response parser by itself.

With ``tool_sft=True`` the model is then over-fitted (a short SFT run on the CPU) on the gold
conversations of a few mock-domain tasks, so that it emits well-formed ``<tool_call>`` JSON when
it sees the mock domain's prompt. Nothing touches the model hub.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Qwen-style: ordinary added tokens, not special ones, so decoding keeps them.
ADDED_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"]
TOOL_SFT_TASKS = 8
TOOL_SFT_STEPS = 80  # at 60, an opening could lose its </think>, which hides the call from a server
TOOL_SFT_LR = 1e-2
MODEL_SHAPE = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
)

_WORDS = (
    "the a my your order ticket customer please can you help me with close open status email name "
    "is has been cancelled refund return item thanks hello hi sure done all need new what when where "
    "account found not error invalid subject printer offline export request login fails invoice "
    "missing app crashes password reset slow sync transfer human agent policy confirm yes no"
).split()


def chat_template() -> str:
    """TRL's bundled Qwen3 chat template, byte for byte."""
    import trl

    return (Path(trl.__file__).parent / "chat_templates" / "qwen3.jinja").read_text(encoding="utf-8")


def build_tiny_model(out_dir: str | Path, *, tool_sft: bool = False, seed: int = 0) -> Path:
    """Write a tiny chat model (weights, tokenizer, chat template) to ``out_dir`` and return the path.

    Args:
        out_dir: Folder to write; created if missing.
        tool_sft: Over-fit the model on mock-domain tool-call conversations so it emits
            ``<tool_call>`` blocks (about 20 s on two CPU cores).
        seed: Seeds the corpus, the weights and the SFT run; the same seed gives the same model.
    """
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conversations = _mock_conversations(TOOL_SFT_TASKS)
    tokenizer = _train_tokenizer(_corpus(conversations, seed))
    vocab_size = (len(tokenizer) + 63) // 64 * 64
    config = Qwen3Config(
        vocab_size=vocab_size,
        **MODEL_SHAPE,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.generation_config.do_sample = False
    if tool_sft:
        model = _overfit_on_tool_calls(model, tokenizer, conversations, seed)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def cached_tiny_model(cache_dir: str | Path, *, tool_sft: bool = False, seed: int = 0) -> Path:
    """``build_tiny_model`` once per distinct input: the folder is kept under ``cache_dir``.

    The key hashes everything the build depends on (this file, the SFT conversations, the
    library versions, the arguments), so a change to any of them builds a fresh model.
    """
    import hashlib
    import os
    import shutil
    import tempfile

    import tokenizers
    import torch
    import transformers
    import trl

    key = hashlib.sha256()
    for part in (
        Path(__file__).read_bytes(),
        json.dumps(_mock_conversations(TOOL_SFT_TASKS)).encode(),
        chat_template().encode(),
        f"{torch.__version__} {transformers.__version__} {trl.__version__} {tokenizers.__version__} {tool_sft} {seed}".encode(),
    ):
        key.update(part)
    target = Path(cache_dir) / f"tiny-{'tool-' if tool_sft else ''}{key.hexdigest()[:16]}"
    if (target / "config.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=".building-"))
    build_tiny_model(scratch, tool_sft=tool_sft, seed=seed)
    try:
        os.rename(scratch, target)  # atomic: a concurrent build of the same key loses the race harmlessly
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _train_tokenizer(corpus: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token=None))
    # One token per digit, as Qwen's tokenizers do: ids and amounts copied from a request are then
    # the same few tokens everywhere, which a small model learns to copy far sooner.
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=2048,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(corpus, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        unk_token=None,
        model_max_length=8192,
        padding_side="left",
    )
    tokenizer.add_tokens(ADDED_TOKENS, special_tokens=False)
    tokenizer.chat_template = chat_template()
    return tokenizer


def _corpus(conversations: list[dict], seed: int) -> list[str]:
    """Generated sentences and tool calls, plus the texts the model will be prompted with."""
    rng = random.Random(seed)
    lines = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 14))) for _ in range(6000)]
    for _ in range(3000):
        name = rng.choice(["get_ticket", "close_ticket", "find_customer_by_email", "open_ticket", "list_tickets"])
        args = (
            {"ticket_id": rng.randint(1, 40)}
            if "ticket" in name and name != "open_ticket"
            else {"email": f"user{rng.randint(0, 99)}@example.com"}
        )
        lines.append(f'<tool_call>\n{{"name": "{name}", "arguments": {json.dumps(args)}}}\n</tool_call>')
    # The rendered conversations, cut at the special and added tokens the BPE must not see.
    # Training on them merges "\n\n" and the tool names into single tokens, which a 2-layer
    # model learns to emit far sooner than runs of repeated pieces.
    cut = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS + ADDED_TOKENS))
    for conv in conversations:
        text = _render(conv["messages"], json.loads(conv["tools"]))
        lines.extend(piece for piece in cut.split(text) if piece)
    return lines


def _render(messages: list[dict], tools: list[dict]) -> str:
    """The chat template's rendering with the thinking block every trained assistant turn has."""
    import jinja2

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda value, **kw: json.dumps(value, ensure_ascii=False)
    text = env.from_string(chat_template()).render(messages=messages, tools=tools)
    return text.replace("<|im_start|>assistant\n", "<|im_start|>assistant\n<think>\n\n</think>\n\n")


def _mock_conversations(count: int) -> list[dict]:
    """Gold-call conversations (no questions, so a tiny model learns tool calls first) of the first ``count`` mock training tasks, as SFT rows.

    Tool-call arguments and the tool list are JSON strings: Arrow would otherwise merge the
    argument dicts of different tools into one struct and add ``null`` fields.
    """
    from agents.oracle import GoldCallPolicy
    from agentscaler_gym.domains.mock import DOMAIN
    from agentscaler_gym.env import ToolUseEnv

    env = ToolUseEnv(DOMAIN, split="train")
    policy, rows = GoldCallPolicy(), []
    for task in env.tasks[:count]:
        env.reset(seed=0, options={"task_id": task.id})
        while not env.done:
            env.step(policy.act(env.messages, DOMAIN.tool_schemas, task=task))
        rows.append(
            {"messages": [_stringify_arguments(m) for m in env.messages], "tools": json.dumps(DOMAIN.tool_schemas)}
        )
    env.close()
    return rows


def _stringify_arguments(message: dict) -> dict:
    message = {k: v for k, v in message.items() if k in ("role", "content", "tool_calls", "name")}
    if message.get("tool_calls"):
        message["tool_calls"] = [
            {
                "type": "function",
                "function": {"name": c["function"]["name"], "arguments": json.dumps(c["function"]["arguments"])},
            }
            for c in message["tool_calls"]
        ]
    return message


def _overfit_on_tool_calls(model, tokenizer, conversations: list[dict], seed: int):
    import os
    import tempfile

    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    with tempfile.TemporaryDirectory() as scratch:  # the trainer wants an output dir; nothing is saved there
        config = SFTConfig(
            output_dir=scratch,
            max_steps=TOOL_SFT_STEPS,
            per_device_train_batch_size=len(conversations),
            learning_rate=TOOL_SFT_LR,
            lr_scheduler_type="constant_with_warmup",
            warmup_steps=5,
            logging_steps=TOOL_SFT_STEPS,
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            bf16=False,
            max_length=4096,
            assistant_only_loss=True,
            seed=seed,
            disable_tqdm=True,
        )
        trainer = SFTTrainer(
            model=model, args=config, train_dataset=Dataset.from_list(conversations), processing_class=tokenizer
        )
        trainer.train()
    return trainer.model.eval()
