"""The package surface is pinned, and importing it loads and connects nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import memory

ROOT = Path(__file__).resolve().parents[2]


def test_exported_names_are_pinned() -> None:
    assert sorted(memory.__all__) == [
        "AccessDeniedError", "Citation", "ConsolidationPolicy", "ContextPack", "Draft",
        "FaissStore", "Hit", "InvalidRecordError", "Kind", "MemoryStore", "MemoryStoreError",
        "PgVectorStore", "Principal", "Readable", "Record", "RecordNotFoundError", "Source",
        "Stats", "StoreCorruptError", "StoreLockedError", "StoreUnavailableError", "Visibility",
        "WriteResult", "build_context",
    ]  # fmt: skip
    for name in memory.__all__:
        assert getattr(memory, name) is not None


def test_import_is_light_and_respects_package_direction() -> None:
    code = (
        "import sys, memory; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('audience', 'api', 'torch',"
        " 'sentence_transformers')]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.strip() == "[]"
    for path in (ROOT / "memory").glob("*.py"):
        text = path.read_text()
        assert "import audience" not in text and "from audience" not in text
        assert "from api" not in text and "import api" not in text
