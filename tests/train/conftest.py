"""Fixtures of the training tests: a synthesized domain, and filtered SFT data from it and from retail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import agentscaler_gym
from agents import OraclePolicy

MOCK = "AgentScaler/mock-v0"
RETAIL = "AgentScaler/retail-v0"
HAND_BUILT = {"mock", "retail", "airline", "telecom"}


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """One intra-op thread: on a shared 2-core machine, two spinning threads made a tiny model's
    generation 20x slower (10 s instead of 0.5 s for 24 tokens)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def synth_env_id(tmp_path_factory) -> str:
    """A synthesized domain's env id: the shipped one with the fewest tools (short prompts keep the
    tests fast), else one made here."""
    import gymnasium as gym

    shipped = [i for i in agentscaler_gym.builtin_ids() if i.split("/")[-1].rsplit("-", 1)[0] not in HAND_BUILT]
    if shipped:
        tools = {
            i: len(json.loads((Path(gym.spec(i).kwargs["domain"]) / "domain.json").read_text())["tools"])
            for i in shipped
        }
        return min(shipped, key=lambda i: (tools[i], i))
    from agentscaler_gym.cli import main

    out = tmp_path_factory.mktemp("synth")
    assert (
        main(["synth", "--corpus", "builtin", "--out", str(out), "--max-domains", "1", "--no-picture", "--json"]) == 0
    )
    return agentscaler_gym.register_domains(out)[0]


@pytest.fixture(scope="session")
def sft_data(tmp_path_factory, synth_env_id) -> dict:
    """Filtered oracle data: ``{"general": folder, "vertical": folder}`` (synthesized domain; retail)."""
    from train.generate_sft import generate_sft

    root = tmp_path_factory.mktemp("sft-data")
    generate_sft([synth_env_id], OraclePolicy(), root / "general", progress=False, episodes=6)
    generate_sft([RETAIL], OraclePolicy(), root / "vertical", progress=False, episodes=3)
    return {"general": root / "general", "vertical": root / "vertical"}
