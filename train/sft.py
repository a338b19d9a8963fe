"""Two-stage SFT: general (synthesized) domains first, then the verticals, from stage 1's weights.

    python -m train.sft --config train/configs/sft.yaml [--model PATH] [--max-steps 5] ...

Each stage trains TRL's ``SFTTrainer`` on datasets written by :mod:`train.generate_sft` with
``assistant_only_loss=True`` (only the assistant's turns carry loss), saves the model to
``<output_dir>/<stage>/model``, and evaluates held-out pass^1 (test split, transformers policy,
via the rollout engine). ``<output_dir>/report.{json,md,png}`` holds the loss curves and the pass
rates of the base model and of every stage; it is rewritten after each stage.

Before a stage trains, a length check renders every conversation with its tools and warns when
conversations run past ``max_length``, naming how many tokens the tools prompt alone takes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentscaler_gym.registry import ids

from .config import parse_config, training_arguments
from .evaluate import checkpoint_pass_at_1
from .report import write_report


@dataclass
class Stage:
    """One SFT stage: a name and the dataset folders (or ``.jsonl`` files) it trains on."""

    name: str
    data: list[str]
    max_steps: int = -1
    epochs: float = 1.0


def _default_stages() -> list[Stage]:
    return [Stage("general", ["runs/sft-data/general"]), Stage("vertical", ["runs/sft-data/vertical"])]


@dataclass
class SFTRunConfig:
    """Everything a two-stage SFT run needs; every field is also a ``--flag`` (stages only in YAML)."""

    model: str = field(default="Qwen/Qwen3-1.7B", metadata={"help": "model id or folder stage 1 starts from"})
    output_dir: str = field(default="runs/sft", metadata={"help": "where stage models and the report go"})
    stages: list[Stage] = field(
        default_factory=_default_stages, metadata={"help": "stages in order: name, data, max_steps, epochs"}
    )
    eval_envs: list[str] = field(
        default_factory=lambda: ids("vertical"),
        metadata={"help": "env ids whose test split is evaluated before training and after each stage"},
    )
    max_length: int = field(
        default=4096, metadata={"help": "tokens per conversation, tools prompt included; longer ones are cut"}
    )
    batch_size: int = field(default=2, metadata={"help": "conversations per device per step"})
    gradient_accumulation_steps: int = field(default=8, metadata={"help": "steps accumulated per optimizer update"})
    learning_rate: float = field(default=1e-5, metadata={"help": "peak learning rate"})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "transformers scheduler name"})
    warmup: float = field(
        default=0.03, metadata={"help": "warm-up: a ratio of the steps if below 1, else a step count"}
    )
    max_steps: int | None = field(
        default=None, metadata={"help": "caps every stage's steps (quick runs); None keeps the stages'"}
    )
    gradient_checkpointing: bool = field(
        default=False, metadata={"help": "trade compute for memory on long conversations"}
    )
    bf16: bool | None = field(
        default=None, metadata={"help": "bfloat16 training; None: on when a CUDA GPU supports it"}
    )
    logging_steps: int = field(default=10, metadata={"help": "log the loss every N steps"})
    seed: int = field(default=0, metadata={"help": "seeds data order, initialisation and evaluation"})
    eval_before: bool = field(default=True, metadata={"help": "evaluate the starting model too"})
    eval_limit: int | None = field(default=None, metadata={"help": "at most N test tasks per env id; None: all"})
    eval_max_turns: int = field(default=30, metadata={"help": "assistant turns per evaluation episode"})
    eval_max_new_tokens: int = field(default=512, metadata={"help": "tokens per generated assistant turn"})

    def __post_init__(self) -> None:
        self.stages = [s if isinstance(s, Stage) else Stage(**s) for s in self.stages]


def run_sft(config: SFTRunConfig) -> dict:
    """Train every stage in order, evaluating after each; return the report."""
    out = Path(config.output_dir)
    report: dict[str, Any] = {"config": asdict(config), "stages": [], "evaluations": []}
    model, step = config.model, 0
    if config.eval_before and config.eval_envs:
        report["evaluations"].append({"checkpoint": "base", "results": checkpoint_pass_at_1(model, config)})
    for stage in config.stages:
        result = train_stage(model, stage, config, out / stage.name)
        result["curve"] = [(step + s, loss) for s, loss in result["curve"]]
        step += result["steps"]
        model = result["model"]
        report["stages"].append(result)
        if config.eval_envs:
            report["evaluations"].append({"checkpoint": stage.name, "results": checkpoint_pass_at_1(model, config)})
        curves = {s["name"]: s["curve"] for s in report["stages"]}
        write_report(out, "Two-stage SFT", report, curves, "loss")
    return report


def train_stage(model: str, stage: Stage, config: SFTRunConfig, out: Path) -> dict:
    """One SFTTrainer run from ``model`` on the stage's data; the model is saved to ``out/model``."""
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    dataset = load_conversations(stage.data)
    tokenizer = AutoTokenizer.from_pretrained(model)
    lengths = length_check(dataset, tokenizer, config.max_length)
    args = SFTConfig(
        output_dir=str(out),
        max_steps=config.max_steps if config.max_steps is not None else stage.max_steps,
        num_train_epochs=stage.epochs,
        lr_scheduler_type=config.lr_scheduler_type,
        warmup_steps=config.warmup,
        max_length=config.max_length,
        assistant_only_loss=True,
        **training_arguments(config),
    )
    start = time.perf_counter()
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(out / "model"))
    tokenizer.save_pretrained(str(out / "model"))
    curve = [(h["step"], h["loss"]) for h in trainer.state.log_history if "loss" in h]
    return {
        "name": stage.name,
        "from": model,
        "data": stage.data,
        "rows": len(dataset),
        "trained_rows": len(trainer.train_dataset),
        "loss_token_share": loss_token_share(trainer.train_dataset),
        "steps": trainer.state.global_step,
        "seconds": time.perf_counter() - start,
        "curve": curve,
        "lengths": lengths,
        "warnings": [lengths["warning"]] if lengths.get("warning") else [],
        "model": str(out / "model"),
    }


