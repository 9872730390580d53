"""``nurture bench``: time each stage of the pipeline at one or more scales; rows/s, peak memory, growth.

Stages run in one process, directly (no Dagster run overhead), each size on a fresh warehouse under
the work folder. Peak memory of a stage is the highest resident set size of this process and all its
children, sampled every 0.25 s while the stage runs. With several sizes (or ``--compare`` and an earlier
result file) it prints how each stage's time grows against the number of rows: an exponent of 1 is
linear (time ∝ rows), above 1 is worse than linear. Results go to a JSON file so runs can be compared.
With ``--incremental 0.01`` each size then gets 1% more events in new landing files, loaded and built
incrementally twice from the same state: the frequent run's selection, as the frequent Dagster job
builds it (histories and what they feed left to the daily run), then the whole project; the seconds
of both are printed against the full build.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.dbt_args import with_test_scope
from sources import settings


@dataclass
class Stage:
    name: str
    rows: int
    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0  # user + system time of this process and its finished children

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def rows_per_cpu_second(self) -> float:
        return self.rows / self.cpu_seconds if self.cpu_seconds else 0.0


@dataclass
class Run:
    """One benchmark size: its stages and how the load split between the fast and the row path."""

    events: int
    stages: list[Stage]
    started_at: str = ""
    load_paths: dict[str, int] = field(default_factory=dict)

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def to_dict(self) -> dict:
        d = asdict(self)
        for s, st in zip(d["stages"], self.stages, strict=True):
            s["rows_per_second"] = round(st.rows_per_second, 1)
            s["rows_per_cpu_second"] = round(st.rows_per_cpu_second, 1)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Run:
        stages = [
            Stage(s["name"], s["rows"], s["seconds"], s["peak_mb"], s.get("cpu_seconds", 0.0))
            for s in d["stages"]
        ]
        return cls(d["events"], stages, d.get("started_at", ""), d.get("load_paths", {}))


def _tree_rss(root: int) -> int:
    """Resident bytes of process ``root`` and all its descendants, from /proc (Linux); elsewhere the
    high-water mark of this process and its waited-for children."""
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - not Linux
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return (usage + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            statm = (d / "statm").read_text().split()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(d.name)] = int(fields[1])
        rss[int(d.name)] = int(statm[1]) * page
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in tree)


class PeakMemory:
    """Samples the resident memory of this process and its children in a thread; ``peak_mb`` is the
    highest total seen since ``start``."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def _rss(self) -> int:
        return _tree_rss(self._pid)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.peak = self._rss()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def peak_mb(self) -> float:
        return self.peak / 1024 / 1024


def cpu_seconds() -> float:
    """User and system seconds of this process and of its children that have finished (the loader's
    worker processes end with their table): on a shared machine, steadier than wall seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timed:
    """Wall and CPU seconds and peak memory of one stage."""

    def __enter__(self) -> Timed:
        self.mem = PeakMemory().__enter__()
        self.started, self.cpu_started = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu = cpu_seconds() - self.cpu_started
        self.mem.__exit__(*exc)

    def stage(self, name: str, rows: int) -> Stage:
        return Stage(name, rows, self.seconds, self.mem.peak_mb, self.cpu)


def growth(small: Run, large: Run) -> dict[str, dict[str, float]]:
    """For each stage in both runs: the ratio of rows, of seconds, and the exponent ``b`` in
    ``seconds ∝ rows^b`` (1 = linear). Rows are the stage's own rows (generated, loaded)."""
    out: dict[str, dict[str, float]] = {}
    for s in small.stages:
        t = large.stage(s.name)
        if t is None or not s.rows or not s.seconds or t.rows == s.rows:
            continue
        rows_ratio = t.rows / s.rows
        time_ratio = t.seconds / s.seconds
        out[s.name] = {
            "rows_ratio": rows_ratio,
            "time_ratio": time_ratio,
            "exponent": math.log(time_ratio) / math.log(rows_ratio),
        }
    return out


