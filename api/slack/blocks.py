"""Block Kit for distillations, kept inside Slack's limits so a post never fails.

Slack rejects a whole message (`invalid_blocks`, `msg_too_long`) when one section passes 3,000
characters or a message passes 50 blocks, so text is split at line, then word boundaries
(never inside a `<...>` entity) and the body is trimmed, with a note, to fit. Generated text is
neutralised: `<!channel>`, `<!here>`, `<!everyone>` and user-group mentions become inert, so a
shared summary can never page a channel the source did not page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from distiller import Distillation

from . import messages

__all__ = [
    "ACTION_DOWN",
    "ACTION_PERSONA",
    "ACTION_SHARE",
    "ACTION_UP",
    "MAX_BLOCKS",
    "SECTION_LIMIT",
    "ResultView",
    "check_blocks",
    "fallback_text",
    "neutralise",
    "notice_blocks",
    "result_blocks",
    "shared_blocks",
    "split_text",
]

SECTION_LIMIT = 3000  # Slack's limit for a section's text
MAX_BLOCKS = 50  # Slack's limit for a message
_SAFE = 2900  # a margin below the limit (Slack counts some characters differently)
_CONTEXT_SAFE = 2000
_TEXT_FALLBACK = 3000  # notification text; Slack's own cap is 40,000
_LABEL = 75  # button and option text
_MAX_OPTIONS = 100

ACTION_SHARE = "distill_share"
ACTION_PERSONA = "distill_persona"
ACTION_UP = "distill_feedback_up"
ACTION_DOWN = "distill_feedback_down"

# `<!here>`, `<!channel|@channel>`, `<!subteam^S123|@oncall>`: the mention syntax Slack notifies
# on. The plain words too, in case a client posts with link_names. A word joiner after the "@"
# keeps them readable yet inert.
_SPECIAL_RE = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM_RE = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>")
_BARE_RE = re.compile(r"(?<![\w\u2060])@(channel|here|everyone)\b")
_ENTITY_RE = re.compile(r"<[^<>\n]{1,600}>")
_JOINER = "\u2060"


def neutralise(text: str) -> str:
    """`text` with broadcast and user-group mentions made inert (still readable as @name)."""
    text = _SPECIAL_RE.sub(lambda m: f"@{_JOINER}{m.group(1)}", text)
    text = _SUBTEAM_RE.sub(lambda m: f"@{_JOINER}{m.group(2) or 'group'}", text)
    return _BARE_RE.sub(lambda m: f"@{_JOINER}{m.group(1)}", text)


def split_text(text: str, limit: int = _SAFE) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at a newline, else a space, else
    anywhere outside a `<...>` entity. Joining the pieces gives back the text minus the cuts."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        for entity in _ENTITY_RE.finditer(rest, 0, min(len(rest), cut + 600)):
            if entity.start() < cut < entity.end() and entity.start() > 0:
                cut = entity.start()
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p.strip()] or [""]


def _pack(lines: list[str], limit: int = _SAFE) -> list[str]:
    """Lines joined into as few texts of at most `limit` characters as possible."""
    out: list[str] = []
    current = ""
    for line in lines:
        for piece in split_text(line, limit):
            if current and len(current) + 1 + len(piece) > limit:
                out.append(current)
                current = ""
            current = f"{current}\n{piece}" if current else piece
    if current:
        out.append(current)
    return out


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(*texts: str) -> dict[str, Any]:
    parts = [t[:_CONTEXT_SAFE] for t in texts if t][:10]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in parts]}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:_LABEL], "emoji": True}


@dataclass(frozen=True)
class ResultView:
    """Everything one rendering of a distillation shows; `id` is what the buttons carry."""

    id: str
    result: Distillation
    why: str
    permalink: str = ""
    messages: int = 1
    personas: tuple[str, ...] = ()
    can_share: bool = True
    vote: str | None = None
    note: str | None = None


def _body_lines(result: Distillation) -> tuple[list[str], list[str], list[str]]:
    tldr = [messages.TLDR_LABEL.format(text=neutralise(result.tldr))]
    bullets = [f"• {neutralise(b)}" for b in result.bullets]
    asks = []
    for ask in result.asks:
        due = messages.ASK_DUE.format(due=ask.due) if ask.due and ask.due not in ask.text else ""
        asks.append(f"• {neutralise(ask.text)}{due}")
    return tldr, bullets, ([messages.ASKS_LABEL, *asks] if asks else [])


def _body(result: Distillation, room: int) -> list[dict[str, Any]]:
    """The TL;DR, bullets and asks as sections, trimmed with a note to at most `room` blocks."""
    tldr, bullets, asks = _body_lines(result)
    texts = _pack(tldr) + _pack(bullets) + _pack(asks)
    if len(texts) <= room:
        return [_section(t) for t in texts]
    kept, dropped = texts[: room - 1], texts[room - 1 :]
    lines = sum(t.count("\n") + 1 for t in dropped)
    return [*(_section(t) for t in kept), _context(messages.TRIMMED.format(count=lines))]


def _facts_line(view: ResultView) -> list[str]:
    parts = [view.result.facts.summary()]
    if view.messages > 1:
        parts.append(messages.THREAD_OF.format(count=view.messages))
    if view.permalink:
        parts.append(messages.SOURCE_LINK.format(permalink=view.permalink))
    return [" · ".join(parts), messages.PERSONA_LINE.format(why=neutralise(view.why))]


def _actions(view: ResultView) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    if view.can_share:
        elements.append(
            {
                "type": "button",
                "action_id": ACTION_SHARE,
                "value": view.id,
                "text": _plain(messages.SHARE_BUTTON),
                "style": "primary",
            }
        )
    if view.personas:
        options = [
            {"text": _plain(name), "value": f"{view.id}:{name}"[:150]}
            for name in view.personas[:_MAX_OPTIONS]
        ]
        select = {
            "type": "static_select",
            "action_id": ACTION_PERSONA,
            "options": options,
            "placeholder": _plain(messages.PERSONA_PLACEHOLDER),
        }
        elements.append(select)
    if view.vote is None:
        for action, label in ((ACTION_UP, messages.UP_BUTTON), (ACTION_DOWN, messages.DOWN_BUTTON)):
            elements.append(
                {"type": "button", "action_id": action, "value": view.id, "text": _plain(label)}
            )
    if not elements:
        return []
    return [{"type": "actions", "block_id": "distill_actions", "elements": elements}]


def result_blocks(view: ResultView) -> list[dict[str, Any]]:
    """The ephemeral answer: body, facts and persona line, note, buttons; always valid."""
    tail = [_context(*_facts_line(view))]
    if view.note:
        tail.append(_context(view.note))
    if view.vote is not None:
        tail.append(_context(messages.VOTED.format(vote=_vote_emoji(view.vote))))
    tail += _actions(view)
    return _body(view.result, MAX_BLOCKS - len(tail)) + tail


def shared_blocks(view: ResultView, user: str) -> list[dict[str, Any]]:
    """The public post in the thread: body and facts line, no buttons, who asked for it."""
    tail = [_context(*_facts_line(view), messages.SHARED_BY.format(user=user))]
    return _body(view.result, MAX_BLOCKS - len(tail)) + tail


def notice_blocks(text: str) -> list[dict[str, Any]]:
    """A short notice (errors, confirmations) as sections."""
    return [_section(t) for t in split_text(text)][:MAX_BLOCKS]


def fallback_text(result: Distillation) -> str:
    """The message's `text` (notifications, screen readers), neutralised and bounded."""
    return neutralise(messages.FALLBACK_TEXT.format(tldr=result.tldr))[:_TEXT_FALLBACK]


