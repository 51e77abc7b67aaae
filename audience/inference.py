"""Persona inference for a channel nobody configured: from its name, topic, purpose and messages.

Each signal adds evidence (a logit) per persona and a softmax turns the sum into a confidence:
  - name: a cue word ("oncall", "exec", "gtm"…, see name_cues.py) adds NAME_LOGIT to its persona;
  - topic, purpose, messages: cosine similarity of their embedding to each persona's profile
    (description, audience, priorities), times a scale; the mean over a sample of messages.
Evidence that agrees adds up (a product of experts), so "#infra-oncall" with an on-call topic is
surer than either alone. Below the threshold the default persona is used, and the result says so.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from distiller.embed import Embedder
from distiller.words import STOPWORDS

from . import messages
from .name_cues import match_name
from .persona import BUILTIN_PERSONAS, DEFAULT_PERSONA, Persona

__all__ = [
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "ChannelProfile",
    "Inference",
    "PersonaInferrer",
]

DEFAULT_CONFIDENCE_THRESHOLD = 0.5
# A name cue alone gives ~0.77 among the 7 built-ins: clear, yet a strongly disagreeing topic
# can still outvote it. Scales turn cosines (MiniLM: ~0.65 for a match, ~0.2 for unrelated
# personas) into logits; messages are noisier than a topic someone wrote, so they count less.
NAME_LOGIT = 3.0
TEXT_SCALE = {"topic": 12.0, "purpose": 12.0, "messages": 8.0}
DEFAULT_SAMPLE_MESSAGES = 50
_MAX_MESSAGE_CHARS = 500
_MIN_MESSAGE_WORDS = 3
_WORD_RE = re.compile(r"[\w'-]+")


class ChannelProfile(BaseModel):
    """What inference may look at: the core's own view of a channel (api/ builds it from Slack)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    name: str = Field(default="", description="without or with the leading '#'")
    topic: str = ""
    purpose: str = ""
    messages: tuple[str, ...] = Field(default=(), description="a sample of recent message texts")

    @property
    def label(self) -> str:
        """'#name' for explanations, or the id when the name is unknown."""
        return f"#{self.name.lstrip('#')}" if self.name else (self.id or "the channel")


@dataclass(frozen=True)
class Inference:
    """The persona inferred for a channel, how sure, and which signals pointed to it."""

    persona: str
    confidence: float
    reasons: list[str]
    channel: str = "the channel"
    fallback: bool = False
    guess: str | None = None  # the best guess when it was not confident enough
    scores: dict[str, float] = field(default_factory=dict)  # softmax probability per persona

    @property
    def explanation(self) -> str:
        """'#infra-oncall → oncall-engineer: name, topic'."""
        return f"{self.channel} → {self.persona}: {', '.join(self.reasons)}"


class PersonaInferrer:
    """Infers personas with one embedder; persona profiles are embedded once and cached."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        threshold: float = DEFAULT_CONFIDENCE_THRESHOLD,
        default: str = DEFAULT_PERSONA,
        sample_messages: int = DEFAULT_SAMPLE_MESSAGES,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        self.embedder = embedder
        self.threshold = threshold
        self.default = default
        self.sample_messages = sample_messages
        self._profiles: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def infer(
        self, channel: ChannelProfile, personas: Mapping[str, Persona] | None = None
    ) -> Inference:
        """The persona for `channel` among `personas` (default: the built-ins), with confidence.

        Falls back to the default persona, saying so in `reasons`, below the threshold.
        """
        table = dict(personas or BUILTIN_PERSONAS)
        names = sorted(table)
        logits = dict.fromkeys(names, 0.0)
        votes: dict[str, str] = {}  # signal → the persona it favours most
        cue = match_name(channel.name, set(names)) if channel.name else None
        if cue:
            logits[cue[0]] += NAME_LOGIT
            votes["name"] = cue[0]
        for signal, sims in self._similarities(channel, names, table).items():
            for name, sim in zip(names, sims, strict=True):
                logits[name] += TEXT_SCALE[signal] * float(sim)
            votes[signal] = names[int(np.argmax(sims))]
        scores = _softmax(logits)
        best = max(names, key=lambda n: (scores[n], n == self.default))
        confidence = round(scores[best], 3)
        if votes and confidence >= self.threshold:
            reasons = [signal for signal, voted in votes.items() if voted == best]
            reasons = reasons or ["combined evidence"]
            return Inference(best, confidence, reasons, channel.label, scores=scores)
        reason = messages.FALLBACK.format(
            confidence=confidence, threshold=self.threshold, guess=best, default=self.default
        )
        return Inference(
            self.default, confidence, [reason], channel.label, True, best, scores=scores
        )

    def _similarities(
        self, channel: ChannelProfile, names: list[str], table: Mapping[str, Persona]
    ) -> dict[str, np.ndarray]:
        texts = {"topic": channel.topic.strip(), "purpose": channel.purpose.strip()}
        texts = {signal: text for signal, text in texts.items() if text}
        sample = [
            text[:_MAX_MESSAGE_CHARS]
            for text in channel.messages[: self.sample_messages]
            if len(text.split()) >= _MIN_MESSAGE_WORDS
        ]
        if not texts and not sample:
            return {}
        profiles = self._profile_matrix([table[name] for name in names])
        vectors = self.embedder.embed([_keywords(t) for t in [*texts.values(), *sample]])
        out = {signal: vectors[i] @ profiles.T for i, signal in enumerate(texts)}
        if sample:
            out["messages"] = vectors[len(texts) :].mean(axis=0) @ profiles.T
        return out

    def _profile_matrix(self, personas: Sequence[Persona]) -> np.ndarray:
        texts = [profile_text(p) for p in personas]
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._profiles]
            if missing:
                vectors = self.embedder.embed([_keywords(t) for t in missing])
                self._profiles.update(zip(missing, vectors, strict=True))
            return np.vstack([self._profiles[t] for t in texts])


def profile_text(persona: Persona) -> str:
    """The text a persona is recognised by: who it is, who reads, what they care about."""
    text = persona.description
    if persona.audience:
        text += f" Read by {persona.audience}."
    if persona.priorities:
        text += f" Cares about: {', '.join(persona.priorities)}."
    return text


def _keywords(text: str) -> str:
    # Stop-words carry no audience; with the hashing embedder they are most of the features and
    # drown the signal (measured: "pager alerts and production incidents" went to leadership).
    kept = [word for word in _WORD_RE.findall(text) if word.lower() not in STOPWORDS]
    return " ".join(kept) or text


def _softmax(logits: Mapping[str, float]) -> dict[str, float]:
    top = max(logits.values())
    weights = {name: math.exp(value - top) for name, value in logits.items()}
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}