def render(stages: list[Stage], events: int) -> str:
    lines = [
        f"benchmark at {events:,} events",
        f"{'stage':<10}{'rows':>14}{'seconds':>10}{'rows/s':>12}"
        f"{'CPU s':>10}{'rows/CPU s':>12}{'peak MB':>10}",
    ]
    for s in stages:
        lines.append(
            f"{s.name:<10}{s.rows:>14,}{s.seconds:>10.1f}{s.rows_per_second:>12,.0f}"
            f"{s.cpu_seconds:>10.1f}{s.rows_per_cpu_second:>12,.0f}{s.peak_mb:>10,.0f}"
        )
    total = sum(s.seconds for s in stages)
    cpu = sum(s.cpu_seconds for s in stages)
    lines.append(
        f"{'total':<10}{'':>14}{total:>10.1f}{'':>12}{cpu:>10.1f}{'':>12}"
        f"{max(s.peak_mb for s in stages):>10,.0f}"
    )
    return "\n".join(lines)


def render_growth(small: Run, large: Run) -> str:
    g = growth(small, large)
    lines = [
        f"growth from {small.events:,} to {large.events:,} events (exponent 1.00 = linear)",
        f"{'stage':<10}{'rows x':>10}{'time x':>10}{'exponent':>10}",
    ]
    for name, v in g.items():
        flag = "  worse than linear" if v["exponent"] > 1.1 else ""
        lines.append(
            f"{name:<10}{v['rows_ratio']:>10.2f}{v['time_ratio']:>10.2f}{v['exponent']:>10.2f}{flag}"
        )
    return "\n".join(lines)


def _release_duckdb() -> None:
    """dbt-duckdb keeps the warehouse open in this process after a build; close it so that the
    loader (another configuration of the same file) can open it. Closing writes what the build
    left in DuckDB's log into the file (a checkpoint, seconds after a big build), as the end of a
    scheduled run's process does: the builds' timings include it."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - another engine
        return
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def slowest_models(run_results: Path, n: int = 8) -> list[tuple[str, float]]:
    """The ``n`` slowest models of a dbt run, from its ``run_results.json``: (name, seconds)."""
    if not run_results.is_file():
        return []
    results = json.loads(run_results.read_text()).get("results", [])
    timed = [
        (r["unique_id"].split(".")[-1], float(r.get("execution_time") or 0.0))
        for r in results
        if r.get("unique_id", "").startswith("model.")
    ]
    return sorted(timed, key=lambda t: -t[1])[:n]


@dataclass
class CriticalPath:
    """The chain of models and tests a dbt run waited on, from its last node back to its first."""

    span: float  # seconds from the first node's start to the last node's end
    nodes: list[tuple[str, float]]  # (name, seconds) in run order

    @property
    def seconds(self) -> float:
        """The seconds the chain's nodes ran, one after another."""
        return sum(seconds for _, seconds in self.nodes)


