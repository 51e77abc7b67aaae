"""A loopback OpenAI-compatible server for tests: POST /v1/chat/completions, scripted per test.

The real `openai.OpenAI` client talks to it over a socket, so the tests exercise the client's
HTTP stack, error mapping and response parsing. Each test queues replies in order:

    server.queue(reply('{"tldr": "..."}'), error(429, headers={"retry-after": "1"}))

A reply can be a completion (content, usage, finish_reason, or no choices), an error status
with an OpenAI-style error body, or a delayed answer (for client timeouts; released at once
when the server stops). `reject_json_schema = True` answers 400 to structured-output
requests, as servers without it do. Requests with `"stream": true` get server-sent events.
Every request is recorded, before it is answered, in `server.requests`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAIServer", "RecordedRequest", "Reply", "Scripted", "error", "reply"]

DEFAULT_USAGE = (120, 30)


@dataclass
class Reply:
    """One scripted answer. `content=None` with `choices=True` is a null message content."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    delay: float = 0.0
    choices: bool = True
    finish_reason: str = "stop"
    usage: tuple[int, int] | None = DEFAULT_USAGE
    model: str | None = None


def reply(content: str | dict[str, Any], **options: Any) -> Reply:
    """A 200 completion whose message content is `content` (a dict is sent as its JSON)."""
    text = json.dumps(content) if isinstance(content, dict) else content
    return Reply(content=text, **options)


def error(
    status: int,
    message: str = "scripted error",
    *,
    headers: dict[str, str] | None = None,
    param: str | None = None,
    kind: str = "invalid_request_error",
) -> Reply:
    """An error status with the body shape OpenAI sends."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": None}}
    return Reply(status=status, headers=headers or {}, body=body)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def content(self, role: str) -> list[str]:
        """The contents of the messages with this role, in order."""
        return [m["content"] for m in self.messages if m.get("role") == role]


# A reply, or a function of the request that makes one (to echo what the request holds).
Scripted = Reply | Callable[[RecordedRequest], Reply]


class FakeOpenAIServer:
    """The server; use as a context manager. `base_url` ends in /v1 like OpenAI's."""

    def __init__(self, *, model: str = "gpt-4o-mini") -> None:
        self.model = model
        self.requests: list[RecordedRequest] = []
        self.reject_json_schema = False
        self.default: Scripted | None = None
        self._script: deque[Scripted] = deque()
        self._lock = threading.Condition()
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> FakeOpenAIServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        # serve_forever checks for shutdown every poll_interval; the default 0.5 s would add
        # half a second to every test's teardown.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # delayed replies answer now instead of holding threads
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # --- scripting ---
    def queue(self, *replies: Scripted) -> None:
        """Answer the next requests with these replies, in order; a callable gets the request."""
        with self._lock:
            self._script.extend(replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least `count` requests arrived (bounded); return them."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            return list(self.requests)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            self._lock.notify_all()
            fmt = request.body.get("response_format") or {}
            if self.reject_json_schema and fmt.get("type") == "json_schema":
                return error(
                    400,
                    "response_format of type json_schema is not supported by this model",
                    param="response_format",
                )
            scripted = self._script.popleft() if self._script else self.default
        if scripted is None:
            return error(500, "no scripted reply left for this request", kind="server_error")
        return scripted(request) if callable(scripted) else scripted

    # --- answers ---
    def completion_body(self, scripted: Reply) -> dict[str, Any]:
        choices = []
        if scripted.choices:
            message = {"role": "assistant", "content": scripted.content, "refusal": None}
            choices = [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": scripted.finish_reason,
                }
            ]
        body: dict[str, Any] = {
            "id": f"chatcmpl-fake{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": scripted.model or self.model,
            "choices": choices,
            "system_fingerprint": "fp_fake",
        }
        if scripted.usage is not None:
            prompt, completion = scripted.usage
            body["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return body

    def stream_events(self, scripted: Reply, include_usage: bool) -> list[dict[str, Any]]:
        """The chat.completion.chunk events of a streamed answer, as OpenAI sends them."""
        base = {
            "id": "chatcmpl-fakestream",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": scripted.model or self.model,
        }
        text = scripted.content or ""
        pieces = [text[i : i + 16] for i in range(0, len(text), 16)]
        events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
        events += [{**base, "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
        events.append(
            {
                **base,
                "choices": [{"index": 0, "delta": {}, "finish_reason": scripted.finish_reason}],
            }
        )
        if include_usage and scripted.usage is not None:
            prompt, completion = scripted.usage
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            events.append({**base, "choices": [], "usage": usage})
        return events

    def wait(self, seconds: float) -> None:
        self._release.wait(seconds)


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on, the client's
        # delayed ACK holds the second for ~40 ms on every request.
        disable_nagle_algorithm = True
        timeout = 10  # an idle keep-alive connection does not hold its thread for ever

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                # The client gave up (its timeout) before the scripted delay ended.
                self.close_connection = True

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, error(404, f"no route {self.path}").body or {})
                return
            body = json.loads(raw or b"{}")
            recorded = RecordedRequest(
                self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
            scripted = server._next(recorded)
            if scripted.delay:
                server.wait(scripted.delay)
            if scripted.status != 200:
                self._json(scripted.status, scripted.body or {}, scripted.headers)
            elif body.get("stream"):
                options = body.get("stream_options") or {}
                self._stream(server.stream_events(scripted, bool(options.get("include_usage"))))
            else:
                self._json(200, scripted.body or server.completion_body(scripted), scripted.headers)

        def _json(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("x-request-id", f"req_fake_{len(server.requests)}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, events: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("connection", "close")
            self.end_headers()
            for event in events:
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler
