"""Landing files validated in worker processes, several at a time, while dlt writes what is ready.

Validation (the row path's Python or the columnar path's DuckDB queries) is most of a load's time, and
one Python process uses one core. Here each new file of a table is read, validated and typed by
``sources.columnar.process_file`` - the very function the loader runs in-process - in a pool of worker
processes; a worker writes the file's batches as Arrow IPC files in a scratch folder, and the loader
yields them to dlt in file order, then deletes them. The rows, quarantine rows, line numbers and batch
order are those of the in-process run: only where the work happens changes.

It is used for a table when it has at least ``MIN_BYTES`` of new files and more than one worker is
allowed (``NURTURE_LOAD_WORKERS``, default: the number of cores); a small load stays in-process (a worker
takes a second or two of CPU to start). ``sources.load.load`` shares one pool between all the tables
it loads (``shared_pool``); a source run on its own (Dagster's dlt assets) starts one per big table.
At most ``workers + 1`` files are in flight, so memory and scratch space hold a few files' batches at a
time, whatever the size of the landing folder.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from sources import settings

MIN_BYTES = int(os.environ.get("NURTURE_LOAD_PARALLEL_MIN_BYTES", str(32 * 1024 * 1024)))


def workers() -> int:
    """Worker processes for validation: ``NURTURE_LOAD_WORKERS`` (0 or 1: none), default the cores."""
    return settings.env_count("NURTURE_LOAD_WORKERS", os.cpu_count() or 1, minimum=0, unit="processes")


def _init_worker() -> None:
    # Several workers share the cores: each DuckDB (columnar path) runs on one thread.
    os.environ.setdefault("NURTURE_LOAD_THREADS", "1")


def _validate_file(
    table_name: str,
    item: dict,
    protocol: str,
    fmt: str,
    loaded_at: datetime,
    batch_size: int,
    scratch: str,
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """In a worker: one landing file through ``process_file``; its batches as IPC files in ``scratch``.
    Returns [(table name, IPC file)] in the order they came, and the rows each path took."""
    from dlt.common.storages.fsspec_filesystem import FileItemDict, fsspec_filesystem

    from sources import columnar
    from sources.catalog import table

    spec = table(table_name)
    fs, _ = fsspec_filesystem(protocol)
    before = dict(columnar.PATH_ROWS)
    out: list[tuple[str, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="file-", dir=scratch))
    with FileItemDict(item, fs).open(mode="rb", compression="auto") as stream:
        for n, (name, batch) in enumerate(
            columnar.process_file(
                spec, stream, fmt, file=item["file_url"], loaded_at=loaded_at, batch_size=batch_size
            )
        ):
            path = folder / f"{n:06d}.arrow"
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as writer:
                writer.write_table(batch)
            out.append((name, str(path)))
    paths = {k: columnar.PATH_ROWS[k] - before.get(k, 0) for k in columnar.PATH_ROWS}
    return out, paths


class FilePool:
    """A pool of validation workers and a scratch folder, for the tables of one load."""

    def __init__(self, n: int, scratch_root: Path):
        scratch_root.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="load-", dir=scratch_root))
        self.n = n
        self._pool: ProcessPoolExecutor | None = None

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:  # started on first use: a load with nothing big to read starts none
            self._pool = ProcessPoolExecutor(
                self.n, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> FilePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def batches(
        self,
        table_name: str,
        files: list[tuple[dict, str, str]],
        protocol: str,
        loaded_at: datetime,
        batch_size: int,
    ) -> Iterator[tuple[int, str, pa.Table]]:
        """(index of the file in ``files``, table name, batch) for each (item, format, ...) of ``files``,
        validated in the workers, yielded in file order; a file's last batch is followed by the next
        file's. The caller learns a file is done when the index moves on (or the iterator ends)."""
        from sources import columnar

        pending: deque[tuple[int, Future]] = deque()
        todo = iter(enumerate(files))

        def submit() -> None:
            for i, (item, fmt, _) in todo:
                pending.append(
                    (
                        i,
                        self.pool.submit(
                            _validate_file,
                            table_name,
                            dict(item),
                            protocol,
                            fmt,
                            loaded_at,
                            batch_size,
                            str(self.scratch),
                        ),
                    )
                )
                if len(pending) > self.n:
                    return

        submit()
        try:
            while pending:
                i, future = pending.popleft()
                parts, paths = future.result()
                submit()
                for k, v in paths.items():
                    columnar.PATH_ROWS[k] = columnar.PATH_ROWS.get(k, 0) + v
                for name, path in parts:
                    # mapped, not copied; the file can go at once (the mapping stays until unused)
                    batch = pa.ipc.open_file(pa.memory_map(path)).read_all()
                    os.unlink(path)
                    yield i, name, batch
                if parts:
                    shutil.rmtree(Path(parts[0][1]).parent, ignore_errors=True)
        finally:
            for _, future in pending:
                future.cancel()


_SHARED: FilePool | None = None


@contextmanager
def shared_pool(scratch_root: Path) -> Iterator[None]:
    """Within this block, tables share one pool (started when a table first needs it)."""
    global _SHARED
    n = workers()
    if n <= 1 or _SHARED is not None:
        yield
        return
    _SHARED = FilePool(n, scratch_root)
    try:
        yield
    finally:
        pool, _SHARED = _SHARED, None
        pool.close()


@contextmanager
def file_pool(scratch_root: Path) -> Iterator[FilePool]:
    """The shared pool when there is one, else a pool of this table's own."""
    if _SHARED is not None:
        yield _SHARED
        return
    with FilePool(workers(), scratch_root) as pool:
        yield pool
