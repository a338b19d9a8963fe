"""Does the SFT loop teach? The tiny offline model, before and after SFT on oracle trajectories.

    python benchmarks/sft_learning.py [--steps 2000] [--threads 1] [--out runs/sft-learning]

1. Synthesize a small domain from three leave-request APIs of the shipped human-resources corpus,
   with 1,500 seed rows and one call per task (approve, reject or cancel a request): about 1,300
   train and 660 test tasks, each naming its own request, so passing a test task means reading
   the request id and copying it into the call, not remembering a training task.
2. Collect oracle episodes on the train split and keep those passing the three filters.
3. SFT a small random-weight Qwen3-style model on them (one stage): the tiny test model's
   tokenizer and chat template (``agents.tiny``), widened with ``--layers`` and ``--hidden``
   (``--layers 2 --hidden 64`` is the tiny model itself).
4. Play held-out test tasks greedily before and after; report pass^1.

Prints one JSON object per line: the data card totals, then pass^1 of the untrained model, the
trained model and, as the reference measured in the same run, the oracle. About 37 minutes on one
CPU thread with the defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import agentscaler_gym  # noqa: E402
from agents import OraclePolicy  # noqa: E402
from train.evaluate import pass_at_1  # noqa: E402
from train.generate_sft import generate_sft  # noqa: E402
from train.sft import SFTRunConfig, Stage, run_sft  # noqa: E402

CORPUS = ROOT / "agentscaler_gym" / "synth" / "apis" / "human_resources.json"
APIS = ("approve_leave", "reject_leave", "cancel_leave")


def leave_domain(out: Path, rows: int, tasks: int) -> list[str]:
    """Synthesize the leave-request domain into ``out`` with ``rows`` seed rows and up to ``tasks``
    tasks; return its env id."""
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize
    from agentscaler_gym.synth.taskgen import TaskSettings

    out.mkdir(parents=True, exist_ok=True)
    apis = [a for a in json.loads(CORPUS.read_text(encoding="utf-8")) if a["name"] in APIS]
    (out / "corpus.json").write_text(json.dumps(apis), encoding="utf-8")
    config = SynthConfig(rows=rows, picture=False, tasks=TaskSettings(count=tasks, walk_length=(1, 1)))
    synthesize(load_corpus(str(out / "corpus.json")), out / "domains", config)
    return agentscaler_gym.register_domains(out / "domains", replace=True)


def small_model(out: Path, layers: int, hidden: int) -> tuple[Path, int]:
    """The tiny model's tokenizer and template with ``layers`` decoder layers of width ``hidden``;
    returns the folder and the parameter count."""
    import torch
    from transformers import AutoConfig, AutoTokenizer, Qwen3Config, Qwen3ForCausalLM

    from agents.tiny import build_tiny_model

    tiny = build_tiny_model(out.parent / "tiny-model")
    values = AutoConfig.from_pretrained(tiny).to_dict()
    values.update(
        num_hidden_layers=layers,
        hidden_size=hidden,
        intermediate_size=3 * hidden,
        head_dim=hidden // values["num_attention_heads"],
    )
    values.pop("layer_types", None)
    config = Qwen3Config(**values)
    torch.manual_seed(0)
    model = Qwen3ForCausalLM(config)
    model.generation_config.eos_token_id, model.generation_config.pad_token_id = (
        config.eos_token_id,
        config.pad_token_id,
    )
    model.generation_config.do_sample = False
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny).save_pretrained(out)
    return out, sum(p.numel() for p in model.parameters())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1500, help="seed rows of the domain")
    parser.add_argument("--tasks", type=int, default=3000, help="tasks wanted (a third held out)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--eval-limit", type=int, default=100, help="test tasks played per checkpoint")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (1 is much faster on a busy shared CPU)"
    )
    parser.add_argument("--out", default="runs/sft-learning")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out = Path(args.out)
    start = time.perf_counter()

    env_ids = leave_domain(out / "domain", args.rows, args.tasks)
    card = generate_sft(env_ids, OraclePolicy(), out / "data", progress=False)
    print(json.dumps({"name": "sft_data", "envs": env_ids, **card["totals"]}))

    model, parameters = small_model(out / "model", args.layers, args.hidden)
    config = SFTRunConfig(
        model=str(model),
        output_dir=str(out / "sft"),
        stages=[Stage("sft", [str(out / "data")])],
        eval_envs=env_ids,
        eval_limit=args.eval_limit,
        eval_max_turns=6,
        eval_max_new_tokens=80,
        max_steps=args.steps,
        batch_size=args.batch_size,
        gradient_accumulation_steps=1,
        learning_rate=args.learning_rate,
        lr_scheduler_type="cosine",
        warmup=0.02,
        logging_steps=10,
        max_length=4096,
    )
    with contextlib.redirect_stdout(sys.stderr):  # the trainer's log lines; stdout keeps only our JSON lines
        report = run_sft(config)
    stage = report["stages"][0]
    oracle = pass_at_1(OraclePolicy(), env_ids, limit=args.eval_limit, max_turns=6)
    for label, results in [
        ("untrained", report["evaluations"][0]["results"]),
        ("after_sft", report["evaluations"][1]["results"]),
        ("oracle_reference", oracle),
    ]:
        for env_id, r in results.items():
            print(json.dumps({"name": "test_pass^1", "model": label, "env": env_id, **r}))
    print(
        json.dumps(
            {
                "name": "sft_run",
                "layers": args.layers,
                "hidden": args.hidden,
                "parameters": parameters,
                "steps": stage["steps"],
                "train_seconds": round(stage["seconds"], 1),
                "loss_first": stage["curve"][0][1],
                "loss_last": stage["curve"][-1][1],
                "wall_seconds": round(time.perf_counter() - start, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
