"""The detector's fitted parameters, its fit script, and the pieces that feed the model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import distiller.detect
from distiller.detect import DEFAULT_THRESHOLD, detect, lexicon, reasons
from distiller.detect.features import FEATURE_NAMES, extract
from distiller.detect.layout import read_layout
from distiller.detect.model import DETECTOR_FILE, FORMAT, load_model
from distiller.errors import ModelUnavailableError

REPO = Path(__file__).resolve().parents[2]
FIT_SCRIPT = REPO / "bench" / "fit_detector.py"
EVAL_DIR = REPO / ".." / "shared" / "eval"
NEEDS_EVAL = pytest.mark.skipif(
    not (EVAL_DIR / "fast_detectgpt").is_dir() or not (EVAL_DIR / "truthfulqa_chatgpt").is_dir(),
    reason="../shared/eval (fast_detectgpt, truthfulqa_chatgpt) is absent: cannot refit",
)


def test_public_surface_is_pinned() -> None:
    assert set(distiller.detect.__all__) == {
        "DEFAULT_THRESHOLD",
        "MIN_VERBOSE_TOKENS",
        "VERBOSITY_GATE",
        "Detection",
        "detect",
        "detect_many",
    }


@NEEDS_EVAL
def test_fit_script_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "detector.json"
    result = subprocess.run(
        [sys.executable, str(FIT_SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == DETECTOR_FILE.read_bytes(), (
        "bench/fit_detector.py no longer reproduces distiller/data/detector.json: "
        "rerun it and commit the file (and DEFAULT_THRESHOLD if the threshold moved)"
    )


def test_fit_script_explains_missing_data(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(FIT_SCRIPT),
            "--eval-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "evaluation data not found" in result.stderr
    assert not (tmp_path / "o").exists()


def test_committed_parameters_match_the_code() -> None:
    data = json.loads(DETECTOR_FILE.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT
    assert tuple(data["features"]) == FEATURE_NAMES
    assert data["threshold"] == DEFAULT_THRESHOLD, "update DEFAULT_THRESHOLD to the fitted value"
    n = len(FEATURE_NAMES)
    assert len(data["mean"]) == len(data["scale"]) == len(data["coef"]) == n
    assert all(len(r["coef"]) == n for r in data["regimes"])
    assert all(s > 0 for s in data["scale"])


def test_committed_file_is_small_and_carries_no_text() -> None:
    raw = DETECTOR_FILE.read_text(encoding="utf-8")
    assert len(raw) < 20_000
    strings = [v for v in json.loads(raw)["fit"]["sources"]]
    assert all(s.startswith("../shared/eval/") for s in strings)  # paths, never the data


def test_missing_or_stale_model_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match=r"fit_detector\.py"):
        load_model(tmp_path / "absent.json")
    stale = json.loads(DETECTOR_FILE.read_text(encoding="utf-8"))
    stale["features"] = [*stale["features"][:-1], "something_else"]
    (tmp_path / "stale.json").write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="other features"):
        load_model(tmp_path / "stale.json")


def test_contributions_add_up_to_the_logit() -> None:
    model = load_model()
    x = np.array([extract(t)[0] for t in ["hello there, how are you doing today?", "a " * 200]])
    words = np.array([7.0, 200.0])
    logits, parts, z = model.contributions(x, words)
    base = model.intercept + sum(r.intercept * r.weight(words) for r in model.regimes)
    np.testing.assert_allclose(logits, base + parts.sum(axis=1))
    np.testing.assert_array_equal(z, model.standardise(x))


def test_one_message_length_terms_are_the_batch_ones() -> None:
    # detect() on one message reads its length terms from a table clamped past the last
    # fade-out: the same bits as computing them, at every word count.
    model = load_model()
    counts = np.arange(0.0, 400.0)
    weights, logits = model._length_terms(counts)
    for i, count in enumerate(counts):
        one_weights, one_logits = model._one_length(np.array([count]))
        np.testing.assert_array_equal(one_weights[0], weights[i])
        assert one_logits[0] == logits[i]


def test_regimes_fade_with_length() -> None:
    one_liner = load_model().regimes[0]
    weights = one_liner.weight(np.array([1.0, one_liner.full_at_words, 20.0, 1000.0]))
    assert weights[0] == weights[1] == 1.0
    assert 0.0 < weights[2] < 1.0
    assert weights[3] == 0.0


def test_every_style_feature_has_words_for_the_reasons() -> None:
    for name in FEATURE_NAMES:
        assert name in reasons._LABELS or name in reasons._QUOTED_ELSEWHERE, name


@pytest.mark.parametrize(
    ("text", "kind", "phrase"),
    [
        ("Great question! Here it is.", "pleasantry", "great question"),
        ("I'd be happy to help with that.", "pleasantry", "i'd be happy to help"),
        ("I hope this helps!", "pleasantry", "i hope this helps"),
        ("Certainly! Here you go.", "pleasantry", "certainly!"),
        ("We’re thrilled to announce v2.", "pleasantry", "we're thrilled to announce"),
        ("Let me know if that works.", "closing_offer", "let me know if"),
        ("Please don’t hesitate to ask.", "closing_offer", "don't hesitate to"),
        (
            "If you have any other questions, ask.",
            "closing_offer",
            "if you have any other questions",
        ),
        ("Here's a quick summary of the week.", "meta_talk", "here's a quick summary"),
        ("It’s worth noting that it failed.", "meta_talk", "it's worth noting"),
        ("In summary, we shipped.", "meta_talk", "in summary"),
        ("Key takeaways: none.", "meta_talk", "key takeaways"),
        ("As an AI language model, I cannot.", "assistant_voice", "as an ai language model"),
        ("I'm sorry, but I can't.", "assistant_voice", "i'm sorry, but"),
        ("It depends on the load.", "hedge", "it depends"),
        ("In some cases it breaks.", "hedge", "in some cases"),
    ],
)
def test_phrase_lists_find_their_phrases(text: str, kind: str, phrase: str) -> None:
    _, ev = extract(text)
    assert [p.lower().replace("’", "'") for p in ev.phrases[kind]] == [phrase]


def test_phrases_inside_other_phrases_count_once() -> None:
    _, ev = extract("I hope this helps.")
    assert ev.phrases["pleasantry"] == ["I hope this helps"]
    assert lexicon.find_phrases("nothing to see here", {"nothing", "to", "see", "here"}) == []


def test_layout_counts_headers_bullets_and_code() -> None:
    text = (
        "## Summary\n*Next steps:*\n• one\n- two\n1. three\n:white_check_mark: done\n"
        "plain *bold* text\n```\ncode\n```\nsee <https://x.example|the doc> and <@U123>"
    )
    layout = read_layout(text)
    assert (layout.headers, layout.bullets, layout.emoji_bullets) == (2, 3, 1)
    assert (layout.bold, layout.code_blocks, layout.links, layout.mentions) == (1, 1, 1, 1)
    assert "see the doc and someone" in layout.lines


def test_facts_are_counted() -> None:
    _, ev = extract(
        "Rolled back checkout-api to v4.17.2 at 14:09 on Friday; p99 was 80ms on redis_prod_3. "
        "Ping <@U123> about PLAT-902 and https://grafana.example.com/d/abc."
    )
    assert ev.facts >= 8


def test_curly_apostrophes_do_not_hide_phrases() -> None:
    straight = detect("It's worth noting that, overall, I hope this helps everyone here today.")
    curly = detect("It’s worth noting that, overall, I hope this helps everyone here today.")
    assert straight.reasons[0] == curly.reasons[0].replace("’", "'")
