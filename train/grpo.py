"""GRPO on agentscaler-gym envs, rewarded by our verification.

    python -m train.grpo --config train/configs/grpo.yaml [--model PATH] [--mode rollout] ...

``mode: environment`` hands TRL the env classes of :mod:`agentscaler_gym.integrations.trl`
(``environment_factory``; TRL runs the tool loop; the user is reached through
``send_message_to_user``). ``mode: rollout`` plays whole conversations with the simulated user
through ``rollout_func`` (user and tool tokens masked from the loss). Generation uses vLLM when
``use_vllm`` is on, or when it is unset and vllm is installed and a CUDA GPU is present;
transformers generation otherwise. The model is saved to ``<output_dir>/model``; the report
(``report.{json,md,png}``) has the reward per step and held-out pass^1 before and after.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentscaler_gym.registry import ids

from .config import parse_config, training_arguments
from .evaluate import checkpoint_pass_at_1
from .report import write_report

MODES = ("environment", "rollout")


@dataclass
class GRPORunConfig:
    """Everything a GRPO run needs; every field is also a ``--flag``."""

    model: str = field(default="Qwen/Qwen3-1.7B", metadata={"help": "model id or folder to start from (an SFT output)"})
    output_dir: str = field(default="runs/grpo", metadata={"help": "where the model and the report go"})
    env_ids: list[str] = field(
        default_factory=lambda: ids("vertical"), metadata={"help": "env ids whose tasks make the prompts"}
    )
    split: str = field(default="train", metadata={"help": "task split to train on"})
    task_limit: int | None = field(default=None, metadata={"help": "at most N tasks per env id"})
    mode: str = field(
        default="environment",
        metadata={"help": "environment (TRL tool loop) or rollout (conversations with the simulated user)"},
    )
    user_tool: bool = field(default=True, metadata={"help": "environment mode: give the model send_message_to_user"})
    max_steps: int = field(default=200, metadata={"help": "optimizer steps"})
    learning_rate: float = field(default=1e-6, metadata={"help": "learning rate"})
    batch_size: int = field(default=8, metadata={"help": "completions per device per step"})
    num_generations: int = field(default=8, metadata={"help": "completions per prompt (the GRPO group)"})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "steps accumulated per update"})
    max_completion_length: int = field(
        default=2048, metadata={"help": "tokens per rollout after the prompt, tool and user turns included"}
    )
    max_tool_calling_iterations: int = field(default=16, metadata={"help": "environment mode: tool rounds per rollout"})
    max_turns: int = field(default=30, metadata={"help": "rollout mode: assistant turns per episode"})
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature"})
    beta: float = field(default=0.0, metadata={"help": "KL coefficient (0: no reference model)"})
    use_vllm: bool | None = field(
        default=None, metadata={"help": "generate with vLLM; None: when vllm is installed and a GPU is present"}
    )
    vllm_mode: str = field(default="colocate", metadata={"help": "colocate or server"})
    bf16: bool | None = field(
        default=None, metadata={"help": "bfloat16 training; None: on when a CUDA GPU supports it"}
    )
    gradient_checkpointing: bool = field(default=False, metadata={"help": "trade compute for memory"})
    logging_steps: int = field(default=1, metadata={"help": "log every N steps"})
    seed: int = field(default=0, metadata={"help": "seeds sampling and data order"})
    eval_envs: list[str] = field(
        default_factory=list, metadata={"help": "env ids whose test split is evaluated before and after"}
    )
    eval_limit: int | None = field(default=None, metadata={"help": "at most N test tasks per env id"})
    eval_max_turns: int = field(default=30, metadata={"help": "assistant turns per evaluation episode"})
    eval_max_new_tokens: int = field(default=512, metadata={"help": "tokens per generated assistant turn"})

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")


def vllm_available() -> bool:
    """vllm is importable and a CUDA GPU is present."""
    import torch

    return importlib.util.find_spec("vllm") is not None and torch.cuda.is_available()


def build_trainer(config: GRPORunConfig):
    """A ``GRPOTrainer`` for the config, wired to our envs and verification."""
    from trl import GRPOConfig, GRPOTrainer

    from agentscaler_gym.integrations.trl import UserRollout, environment_factory, task_dataset, verification_reward

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    args = GRPOConfig(
        output_dir=config.output_dir,
        max_steps=config.max_steps,
        num_generations=config.num_generations,
        max_completion_length=config.max_completion_length,
        max_tool_calling_iterations=config.max_tool_calling_iterations,
        temperature=config.temperature,
        beta=config.beta,
        use_vllm=vllm_available() if config.use_vllm is None else config.use_vllm,
        vllm_mode=config.vllm_mode,
        **training_arguments(config),
    )
    dataset = task_dataset(config.env_ids, config.split, limit=config.task_limit)
    if config.mode == "environment":
        return GRPOTrainer(
            model=config.model,
            args=args,
            train_dataset=dataset,
            environment_factory=environment_factory(config.env_ids, user_tool=config.user_tool),
        )
    return GRPOTrainer(
        model=config.model,
        reward_funcs=verification_reward,
        args=args,
        train_dataset=dataset,
        rollout_func=UserRollout(max_turns=config.max_turns),
    )


def run_grpo(config: GRPORunConfig) -> dict:
    """Evaluate (if asked), train, save, evaluate again; return the report."""
    out = Path(config.output_dir)
    report: dict[str, Any] = {"config": asdict(config), "stages": [], "evaluations": []}
    if config.eval_envs:
        report["evaluations"].append({"checkpoint": "base", "results": checkpoint_pass_at_1(config.model, config)})
    trainer = build_trainer(config)
    report["config"]["use_vllm"] = trainer.use_vllm
    start = time.perf_counter()
    trainer.train()
    trainer.save_model(str(out / "model"))
    trainer.processing_class.save_pretrained(str(out / "model"))
    history = [h for h in trainer.state.log_history if "reward" in h]
    curve = [(h["step"], h["reward"]) for h in history]
    report["stages"].append(
        {
            "name": f"grpo ({config.mode})",
            "steps": trainer.state.global_step,
            "seconds": time.perf_counter() - start,
            "curve": curve,
            "log": history,
            "model": str(out / "model"),
        }
    )
    if config.eval_envs:
        report["evaluations"].append(
            {"checkpoint": "grpo", "results": checkpoint_pass_at_1(str(out / "model"), config)}
        )
    write_report(out, "GRPO", report, {"reward": curve}, "reward")
    return report


def main(argv: list[str] | None = None) -> int:
    config = parse_config(
        GRPORunConfig, argv, "python -m train.grpo", "GRPO on agentscaler-gym envs, rewarded by verification."
    )
    report = run_grpo(config)
    stage = report["stages"][-1]
    print(
        json.dumps(
            {
                "steps": stage["steps"],
                "reward": stage["curve"][-1][1] if stage["curve"] else None,
                "use_vllm": report["config"]["use_vllm"],
            }
        )
    )
    print(f"report: {Path(config.output_dir) / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
