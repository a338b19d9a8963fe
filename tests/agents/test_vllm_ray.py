"""vLLM's absence is explained; a Ray-distributed rollout equals the single-process one."""

import importlib.util
import sys
import zlib

import pytest

import agentscaler_gym  # noqa: F401
from agents import NoopPolicy, OraclePolicy, make_policy
from agentscaler_gym.rollout import rollout


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed")
def test_vllm_policy_without_vllm_says_how_to_install_it():
    with pytest.raises(ImportError, match=r'pip install "agentscaler-gym\[vllm\]"'):
        make_policy("vllm:Qwen/Qwen3-0.6B")


class HalfOracle:
    """The oracle on tasks whose id hashes even, a no-op on the rest: a mix of passes and fails
    that depends on the task alone, not on which worker plays it."""

    def act(self, messages, tools, task=None):
        policy = OraclePolicy() if zlib.crc32(task.id.encode()) % 2 == 0 else NoopPolicy()
        return policy.act(messages, tools, task=task)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test file
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_rollout_over_two_envs_matches_the_single_process_run(local_ray):
    env_ids = ["AgentScaler/mock-v0", "AgentScaler/retail-v0"]
    single = rollout(env_ids, HalfOracle(), episodes=30)
    spread = rollout(env_ids, HalfOracle(), episodes=30, ray="local")
    key = lambda t: (t.env_id, t.task_id, t.seed, t.reward, t.verification["state_match"], t.messages, t.db_changes)  # noqa: E731
    assert [key(t) for t in spread] == [key(t) for t in single]
    assert spread.stats["workers"] == 2 and spread.stats["episodes"] == 60
    rewards = {t.reward for t in single}
    assert rewards == {0.0, 1.0}  # the comparison covers passes and fails
