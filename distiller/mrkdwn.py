"""Slack mrkdwn: entities, units, and rendering back to mrkdwn or plain text.

A message is cut into `Unit`s (sentences, list items, headings, quotes, code blocks) without ever
cutting through an entity: `<@U123>`, `<#C123|name>`, `<https://…|label>`, `<!here>`, `:emoji:`
and inline code survive parsing and rendering byte for byte. Malformed mrkdwn (an unclosed code
fence, a `<` with no `>`) is read as plain text, never an error.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ENTITY_RE",
    "Unit",
    "UnitKind",
    "parse_units",
    "protect_entities",
    "restore_entities",
    "split_sentences",
    "to_plain",
]

UnitKind = Literal["sentence", "item", "heading", "quote", "code"]

# Slack's angle-bracket entities, inline code, emoji shortcodes and bare URLs: the spans that a
# sentence splitter or a compressor must treat as atoms.
ENTITY_RE = re.compile(
    r"<(?:[@#!][^<>\s|]+|(?:https?|mailto|ftp)[^<>\s|]*)(?:\|[^<>]*)?>"
    r"|`[^`\n]+`"
    r"|:[a-z0-9_+'-]+:(?::skin-tone-\d:)?"
    r"|https?://[^\s<>]+[^\s<>.,;:!?)\]'\"]",
    re.IGNORECASE,
)

_FENCE_RE = re.compile(r"```(.*?)(?:```|\Z)", re.DOTALL)
# List markers agents use: dashes, stars, bullets, numbers, and a leading emoji shortcode or
# pictograph followed by text (the ubiquitous ":white_check_mark: Done" style).
_ITEM_RE = re.compile(
    r"^\s*(?:[-*•◦▪‣–]|\d{1,3}[.)]|[a-z][.)](?=\s)|"
    r":[a-z0-9_+-]+:(?=\s)|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2705\u274C\u26A0]"
    r"\ufe0f?(?=\s))\s+",
    re.IGNORECASE,
)
_MD_HEADING_RE = re.compile(r"^\s*#{1,6}\s+(.*)$")
# A whole line in bold (`*Status*`, `**Next steps:**`) is a heading when it is short.
_BOLD_LINE_RE = re.compile(r"^\s*\*{1,2}([^*\n]{1,80})\*{1,2}\s*:?\s*$")
_TRAILING_EMOJI_RE = re.compile(r":[a-z0-9_+'-]+:$", re.IGNORECASE)
_QUOTE_RE = re.compile(r"^\s*(?:>|&gt;)\s?")
_EDGE_EMOJI_LINE_RE = re.compile(r"^(?:\s*:[a-z0-9_+'-]+:)+\s*|(?:\s*:[a-z0-9_+'-]+:)+\s*$", re.I)
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "inc",
        "ltd",
        "jr",
        "sr",
        "st",
        "approx",
        "no",
        "fig",
        "est",
        "dept",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "a.m",
        "p.m",
    ]
)
# Sentence ends: ., !, ? (plus CJK full stops) followed by space and something that can start
# a sentence, or CJK punctuation followed by anything.
# A capital (in any cased script) or a character of an uncased script may start a sentence.
_SENTENCE_START = (
    r"A-Z0-9<@#:¿¡\u0000\u00C0-\u00DE\u0391-\u03A9\u0400-\u042F\u0590-\u06FF\u0900-\u097F"
    r"\u3040-\u9FFF\uAC00-\uD7AF"
)
_SENT_END_RE = re.compile(
    rf"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[*_]*[{_SENTENCE_START}])|(?<=[。！？])"
)
_PLACEHOLDER = "\u0000{}\u0000"
_PLACEHOLDER_RE = re.compile("\u0000(\\d+)\u0000")


@dataclass(frozen=True)
class Unit:
    """One piece of a message: its mrkdwn text and where it sits.

    `section` is the nearest heading above it ("Next steps"), which carries meaning for the
    items under it. `message` indexes the message in a thread; `user` is its author.
    """

    text: str
    kind: UnitKind
    position: int
    block: int
    section: str = ""
    message: int = 0
    user: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)


def protect_entities(text: str) -> tuple[str, list[str]]:
    """Swap each entity for a placeholder so patterns cannot cut or edit it."""
    saved: list[str] = []

    def keep(match: re.Match[str]) -> str:
        saved.append(match.group(0))
        return _PLACEHOLDER.format(len(saved) - 1)

    return ENTITY_RE.sub(keep, text), saved


def restore_entities(text: str, saved: list[str]) -> str:
    """Put back the entities `protect_entities` took out."""
    return _PLACEHOLDER_RE.sub(lambda m: saved[int(m.group(1))], text)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; entities, decimals and abbreviations stay whole."""
    protected, saved = protect_entities(text)
    pieces: list[str] = []
    start = 0
    for match in _SENT_END_RE.finditer(protected):
        candidate = protected[start : match.start()]
        last_word = candidate.rstrip(".!?\"')] ").rsplit(None, 1)[-1:] or [""]
        word = last_word[0].lower().rstrip(".")
        # "e.g. foo" or "Dr. Smith": the period closes an abbreviation, not a sentence.
        if candidate.endswith(".") and (
            word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
        ):
            continue
        pieces.append(candidate)
        start = match.end()
    pieces.append(protected[start:])
    return [s for s in (restore_entities(p, saved).strip() for p in pieces) if s]


