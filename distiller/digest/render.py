"""Renderings of a `Digest`: Slack mrkdwn, plain text, and sections ready to become blocks.

Sections come in the issue's order: Coverage, TL;DR, Topics (one section each), the folded
topics, Decisions, Needs attention, Action items. Each section's text stays under
`SECTION_CHARS` (Slack rejects a section block over 3,000 characters): a long list is split
into several sections with the same id, and a single over-long line is cut.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..mrkdwn import to_plain
from ..tokens import count_tokens
from ..words import content_words
from . import messages as wording

if TYPE_CHECKING:
    from .result import ActionItem, Attention, Coverage, Decision, Digest, DigestTopic

__all__ = [
    "SECTION_CHARS",
    "action_line",
    "attention_line",
    "content_tokens",
    "coverage_text",
    "decision_line",
    "local_time",
    "render_mrkdwn",
    "render_text",
    "slack_link",
    "to_sections",
    "topic_text",
]

# Slack's limit is 3,000 characters of section text; stay clear of it.
SECTION_CHARS = 2_900
# "<@U1>: " or "<@U1> " at the start of a summary: the engine names speakers in threads.
_SPEAKER_RE = re.compile(r"^(?:<@[A-Z0-9]+(?:\|[^<>]*)?>|[\w.-]+):?\s+")
# How many folded topics are linked by name before the rest are only counted.
FOLDED_LINKS = 30
_TITLES = {
    "coverage": "Coverage",
    "tldr": "TL;DR",
    "decisions": "Decisions",
    "attention": "Needs attention",
    "action_items": "Action items",
}


def slack_link(url: str | None, label: str) -> str:
    """`<url|label>` with a label Slack can parse, or the bare label when there is no url."""
    # Slack's link syntax cannot hold '|' or '>' in the label.
    if not url:
        return label
    # Entities cannot nest in a link label: "<@U1> please review" reads "@U1 please review".
    safe = to_plain(label).replace("|", "/").replace(">", "›").replace("<", "‹")
    return f"<{url}|{safe}>"


def _bullet(markup: bool) -> str:
    return "• " if markup else "- "


def topic_text(topic: DigestTopic, markup: bool = True) -> str:
    """A topic as the reader sees it: linked title, why it matters, summary, points."""
    title = slack_link(topic.permalink, topic.title) if markup else topic.title
    head = f"*{title}*" if markup else title
    if topic.signals:
        head += f" ({', '.join(topic.signals)})"
    lines = [head]
    if topic.summary and _adds(topic.summary, topic.title):
        lines.append(topic.summary)
    lines.extend(_bullet(markup) + point for point in topic.points)
    return "\n".join(lines)


def _adds(summary: str, title: str) -> bool:
    """False when the summary only repeats the title (a one-message topic, say), speaker aside."""
    said = set(content_words(_SPEAKER_RE.sub("", summary)))
    return not said <= set(content_words(title))


def _source(by: str | None, permalink: str | None, markup: bool) -> str:
    parts = []
    if by:
        parts.append(by)
    if permalink and markup:
        parts.append(slack_link(permalink, "message"))
    return f" ({', '.join(parts)})" if parts else ""


def decision_line(item: Decision, markup: bool = True) -> str:
    """'• We agreed to freeze deploys until Monday (<@U1>, message)'."""
    return _bullet(markup) + item.text + _source(item.by, item.permalink, markup)


def attention_line(item: Attention, markup: bool = True) -> str:
    """An open question (who asked, link) or an unresolved incident (its topic, link)."""
    label = "Question: " if item.kind == "question" else "Incident: "
    return _bullet(markup) + label + item.text + _source(item.by, item.permalink, markup)


def action_line(item: ActionItem, markup: bool = True) -> str:
    """'• <@U2> please review PR #12 by Friday (asked by <@U1>, message)': owner and due are
    said once, in the ask's words when it has them."""
    text = item.what
    if item.owner is None:
        text = f"{text} — {wording.UNASSIGNED}"
    elif item.owner not in text:
        text = f"{item.owner}: {text}"
    if item.due and item.due not in item.what:
        text += f" — due {item.due}"
    if item.done:
        text = f"{wording.DONE} {text}"
    asked = f"asked by {item.asked_by}" if item.asked_by else None
    return _bullet(markup) + text + _source(asked, item.permalink, markup)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def local_time(moment: datetime, zone: str) -> str:
    """'2024-05-06 09:00' in the IANA time zone `zone`."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def coverage_text(coverage: Coverage) -> str:
    """'Read 1,204 messages and 56 threads, 2024-05-06 00:00 to 2024-05-07 00:00 UTC. …'."""
    window = (
        f"{local_time(coverage.start, coverage.timezone)} to "
        f"{local_time(coverage.end, coverage.timezone)} {coverage.timezone}"
    )
    lines = [
        f"Read {coverage.messages_read:,} message{_s(coverage.messages_read)} and "
        f"{coverage.threads_read:,} thread{_s(coverage.threads_read)}, "
        f"{window}; {coverage.topics:,} topic{_s(coverage.topics)}."
    ]
    extras = []
    if coverage.context_messages:
        extras.append(f"{coverage.context_messages:,} earlier thread messages read for context")
    if coverage.agent_messages_distilled:
        n = coverage.agent_messages_distilled
        extras.append(f"{n:,} verbose agent post{_s(n)} distilled first")
    if coverage.redactions:
        extras.append(f"{coverage.redactions:,} secret{_s(coverage.redactions)} redacted")
    if extras:
        lines.append("; ".join(extras).capitalize() + ".")
    for skip in coverage.skipped:
        lines.append(f"Not read ({skip.source}): {skip.count:,} {skip.what}: {skip.reason}.")
    return "\n".join(lines)


def _folded_text(digest: Digest, markup: bool) -> str:
    shown = digest.folded[:FOLDED_LINKS]
    links = [(slack_link(f.permalink, f.title) if markup else f.title) for f in shown]
    text = " · ".join(links)
    rest = len(digest.folded) - len(shown)
    if rest:
        text += " " + wording.FOLDED_UNLISTED.format(count=rest)
    return text


def _plain_sections(digest: Digest, markup: bool) -> list[tuple[str, str, list[str]]]:
    """(id, title, lines) in reading order; lines are what a section may be split between."""
    out: list[tuple[str, str, list[str]]] = [
        ("coverage", _TITLES["coverage"], coverage_text(digest.coverage).split("\n")),
        ("tldr", _TITLES["tldr"], [digest.tldr]),
    ]
    for topic in digest.topics:
        out.append(("topic", topic.title, [topic_text(topic, markup)]))
    if digest.folded:
        n = len(digest.folded)
        title = wording.FOLDED_TITLE.format(count=n, s="" if n == 1 else "s")
        out.append(("folded", title, [_folded_text(digest, markup)]))
    lists = {
        "decisions": [decision_line(d, markup) for d in digest.decisions],
        "attention": [attention_line(a, markup) for a in digest.attention],
        "action_items": [action_line(a, markup) for a in digest.action_items],
    }
    out.extend((key, _TITLES[key], lines) for key, lines in lists.items() if lines)
    if digest.notes:
        out.append(("notes", "Notes", list(digest.notes)))
    return out


def _cut(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    # Never leave half an entity: a '<' without its '>' breaks Slack's parser.
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    return cut.rstrip() + "…"


def _chunks(lines: list[str], limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for raw in lines:
        line = _cut(raw, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def to_sections(digest: Digest) -> list[dict[str, Any]]:
    """Sections as plain dicts: {'id', 'title', 'text'}; every 'text' under SECTION_CHARS."""
    sections: list[dict[str, Any]] = []
    for key, title, lines in _plain_sections(digest, markup=True):
        for part, text in enumerate(_chunks(lines, SECTION_CHARS)):
            section: dict[str, Any] = {"id": key, "title": title, "text": text}
            if part:
                section["part"] = part + 1
            sections.append(section)
    return sections


def _heading(digest: Digest) -> str:
    where = digest.channel or wording.HERE
    return f"Digest for {where}"


def render_mrkdwn(digest: Digest) -> str:
    """The whole digest as one Slack mrkdwn text (bold titles, '•' bullets, links)."""
    parts = [f"*{_heading(digest)}*"]
    for key, title, lines in _plain_sections(digest, markup=True):
        body = "\n\n".join(lines) if key == "topic" else "\n".join(lines)
        parts.append(body if key == "topic" else f"*{title}*\n{body}")
    return "\n\n".join(parts)


def render_text(digest: Digest) -> str:
    """The whole digest as plain text (titles in capitals, '- ' bullets, no markup)."""
    parts = [_heading(digest).upper()]
    for key, title, lines in _plain_sections(digest, markup=False):
        body = "\n".join(lines)
        parts.append(to_plain(body if key == "topic" else f"{title.upper()}\n{body}"))
    return "\n\n".join(parts)


def content_tokens(digest: Digest) -> int:
    """Tokens of the reading part (TL;DR, topics, decisions, needs attention, action items)
    in plain text: what the digest's budget bounds. Coverage, folded links and notes are not."""
    kept = {"tldr", "topic", "decisions", "attention", "action_items"}
    parts = []
    for key, title, lines in _plain_sections(digest, markup=False):
        if key in kept:
            body = "\n".join(lines)
            parts.append(to_plain(body if key == "topic" else f"{title.upper()}\n{body}"))
    return count_tokens("\n\n".join(parts))
