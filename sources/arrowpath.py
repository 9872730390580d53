"""The vectorised path for Parquet landing files: typed Arrow columns checked and cast with pyarrow
compute and numpy, a batch at a time, instead of a Python dict per row.

Parquet already carries types, so most checks are a property of the column: a ``timestamp`` column is a
valid timestamp field, an ``int64`` column a valid integer, a ``bool`` column a valid boolean. What still
needs a look at every value is done without a Python object per row:

* strings: the row path strips them (``str.strip``), lower-cases some and checks allowed values. The
  first and last byte of every value are read from the Arrow buffers with numpy; a value that starts or
  ends with whitespace or a non-ASCII byte (rare) is compared with its ``strip()`` in Python, and a
  value to lower-case must be ASCII (then Arrow's lower case is Python's);
* values that need the row path's own parser (emails, phones, JSON held in strings, a timestamp,
  number or date written as a string) go through that very parser once per DISTINCT value of the batch,
  so they are right by construction;
* integers given for a timestamp are epoch seconds or milliseconds, as in the row path.

The rule is the columnar path's: a row takes the fast path only when every check proves that the row
path would load it unchanged and without a word. Any other row (a value that does not parse, a missing
required field, an invalid optional email, a value in an unknown column, a column type this module does
not handle) goes with its row number to the row path (``rows.TableProcessor``), which writes the same
quarantine rows as always. A file with nested columns (structs, lists, maps), two columns of one name, or
two candidate columns of different types for one field is read by the row path whole.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sources.catalog import FieldSpec, TableSpec
from sources.normalize import (
    InvalidValue,
    normalize_email,
    normalize_phone,
    parse_date,
    parse_number,
    parse_timestamp,
    phone_region,
    to_json_text,
)
from sources.rows import TableProcessor, arrow_schema

BATCH_ROWS = 65_536  # as the row path's Parquet reader
EPOCH_MS_FROM = 100_000_000_000  # the row path's rule: above 1e11 it cannot be seconds
MAX_EPOCH_MS = 4_294_967_296_000  # below 2^32 seconds, as the columnar path

# Bytes that may not start or end a string the fast path takes as it is: Python's ASCII whitespace, and
# any byte of a non-ASCII character (that value is checked with ``str.strip`` itself).
_EDGE_DOUBT = np.zeros(256, dtype=bool)
_EDGE_DOUBT[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE_DOUBT[0x80:] = True

_INTS = {pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32()}
_FLOATS = {pa.float16(), pa.float32(), pa.float64()}


def _is_string(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_nested(t) or pa.types.is_map(t) or pa.types.is_dictionary(t)


def plan_reason(spec: TableSpec, schema: pa.Schema) -> str | None:
    """Why a Parquet file of this schema goes through the row path whole, or None."""
    names = schema.names
    if len(set(names)) != len(names):
        return "two columns of one name"
    for f in schema:
        if _nested(f.type):
            return f"nested column {f.name!r}"
    for f in spec.fields:
        cands = [p for p in f.lookup_paths if p in names]
        if len(cands) > 1 and not all(_is_string(schema.field(c).type) for c in cands):
            return f"several typed columns for {f.name}"
    return None


def _edges_ok(arr: pa.Array) -> np.ndarray:
    """True where a non-empty string value neither starts nor ends with what ``str.strip`` removes
    (False for nulls and empty strings)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    nonempty = ends > starts
    ok = nonempty.copy()
    idx = np.flatnonzero(nonempty)
    if len(idx):
        doubt = _EDGE_DOUBT[data[starts[idx]]] | _EDGE_DOUBT[data[ends[idx] - 1]]
        ok[idx[doubt]] = False
        check = idx[doubt]
        if len(check):  # non-ASCII at an edge (or whitespace): ask Python
            values = arr.take(pa.array(check)).to_pylist()
            ok[check] = [v == v.strip() for v in values]
    if arr.null_count:
        ok &= np.array(arr.is_valid())
    return ok


