"""The fake Slack's workspace: channels, users and messages, and the Web API answers they give.

`FakeSlackServer` (slack_server.py) owns the HTTP side and hands each authenticated call to
`Workspace.answer(method, params)`. Parameters arrive as Slack receives them: strings from a
query string or form (`"1"`/`"true"` for booleans), or JSON values from a JSON body.

What it reproduces of Slack's protocol, as documented (docs.slack.dev, method reference):
- `conversations.history`: top-level messages (and `thread_broadcast` replies) newest first,
  in `oldest`..`latest` (both exclusive unless `inclusive`), `limit` per page (default 100,
  at most 999), `has_more` and an opaque `response_metadata.next_cursor` while more remain.
- `conversations.replies`: the thread oldest first; `oldest`/`latest`/`inclusive` bound the
  replies, the parent always comes first on the first page (and on no later page), `limit`
  counts it; cursors as for history. `ts` may name the parent or any reply.
- A thread's parent carries `thread_ts`, `reply_count`, `reply_users_count`, `reply_users` and
  `latest_reply` computed from the stored replies (a parent without stored replies keeps what
  the test set); replies carry `parent_user_id`.
- `metadata` is returned only with `include_all_metadata`.
- `chat.postMessage` stores `text`, `thread_ts`, `blocks` and `metadata` (form-encoded JSON
  or JSON); `conversations.open` with one `users` id opens (once) a DM the bot is in.
- `users.info` returns `tz`, `tz_label` and `tz_offset` when `add_user` was given `tz` (the
  offset is the zone's current one, in seconds, as Slack computes it).
- `conversations.members` lists the channel's `people` (set by the test) and the bot when it is
  a member, in one page.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["APP_ID", "BOT_ID", "BOT_USER_ID", "TEAM_ID", "WORKSPACE_URL", "Workspace"]

TEAM_ID = "T0FAKE0001"
BOT_USER_ID = "U0BOT00001"
BOT_ID = "B0BOT00001"
APP_ID = "A0APP00001"
WORKSPACE_URL = "https://fake.slack.com/"
_READS = {"conversations.history", "conversations.replies"}
_WRITES = {"chat.postMessage", "chat.postEphemeral"}
_DEFAULT_LIMIT = 100
_MAX_LIMIT = 999
_CURSOR_PREFIX = "next_ts:"  # Slack's cursors decode to this kind of text; clients never parse it


@dataclass
class Channel:
    id: str
    name: str
    private: bool = False
    member: bool = True
    topic: str = ""
    purpose: str = ""
    user: str | None = None  # set on a DM: the other person
    people: list[str] = field(default_factory=list)  # conversations.members (humans)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)


class Workspace:
    """Plain data a test sets up, and the answers Slack would give about it (thread-safe)."""

    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._ts_counter = 0

    # Setting up --------------------------------------------------------------------------------

    def add_channel(self, channel_id: str, name: str, **options: Any) -> None:
        self.channels[channel_id] = Channel(channel_id, name, **options)

    def add_user(
        self, user_id: str, name: str, *, tz: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A user as users.info shows it; `tz` (an IANA name) adds tz_label and tz_offset."""
        user = {"id": user_id, "name": name, "real_name": name, **fields}
        if tz is not None:
            offset = datetime.now(ZoneInfo(tz)).utcoffset()
            user.setdefault("tz", tz)
            user.setdefault("tz_label", datetime.now(ZoneInfo(tz)).tzname())
            user.setdefault("tz_offset", int(offset.total_seconds()) if offset else 0)
        self.users[user_id] = user
        return user

    def add_message(self, channel_id: str, ts: str, text: str, **fields: Any) -> dict[str, Any]:
        message = {"type": "message", "ts": ts, "text": text}
        message.update({k: v for k, v in fields.items() if v is not None})
        with self._lock:
            self.channels[channel_id].messages[ts] = message
        return message

    def next_ts(self) -> str:
        with self._lock:
            self._ts_counter += 1
            return f"{int(time.time())}.{self._ts_counter:06d}"

    # Answering ---------------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The JSON answer of a Web API method, from the workspace state."""
        with self._lock:
            return self._answer(method, params)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "url": WORKSPACE_URL,
            }
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            return self._open_dm(params)
        channel = self.channels.get(params.get("channel", ""))
        if channel is None or (channel.private and not channel.member):
            return {"ok": False, "error": "channel_not_found"}
        if method == "conversations.info":
            return {"ok": True, "channel": _channel_json(channel)}
        if not channel.member and (method in _READS or method in _WRITES):
            return {"ok": False, "error": "not_in_channel"}
        if method == "conversations.members":
            # One page: the fake's channels are small (Slack pages at `limit`, cursor-based).
            members = [*channel.people, *([BOT_USER_ID] if channel.member else [])]
            return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
        if method == "conversations.history":
            return self._history(channel, params)
        if method == "conversations.replies":
            return self._replies(channel, params)
        if method == "chat.getPermalink":
            ts = params.get("message_ts", "")
            link = f"{WORKSPACE_URL}archives/{channel.id}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel.id, "permalink": link}
        if method == "chat.postMessage":
            return self._post(channel, params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        return {"ok": False, "error": "unknown_method"}

    def _open_dm(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1:
            # Group DMs are not faked: the digest only ever opens one-person DMs.
            return {"ok": False, "error": "not_implemented" if users else "users_list_not_supplied"}
        (user,) = users
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        dm_id = "D" + user.removeprefix("U")
        opened = dm_id in self.channels
        if not opened:
            self.channels[dm_id] = Channel(dm_id, user, private=True, member=True, user=user)
        answer: dict[str, Any] = {"ok": True, "channel": {"id": dm_id}}
        if opened:
            answer.update(no_op=True, already_open=True)
        return answer

    def _post(self, channel: Channel, params: dict[str, Any]) -> dict[str, Any]:
        ts = self.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "text": params.get("text", ""),
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "user": BOT_USER_ID,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        for name in ("blocks", "metadata"):
            if params.get(name):
                message[name] = _json_value(params[name])
        channel.messages[ts] = message
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    def _history(self, channel: Channel, params: dict[str, Any]) -> dict[str, Any]:
        try:
            low, high = _bounds(params)
            after = _cursor(params)
            inclusive = _flag(params.get("inclusive"))
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}
        top = [
            m
            for m in channel.messages.values()
            if m.get("thread_ts", m["ts"]) == m["ts"] or m.get("subtype") == "thread_broadcast"
        ]
        found = sorted(
            (m for m in top if _within(m["ts"], low, high, inclusive)),
            key=lambda m: _key(m["ts"]),
            reverse=True,
        )
        if after is not None:
            found = [m for m in found if _key(m["ts"]) <= after]
        return self._page(channel, _threads(channel), found, params)

    def _replies(self, channel: Channel, params: dict[str, Any]) -> dict[str, Any]:
        try:
            low, high = _bounds(params)
            after = _cursor(params)
            inclusive = _flag(params.get("inclusive"))
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}
        asked = channel.messages.get(str(params.get("ts", "")))
        if asked is None:
            return {"ok": False, "error": "thread_not_found"}
        root = asked.get("thread_ts", asked["ts"])
        parent = channel.messages.get(root)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = sorted(
            (
                m
                for m in channel.messages.values()
                if m.get("thread_ts") == root and m is not parent
            ),
            key=lambda m: _key(m["ts"]),
        )
        threads = {root: thread}
        replies = [m for m in thread if _within(m["ts"], low, high, inclusive)]
        if after is not None:
            replies = [m for m in replies if _key(m["ts"]) >= after]
            return self._page(channel, threads, replies, params)
        return self._page(channel, threads, replies, params, first=[parent])

    def _page(
        self,
        channel: Channel,
        threads: dict[str, list[dict[str, Any]]],
        found: list[dict[str, Any]],
        params: dict[str, Any],
        first: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        limit = min(int(params.get("limit") or _DEFAULT_LIMIT), _MAX_LIMIT)
        items = (first or []) + found
        page, rest = items[:limit], items[limit:]
        answer: dict[str, Any] = {
            "ok": True,
            "messages": [_shown(channel, threads, m, params) for m in page],
            "has_more": bool(rest),
        }
        if rest:
            cursor = base64.b64encode(f"{_CURSOR_PREFIX}{rest[0]['ts']}".encode()).decode()
            answer["response_metadata"] = {"next_cursor": cursor}
        return answer


def _threads(channel: Channel) -> dict[str, list[dict[str, Any]]]:
    """Each thread's replies in time order, by parent ts (built once per answer: a benchmark
    channel holds thousands of messages)."""
    threads: dict[str, list[dict[str, Any]]] = {}
    for message in channel.messages.values():
        root = message.get("thread_ts")
        if root and root != message["ts"]:
            threads.setdefault(root, []).append(message)
    for replies in threads.values():
        replies.sort(key=lambda m: _key(m["ts"]))
    return threads


def _shown(
    channel: Channel,
    threads: dict[str, list[dict[str, Any]]],
    message: dict[str, Any],
    params: dict[str, Any],
) -> dict[str, Any]:
    """A stored message as Slack returns it: thread fields computed, metadata on request."""
    shown: dict[str, Any] = json.loads(json.dumps(message))  # the client cannot change state
    if not _flag(params.get("include_all_metadata")):
        shown.pop("metadata", None)
    ts = message["ts"]
    root = message.get("thread_ts")
    if root and root != ts:
        parent = channel.messages.get(root)
        if parent is not None and parent.get("user"):
            shown["parent_user_id"] = parent["user"]
        return shown
    replies = threads.get(ts)
    if replies:
        authors = (m.get("user") or m.get("bot_id") for m in replies)
        users = list(dict.fromkeys(u for u in authors if u))
        shown.update(
            thread_ts=ts,
            reply_count=len(replies),
            reply_users_count=len(users),
            reply_users=users,
            latest_reply=replies[-1]["ts"],
        )
    return shown


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


@lru_cache(maxsize=1 << 16)
def _key(ts: str) -> tuple[int, int]:
    """A ts as (seconds, microseconds), for ordering: exact, and cached (benchmarks sort 10k)."""
    seconds, _, fraction = str(ts).partition(".")
    if not seconds.isdigit() or not (fraction.isdigit() or fraction == "") or len(fraction) > 6:
        raise ValueError(ts)
    return int(seconds), int(fraction.ljust(6, "0"))


Key = tuple[int, int]


def _bounds(params: dict[str, Any]) -> tuple[Key | None, Key | None]:
    def read(name: str, error: str) -> Key | None:
        value = params.get(name)
        if value in (None, ""):
            return None
        try:
            return _key(str(value))
        except ValueError:
            raise ValueError(error) from None

    return read("oldest", "invalid_ts_oldest"), read("latest", "invalid_ts_latest")


def _within(ts: str, low: Key | None, high: Key | None, inclusive: bool) -> bool:
    value = _key(ts)
    if inclusive:
        return (low is None or value >= low) and (high is None or value <= high)
    return (low is None or value > low) and (high is None or value < high)


def _cursor(params: dict[str, Any]) -> Key | None:
    raw = params.get("cursor")
    if not raw:
        return None
    try:
        text = base64.b64decode(str(raw), validate=True).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        return _key(text.removeprefix(_CURSOR_PREFIX))
    except ValueError:
        raise ValueError("invalid_cursor") from None


def _json_value(value: Any) -> Any:
    """A parameter the SDK sends JSON-encoded in a form, or as JSON in a JSON body."""
    return json.loads(value) if isinstance(value, str) else value


def _channel_json(channel: Channel) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.private,
        "is_group": channel.private and channel.user is None,
        "is_im": channel.user is not None,
        "is_private": channel.private,
        "is_member": channel.member,
        "topic": {"value": channel.topic},
        "purpose": {"value": channel.purpose},
    }
    if channel.user is not None:
        shown["user"] = channel.user
    return shown