def critical_path(run_results: Path, manifest: Path, slack: float = 0.05) -> CriticalPath | None:
    """What a dbt build waited on: from the node that ended last, each step goes back to what it
    waited for, the node it depends on that ended last before it started (in ``dbt build`` a model
    also waits for the tests of the models it reads). A long chain against the span means the run
    is bound by the order of its models, not by how many run at once; more threads cannot help."""
    if not (run_results.is_file() and manifest.is_file()):
        return None
    nodes = json.loads(manifest.read_text()).get("nodes", {})
    times: dict[str, tuple[float, float]] = {}
    for result in json.loads(run_results.read_text()).get("results", []):
        stamps = [
            (datetime.fromisoformat(t["started_at"]), datetime.fromisoformat(t["completed_at"]))
            for t in result.get("timing") or []
            if t.get("started_at") and t.get("completed_at")
        ]
        if stamps:
            times[result["unique_id"]] = (
                min(a for a, _ in stamps).timestamp(),
                max(b for _, b in stamps).timestamp(),
            )
    if not times:
        return None
    parents = {uid: set(nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])) for uid in times}
    tests_of: dict[str, set[str]] = {}
    for uid in times:
        if uid.startswith("test."):
            for parent in parents[uid]:
                tests_of.setdefault(parent, set()).add(uid)

    def waited_for(uid: str) -> str | None:
        start = times[uid][0]
        candidates = {p for p in parents[uid] if p in times}
        if not uid.startswith("test."):
            candidates |= {t for p in parents[uid] for t in tests_of.get(p, ()) if uid not in parents[t]}
        ended = [c for c in candidates if times[c][1] <= start + slack]
        return max(ended, key=lambda c: times[c][1]) if ended else None

    chain = [max(times, key=lambda uid: times[uid][1])]
    while (before := waited_for(chain[-1])) is not None and before not in chain:
        chain.append(before)
    chain.reverse()
    first_start = min(start for start, _ in times.values())
    return CriticalPath(
        span=times[chain[-1]][1] - first_start,
        nodes=[(uid.split(".")[2], times[uid][1] - times[uid][0]) for uid in chain],
    )


def render_critical_path(label: str, path: CriticalPath, n: int = 8) -> list[str]:
    lines = [
        f"critical path of the {label}: {len(path.nodes)} models and tests one after another, "
        f"{path.seconds:.1f} s of the {path.span:.1f} s its nodes ran; the longest on it (seconds):"
    ]
    lines += [f"  {name:<48}{seconds:>8.1f}" for name, seconds in sorted(path.nodes, key=lambda t: -t[1])[:n]]
    return lines


INCREMENT_ROWS = (
    ("load", "load", "load_inc"),
    ("frequent", "build", "build_frequent"),
    ("idle", "build", "build_idle"),
    ("whole", "build", "build_inc"),
)


def render_increment(
    run: Run,
    fraction: float,
    slowest: list[tuple[str, float]],
    slowest_frequent: list[tuple[str, float]] | None = None,
    frequent_path: CriticalPath | None = None,
) -> str:
    """Full against incremental seconds for the load and the builds, and their ratio: ``frequent``
    is the frequent run's selection, ``idle`` the same selection again with nothing new (what a
    frequent run costs whatever it brings), ``whole`` every model built incrementally."""
    lines = [
        f"incremental run: {fraction:.2%} more events after {run.events:,}",
        f"{'stage':<12}{'full s':>10}{'rows':>12}{'incr. s':>10}{'rows':>12}{'ratio':>8}",
    ]
    for label, full_name, inc_name in INCREMENT_ROWS:
        full, inc = run.stage(full_name), run.stage(inc_name)
        if full is None or inc is None:
            continue
        ratio = inc.seconds / full.seconds if full.seconds else 0.0
        lines.append(
            f"{label:<12}{full.seconds:>10.1f}{full.rows:>12,}{inc.seconds:>10.1f}{inc.rows:>12,}{ratio:>8.1%}"
        )
        if full.cpu_seconds and inc.cpu_seconds:  # CPU seconds: less noisy on a shared machine
            cpu_ratio = inc.cpu_seconds / full.cpu_seconds
            lines.append(
                f"{label + ' CPU':<12}{full.cpu_seconds:>10.1f}{'':>12}{inc.cpu_seconds:>10.1f}{'':>12}"
                f"{cpu_ratio:>8.1%}"
            )
    frequent, idle = run.stage("build_frequent"), run.stage("build_idle")
    if frequent is not None and idle is not None:
        lines.append(
            f"idle: the frequent run again with nothing new; {idle.seconds:.1f} of the frequent run's "
            f"{frequent.seconds:.1f} s do not depend on the new rows"
        )
    if slowest_frequent:
        lines.append("slowest models of the frequent run (seconds):")
        lines += [f"  {name:<48}{seconds:>8.1f}" for name, seconds in slowest_frequent]
    if frequent_path:
        lines += render_critical_path("frequent run", frequent_path)
    if slowest:
        lines.append("slowest models of the whole incremental build (seconds):")
        lines += [f"  {name:<48}{seconds:>8.1f}" for name, seconds in slowest]
    return "\n".join(lines)


