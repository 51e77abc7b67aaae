"""/v1/digests: the channel digest subscriptions, their schedule and their last run.

A subscription is addressed by (channel, recipient): `channel` posts in the channel, a user id
(`U…`) sends the digest to that person as a DM. Reads need the `distill` scope; writes need
`admin`, because a subscription posts into a channel on the workspace's behalf. The store is
the one the scheduler reads, so a saved subscription is delivered from its next boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from audience import UnknownPersonaError
from distiller.digest import DEFAULT_DIGEST_BUDGET, DEFAULT_MAX_TOPICS
from distiller.digest.inputs import MAX_DIGEST_BUDGET, MAX_TOPICS, MIN_DIGEST_BUDGET

from ..auth import ApiKey
from ..deps import get_services, require
from ..digests import (
    DigestStoreError,
    Subscription,
    SubscriptionError,
    SubscriptionState,
    next_boundary,
)
from ..digests.config_file import parse_weekday
from ..digests.store import RunStatus
from ..digests.subscription import DEFAULT_HOUR, DEFAULT_TIMEZONE, Cadence, Quiet
from ..problems import ApiProblem
from ..schemas import PROBLEM_RESPONSES
from ..state import Services

__all__ = [
    "DigestFilter",
    "DigestRunOut",
    "DigestSubscriptionIn",
    "DigestSubscriptionOut",
    "router",
]

router = APIRouter(tags=["digests"], responses=PROBLEM_RESPONSES)

NOT_FOUND = (
    "no digest subscription for channel {channel} and recipient {recipient}; "
    "create one with PUT /v1/digests/{channel}/{recipient}"
)
STORE_DOWN = "the digest store is unavailable: {error}; retry"


class DigestSubscriptionIn(BaseModel):
    """A subscription's settings; every field has a default, so `{}` is a daily 9:00 UTC
    digest. The bounds mirror `Subscription`'s, which checks them again."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"cadence": "weekly", "weekday": "mon", "hour": 9, "timezone": "Asia/Tokyo"}
            ]
        },
    )

    cadence: Cadence = "daily"
    weekday: int | str = Field(
        default=0, description="weekly only: 0-6 (0 = Monday) or 'mon'..'sun'"
    )
    hour: int = Field(default=DEFAULT_HOUR, ge=0, le=23, description="local hour of delivery")
    minute: int = Field(default=0, ge=0, le=59)
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="IANA zone, e.g. 'Asia/Tokyo'")
    persona: str | None = Field(
        default=None, description="the reader (see GET /v1/personas); null: the channel's"
    )
    quiet: Quiet = Field(
        default="skip", description="a window with no activity: 'skip' it or 'post' a line"
    )
    budget_tokens: int = Field(
        default=DEFAULT_DIGEST_BUDGET, ge=MIN_DIGEST_BUDGET, le=MAX_DIGEST_BUDGET
    )
    max_topics: int = Field(default=DEFAULT_MAX_TOPICS, ge=1, le=MAX_TOPICS)
    enabled: bool = True


class DigestFilter(BaseModel):
    """GET /v1/digests's query; an unknown parameter (a typo such as `chanel`) is refused
    rather than silently answered with every subscription."""

    model_config = ConfigDict(extra="forbid")

    channel: str | None = Field(default=None, description="only this channel's, e.g. C0123ABC")


class DigestRunOut(BaseModel):
    """The latest digest run of a subscription, as the run ledger holds it."""

    status: RunStatus
    window_start: datetime
    window_end: datetime
    attempts: int
    started_at: datetime
    finished_at: datetime | None
    post_channel: str | None
    post_ts: str | None
    error: str | None = Field(description="why the run failed, and what to do")


class DigestSubscriptionOut(BaseModel):
    """A subscription, when it is next delivered, and how its last run went."""

    id: str = Field(description="'<channel>:<recipient>'")
    channel: str
    recipient: str = Field(description="'channel' (a post in the channel) or a user id (a DM)")
    cadence: Cadence
    weekday: int = Field(description="0 = Monday; used by weekly digests")
    hour: int
    minute: int
    timezone: str
    persona: str | None
    quiet: Quiet
    budget_tokens: int
    max_topics: int
    enabled: bool
    created_by: str = Field(description="'api:<key id>', 'slack:<user>' or 'config'")
    description: str = Field(description="e.g. 'weekly on Mon at 09:00 Asia/Tokyo'")
    next_delivery: datetime | None = Field(description="UTC; null while disabled")
    watermark: datetime | None = Field(description="the end of the last window delivered")
    last_run: DigestRunOut | None

    @classmethod
    def of(cls, state: SubscriptionState, now: datetime) -> DigestSubscriptionOut:
        sub, run = state.subscription, state.last_run
        return cls(
            **sub.model_dump(),
            id=sub.id,
            description=sub.describe(),
            next_delivery=next_boundary(sub, now) if sub.enabled else None,
            watermark=state.watermark,
            last_run=None
            if run is None
            else DigestRunOut(
                status=run.status,
                window_start=run.window.start,
                window_end=run.window.end,
                attempts=run.attempts,
                started_at=run.started_at,
                finished_at=run.finished_at,
                post_channel=run.post_channel,
                post_ts=run.post_ts,
                error=run.error,
            ),
        )


