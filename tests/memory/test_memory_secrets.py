"""Secrets planted in any input field never reach a stored record, nor the database file."""

from __future__ import annotations

from pathlib import Path

from memory_helpers import member, source

from memory import FaissStore, MemoryStore, Visibility

SECRETS = [
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "AKIAIOSFODNN7EXAMPLE",
    "sk-proj-abc123def456ghi789jkl012mno345",
]


def test_planted_secrets_are_redacted_everywhere(store: MemoryStore, tmp_path: Path) -> None:
    reader = member("infra")
    for i, secret in enumerate(SECRETS):
        store.add(
            f"Rotated the deploy credential {secret} after the leak in run {i}",
            source=source(1_717_000_000 + i, name=f"ops {secret}").model_copy(
                update={"permalink": f"https://admin:{secret}@example.com/x{i}"}
            ),
            visibility=Visibility.team("infra"),
            tags=(f"key={secret}",),
        )
    records = list(store.export(reader))
    assert len(records) == len(SECRETS)
    dumped = "\n".join(r.model_dump_json() for r in records)
    for secret in SECRETS:
        assert secret not in dumped
    assert "[REDACTED:" in dumped
    hits = store.search("deploy credential leak", reader)
    assert hits and all(s not in h.record.text for h in hits for s in SECRETS)
    if isinstance(store, FaissStore):
        store.close()
        raw = b"".join(p.read_bytes() for p in store.data_dir.iterdir() if p.is_file())
        for secret in SECRETS:
            assert secret.encode() not in raw