def frequent_selection() -> list[str]:
    """The dbt models the frequent Dagster job builds, by name: its asset selection (the loads'
    downstream minus the daily-tagged models and what they feed, see ``automation.yml``) read from
    the Dagster definitions, so the benchmark times what a scheduled frequent run times."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.automation import FREQUENT_JOB
    from orchestration.defs.dbt import PROJECT_DIR

    keys = build_definitions().resolve_job_def(FREQUENT_JOB).asset_layer.selected_asset_keys
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"].values()
    names = {node["name"] for node in nodes if node["resource_type"] in ("model", "seed")}
    selected = sorted({key.path[-1] for key in keys if key.path[-1] in names})
    if not selected:
        raise RuntimeError(f"the {FREQUENT_JOB} job selects no dbt model")
    return selected


def frequent_test_scope() -> str:
    """The test scope the frequent job's run config sets (its event models' tests read new rows)."""
    from orchestration.defs.automation import frequent_run_config
    from orchestration.defs.dbt import DBT_OP

    return frequent_run_config(DBT_OP)["ops"][DBT_OP]["config"]["test_scope"]


def _check_build(counts: dict | None) -> None:
    """Stop on a dbt build that did not succeed: a failing test skips what depends on it, and the
    seconds of a partial build would look like a fast one."""
    if counts is not None and not counts.get("success", 1):
        problems = {k: v for k, v in counts.items() if k.endswith(("_fail", "_error", "_skipped"))}
        raise RuntimeError(f"dbt build failed, not timing a partial build: {problems}")


def run_size(
    *,
    events: int,
    seed: int,
    work: Path,
    echo: Callable[[str], None],
    build: Callable[..., dict],
    saved: Callable[[Run], None] = lambda run: None,
    incremental: float | None = None,
    run_results: Path | None = None,
) -> Run:
    """Generate, load and build ``events`` events in ``work`` (wiped first). With ``incremental``
    (a fraction such as 0.01), then generate that share of new events in new landing files, load
    them and build again incrementally: the figures of a frequent run against a full one."""
    from sources import columnar
    from sources.demo.generator import generate
    from sources.load import load

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ["NURTURE_DATA_DIR"] = str(work)
    os.environ["NURTURE_WAREHOUSE"] = str(work / "warehouse.duckdb")
    os.environ.pop("NURTURE_LANDING", None)

    run = Run(events, [], datetime.now(UTC).isoformat(timespec="seconds"))
    end_date = datetime.now(UTC).date()  # the increment continues the same history

    def done(stage: Stage) -> None:
        run.stages.append(stage)
        saved(run)  # a long run that is stopped keeps the stages it finished
        rate = f"{stage.rows_per_second:,.0f} rows/s"
        echo(
            f"stage {stage.name}: {stage.rows:,} rows in {stage.seconds:.1f} s "
            f"({rate}; {stage.cpu_seconds:.1f} CPU s, peak {stage.peak_mb:,.0f} MB)"
        )

    with Timed() as t:
        gen = generate(work / "landing", work / "truth", events=events, seed=seed, end_date=end_date)
    done(t.stage("generate", sum(gen.rows.values())))

    before = dict(columnar.PATH_ROWS)
    with Timed() as t:
        summary = load()
    done(t.stage("load", summary.total_rows))
    run.load_paths = {k: columnar.PATH_ROWS[k] - before.get(k, 0) for k in columnar.PATH_ROWS}
    echo(
        f"load paths: {run.load_paths['fast']:,} rows fast (columnar), "
        f"{run.load_paths['row_path']:,} by the row path"
    )

    with Timed() as t:
        _check_build(build())  # a failed build (tests failing, models skipped) stops the benchmark
        _release_duckdb()  # the build's writes reach the file (see _release_duckdb)
    done(t.stage("build", summary.total_rows))
    echo(render(run.stages, events))
    if incremental:
        new_events = max(1, round(events * incremental))
        with Timed() as t:
            inc = generate(
                work / "landing",
                work / "truth-inc1",
                events=new_events,
                seed=seed,
                end_date=end_date,
                increment=1,
            )
        done(t.stage("generate_inc", sum(inc.rows.values())))
        with Timed() as t:
            inc_summary = load()
        done(t.stage("load_inc", inc_summary.total_rows))
        # The same increment built twice from the same state: the frequent run's selection, then
        # (on a copy of the warehouse as the load left it) every model.
        selection = frequent_selection()
        _release_duckdb()
        warehouse = work / "warehouse.duckdb"
        before_build = work / "warehouse-before-build.duckdb"
        shutil.copyfile(warehouse, before_build)

        def frequent_build(stage: str, rows: int) -> None:
            os.environ["DBT_INDIRECT_SELECTION"] = "cautious"  # as the frequent job (a subset) runs tests
            try:
                with Timed() as t, with_test_scope(frequent_test_scope()):
                    _check_build(build(select=selection))
                    _release_duckdb()
            finally:
                del os.environ["DBT_INDIRECT_SELECTION"]
            done(t.stage(stage, rows))

        frequent_build("build_frequent", inc_summary.total_rows)
        slowest_frequent = slowest_models(run_results) if run_results else []
        frequent_path = (
            critical_path(run_results, run_results.parent / "manifest.json") if run_results else None
        )
        # The same selection once more, nothing new loaded: the part of a frequent run that does
        # not depend on what it brings (dbt's own work per model and test, reading what is there).
        frequent_build("build_idle", 0)
        os.replace(before_build, warehouse)
        with Timed() as t:
            _check_build(build())  # incremental: only what the new files brought
            _release_duckdb()
        done(t.stage("build_inc", inc_summary.total_rows))
        slowest = slowest_models(run_results) if run_results else []
        echo(render_increment(run, incremental, slowest, slowest_frequent, frequent_path))
    return run


def run_benchmark(
    *,
    events: list[int] | int,
    seed: int,
    workdir: Path | None,
    echo: Callable[[str], None],
    build: Callable[..., dict],
    compare: Path | None = None,
    out: Path | None = None,
    incremental: float | None = None,
    run_results: Path | None = None,
) -> list[Run]:
    """Each size in turn; growth between consecutive sizes (and against ``compare``); results to JSON."""
    sizes = [events] if isinstance(events, int) else list(events)
    base = settings.data_dir()
    previous = [Run.from_dict(d) for d in json.loads(compare.read_text())["runs"]] if compare else []
    runs: list[Run] = []
    path = out or base / "bench" / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)

    def save(current: Run | None = None) -> None:
        done = runs + ([current] if current is not None else [])
        path.write_text(json.dumps({"seed": seed, "runs": [r.to_dict() for r in done]}, indent=2) + "\n")

    for n in sizes:
        work = (workdir / f"bench-{n}" if workdir and len(sizes) > 1 else workdir) or base / f"bench-{n}"
        runs.append(
            run_size(
                events=n,
                seed=seed,
                work=work.resolve(),
                echo=echo,
                build=build,
                saved=save,
                incremental=incremental,
                run_results=run_results,
            )
        )
        save()
    everything = sorted(previous + runs, key=lambda r: r.events)
    for small, large in zip(everything, everything[1:], strict=False):
        if small.events != large.events:
            echo(render_growth(small, large))
    echo(f"results written to {path}")
    return runs
