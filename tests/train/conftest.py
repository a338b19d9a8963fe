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
    """A small synthesized domain's env id: the leave-request APIs of the shipped human-resources
    corpus, synthesized here (a shipped domain holds a whole theme, and its tools prompt would not
    fit the tests' short ``max_length``)."""
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize

    out = tmp_path_factory.mktemp("synth")
    corpus = Path(agentscaler_gym.__file__).parent / "synth" / "apis" / "human_resources.json"
    apis = [a for a in json.loads(corpus.read_text(encoding="utf-8")) if "leave" in a["name"]]
    (out / "corpus.json").write_text(json.dumps(apis), encoding="utf-8")
    synthesize(load_corpus(str(out / "corpus.json")), out / "domains", SynthConfig(picture=False))
    (env_id,) = agentscaler_gym.register_domains(out / "domains")
    return env_id


@pytest.fixture(scope="session")
def sft_data(tmp_path_factory, synth_env_id) -> dict:
    """Filtered oracle data: ``{"general": folder, "vertical": folder}`` (synthesized domain; retail)."""
    from train.generate_sft import generate_sft

    root = tmp_path_factory.mktemp("sft-data")
    generate_sft([synth_env_id], OraclePolicy(), root / "general", progress=False, episodes=6)
    generate_sft([RETAIL], OraclePolicy(), root / "vertical", progress=False, episodes=3)
    return {"general": root / "general", "vertical": root / "vertical"}
