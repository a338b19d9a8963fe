"""Shared fixtures: tiny offline chat models, built once and reused while their inputs are unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing in the tests may reach the model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _model_cache(request, tmp_path_factory) -> Path:
    """pytest's cache folder (models survive sessions; the key tracks every input), else a tmp dir."""
    cache = getattr(request.config, "cache", None)
    if cache is None or os.environ.get("AGENTSCALER_REBUILD_TINY"):
        return tmp_path_factory.mktemp("tiny-models")
    return Path(cache.mkdir("agentscaler-tiny-models"))


@pytest.fixture(scope="session")
def tiny_model(request, tmp_path_factory) -> Path:
    """Path of a tiny Qwen3-style model with random weights and TRL's Qwen3 chat template."""
    from agents.tiny import cached_tiny_model

    return cached_tiny_model(_model_cache(request, tmp_path_factory))


@pytest.fixture(scope="session")
def tiny_tool_model(request, tmp_path_factory) -> Path:
    """Path of the tiny model over-fitted on mock-domain tool calls: it emits ``<tool_call>`` JSON."""
    from agents.tiny import cached_tiny_model

    return cached_tiny_model(_model_cache(request, tmp_path_factory), tool_sft=True)
