"""Reading the audit log fast, for `audit verify`: the entries in chunks of CHUNK (a power of two)
straight from the database driver (no ORM objects, no datetime), each leaf hashed over bytes that
one orjson call writes around the stored details, each chunk's tree built level by level; the
chunks read by several processes at once when there are cores to spare (AUDIT_VERIFY_WORKERS).

A scan never decides that an entry was altered. An entry whose leaf, built this way, differs from
its stored hash is handed back (`ChunkScan.recheck`) for verify.py to recompute the slow way,
through SQLAlchemy's types (stored_leaves.stored_leaf), before it calls it altered. A leaf that
matches proves the row holds what was hashed, column by column:
- orjson writes faithful JSON of the values the driver returns (a number stays a number, text is
  escaped), so equal bytes mean equal values; an unexpected type raises and goes to the slow way;
- the stored details are spliced verbatim: stored_leaves.py says why a splice cannot move text
  between fields;
- recorded_at is read as text and accepted only in the one spelling stored for an instant
  (SQLite: what SQLAlchemy writes, "YYYY-MM-DD HH:MM:SS.ffffff"; PostgreSQL: the same, rendered
  in UTC by to_char), so two texts read as different times cannot both match.
"""
from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import orjson

from . import merkle

CHUNK = 1 << 14  # entries per scan: a power of two, so that each chunk is a subtree of the log's

_RECORDED_AT = {  # the column as text in the one spelling a fast leaf accepts (see above)
    "sqlite": "recorded_at",
    "postgresql": "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
}


@dataclass
class ChunkScan:
    """What a scan of entries start+1 … start+chunk (the last chunk: start+1 on) found."""

    start: int  # entries before the chunk
    entries: int  # entries read in order, up to a gap if any
    gap: int | None  # the seq found where start + entries + 1 was expected
    recheck: list[int]  # seqs whose fast leaf differs from the stored hash: the slow way decides
    cuts: dict[int, list[tuple[int, bytes]]]  # tree size -> frontier of the chunk's leaves up to it
    frontier: list[tuple[int, bytes]]  # of every entry read, to merge into the log's


def chunk_query(dialect: str, index: int, chunk: int, last: bool) -> str:
    """The entries of chunk `index`; the first has no lower bound and the last no upper one, so
    that an entry out of place (seq 0, or far beyond the count) is read and found out of order."""
    bounds = ([f"seq > {int(index * chunk)}"] if index else []) + (
        [] if last else [f"seq <= {int((index + 1) * chunk)}"])
    where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    return (f"SELECT seq, {_RECORDED_AT[dialect]}, actor_id, actor_username, action, object_type, "
            f"object_id, client_address, details, entry_hash FROM audit_entries{where} ORDER BY seq")


def scan_chunk(connection, dialect: str, index: int, chunk: int, last: bool,
               cuts: list[int]) -> ChunkScan:
    """Scan one chunk over a DB-API `connection`; `cuts` are the checkpoints' tree sizes in it."""
    start = index * chunk
    cursor = connection.cursor()
    try:
        cursor.execute(chunk_query(dialect, index, chunk, last))
        leaves, recheck, gap = _leaves(cursor, start + 1)
    finally:
        cursor.close()
    levels = merkle.tree_levels(leaves)
    count = len(leaves)
    return ChunkScan(start, count, gap, recheck,
                     {size: merkle.frontier_from_levels(levels, size - start)
                      for size in cuts if size - start <= count},
                     merkle.frontier_from_levels(levels, count))


def _leaves(rows, expected: int) -> tuple[list[bytes], list[int], int | None]:
    """The leaves of `rows` in order from seq `expected` until a gap; the seqs to recheck; the
    seq found at the gap. A leaf to recheck is its stored hash for now: the recheck stops the
    verify unless it computes that same hash the slow way."""
    leaves, recheck = [], []
    append, copy, dumps, fragment = leaves.append, merkle._LEAF.copy, orjson.dumps, orjson.Fragment
    for seq, recorded, actor_id, actor_username, action, object_type, object_id, address, details, \
            stored in rows:
        if seq != expected:
            return leaves, recheck, seq
        expected += 1
        try:
            if recorded[10] != " " or details.__class__ is not str:
                raise ValueError("not in the spelling a fast leaf accepts")
            content = dumps({"action": action, "actor_id": actor_id, "actor_username": actor_username,
                             "client_address": address, "details": fragment(details),
                             "object_id": object_id, "object_type": object_type,
                             "recorded_at": recorded.replace(" ", "T") + "+00:00", "seq": seq})
        except (TypeError, ValueError, IndexError):  # orjson.JSONEncodeError is a TypeError
            content = None
        if content is not None:
            hasher = copy()
            hasher.update(content)
            leaf = hasher.digest()
            if leaf.hex() == stored:
                append(leaf)
                continue
        recheck.append(seq)
        append(_stored_hash(stored))
    return leaves, recheck, None


def _stored_hash(stored) -> bytes:
    try:
        value = bytes.fromhex(stored)
    except (TypeError, ValueError):
        return bytes(32)
    return value if len(value) == 32 else bytes(32)


def chunk_jobs(total: int, sizes: list[int], chunk: int | None = None) -> list[tuple]:
    """(index, chunk, last, cuts) of each chunk of a log of `total` entries (at least one chunk),
    with the checkpoints' tree `sizes` that end inside it (0 in the first)."""
    chunk = chunk or CHUNK
    count = max(1, -(-total // chunk))
    return [(index, chunk, index == count - 1,
             [size for size in sizes if (index * chunk < size or index == 0)
              and (index == count - 1 or size <= (index + 1) * chunk)])
            for index in range(count)]


def scan_log(connection, dialect: str, jobs: list[tuple], workers: int = 1,
             connect_args: tuple | None = None) -> Iterator[ChunkScan]:
    """Each chunk's scan, in order. With more than one worker (and `connect_args`, what
    `_open_worker_connection` needs to open its own connection), chunks are scanned by a pool of
    processes, the next ones while the first are being used; else over `connection`."""
    if workers <= 1 or len(jobs) < 2 or connect_args is None or not can_fork():
        for job in jobs:
            yield scan_chunk(connection, dialect, *job)
        return
    # fork: a worker starts in a millisecond with this process's modules already imported (spawn
    # would import the app again). It never touches the connections it inherits: it opens its own.
    pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=multiprocessing.get_context("fork"),
                               initializer=_open_worker_connection, initargs=(dialect, *connect_args))
    try:
        yield from pool.map(_scan_in_worker, jobs)
    finally:  # a problem found early: the chunks not yet begun are not scanned
        pool.shutdown(wait=True, cancel_futures=True)


def can_fork() -> bool:
    """Whether workers may be forked: only from a process running no other thread (the CLI's),
    since a thread holding a lock inside SQLite or libpq at the fork would leave it held in the
    worker. A server process with background threads verifies in its own process instead."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


_worker: dict = {}


def _open_worker_connection(dialect: str, target: str) -> None:
    """In a worker: its own read connection, to the SQLite file or PostgreSQL conninfo `target`."""
    if dialect == "sqlite":
        import sqlite3

        connection = sqlite3.connect(target)
    else:
        import psycopg

        connection = psycopg.connect(target, autocommit=True)
    _worker.update(connection=connection, dialect=dialect)


def _scan_in_worker(job: tuple) -> ChunkScan:
    return scan_chunk(_worker["connection"], _worker["dialect"], *job)
