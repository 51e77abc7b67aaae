"""The fitted style model: parameters from `distiller/data/detector.json`, scored with numpy.

The model is a logistic regression over standardised features whose weights change with length:
a base set of weights plus, blended in by word count, adjustments for one-liners and for short
paragraphs. Human and assistant text differ in different ways at 10 words and at 200 (a short
human answer is terse; a long one is specific), and one set of weights cannot say both.
`bench/fit_detector.py` fits it; nothing here needs scikit-learn.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailableError
from . import messages
from .features import FEATURE_NAMES

__all__ = ["DETECTOR_FILE", "FORMAT", "Regime", "StyleModel", "load_model"]

DETECTOR_FILE = Path(__file__).resolve().parents[1] / "data" / "detector.json"
FORMAT = "slack-distiller/detector/1"
# Bound on StyleModel's table of length terms (only callers passing fractional word counts
# could reach it: whole counts stop at the last fade-out).
_MAX_CACHED_LENGTHS = 1024


@dataclass(frozen=True)
class Regime:
    """Weight adjustments for texts up to `full_at_words`, fading out by `off_at_words`."""

    name: str
    full_at_words: int
    off_at_words: int
    intercept: float
    coef: np.ndarray

    def weight(self, words: np.ndarray) -> np.ndarray:
        """1.0 at or below `full_at_words`, 0.0 at or above `off_at_words`, log-linear between."""
        span = math.log(self.off_at_words) - math.log(self.full_at_words)
        logs = np.log(np.maximum(words, 1.0))
        return np.clip((math.log(self.off_at_words) - logs) / span, 0.0, 1.0)


@dataclass(frozen=True)
class StyleModel:
    """Standardisation, weights and the fitted threshold; see the module docstring."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    clip: float
    intercept: float
    coef: np.ndarray
    regimes: tuple[Regime, ...]
    threshold: float
    _by_words: dict[float, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def standardise(self, x: np.ndarray) -> np.ndarray:
        """z-scores, clipped: a rate on a 5-word text can be extreme and should not dominate."""
        return np.clip((x - self.mean) / self.scale, -self.clip, self.clip)

    def contributions(
        self, x: np.ndarray, words: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Logits (n,), per-feature contributions (n, features) and z-scores for raw `x`."""
        z = self.standardise(x)
        weights, logits = self._length_terms(words) if len(z) != 1 else self._one_length(words)
        parts = z * weights
        return logits + parts.sum(axis=1), parts, z

    def _length_terms(self, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights (n, features) and logit offsets (n,) for texts of `words` words."""
        weights = np.broadcast_to(self.coef, (len(words), len(self.coef))).copy()
        logits = np.full(len(words), self.intercept)
        for regime in self.regimes:
            share = regime.weight(words)
            weights += share[:, None] * regime.coef
            logits += share * regime.intercept
        return weights, logits

    def _one_length(self, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`_length_terms` of one text, from a per-process table.

        One message per call is the API's case, and there these terms cost a dozen small numpy
        calls. They depend on the word count only, and are the same for every count from one
        past the last fade-out on (every regime's share is then exactly 0.0; the +1 keeps clear
        of rounding in the logs), so the table stays small. Computed by `_length_terms` itself:
        the same numbers as before, to the bit.
        """
        fade_out = max((r.off_at_words for r in self.regimes), default=0)
        key = min(float(words[0]), fade_out + 1.0)
        terms = self._by_words.get(key)
        if terms is None:
            terms = self._length_terms(np.array([key], dtype=np.float64))
            for shared in terms:
                shared.setflags(write=False)
            if len(self._by_words) < _MAX_CACHED_LENGTHS:  # word counts are whole numbers
                self._by_words[key] = terms
        return terms

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StyleModel:
        """Build from the JSON layout written by `bench/fit_detector.py`."""
        return cls(
            features=tuple(data["features"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            clip=float(data["clip"]),
            intercept=float(data["intercept"]),
            coef=np.asarray(data["coef"], dtype=np.float64),
            regimes=tuple(
                Regime(
                    name=r["name"],
                    full_at_words=int(r["full_at_words"]),
                    off_at_words=int(r["off_at_words"]),
                    intercept=float(r["intercept"]),
                    coef=np.asarray(r["coef"], dtype=np.float64),
                )
                for r in data["regimes"]
            ),
            threshold=float(data["threshold"]),
        )


@functools.cache
def load_model(path: Path = DETECTOR_FILE) -> StyleModel:
    """The fitted model, read once per process; ModelUnavailableError if missing or stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        model = StyleModel.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(messages.MODEL_MISSING.format(path=path)) from exc
    if model.features != FEATURE_NAMES:
        raise ModelUnavailableError(messages.MODEL_FEATURES_CHANGED.format(path=path))
    return model
