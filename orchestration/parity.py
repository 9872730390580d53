"""Spark parity: the same landing files, loaded and built on DuckDB and on Spark, give the same outputs.

Steps (``nurture parity``; ``tests/parity/test_spark_parity.py`` runs it in ``make test``):

1. generate small seeded demo data into ``<workdir>/landing``;
2. load it twice with the same loader: into a DuckDB warehouse, and as Parquet files into a lake
   folder (the filesystem destination, which Spark reads as external tables);
3. ``dbt build`` the whole project on each engine (one invocation each, the same ``as_of`` date);
4. add one record that bridges two existing contacts, load and build again: the incremental
   identity state and the merge log go through their second-run path on both engines;
5. compare the outputs listed in ``tests/parity/parity.yml`` row by row and print the figures.

Spark runs as a local session in this process (``spark`` target of ``dbt_project/profiles.yml``);
its warehouse, metastore and scratch space are under ``<workdir>/spark``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sources import settings

ENGINES = ("duckdb", "spark")
DEFAULT_SPEC = settings.PROJECT_ROOT / "tests" / "parity" / "parity.yml"
DEFAULT_AS_OF = dt.date(2026, 11, 1)
SAMPLE_SIZE = 5


class ParitySpecError(ValueError):
    """The parity file is malformed (names the file, the check and the field)."""


@dataclass(frozen=True)
class Check:
    name: str
    model: str
    key: tuple[str, ...]
    columns: tuple[str, ...] | None  # None: all columns but the key and `exclude`
    exclude: tuple[str, ...] = ()
    query: str | None = None
    required: bool = True
    # a mismatch that is known and being worked on: reported with its figures, not failing the check
    known_difference: str = ""


@dataclass(frozen=True)
class Tolerance:
    absolute: float = 1e-9
    relative: float = 1e-9

    def close(self, a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= self.absolute + self.relative * max(abs(a), abs(b))


@dataclass
class CheckResult:
    check: Check
    status: str  # ok, mismatch, missing, error
    rows: dict[str, int] = field(default_factory=dict)
    matching: int = 0
    only_in: dict[str, int] = field(default_factory=dict)
    differing: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def failed(self) -> bool:
        if self.status == "mismatch" and self.check.known_difference:
            return False
        return self.status in ("mismatch", "error") or (self.status == "missing" and self.check.required)


@dataclass
class ParityReport:
    results: list[CheckResult]
    seconds: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results)

    def render(self) -> str:
        lines = [
            f"{'check':<28}{'duckdb rows':>12}{'spark rows':>12}{'matching':>10}"
            f"{'only duckdb':>13}{'only spark':>12}{'differing':>11}  status"
        ]
        for r in self.results:
            if r.status in ("missing", "error"):
                lines.append(f"{r.check.name:<28}{'':>70}  {r.status.upper()}: {r.message}")
                continue
            lines.append(
                f"{r.check.name:<28}{r.rows.get('duckdb', 0):>12,}{r.rows.get('spark', 0):>12,}"
                f"{r.matching:>10,}{r.only_in.get('duckdb', 0):>13,}{r.only_in.get('spark', 0):>12,}"
                f"{r.differing:>11,}  {r.status}"
                + (" (known difference, not failing)" if r.status == "mismatch" and not r.failed else "")
            )
            lines += [f"    {s}" for s in r.samples]
        if self.facts:
            lines.append("; ".join(f"{k}: {v}" for k, v in self.facts.items()))
        if self.seconds:
            lines.append("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items()))
        failed = [r.check.name for r in self.results if r.failed]
        lines.append("parity: OK" if not failed else f"parity: FAILED ({', '.join(failed)})")
        return "\n".join(lines)


# --- the spec -----------------------------------------------------------------------------------


def _names(value: Any, where: str, field_name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ParitySpecError(f"{where}: `{field_name}` must be a column name or a list of column names")
    return tuple(value)


def load_spec(path: Path = DEFAULT_SPEC) -> tuple[list[Check], Tolerance]:
    """Read the parity file; every error names the file, the check and the field."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ParitySpecError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("checks"), list) or not raw["checks"]:
        raise ParitySpecError(f"{path}: expected a mapping with a non-empty `checks` list")
    tol = raw.get("tolerance") or {}
    try:
        tolerance = Tolerance(float(tol.get("absolute", 1e-9)), float(tol.get("relative", 1e-9)))
    except (TypeError, ValueError, AttributeError) as exc:
        raise ParitySpecError(f"{path}: `tolerance` needs numbers `absolute` and `relative`") from exc
    known = {"name", "model", "key", "columns", "exclude", "query", "required", "known_difference"}
    checks, seen = [], set()
    for i, item in enumerate(raw["checks"], start=1):
        where = f"{path}: check {i}"
        if not isinstance(item, dict):
            raise ParitySpecError(f"{where}: expected a mapping")
        unknown = set(item) - known
        if unknown:
            raise ParitySpecError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise ParitySpecError(f"{where}: `name` is required")
        where = f"{path}: check {i} ({name})"
        if name in seen:
            raise ParitySpecError(f"{where}: duplicate name")
        seen.add(name)
        model = item.get("model")
        if not isinstance(model, str) or not model:
            raise ParitySpecError(f"{where}: `model` is required (the dbt model or seed it reads)")
        columns = item.get("columns", "all")
        query = item.get("query")
        if query is not None and (not isinstance(query, str) or "{model}" not in query):
            raise ParitySpecError(f"{where}: `query` must be SQL text reading `{{model}}`")
        checks.append(
            Check(
                name=name,
                model=model,
                key=_names(item.get("key"), where, "key"),
                columns=None if columns == "all" else _names(columns, where, "columns"),
                exclude=_names(item["exclude"], where, "exclude") if item.get("exclude") else (),
                query=query,
                required=bool(item.get("required", True)),
                known_difference=str(item.get("known_difference") or ""),
            )
        )
    return checks, tolerance