def loss_token_share(dataset) -> float:
    """The share of tokens that carry loss (labels not -100): the assistant's turns only."""
    total = trained = 0
    for labels in dataset["labels"]:
        total += len(labels)
        trained += sum(label != -100 for label in labels)
    return trained / max(total, 1)


def load_conversations(paths: Sequence[str]):
    """The ``messages`` and ``tools`` columns of every dataset in ``paths``, as one ``datasets.Dataset``."""
    from datasets import Dataset

    from .export import load_rows

    rows = []
    for path in paths:
        rows += [{"messages": r["messages"], "tools": r["tools"]} for r in load_rows(path)]
    if not rows:
        raise ValueError(f"no conversations in {list(paths)}")
    return Dataset.from_list(rows)


def length_check(dataset, tokenizer, max_length: int) -> dict:
    """Token counts of the rendered conversations; warns when some run past ``max_length``.

    The tools prompt (every schema, rendered into the system turn) often dominates: with it
    cut off, later assistant turns are silently dropped from training, and a conversation whose
    first assistant turn starts past ``max_length`` trains nothing at all (TRL drops it). If
    that is every conversation, this raises instead of training on nothing.
    """
    lengths, tools_tokens, no_assistant = [], 0, 0
    for row in dataset:
        messages = row["messages"]
        tools = json.loads(row["tools"]) if isinstance(row["tools"], str) else row["tools"]
        lengths.append(len(_render(tokenizer, messages, tools)))
        first = next((i for i, m in enumerate(messages) if m["role"] == "assistant"), len(messages))
        no_assistant += len(_render(tokenizer, messages[:first], tools, generation_prompt=True)) >= max_length
        system = [m for m in messages[:1] if m["role"] == "system"]
        tools_tokens = max(tools_tokens, len(_render(tokenizer, system, tools)) - len(_render(tokenizer, system, None)))
    over = sum(n > max_length for n in lengths)
    result = {
        "rows": len(lengths),
        "median_tokens": statistics.median(lengths),
        "max_tokens": max(lengths),
        "tools_prompt_tokens": tools_tokens,
        "over_max_length": over,
        "no_assistant_tokens": no_assistant,
    }
    if over:
        result["warning"] = (
            f"{over} of {len(lengths)} conversations are longer than max_length={max_length} tokens "
            f"(longest {max(lengths)}; {no_assistant} keep no assistant token at all); the tools prompt alone "
            f"takes up to {tools_tokens} tokens. Their later assistant turns are cut from training: "
            f"raise max_length or shorten tool descriptions."
        )
        if no_assistant == len(lengths):
            raise ValueError(result["warning"])
        warnings.warn(result["warning"], stacklevel=2)
    return result


def _render(tokenizer, messages: list[dict], tools: list | None, generation_prompt: bool = False) -> list[int]:
    return list(
        tokenizer.apply_chat_template(
            messages, tools=tools, add_generation_prompt=generation_prompt, tokenize=True, return_dict=False
        )
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_config(
        SFTRunConfig, argv, "python -m train.sft", "Two-stage SFT on filtered agentscaler-gym trajectories."
    )
    report = run_sft(config)
    for ev in report["evaluations"]:
        print(ev["checkpoint"], json.dumps({k.split("/")[-1]: round(v["pass^1"], 3) for k, v in ev["results"].items()}))
    print(f"report: {Path(config.output_dir) / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
