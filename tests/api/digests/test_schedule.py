"""Due windows: local delivery times, weekly cadence, DST, and the watermark (no gap, no repeat)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from api.digests import Subscription, due_window, next_boundary


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_tokyo_channel_gets_its_digest_at_its_own_nine() -> None:
    sub = Subscription(channel="C0TOKYO01", timezone="Asia/Tokyo", hour=9)
    # 09:30 in Tokyo is 00:30 UTC: today's 9:00 has passed.
    window = due_window(sub, utc(2026, 11, 27, 0, 30), None)
    assert window is not None
    assert window.end == utc(2026, 11, 27, 0, 0)
    assert window.start == utc(2026, 11, 26, 0, 0)
    # 08:59 in Tokyo: the latest boundary is yesterday's.
    earlier = due_window(sub, utc(2026, 11, 26, 23, 59), None)
    assert earlier is not None and earlier.end == utc(2026, 11, 26, 0, 0)
    assert next_boundary(sub, utc(2026, 11, 26, 23, 59)) == utc(2026, 11, 27, 0, 0)


def test_weekly_covers_the_week_up_to_its_weekday() -> None:
    sub = Subscription(channel="C0WEEKLY1", cadence="weekly", weekday=0, hour=17, minute=30)
    friday = utc(2026, 11, 27, 12, 0)
    window = due_window(sub, friday, None)
    assert window is not None
    assert window.end == utc(2026, 11, 23, 17, 30)  # Monday
    assert window.start == utc(2026, 11, 16, 17, 30)
    assert sub.describe() == "weekly on Mon at 17:30 UTC"


def test_a_dst_day_is_a_23_hour_window_not_a_shifted_hour() -> None:
    sub = Subscription(channel="C0PARIS01", timezone="Europe/Paris", hour=9)
    window = due_window(sub, utc(2026, 3, 29, 12, 0), None)  # the spring-forward day
    assert window is not None
    assert window.end == utc(2026, 3, 29, 7, 0)  # 09:00 CEST
    assert window.start == utc(2026, 3, 28, 8, 0)  # 09:00 CET
    assert window.end - window.start == timedelta(hours=23)


def test_the_watermark_closes_gaps_and_prevents_repeats() -> None:
    sub = Subscription(channel="C0GENERAL")
    now = utc(2026, 11, 27, 10, 0)
    done = utc(2026, 11, 27, 9, 0)
    assert due_window(sub, now, done) is None
    # Down for two days: one digest covers both, from where the last one ended.
    behind = due_window(sub, now, utc(2026, 11, 25, 9, 0))
    assert behind is not None
    assert (behind.start, behind.end) == (utc(2026, 11, 25, 9, 0), done)
    # Down for a month: catch up a week, not a month.
    stale = due_window(sub, now, utc(2026, 10, 20, 9, 0))
    assert stale is not None and stale.start == utc(2026, 11, 20, 9, 0)


def test_the_key_names_one_digest_per_subscription_and_window_end() -> None:
    sub = Subscription(channel="C0GENERAL", recipient="U0ALICE01")
    window = due_window(sub, utc(2026, 11, 27, 10, 0), None)
    assert window is not None
    assert window.key(sub.id) == f"C0GENERAL:U0ALICE01@{int(utc(2026, 11, 27, 9).timestamp())}"


@pytest.mark.parametrize(
    ("fields", "wording"),
    [
        ({"channel": "general"}, "not a Slack channel id"),
        ({"channel": "C0GENERAL", "recipient": "alice"}, "Slack user id"),
        ({"channel": "C0GENERAL", "timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"channel": "C0GENERAL", "hour": 24}, "less than or equal to 23"),
        ({"channel": "D0DIRECT1"}, "direct-message"),
    ],
)
def test_a_bad_subscription_says_which_field_and_what_to_do(
    fields: dict[str, object], wording: str
) -> None:
    with pytest.raises(ValidationError, match=wording):
        Subscription(**fields)  # type: ignore[arg-type]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_window(Subscription(channel="C0GENERAL"), datetime(2026, 11, 27), None)
