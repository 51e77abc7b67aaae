"""FaissStore reliability: kill -9 during adds, corrupt or missing index, a second process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from memory_helpers import member, source

from memory import FaissStore, StoreLockedError, Visibility
from memory.consolidate import ConsolidationPolicy
from memory.faiss_store import DB_NAME, INDEX_NAME

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys
    from distiller.embed import HashingEmbedder
    from memory import FaissStore, Source, Visibility
    from memory.consolidate import ConsolidationPolicy

    store = FaissStore(sys.argv[1], HashingEmbedder(), policy=ConsolidationPolicy(enabled=False))
    print("ready", flush=True)
    i = 0
    while True:
        src = Source(workspace="W", channel_id="C1", ts=f"{1717000000 + i}.000000")
        result = store.add(f"statement {i} of the stream", source=src,
                           visibility=Visibility.team("infra"))
        print(result.record.id, flush=True)  # only after add() returned: it is durable
        i += 1
    """
)

OPENER = textwrap.dedent(
    """
    import sys
    from distiller.embed import HashingEmbedder
    from memory import FaissStore, StoreLockedError
    try:
        FaissStore(sys.argv[1], HashingEmbedder()).close()
    except StoreLockedError as exc:
        print(exc)
        sys.exit(3)
    print("opened")
    """
)


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, text=True, stdout=subprocess.PIPE, **kwargs
    )


def test_kill_9_during_adds_loses_nothing_that_returned(tmp_path: Path, embedder) -> None:
    data = tmp_path / "mem"
    child = _python(WRITER, str(data))
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = child.stdout.readline()
        assert line, "the writer died on its own"
        acknowledged.append(line.strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with FaissStore(data, embedder) as store:
        reader = member("infra")
        for record_id in acknowledged:
            assert store.get(record_id, reader).id == record_id
        stats = store.stats()
        assert stats.total >= len(acknowledged)
        assert store.index_count() == stats.total
        assert store.search("statement 7 of the stream", reader, k=3)


@pytest.mark.parametrize("damage", ["missing", "corrupt", "stale"])
def test_damaged_index_file_is_rebuilt_from_sqlite(tmp_path: Path, embedder, damage: str) -> None:
    data = tmp_path / "mem"
    reader = member("infra")
    # No consolidation: "fact 3 about shard-3" would otherwise supersede "fact 2 about shard-2".
    with FaissStore(data, embedder, policy=ConsolidationPolicy(enabled=False)) as store:
        for i in range(20):
            store.add(
                f"Fact number {i} about shard-{i}",
                source=source(1_717_000_000 + i),
                visibility=Visibility.team("infra"),
            )
        expected = store.stats().total
        assert store.index_count() == expected
    index_file = data / INDEX_NAME
    assert index_file.exists()  # saved on clean close
    if damage == "missing":
        index_file.unlink()
    elif damage == "corrupt":
        index_file.write_bytes(b"\x00garbage" * 100)
    else:  # a snapshot from before the last writes, as after a crash
        old = index_file.read_bytes()
        with FaissStore(data, embedder) as store:
            store.add(
                "One more fact after the snapshot",
                source=source(1_717_100_000),
                visibility=Visibility.team("infra"),
            )
            expected += 1
        index_file.write_bytes(old)
    with FaissStore(data, embedder) as store:
        assert store.index_count() == store.stats().total == expected
        hits = store.search("fact number 3 about shard-3", reader, k=1)
        assert hits[0].record.text == "Fact number 3 about shard-3"


def test_second_process_is_refused_with_a_clear_message(tmp_path: Path, embedder) -> None:
    data = tmp_path / "mem"
    with FaissStore(data, embedder):
        child = _python(OPENER, str(data))
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 3
        assert f"pid {os.getpid()}" in out and "DISTILLER_DATA_DIR" in out
        with pytest.raises(StoreLockedError):
            FaissStore(data, embedder)
    child = _python(OPENER, str(data))
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0 and "opened" in out
    assert (data / DB_NAME).exists()
