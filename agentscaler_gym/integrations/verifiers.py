"""Every domain as a ``verifiers`` environment (the v1 stack of verifiers 0.4; the extra ``verifiers``).

verifiers loads an environment by taskset id: a top-level module whose ``__all__`` exports one
``Taskset`` subclass, and optionally the ``Env`` and ``Harness`` that go with it. This module
defines them; the top-level ``agentscaler_env`` (taskset id ``agentscaler-env``) exports them::

    vf-eval agentscaler-env --env.taskset.env-ids '["AgentScaler/retail-v0"]' -n 5 --model NAME --client.base-url URL

and in Python, :func:`load_environment` builds the same env::

    from agentscaler_gym.integrations.verifiers import load_environment
    env = load_environment(env_ids=["AgentScaler/retail-v0"], split="test")

- **Dataset**: :class:`AgentScalerTaskset` yields one task per (env id, task) of the split. Its
  system prompt is the domain policy followed by the tools' JSON schemas and how to call them.
- **Episode**: :class:`AgentScalerEnv` plays the user, as verifiers' OpenEnv environment does. It
  opens the assistant's interaction with the simulated user's opening message. Each assistant
  reply is one ``env.step``: its tool calls run on the env's own database, and their answers come
  back as the next turn in ``<tool_response>`` blocks. A plain message goes to the simulated user
  (``user``: ``"scripted"``, or ``"module:factory"`` for any :class:`~agentscaler_gym.users.User`),
  and the user's reply is the next turn. The exchange ends when the env ends the episode.
- **Rubric**: the reward ``verification`` is the env's verification reward (1.0 iff the episode
  reached the gold outcome). ``state_match``, ``exact_match`` and ``outputs_match`` are recorded
  as metrics (1.0 / 0.0; a component that does not apply to the task is left out).
- **Harness**: :class:`ChatHarness`, the default, is one chat completion per assistant turn, run
  in process. The tools are in the system prompt and the model calls them in text, which the env
  parses (Hermes ``<tool_call>`` blocks, JSON, or an OpenAI ``tool_calls`` message).
  ``--env.assistant.harness.id`` picks another verifiers harness whose replies are text.

Importing this module imports verifiers; ``import agentscaler_gym`` never does.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from .episode import make_env, missing_extra

try:
    import verifiers.v1 as vf
except ImportError as exc:
    raise missing_extra("verifiers", "agentscaler_gym.integrations.verifiers") from exc

TASKSET_ID = "agentscaler-env"  # the top-level module `agentscaler_env`, which re-exports this one
TOOLS_PROMPT = """

# Tools

You may call one or more of the tools below. Their JSON schemas:
<tools>
{tools}
</tools>

To call tools, reply with one <tool_call></tool_call> block per call, holding a JSON object with
the tool's name and arguments, and nothing else:
<tool_call>
{{"name": "<tool name>", "arguments": {{"<argument>": "<value>"}}}}
</tool_call>
Their answers come back in <tool_response></tool_response> blocks. Anything else you write is a
message to the user, whose reply comes next."""


class AgentScalerData(vf.TaskData):
    env_id: str
    """The registered env id, such as ``AgentScaler/retail-v0``."""
    task_id: str
    seed: int = 0
    """Seeds the simulated user (the scripted user is deterministic whatever the seed)."""


class AgentScalerTask(vf.Task[AgentScalerData]):
    @property
    def key(self) -> str:
        return f"{self.data.env_id}/{self.data.task_id}"


class AgentScalerConfig(vf.TasksetConfig):
    env_ids: list[str] = ["AgentScaler/retail-v0"]
    """The env ids whose tasks make the dataset."""
    split: str = "test"
    user: str = "scripted"
    """``"scripted"`` (deterministic), or ``"module:factory"`` returning a simulated user per episode."""
    max_turns: int = 30
    """Assistant turns before the env truncates the episode."""
    limit: int | None = None
    """At most this many tasks per env id."""


class AgentScalerTaskset(vf.Taskset[AgentScalerTask, AgentScalerConfig]):
    def load(self) -> Iterator[AgentScalerTask]:
        for env_id in self.config.env_ids:
            env = make_env(env_id, split=self.config.split)
            _, info = env.reset(seed=0)
            system_prompt = system_prompt_of(info)
            for seed, task in enumerate(env.tasks[: self.config.limit]):
                data = AgentScalerData(
                    id=f"{env_id}/{task.id}",
                    name=task.id,
                    prompt=None,  # the simulated user opens the conversation
                    system_prompt=system_prompt,
                    env_id=env_id,
                    task_id=task.id,
                    seed=seed,
                )
                yield AgentScalerTask(data, self.config.task)
            env.close()


class AgentScalerEnvConfig(vf.EnvConfig):
    assistant: vf.AgentConfig = vf.AgentConfig(runtime=vf.SubprocessConfig())
    """The agent under evaluation. The default harness runs in process and executes no code, so a
    local runtime is enough; a harness that runs programs wants an isolated one."""


class AgentScalerEnv(vf.Env[AgentScalerEnvConfig]):
    """The simulated user and the tools are the env's: each assistant reply is one ``env.step``."""

    async def run(self, task: AgentScalerTask, agents) -> None:
        import anyio

        config: AgentScalerConfig = self.taskset.config
        data = task.data
        user = {} if config.user == "scripted" else {"user": _factory(config.user)()}
        env = await anyio.to_thread.run_sync(
            lambda: make_env(data.env_id, split=config.split, max_turns=config.max_turns, **user)
        )
        try:
            opening, _ = await anyio.to_thread.run_sync(
                lambda: env.reset(seed=data.seed, options={"task_id": data.task_id})
            )
            ended = False
            async with agents.assistant.interaction(task) as interaction:
                segment = await interaction.turn(opening)
                while not segment.terminated:
                    action = assistant_action(segment.messages)
                    start = len(env.messages)
                    *_, terminated, truncated, _ = await anyio.to_thread.run_sync(env.step, action)
                    if terminated or truncated:
                        ended = True
                        break
                    segment = await interaction.turn(next_turn(env.messages[start:]))
            outcome = env.verification.to_dict() if ended else env.verify().to_dict()
        finally:
            env.close()
        record(interaction.trace, outcome)


