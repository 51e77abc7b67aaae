"""`detect` / `detect_many`: scores, the verbose-agent decision and its reasons.

agent_score = sigmoid(style logit + priors): the fitted style model (model.py) plus hand-set
Slack evidence (priors.py). verbose_agent = agent_score >= threshold AND the message is verbose
enough (verbosity.py: verbosity_score >= VERBOSITY_GATE and >= MIN_VERBOSE_TOKENS prose tokens).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..message import Message
from ..tokens import encoding
from . import messages as wording
from .features import FEATURE_NAMES, Evidence, extract
from .layout import MAX_FEATURE_CHARS
from .model import StyleModel, load_model
from .priors import prior_terms
from .reasons import Judgement, render
from .verbosity import MIN_VERBOSE_TOKENS, VERBOSITY_GATE, verbosity_score

__all__ = ["DEFAULT_THRESHOLD", "Detection", "agent_logits", "detect", "detect_many"]

# Fitted by bench/fit_detector.py (highest human-text false-positive rate allowed there: 1%,
# to keep the held-out rate under 2%) and recorded in distiller/data/detector.json; a test pins
# the two together. A false alarm on a person's message costs more than a missed agent message.
DEFAULT_THRESHOLD = 0.9

# Fewer words than this is not enough text to read a style from ("ok", "deploy done").
MIN_STYLE_WORDS = 3
# Used instead of the style model when style cannot be judged (too short, not English, code or
# emoji only): about a 1-in-10 prior, so only metadata or layout can lift the score.
UNJUDGED_STYLE_LOGIT = -2.2
# The style model may say "reads human" but not veto Slack evidence: below zero its logit is
# squeezed (monotonically, so rankings are kept) into (-STYLE_FLOOR, 0). Fact-dense agent status
# updates read as human prose to a model fitted on answers and essays, and their explicit
# signals (phrasing, layout, app metadata) must still be able to outweigh it.
STYLE_FLOOR = 4.0
# Exact token counts up to this many characters; beyond, scaled from the prefix (tiktoken on a
# multi-megabyte paste costs a second, and the exact number changes nothing).
MAX_EXACT_TOKEN_CHARS = 200_000
_PADDING_KINDS = ("pleasantry", "closing_offer", "meta_talk", "hedge", "assistant_voice")


class Detection(BaseModel):
    """Whether a message is a verbose agent-written one, with scores and readable reasons."""

    model_config = ConfigDict(frozen=True)

    agent_score: float = Field(ge=0, le=1, description="how likely an agent/app wrote it")
    verbosity_score: float = Field(ge=0, le=1, description="long, thin on facts, padded")
    verbose_agent: bool = Field(description="agent_score >= threshold and verbose enough")
    reasons: list[str] = Field(description="the signals found, for a person to read")
    tokens: int = Field(ge=0, description="cl100k_base tokens in the whole message")
    threshold: float = Field(ge=0, le=1, description="agent_score threshold applied")


def _as_message(item: Message | str) -> Message:
    if isinstance(item, Message):
        return item
    if isinstance(item, str):
        return Message(text=item)
    raise TypeError(wording.BAD_MESSAGE_TYPE.format(kind=type(item).__name__))


def _threshold(value: float | None) -> float:
    if value is None:
        return DEFAULT_THRESHOLD
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(wording.BAD_THRESHOLD.format(value=value))
    return float(value)


def _token_counts(texts: Sequence[str]) -> tuple[list[int], list[bool]]:
    """Token counts, flagging the estimated ones (longer than MAX_EXACT_TOKEN_CHARS).

    A plain loop: tiktoken's batch call starts a thread pool per call, which costs more than
    it saves on chat-sized messages (measured: 2x slower on 500-character texts).
    """
    encode = encoding().encode_ordinary
    counts, estimated = [], []
    for text in texts:
        if len(text) > MAX_EXACT_TOKEN_CHARS:
            head = len(encode(text[:MAX_EXACT_TOKEN_CHARS]))
            counts.append(round(head * len(text) / MAX_EXACT_TOKEN_CHARS))
            estimated.append(True)
        else:
            counts.append(len(encode(text)) if text else 0)
            estimated.append(False)
    return counts, estimated


def _notes(text: str, ev: Evidence, judged: bool, estimated: bool) -> list[str]:
    notes = []
    if not text.strip():
        notes.append(wording.NOTE_EMPTY)
    elif ev.words == 0 and ev.layout.code_blocks:
        notes.append(wording.NOTE_CODE_ONLY)
    elif ev.words == 0 and not ev.other_letters:
        notes.append(wording.NOTE_NO_WORDS)
    elif not ev.english_prose:
        notes.append(wording.NOTE_NOT_PROSE)
    elif not judged:
        notes.append(wording.NOTE_TOO_SHORT.format(words=ev.words))
    if ev.layout.truncated:
        notes.append(wording.NOTE_TRUNCATED.format(chars=MAX_FEATURE_CHARS))
    if estimated:
        notes.append(wording.NOTE_TOKENS_ESTIMATED.format(chars=MAX_EXACT_TOKEN_CHARS))
    return notes


def _soft_floor(logit: float) -> float:
    return logit if logit >= 0 else -STYLE_FLOOR * math.tanh(-logit / STYLE_FLOOR)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 30.0), -30.0)))


@dataclass
class _Scored:
    ev: Evidence
    judged: bool
    priors: dict[str, float]
    logit: float


def _score(
    items: Sequence[Message], model: StyleModel
) -> tuple[list[_Scored], np.ndarray, np.ndarray]:
    """Agent logits of `items` under `model`, with the style contributions and z-scores."""
    extracted = [extract(m.text) for m in items]
    x = np.array([features for features, _ in extracted], dtype=np.float64)
    x = x.reshape(len(items), len(FEATURE_NAMES))
    words = np.array([ev.words for _, ev in extracted], dtype=np.float64)
    logits, parts, z = model.contributions(x, words)
    scored = []
    for i, (message, (_, ev)) in enumerate(zip(items, extracted, strict=True)):
        judged = ev.english_prose and ev.words >= MIN_STYLE_WORDS
        priors = prior_terms(ev, message.posted_by_app, message.metadata_event)
        style_logit = _soft_floor(float(logits[i])) if judged else UNJUDGED_STYLE_LOGIT
        scored.append(_Scored(ev, judged, priors, style_logit + sum(priors.values())))
    return scored, parts, z


def agent_logits(messages: Iterable[Message | str], model: StyleModel | None = None) -> np.ndarray:
    """Logit of agent_score for each message under `model` (default: the shipped one).

    For fitting and benchmarks: logits do not saturate the way rounded scores do.
    """
    items = [_as_message(m) for m in messages]
    scored, _, _ = _score(items, model or load_model())
    return np.array([s.logit for s in scored], dtype=np.float64)


def detect_many(
    messages: Iterable[Message | str], threshold: float | None = None
) -> list[Detection]:
    """Detect many messages at once (features per message, one matrix product, one token batch).

    Same result as `detect` on each; never raises on message content, only on a threshold
    outside 0..1 (ValueError) or a missing model file (ModelUnavailableError).
    """
    limit = _threshold(threshold)
    items = [_as_message(m) for m in messages]
    if not items:
        return []
    scored, parts, z = _score(items, load_model())
    tokens, estimated = _token_counts([m.text for m in items])

    out = []
    for i, (message, s) in enumerate(zip(items, scored, strict=True)):
        ev = s.ev
        agent = round(_sigmoid(s.logit), 4)
        # Verbosity reads prose only: code is not padding, and a long code paste is no essay.
        text_len = max(len(message.text), 1)
        read = min(text_len, MAX_FEATURE_CHARS)
        prose_share = max(0.0, 1.0 - ev.layout.code_chars / read)
        prose_tokens = round(tokens[i] * prose_share)
        # Facts were counted in the part that was read; measure density there.
        read_tokens = max(prose_tokens * read / text_len, 1.0)
        density = 100.0 * ev.facts / read_tokens if prose_tokens else 0.0
        padding = sum(len(ev.phrases.get(kind, ())) for kind in _PADDING_KINDS)
        verbosity = round(verbosity_score(prose_tokens, density, ev.redundancy, padding), 4)
        verbose = verbosity >= VERBOSITY_GATE and prose_tokens >= MIN_VERBOSE_TOKENS
        flagged = agent >= limit and verbose

        judgement = Judgement(
            evidence=ev,
            parts=parts[i] if s.judged else None,
            z=z[i] if s.judged else None,
            priors=s.priors,
            app_name=message.app_name,
            metadata_event=message.metadata_event,
            tokens=tokens[i],
            prose_tokens=prose_tokens,
            density=density,
            agent_score=agent,
            verbosity=verbosity,
            threshold=limit,
            verbose=verbose,
            verbose_agent=flagged,
            notes=_notes(message.text, ev, s.judged, estimated[i]),
        )
        out.append(
            Detection(
                agent_score=agent,
                verbosity_score=verbosity,
                verbose_agent=flagged,
                reasons=render(judgement),
                tokens=tokens[i],
                threshold=limit,
            )
        )
    return out


def detect(message: Message | str, threshold: float | None = None) -> Detection:
    """Detect one message (a `Message` or its mrkdwn text) at `threshold` (default: fitted).

    Any text gets a score and reasons (empty, huge, code or emoji only, other languages);
    raises only on a threshold outside 0..1 (ValueError) or a missing model file.
    """
    return detect_many([message], threshold)[0]