# --- reading rows -------------------------------------------------------------------------------


def normalise(value: Any) -> Any:
    """One Python value per SQL value, whichever engine returned it."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, (list, tuple)):
        return tuple(normalise(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def values_equal(a: Any, b: Any, tolerance: Tolerance) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return tolerance.close(float(a), float(b))
    return a == b


def _arrow_rows(table: Any) -> tuple[list[str], list[tuple]]:
    columns = [c.lower() for c in table.column_names]
    rows = [tuple(normalise(v) for v in row.values()) for row in table.to_pylist()]
    return columns, rows


class DuckDBReader:
    def __init__(self, warehouse: Path):
        import duckdb

        self.con = duckdb.connect(str(warehouse), read_only=True)

    def read(self, sql: str) -> tuple[list[str], list[tuple]]:
        return _arrow_rows(self.con.sql(sql).to_arrow_table())

    def close(self) -> None:
        self.con.close()


class SparkReader:
    """Reads through the Spark session dbt started in this process (the same conf, UTC)."""

    def __init__(self):
        from pyspark.sql import SparkSession

        self.spark = SparkSession.builder.getOrCreate()

    def read(self, sql: str) -> tuple[list[str], list[tuple]]:
        return _arrow_rows(self.spark.sql(sql).toArrow())

    def close(self) -> None:
        pass


def relations_from_manifest(target_path: Path) -> dict[str, str]:
    """model (or seed) name -> schema.alias, from the manifest of a build."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    return {
        node["name"]: f"{node['schema']}.{node.get('alias') or node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


def compare(
    check: Check, data: dict[str, tuple[list[str], list[tuple]]], tolerance: Tolerance
) -> CheckResult:
    """Match the rows of both engines by key and compare the chosen columns."""
    result = CheckResult(check=check, status="ok")
    keyed: dict[str, dict[tuple, dict[str, Any]]] = {}
    all_columns: dict[str, list[str]] = {}
    for engine, (columns, rows) in data.items():
        missing_keys = [k for k in check.key if k not in columns]
        if missing_keys:
            result.status, result.message = "error", f"{engine}: no key column(s) {missing_keys}"
            return result
        all_columns[engine] = columns
        result.rows[engine] = len(rows)
        by_key: dict[tuple, dict[str, Any]] = {}
        duplicates = 0
        for row in rows:
            record = dict(zip(columns, row, strict=True))
            key = tuple(record[k] for k in check.key)
            if key in by_key:
                duplicates += 1
            by_key[key] = record
        if duplicates:
            result.duplicates[engine] = duplicates
            result.samples.append(f"{engine}: {duplicates} duplicate key(s) on {list(check.key)}")
        keyed[engine] = by_key
    if check.columns is None:
        union = dict.fromkeys(all_columns["duckdb"] + all_columns["spark"])
        compared = [c for c in union if c not in check.key and c not in check.exclude]
    else:
        compared = list(check.columns)
    for engine in ENGINES:
        absent = [c for c in compared if c not in all_columns[engine]]
        if absent:
            result.status = "mismatch"
            result.samples.append(f"column(s) {absent} absent on {engine}")
            compared = [c for c in compared if c not in absent]
    left, right = keyed["duckdb"], keyed["spark"]
    for engine, mine, theirs in (("duckdb", left, right), ("spark", right, left)):
        only = [k for k in mine if k not in theirs]
        result.only_in[engine] = len(only)
        for k in sorted(only, key=repr)[:SAMPLE_SIZE]:
            result.samples.append(f"only on {engine}: {dict(zip(check.key, k, strict=True))}")
    for k in sorted((k for k in left if k in right), key=repr):
        diffs = {
            c: (left[k][c], right[k][c])
            for c in compared
            if not values_equal(left[k][c], right[k][c], tolerance)
        }
        if diffs:
            result.differing += 1
            if result.differing <= SAMPLE_SIZE:
                shown = ", ".join(f"{c}: duckdb={a!r} spark={b!r}" for c, (a, b) in diffs.items())
                result.samples.append(f"differs at {dict(zip(check.key, k, strict=True))}: {shown}")
        else:
            result.matching += 1
    if result.differing or any(result.only_in.values()) or result.duplicates:
        result.status = "mismatch"
    return result


