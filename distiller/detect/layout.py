"""Slack mrkdwn layout: what the message looks like, and its prose with the decoration removed.

Deliberately self-contained (no dependency on the full mrkdwn parser): detection runs on every
message of a channel, so this is one cheap pass with module-level regexes. It keeps only what the
detector needs: layout counts (headers, bullets, emoji bullets, bold, code) and plain prose lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_FEATURE_CHARS", "Layout", "read_layout"]

# Style is settled long before 20k characters; reading further only costs time on huge pastes.
MAX_FEATURE_CHARS = 20_000

_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
# <@U123>, <#C123|name>, <!here>, <https://x|label>, <mailto:a@b|a@b>
_ENTITY = re.compile(
    r"<([@#!][^>|\s]*)(?:\|([^>]*))?>|<((?:https?|mailto):[^>|\s]+)(?:\|([^>]*))?>"
)
_BARE_URL = re.compile(r"\bhttps?://\S+")
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:")
# Pictographs, dingbats, symbols Slack renders as emoji, plus the joiners that glue them.
_EMOJI_CHAR = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u25a0-\u25ff\ufe0f\u200d]"
)
_BULLET_HEADS = "-*•◦▪‣–"
_BULLET = re.compile(rf"^(?:[{_BULLET_HEADS}]|\d{{1,2}}[.)])\s+")
_HASH_HEADER = re.compile(r"^#{1,6}\s+")
# A line that is all bold (Slack *x* or Markdown **x**), optionally ending with a colon.
_BOLD_LINE = re.compile(r"^(?:\*\*[^*\n]{2,100}\*\*|\*[^*\n]{2,100}\*):?$")
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|(?<![\w*])\*[^*\n]+\*(?![\w*])")
# "Next steps:" / "Root cause:" on a line of its own works as a header too.
_LABEL_LINE = re.compile(r"^[A-Z][\w /&'-]{1,40}:$")
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(slots=True)
class Layout:
    """Layout counts of one message and its prose, one unit (line) per list item."""

    lines: list[str]
    headers: int = 0
    bullets: int = 0
    emoji_bullets: int = 0
    bold: int = 0
    emoji: int = 0
    code_blocks: int = 0
    code_chars: int = 0
    inline_code: int = 0
    mentions: int = 0
    links: int = 0
    paragraphs: int = 0
    truncated: bool = False


def _entity_text(match: re.Match[str]) -> str:
    special, label, url, url_label = match.groups()
    if url is not None:
        return url_label or "link"
    if special and special[0] == "#":
        return label or "channel"
    return label or "someone"


def read_layout(text: str) -> Layout:
    """Split `text` (mrkdwn) into prose lines and layout counts; never raises.

    Code is counted and removed (it is not prose), Slack entities become short words so that
    sentences stay whole, and list/heading decoration is counted then stripped.
    """
    truncated = len(text) > MAX_FEATURE_CHARS
    if truncated:
        text = text[:MAX_FEATURE_CHARS]
    layout = Layout(lines=[], truncated=truncated)

    if "`" in text:  # most messages have no code: skip both scans
        blocks = _CODE_BLOCK.findall(text)
        if blocks:
            layout.code_blocks = len(blocks)
            layout.code_chars = sum(len(b) for b in blocks)
            text = _CODE_BLOCK.sub("\n", text)
        layout.inline_code = len(_INLINE_CODE.findall(text))
        if layout.inline_code:
            text = _INLINE_CODE.sub("code", text)
    if "<" in text:
        entities = _ENTITY.findall(text)
        layout.mentions = sum(1 for e in entities if e[0])
        layout.links = sum(1 for e in entities if e[2])
        text = _ENTITY.sub(_entity_text, text)
    if "http" in text:
        layout.links += len(_BARE_URL.findall(text))
        text = _BARE_URL.sub("link", text)

    # _SPACES matches every single space too, so running it rebuilds each line even when there
    # is nothing to collapse; most messages have no double space, tab or NBSP at all.
    collapse = "  " in text or "\t" in text or "\u00a0" in text
    blank_run = False
    for raw in text.split("\n"):
        line = (_SPACES.sub(" ", raw) if collapse else raw).strip()
        if not line:
            blank_run = True
            continue
        if blank_run and layout.lines:
            layout.paragraphs += 1
        blank_run = False

        emoji_start = False
        if ":" in line or not line.isascii():
            codes = _EMOJI_CODE.findall(line)
            chars = _EMOJI_CHAR.findall(line)
            # Joiners and variation selectors are glue, not emoji of their own.
            layout.emoji += len(codes) + sum(1 for c in chars if c not in "\ufe0f\u200d")
            if codes or chars:
                line = _SPACES.sub(" ", _EMOJI_CHAR.sub("", _EMOJI_CODE.sub("", line))).strip()
                line = (
                    line.replace("* ", "*", 1)
                    if line.startswith("* ") and line.endswith("*")
                    else line
                )
                emoji_start = bool(line) and (
                    _EMOJI_CODE.match(raw.strip()) is not None
                    or _EMOJI_CHAR.match(raw.strip()) is not None
                )
        if not line:
            continue
        # A line is a header, or a list item, or prose; bold on a header is the header's.
        # Each pattern needs a given first (or last) character: testing that first spares most
        # prose lines three or four regex calls.
        head = line[0]
        if head == "#" and _HASH_HEADER.match(line):
            layout.headers += 1
            line = _HASH_HEADER.sub("", line).replace("*", "")
        elif (head == "*" and _BOLD_LINE.match(line)) or (
            line[-1] == ":" and _LABEL_LINE.match(line)
        ):
            layout.headers += 1
            line = line.replace("*", "")
        else:
            bullet = _BULLET.match(line) if head in _BULLET_HEADS or head.isdigit() else None
            if bullet:
                layout.bullets += 1
                line = line[bullet.end() :]
            elif emoji_start:
                layout.emoji_bullets += 1
            if "*" in line:
                layout.bold += len(_BOLD.findall(line))
                line = line.replace("*", "")
        if line:
            layout.lines.append(line)
    return layout
