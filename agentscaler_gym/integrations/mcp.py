"""Every domain as a Model Context Protocol server: one MCP session is one episode.

::

    agentscaler mcp --env AgentScaler/retail-v0                                # stdio, the test split
    agentscaler mcp --env AgentScaler/retail-v0 --task cancel-0001             # one task
    agentscaler mcp --env AgentScaler/retail-v0 --transport http --port 8765   # streamable HTTP at /mcp

Built on the low-level server of the official ``mcp`` SDK (the optional extra ``mcp``), which takes
tool schemas as JSON, so the domain's schemas are served exactly as ``info["tools"]`` gives them.

**Tools.** ``start_episode(task_id=None, seed=None)`` starts the session's episode and returns the
user's opening message; then every domain tool, with its name, description and JSON schema; and
``send_message_to_user(message)``, whose result is the simulated user's reply. Each call is one
assistant turn of the env, so a call answers with the text ``env.step`` gives. A call that fails
(unknown tool, bad arguments, a broken business rule) is an MCP tool error (``isError``) with the
env's ``"Error: ..."`` text, and leaves the database as it was. In dual-control domains the user's
device tools are not served: the simulated user runs them on its side when asked to.

*Why a tool opens the episode* rather than a resource: every MCP client lets a model call tools,
while few surface resources to it; the opening arrives where the model reads tool results; and the
client picks the task (``task_id``, ``seed``), so one server serves a whole split to many sessions.

**Policy.** The domain policy is the server's ``instructions``, the prompt ``policy`` and the
resource ``agentscaler://policy``.

**The end.** The call that ends the episode (the user stops, a transfer to a human, ``max_turns``)
carries ``structuredContent`` ``{"done": true, "reward": ..., "verification": {...}}`` with every
component of ``info["verification"]``; later calls are errors carrying the same. The resource
``agentscaler://episode`` (JSON: task, transcript, reward and verification) can be read at any time.

**Sessions.** The episode lives in the SDK's per-connection state and is closed by the connection's
teardown: when an HTTP client ends its session, when it stays idle past ``idle_timeout``, or when a
stdio pipe closes. The 2026-07-28 protocol era has no sessions over HTTP, so the server declines its
``server/discover`` probe and clients fall back to the ``initialize`` handshake (the SDK's own
``mode="auto"`` does). Env calls run in worker threads, one at a time per session, so a slow
simulated user (an LLM) holds up only its own session.

This module imports the SDK only inside the functions that need it: ``import agentscaler_gym``
never loads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from .episode import USER_TOOL, USER_TOOL_SCHEMA, call_tool, is_error, make_env, missing_extra, say, verification

START_TOOL = "start_episode"
POLICY_URI = "agentscaler://policy"
EPISODE_URI = "agentscaler://episode"
START_SCHEMA = {
    "type": "object",
    "properties": {
        "task_id": {
            "type": "string",
            "description": "The task to play (default: the server's task, else one drawn from its split).",
        },
        "seed": {"type": "integer", "description": "Seeds the task draw and the simulated user."},
    },
}
START_DESCRIPTION = (
    "Start the episode: returns the user's opening message. Call it once, first; then serve the user "
    f"with the other tools, talking to them through {USER_TOOL}."
)
_EPISODE = "agentscaler.episode"  # the key of the episode in the connection's state


def _sdk():
    try:
        import anyio
        from mcp import types
        from mcp.server.lowlevel import Server
    except ImportError as exc:
        raise missing_extra("mcp", "agentscaler_gym.integrations.mcp") from exc
    return anyio, types, Server


class _Episode:
    """The episode of one MCP session; its env is made by the first call that needs it."""

    def __init__(self) -> None:
        import anyio

        self.env = None
        self.lock = anyio.Lock()  # one env call at a time per session
        self.outcome: dict | None = None  # {"done", "reward", "verification"} once ended

    @property
    def started(self) -> bool:
        return self.env is not None and self.env.task is not None


class EpisodeServer:
    """An env id served over MCP: the SDK ``Server`` (:attr:`server`) and the live episodes.

    Args:
        env_id: A registered id, such as ``"AgentScaler/retail-v0"``.
        task: Serve only this task id; ``start_episode`` defaults to it.
        split: The split whose tasks ``start_episode`` may start (ignored with ``task``).
        max_turns: Assistant turns (tool calls and messages) before the episode is truncated.
        make_user: Gives each session's env its own simulated user (default: the scripted user).
    """

    def __init__(
        self,
        env_id: str,
        task: str | None = None,
        split: str = "test",
        max_turns: int = 30,
        make_user: Callable[[], Any] | None = None,
    ):
        _, types, Server = _sdk()
        self.env_id = env_id
        self.env_kwargs: dict[str, Any] = {"split": split, "max_turns": max_turns}
        if task is not None:
            self.env_kwargs["task_ids"] = [task]
        self.make_user = make_user
        probe = make_env(env_id, **self.env_kwargs)
        _, info = probe.reset(seed=0)
        self.task_ids = {t.id for t in probe.tasks}
        self.default_task = task
        self.policy: str = info["system_prompt"]
        self.tool_schemas: list[dict] = info["tools"]
        probe.close()
        self.live: set[_Episode] = set()  # sessions whose env is open
        self.tools = [
            types.Tool(name=START_TOOL, description=START_DESCRIPTION, input_schema=START_SCHEMA),
            *(_tool(types, schema) for schema in self.tool_schemas),
            _tool(types, USER_TOOL_SCHEMA),
        ]
        self.server = Server(
            f"agentscaler {env_id}",
            version=_version(),
            instructions=self.policy,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_read_resource=self._read_resource,
            on_list_prompts=self._list_prompts,
            on_get_prompt=self._get_prompt,
        )
        self.server.add_request_handler("server/discover", types.RequestParams, _decline_discover)

    # -- sessions ------------------------------------------------------------------------

    def _episode(self, ctx) -> _Episode:
        # The SDK keeps per-connection state and teardown on its Connection (`state`, `exit_stack`);
        # the 2.x low-level request context reaches it only through the session proxy.
        connection = ctx.session._connection
        episode = connection.state.get(_EPISODE)
        if episode is None:
            episode = connection.state[_EPISODE] = _Episode()
            connection.exit_stack.push_async_callback(self._free, episode)
        return episode

    async def _free(self, episode: _Episode) -> None:
        async with episode.lock:
            if episode.env is not None:
                episode.env.close()
                self.live.discard(episode)

    def _new_env(self):
        user = {"user": self.make_user()} if self.make_user is not None else {}
        return make_env(self.env_id, **self.env_kwargs, **user)

    # -- handlers ------------------------------------------------------------------------

    async def _list_tools(self, ctx, params):
        _, types, _ = _sdk()
        return types.ListToolsResult(tools=self.tools)

    async def _call_tool(self, ctx, params):
        anyio, types, _ = _sdk()
        name, arguments = params.name, params.arguments or {}
        episode = self._episode(ctx)
        async with episode.lock:
            if name == START_TOOL:
                return await self._start(episode, arguments)
            if not episode.started:
                return _result(types, f"Error: no episode yet: call {START_TOOL} first.", error=True)
            if episode.outcome is not None:
                return _result(types, "Error: the episode has ended.", error=True, structured=episode.outcome)
            if name == USER_TOOL:
                message = arguments.get("message")
                if not isinstance(message, str):
                    return _result(types, "Error: send_message_to_user needs a string 'message'.", error=True)
                observation, ended = await anyio.to_thread.run_sync(say, episode.env, message)
            else:
                observation, ended = await anyio.to_thread.run_sync(call_tool, episode.env, name, arguments)
            if not ended:
                return _result(types, observation, error=is_error(observation))
            outcome = await anyio.to_thread.run_sync(verification, episode.env)
            episode.outcome = {"done": True, "reward": outcome["reward"], "verification": outcome}
            result = _result(types, observation, error=is_error(observation), structured=episode.outcome)
            result.content.append(types.TextContent(text=f"The episode has ended. Reward: {outcome['reward']}"))
            return result

    async def _start(self, episode: _Episode, arguments: dict):
        anyio, types, _ = _sdk()
        if episode.started:
            return _result(
                types,
                f"Error: the episode has already started (task {episode.env.task.id}); "
                "one MCP session plays one episode: open a new session for another.",
                error=True,
            )
        task_id, seed = arguments.get("task_id", self.default_task), arguments.get("seed")
        if task_id is not None and (not isinstance(task_id, str) or task_id not in self.task_ids):
            return _result(types, f"Error: task_id {task_id!r} is not one of the tasks this server serves.", error=True)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            return _result(types, f"Error: seed must be an integer, not {seed!r}.", error=True)
        if episode.env is None:
            episode.env = await anyio.to_thread.run_sync(self._new_env)
            self.live.add(episode)
        options = {"task_id": task_id} if task_id is not None else None
        opening, info = await anyio.to_thread.run_sync(lambda: episode.env.reset(seed=seed, options=options))
        return _result(types, opening, structured={"task_id": info["task_id"], "opening": opening})

    async def _list_resources(self, ctx, params):
        _, types, _ = _sdk()
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=POLICY_URI, name="policy", description="The domain policy.", mime_type="text/markdown"
                ),
                types.Resource(
                    uri=EPISODE_URI,
                    name="episode",
                    description="This session's episode: task, transcript, and once it ended reward and verification.",
                    mime_type="application/json",
                ),
            ]
        )

    async def _read_resource(self, ctx, params):
        _, types, _ = _sdk()
        uri = str(params.uri)
        if uri == POLICY_URI:
            text, mime = self.policy, "text/markdown"
        elif uri == EPISODE_URI:
            episode = self._episode(ctx)
            async with episode.lock:
                text, mime = json.dumps(self._episode_state(episode), ensure_ascii=False), "application/json"
        else:
            from mcp.shared.exceptions import MCPError

            raise MCPError(code=types.INVALID_PARAMS, message=f"unknown resource {uri!r}")
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)])

    def _episode_state(self, episode: _Episode) -> dict:
        state: dict[str, Any] = {"env_id": self.env_id, "started": episode.started, "done": episode.outcome is not None}
        if episode.started:
            state.update(task_id=episode.env.task.id, messages=episode.env.messages)
            state.update(episode.outcome or {"reward": None, "verification": None})
        return state

    async def _list_prompts(self, ctx, params):
        _, types, _ = _sdk()
        return types.ListPromptsResult(prompts=[types.Prompt(name="policy", description="The domain policy.")])

    async def _get_prompt(self, ctx, params):
        _, types, _ = _sdk()
        if params.name != "policy":
            from mcp.shared.exceptions import MCPError

            raise MCPError(code=types.INVALID_PARAMS, message=f"unknown prompt {params.name!r}")
        return types.GetPromptResult(
            description="The domain policy.",
            messages=[types.PromptMessage(role="user", content=types.TextContent(text=self.policy))],
        )

    # -- transports ----------------------------------------------------------------------

    async def run_stdio(self) -> None:
        """Serve one session over this process's stdin and stdout until the client closes it."""
        from mcp.server.stdio import stdio_server

        async with stdio_server() as (read, write):
            await self.server.run(read, write, self.server.create_initialization_options())

    def http_app(self, host: str = "127.0.0.1", idle_timeout: float | None = 1800.0):
        """The streamable HTTP app (Starlette, endpoint ``/mcp``); idle sessions end after ``idle_timeout`` s."""
        app = self.server.streamable_http_app(host=host)
        self.server.session_manager.session_idle_timeout = idle_timeout
        return app


