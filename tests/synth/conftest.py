"""Fixtures the synthesis tests share."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def synthesize():
    """``synthesize(apis)``: the pipeline's result for these APIs (seed 0, default settings), which
    must hold a domain spec (the failure lists what was dropped)."""
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize_domain

    def run(apis):
        result = synthesize_domain(0, apis, SynthConfig())
        assert result.spec is not None, result.dropped
        return result

    return run
