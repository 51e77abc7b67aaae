"""`distill keys …`: create, list and revoke API keys; and the first key `serve` prints.

A created key is printed once; only its SHA-256 is stored. The exception is the dev key: when
`serve` starts with an empty key store it creates one and keeps it in `<data dir>/dev.key`
(mode 0600) so the printed curl example works on every `make run`. Delete the file and revoke
the key (`distill keys revoke ID`) before exposing the service beyond localhost.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .auth import SCOPES, AuthError, KeyStore
from .settings import Settings

__all__ = ["DEV_KEY_FILE", "dev_key", "keys_app"]

DEV_KEY_FILE = "dev.key"
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _store(settings: Settings) -> KeyStore:
    return KeyStore(settings.data_dir / "keys.sqlite3")


@keys_app.command("create")
def create(
    team: Annotated[str, typer.Option("--team", "-t", help="Team whose memory the key uses.")],
    scopes: Annotated[
        str, typer.Option("--scopes", "-s", help=f"Comma-separated, from: {', '.join(SCOPES)}.")
    ] = "distill",
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", "-c", help="Channel id it may read; repeatable."),
    ] = None,
    workspace: Annotated[str, typer.Option(help="Slack workspace (team) id.")] = "default",
    label: Annotated[str, typer.Option(help="A note to recognise the key by.")] = "",
) -> None:
    """Create a key and print it once (store it now: it cannot be shown again)."""
    store = _store(Settings())
    try:
        new = store.create(
            team,
            [s.strip() for s in scopes.split(",") if s.strip()],
            workspace=workspace,
            channels=tuple(channel or ()),
            label=label,
        )
    except ValueError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    err.print(f"key {new.key.id} for team {team} with scopes {', '.join(sorted(new.key.scopes))}:")
    out.print(new.token, soft_wrap=True)
    err.print("[dim]shown once; only its hash is stored[/]")


@keys_app.command("list")
def list_keys() -> None:
    """List keys (ids, teams, scopes; never secrets)."""
    store = _store(Settings())
    try:
        keys = store.list()
    finally:
        store.close()
    table = Table("id", "team", "scopes", "channels", "created", "revoked", "label")
    for key in keys:
        table.add_row(
            key.id,
            key.team,
            ",".join(sorted(key.scopes)),
            ",".join(sorted(key.channels)),
            key.created_at,
            "yes" if key.revoked else "",
            key.label,
        )
    out.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (from `distill keys list`).")],
) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    store = _store(Settings())
    try:
        found = store.revoke(key_id)
    finally:
        store.close()
    if not found:
        err.print(f"[bold red]error:[/] no key with id {key_id!r}; see `distill keys list`")
        raise typer.Exit(2)
    err.print(f"revoked {key_id}")


def dev_key(settings: Settings) -> str | None:
    """The dev key for the printed example: created on first start, reused while it is valid."""
    path = Path(settings.data_dir) / DEV_KEY_FILE
    store = _store(settings)
    try:
        if path.exists():
            token = path.read_text().strip()
            try:
                store.verify(token)
                return token
            except AuthError:
                return None  # revoked or foreign: do not mint another behind the user's back
        if store.count():
            return None
        new = store.create("default", list(SCOPES), label="dev key from `distill serve`")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new.token + "\n")
        return new.token
    finally:
        store.close()