def _by_distinct(
    arr: pa.Array, fn: Callable[[object], object], out_type: pa.DataType
) -> tuple[pa.Array, np.ndarray]:
    """``fn`` (a row-path parser) once per distinct non-null value: (values, ok) where ok is False for a
    value the parser rejects (and for nulls)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr)
    parsed, good = [], []
    for v in enc.dictionary.to_pylist():
        try:
            parsed.append(fn(v))
            good.append(True)
        except InvalidValue:
            parsed.append(None)
            good.append(False)
    idx = enc.indices
    values = pa.array(parsed, out_type).take(idx)
    ok = np.array(pa.array(good, pa.bool_()).take(idx).fill_null(False))
    return values, ok


# ISO 8601 that ``datetime.fromisoformat`` (the row path) and Arrow's cast read alike: a date and a time
# with optional seconds and up to 6 fractional digits, then Z, a +hh:mm offset or nothing (UTC). The day
# of the month is checked apart (Arrow's cast fails a whole array on 30 February).
ISO_TIMESTAMP = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$"
)
_ZONE = r"(Z|[+-][0-9]{2}:[0-9]{2})$"
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _iso_timestamps(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(UTC timestamps, ok) for the values in the common ISO 8601 form; the others are not ok."""
    n = len(col)
    ok = np.array(pc.match_substring_regex(col, ISO_TIMESTAMP).fill_null(False))
    idx = np.flatnonzero(ok)
    if not len(idx):
        return pa.nulls(n, pa.timestamp("us", tz="UTC")), ok
    sub = col.take(pa.array(idx))
    year = np.array(pc.utf8_slice_codeunits(sub, 0, 4).cast(pa.int32()))
    month = np.array(pc.utf8_slice_codeunits(sub, 5, 7).cast(pa.int32()))
    day = np.array(pc.utf8_slice_codeunits(sub, 8, 10).cast(pa.int32()))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid = (year > 0) & (day <= _DAYS[month]) & ((month != 2) | (day <= 28) | leap)
    ok[idx[~valid]] = False
    idx = idx[valid]
    sub = col.take(pa.array(idx))
    zoned = pc.match_substring_regex(sub, _ZONE)
    text = pc.if_else(zoned, sub, pc.binary_join_element_wise(sub, pa.scalar("Z"), ""))
    ts = pc.cast(text, pa.timestamp("us", tz="UTC"))
    out = np.zeros(n, dtype=np.int64)
    out[idx] = np.array(ts.cast(pa.int64()))
    return pa.array(out, pa.int64()).cast(pa.timestamp("us", tz="UTC")), ok


def _null_or(ok: np.ndarray, present: np.ndarray) -> np.ndarray:
    return ~present | ok