def compare_all(
    checks: Sequence[Check],
    tolerance: Tolerance,
    relations: dict[str, str],
    readers: dict[str, Any],
) -> list[CheckResult]:
    results = []
    for check in checks:
        relation = relations.get(check.model)
        if relation is None:
            results.append(
                CheckResult(check, "missing", message=f"model {check.model} is not in the dbt project")
            )
            continue
        sql = check.query.replace("{model}", relation) if check.query else f"select * from {relation}"
        data = {}
        try:
            for engine in ENGINES:
                data[engine] = readers[engine].read(sql)
        except Exception as exc:  # a query that fails on one engine is a parity failure, named
            results.append(CheckResult(check, "error", message=f"{engine}: {exc}".splitlines()[0][:300]))
            continue
        results.append(compare(check, data, tolerance))
    return results


# --- running both builds ------------------------------------------------------------------------


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass(frozen=True)
class Workdir:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def spark(self) -> Path:
        return self.root / "spark"

    def clean(self) -> None:
        """Start from nothing: a parity run compares two fresh builds (ids, merges, state)."""
        import shutil

        self.root.mkdir(parents=True, exist_ok=True)
        ours = ("landing", "truth", "lake", "spark", "warehouse.duckdb*", ".dlt-*", "target-*", "logs-*")
        for pattern in ours:  # only what a parity run writes: a workdir may hold other files
            for path in self.root.glob(pattern):
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()

    def target(self, engine: str) -> Path:
        return self.root / f"target-{engine}"

    def env(self, engine: str) -> dict[str, str]:
        common = {
            "NURTURE_WAREHOUSE": str(self.warehouse),
            "NURTURE_LAKE": str(self.lake),
            "NURTURE_SPARK_DIR": str(self.spark),
            "NURTURE_SPARK_LOG4J": str(settings.DBT_PROJECT_DIR / "spark" / "log4j2.properties"),
            "NURTURE_DUCKDB_MEMORY_LIMIT": os.environ.get("NURTURE_DUCKDB_MEMORY_LIMIT", "1GB"),
            "NURTURE_DBT_TARGET": engine,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }
        return common


def run_dbt_build(
    engine: str, work: Workdir, as_of: dt.date, command: str = "build", data_tests: bool = True
) -> dict[str, int]:
    """One dbt invocation of the whole project on one engine; raises with the failures if any.

    ``command`` is ``build`` (seeds, models, unit and data tests) or ``run`` (models only);
    ``data_tests=False`` leaves the data tests out of a build (the parity comparison checks the
    outputs themselves; the data tests are the same SQL on both engines).
    """
    from dbt.cli.main import dbtRunner

    target = work.target(engine)
    args = [
        command,
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        "--target",
        engine,
        "--target-path",
        str(target),
        "--log-path",
        str(work.root / f"logs-{engine}"),
        "--vars",
        json.dumps({"as_of": as_of.isoformat()}),
        "--quiet",
    ]
    if command == "build" and not data_tests:
        args += ["--exclude", "test_type:data"]
    if engine == "spark":
        work.spark.mkdir(parents=True, exist_ok=True)
        (work.spark / "tmp").mkdir(exist_ok=True)
    with _env(work.env(engine)):
        result = dbtRunner().invoke(args)
    if engine == "duckdb":
        _release_duckdb()
    counts: dict[str, int] = {}
    failures = []
    for res in getattr(result.result, "results", None) or []:
        status = str(res.status)
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail"):
            failures.append(f"{res.node.unique_id}: {(res.message or '').splitlines()[0][:300]}")
    if result.exception or not result.success:
        detail = "; ".join(failures[:10]) or str(result.exception)
        raise RuntimeError(f"dbt build on {engine} failed: {detail}")
    return counts


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process; close it so the loader and the readers
    (other configurations of the same file) can open the warehouse."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        with contextlib.suppress(Exception):
            env.close()
    DuckDBConnectionManager.close_all_connections()


