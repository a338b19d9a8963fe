"""Two-stage SFT on the tiny model: stage 2 continues from stage 1, evaluation and report after each."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from train.config import parse_config
from train.sft import SFTRunConfig, Stage, length_check, load_conversations, main


def test_two_stage_sft_from_yaml_with_overrides(tiny_model, sft_data, synth_env_id, tmp_path):
    from safetensors.torch import load_file

    config = {
        "model": str(tiny_model),
        "output_dir": "ignored-by-the-override",
        "stages": [
            {"name": "general", "data": [str(sft_data["general"])]},
            {"name": "vertical", "data": [str(sft_data["vertical"])]},
        ],
        "eval_envs": [synth_env_id],
        "eval_limit": 2,
        "eval_max_turns": 2,
        "eval_max_new_tokens": 8,
        "batch_size": 1,
        "gradient_accumulation_steps": 1,
        "learning_rate": 1e-3,
        "logging_steps": 1,
        "max_length": 6144,  # retail's tools prompt takes most of it with the tiny tokenizer
    }
    path = tmp_path / "sft.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    with pytest.warns(UserWarning, match="longer than max_length=6144"):
        assert main(["--config", str(path), "--output-dir", str(out), "--max-steps", "2"]) == 0

    report = json.loads((out / "report.json").read_text())
    general, vertical = report["stages"]
    assert general["from"] == str(tiny_model) and vertical["from"] == general["model"]
    assert general["steps"] == vertical["steps"] == 2
    assert [s for s, _ in general["curve"] + vertical["curve"]] == [1, 2, 3, 4]
    assert all(math.isfinite(loss) for _, loss in general["curve"] + vertical["curve"])
    assert 0 < general["loss_token_share"] < 0.5  # only assistant turns carry loss
    assert vertical["warnings"] and general["warnings"] == []
    assert [e["checkpoint"] for e in report["evaluations"]] == ["base", "general", "vertical"]
    assert all(e["results"][synth_env_id]["episodes"] == 2 for e in report["evaluations"])
    assert (out / "report.png").stat().st_size > 10_000 and "| vertical |" in (out / "report.md").read_text()

    weights = [
        load_file(p / "model.safetensors") for p in (tiny_model, out / "general" / "model", out / "vertical" / "model")
    ]
    name = next(iter(weights[0]))
    assert not (weights[0][name] == weights[1][name]).all() and not (weights[1][name] == weights[2][name]).all()


def test_length_check_warns_and_refuses_data_that_trains_nothing(tiny_model, sft_data):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    rows = load_conversations([sft_data["vertical"]])
    fits = length_check(rows, tokenizer, 8192)
    assert fits["over_max_length"] == 0 and "warning" not in fits
    assert fits["tools_prompt_tokens"] > 1000
    with pytest.warns(UserWarning, match="tools prompt alone takes up to"):
        some = length_check(rows, tokenizer, fits["max_tokens"] - 1)
    assert some["over_max_length"] >= 1 and some["no_assistant_tokens"] == 0
    with pytest.raises(ValueError, match="keep no assistant token"):
        length_check(rows, tokenizer, fits["tools_prompt_tokens"])


def test_config_layers_yaml_under_flags(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"model": "m", "max_length": 1024, "stages": [{"name": "a", "data": ["d"]}]}))
    config = parse_config(
        SFTRunConfig,
        ["--config", str(path), "--max-length", "2048", "--bf16", "false", "--eval-envs", "x", "y"],
        "p",
        "d",
    )
    assert (config.model, config.max_length, config.bf16, config.eval_envs) == ("m", 2048, False, ["x", "y"])
    assert config.stages == [Stage("a", ["d"])]
    path.write_text(yaml.safe_dump({"modle": "m"}))
    with pytest.raises(ValueError, match="unknown field"):
        parse_config(SFTRunConfig, ["--config", str(path)], "p", "d")
