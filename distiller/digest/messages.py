"""Every user-facing string of the digest engine, in one place to be read together."""

from __future__ import annotations

# Errors: say what was wrong and what to pass instead.
NAIVE_WINDOW = (
    "the digest window needs time zones: pass aware datetimes "
    "(datetime(..., tzinfo=timezone.utc)), not naive ones"
)
EMPTY_WINDOW = "the digest window ends ({end}) before or when it starts ({start}): swap them"
BAD_TIMEZONE = "unknown time zone {value!r}: pass an IANA name such as 'UTC' or 'Asia/Tokyo'"
BAD_TS = "ts {value!r} is not a Slack timestamp such as '1712345678.000100'"

# Reasons the engine gives for what it did not read (coverage).
SKIP_DUPLICATE = "given twice (same channel and ts); read once"
SKIP_EMPTY = "no text (file shares, joins, deleted messages)"
SKIP_BEFORE = "before the window and not part of a thread active in it"
SKIP_AFTER = "after the window end"
SKIP_MISSING_REPLIES = "the thread's replies were not collected; only its first message was read"
SKIP_OVERSIZE = "thread too long to distill whole; distilled its first and latest messages"

# Digest wording.
QUIET = "No activity in {where} between {start} and {end}."
HERE = "this channel"
FOLDED_TITLE = "{count} more topic{s}"
FOLDED_UNLISTED = "… and {count} more not listed"
COUNTS = "{parts} across {topics} topic{s}."
UNTITLED = "(no text)"
MORE_ITEMS = "{count} more {what} in {topic}"
UNASSIGNED = "no owner named"
DONE = "(done)"
LATEST = "Latest: {text}"