def _line_kind(line: str) -> tuple[UnitKind, str]:
    if _QUOTE_RE.match(line):
        return "quote", _QUOTE_RE.sub("", line, count=1)
    # ":tada: *Exciting news!* :tada:" is a bold heading dressed in emoji.
    bare = _EDGE_EMOJI_LINE_RE.sub("", line)
    heading = _MD_HEADING_RE.match(bare) or _BOLD_LINE_RE.match(bare)
    if heading:
        return "heading", heading.group(1).strip().strip("*").rstrip(":").strip()
    item = _ITEM_RE.match(line)
    if item and line[item.end() :].strip():
        return "item", line[item.end() :]
    stripped = line.strip()
    # "Root cause:" alone on a line labels what follows, like a heading.
    if (
        stripped.endswith(":")
        and not _TRAILING_EMOJI_RE.search(stripped)
        and len(stripped) <= 60
        and len(stripped.split()) <= 6
    ):
        return "heading", stripped.rstrip(":").strip("*_ ")
    return "sentence", line


def parse_units(text: str, *, message: int = 0, user: str | None = None) -> list[Unit]:
    """Cut mrkdwn into units in reading order; never raises on malformed input."""
    builder = _UnitBuilder(message, user)
    cursor = 0
    for fence in _FENCE_RE.finditer(text):
        builder.prose(text[cursor : fence.start()])
        builder.code(fence.group(1))
        cursor = fence.end()
    builder.prose(text[cursor:])
    return builder.units


class _UnitBuilder:
    """Accumulates units; a blank line, heading or code fence starts a new block."""

    def __init__(self, message: int, user: str | None) -> None:
        self.units: list[Unit] = []
        self.block = 0
        self.section = ""
        self.heading_block = -1
        self.message = message
        self.user = user

    def add(self, kind: UnitKind, body: str) -> None:
        body = body.strip()
        if body:
            # List items stay under their heading across blank lines; a prose paragraph after a
            # blank line ("Overall, we're on track.") has left the section.
            in_section = kind != "sentence" or self.block == self.heading_block
            section = self.section if in_section else ""
            unit = Unit(body, kind, len(self.units), self.block, section, self.message, self.user)
            self.units.append(unit)

    def code(self, body: str) -> None:
        self.block += 1
        self.add("code", body.strip("\n"))
        self.block += 1

    def prose(self, chunk: str) -> None:
        for line in chunk.split("\n"):
            if not line.strip():
                self.block += 1
                continue
            kind, body = _line_kind(line)
            if kind == "heading":
                self.block += 1
                self.section = body
                self.heading_block = self.block
                self.add("heading", body)
            elif kind in ("item", "quote"):
                self.add(kind, body)
            else:
                for sentence in split_sentences(body):
                    self.add("sentence", sentence)


_LINK_RE = re.compile(r"<((?:https?|mailto|ftp)[^<>|\s]*)(?:\|([^<>]*))?>", re.IGNORECASE)
_USER_RE = re.compile(r"<@([A-Z0-9]+)(?:\|([^<>]*))?>", re.IGNORECASE)
_CHANNEL_RE = re.compile(r"<#([A-Z0-9]+)(?:\|([^<>]*))?>", re.IGNORECASE)
_SPECIAL_RE = re.compile(r"<!(here|channel|everyone)(?:\|[^<>]*)?>")
_SUBTEAM_RE = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^<>]*))?>", re.IGNORECASE)
_DATE_RE = re.compile(r"<!date\^[^|<>]*\|([^<>]*)>")
_STYLE_RE = re.compile(r"(?<![\w*_~`])([*_~])(?=\S)([^*_~\n`]+?)(?<=\S)\1(?![\w*_~])")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def to_plain(text: str) -> str:
    """Render mrkdwn as plain text: entities to readable form, styling markers removed."""
    # Every entity pattern starts with "<" and every style pattern needs a marker: skipping the
    # passes that cannot match changes nothing, and the engine renders each unit at least once.
    if "<" in text:
        text = _LINK_RE.sub(
            lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text
        )
        text = _USER_RE.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
        text = _CHANNEL_RE.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
        text = _SUBTEAM_RE.sub(lambda m: m.group(2) or "@" + m.group(1), text)
        text = _DATE_RE.sub(lambda m: m.group(1), text)
        text = _SPECIAL_RE.sub(lambda m: "@" + m.group(1), text)
    if "*" in text or "_" in text or "~" in text:
        text = _STYLE_RE.sub(lambda m: m.group(2), text)
        text = _BOLD_RE.sub(r"\1", text)
    return html.unescape(text)