class ArrowLoader:
    """Checks and casts Parquet batches of one table; rows in doubt are returned by index."""

    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.schema = arrow_schema(spec)
        self.region = phone_region()
        self.known_keys = {p.split(".")[0] for f in spec.fields for p in f.lookup_paths} | set(spec.children)
        self.stats = {"fast": 0, "row_path": 0}

    # -- one field ---------------------------------------------------------------------------------
    def _string_candidates(self, batch: pa.RecordBatch, cands: list[str]) -> pa.Array:
        """The first non-empty value of string columns (the row path: None and '' mean "next path")."""
        cols = []
        for c in cands:
            col = batch.column(c)
            cols.append(pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col))
        out = pc.coalesce(*cols) if len(cols) > 1 else cols[0]
        return out.cast(pa.string()) if pa.types.is_large_string(out.type) else out

    def field(self, f: FieldSpec, batch: pa.RecordBatch) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """(value, ok, present) of one field over a batch: ``value`` is what the row path would store
        where ``ok``; ``present`` is where the record has a value for it."""
        n = batch.num_rows
        target = self.schema.field(f.name).type
        names = batch.schema.names
        cands = [p for p in f.lookup_paths if p in names]
        if not cands:
            return pa.nulls(n, target), np.ones(n, bool), np.zeros(n, bool)
        typ = batch.schema.field(cands[0]).type
        col = self._string_candidates(batch, cands) if _is_string(typ) else batch.column(cands[0])
        return self.column(f, col)

    def column(self, f: FieldSpec, col: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """(value, ok, present) of one field from its column (nulls where the record has no value)."""
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        present = np.array(col.is_valid())
        if _is_string(col.type):
            value, ok = self._from_string(f, col)
        elif pa.types.is_null(col.type):
            return pa.nulls(len(col), ARROW[f.type]), np.ones(len(col), bool), present
        else:
            value, ok = self._from_typed(f, col, len(col))
        if not present.all():  # no value in the record: null, whatever the conversion left there
            value = pc.if_else(pa.array(present), value, pa.scalar(None, value.type))
        return value, _null_or(ok, present), present

    def _from_string(self, f: FieldSpec, col: pa.Array) -> tuple[pa.Array, np.ndarray]:
        t = f.type
        if t == "string":
            ok = _edges_ok(col)
            value = col
            if f.lower:
                ok &= np.array(pc.string_is_ascii(col).fill_null(False))
                value = pc.ascii_lower(col)
            if f.values is not None:
                ok &= np.array(pc.is_in(value, value_set=pa.array(sorted(f.values))).fill_null(False))
            return value, ok
        if t == "email":
            fn = normalize_email
        elif t == "phone":
            region = self.region

            def fn(v):
                return normalize_phone(v, region)
        elif t == "json":
            fn = to_json_text
        elif t == "timestamp":
            value, ok = _iso_timestamps(col)
            rest = np.flatnonzero(~ok & np.array(col.is_valid()))
            if len(rest):  # other forms: the row path's parser, once per distinct value
                other, other_ok = _by_distinct(col.take(pa.array(rest)), parse_timestamp, ARROW[t])
                merged = np.array(value.cast(pa.int64()).fill_null(0))
                merged[rest] = np.array(other.cast(pa.int64()).fill_null(0))
                ok[rest] = other_ok
                value = pa.array(merged, pa.int64()).cast(ARROW[t])
            return value, ok
        elif t == "date":
            fn = parse_date
        elif t == "number":
            fn = parse_number
        else:  # integer and boolean written as text: the row path reads them
            return pa.nulls(len(col), ARROW[t]), np.zeros(len(col), bool)
        value, ok = _by_distinct(col, fn, ARROW[t])
        if f.lower and t in ("email", "phone"):
            value = pc.utf8_lower(value)  # already lower case: normalize_email lowers
        if f.values is not None:  # allowed values on a non-string field: the row path decides
            ok &= False
        return value, ok

    def _from_typed(self, f: FieldSpec, col: pa.Array, n: int) -> tuple[pa.Array, np.ndarray]:
        t, typ = f.type, col.type
        none = (pa.nulls(n, ARROW[t]), np.zeros(n, bool))
        if f.values is not None:
            return none
        if t == "timestamp":
            if pa.types.is_timestamp(typ) and typ.unit in ("s", "ms", "us"):
                try:
                    return col.cast(pa.timestamp("us", tz="UTC")), np.ones(n, bool)
                except (pa.ArrowInvalid, OverflowError):
                    return none
            if typ in _INTS or typ == pa.uint64():
                v = col.cast(pa.int64(), safe=False)
                ok = np.array(pc.and_(pc.greater_equal(v, 0), pc.less(v, MAX_EPOCH_MS)).fill_null(False))
                if typ == pa.uint64():
                    ok &= np.array(pc.less_equal(col, pa.scalar(2**63 - 1, pa.uint64())).fill_null(False))
                safe = pc.if_else(pa.array(ok), v, 0)
                us = pc.if_else(
                    pc.less(safe, EPOCH_MS_FROM), pc.multiply(safe, 1_000_000), pc.multiply(safe, 1000)
                )
                return us.cast(pa.timestamp("us", tz="UTC")), ok
            return none
        if t == "date":
            if pa.types.is_date(typ):
                return col.cast(pa.date32()), np.ones(n, bool)
            return none
        if t == "integer":
            if typ in _INTS:
                return col.cast(pa.int64()), np.ones(n, bool)
            if typ == pa.uint64():
                ok = np.array(pc.less_equal(col, pa.scalar(2**63 - 1, pa.uint64())).fill_null(False))
                return pc.if_else(pa.array(ok), col, pa.scalar(0, pa.uint64())).cast(pa.int64()), ok
            return none
        if t == "number":
            if typ in _INTS or typ in _FLOATS or typ == pa.uint64():
                return col.cast(pa.float64(), safe=False), np.ones(n, bool)
            return none
        if t == "boolean":
            if pa.types.is_boolean(typ):
                return col, np.ones(n, bool)
            return none
        return none  # a string, email, phone or json field given a non-string column: the row path

    # -- one batch ---------------------------------------------------------------------------------
    def batch(self, batch: pa.RecordBatch) -> tuple[list[pa.Array], np.ndarray]:
        """(the typed field values of every row, True where the row takes the fast path)."""
        n = batch.num_rows
        doubt = np.zeros(n, bool)
        for name in batch.schema.names:
            if name not in self.known_keys:  # a value there: _extra and a warning, the row path's job
                col = batch.column(name)
                has = np.array(col.is_valid())
                if _is_string(col.type):
                    has &= np.array(pc.not_equal(col, "").fill_null(False))
                doubt |= has
        return self.check([self.field(f, batch) for f in self.spec.fields], doubt)

    def check(
        self, fields: list[tuple[pa.Array, np.ndarray, np.ndarray]], doubt: np.ndarray
    ) -> tuple[list[pa.Array], np.ndarray]:
        """Every field's (value, ok, present) -> (values, fast): a row is fast when every field is ok,
        the required ones present, and it is not in doubt for another reason."""
        n = len(doubt)
        fast = ~doubt
        values = []
        present: dict[str, np.ndarray] = {}
        for f, (value, ok, has) in zip(self.spec.fields, fields, strict=True):
            fast &= ok
            if f.required:
                fast &= has
            present[f.name] = has
            values.append(value)
        if self.spec.require_one_of:
            one = np.zeros(n, bool)
            for name in self.spec.require_one_of:
                one |= present[name]
            fast &= one
        return values, fast

    def typed(
        self, values: list[pa.Array], fast: np.ndarray, lines: np.ndarray, file: str, loaded_at: datetime
    ) -> pa.Table:
        """The fast rows in the raw table's Arrow schema (the row path's: fields, _file, _line, ...)."""
        mask = pa.array(fast)
        cols = [pc.filter(v, mask).cast(field.type) for v, field in zip(values, self.schema, strict=False)]
        m = int(fast.sum())
        cols += [
            pa.repeat(pa.scalar(file, pa.string()), m),
            pa.array(lines[fast], pa.int64()),
            pa.repeat(pa.scalar(loaded_at, pa.timestamp("us", tz="UTC")), m),
            pa.nulls(m, pa.string()),
        ]
        return pa.Table.from_arrays(cols, schema=self.schema)


ARROW = {
    "string": pa.string(),
    "email": pa.string(),
    "phone": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "json": pa.string(),
}


def process_parquet(
    loader: ArrowLoader, proc: TableProcessor, stream: IO[bytes], *, small: int = 0
) -> Iterator[tuple[str, pa.Table]]:
    """A Parquet file through the vectorised path, batch by batch; doubtful rows through ``proc`` with
    their row numbers (from 1, as the row path's reader)."""
    pf = pq.ParquetFile(stream)
    reason = plan_reason(loader.spec, pf.schema_arrow)
    number = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        first = number + 1
        number += batch.num_rows
        if reason is not None or batch.num_rows < small:
            for i, record in enumerate(batch.to_pylist(), first):
                proc.add(i, record)
            loader.stats["row_path"] += proc.pending
            yield from _out(loader, proc, None)
            continue
        values, fast = loader.batch(batch)
        slow = np.flatnonzero(~fast)
        if len(slow):
            for i, record in zip(slow.tolist(), batch.take(pa.array(slow)).to_pylist(), strict=True):
                proc.add(first + i, record)
        lines = np.arange(first, first + batch.num_rows, dtype=np.int64)
        typed = loader.typed(values, fast, lines, proc.file, proc.loaded_at) if fast.any() else None
        loader.stats["fast"] += typed.num_rows if typed is not None else 0
        loader.stats["row_path"] += proc.pending
        yield from _out(loader, proc, typed)


def _out(loader: ArrowLoader, proc: TableProcessor, typed: pa.Table | None) -> Iterator[tuple[str, pa.Table]]:
    """One batch of the fast rows and the row path's rows, then the quarantine. An entity's batch is put
    back in row order (two versions of one entity in a load: the order can decide)."""
    parts = [typed] if typed is not None and typed.num_rows else []
    if proc.pending:
        parts.append(proc._take())
    if parts:
        batch = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        if len(parts) > 1 and loader.spec.kind == "entity":
            batch = batch.sort_by("_line")
        yield loader.spec.name, batch
    yield from proc.flush(final=True)


# -- JSON lines ------------------------------------------------------------------------------------
JSON_BATCH_LINES = 32_768


def compile_known_extractor(spec: TableSpec) -> Callable[[dict], tuple]:
    """The row path's extractor (``rows.compile_extractor``) for records whose keys the catalog all knows:
    such a record has no flat key with a dot in it, so a dotted path only reaches into nested objects,
    and each nested object is looked up once for all the paths through it. Returns one tuple per
    record."""
    code = ["def extract(r):", "    get = r.get"]
    names: dict[tuple[str, ...], str] = {}

    def node(keys: tuple[str, ...]) -> str:
        """The variable holding the object at ``keys`` (None unless it is a dict)."""
        if keys in names:
            return names[keys]
        parent = "r" if len(keys) == 1 else node(keys[:-1])
        name = names[keys] = f"n{len(names)}"
        code.append(f"    {name} = {parent}.get({keys[-1]!r}) if {parent} is not None else None")
        code.append(f"    if {name}.__class__ is not dict: {name} = None")
        return name

    for i, f in enumerate(spec.fields):
        first = True
        for path in f.lookup_paths:
            keys = tuple(path.split("."))
            expr = f"get({keys[0]!r})"
            if len(keys) > 1:
                parent = node(keys[:-1])
                expr = f"({parent}.get({keys[-1]!r}) if {parent} is not None else None)"
            if first:
                code.append(f"    v{i} = {expr}")
                first = False
            else:
                code.append(f"    if v{i} is None or v{i} == '': v{i} = {expr}")
    values = ", ".join(f"None if v{i} == '' else v{i}" for i in range(len(spec.fields)))
    code.append(f"    return ({values},)")
    namespace: dict = {}
    exec("\n".join(code), namespace)  # noqa: S102 - the code is built from the catalog, not from data
    return namespace["extract"]


def _not_of(col: pa.Array, vals: list | tuple) -> np.ndarray:
    """True where Arrow's inferred column type changed a value's kind: a boolean among numbers, or a
    number among booleans (the row path treats them apart)."""
    if pa.types.is_boolean(col.type):
        return np.fromiter((v is not None and v.__class__ is not bool for v in vals), bool, len(vals))
    return np.fromiter((v.__class__ is bool for v in vals), bool, len(vals))


def _json_column(
    loader: ArrowLoader, f: FieldSpec, vals: tuple, doubt: np.ndarray
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(value, ok, present) of one field from its raw values (as the row path extracts them): a column
    of strings, or of one type Arrow infers (integers, numbers, booleans), or both (strings apart from
    the rest, e.g. epoch seconds and a few ISO strings). Values Arrow cannot type mark their rows as
    doubtful (the row path reads them)."""
    try:
        return loader.column(f, pa.array(vals, pa.string()))
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    try:
        col = pa.array(vals)
        if not (_is_string(col.type) or _nested(col.type)):
            doubt |= _not_of(col, vals)
            return loader.column(f, col)
    except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError):
        pass
    is_str = np.fromiter((v.__class__ is str for v in vals), bool, len(vals))
    text = loader.column(f, pa.array([v if v.__class__ is str else None for v in vals], pa.string()))
    rest = [None if v.__class__ is str else v for v in vals]
    try:
        col = pa.array(rest)
        if _is_string(col.type) or _nested(col.type):
            raise pa.ArrowInvalid("not a plain type")
        doubt |= _not_of(col, rest)
        other = loader.column(f, col)
    except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError):
        doubt |= np.fromiter((v is not None for v in rest), bool, len(rest))
        return text
    value = pc.if_else(pa.array(is_str), text[0], other[0].cast(text[0].type))
    return value, text[1] & other[1], text[2] | other[2]


def _json_text_column(vals: tuple, doubt: np.ndarray) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """A ``json`` field: the row path's own ``to_json_text`` on each value (right by construction)."""
    out = []
    for i, v in enumerate(vals):
        if v is None:
            out.append(None)
            continue
        try:
            out.append(to_json_text(v))
        except InvalidValue:
            out.append(None)
            doubt[i] = True
    col = pa.array(out, pa.string())
    return col, np.ones(len(vals), bool), np.array(col.is_valid())


def process_jsonl(
    loader: ArrowLoader, proc: TableProcessor, stream: IO[bytes], *, batch_lines: int = JSON_BATCH_LINES
) -> Iterator[tuple[str, pa.Table]]:
    """A JSON lines file through the vectorised path: each line parsed by the row path's parser
    (orjson), each field's value taken by the row path's extractor, then the checks of ``ArrowLoader``
    on whole columns. Lines that do not parse, that are not an object, that hold a key the catalog does
    not know, or that any check doubts go to ``proc`` with their line numbers, in line order."""
    from sources.readers import jsonl_records

    extract = compile_known_extractor(loader.spec)
    known = frozenset(loader.known_keys)
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    lines = iter(stream)
    number = 0
    while True:
        rows: list[list] = []
        raws: list[bytes] = []  # the lines of the rows, read again by the row path where in doubt
        numbers: list[int] = []
        rejected: list[tuple[int, bytes]] = []  # lines the row path reads from their bytes
        # The extracted values of a batch stay in memory: with the cyclic garbage collector on, each
        # new record would make it scan them all again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for raw in itertools.islice(lines, batch_lines):
                number += 1
                text = raw.strip()
                if not text:
                    continue
                try:
                    record = loads(text)
                except decode_error:
                    rejected.append((number, raw))
                    continue
                if record.__class__ is not dict or not record.keys() <= known:
                    rejected.append((number, raw))
                    continue
                rows.append(extract(record))
                raws.append(raw)
                numbers.append(number)
            columns = list(zip(*rows, strict=True))
        finally:
            if collecting:
                gc.enable()
        if not rows and not rejected:
            return
        n = len(rows)
        slow = rejected
        typed = None
        if n:
            doubt = np.zeros(n, bool)
            fields = []
            for f, vals in zip(loader.spec.fields, columns, strict=True):
                if f.type == "json":
                    fields.append(_json_text_column(vals, doubt))
                else:
                    fields.append(_json_column(loader, f, vals, doubt))
            values, fast = loader.check(fields, doubt)
            line_numbers = np.array(numbers, dtype=np.int64)
            slow += [(numbers[i], raws[i]) for i in np.flatnonzero(~fast).tolist()]
            if fast.any():
                typed = loader.typed(values, fast, line_numbers, proc.file, proc.loaded_at)
                loader.stats["fast"] += typed.num_rows
        slow.sort(key=lambda p: p[0])
        for num, raw in slow:
            for line, record in jsonl_records(num, raw):
                proc.add(line, record)
        loader.stats["row_path"] += proc.pending
        yield from _out(loader, proc, typed)
