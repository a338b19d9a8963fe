"""TRL glue: GRPO on agentscaler-gym envs, scored by our verification, with no other code.

Two ways to train; in both the reward is the episode's verification (final database against the
gold run, plus the call sequence and required outputs where the task asks for them).

**environment_factory**: TRL runs the tool loop::

    from trl import GRPOConfig, GRPOTrainer
    from agentscaler_gym.integrations.trl import environment_factory, task_dataset

    env_ids = ["AgentScaler/mock-v0", "AgentScaler/retail-v0"]
    trainer = GRPOTrainer(model, args=GRPOConfig(..., max_tool_calling_iterations=8),
                          train_dataset=task_dataset(env_ids),
                          environment_factory=environment_factory(env_ids))

Each env id gets its own class (:func:`environment_class`): every domain tool is a public method
with a typed signature and a Google docstring (what TRL turns into the tool schema), plus
``send_message_to_user``, through which the model talks to the simulated user; ``reset(**row)``
starts the row's task and ``get_reward()`` returns the verification reward, which TRL adds as a
reward column by itself. A mix of env ids uses TRL's dict form: the dataset's ``environment``
column picks the class, so each prompt shows only its own domain's tools.

**rollout_func**: our loop, whole conversations with the simulated user::

    trainer = GRPOTrainer(model, reward_funcs=verification_reward, args=GRPOConfig(...),
                          train_dataset=task_dataset(env_ids), rollout_func=UserRollout())

Assistant turns come from the trainer's own generation backend (transformers, or vLLM when the
config enables it); tool answers and user replies are appended as tokens with ``env_mask`` 0, so
only the model's tokens carry loss.

Tool methods are built from the tools' JSON schemas as plain functions with ``__signature__``,
``__annotations__`` and ``__doc__`` set: nothing is ``exec``'d. This module imports ``datasets``
and ``trl`` only inside the functions that need them.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .episode import USER_TOOL, USER_TOOL_ARGUMENT, USER_TOOL_DESCRIPTION, call_tool, make_env, say
from .episode import verification as episode_verification

RESERVED = ("reset", "get_reward", USER_TOOL)
_JSON_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "object": dict}


# ---------------------------------------------------------------------------------------------
# environment_factory


class ToolUseEnvironment:
    """One episode of one env id at a time, for TRL's ``environment_factory``.

    Subclasses made by :func:`environment_class` add the domain's tools as methods. TRL pools
    instances and calls :meth:`reset` before every rollout; all episode state lives in the
    wrapped env, which restores its database on reset.
    """

    env_id: str = ""

    def __init__(self) -> None:
        self.env = make_env(self.env_id)

    def reset(self, task_id: str | None = None, seed: int | None = None, **row: Any) -> None:
        """Start ``task_id`` (a row of :func:`task_dataset`); the prompt already holds the opening."""
        self.env.reset(seed=seed, options={"task_id": task_id} if task_id is not None else None)
        return None

    def get_reward(self) -> float:
        """The verification reward of the episode: 1.0 iff it reached the gold outcome."""
        return self.verification["reward"] if self.env.task is not None else 0.0

    @property
    def verification(self) -> dict:
        """Every verification component of the episode as it stands (or as it ended).

        A property, not a method: TRL offers every public function of the class as a tool.
        """
        return episode_verification(self.env)

    def _call(self, name: str, arguments: dict) -> str:
        return call_tool(self.env, name, arguments)[0]


def send_message_to_user(self, message: str) -> str:
    return say(self.env, message)[0]


def environment_class(env_id: str, user_tool: bool = True) -> type:
    """The ``environment_factory`` class of one env id: domain tools as typed, documented methods.

    Built once per process and arguments, so every factory call returns the same class.

    Args:
        env_id: A registered id, such as ``"AgentScaler/retail-v0"``.
        user_tool: Add ``send_message_to_user`` (the simulated user's replies come back as its result).
    """
    return _environment_class(env_id, bool(user_tool))


@functools.cache
def _environment_class(env_id: str, user_tool: bool) -> type:
    probe = make_env(env_id)
    domain = probe.domain
    probe.close()
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"{env_id}: {domain.description or domain.name} (TRL environment_factory class).",
        "env_id": env_id,
    }
    for tool in domain.tools.values():
        if tool.name in RESERVED or tool.name.startswith("_"):
            raise ValueError(f"{env_id}: tool name {tool.name!r} clashes with the TRL environment contract")
        namespace[tool.name] = tool_method(tool)
    if user_tool:
        namespace[USER_TOOL] = send_message_to_user
    return type(_class_name(env_id), (ToolUseEnvironment,), namespace)


def environment_factory(env_ids: str | Sequence[str], user_tool: bool = True) -> dict[str, type]:
    """TRL's dict form of ``environment_factory``: ``{env_id: class}``, matched by :func:`task_dataset`'s
    ``environment`` column."""
    env_ids = [env_ids] if isinstance(env_ids, str) else list(env_ids)
    return {env_id: environment_class(env_id, user_tool) for env_id in env_ids}


def tool_method(tool) -> Callable[..., str]:
    """A method calling ``tool`` in the instance's env, typed and documented from the tool's schema.

    ``transformers.utils.get_json_schema`` reads the signature, annotations and docstring, so TRL
    shows the model the same schema the env publishes in ``info["tools"]``.
    """

    def method(self, **arguments: Any) -> str:
        return self._call(tool.name, arguments)

    properties = tool.parameters.get("properties", {})
    required = set(tool.parameters.get("required", ()))
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {}
    for name, schema in properties.items():
        annotations[name] = python_type(schema)
        default = inspect.Parameter.empty if name in required else None
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotations[name], default=default)
        )
    annotations["return"] = str
    method.__name__ = method.__qualname__ = tool.name
    method.__doc__ = google_docstring(tool.description, {k: v.get("description", "") for k, v in properties.items()})
    method.__signature__ = inspect.Signature(parameters, return_annotation=str)
    method.__annotations__ = annotations
    return method


def python_type(schema: dict) -> Any:
    """The Python type hint whose JSON schema (as transformers derives it) is ``schema``."""
    if "enum" in schema:
        hint: Any = Literal[tuple(schema["enum"])]
    elif "anyOf" in schema:
        hint = typing.Union[tuple(python_type(s) for s in schema["anyOf"])]  # noqa: UP007 (built at run time)
    elif schema.get("type") == "array":
        hint = list[python_type(schema["items"])] if "items" in schema else list
    else:
        hint = _JSON_TYPES.get(schema.get("type"), Any)
    return typing.Optional[hint] if schema.get("nullable") else hint  # noqa: UP045 (built at run time)


def google_docstring(description: str, arguments: dict[str, str]) -> str:
    """A Google-style docstring that ``get_json_schema`` parses back into the same descriptions."""
    lines = [_one_line(description) or "A tool."]
    if arguments:
        lines += ["", "Args:"]
        lines += [f"    {name}: {_one_line(text) or f'The {name}.'}" for name, text in arguments.items()]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


send_message_to_user.__doc__ = google_docstring(USER_TOOL_DESCRIPTION, {"message": USER_TOOL_ARGUMENT})


def _class_name(env_id: str) -> str:
    name = env_id.split("/")[-1]
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part) + "Env"


# ---------------------------------------------------------------------------------------------
# Datasets and rewards


def task_dataset(
    env_ids: str | Sequence[str],
    split: str = "train",
    limit: int | None = None,
    held_out: str | Sequence[str] | None = None,
    tasks: int | None = None,
):
    """The tasks of ``split`` as GRPO prompts: a ``datasets.Dataset``.

    Columns: ``prompt`` (the system policy and the user's opening), ``task_id``, ``environment``
    (the env id, which TRL's dict ``environment_factory`` routes on) and ``seed``. The prompt
    messages also carry ``env_id`` and ``task_id`` keys (chat templates ignore them) so that a
    ``rollout_func``, which sees only prompts, knows which episode to play.

    Args:
        env_ids: One env id or several.
        split: The task split.
        limit: At most this many tasks per env id.
        held_out: A domain selection (:mod:`agentscaler_gym.splits`) left out of the dataset.
        tasks: Distinct tasks per split (``gym.make(id, tasks=N)``); envs of this process made
            without it still reset to these task ids.
    """
    from datasets import Dataset

    from ..splits import DomainSplit

    env_ids = [env_ids] if isinstance(env_ids, str) else list(env_ids)
    if held_out is not None:
        env_ids = DomainSplit.parse(held_out).training_ids(env_ids)
    rows = []
    for env_id in env_ids:
        env = make_env(env_id, split=split, **({"tasks": tasks} if tasks is not None else {}))
        for seed, task in enumerate(env.tasks[:limit]):
            _, info = env.reset(seed=seed, options={"task_id": task.id})
            tag = {"env_id": env_id, "task_id": task.id}
            prompt = [{**m, **tag} for m in info["messages"]]
            rows.append({"prompt": prompt, "task_id": task.id, "environment": env_id, "seed": seed})
        env.close()
    return Dataset.from_list(rows)


def verification_reward(verification: Sequence[dict], **kwargs: Any) -> list[float]:
    """GRPO reward function for :class:`UserRollout`: the verification reward of each episode."""
    return [float(v["reward"]) for v in verification]


# ---------------------------------------------------------------------------------------------
# rollout_func: agent <-> simulated user


@dataclass
class _Episode:
    env: Any
    prompt_ids: list[int]
    completion_ids: list[int] = field(default_factory=list)
    env_mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    verification: dict | None = None

    def add(self, ids: list[int], from_model: bool, logprobs: list[float] | None = None) -> None:
        self.completion_ids += ids
        self.env_mask += [int(from_model)] * len(ids)
        self.logprobs += list(logprobs) if logprobs is not None else [0.0] * len(ids)

    def finish(self) -> None:
        self.verification = episode_verification(self.env)


class UserRollout:
    """A TRL ``rollout_func`` that plays whole episodes: model turns, tool answers, user replies.

    Each prompt names its episode (``env_id`` and ``task_id`` keys from :func:`task_dataset`).
    All live episodes generate their next assistant turn in one batch through the trainer's own
    backend; the env parses and runs the turn; the tool answers or the user's reply are rendered
    with the chat template and appended with ``env_mask`` 0. An episode ends when the env ends it
    (the user stops, a transfer, ``max_turns``) or when the next turn would pass
    ``max_completion_length`` (a turn cut by that budget is not played, and TRL sees it as clipped).
    Returns ``verification`` per episode for :func:`verification_reward`.

    Args:
        make_user: Gives each env its own simulated user (e.g. an ``LLMUser``); default: the env's.
        env_kwargs: Extra arguments for every env (e.g. ``max_turns``).
    """

    def __init__(self, make_user: Callable[[], Any] | None = None, **env_kwargs: Any):
        self.make_user = make_user
        self.env_kwargs = env_kwargs
        self._pool: dict[str, list] = {}

    def __call__(self, prompts: list[list[dict]], trainer: Any) -> dict:
        tokenizer = trainer.processing_class
        render = _Renderer(
            tokenizer, getattr(trainer, "chat_template", None), getattr(trainer, "chat_template_kwargs", {})
        )
        eos = list(getattr(trainer, "eos_token_ids", None) or [tokenizer.eos_token_id])
        budget = trainer.args.max_completion_length
        episodes = self._start(prompts, render)
        live = list(episodes)
        while live:
            new_ids, new_logprobs = trainer._generate_single_turn(
                [e.prompt_ids + e.completion_ids for e in live], None, {}, 1
            )
            still = []
            for i, (episode, ids) in enumerate(zip(live, new_ids)):
                room = budget - len(episode.completion_ids)
                ids = list(ids)[:room]
                episode.add(ids, True, new_logprobs[i][:room] if new_logprobs is not None else None)
                if not ids or ids[-1] not in eos:  # the turn was cut by the token budget: the episode ends here
                    episode.finish()
                elif self._play(episode, tokenizer.decode(ids, skip_special_tokens=True), render, budget):
                    still.append(episode)
            live = still
        return {
            "prompt_ids": [e.prompt_ids for e in episodes],
            "completion_ids": [e.completion_ids for e in episodes],
            "logprobs": [e.logprobs for e in episodes] if getattr(trainer, "use_vllm", False) else None,
            "env_mask": [e.env_mask for e in episodes],
            "verification": [e.verification for e in episodes],
        }

    def _start(self, prompts: list[list[dict]], render: _Renderer) -> list[_Episode]:
        used: dict[str, int] = {}
        episodes = []
        for prompt in prompts:
            tag = next((m for m in prompt if m.get("task_id")), None)
            if tag is None:
                raise ValueError(
                    "UserRollout needs prompts from task_dataset(): no message names its env_id and task_id"
                )
            env_id = tag["env_id"]
            pool = self._pool.setdefault(env_id, [])
            index = used[env_id] = used.get(env_id, -1) + 1
            if index == len(pool):
                user = {"user": self.make_user()} if self.make_user is not None else {}
                pool.append(make_env(env_id, **self.env_kwargs, **user))
            env = pool[index]
            _, info = env.reset(seed=index, options={"task_id": tag["task_id"]})
            episodes.append(_Episode(env, render.prompt(env.messages, info["tools"])))
        return episodes

    @staticmethod
    def _play(episode: _Episode, text: str, render: _Renderer, budget: int) -> bool:
        """Step the env with the model's turn; append the answers. True while the episode goes on."""
        env = episode.env
        start = len(env.messages)
        _, _, terminated, truncated, _ = env.step(text)
        if not (terminated or truncated):
            answer = render.suffix(env.messages[start], env.messages[start + 1 :])
            if len(episode.completion_ids) + len(answer) < budget:
                episode.add(answer, False)
                return True
        episode.finish()
        return False


class _Renderer:
    """Token ids of a prompt and of the env's answers, rendered with the trainer's chat template."""

    def __init__(self, tokenizer: Any, chat_template: str | None, kwargs: dict):
        self.tokenizer = tokenizer
        self.kwargs = {**(kwargs or {}), **({"chat_template": chat_template} if chat_template else {})}

    def ids(self, messages: list[dict], generation_prompt: bool, tools: list | None = None) -> list[int]:
        return list(
            self.tokenizer.apply_chat_template(
                messages,
                tools=tools,
                add_generation_prompt=generation_prompt,
                tokenize=True,
                return_dict=False,
                **self.kwargs,
            )
        )

    def prompt(self, messages: list[dict], tools: list[dict]) -> list[int]:
        return self.ids([_plain(m) for m in messages], True, tools or None)

    def suffix(self, assistant: dict, answers: list[dict]) -> list[int]:
        """The tokens after the assistant's end-of-turn: the answers and the next assistant header.

        Rendered after a stand-in exchange; the cut is at the stand-in's last end-of-turn token, so
        templates that rewrite earlier turns (Qwen3 drops old ``<think>`` blocks) still cut right.
        """
        exchange = [{"role": "user", "content": "."}, _plain(assistant)]
        turns = self.ids(exchange, False).count(self.tokenizer.eos_token_id)
        full = self.ids(exchange + [_plain(m) for m in answers], True)
        seen = 0
        for position, token in enumerate(full):
            seen += token == self.tokenizer.eos_token_id
            if seen == turns:
                return full[position + 1 :]
        raise ValueError("the chat template did not render the stand-in exchange's end-of-turn tokens")


def _plain(message: dict) -> dict:
    return {k: v for k, v in message.items() if k in ("role", "content", "tool_calls", "name") and v is not None}
