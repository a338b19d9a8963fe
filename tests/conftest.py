"""Shared fixtures: tiny offline chat models, built once per test session."""

from __future__ import annotations

import os

import pytest

# Nothing in the tests may reach the model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """Path of a tiny Qwen3-style model with random weights and TRL's Qwen3 chat template."""
    from agents.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_tool_model(tmp_path_factory):
    """Path of the tiny model over-fitted on mock-domain tool calls: it emits ``<tool_call>`` JSON."""
    from agents.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-tool-model"), tool_sft=True)
