"""OpenAIPolicy: chat completions with tools against any OpenAI-compatible server (stdlib HTTP only).

Works with vLLM's and SGLang's servers, ``transformers serve``, :mod:`agents.serve`, and hosted
APIs. Each ``act`` is one ``POST {base_url}/chat/completions``; the rollout engine runs up to
``max_concurrency`` of them at once in threads. Connection failures, timeouts, 408/429 and 5xx
answers are retried with exponential backoff; a malformed answer is not (it would come back the
same). A request that still fails raises :class:`PolicyError`, which ends only its episode.

Our transcripts carry no call ids; they are added here (``call_<turn>_<k>``) and tool answers are
matched to them in order. A tool answer with no call to match (the env's reply to a call it could
not parse) is sent as a user message, which every server accepts.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class PolicyError(RuntimeError):
    """A request to the model server failed for good."""


class OpenAIPolicy:
    """Chat-completions client.

    Args:
        base_url: The API root, e.g. ``http://127.0.0.1:8000/v1``.
        model: The model name the server expects.
        api_key: Sent as a bearer token; default ``$OPENAI_API_KEY`` if set.
        max_concurrency: Requests in flight at once (threads of the rollout engine).
        timeout: Seconds per request.
        retries: Extra attempts after a retryable failure; ``backoff`` seconds doubles each time.
        temperature, max_tokens, seed: Sent with every request (None: the server's default).
        price_per_million: ``(prompt, completion)`` price per million tokens, for ``usage["cost"]``.
        extra_body: More request fields (``{"top_p": 0.9}``, vendor options).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        max_concurrency: int = 8,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
        seed: int | None = None,
        price_per_million: tuple[float, float] = (0.0, 0.0),
        extra_body: dict | None = None,
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.name = model, f"openai:{base_url}#{model}"
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.max_concurrency, self.timeout, self.retries, self.backoff = max_concurrency, timeout, retries, backoff
        self.options = {
            k: v
            for k, v in {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}.items()
            if v is not None
        }
        self.options.update(extra_body or {})
        self.price_per_million = price_per_million
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self.stats = {"requests": 0, "retries": 0, "failures": 0}

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        body = {"model": self.model, "messages": to_openai_messages(messages), **self.options}
        if tools:
            body["tools"] = list(tools)
        with self._slots:
            start = time.perf_counter()
            data = self._post(body)
            latency = time.perf_counter() - start
        message = from_openai_choice(data)
        usage = data.get("usage") or {}
        prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        cost = (prompt * self.price_per_million[0] + completion * self.price_per_million[1]) / 1e6
        message["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "latency_s": latency,
            "cost": cost,
        }
        return message

    def _post(self, body: dict) -> dict:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        for attempt in range(self.retries + 1):
            self._count("requests")
            try:
                request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                break
            except urllib.error.HTTPError as exc:
                detail = exc.read()[:300].decode("utf-8", "replace")
                failure = PolicyError(f"HTTP {exc.code} from {self.url}: {detail}")
                if exc.code not in RETRY_STATUS:
                    self._count("failures")
                    raise failure from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                failure = PolicyError(f"request to {self.url} failed: {type(reason).__name__}: {reason}")
            if attempt == self.retries:
                self._count("failures")
                raise failure
            self._count("retries")
            time.sleep(self.backoff * 2**attempt * (1 + random.random() / 4))
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._count("failures")
            raise PolicyError(f"malformed response from {self.url}: not JSON ({exc}): {raw[:200]!r}") from None
        return data

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1


def to_openai_messages(messages: Sequence[dict]) -> list[dict]:
    """Our transcript as an OpenAI request: call ids added, arguments as JSON text."""
    out, open_ids = [], []
    for turn, m in enumerate(messages):
        role = m.get("role")
        if role == "assistant":
            msg: dict = {"role": "assistant", "content": m.get("content") or ""}
            calls = m.get("tool_calls") or []
            if calls:
                open_ids = [f"call_{turn}_{k}" for k in range(len(calls))]
                msg["tool_calls"] = [
                    {
                        "id": cid,
                        "type": "function",
                        "function": {
                            "name": c["function"]["name"],
                            "arguments": _json_text(c["function"].get("arguments", {})),
                        },
                    }
                    for cid, c in zip(open_ids, calls)
                ]
            out.append(msg)
        elif role == "tool":
            if open_ids:
                out.append({"role": "tool", "tool_call_id": open_ids.pop(0), "content": str(m.get("content", ""))})
            else:
                out.append({"role": "user", "content": f"[{m.get('name', 'tool')}] {m.get('content', '')}"})
        else:
            out.append({"role": role, "content": m.get("content") or ""})
    return out


def from_openai_choice(data: Any) -> dict:
    """The first choice of a chat-completions answer as our assistant message; raise if malformed."""
    try:
        choice = data["choices"][0]["message"]
        content = choice.get("content") or ""
        calls = choice.get("tool_calls") or []
        if not isinstance(content, str) or not isinstance(calls, list):
            raise TypeError("content must be text and tool_calls a list")
        tool_calls = [
            {
                "type": "function",
                "function": {"name": c["function"]["name"], "arguments": _json_value(c["function"].get("arguments"))},
            }
            for c in calls
        ]
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise PolicyError(f"malformed chat completion ({type(exc).__name__}: {exc}): {str(data)[:200]}") from None
    message: dict = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def _json_text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def _json_value(arguments: Any) -> Any:
    """Arguments as a dict when they parse; else the text as is, for the env to report."""
    if isinstance(arguments, str):
        try:
            return json.loads(arguments or "{}")
        except json.JSONDecodeError:
            return arguments
    return arguments if arguments is not None else {}
