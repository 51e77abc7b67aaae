"""Each package's public surface is pinned: a change to it is a deliberate change to this file."""

import importlib

import pytest

EXPECTED = {
    "audience": {
        "AudienceError",
        "BUILTIN_PERSONAS",
        "ChannelProfile",
        "DEFAULT_CONFIDENCE_THRESHOLD",
        "DEFAULT_PERSONA",
        "DEFAULT_STORE_FILENAME",
        "Inference",
        "Persona",
        "PersonaConfigError",
        "PersonaFile",
        "PersonaInferrer",
        "PersonaRegistry",
        "PersonaStore",
        "PersonaStoreError",
        "PostgresPersonaStore",
        "Resolution",
        "SqlitePersonaStore",
        "SyncReport",
        "UnknownPersonaError",
        "dumps_persona_file",
        "focus_terms",
        "get_persona",
        "parse_persona",
        "parse_persona_file",
        "read_persona_file",
        "resolve_persona",
    },
    "api": {"BatchLine", "DistillService", "LineOutcome", "Settings", "create_app", "run_batch"},
    # The slack-free part only: runner, collector and post import api.slack, which imports
    # api.state, which imports this package (see api/digests/__init__.py).
    "api.digests": {
        "CHANNEL_RECIPIENT",
        "ChannelUnreadable",
        "Claim",
        "CollectError",
        "DEFAULT_LEASE_SECONDS",
        "DigestError",
        "DigestStore",
        "DigestStoreError",
        "MAX_CATCH_UP",
        "RunRecord",
        "SqliteDigestStore",
        "Subscription",
        "SubscriptionError",
        "SubscriptionState",
        "WEEKDAYS",
        "Window",
        "due_window",
        "last_boundary",
        "next_boundary",
    },
    "distiller.digest": {
        "ActionItem",
        "Attention",
        "ClusterOptions",
        "Coverage",
        "DEFAULT_AGENT_BUDGET",
        "DEFAULT_DIGEST_BUDGET",
        "DEFAULT_MAX_TOPICS",
        "DEFAULT_TOPIC_BUDGET",
        "Decision",
        "Digest",
        "DigestEngine",
        "DigestMessage",
        "DigestRequest",
        "DigestTopic",
        "FoldedTopic",
        "RankWeights",
        "SECTION_CHARS",
        "Skipped",
    },
}


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_exported_members(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module.__all__) == EXPECTED[package]
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_distiller_exports_resolve_and_are_public() -> None:
    import distiller

    for name in distiller.__all__:
        assert not name.startswith("_")
        assert getattr(distiller, name) is not None
    assert {"OfflineEngine", "ReaderSpec", "Distillation", "redact_secrets", "count_tokens"} <= set(
        distiller.__all__
    )


def test_distiller_never_imports_upper_packages() -> None:
    import ast
    from pathlib import Path

    root = Path(importlib.import_module("distiller").__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                assert top not in {
                    "audience",
                    "memory",
                    "api",
                    "slack_sdk",
                    "slack_bolt",
                    "fastapi",
                }, path
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in {"audience", "memory", "api"}, path
