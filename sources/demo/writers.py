"""Landing-file and ground-truth writers of the demo generator.

A :class:`TableWriter` streams one table's rows for one brand into ``<landing>/<table>/<brand>-NNNNN.<ext>``
files, rotating every ``rows_per_file`` lines. When mess is on it also produces the defects of real
exports, and counts them exactly:

* a few lines are replaced by a version a strict loader must reject (truncated JSON, a required field
  missing, an unparseable date, a word in a numeric field, a value outside the field's list, a CSV row
  with a column too many or too few, no identifier at all) - counted in ``bad``;
* a few lines are written twice, sometimes the copy in a later file - exact duplicates;
* late lines are held back and written at the start of the next file (or into a file of their own at
  the end), after rows that happened later.

Output is byte-for-byte reproducible: JSON through ``orjson``, gzip streams with no timestamp or name in
their header, CSV through the standard library with ``\\n`` line ends.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from sources.catalog import TableSpec
from sources.normalize import (
    parse_boolean,
    parse_date,
    parse_integer,
    parse_number,
    parse_string,
    parse_timestamp,
    to_json_text,
)

# Landing format of every table this generator writes.
FORMATS: dict[str, str] = {
    "web_events": "jsonl.gz",
    "email_events": "jsonl",
    "sms_events": "jsonl",
    "campaigns": "jsonl",
    "form_submissions": "jsonl",
    "consent_events": "jsonl",
    "feedback_events": "jsonl",
    "orders": "jsonl",
    "crm_contacts": "csv",
    "crm_companies": "csv",
    "crm_deals": "csv",
    "crm_owners": "csv",
    "crm_activities": "csv",
    "calls": "csv",
    "offline_events": "csv",
    "campaign_costs": "parquet",
}
# With ``event_format="parquet"``: the event tables written as JSON lines (web, email, SMS, form, consent
# and feedback events) are written as Parquet instead, one flat typed column per catalog field.
EVENT_FORMATS = ("jsonl", "parquet")
PARQUET_ROW_GROUP = 65_536
UNKNOWN_KEYS = {"web_events": ("integrations",)}  # see Sim: keys a tracking library adds now and then
FLUSH_LINES = 1024  # lines buffered per writer before they go to disk
# Files this generator owns (and removes before writing again): <brand>-NNNNN.<ext>
EXTENSIONS = r"\.(jsonl|jsonl\.gz|csv|parquet)$"

BAD_TIMES = ("2024-02-30T10:00:00Z", "yesterday", "32/13/2024 25:61", "2024-13-01T08:00:00")
BAD_WORDS = {
    "integer": ("long", "three", "about ten"),
    "number": ("twelve hundred", "cheap", "a lot"),
    "boolean": ("maybe", "perhaps"),
}
BAD_VALUES = {
    "event_type": ("pageview", "webinar", "click"),
    "event": ("opened", "sent_out", "read"),
    "form_type": ("signup", "survey"),
    "direction": ("internal", "transfer"),
    "status": ("refunded", "unsubscribed", "pending"),
    "channel": ("whatsapp", "fax"),
    "feedback_type": ("survey", "question"),
}


@dataclass
class Stats:
    """What the writers produced, shared by all of them."""

    rows: Counter[str] = field(default_factory=Counter)
    bad: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    mess: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class MessRates:
    """Per-line probabilities of the defects a writer produces."""

    bad: float = 0.0
    duplicate: float = 0.0


class Corruptor:
    """Turns a good row of one table into a line that a strict loader following the catalog must reject."""

    def __init__(self, spec: TableSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.top_paths = {f.name: tuple(p for p in f.lookup_paths if "." not in p) for f in spec.fields}
        ids = spec.require_one_of
        self.can_strip_ids = bool(ids) and all(
            "." not in p for name in ids for p in spec.field(name).lookup_paths
        )

    def _targets(self, present: set[str]) -> list[tuple[str, str]]:
        """(kind, field) pairs applicable to a row whose top-level keys (JSON) or columns (CSV) are given."""
        targets: list[tuple[str, str]] = []
        for f in self.spec.fields:
            keys = [k for k in self.top_paths[f.name] if k in present]
            if not keys:
                continue
            if f.required:
                targets.append(("drop", f.name))
                if f.type == "email":
                    targets.append(("email", f.name))
            if f.type in ("timestamp", "date"):
                targets.append(("time", f.name))
            elif f.type in BAD_WORDS:
                targets.append(("type", f.name))
            if f.values:
                targets.append(("value", f.name))
        if self.can_strip_ids:
            targets.append(("no_id", ""))
        return targets

    def _bad_value(self, name: str) -> str:
        spec = self.spec.field(name)
        for candidate in BAD_VALUES.get(name, ()) + ("other",):
            if spec.values and candidate not in spec.values:
                return candidate
        return "other"

    def _value(self, kind: str, name: str, current: Any) -> Any:
        rng = self.rng
        if kind == "email":
            text = str(current).strip()
            return text.replace("@", "@@", 1) if "@" in text else text + "@"
        if kind == "time":
            return rng.choice(BAD_TIMES)
        if kind == "type":
            return rng.choice(BAD_WORDS[self.spec.field(name).type])
        return self._bad_value(name)

    def json(self, row: dict[str, Any], typed: bool = False) -> bytes:
        """A rejected JSON line made from ``row`` (the row itself is not modified). ``typed``: only the
        defects a typed (Parquet) column can hold: a required value missing, an invalid required email,
        a value outside the field's list, no identifier."""
        rng = self.rng
        present = {k for k, v in row.items() if v is not None}
        targets = self._targets(present)
        if typed:
            targets = [t for t in targets if t[0] in ("drop", "email", "value", "no_id")]
            if not targets:
                raise ValueError(f"{self.spec.name}: no defect a Parquet row can hold")
        elif not targets or rng.random() < 0.3:
            text = orjson.dumps(row).decode()
            return text[: rng.randint(max(1, len(text) // 4), len(text) - 2)].encode()
        kind, name = rng.choice(targets)
        bad = dict(row)
        if kind == "no_id":
            for f in self.spec.require_one_of:
                for k in self.top_paths[f]:
                    bad.pop(k, None)
        else:
            keys = [k for k in self.top_paths[name] if k in present]
            if kind == "drop":
                for k in keys:
                    del bad[k]
            else:
                bad[keys[0]] = self._value(kind, name, bad[keys[0]])
                for k in keys[1:]:
                    del bad[k]
        return orjson.dumps(bad)

    def csv(self, values: list[str], header: tuple[str, ...]) -> list[str]:
        """A rejected CSV record made from ``values`` (a column too many or too few, or a bad cell)."""
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return [*values, rng.choice(("oops", "", "N;A"))]
        if r < 0.4:
            return values[:-1]
        present = {h for h, v in zip(header, values, strict=True) if v != ""}
        targets = self._targets(present)
        if not targets:
            return values[:-1]
        kind, name = rng.choice(targets)
        bad = list(values)
        if kind == "no_id":
            for f in self.spec.require_one_of:
                if f in header:
                    bad[header.index(f)] = ""
        elif kind == "drop":
            bad[header.index(name)] = ""
        else:
            i = header.index(name)
            bad[i] = str(self._value(kind, name, bad[i]))
        return bad


def csv_cell(value: Any) -> str:
    """How a CSV export writes a Python value (booleans in lower case, nothing for None)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class TableWriter:
    """Streams the rows of one table for one brand into rotated landing files."""

    def __init__(
        self,
        root: Path,
        spec: TableSpec,
        brand: str,
        rows_per_file: int,
        stats: Stats,
        rates: MessRates,
        rng: random.Random | None,
        columns: tuple[str, ...] | None = None,
        tag: str = "",
        fmt: str | None = None,
    ) -> None:
        self.spec = spec
        self.tag = tag
        self.fmt = fmt or FORMATS[spec.name]
        self._parquet = ParquetSink(spec) if self.fmt == "parquet" else None
        self.folder = root / spec.name
        self.brand = brand
        self.rows_per_file = max(1, rows_per_file)
        self.stats = stats
        self.rates = rates if rng is not None else MessRates()
        self.rng = rng
        self.corruptor = Corruptor(spec, rng) if rng is not None else None
        self.columns = columns or spec.field_names
        self._known = frozenset(self.columns)
        self.n = 0  # lines written
        self._csv_fmt = self.fmt == "csv"
        self._bad = self.rates.bad
        self._dup = 1.0 - self.rates.duplicate
        self._seq = 0
        self._in_file = 0
        self._fh: BinaryIO | ParquetSink | None = None
        self._zip: Any = None
        self._buf: list[bytes] = []  # encoded lines not yet written (at most FLUSH_LINES)
        self._deferred: list[bytes] = []
        self._sio = io.StringIO()
        self._csv = csv.writer(self._sio, lineterminator="\n")

    # -- encoding ------------------------------------------------------------------------------------

    def _csv_line(self, values: list[str]) -> bytes:
        """One CSV record, newline included."""
        self._sio.seek(0)
        self._sio.truncate()
        self._csv.writerow(values)
        return self._sio.getvalue().encode()

    def _values(self, row: dict[str, Any]) -> list[str]:
        if not self._known.issuperset(row):
            raise ValueError(
                f"{self.spec.name}: columns {sorted(set(row) - self._known)} are not in the header"
            )
        return [csv_cell(row.get(c)) for c in self.columns]

    # -- files ---------------------------------------------------------------------------------------

    def _open(self) -> None:
        self._seq += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.brand}-{self.tag}{self._seq:05d}.{self.fmt}"
        self._fh = self._parquet.open(path) if self._parquet is not None else path.open("wb")
        self._zip = zlib.compressobj(1, zlib.DEFLATED, 31) if self.fmt.endswith(".gz") else None
        self._in_file = 0
        self.stats.files.append(path)
        if self.fmt == "csv":
            self._write(self._csv_line(list(self.columns)))

    def _write(self, data: bytes) -> None:
        assert self._fh is not None
        self._fh.write(self._zip.compress(data) if self._zip is not None else data)

    def _flush(self) -> None:
        if self._buf:
            self._write(b"".join(self._buf))
            self._buf = []

    def _close_file(self) -> None:
        if self._fh is None:
            return
        self._flush()
        if self._zip is not None:
            self._fh.write(self._zip.flush())
        self._fh.close()
        self._fh = None

    def _emit(self, line: bytes) -> None:
        """Buffer one encoded line (newline included), rotating files as they fill."""
        if self._fh is None:
            self._open()
        buf = self._buf
        buf.append(line)
        self._in_file += 1
        self.n += 1
        if len(buf) >= FLUSH_LINES:
            self._flush()
        if self._in_file >= self.rows_per_file:
            self._rotate()

    def _rotate(self) -> None:
        """Start the next file; lines held back so far open it."""
        self._close_file()
        self._open()
        deferred, self._deferred = self._deferred, []
        for held in deferred:
            self._emit(held)

    # -- rows ----------------------------------------------------------------------------------------

    def add(self, row: dict[str, Any], warn: int = 0, late: bool = False) -> None:
        """Write one row. ``warn`` is the number of optional emails/phones in it that do not validate (the
        loader keeps the row and nulls them); ``late`` holds the row back until the next file."""
        rng = self.rng
        if rng is not None:
            r = rng.random()
            if r < self._bad:
                self._emit_bad(row)
                return
            # ``+ b"\n"`` also copies the line out of orjson's oversized buffer, which is costly to keep
            line = self._values_line(row) if self._csv_fmt else orjson.dumps(row) + b"\n"
            if warn or late or r > self._dup:
                self._add_special(line, warn, late, duplicate=r > self._dup and not late)
                return
        else:
            line = self._values_line(row) if self._csv_fmt else orjson.dumps(row) + b"\n"
            if warn:
                self.stats.warnings[self.spec.name] += warn
        self._emit(line)

    def add_line(self, line: bytes, warn: int = 0, late: bool = False) -> None:
        """Write one JSON row that is already encoded (newline included); see ``add``."""
        rng = self.rng
        if rng is not None:
            r = rng.random()
            if r < self._bad:
                self._emit_bad(orjson.loads(line))
                return
            if warn or late or r > self._dup:
                self._add_special(line, warn, late, duplicate=r > self._dup and not late)
                return
        elif warn:
            self.stats.warnings[self.spec.name] += warn
        self._emit(line)

    def _add_special(self, line: bytes, warn: int, late: bool, *, duplicate: bool) -> None:
        """A line with warnings, held back (late) or sent twice."""
        rng = self.rng
        assert rng is not None
        if warn:
            self.stats.warnings[self.spec.name] += warn * (2 if duplicate else 1)
        if late:
            self._deferred.append(line)
            self.stats.mess["late_events"] += 1
            return
        self._emit(line)
        if duplicate:
            self.stats.mess["exact_duplicates"] += 1
            if rng.random() < 0.5:
                self._emit(line)
            else:
                self._deferred.append(line)
                self.stats.mess["duplicates_in_later_file"] += 1

    def _emit_bad(self, row: dict[str, Any]) -> None:
        assert self.corruptor is not None
        if self._csv_fmt:
            self._emit(self._csv_line(self.corruptor.csv(self._values(row), self.columns)))
        else:
            self._emit(self.corruptor.json(row, typed=self._parquet is not None) + b"\n")
        self.stats.bad[self.spec.name] += 1

    def _values_line(self, row: dict[str, Any]) -> bytes:
        return self._csv_line(self._values(row))

    def close(self) -> None:
        """Flush everything; held-back lines go to a new file of their own."""
        if self._deferred:
            if self._fh is not None and self._in_file:
                self._close_file()
                self._open()
            deferred, self._deferred = self._deferred, []
            for held in deferred:
                self._emit(held)
        self._close_file()
        self.stats.rows[self.spec.name] += self.n
        self.n = 0


class ParquetSink:
    """Writes JSON-line rows of an event table as a flat Parquet file: one column per catalog field,
    typed as the raw table (timestamps as UTC timestamps, JSON fields as JSON text), each value read
    from the record by the field's paths as the loader reads it. Identifier variants (case, spaces) are
    kept as written; only the defects a typed column can hold are produced (``Corruptor.json``)."""

    def __init__(self, spec: TableSpec) -> None:
        from sources.rows import arrow_schema, compile_extractor

        self.spec = spec
        # the keys the catalog does not know that the generator writes now and then (the loader keeps
        # them in _extra, with a warning): a JSON text column each
        extra = UNKNOWN_KEYS.get(spec.name, ())
        fields = list(arrow_schema(spec))[: len(spec.fields)] + [pa.field(k, pa.string()) for k in extra]
        self.schema = pa.schema(fields)
        self._extract = compile_extractor(spec)
        self._extra = extra
        self._known = frozenset(p.split(".")[0] for f in spec.fields for p in f.lookup_paths) | set(extra)
        self._convert = [_CONVERTERS[f.type] for f in spec.fields]
        self._columns: list[list] = [[] for _ in fields]
        self._writer: pq.ParquetWriter | None = None

    def open(self, path: Path) -> ParquetSink:
        """Start a file; the sink is then written and closed as the writer's open file."""
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        return self

    def write(self, data: bytes) -> None:
        n = len(self.spec.fields)
        for line in data.splitlines():
            record = orjson.loads(line)
            if not self._known.issuperset(record):
                raise ValueError(f"{self.spec.name}: keys {sorted(set(record) - self._known)} have no column")
            for column, convert, raw in zip(
                self._columns, self._convert, self._extract(record), strict=False
            ):
                column.append(None if raw is None else convert(raw))
            for column, key in zip(self._columns[n:], self._extra, strict=True):
                value = record.get(key)
                column.append(None if value is None else to_json_text(value))
        if len(self._columns[0]) >= PARQUET_ROW_GROUP:
            self._row_group()

    def _row_group(self) -> None:
        assert self._writer is not None
        if self._columns[0]:
            self._writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(c, f.type) for c, f in zip(self._columns, self.schema, strict=True)],
                    schema=self.schema,
                )
            )
            self._columns = [[] for _ in self.schema]

    def close(self) -> None:
        self._row_group()
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _as_text(raw: Any) -> str:
    return raw if isinstance(raw, str) else parse_string(raw)


