"""Subscriptions from the TOML file (DISTILLER_DIGESTS_FILE): parsed, validated with errors that
name the file, the entry and the field, and saved into the store when the service starts."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from api.digests import Subscription, SubscriptionError
from api.digests.config_file import load_subscriptions, parse_weekday
from api.state import Services
from tests.api.conftest import make_settings

TWO = """
[[digest]]
channel = "C0123ABC"
hour = 9
timezone = "Asia/Tokyo"

[[digest]]
channel = "C0456DEF"
recipient = "U0456DEF"
cadence = "weekly"
weekday = "Friday"
hour = 17
minute = 30
persona = "leadership"
quiet = "post"
"""


def write(tmp_path: Path, text: str, name: str = "digests.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_gives_its_subscriptions_in_order(tmp_path: Path) -> None:
    assert load_subscriptions(write(tmp_path, TWO)) == [
        Subscription(channel="C0123ABC", hour=9, timezone="Asia/Tokyo", created_by="config"),
        Subscription(
            channel="C0456DEF",
            recipient="U0456DEF",
            cadence="weekly",
            weekday=4,
            hour=17,
            minute=30,
            persona="leadership",
            quiet="post",
            created_by="config",
        ),
    ]


def test_a_file_without_digests_gives_none(tmp_path: Path) -> None:
    assert load_subscriptions(write(tmp_path, "# nothing yet\n")) == []


@pytest.mark.parametrize(
    ("value", "day"), [(0, 0), (6, 6), ("mon", 0), ("SUN", 6), ("Wednesday", 2), ("thu", 3)]
)
def test_weekday_by_number_or_name(value: object, day: int) -> None:
    assert parse_weekday(value) == day


@pytest.mark.parametrize("value", [7, -1, True, "mo", "funday", 1.5, None])
def test_a_bad_weekday_says_what_is_accepted(value: object) -> None:
    with pytest.raises(SubscriptionError, match=r"weekday must be one of mon, tue, .* \(or 0-6\)"):
        parse_weekday(value)


@pytest.mark.parametrize(
    ("second_entry", "field", "says"),
    [
        ("hour = 9", "channel", "Field required"),
        ('channel = "C0456DEF"\ntimezone = "Mars/Olympus"', "timezone", "IANA name"),
        ('channel = "general"', "channel", "not a Slack channel id"),
        ('channel = "C0456DEF"\nhour = 24', "hour", "less than or equal to 23"),
        ('channel = "C0456DEF"\nweekday = "funday"', "weekday", "weekday must be one of"),
        ('channel = "C0456DEF"\ncolour = "red"', "colour", "Extra inputs"),
    ],
)
def test_an_entry_error_names_the_file_the_entry_and_the_field(
    tmp_path: Path, second_entry: str, field: str, says: str
) -> None:
    path = write(tmp_path, f'[[digest]]\nchannel = "C0123ABC"\n\n[[digest]]\n{second_entry}\n')
    with pytest.raises(SubscriptionError) as raised:
        load_subscriptions(path)
    message = str(raised.value)
    assert message.startswith(f"{path}, digest #2: ")
    assert field in message and says in message


def test_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[[digest]\nchannel = "C0123ABC"\n')
    with pytest.raises(
        SubscriptionError, match=rf"^{re.escape(str(path))} is not valid TOML: .*line 1"
    ):
        load_subscriptions(path)


@pytest.mark.parametrize(
    "text", ['digest = "C0123ABC"\n', "digest = [1, 2]\n", '[digest]\nchannel = "C0123ABC"\n']
)
def test_digest_must_be_an_array_of_tables(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(
        SubscriptionError, match=r"write each subscription as a \[\[digest\]\] table"
    ):
        load_subscriptions(path)


def test_a_missing_or_unreadable_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(
        SubscriptionError, match=rf"cannot read the digests file {re.escape(str(missing))}: "
    ):
        load_subscriptions(missing)
    with pytest.raises(
        SubscriptionError, match=rf"cannot read the digests file {re.escape(str(tmp_path))}: "
    ):
        load_subscriptions(tmp_path)  # a directory
    if os.geteuid() != 0:  # root reads a 000 file anyway
        locked = write(tmp_path, TWO, "locked.toml")
        locked.chmod(0)
        with pytest.raises(SubscriptionError, match="Permission denied"):
            load_subscriptions(locked)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[[digest]]\nchannel = "C0123ABC"\n# caf\xe9\n')
    with pytest.raises(SubscriptionError, match="is not valid TOML"):
        load_subscriptions(path)


def test_services_save_the_file_into_the_store_at_start(tmp_path: Path) -> None:
    path = write(tmp_path, TWO)
    data = tmp_path / "data"
    services = Services.open(make_settings(data, digests_file=path))
    try:
        states = services.digests.subscriptions()
        assert [s.subscription for s in states] == load_subscriptions(path)
        assert all(s.subscription.created_by == "config" for s in states)
        # Changed elsewhere (the API, /distill digest): the file wins again at the next start.
        services.digests.put(Subscription(channel="C0123ABC", hour=6, created_by="api:k1"))
    finally:
        services.close()
    services = Services.open(make_settings(data, digests_file=path))
    try:
        again = services.digests.get("C0123ABC:channel")
        assert again is not None and again.subscription.hour == 9
    finally:
        services.close()


def test_a_bad_file_fails_startup_with_its_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[[digest]]\nchannel = "C0123ABC"\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(
        SubscriptionError, match=rf"^{re.escape(str(path))}, digest #1: timezone: .*IANA name"
    ):
        Services.open(make_settings(tmp_path / "data", digests_file=path))
    # Nothing was left open or half-saved: a fixed file starts cleanly.
    write(tmp_path, TWO)
    services = Services.open(make_settings(tmp_path / "data", digests_file=path))
    try:
        assert len(services.digests.subscriptions()) == 2
    finally:
        services.close()


def test_an_unknown_persona_in_the_file_fails_startup_naming_the_known_ones(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '[[digest]]\nchannel = "C0123ABC"\npersona = "wizard"\n')
    with pytest.raises(SubscriptionError, match=r"digest #1: unknown persona 'wizard'.*leadership"):
        Services.open(make_settings(tmp_path / "data", digests_file=path))
    assert load_subscriptions(path)[0].persona == "wizard"  # unchecked without a persona list
