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

from memory import FaissStore, InvalidRecordError, StoreLockedError, Visibility
from memory.consolidate import ConsolidationPolicy
from memory.faiss_store import DB_NAME, INDEX_NAME

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys
    from distiller.embed import HashingEmbedder
    from memory import FaissStore, Source, Visibility
    from memory.consolidate import ConsolidationPolicy

    from memory import Draft

    store = FaissStore(sys.argv[1], HashingEmbedder(), policy=ConsolidationPolicy(enabled=False),
                       synchronous=sys.argv[3])
    batch = int(sys.argv[2])
    print("ready", flush=True)
    i = 0
    while True:
        drafts = [
            Draft(text=f"statement {j} of the stream", visibility=Visibility.team("infra"),
                  source=Source(workspace="W", channel_id="C1", ts=f"{1717000000 + j}.000000"))
            for j in range(i, i + batch)
        ]
        results = store.add_many(drafts)
        for result in results:  # only after add_many() returned: they are durable
            print(result.record.id, flush=True)
        i += batch
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


@pytest.mark.parametrize(("batch", "synchronous"), [(1, "FULL"), (16, "FULL"), (1, "NORMAL")])
def test_kill_9_during_adds_loses_nothing_that_returned(
    tmp_path: Path, embedder, batch: int, synchronous: str
) -> None:
    """NORMAL too: a WAL commit is in the OS page cache when it returns, which outlives the
    process (only a power loss or kernel crash could take the last commits back)."""
    data = tmp_path / "mem"
    child = _python(WRITER, str(data), str(batch), synchronous)
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


def test_a_clean_close_leaves_a_snapshot_the_next_open_uses(
    tmp_path: Path, embedder, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "mem"
    reader = member("infra", channels=("C0GENERAL",))
    with FaissStore(data, embedder) as store:
        for i, visibility in enumerate(
            [Visibility.team("infra"), Visibility.public("C0GENERAL"), Visibility.team("hr")] * 5
        ):
            store.add(f"Fact {i} about shard-{i}", source=source(1_717_000_000 + i),
                      visibility=visibility)  # fmt: skip
        before = [(h.record.id, h.score) for h in store.search("fact about shard", reader, k=20)]
    caplog.clear()
    with FaissStore(data, embedder) as store:
        assert not [r for r in caplog.records if "rebuilt" in r.getMessage()]
        after = [(h.record.id, h.score) for h in store.search("fact about shard", reader, k=20)]
        assert after == before and len(after) == 10
        assert store.index_count() == store.stats().total == 15


def test_synchronous_setting_is_checked(tmp_path: Path, embedder) -> None:
    with pytest.raises(InvalidRecordError, match="synchronous must be one of FULL, NORMAL"):
        FaissStore(tmp_path / "mem", embedder, synchronous="OFF")
    with FaissStore(tmp_path / "mem", embedder, synchronous="normal") as store:
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with FaissStore(tmp_path / "mem", embedder) as store:
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL, the default
