"""Subscriptions from a TOML file (`DISTILLER_DIGESTS_FILE`), saved into the store at start.

    [[digest]]
    channel = "C0123ABC"          # required: the channel read
    hour = 9                      # local hour (default 9), minute = 0
    timezone = "Asia/Tokyo"       # IANA zone (default UTC)
    cadence = "weekly"            # daily (default) or weekly
    weekday = "mon"               # weekly: mon..sun or 0..6
    persona = "leadership"        # default: the channel's persona
    recipient = "U0456DEF"        # a DM to this person instead of a post in the channel
    quiet = "post"                # "post" says "no activity"; "skip" (default) posts nothing

An entry in the file wins over the same (channel, recipient) set elsewhere, at each start;
removing it from the file does not unsubscribe (use `/distill digest off` or the API).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import messages
from .errors import SubscriptionError
from .subscription import WEEKDAYS, Subscription

__all__ = ["load_subscriptions", "parse_weekday"]


def parse_weekday(value: object) -> int:
    """0..6 from 'mon'..'sun' (any case, 3+ letters) or an int; SubscriptionError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and len(value) >= 3:
        for i, day in enumerate(WEEKDAYS):
            if value.lower().startswith(day):
                return i
    raise SubscriptionError(f"weekday must be one of {', '.join(WEEKDAYS)} (or 0-6), not {value!r}")


def _fields_error(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: "
        f"{str(err['msg']).removeprefix('Value error, ')}"
        for err in exc.errors()
    )


def load_subscriptions(
    path: str | Path, personas: Collection[str] | None = None
) -> list[Subscription]:
    """Every `[[digest]]` of the file, validated (persona names against `personas` when given).
    SubscriptionError names the file, the entry and the field when anything is wrong; nothing
    is returned from a file with an error."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SubscriptionError(f"cannot read the digests file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SubscriptionError(f"{path} is not valid TOML: {exc}") from exc
    entries = data.get("digest", [])
    if not isinstance(entries, list) or any(not isinstance(e, dict) for e in entries):
        raise SubscriptionError(f"{path}: write each subscription as a [[digest]] table")
    found: list[Subscription] = []
    for n, entry in enumerate(entries, start=1):
        fields: dict[str, Any] = {"created_by": "config", **entry}
        try:
            if "weekday" in fields:
                fields["weekday"] = parse_weekday(fields["weekday"])
            sub = Subscription(**fields)
            if personas is not None and sub.persona is not None and sub.persona not in personas:
                raise SubscriptionError(
                    messages.UNKNOWN_PERSONA.format(
                        name=sub.persona, personas=", ".join(sorted(personas))
                    )
                )
            found.append(sub)
        except SubscriptionError as exc:
            raise SubscriptionError(f"{path}, digest #{n}: {exc}") from exc
        except ValidationError as exc:
            raise SubscriptionError(f"{path}, digest #{n}: {_fields_error(exc)}") from exc
    return found
