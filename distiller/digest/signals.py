"""What a topic holds that a reader must see: asks, decisions, open questions, incidents.

One pass over a topic's units (sentences, list items) finds them with the distiller's own ask
detector and the patterns below; a later message settles some of them: an answer from someone
else closes a question, the owner saying "done" closes an ask, "resolved"/"rolled back" closes
an incident. Items are compressed (facts kept verbatim) and cut to `ITEM_TOKENS`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import lexicon
from ..asks import is_ask, make_ask
from ..compress import boilerplate_kind, compress_with_facts, trim_clauses
from ..facts import find_deadline
from ..mrkdwn import Unit, parse_units, to_plain
from ..offline import fit_text
from ..tokens import count_tokens
from ..words import content_words
from . import messages as wording
from .grouping import TopicGroup
from .inputs import DigestMessage
from .result import ActionItem, Attention, Decision

__all__ = ["ITEM_TOKENS", "TITLE_TOKENS", "TopicSignals", "scan_topic", "speaker"]

ITEM_TOKENS = 60
TITLE_TOKENS = 20
MIN_TITLE_WORDS = 2

_I = re.IGNORECASE
DECISION_RE = re.compile(
    r"\b(?:(?:we|i|team|everyone|they|leadership|all)\s+(?:have\s+|'ve\s+|all\s+)?"
    r"(?:decided|agreed|approved|chose|settled on|signed off)"
    r"|decided\s+(?:to|on|that|against)|decision(?:\s+(?:is|was|made))?\s*[:\-–—]"
    r"|agreed\b|approved\b|signed off|(?:we(?:'re| are)|we'?ll|we will) go(?:ing)? with"
    r"|final (?:call|decision)|consensus (?:is|was)|settled on)",
    _I,
)
# "not approved yet", "once it is approved", "still waiting to decide": no decision (yet).
# "we'll come to some final decisions", "hope to agree on": intent, not a decision either.
_NOT_DECIDED_RE = re.compile(
    r"(?:\b(?:not|n't|no|never|yet to|pending|awaiting|waiting|if|once|when|unless|until|before|"
    r"whether|still|need(?:s|ed)?|should|can|could|may|might|will|going to|gonna|ideally|hope|"
    r"want(?:s|ed)? to|to make|to reach|come to)|'ll)\b[\w\s,'’-]{0,30}?"
    r"\b(?:decid|agree|approv|sign|final)",
    _I,
)
# A reply that approves what was proposed: "Agreed.", "Approved, let's do it next sprint."
_APPROVAL_RE = re.compile(
    r"^(?:(?:ok(?:ay)?|yes|yep|sure|great|cool)[,!.\s]*)?(agreed|approved|sgtm|lgtm|ship it|"
    r"let'?s do (?:it|that)|go (?:for|ahead with) it|deal|decided)\b[,.!:\s-]*(.*)$",
    _I,
)
# More than this many content words after "Approved," and the reply says its own thing.
MAX_APPROVAL_WORDS = 6
# Fewer content words than this and "Approved." alone is no decision to report.
MIN_DECISION_WORDS = 3
_STATED_RE = re.compile(r"^\W*(?:agreed|approved|decided|decision)\s*:", _I)
_PROPOSAL_PREFIX_RE = re.compile(r"^(?:proposal|rfc|idea|suggestion|plan)\s*[:\-–—]\s*", _I)
INCIDENT_RE = re.compile(
    r"\b(?:incident|outage|sev[- ]?[0-4]|INC-\d+|post-?mortem|(?:is|are|went|was|were) down\b|"
    r"degraded|data loss|paged|paging|pagerduty|5\d\d(?:s\b| errors?)|error rate|"
    r"elevated errors|customer[- ]facing|breach)",
    _I,
)
RESOLVED_RE = re.compile(
    r"\b(?:resolved|mitigated|recovered|back to normal|fixed|restored|all clear|rolled back|"
    r"reverted|closing (?:the )?incident|incident (?:is )?(?:closed|over))\b",
    _I,
)
_DONE_RE = re.compile(
    r"\b(?:done|completed|finished|merged|shipped|deployed|fixed|resolved|restarted|rotated|"
    r"updated|reviewed|approved|closed|sent|filed)\b|:white_check_mark:|:heavy_check_mark:|✅",
    _I,
)
_RHETORICAL_RE = re.compile(
    r"^(?:any (?:questions|thoughts|objections|concerns|updates)|thoughts|make sense|right|"
    r"does (?:that|this) (?:make sense|help|work for you)|why not|how (?:are|is) "
    r"(?:you|everyone|it going)|what do you think|sound good|ok(?:ay)?)\b[^?]*\?$",
    _I,
)
_TRAILING_RE = re.compile(r"(?:\s*(?::[a-z0-9_+'-]+:|[)*_~\"'”]))+\s*$", _I)
_ASK_FILLER = frozenset(content_words("can you need someone must should by today tomorrow eod"))
# "Should we move standup to 10:00?" agreed to: the decision is "Move standup to 10:00".
_PROPOSAL_RE = re.compile(r"^(?:so,?\s+)?(?:should|shall|can|could) we\s+(.+?)\?*$", _I)
_MENTION_ID_RE = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>")
_SLACK_ID_RE = re.compile(r"^[UWB][A-Z0-9]{2,}$")


def speaker(message: DigestMessage) -> str | None:
    """How the digest names an author: '<@U123>' for a Slack user, else the app or the name."""
    if message.posted_by_app and message.app_name:
        return message.app_name
    if message.user and _SLACK_ID_RE.match(message.user):
        return f"<@{message.user}>"
    return message.user or message.app_name


@dataclass
class TopicSignals:
    """Everything ranking and the digest's lists need to know about one topic."""

    title: str
    participants: list[str]
    humans: int
    asks: list[ActionItem] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    incident: bool = False
    incident_resolved: bool = False
    deadlines: int = 0
    focus_hits: int = 0
    avoid_hits: int = 0


