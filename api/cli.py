"""The `distill` command line: text, batch and serve.

Errors print one line saying what was wrong and what to do, and exit 2; never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import IO, Annotated, Literal

import typer
from rich.console import Console

from audience import AudienceError
from distiller import DistillerError, Message

from .batch import Task, run_batch
from .cli_digest import digest
from .cli_keys import DEV_KEY_FILE, dev_key, keys_app
from .service import DistillService
from .settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    help="Distill verbose agent-written Slack messages into short, faithful summaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)
app.add_typer(keys_app, name="keys")
app.command("digest")(digest)

Budget = Annotated[
    int | None, typer.Option("--budget", "-b", min=8, max=4000, help="Max output tokens.")
]
PersonaOpt = Annotated[
    str | None,
    typer.Option("--persona", "-p", help="Reader persona, e.g. oncall-engineer, leadership."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _read_input(path: str) -> bytes:
    if path == "-":
        if sys.stdin.isatty():
            raise _fail("no input: pass a FILE, or pipe text in (echo '...' | distill text -)")
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from None


@app.command()
def text(
    file: Annotated[str, typer.Argument(help="File with the message, or - for stdin.")] = "-",
    budget: Budget = None,
    persona: PersonaOpt = None,
    focus: Annotated[
        list[str] | None, typer.Option("--focus", "-f", help="Term to favour; repeatable.")
    ] = None,
    output_format: Annotated[
        Literal["text", "mrkdwn", "json"], typer.Option("--format", help="Output rendering.")
    ] = "text",
) -> None:
    """Distill one message (Slack mrkdwn or plain text) from FILE or stdin."""
    service = DistillService(Settings())
    try:
        result = service.distill(_read_input(file), persona, budget, focus or ())
    except (DistillerError, AudienceError) as exc:
        raise _fail(str(exc)) from None
    if output_format == "json":
        typer.echo(result.to_json())
    else:
        typer.echo(result.render_mrkdwn() if output_format == "mrkdwn" else result.render_text())
        for note in result.notes:
            err.print(f"[dim]note: {note}[/]")


@app.command("detect")
def detect_command(
    file: Annotated[str, typer.Argument(help="File with the message, or - for stdin.")] = "-",
    posted_by_app: Annotated[bool, typer.Option(help="The message was posted by an app.")] = False,
    threshold: Annotated[
        float | None, typer.Option(min=0, max=1, help="Agent-score threshold.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the detection as JSON.")] = False,
) -> None:
    """Score one message: is it a verbose, agent-written one? Prints the reasons."""
    from distiller.detect import detect

    raw = _read_input(file)
    text = raw.decode("utf-8", errors="replace")
    result = detect(Message(text=text, posted_by_app=posted_by_app), threshold=threshold)
    if as_json:
        typer.echo(result.model_dump_json())
        return
    verdict = "verbose agent message" if result.verbose_agent else "not flagged"
    typer.echo(
        f"{verdict} (agent {result.agent_score:.2f}, verbosity {result.verbosity_score:.2f}, "
        f"threshold {result.threshold:.2f})"
    )
    for reason in result.reasons:
        typer.echo(f"- {reason}")


def _count_lines(path: str) -> int | None:
    if path == "-":
        return None
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


@app.command()
def batch(
    input_path: Annotated[
        str, typer.Option("--input", "-i", help="JSONL input file, or - for stdin.")
    ],
    output_path: Annotated[
        str, typer.Option("--output", "-o", help="JSONL output file, or - for stdout.")
    ] = "-",
    task: Annotated[Task, typer.Option("--task", help="distill or detect.")] = "distill",
    budget: Budget = None,
    persona: PersonaOpt = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any line failed.")] = False,
) -> None:
    """Process a JSONL file line by line; bad lines are reported and skipped, never fatal.

    Input lines: {"id", "text"} or {"id", "messages": [{"user", "text", "ts"}]}, with optional
    "persona", "focus", "budget_tokens". --budget and --persona are defaults for lines without.
    """
    settings = Settings(default_persona=persona) if persona else Settings()
    service = DistillService(settings)
    with contextlib.ExitStack() as stack:
        try:
            if persona:
                service.persona(persona)  # refuse an unknown name before reading any input
            total = _count_lines(input_path)
            source = stack.enter_context(_open_text(input_path, "r"))
            sink = stack.enter_context(_open_text(output_path, "w"))
        except (AudienceError, OSError) as exc:
            reason = str(exc) if isinstance(exc, AudienceError) else f"cannot open: {exc}"
            raise _fail(reason) from None
        ok = failed = 0
        lines = (_with_default_budget(line, budget) for line in source) if budget else source
        with _progress(total) as advance:
            for outcome in run_batch(lines, service, task):
                sink.write(json.dumps(outcome.record, ensure_ascii=False) + "\n")
                if outcome.ok:
                    ok += 1
                else:
                    failed += 1
                    err.print(f"[yellow]line {outcome.line}:[/] {outcome.record['error']}")
                advance()
    where = f" -> {output_path}" if output_path != "-" else ""
    err.print(f"{ok} done, {failed} failed{where}")
    if strict and failed:
        raise typer.Exit(1)


def _open_text(path: str, mode: str) -> IO[str]:
    """A file, or stdin/stdout for '-' (wrapped so that leaving the block does not close it)."""
    if path == "-":
        stream = sys.stdin if mode == "r" else sys.stdout
        return contextlib.nullcontext(stream)  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8", errors="replace")


def _with_default_budget(line: str, budget: int) -> str:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return line  # reported with its line number by run_batch
    if isinstance(data, dict) and data.get("budget_tokens") is None:
        data["budget_tokens"] = budget
        return json.dumps(data)
    return line


class _progress:
    """A rich progress bar on a terminal; silent when stderr is a file or a pipe."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.bar = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not err.is_terminal:
            return lambda: None
        from rich.progress import Progress

        self.bar = Progress(console=err, transient=True)
        self.bar.start()
        task = self.bar.add_task("distilling", total=self.total)
        return lambda: self.bar.advance(task)  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default 8000; 0 picks a free one).")
    ] = None,
    socket_mode: Annotated[
        bool,
        typer.Option(
            "--socket-mode",
            help="Reach Slack over Socket Mode (needs SLACK_APP_TOKEN) instead of /slack/events.",
        ),
    ] = False,
    compute_processes: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="Worker processes for offline distillation and long detections, so the server "
            "uses more than one core (about the core count; ~180 MB each). 0: in-process.",
        ),
    ] = 0,
) -> None:
    """Run the HTTP API (offline engine by default; no Slack or OpenAI credentials needed).

    One process serves every request: the memory store admits one process per data dir, and
    keys' rate limits, metrics and MCP sessions live in it. Use --compute-processes to spread
    the CPU-bound work over the other cores.
    """
    import uvicorn

    from .app import create_app
    from .compute import ComputePool
    from .service import make_engine

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    token = dev_key(settings)
    url = f"http://{settings.host}:{settings.port}"
    err.print(f"slack-distiller on [bold]{url}[/]  (API docs: {url}/docs)", soft_wrap=True)
    auth = f"-H 'authorization: Bearer {token}' " if token else '-H "authorization: Bearer $KEY" '
    # soft_wrap: the curl line must stay one line to work when pasted.
    err.print(
        f"try:  curl -s {url}/v1/distill {auth}-H 'content-type: application/json' "
        """-d '{"text": "Hi team! I hope you are well. The deploy of v2.1 failed at 14:05 UTC. """
        """<@U123> please roll back by 15:00. Let me know if you have questions!"}'""",
        soft_wrap=True,
        markup=False,
    )
    if token:
        err.print(f"(dev key kept in {settings.data_dir / DEV_KEY_FILE}; see README, API keys)")
    else:
        err.print("(set KEY to a key from `distill keys create --team T --scopes distill`)")
    from .slack import mount_slack

    app_ = create_app(settings)
    # Slack stays off (the rest runs) without SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.
    mount_slack(app_, lambda: app_.state.services, settings, socket_mode=socket_mode)
    pool = None
    if compute_processes:
        engine = make_engine(settings)
        if engine.name != "offline":
            err.print(
                "[yellow]note: with the LLM engine the compute processes only detect; "
                "distillation waits on the network, in threads.[/]"
            )
        pool = ComputePool(compute_processes, engine)
        app_.state.compute = pool
        err.print(
            f"compute: {compute_processes} worker process(es) for distill and long detections"
        )
    try:
        uvicorn.run(app_, host=settings.host, port=settings.port, log_level="info")
    finally:
        if pool is not None:
            pool.close()


@app.command("slack-feedback")
def slack_feedback() -> None:
    """Print the 👍/👎 votes given in Slack, with source and summary, as JSONL."""
    from .slack import export_feedback

    for row in export_feedback(Settings().data_dir):
        typer.echo(json.dumps(row, ensure_ascii=False))


@app.command()
def mcp(
    key: Annotated[
        str | None,
        typer.Option(envvar="DISTILLER_API_KEY", help="API key whose scopes and ACL apply."),
    ] = None,
) -> None:
    """Serve the MCP tools over stdio for a local agent (one process per data dir)."""
    import anyio

    from memory import StoreLockedError

    from .auth import AuthError
    from .mcp_server import build_mcp
    from .state import Services

    if not key:
        raise _fail("set DISTILLER_API_KEY (or --key) to a key from `distill keys create`")
    settings = Settings()
    try:
        services = Services.open(settings)
    except StoreLockedError as exc:
        raise _fail(f"{exc}; or point your agent at the running service's /mcp over HTTP") from None
    try:
        api_key = services.keys.verify(key)
        server = build_mcp(lambda: services, fixed_key=api_key)
        anyio.run(server.run_stdio_async)
    except AuthError as exc:
        raise _fail(str(exc)) from None
    finally:
        services.close()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
