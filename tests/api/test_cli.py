import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.fixtures import MESSAGES

RUNNER = CliRunner()
INCIDENT = str(MESSAGES / "incident_report.txt")


def test_text_from_a_file() -> None:
    result = RUNNER.invoke(app, ["text", INCIDENT, "--budget", "60"])
    assert result.exit_code == 0, result.output
    assert "v2.14.1" in result.stdout and "I hope" not in result.stdout


def test_text_from_stdin_as_json() -> None:
    result = RUNNER.invoke(
        app, ["text", "-", "--format", "json"], input="The deploy failed at 14:05 UTC."
    )
    data = json.loads(result.stdout)
    assert data["engine"] == "offline"
    assert "14:05 UTC" in data["tldr"]


def test_text_for_a_persona_in_mrkdwn() -> None:
    result = RUNNER.invoke(app, ["text", INCIDENT, "-p", "oncall-engineer", "--format", "mrkdwn"])
    assert result.exit_code == 0
    assert result.stdout.startswith("*TL;DR:*")
    assert "*Asks:*\n• <@U" in result.stdout  # the on-call reader gets an owner-named ask


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["text", "-"], "   ", "the text is empty"),
        (["text", "/nonexistent/file.txt"], None, "cannot read /nonexistent/file.txt"),
        (["text", INCIDENT, "--persona", "ceo"], None, "valid personas: agent, engineer"),
        (["text", "-"], "x" * 250_000, "above the limit of 200,000"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(
    args: list[str], stdin: str | None, message: str
) -> None:
    result = RUNNER.invoke(app, args, input=stdin)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output + result.stderr


def test_batch_round_trip_reports_bad_lines_and_continues(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "text": (MESSAGES / "pr_review.txt").read_text()},
        "{not json",
        {
            "id": "c",
            "messages": [
                {"user": "ana", "text": "The backup failed twice."},
                {"user": "bo", "text": "<@U1> please rerun it by noon."},
            ],
        },
        {"id": "d", "text": "   "},
        {"id": "e", "text": "Short status: all 12 checks green.", "persona": "nope"},
        {"id": "f", "text": "The ETL job failed at 02:00.", "budget_tokens": 12, "focus": "ETL"},
        {"id": "g"},
    ]
    source.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = RUNNER.invoke(app, ["batch", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a", None, "c", "d", "e", "f", "g"]
    good = {r["id"]: r for r in records if "error" not in r}
    assert set(good) == {"a", "c", "f"}
    assert set(good["a"]) == {
        "id",
        "summary",
        "tldr",
        "bullets",
        "asks",
        "tokens_in",
        "tokens_out",
        "engine",
    }
    assert good["f"]["tokens_out"] <= 12
    errors = {r["line"]: r["error"] for r in records if "error" in r}
    assert "invalid JSON" in errors[2]
    assert "empty" in errors[4]
    assert "unknown persona 'nope'" in errors[5]
    assert "exactly one of 'text' or 'messages'" in errors[7]
    stderr = " ".join(result.stderr.split())
    assert "line 2:" in stderr and "3 done, 4 failed" in stderr


def test_batch_strict_exits_nonzero_and_budget_default_applies(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 1, "text": (MESSAGES / "status_update.txt").read_text()}) + "\n{}\n"
    )
    result = RUNNER.invoke(app, ["batch", "-i", str(source), "--budget", "20", "--strict"])
    assert result.exit_code == 1
    first = json.loads(result.stdout.splitlines()[0])
    assert first["tokens_out"] <= 20


def test_console_script_runs_in_a_fresh_process() -> None:
    exe = Path(sys.executable).with_name("distill")
    done = subprocess.run(
        [str(exe), "text", "-", "--budget", "20"],
        input="Hi team! I hope you are well. The deploy of v2.1 failed at 14:05 UTC. Let me know!",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The deploy of v2.1 failed at 14:05 UTC."


def test_keys_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTILLER_DATA_DIR", str(tmp_path))
    created = RUNNER.invoke(
        app, ["keys", "create", "--team", "infra", "--scopes", "distill,memory:read"]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("sd_")
    listed = RUNNER.invoke(app, ["keys", "list"])
    key_id = token.split("_")[1]
    assert key_id in listed.stdout and "infra" in listed.stdout and token not in listed.stdout
    assert RUNNER.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    assert RUNNER.invoke(app, ["keys", "revoke", "nope"]).exit_code == 2
    bad = RUNNER.invoke(app, ["keys", "create", "--team", "infra", "--scopes", "root"])
    assert bad.exit_code == 2 and "choose from: distill" in " ".join(bad.stderr.split())


def test_detect_command_explains() -> None:
    result = RUNNER.invoke(app, ["detect", str(MESSAGES / "support_answer.txt"), "--posted-by-app"])
    assert result.exit_code == 0
    assert result.stdout.startswith("verbose agent message")
    assert "- agent phrasing:" in result.stdout
    terse = RUNNER.invoke(app, ["detect", "-", "--json"], input="db-3 disk full, expanding")
    assert json.loads(terse.stdout)["verbose_agent"] is False


def test_batch_detect_task(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "agent", "text": (MESSAGES / "pr_review.txt").read_text()})
        + "\n"
        + json.dumps({"id": "human", "text": "merged, thanks"})
        + "\n"
    )
    result = RUNNER.invoke(app, ["batch", "-i", str(source), "--task", "detect"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(r) for r in rows] == [
        {"id", "agent_score", "verbosity_score", "verbose_agent", "reasons"}
    ] * 2
    assert rows[0]["verbose_agent"] is True and rows[1]["verbose_agent"] is False