def write_bridge(work: Workdir) -> dict[str, str]:
    """A form submission that carries the email of one contact and the phone of another: a merge.

    The identity guards must let it through: the phone's contact has no email (a phone seen with a
    second address would be blocked as a switchboard) and the email's contact has at most one phone.
    The two contacts are the first (by contact_id) of the DuckDB build that qualify; the same file
    then goes to both engines.
    """
    import duckdb

    per_contact = (
        "select contact_id, "
        "min(case when identifier_type = 'email' then identifier_value end) as email, "
        "min(case when identifier_type = 'phone' then identifier_value end) as phone, "
        "count(case when identifier_type = 'email' then 1 end) as emails, "
        "count(case when identifier_type = 'phone' then 1 end) as phones "
        "from intermediate.int_identity__identifiers where not is_blocked group by contact_id"
    )
    with duckdb.connect(str(work.warehouse), read_only=True) as con:
        with_email = con.execute(
            f"select contact_id, email from ({per_contact}) where emails = 1 and phones <= 1 "
            "order by contact_id limit 1"
        ).fetchone()
        phone_only = con.execute(
            f"select contact_id, phone from ({per_contact}) where emails = 0 and phones = 1 "
            "order by contact_id limit 1"
        ).fetchone()
    if with_email is None or phone_only is None:
        raise RuntimeError("parity: the demo data has no pair of contacts to merge (an email's, a phone's)")
    (a_id, a_email), (b_id, b_phone) = with_email, phone_only
    folder = work.landing / "form_submissions"
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "submission_id": "parity-bridge-1",
        "form_id": "parity",
        "form_type": "contact",
        "occurred_at": "2026-10-30T12:00:00Z",
        "email": a_email,
        "phone": b_phone,
    }
    (folder / "parity-bridge.jsonl").write_text(json.dumps(record) + "\n")
    return {"merged": f"{a_id} + {b_id}"}


def run_parity(
    workdir: Path,
    *,
    people: int = 150,
    seed: int = 42,
    as_of: dt.date = DEFAULT_AS_OF,
    spec: Path = DEFAULT_SPEC,
    bridge: bool = True,
    data_tests: bool = False,
    echo: Callable[[str], None] = print,
) -> ParityReport:
    """Generate, load and build on both engines, then compare (see the module docstring)."""
    from sources.demo.generator import generate
    from sources.load import load

    settings.quiet_telemetry()
    checks, tolerance = load_spec(spec)
    work = Workdir(workdir.resolve())
    work.clean()
    seconds: dict[str, float] = {}
    facts: dict[str, Any] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = fn()
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        return out

    gen = timed(
        "generate",
        lambda: generate(work.landing, work.root / "truth", contacts=people, seed=seed, end_date=as_of),
    )
    facts["people"] = gen.people
    facts["landing rows"] = sum(gen.rows.values())
    echo(f"generated {gen.people} people, {facts['landing rows']:,} rows -> {work.landing}")

    # The first round builds everything (seeds, models, unit tests; data tests when asked); the
    # second, after a record that merges two contacts, runs the models again: the incremental
    # identity state and merge log take their second-run path.
    rounds = [("first build", None, "build")]
    if bridge:
        rounds.append(("after a merge", write_bridge, "run"))
    for label, before, command in rounds:
        if before is not None:
            facts.update(before(work))
        for engine, destination, target in (
            ("duckdb", "duckdb", work.warehouse),
            ("spark", "filesystem", work.lake),
        ):
            summary = timed(
                f"load {engine}",
                lambda d=destination, t=target: load(str(work.landing), warehouse=t, destination=d),
            )
            echo(
                f"{label}: loaded {summary.total_rows:,} rows "
                f"({summary.total_rejected} rejected) for {engine}"
            )
            counts = timed(
                f"dbt {engine}", lambda e=engine, c=command: run_dbt_build(e, work, as_of, c, data_tests)
            )
            echo(
                f"{label}: dbt {command} on {engine}: "
                + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            )

    relations = relations_from_manifest(work.target("duckdb"))
    readers = {"duckdb": DuckDBReader(work.warehouse), "spark": SparkReader()}
    try:
        results = timed("compare", lambda: compare_all(checks, tolerance, relations, readers))
    finally:
        for reader in readers.values():
            reader.close()
    return ParityReport(results=results, seconds=seconds, facts=facts)