def _item(text: str) -> str:
    compressed, _ = compress_with_facts(text, aggressive=True)
    return fit_text(compressed or text.strip(), ITEM_TOKENS)


def _is_question(text: str) -> bool:
    bare = _TRAILING_RE.sub("", text)
    if not bare.endswith("?") or lexicon.CLOSING_OFFER_RE.search(bare):
        return False
    return not _RHETORICAL_RE.match(bare) and len(content_words(bare)) >= 2


def _is_decision(text: str) -> bool:
    match = DECISION_RE.search(text)
    if not match or text.rstrip().endswith("?"):
        return False
    negated = _NOT_DECIDED_RE.search(text)
    return not (negated and negated.start() < match.end())


def _title(messages: Sequence[DigestMessage], units: list[list[Unit]]) -> str:
    """The first unit that says something ("The rollout" does not), cut to TITLE_TOKENS."""
    heading = fallback = ""
    for unit_list in units:
        for unit in unit_list:
            if unit.kind == "heading":
                heading = heading or unit.text
                continue
            if unit.kind == "code" or boilerplate_kind(unit.text):
                continue
            text, _ = compress_with_facts(unit.text, aggressive=True)
            if len(content_words(text)) >= MIN_TITLE_WORDS:
                return _short(text)
            fallback = fallback or text
    return _short(fallback or heading or messages[0].text.strip() or wording.UNTITLED)


def _short(text: str) -> str:
    """A title: the text, or its first clauses, or its first words, within TITLE_TOKENS."""
    if count_tokens(to_plain(text)) > TITLE_TOKENS:
        clauses = trim_clauses(text, TITLE_TOKENS, lambda t: count_tokens(to_plain(t)))
        text = clauses or fit_text(text, TITLE_TOKENS)
    # A title is a label, not a sentence; an ellipsis or a question mark says something, a
    # period does not.
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def _author_id(message: DigestMessage) -> str | None:
    return message.user if message.user and _SLACK_ID_RE.match(message.user) else None


def scan_topic(
    group: TopicGroup, focus: frozenset[str] = frozenset(), avoid: frozenset[str] = frozenset()
) -> TopicSignals:
    """Read a topic once: its title, participants, asks, decisions, open questions, incident.

    `focus`/`avoid` are stemmed content words (distiller.words.content_words) to count.
    """
    messages = group.messages
    units = [parse_units(m.text) for m in messages]
    participants = list(dict.fromkeys(s for m in messages if (s := speaker(m))))
    humans = len({m.user for m in messages if m.user and not m.posted_by_app})
    found = TopicSignals(_title(messages, units), participants, humans)
    questions: list[tuple[int, Attention]] = []
    asks: list[tuple[int, ActionItem]] = []
    approvals: dict[int, tuple[str, list[str]]] = {}  # proposal's index → (verb, approvers)
    for index, (message, unit_list) in enumerate(zip(messages, units, strict=True)):
        who = speaker(message)
        if focus or avoid:
            words = set(content_words(message.text))
            found.focus_hits += len(words & focus)
            found.avoid_hits += len(words & avoid)
        for unit in unit_list:
            text = unit.text
            if unit.kind in ("code", "heading") or boilerplate_kind(text):
                continue
            if INCIDENT_RE.search(text):
                found.incident = True
            if found.incident and RESOLVED_RE.search(text):
                found.incident_resolved = True
            if find_deadline(text):
                found.deadlines += 1
            if is_ask(text, unit.section):
                ask = make_ask(_item(text))
                item = ActionItem(
                    what=ask.text,
                    owner=ask.owner,
                    due=ask.due,
                    asked_by=who,
                    permalink=message.permalink,
                )
                asks.append((index, item))
            elif _is_question(text):
                attention = Attention(
                    kind="question", text=_item(text), by=who, permalink=message.permalink
                )
                questions.append((index, attention))
            approved = _approval(text, messages, index, group.kind)
            if isinstance(approved, tuple):
                target, verb = approved
                approvals.setdefault(target, (verb, []))[1].append(who or "someone")
            elif approved is None and _is_decision(text):
                decision = Decision(text=_item(text), by=who, permalink=message.permalink)
                found.decisions.append(decision)
    found.decisions.extend(_approved(messages, approvals))
    found.asks = [_settle_ask(item, messages, index, group.kind) for index, item in asks]
    found.attention = [question for index, question in questions if not _answered(messages, index)]
    return found