_CONVERTERS = {
    "string": _as_text,
    "email": str,
    "phone": str,
    "timestamp": parse_timestamp,
    "date": parse_date,
    "integer": parse_integer,
    "number": parse_number,
    "boolean": parse_boolean,
    "json": to_json_text,
}


class Landing:
    """All table writers of one generation run, created on first use."""

    def __init__(
        self,
        root: Path,
        rows_per_file: int,
        mess: bool,
        seed: int,
        tag: str = "",
        event_format: str = "jsonl",
    ) -> None:
        if event_format not in EVENT_FORMATS:
            raise ValueError(f"event_format must be one of {EVENT_FORMATS}, got {event_format!r}")
        self.event_format = event_format
        self.root = root
        # after the brand in every file name (``b2b-inc1-00001``): an increment's files sit beside
        # the first run's and still match the brand's file patterns
        self.tag = tag
        self.rows_per_file = rows_per_file
        self.mess = mess
        self.seed = seed
        self.stats = Stats()
        self._writers: dict[tuple[str, str], TableWriter] = {}

    def clean(self, tables: list[str]) -> None:
        """Remove files a previous run of this generator wrote in the given table folders."""
        for name in tables:
            folder = self.root / name
            if folder.is_dir():
                # a first run also replaces the increments written on top of it
                tag = re.escape(self.tag) if self.tag else r"(inc\d+-)?"
                owned = re.compile(r"^[a-z0-9]+-" + tag + r"\d{5}" + EXTENSIONS)
                for path in sorted(folder.iterdir()):
                    if owned.match(path.name):
                        path.unlink()

    def writer(
        self, spec: TableSpec, brand: str, rates: MessRates, columns: tuple[str, ...] | None = None
    ) -> TableWriter:
        key = (spec.name, brand)
        w = self._writers.get(key)
        if w is None:
            rng = random.Random(f"{self.tag}{self.seed}/{spec.name}/{brand}") if self.mess else None
            w = self._writers[key] = TableWriter(
                self.root,
                spec,
                brand,
                self.rows_per_file,
                self.stats,
                rates,
                rng,
                columns,
                self.tag,
                fmt=self.format_of(spec),
            )
        return w

    def format_of(self, spec: TableSpec) -> str:
        """The landing format of a table in this run."""
        fmt = FORMATS[spec.name]
        if (
            self.event_format == "parquet"
            and fmt.startswith("jsonl")
            and spec.kind == "event"
            and not spec.children
        ):
            return "parquet"
        return fmt

    def count(self, tables: tuple[str, ...]) -> int:
        """Lines written so far to the given tables (all brands)."""
        return sum(w.n for (name, _), w in self._writers.items() if name in tables)

    def close(self) -> None:
        """Flush and close every file."""
        for key in sorted(self._writers):
            self._writers[key].close()


