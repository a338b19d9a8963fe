"""Run configs through TRL's parser: the shipped YAML files, flags over files, nested values, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from train.config import parse_config
from train.grpo import GRPORunConfig
from train.sft import SFTRunConfig, Stage

CONFIGS = Path(__file__).resolve().parents[2] / "train" / "configs"


@pytest.mark.parametrize(("cls", "path"), [(SFTRunConfig, "sft.yaml"), (GRPORunConfig, "grpo.yaml")])
def test_shipped_config_files_load_every_field_they_name(cls, path):
    written = yaml.safe_load((CONFIGS / path).read_text(encoding="utf-8"))
    config = parse_config(cls, ["--config", str(CONFIGS / path)], "p", "d")
    for name, value in written.items():
        got = getattr(config, name)
        assert (got == [Stage(**s) for s in value]) if name == "stages" else got == value, name


def test_flags_win_over_the_file_in_either_spelling_and_nested_values_are_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"model": "m", "max_steps": 7, "seed": 3}))
    config = parse_config(
        SFTRunConfig,
        [f"--config={path}", "--max_steps", "2", "--stages", "{name: a, data: [d]}", "{name: b, data: [e], epochs: 2}"],
        "p",
        "d",
    )
    assert (config.model, config.max_steps, config.seed) == ("m", 2, 3)
    assert config.stages == [Stage("a", ["d"]), Stage("b", ["e"], epochs=2)]
    assert parse_config(GRPORunConfig, ["--no-user-tool", "--task-limit", "None"], "p", "d").user_tool is False


def test_an_env_mapping_in_the_file_sets_environment_variables(tmp_path, monkeypatch):
    monkeypatch.delenv("AGENTSCALER_CONFIG_PROBE", raising=False)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"env": {"AGENTSCALER_CONFIG_PROBE": 1}, "seed": 5}))
    assert parse_config(SFTRunConfig, ["--config", str(path)], "p", "d").seed == 5
    assert os.environ["AGENTSCALER_CONFIG_PROBE"] == "1"


def test_unknown_flags_and_fields_and_bad_values_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_config(SFTRunConfig, ["--modle", "m"], "p", "d")
    assert "unrecognized arguments: --modle m" in capsys.readouterr().err
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"modle": "m", "seed": 1}))
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['modle'\] in the config file"):
        parse_config(SFTRunConfig, ["--config", str(path)], "p", "d")
    with pytest.raises(ValueError, match="mode must be one of"):
        parse_config(GRPORunConfig, ["--mode", "sideways"], "p", "d")
    with pytest.raises(SystemExit):
        parse_config(SFTRunConfig, ["--seed", "three"], "p", "d")
