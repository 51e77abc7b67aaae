"""Extractive baselines computed side by side with the engine: Lead-N and LexRank.

Both use the engine's own sentence splitter and content words, so a difference in score is a
difference in selection, not in tokenisation. LexRank follows Erkan & Radev (2004): idf-modified
cosine graph, threshold 0.1, PageRank by power iteration (damping 0.85).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from distiller.words import content_words

__all__ = ["lead", "lexrank", "sumy_lexrank", "textrank"]

THRESHOLD = 0.1
DAMPING = 0.85


def lead(sentences: Sequence[str], n: int) -> list[str]:
    """The first `n` sentences."""
    return list(sentences[:n])


def _idf_vectors(sentences: Sequence[str]) -> list[dict[str, float]]:
    bags = [Counter(content_words(s)) for s in sentences]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(sentences)
    vectors = []
    for bag in bags:
        vec = {w: c * math.log(n / df[w]) if n > df[w] else c * 0.01 for w, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({w: v / norm for w, v in vec.items()})
    return vectors


def _pagerank(matrix: np.ndarray, iterations: int = 100) -> np.ndarray:
    n = matrix.shape[0]
    rows = matrix.sum(axis=1, keepdims=True)
    rows[rows == 0] = 1.0
    transition = matrix / rows
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        new = (1 - DAMPING) / n + DAMPING * transition.T @ rank
        if np.abs(new - rank).sum() < 1e-6:
            return new
        rank = new
    return rank


def lexrank(sentences: Sequence[str], n: int) -> list[str]:
    """Top-`n` sentences by LexRank centrality, in document order."""
    if len(sentences) <= n:
        return list(sentences)
    vectors = _idf_vectors(sentences)
    size = len(sentences)
    matrix = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1, size):
            a, b = vectors[i], vectors[j]
            sim = sum(v * b.get(w, 0.0) for w, v in a.items())
            if sim > THRESHOLD:
                matrix[i, j] = matrix[j, i] = 1.0
    np.fill_diagonal(matrix, 1.0)
    ranks = _pagerank(matrix)
    top = sorted(np.argsort(-ranks, kind="stable")[:n])
    return [sentences[i] for i in top]


def textrank(sentences: Sequence[str], n: int) -> list[str]:
    """TextRank (Mihalcea & Tarau 2004): word-overlap similarity, weighted PageRank."""
    if len(sentences) <= n:
        return list(sentences)
    words = [set(content_words(s)) for s in sentences]
    size = len(sentences)
    matrix = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1, size):
            overlap = len(words[i] & words[j])
            if overlap and len(words[i]) > 1 and len(words[j]) > 1:
                sim = overlap / (math.log(len(words[i])) + math.log(len(words[j])))
                matrix[i, j] = matrix[j, i] = sim
    ranks = _pagerank(matrix)
    top = sorted(np.argsort(-ranks, kind="stable")[:n])
    return [sentences[i] for i in top]


class _SumyTokenizer:
    """sumy asks a tokenizer for words; ours keeps nltk's punkt data (a download) out of it."""

    language = "english"

    def to_words(self, sentence: str) -> list[str]:
        return _SUMY_WORD_RE.findall(sentence)

    def to_sentences(self, paragraph: str) -> list[str]:
        return [paragraph]


_SUMY_WORD_RE = re.compile(r"\w+")


def sumy_lexrank(sentences: Sequence[str], n: int) -> list[str]:
    """sumy's LexRankSummarizer on our sentences (the package most people reach for)."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer

    tokenizer = _SumyTokenizer()
    document = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])
    return [str(s) for s in LexRankSummarizer(Stemmer("english"))(document, n)]
