"""GRPO on the tiny model: environment_factory over two env ids, the rollout_func path, the runner."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

MOCK = "AgentScaler/mock-v0"


def grpo_args(tmp_path, **overrides):
    from trl import GRPOConfig

    settings = dict(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=24,
        max_tool_calling_iterations=1,
        learning_rate=1e-4,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        beta=0.0,
        seed=0,
        disable_tqdm=True,
        gradient_checkpointing=False,  # TRL turns it on by default; off halves a step here
    )
    return GRPOConfig(**{**settings, **overrides})


def test_environment_factory_over_two_env_ids_rewards_each_rollout_by_its_verification(
    tiny_model, synth_env_id, tmp_path
):
    from trl import GRPOTrainer

    from agentscaler_gym.integrations.trl import environment_factory, task_dataset

    env_ids = [synth_env_id, MOCK]
    seen = []

    def check_episodes(prompts, completions, environments, task_id, environment, **kwargs):
        # every rollout played the task of its row, in an instance of its env id's class
        for env, task, env_id in zip(environments, task_id, environment):
            seen.append(
                (env.env.task.id == task, type(env).env_id == env_id, env.get_reward() == env.verification["reward"])
            )
        return [0.0] * len(prompts)

    trainer = GRPOTrainer(
        model=str(tiny_model),
        reward_funcs=[check_episodes],
        args=grpo_args(tmp_path),
        train_dataset=task_dataset(env_ids, "train", limit=2),
        environment_factory=environment_factory(env_ids),
    )
    trainer.train()
    assert trainer.state.global_step == 2
    assert len(seen) == 8 and all(all(checks) for checks in seen)
    logged = {k for h in trainer.state.log_history for k in h}
    classes = {cls.__name__ for cls in environment_factory(env_ids).values()}
    assert {f"rewards/{name}/mean" for name in classes} <= logged  # TRL added get_reward per env class


def test_rollout_func_plays_conversations_and_masks_tool_and_user_tokens(tiny_model, tmp_path):
    from transformers import AutoTokenizer
    from trl import GRPOTrainer

    from agentscaler_gym.integrations.trl import UserRollout, task_dataset, verification_reward

    class Recorded(UserRollout):
        def __call__(self, prompts, trainer):
            self.output = super().__call__(prompts, trainer)
            return self.output

    rollout = Recorded(max_turns=3)
    trainer = GRPOTrainer(
        model=str(tiny_model),
        reward_funcs=[verification_reward],
        args=grpo_args(tmp_path, max_steps=1, max_completion_length=64),
        train_dataset=task_dataset(MOCK, "train", limit=2),
        rollout_func=rollout,
    )
    trainer.train()
    assert trainer.state.global_step == 1
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    out = rollout.output
    assert len(out["completion_ids"]) == len(out["env_mask"]) == len(out["verification"]) == 4
    eos = tokenizer.eos_token_id
    for ids, mask, verification in zip(out["completion_ids"], out["env_mask"], out["verification"]):
        assert len(ids) == len(mask) <= 64 and mask[0] == 1
        runs = _runs(ids, mask)
        for (from_model, run), following in zip(runs, runs[1:]):
            if from_model:  # a finished assistant turn, answered by the env
                assert run[-1] == eos and not following[0]
            else:  # the tool answers or the user's reply, then the next assistant header
                text = tokenizer.decode(run)
                assert text.startswith("\n<|im_start|>user\n") and text.endswith("<|im_start|>assistant\n")
        assert verification["reward"] in (0.0, 1.0) and "state_match" in verification
    rewards = [h for h in trainer.state.log_history if "rewards/verification_reward/mean" in h]
    assert rewards[0]["rewards/verification_reward/mean"] == sum(v["reward"] for v in out["verification"]) / 4


def test_grpo_command_runs_saves_and_reports_without_vllm(tiny_model, tmp_path):
    from train.grpo import main, vllm_available

    assert not vllm_available()  # no GPU here: transformers generation, no crash
    out = tmp_path / "run"
    assert (
        main(
            [
                "--model",
                str(tiny_model),
                "--output-dir",
                str(out),
                "--env-ids",
                MOCK,
                "--task-limit",
                "2",
                "--max-steps",
                "1",
                "--batch-size",
                "2",
                "--num-generations",
                "2",
                "--max-completion-length",
                "16",
                "--max-tool-calling-iterations",
                "1",
            ]
        )
        == 0
    )
    report = json.loads((out / "report.json").read_text())
    assert report["config"]["use_vllm"] is False and report["stages"][0]["steps"] == 1
    assert (out / "model" / "model.safetensors").exists() and (out / "report.png").exists()
    assert report["stages"][0]["log"][0]["rewards/MockV0Env/mean"] == pytest.approx(report["stages"][0]["curve"][0][1])


def _runs(ids, mask):
    """``[(from_model, [token, ...]), ...]``: maximal runs of model or env tokens."""
    runs = []
    for token, m in zip(ids, mask):
        if runs and runs[-1][0] == bool(m):
            runs[-1][1].append(token)
        else:
            runs.append((bool(m), [token]))
    return runs