@contextmanager
def _store() -> Iterator[None]:
    """Store failures become a 503 problem that says to retry (never a traceback)."""
    try:
        yield
    except DigestStoreError as exc:
        raise ApiProblem(
            503, "Store unavailable", STORE_DOWN.format(error=exc), headers={"Retry-After": "5"}
        ) from None


def _invalid(exc: ValidationError, where: str) -> RequestValidationError:
    """Subscription's errors in the shape of request validation's (the same 422 problem with
    `errors`), without pydantic's 'Value error, ' prefix on our own messages."""
    errors: list[dict[str, Any]] = []
    for err in exc.errors():
        raised = err.get("ctx", {}).get("error") if err["type"] == "value_error" else None
        message = str(raised) if raised is not None else err["msg"]
        errors.append({"type": err["type"], "loc": (where, *err["loc"]), "msg": message})
    return RequestValidationError(errors)


def _subscription(where: str, **fields: Any) -> Subscription:
    """Subscription(**fields); a bad field is answered 422 naming it (`where`: path, query
    or body, as FastAPI's own validation errors say)."""
    try:
        return Subscription(**fields)
    except ValidationError as exc:
        raise _invalid(exc, where) from None


def _not_found(channel: str, recipient: str) -> ApiProblem:
    return ApiProblem(404, "Not found", NOT_FOUND.format(channel=channel, recipient=recipient))


@router.get("/v1/digests", response_model=list[DigestSubscriptionOut])
def list_digests(
    query: DigestFilter = Query(),  # noqa: B008
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> list[DigestSubscriptionOut]:
    """Every subscription (of `channel` when given, by id), with its next delivery."""
    if query.channel is not None:
        # A channel name answers 422 "use the id", not an empty list.
        _subscription("query", channel=query.channel)
    with _store():
        states = services.digests.subscriptions(query.channel)
    now = datetime.now(UTC)
    return [DigestSubscriptionOut.of(state, now) for state in states]


@router.get("/v1/digests/{channel}/{recipient}", response_model=DigestSubscriptionOut)
def get_digest(
    channel: str,
    recipient: str,
    _: ApiKey = Depends(require("distill")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> DigestSubscriptionOut:
    """One subscription; 404 when there is none for this channel and recipient."""
    sub_id = _subscription("path", channel=channel, recipient=recipient).id
    with _store():
        state = services.digests.get(sub_id)
    if state is None:
        raise _not_found(channel, recipient)
    return DigestSubscriptionOut.of(state, datetime.now(UTC))


@router.put(
    "/v1/digests/{channel}/{recipient}",
    response_model=DigestSubscriptionOut,
    responses={201: {"model": DigestSubscriptionOut, "description": "created"}},
)
def put_digest(
    channel: str,
    recipient: str,
    body: DigestSubscriptionIn,
    response: Response,
    key: ApiKey = Depends(require("admin")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> DigestSubscriptionOut:
    """Create (201) or replace (200) the subscription; a replaced one keeps its watermark, so
    its next digest starts where the last one ended. 422 names the field to fix."""
    fields = body.model_dump()
    try:
        fields["weekday"] = parse_weekday(body.weekday)
    except SubscriptionError as exc:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "weekday"), "msg": str(exc)}]
        ) from None
    sub = _subscription(
        "body", channel=channel, recipient=recipient, created_by=f"api:{key.id}", **fields
    )
    if sub.persona is not None:
        known = services.distill.personas
        if sub.persona not in known:
            raise UnknownPersonaError(sub.persona, known)
    with _store():
        existed = services.digests.get(sub.id) is not None
        services.digests.put(sub)
        state = services.digests.get(sub.id)
    if state is None:  # pragma: no cover - deleted between our put and get by another caller
        raise _not_found(channel, recipient)
    response.status_code = 200 if existed else 201
    return DigestSubscriptionOut.of(state, datetime.now(UTC))


@router.delete("/v1/digests/{channel}/{recipient}", status_code=204)
def delete_digest(
    channel: str,
    recipient: str,
    _: ApiKey = Depends(require("admin")),  # noqa: B008
    services: Services = Depends(get_services),  # noqa: B008
) -> Response:
    """Unsubscribe (the run history stays); 404 when there was no such subscription."""
    sub_id = _subscription("path", channel=channel, recipient=recipient).id
    with _store():
        deleted = services.digests.delete(sub_id)
    if not deleted:
        raise _not_found(channel, recipient)
    return Response(status_code=204)
