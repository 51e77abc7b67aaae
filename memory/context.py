"""Context packs: the most relevant current records as a cited, token-budgeted text block.

The block is what an agent pastes into its prompt: numbered statements, most relevant first, each
with its date, channel, kind and permalink, so an answer can cite "[2]" and a human can click
through to the Slack message. Records are added whole, in rank order, while the whole block
(header included) stays within `budget_tokens`; one that does not fit is skipped, not cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from distiller.tokens import count_tokens

from . import messages
from .acl import Principal
from .errors import InvalidRecordError
from .record import Record

if TYPE_CHECKING:
    from .store import MemoryStore

__all__ = ["MAX_BUDGET", "MIN_BUDGET", "Citation", "ContextPack", "build_context"]

MIN_BUDGET = 16
MAX_BUDGET = 32_000
DEFAULT_CANDIDATES = 20
# Below this cosine a record is noise for the query and is left out of the pack.
DEFAULT_MIN_SCORE = 0.1
HEADER = "Team memory (most relevant first; cite as [n]):"
EMPTY = "Team memory: nothing relevant that you may read."


@dataclass(frozen=True)
class Citation:
    number: int
    record_id: str
    permalink: str
    score: float


@dataclass(frozen=True)
class ContextPack:
    """The rendered block, the records in it (in citation order) and its token count."""

    text: str
    records: tuple[Record, ...]
    citations: tuple[Citation, ...]
    tokens: int
    budget_tokens: int


def render_line(number: int, record: Record) -> str:
    """One numbered statement: `[n] (date, #channel, kind) text <permalink>`."""
    where = (
        f"#{record.source.channel_name}" if record.source.channel_name else record.source.channel_id
    )
    line = f"[{number}] ({record.valid_from.date().isoformat()}, {where}, {record.kind.value}) "
    line += record.text
    if record.source.permalink:
        line += f" <{record.source.permalink}>"
    return line


def build_context(
    store: MemoryStore,
    query: str,
    principal: Principal,
    budget_tokens: int = 800,
    *,
    candidates: int = DEFAULT_CANDIDATES,
    min_score: float = DEFAULT_MIN_SCORE,
) -> ContextPack:
    """Search current records `principal` may read and pack the best into `budget_tokens`.
    Raises InvalidRecordError if the budget is outside [MIN_BUDGET, MAX_BUDGET]."""
    if not MIN_BUDGET <= budget_tokens <= MAX_BUDGET:
        raise InvalidRecordError(
            messages.BAD_BUDGET.format(low=MIN_BUDGET, high=MAX_BUDGET, value=budget_tokens)
        )
    hits = store.search(query, principal, k=candidates)
    lines = [HEADER]
    used = count_tokens(HEADER)
    chosen: list[Record] = []
    citations: list[Citation] = []
    for hit in hits:
        if hit.score < min_score:
            break
        line = render_line(len(chosen) + 1, hit.record)
        # +1 for the newline that joins it to the block.
        cost = count_tokens(line) + 1
        if used + cost > budget_tokens:
            continue
        lines.append(line)
        used += cost
        chosen.append(hit.record)
        citations.append(
            Citation(len(chosen), hit.record.id, hit.record.source.permalink, hit.score)
        )
    text = "\n".join(lines) if chosen else EMPTY
    return ContextPack(
        text=text,
        records=tuple(chosen),
        citations=tuple(citations),
        tokens=count_tokens(text),
        budget_tokens=budget_tokens,
    )