def _approval(
    text: str, messages: Sequence[DigestMessage], index: int, kind: str
) -> tuple[int, str] | bool | None:
    """(proposal's index, 'agreed'/'approved') when `text` approves an earlier proposal; False
    for a bare approval with nothing to approve ("Agreed." to oneself); None otherwise.

    "Agreed: X" states a decision of its own and "Approved the budget increase to $40k" says
    what it approves: both are None, left to the decision patterns.
    """
    approval = _APPROVAL_RE.match(text.strip())
    if approval is None or _STATED_RE.match(text):
        return None
    rest = len(content_words(approval.group(2)))
    target = _proposal(messages, index, kind) if index and rest <= MAX_APPROVAL_WORDS else None
    if target is not None:
        return target, "approved" if approval.group(1).lower() == "approved" else "agreed"
    return False if rest < MIN_DECISION_WORDS else None


def _proposal(messages: Sequence[DigestMessage], index: int, kind: str) -> int | None:
    """What an approval at `index` approves: a thread's first message, or in a conversation
    the last message before it from someone else (within three); never one's own."""
    approver = messages[index].user
    if kind == "thread":
        return 0 if index and messages[0].user != approver else None
    for earlier in range(index - 1, max(index - 4, -1), -1):
        if messages[earlier].user != approver:
            return earlier
    return None


def _approved(
    messages: Sequence[DigestMessage], approvals: dict[int, tuple[str, list[str]]]
) -> list[Decision]:
    """Each approved proposal once: 'Move auth to the shared cluster (approved by <@U2>, <@U3>)'."""
    out = []
    for index, (verb, approvers) in sorted(approvals.items()):
        proposal = messages[index]
        unit = next(
            (
                u
                for u in parse_units(proposal.text)
                if u.kind not in ("code", "heading") and not boilerplate_kind(u.text)
            ),
            None,
        )
        if unit is None:
            continue
        text = _PROPOSAL_PREFIX_RE.sub("", _item(unit.text))
        question = _PROPOSAL_RE.match(text)
        if question:
            text = question.group(1)
        text = text[:1].upper() + text[1:].rstrip(".")
        names = ", ".join(dict.fromkeys(approvers))
        out.append(
            Decision(
                text=f"{text} ({verb} by {names})",
                by=speaker(proposal),
                permalink=proposal.permalink,
            )
        )
    return out


def _answered(messages: Sequence[DigestMessage], index: int) -> bool:
    # Any later message from someone else counts: a crude reading, but one that errs towards
    # not nagging. In a clustered conversation the later message was grouped by meaning.
    asker = messages[index].user
    return any(m.user != asker for m in messages[index + 1 :])


def _settle_ask(
    item: ActionItem, messages: Sequence[DigestMessage], index: int, kind: str
) -> ActionItem:
    """Mark an ask done when its owner says so later; with no owner named, when someone else
    in the same thread does (in a clustered conversation "deployed" is too often a bot's)."""
    owner = _MENTION_ID_RE.match(item.owner or "")
    if owner is None and kind != "thread":
        return item
    asker = messages[index].user
    for later in messages[index + 1 :]:
        if owner is not None and _author_id(later) != owner.group(1):
            continue
        if owner is None and later.user == asker:
            continue
        if _reports_done(later.text, item.what):
            return item.model_copy(update={"done": True})
    return item


def _reports_done(reply: str, ask: str) -> bool:
    """'Done ✅' or 'Reviewed PR #4521': a done-word, and either little else or the ask's own
    words ("Rolled back, resolved" does not close "please review PR #4521")."""
    if not _DONE_RE.search(reply):
        return False
    words = set(content_words(reply))
    return len(words) <= 3 or bool(words & (set(content_words(ask)) - _ASK_FILLER))