def _vote_emoji(vote: str) -> str:
    return messages.UP_BUTTON if vote == "up" else messages.DOWN_BUTTON


def check_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """The Block Kit limits `blocks` break (empty when Slack would accept them)."""
    problems = []
    if not 0 < len(blocks) <= MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks (1..{MAX_BLOCKS})")
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "section" and not 0 < len(block["text"]["text"]) <= SECTION_LIMIT:
            problems.append(f"block {i}: section text of {len(block['text']['text'])} chars")
        elif kind == "context":
            elements = block.get("elements", [])
            if not 0 < len(elements) <= 10:
                problems.append(f"block {i}: {len(elements)} context elements")
            problems += [f"block {i}: long context" for e in elements if len(e["text"]) > 3000]
        elif kind == "actions":
            elements = block.get("elements", [])
            if not 0 < len(elements) <= 25:
                problems.append(f"block {i}: {len(elements)} actions")
            for e in elements:
                if len(e.get("action_id", "")) > 255 or len(e.get("value", "")) > 2000:
                    problems.append(f"block {i}: long action_id or value")
                options = e.get("options", [])
                if len(options) > _MAX_OPTIONS or any(len(o["value"]) > 150 for o in options):
                    problems.append(f"block {i}: select options over the limits")
                labels = [e.get("text", {}), *(o["text"] for o in options)]
                if any(len(label.get("text", "")) > _LABEL for label in labels):
                    problems.append(f"block {i}: label over {_LABEL} chars")
    return problems