class TruthWriter:
    """Streams the ground truth: ``identities.csv`` and ``people.csv``."""

    IDENTITY_COLUMNS = ("person_id", "brand", "identifier_type", "identifier_value", "shared")
    PEOPLE_COLUMNS = (
        "person_id",
        "brand",
        "first_name",
        "last_name",
        "persona",
        "job_title",
        "segment",
        "crm_company_id",
        "is_customer",
        "churned",
        "churn_reason",
        "expected_temperature",
        "do_not_contact",
        "identified",
    )

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.identities_path = root / "identities.csv"
        self.people_path = root / "people.csv"
        self._ids = self.identities_path.open("w", newline="", encoding="utf-8")
        self._people = self.people_path.open("w", newline="", encoding="utf-8")
        self._ids_csv = csv.writer(self._ids, lineterminator="\n")
        self._people_csv = csv.writer(self._people, lineterminator="\n")
        self._ids_csv.writerow(self.IDENTITY_COLUMNS)
        self._people_csv.writerow(self.PEOPLE_COLUMNS)
        self._users: Counter[tuple[str, str]] = Counter()  # people per identifier of a shared kind

    def identity(self, person_id: str, brand: str, kind: str, value: str, shared: bool) -> None:
        if shared:
            self._users[(kind, value)] += 1
        self._ids_csv.writerow((person_id, brand, kind, value, "true" if shared else "false"))

    def person(self, row: dict[str, Any]) -> None:
        self._people_csv.writerow([csv_cell(row.get(c)) for c in self.PEOPLE_COLUMNS])

    def close(self) -> None:
        """Close the files; an identifier of a shared kind that only one person ended up using is not
        shared after all, and is rewritten as such."""
        self._ids.close()
        self._people.close()
        alone = {key for key, n in self._users.items() if n < 2}
        if not alone:
            return
        tmp = self.identities_path.with_suffix(".tmp")
        with (
            self.identities_path.open(newline="", encoding="utf-8") as src,
            tmp.open("w", newline="", encoding="utf-8") as dst,
        ):
            out = csv.writer(dst, lineterminator="\n")
            for row in csv.reader(src):
                if row[4] == "true" and (row[2], row[3]) in alone:
                    row[4] = "false"
                out.writerow(row)
        tmp.replace(self.identities_path)
