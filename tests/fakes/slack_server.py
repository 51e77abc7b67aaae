"""A loopback fake of the Slack Web API (and of `response_url`) for tests and benchmarks.

The real `slack_sdk` clients talk to it over a socket (`AsyncWebClient(base_url=server.api_url)`,
`AsyncWebhookClient(server.response_url("x"))`), so tests exercise the SDK's HTTP stack, its
error mapping and its rate-limit retry handler. It speaks the protocol the SDK expects: POST
`/api/<method>` with a form or JSON body, a token in `Authorization: Bearer` or the form,
`{"ok": true, ...}` or `{"ok": false, "error": "..."}` with status 200, 429 + Retry-After when
rate limited. `response_url` endpoints (`/response/<id>`) answer "ok" as Slack's do.

Workspace state is plain data a test sets up (tests/fakes/slack_workspace.py says which parts of
Slack's protocol the answers reproduce: history and replies with oldest/latest/inclusive, limit
and cursors, thread fields, metadata, DMs, time zones):

    server.add_channel("C1", "infra-oncall", private=False, member=True)
    server.add_message("C1", "1712.0001", "text", user="U1", thread_ts=None, bot_id=None)
    server.add_user("U1", "alice", tz="Europe/Paris")

Failures are scripted per method, consumed in order: `server.fail("conversations.replies",
"not_in_channel")`, `server.rate_limit("chat.postMessage", retry_after=1)`; `where=` limits a
script to the calls whose parameters match (the second page: `where=lambda p: "cursor" in p`).
A channel the bot is not a member of answers `not_in_channel` (public) or `channel_not_found`
(private), as Slack does. Every call is recorded (with a monotonic timestamp) before it is
answered; tests wait on `server.wait_for(...)`, a bounded wait on a condition, never a sleep.
`pause()` holds every Web API answer until `resume()`, to prove that something (an ack) does
not wait on Slack.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .slack_workspace import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, Channel, Workspace

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "Call",
    "FakeSlackServer",
    "FakeSocketModeServer",
]

Params = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request as the server received it: the API method (or `response_url` id) and body."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival
    status: int = 200

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth else self.params.get("token")

    def json_param(self, name: str) -> Any:
        """A parameter the SDK may send JSON-encoded in a form (blocks, metadata) or as JSON."""
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class _Scripted:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    where: Callable[[Params], bool] | None = None


class FakeSlackServer:
    """Start with `with FakeSlackServer() as server:` (or `start()`/`stop()`); binds port 0."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.calls: list[Call] = []
        self.workspace = Workspace()
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out
        self._scripts: dict[str, deque[_Scripted]] = defaultdict(deque)
        self._cond = threading.Condition()
        self._open = threading.Event()
        self._open.set()
        self._httpd = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # Lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FakeSlackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeSlackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The `base_url` for slack_sdk clients (it must end with a slash)."""
        return self.url + "/api/"

    def response_url(self, name: str) -> str:
        """A `response_url` for a payload; what is posted to it is recorded as `response:<name>`."""
        return f"{self.url}/response/{name}"

    # Workspace state ---------------------------------------------------------------------------

    @property
    def channels(self) -> dict[str, Channel]:
        return self.workspace.channels

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        return self.workspace.users

    def add_channel(self, channel_id: str, name: str, **options: Any) -> None:
        """`options`: private, member, topic, purpose (a member public channel by default)."""
        self.workspace.add_channel(channel_id, name, **options)

    def add_user(
        self, user_id: str, name: str, *, tz: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A user for users.info; `tz` (IANA name) also sets tz_label and tz_offset."""
        return self.workspace.add_user(user_id, name, tz=tz, **fields)

    def add_message(self, channel_id: str, ts: str, text: str, **fields: Any) -> dict[str, Any]:
        """Store a message (a reply when `thread_ts` names another message); returns the stored
        dict, which a test may still change."""
        return self.workspace.add_message(channel_id, ts, text, **fields)

    # Scripts -----------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str,
        times: int = 1,
        where: Callable[[Params], bool] | None = None,
    ) -> None:
        """The next `times` calls of `method` (whose parameters match `where`, if given) answer
        `{"ok": false, "error": error}`."""
        with self._cond:
            for _ in range(times):
                self._scripts[method].append(
                    _Scripted(200, {"ok": False, "error": error}, where=where)
                )

    def rate_limit(
        self,
        method: str,
        retry_after: int = 1,
        times: int = 1,
        where: Callable[[Params], bool] | None = None,
    ) -> None:
        """The next `times` calls of `method` (or `response:<name>`, or `response:*`), whose
        parameters match `where` if given, get 429 with Retry-After."""
        body = {"ok": False, "error": "ratelimited"}
        with self._cond:
            for _ in range(times):
                self._scripts[method].append(
                    _Scripted(429, body, {"Retry-After": str(retry_after)}, where=where)
                )

    def pause(self) -> None:
        """Hold every Web API answer (not response_url) until `resume()`: proves that nothing
        waits on the Web API, e.g. a Slack ack. Calls are still recorded on arrival."""
        self._open.clear()

    def resume(self) -> None:
        self._open.set()

    def reset(self) -> None:
        """Forget recorded calls and pending scripts (workspace state stays)."""
        with self._cond:
            self.calls.clear()
            self._scripts.clear()

    # Observing ---------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until `count` calls of `method` (matching `where`) arrived; AssertionError after
        `timeout` seconds, listing what did arrive."""

        def matching() -> list[Call]:
            return [
                c
                for c in self.calls
                if (c.method == method or (method == "response:*" and c.method[:9] == "response:"))
                and (where is None or where(c))
            ]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                seen = [c.method for c in self.calls]
                raise AssertionError(f"waited {timeout}s for {count} x {method}; got {seen}")
            return matching()

    # Serving -----------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _next_script(self, method: str, params: Params) -> _Scripted | None:
        with self._cond:
            keys = [method, "response:*"] if method.startswith("response:") else [method]
            for key in keys:
                queue = self._scripts[key]
                for scripted in queue:
                    if scripted.where is None or scripted.where(params):
                        queue.remove(scripted)
                        return scripted
        return None

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The JSON answer of a Web API method, from the workspace state."""
        if method == "apps.connections.open":
            if not self.socket_mode_url:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_mode_url}
        return self.workspace.answer(method, params)


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {"_body": data}
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _handler_for(server: FakeSlackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
            pass

        def setup(self) -> None:
            super().setup()
            # Small JSON answers: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms a call.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:  # the SDK sends some methods as GET with a query string
            self._serve(dict(parse_qsl(urlsplit(self.path).query)))

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            query = dict(parse_qsl(urlsplit(self.path).query))
            self._serve({**query, **_parse_body(raw, self.headers.get("content-type", ""))})

        def _serve(self, params: dict[str, Any]) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/api/"):
                method = path.removeprefix("/api/")
            elif path.startswith("/response/"):
                method = "response:" + path.removeprefix("/response/")
            else:
                self._send(404, {"ok": False, "error": "not_found"})
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            scripted = server._next_script(method, params)
            status = scripted.status if scripted else 200
            server._record(Call(method, params, headers, time.monotonic(), status))
            if not method.startswith("response:"):
                server._open.wait(timeout=30)
            if scripted is not None:
                self._send(scripted.status, scripted.body, scripted.headers)
            elif method.startswith("response:"):
                self._send(200, "ok")
            elif not (
                params.get("token") or headers.get("authorization", "").startswith("Bearer ")
            ):
                self._send(200, {"ok": False, "error": "not_authed"})
            else:
                self._send(200, server.answer(method, params))

        def _send(
            self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
        ) -> None:
            is_text = isinstance(body, str)
            data = (body if is_text else json.dumps(body)).encode()  # type: ignore[union-attr]
            self.send_response(status)
            ctype = "text/html" if is_text else "application/json; charset=utf-8"
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


class FakeSocketModeServer:
    """Slack's Socket Mode side: a websocket that pushes envelopes and records the app's acks.

    Set `web_api.socket_mode_url = server.url` so apps.connections.open hands it out. Runs an
    aiohttp server on its own loop in a thread; `push()` sends an envelope to the connected
    app, `wait_for_ack(envelope_id)` waits (bounded) for the app's answer frame.
    """

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._loop: Any = None
        self._ws: Any = None
        self._port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import asyncio

        from aiohttp import WSMsgType, web

        async def link(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await ws.send_json({"type": "hello", "num_connections": 1})
            with self._cond:
                self._ws = ws
                self._cond.notify_all()
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    with self._cond:
                        self.acks.append(json.loads(frame.data))
                        self._cond.notify_all()
            return ws

        async def main() -> None:
            app = web.Application()
            app.router.add_get("/link", link)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._port = runner.addresses[0][1]
            self._stop = asyncio.Event()
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()

        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(main())
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/link"

    def __enter__(self) -> FakeSocketModeServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Socket Mode server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._ws is not None, timeout):
                raise AssertionError(f"no Socket Mode connection within {timeout}s")

    def push(self, envelope: dict[str, Any]) -> None:
        """Send one envelope ({"envelope_id", "type", "payload", ...}) to the app."""
        import asyncio

        future = asyncio.run_coroutine_threadsafe(self._ws.send_json(envelope), self._loop)
        future.result(timeout=10)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        def found() -> list[dict[str, Any]]:
            return [a for a in self.acks if a.get("envelope_id") == envelope_id]

        with self._cond:
            if not self._cond.wait_for(found, timeout):
                raise AssertionError(f"no ack of {envelope_id} within {timeout}s: {self.acks}")
            return found()[0]