def _tool(types, schema: dict):
    fn = schema["function"]
    return types.Tool(name=fn["name"], description=fn.get("description"), input_schema=fn["parameters"])


def _result(types, text: str, *, error: bool = False, structured: dict | None = None):
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured, is_error=error)


async def _decline_discover(ctx, params):
    from mcp import types
    from mcp.shared.exceptions import MCPError

    raise MCPError(
        code=types.METHOD_NOT_FOUND,
        message="this server keeps one episode per session: connect with the initialize handshake",
    )


def _version() -> str:
    from agentscaler_gym import __version__

    return __version__


# ---------------------------------------------------------------------------------------------
# agentscaler mcp


def register(subparsers) -> None:
    p = subparsers.add_parser("mcp", help="serve an env id as an MCP server (one session = one episode)")
    p.add_argument("--env", required=True, help="env id, e.g. AgentScaler/retail-v0")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--task", default=None, help="serve only this task id")
    which.add_argument("--split", default="test", help="serve the tasks of this split (default: test)")
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP: the address to listen on")
    p.add_argument("--port", type=int, default=8765, help="HTTP: the port (the endpoint is /mcp)")
    p.add_argument("--max-turns", type=int, default=30, help="assistant turns before an episode is truncated")
    p.add_argument("--idle-timeout", type=float, default=1800.0, help="HTTP: seconds before an idle session ends")
    p.set_defaults(func=cmd_mcp)


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        anyio, _, _ = _sdk()
    except ImportError as exc:
        print(f"agentscaler mcp: {exc}", file=sys.stderr)
        return 2
    served = EpisodeServer(args.env, task=args.task, split=args.split, max_turns=args.max_turns)
    if args.transport == "stdio":
        anyio.run(served.run_stdio)
        return 0
    import uvicorn

    app = served.http_app(host=args.host, idle_timeout=args.idle_timeout)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