class ChatHarness(vf.Harness[vf.HarnessConfig]):
    """One chat completion per assistant turn, through the rollout's model endpoint, in process.

    Stateless, so verifiers' default ``resume`` continues an exchange by replaying it.
    """

    APPENDS_SYSTEM_PROMPT = True
    SUPPORTS_RESUME = True
    EXECUTES_CODE = False
    NEEDS_CONTAINER = False

    async def launch(self, ctx, trace, runtime, endpoint, secret, mcp_urls, data, **_: Any) -> vf.ProgramResult:
        from openai import AsyncOpenAI
        from verifiers.v1.dialects.chat import message_to_wire

        system_prompt, prompt = self.resolve_prompt(data)
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        if isinstance(prompt, str):
            messages.append({"role": "user", "content": prompt})
        elif prompt:
            messages += [message_to_wire(m) for m in prompt]
        async with AsyncOpenAI(base_url=endpoint, api_key=secret, max_retries=0) as client:
            completion = await client.chat.completions.create(model=ctx.model, messages=messages)
        return vf.ProgramResult(exit_code=0, stdout=completion.choices[0].message.content or "", stderr="")


def system_prompt_of(info: dict) -> str:
    """The domain policy, then the tools' schemas and the text format for calling them."""
    tools = "\n".join(json.dumps(schema, ensure_ascii=False) for schema in info["tools"])
    return info["system_prompt"] + TOOLS_PROMPT.format(tools=tools)


def assistant_action(messages: Sequence) -> dict:
    """The segment's assistant reply as an OpenAI-style message the env parses (text or tool_calls)."""
    reply = next((m for m in reversed(messages) if m.role == "assistant"), None)
    if reply is None:
        return {"role": "assistant", "content": ""}
    content = reply.content if isinstance(reply.content, str) else vf.types.content_text(reply.content)
    action: dict[str, Any] = {"role": "assistant", "content": content or ""}
    calls = getattr(reply, "tool_calls", None) or []
    if calls:
        action["tool_calls"] = [
            {"type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    return action


def next_turn(new_messages: Sequence[dict]) -> str:
    """What the assistant hears after its turn: the tools' answers, or the user's reply."""
    answers = [m["content"] for m in new_messages if m["role"] == "tool"]
    if answers:
        return "\n".join(f"<tool_response>\n{a}\n</tool_response>" for a in answers)
    return next(m["content"] for m in new_messages if m["role"] == "user")


def record(trace, outcome: dict) -> None:
    """The verification as the trace's reward, and its components as metrics."""
    trace.record_reward("verification", float(outcome["reward"]))
    for name in ("state_match", "exact_match", "outputs_match"):
        if outcome.get(name) is not None:
            trace.record_metric(name, float(bool(outcome[name])))


def load_environment(
    env_ids: str | Sequence[str] = ("AgentScaler/retail-v0",),
    split: str = "test",
    user: str = "scripted",
    max_turns: int = 30,
    limit: int | None = None,
    **env_config: Any,
):
    """The verifiers env over ``env_ids``: an :class:`AgentScalerEnv` on :class:`AgentScalerTaskset`.

    Args:
        env_ids: One env id or several.
        split: The task split.
        user: ``"scripted"`` or ``"module:factory"`` (a callable returning a simulated user).
        max_turns: Assistant turns before an episode is truncated.
        limit: At most this many tasks per env id.
        env_config: Further ``EnvConfig`` fields, e.g. ``assistant={"max_turns": 40}``.
    """
    env_ids = [env_ids] if isinstance(env_ids, str) else list(env_ids)
    taskset = {"id": TASKSET_ID, "env_ids": env_ids, "split": split, "user": user, "max_turns": max_turns}
    config = vf.resolve_env_config({"taskset": {**taskset, "limit": limit}, **env_config})
    return vf.load_environment(config)


def _factory(spec: str):
    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"user must be 'scripted' or 'module:factory', not {spec!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["AgentScalerEnv", "AgentScalerTaskset", "ChatHarness", "load_environment"]
