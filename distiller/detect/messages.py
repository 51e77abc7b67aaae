"""Every user-facing string of detection (reasons, notes, errors), in one place to read together."""

from __future__ import annotations

MODEL_MISSING = (
    "the detector parameters {path} are missing or unreadable; reinstall slack-distiller, "
    "or regenerate the file with `python bench/fit_detector.py`"
)
MODEL_FEATURES_CHANGED = (
    "the detector parameters {path} were fitted on other features than this code computes; "
    "regenerate them with `python bench/fit_detector.py`"
)
BAD_THRESHOLD = "threshold must be between 0 and 1, got {value!r}"
BAD_MESSAGE_TYPE = "detect() takes a Message or a str (the message's mrkdwn text), not {kind}"

# Reasons: signals first, then size, then notes about what could not be judged, then the verdict.
APP = "posted by an app ({name})"
APP_UNNAMED = "posted by an app (bot/app id on the message)"
METADATA = "app metadata event '{event}'"
AGENT_PHRASING = "agent phrasing: {quoted}"
HEDGES = "hedging: {quoted}"
FORMATTING = "agent-style formatting: {parts}"
AGENT_VOCABULARY = "assistant vocabulary: {quoted}"
STYLE_AGENT = "style leans agent: {parts}"
STYLE_HUMAN = "style leans human: {parts}"
CHAT_SHORTHAND = "chat shorthand: {quoted}"
SIZE = "{tokens} tokens, {facts} fact{s} ({density:.1f} per 100 tokens of prose)"
REDUNDANT = "restates itself: sentences overlap {overlap:.0%} on average"

NOTE_EMPTY = "empty message: nothing to judge"
NOTE_NO_WORDS = "no words (emoji or symbols only): style not judged"
NOTE_CODE_ONLY = "code only: no prose to judge, code is not counted as verbose"
NOTE_TOO_SHORT = "too short to judge style ({words} words)"
NOTE_NOT_PROSE = (
    "no running English prose (another language, or lists of names and identifiers): "
    "style not judged, only metadata and layout count"
)
NOTE_TRUNCATED = "huge message: style read from the first {chars:,} characters"
NOTE_TOKENS_ESTIMATED = "huge message: token count estimated from the first {chars:,} characters"

VERDICT_FLAGGED = (
    "verbose agent message: agent score {agent:.2f} >= {threshold:.2f}, "
    "verbosity {verbosity:.2f} >= {gate:.2f}"
)
VERDICT_NOT_FLAGGED = "not flagged: {why}"
WHY_LOW_AGENT = "agent score {agent:.2f} < threshold {threshold:.2f}"
WHY_HIGH_AGENT = "agent score {agent:.2f} >= {threshold:.2f}"
WHY_NOT_VERBOSE = (
    "not verbose (verbosity {verbosity:.2f} < {gate:.2f}, or under {min_tokens} tokens of prose)"
)
