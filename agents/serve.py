"""A small OpenAI-compatible chat server over a local batched policy (stdlib ``http.server``).

    python -m agents.serve PATH_OR_HUB_NAME [--host 127.0.0.1] [--port 8000] [--max-new-tokens 256]

Endpoints: ``POST /v1/chat/completions`` (``messages``, ``tools``; no streaming), ``GET /v1/models``
and ``GET /health``. Requests that arrive together are generated together: handler threads queue
their turns, and one generation thread takes everything queued (up to ``max_batch``, after
waiting ``batch_window_s`` for more) and calls the policy's ``act_batch`` once. Sampling settings
are the policy's; per-request ``temperature`` or ``max_tokens`` are not honoured.

It exists so that :class:`agents.openai_compat.OpenAIPolicy` can be exercised end to end on a
machine with no GPU and no model hub, and to serve a fine-tuned checkpoint to any OpenAI client.
"""

from __future__ import annotations

import argparse
import json
import queue
import threading
import time
import uuid
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentscaler_gym.policy import Request


class ChatServer:
    """Serve ``policy`` (anything with ``act_batch``) at ``http://host:port/v1``.

    Use as a context manager, or ``start()`` / ``stop()``. ``port=0`` picks a free port;
    ``url`` is the API root to give a client.
    """

    def __init__(
        self,
        policy: Any,
        *,
        model_name: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_batch: int = 32,
        batch_window_s: float = 0.005,
    ):
        self.policy, self.model_name = policy, model_name or getattr(policy, "name", "local")
        self.max_batch, self.batch_window_s = max_batch, batch_window_s
        self.queue: queue.Queue = queue.Queue()
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self.threads: list[threading.Thread] = []
        self.stats = {"requests": 0, "batches": 0}

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ChatServer:
        self.threads = [
            threading.Thread(target=self.httpd.serve_forever, name="chat-http", daemon=True),
            threading.Thread(target=self._generate_forever, name="chat-generate", daemon=True),
        ]
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.queue.put(None)
        for thread in self.threads:
            thread.join(timeout=10)

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def complete(self, body: dict) -> dict:
        """Answer one chat-completions request body (blocks until its batch is generated)."""
        request = Request(from_openai_messages(body["messages"]), body.get("tools") or [])
        future: Future = Future()
        self.queue.put((request, future))
        message = future.result()
        return _completion(message, self.model_name)

    def _generate_forever(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            batch = [item]
            deadline = time.perf_counter() + self.batch_window_s
            while len(batch) < self.max_batch:
                try:
                    item = self.queue.get(timeout=max(0.0, deadline - time.perf_counter()))
                except queue.Empty:
                    break
                if item is None:
                    self.queue.put(None)
                    break
                batch.append(item)
            self.stats["batches"] += 1
            self.stats["requests"] += len(batch)
            try:
                answers = self.policy.act_batch([request for request, _ in batch])
                for (_, future), answer in zip(batch, answers):
                    future.set_result(answer)
            except Exception as exc:  # every request of a failed batch gets the error
                for _, future in batch:
                    future.set_exception(exc)


def from_openai_messages(messages: list[dict]) -> list[dict]:
    """An OpenAI request's messages as a transcript: call arguments as dicts, tool names restored."""
    names: dict[str, str] = {}
    out = []
    for m in messages:
        m = dict(m)
        if m.get("role") == "assistant" and m.get("tool_calls"):
            calls = []
            for call in m["tool_calls"]:
                fn = call.get("function", call)
                arguments = fn.get("arguments", {})
                if isinstance(arguments, str):
                    try:
                        arguments = json.loads(arguments or "{}")
                    except json.JSONDecodeError:
                        pass
                names[call.get("id", "")] = fn["name"]
                calls.append({"type": "function", "function": {"name": fn["name"], "arguments": arguments}})
            m["tool_calls"] = calls
        elif m.get("role") == "tool" and "name" not in m:
            m["name"] = names.get(m.get("tool_call_id", ""), "tool")
        if m.get("content") is None:
            m["content"] = ""
        out.append(m)
    return out


def _completion(message: dict, model: str) -> dict:
    usage = message.get("usage", {})
    answer: dict = {"role": "assistant", "content": message.get("content", "")}
    calls = message.get("tool_calls") or []
    if calls:
        answer["tool_calls"] = [
            {
                "id": f"call_{uuid.uuid4().hex[:12]}",
                "type": "function",
                "function": {
                    "name": c["function"]["name"],
                    "arguments": json.dumps(c["function"]["arguments"], ensure_ascii=False),
                },
            }
            for c in calls
        ]
    prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": answer, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(
                    200, {"object": "list", "data": [{"id": server.model_name, "object": "model", "owned_by": "local"}]}
                )
            elif self.path.rstrip("/") == "/health":
                self._send(200, {"status": "ok"})
            else:
                self._send(404, _error(f"no route {self.path}"))

        def do_POST(self) -> None:
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(404, _error(f"no route {self.path}"))
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
                    raise ValueError("the body needs a non-empty 'messages' list")
                if body.get("stream"):
                    raise ValueError("streaming is not supported")
            except (ValueError, json.JSONDecodeError) as exc:
                self._send(400, _error(str(exc)))
                return
            try:
                self._send(200, server.complete(body))
            except Exception as exc:  # noqa: BLE001 - the client reads the failure
                self._send(500, _error(f"{type(exc).__name__}: {exc}", "server_error"))

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test and CLI output clean
            pass

    return Handler


def _error(message: str, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m agents.serve", description=__doc__.splitlines()[0])
    parser.add_argument("model", help="hub name or local folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--max-batch", type=int, default=32)
    args = parser.parse_args(argv)
    from .hf import TransformersPolicy

    policy = TransformersPolicy(args.model, max_new_tokens=args.max_new_tokens, temperature=args.temperature)
    server = ChatServer(policy, model_name=args.model, host=args.host, port=args.port, max_batch=args.max_batch).start()
    print(f"serving {args.model} at {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
