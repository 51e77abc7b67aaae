"""`distill digest`: a channel's digest from the command line, or every due digest (for cron).

    distill digest --channel C0123 --since 24h            print it; nothing is posted
    distill digest --channel C0123 --post                 post it (once per hour, retry-safe)
    distill digest --due --post                           what the scheduler does, once

Reads Slack with SLACK_BOT_TOKEN (SLACK_API_URL for another endpoint); the digest store is the
service's (the data dir, or DATABASE_URL), so a cron job and `distill serve` never both post
the same digest.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from audience import PersonaRegistry, SqlitePersonaStore, UnknownPersonaError

from .digests import DigestError, DigestStore, Subscription, Window
from .digests.budget import RequestBudget
from .digests.client import digest_client, pooled
from .digests.produce import digest_builder
from .digests.runner import DigestRunner, RunOutcome
from .service import DistillService
from .settings import Settings
from .slack.config import DEFAULT_API_URL
from .state import make_embedder, open_digest_store

__all__ = ["digest", "parse_since"]

T = TypeVar("T")
# soft_wrap: an error line stays one line (greppable in cron mail), whatever the terminal width.
err = Console(stderr=True, highlight=False, soft_wrap=True)
_SINCE_RE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# A digest longer than this is not a digest; use the export for archaeology.
MAX_SINCE = timedelta(days=31)


def parse_since(text: str) -> timedelta:
    """'90m', '24h', '7d', '2w' → a timedelta; typer.BadParameter saying the format otherwise."""
    found = _SINCE_RE.match(text.strip().lower())
    if not found or int(found.group(1)) == 0:
        raise typer.BadParameter(f"'{text}' is not a duration: use e.g. 90m, 24h, 7d or 2w")
    span = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    if span > MAX_SINCE:
        raise typer.BadParameter(f"'{text}' is longer than {MAX_SINCE.days} days")
    return span


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(2)


def _runner(settings: Settings, store: DigestStore) -> DigestRunner:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if not token:
        raise _fail(
            "set SLACK_BOT_TOKEN (a bot token with channels:history, groups:history, "
            "chat:write and im:write) to read and post digests"
        )
    registry = PersonaRegistry(SqlitePersonaStore.in_data_dir(settings.data_dir))
    if settings.personas_file:
        registry.load_file(settings.personas_file)
    service = DistillService(settings, registry=registry)
    builder = digest_builder(
        service, make_embedder(settings), detect_threshold=settings.detect_threshold
    )
    client = digest_client(token, settings.slack_api_url or DEFAULT_API_URL)
    budget = RequestBudget(
        history_pages=settings.digest_history_pages,
        replies_calls=settings.digest_replies_calls,
    )
    return DigestRunner(store, client, builder, budget=budget)


async def _pooled(runner: DigestRunner, work: Callable[[], Awaitable[T]]) -> T:
    async with pooled(runner.client):
        return await work()


def _show(outcome: RunOutcome, output: str) -> None:
    if outcome.error:
        err.print(f"[bold red]{outcome.subscription_id}:[/] {outcome.error}")
        return
    if outcome.status not in ("dry-run",):
        where = f" ({outcome.post[0]} {outcome.post[1]})" if outcome.post else ""
        err.print(f"{outcome.subscription_id}: {outcome.status}{where}")
        return
    digest = outcome.digest
    if digest is None:
        return
    if output == "json":
        typer.echo(digest.model_dump_json(indent=2))
    elif output == "mrkdwn":
        typer.echo(digest.render_mrkdwn())
    else:
        typer.echo(digest.render_text())


def digest(
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Channel id, e.g. C0123ABC.")
    ] = None,
    since: Annotated[str, typer.Option(help="How far back: 90m, 24h, 7d, 2w.")] = "24h",
    persona: Annotated[
        str | None, typer.Option("--persona", "-p", help="Reader; default: the channel's.")
    ] = None,
    timezone: Annotated[str, typer.Option(help="How times are shown (IANA zone).")] = "UTC",
    due: Annotated[
        bool, typer.Option("--due", help="Every subscription whose digest is due (cron).")
    ] = False,
    post: Annotated[
        bool, typer.Option("--post/--dry-run", help="Post it, or only print it (default).")
    ] = False,
    output: Annotated[
        Literal["text", "mrkdwn", "json"], typer.Option("--format", help="Printed rendering.")
    ] = "text",
) -> None:
    """Build a channel's digest (printed, or posted with --post), or run every due one (--due).

    With --post and --channel the window ends at the top of the current hour, so a cron job
    that is retried within the hour posts once."""
    if due == bool(channel):
        raise _fail("give either --channel C0123 (one channel) or --due (every subscription)")
    span = parse_since(since)
    settings = Settings()
    try:
        store = open_digest_store(settings)
    except DigestError as exc:
        raise _fail(str(exc)) from None
    try:
        runner = _runner(settings, store)
        if due:
            if not post:
                raise _fail("--due posts what is due: add --post (a dry run is per --channel)")
            with err.status("Producing the digests that are due…"):
                outcomes = asyncio.run(_pooled(runner, runner.tick))
            for outcome in outcomes:
                _show(outcome, output)
            if not outcomes:
                err.print("Nothing is due.")
            if any(o.error for o in outcomes):
                raise typer.Exit(1)
            return
        try:
            sub = Subscription(channel=channel or "", persona=persona, timezone=timezone)
        except ValidationError as exc:
            problems = (str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise _fail("; ".join(problems)) from None
        now = datetime.now(UTC)
        end = now.replace(minute=0, second=0, microsecond=0) if post else now
        window = Window(start=end - span, end=end)
        claim = None
        if post:
            claim = store.claim(sub.id, window, runner.owner)
            if claim is None:
                err.print(f"The digest of {channel} for this window was already posted.")
                return
        with err.status(f"Reading {channel} and building its digest…"):
            outcome = asyncio.run(
                _pooled(runner, lambda: runner.run(sub, window, claim=claim, post=post))
            )
        _show(outcome, output)
        if outcome.error:
            raise typer.Exit(1)
    except UnknownPersonaError as exc:
        raise _fail(str(exc)) from None
    except DigestError as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
