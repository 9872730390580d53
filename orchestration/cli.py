"""The ``nurture`` command line: generate demo data, load, build, run the whole job, import your own files."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sources import settings

app = typer.Typer(
    help="nurture - an open prospect and customer relationship warehouse.\n\n"
    "Raw files land in a folder (or object storage), dlt loads them into the warehouse (DuckDB by "
    "default), dbt builds the unified contacts, scores, stages and audiences, Dagster runs it all.",
    no_args_is_help=True,
    add_completion=False,
)


def _setup() -> None:
    settings.quiet_telemetry()
    os.environ.setdefault("NURTURE_WAREHOUSE", str(settings.warehouse_path()))
    if "DAGSTER_HOME" not in os.environ and (settings.PROJECT_ROOT / "dagster.yaml").exists():
        # dagster.yaml keeps run history under data/dagster, relative to the project root.
        os.environ["DAGSTER_HOME"] = str(settings.PROJECT_ROOT)
        os.chdir(settings.PROJECT_ROOT)


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


EventsOpt = Annotated[int | None, typer.Option(help="Approximate number of interaction events to write.")]
ContactsOpt = Annotated[
    int | None, typer.Option(help="Number of people (default 600 when --events is unset).")
]
SeedOpt = Annotated[int, typer.Option(help="Random seed: the same arguments always write the same files.")]
EndOpt = Annotated[
    str | None, typer.Option(help="Last day of the generated history, YYYY-MM-DD (default today).")
]


FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="How to write the JSON-lines event tables: jsonl or parquet (default NURTURE_EVENT_FORMAT, "
        "else jsonl).",
    ),
]


def _event_format(fmt: str | None) -> None:
    """``--format``: passed to the generator (and to the benchmark's) through NURTURE_EVENT_FORMAT."""
    if fmt is not None:
        os.environ["NURTURE_EVENT_FORMAT"] = fmt
    try:
        settings.event_format()
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _generate(events, contacts, seed, end_date, landing: Path):
    """The generator replaces the files it wrote before and leaves any other landing file alone."""
    from sources.demo.generator import generate as run_generator

    return run_generator(
        landing,
        settings.truth_dir(),
        events=events,
        contacts=contacts,
        seed=seed,
        end_date=date.fromisoformat(end_date) if end_date else None,
    )


@app.command()
def generate(
    events: EventsOpt = None,
    contacts: ContactsOpt = None,
    seed: SeedOpt = 42,
    end_date: EndOpt = None,
    out: Annotated[Path | None, typer.Option(help="Landing folder to write (default data/landing).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Write seeded demo data (a B2B and a B2C brand, with the mess of real data) to the landing folder.

    Also writes the ground truth of who is who to data/truth/, for identity-resolution tests.
    """
    _setup()
    _event_format(fmt)
    landing = out or Path(settings.landing_location())
    result = _generate(events, contacts, seed, end_date, landing)
    typer.echo(
        f"{result.people:,} people, {sum(result.rows.values()):,} rows in {len(result.files)} files "
        f"({sum(result.bad_lines.values()):,} deliberately bad lines) in {result.seconds:.1f} s -> {landing}"
    )


@app.command()
def load(
    landing: Annotated[
        str | None, typer.Option(help="Landing folder or fsspec URL (default data/landing).")
    ] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    reload: Annotated[
        bool, typer.Option(help="Drop the sources' tables and state, load every file again.")
    ] = False,
    destination: Annotated[
        str | None,
        typer.Option(help="duckdb (the warehouse) or filesystem (Parquet in NURTURE_LAKE, for Spark)."),
    ] = None,
) -> None:
    """Load new landing files into the warehouse's raw tables; files already loaded are skipped."""
    _setup()
    from sources.load import load as run_load

    summary = run_load(landing, sources=source, reload=reload, destination=destination)
    typer.echo(summary.render())
    typer.echo(
        f"rejected rows and warnings: select * from raw.quarantine  (warehouse {settings.warehouse_path()})"
    )


def dbt_build(
    full_refresh: bool = False,
    select: list[str] | None = None,
    unit_tests: bool = True,
    vars: dict[str, object] | None = None,
) -> dict[str, int]:
    """Run ``dbt build`` in-process and count results by kind and status."""
    from dbt.cli.main import dbtRunner

    from orchestration.dbt_args import build_args
    from orchestration.defs.dbt import PROJECT_DIR, dbt_target

    args = build_args(full_refresh=full_refresh, select=select or (), unit_tests=unit_tests, vars=vars)
    args += ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target", dbt_target()]
    result = dbtRunner().invoke(args)
    counts: dict[str, int] = {"success": int(result.success)}
    for res in getattr(result.result, "results", None) or []:
        key = f"{res.node.resource_type}_{res.status}"
        counts[key] = counts.get(key, 0) + 1
    if result.exception:
        raise _fail(f"dbt failed: {result.exception}")
    return counts


def build_vars(as_of: str | None, pairs: list[str]) -> dict[str, object] | None:
    """dbt vars from ``--as-of`` and ``--var NAME=VALUE`` (values read as YAML: 30 is a number)."""
    import datetime as dt

    import yaml

    variables: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise _fail(f"--var {pair!r}: expected NAME=VALUE")
        variables[name.strip()] = yaml.safe_load(value) if value.strip() else ""
    if as_of is not None:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError:
            raise _fail(f"--as-of {as_of!r}: expected a date as YYYY-MM-DD") from None
        variables["as_of"] = as_of
    return variables or None


@app.command()
def build(
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models from scratch.")] = False,
    select: Annotated[list[str] | None, typer.Option(help="dbt selection (repeatable).")] = None,
    unit_tests: Annotated[
        bool, typer.Option(help="Run dbt's unit tests too (scheduled runs leave them out).")
    ] = True,
    as_of: Annotated[
        str | None,
        typer.Option(help="Build as of this day (YYYY-MM-DD): scores, stages and tiers as they were then."),
    ] = None,
    var: Annotated[
        list[str] | None,
        typer.Option(help="A dbt var, NAME=VALUE (repeatable): scoring_history_days=30."),
    ] = None,
) -> None:
    """Build the dbt project (models, seeds, tests) on the warehouse."""
    _setup()
    counts = dbt_build(full_refresh, select, unit_tests, build_vars(as_of, var or []))
    typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k != "success"))
    if not counts["success"]:
        raise _fail("dbt build failed")


def run_job(job_name: str | None = None, instance=None, log_file: Path | None = None):
    """Run a Dagster job in this process and summarise it; its detailed output goes to ``log_file``."""
    import contextlib

    from dagster import DagsterInstance

    from orchestration.definitions import NURTURE_JOB, build_definitions
    from orchestration.defs.alerts import alert_failed_run
    from orchestration.defs.quality import pending_checks
    from orchestration.summary import summarise

    defs = build_definitions()
    job = defs.resolve_job_def(job_name or NURTURE_JOB)
    specs = defs.resolve_all_asset_specs()
    groups = {spec.key: spec.group_name for spec in specs}
    if instance is None:
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with contextlib.ExitStack() as stack:
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            stream = stack.enter_context(log_file.open("w"))
            stack.enter_context(contextlib.redirect_stdout(stream))
            stack.enter_context(contextlib.redirect_stderr(stream))
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=quiet)
    alert_failed_run(result)  # no sensor daemon watches an in-process run
    return summarise(result, groups, [p.render() for p in pending_checks(specs)])


def _run_log() -> Path:
    return settings.data_dir() / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"


@app.command()
def run() -> None:
    """Run the whole job through Dagster: load every source, then build the dbt project."""
    _setup()
    log_file = _run_log()
    summary = run_job(log_file=log_file)
    typer.echo(summary.render())
    typer.echo(f"full log: {log_file}")
    if not summary.success:
        raise typer.Exit(code=1)


@app.command()
def demo(
    events: EventsOpt = None,
    contacts: ContactsOpt = None,
    seed: SeedOpt = 42,
    end_date: EndOpt = None,
) -> None:
    """Generate demo data, load it and build the warehouse through Dagster, then print a summary."""
    _setup()
    started = time.perf_counter()
    landing = Path(settings.landing_location())
    gen = _generate(events, contacts, seed, end_date, landing)
    typer.echo(f"generated {gen.people:,} people, {sum(gen.rows.values()):,} rows in {gen.seconds:.1f} s")
    log_file = _run_log()
    summary = run_job(log_file=log_file)
    typer.echo(summary.render())
    typer.echo(f"full log: {log_file}")
    typer.echo(f"\nwarehouse: {settings.warehouse_path()}  ({time.perf_counter() - started:.0f} s in all)")
    typer.echo('query it:  nurture query "select * from staging.stg_crm__contacts limit 5"')
    typer.echo("see it:    make dev   (the Dagster UI on http://127.0.0.1:3000)")
    if not summary.success:
        raise typer.Exit(code=1)


@app.command("import")
def import_(
    mapping: Annotated[Path, typer.Argument(help="A mapping YAML (see sources/mappings/README.md).")],
    force: Annotated[bool, typer.Option(help="Load files again even if they were imported before.")] = False,
    var: Annotated[list[str] | None, typer.Option(help="Override a mapping variable: name=value.")] = None,
) -> None:
    """Import your own export files through a column mapping onto the raw tables."""
    _setup()
    from sources.mapping import MappingError, import_mapping

    variables = dict(v.split("=", 1) for v in var or [])
    try:
        summary = import_mapping(mapping, force=force, variables=variables)
    except MappingError as exc:
        raise _fail(str(exc)) from None
    typer.echo(summary.render())


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SQL query to run on the warehouse (read-only).")],
) -> None:
    """Run a read-only SQL query on the warehouse and print the result."""
    _setup()
    import duckdb

    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        typer.echo(str(con.sql(sql)))


@app.command("identity-eval")
def identity_eval(
    truth: Annotated[Path | None, typer.Option(help="Folder of identities.csv (default data/truth).")] = None,
) -> None:
    """Score identity resolution against the demo generator's ground truth: pairwise precision and recall."""
    _setup()
    from orchestration.identity_eval import evaluate, render

    typer.echo(render(evaluate(settings.warehouse_path(), truth or settings.truth_dir())))


@app.command()
def explain(
    contact_id: Annotated[str, typer.Argument(help="The contact_id to explain (see marts.dim_contacts).")],
    model: Annotated[str | None, typer.Option(help="Only this scoring model (default: every model).")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Score on this date, YYYY-MM-DD (from the daily history).")
    ] = None,
    top: Annotated[int, typer.Option(help="How many rules to list per model.")] = 5,
) -> None:
    """Why a contact has its lead score: score and band per model, top rules, the actions behind them."""
    _setup()
    from orchestration.explain import ExplainError, render
    from orchestration.explain import explain as run_explain

    try:
        when = date.fromisoformat(as_of) if as_of else None
        typer.echo(
            render(run_explain(settings.warehouse_path(), contact_id, model=model, as_of=when, top=top))
        )
    except (ExplainError, ValueError) as exc:
        raise _fail(str(exc)) from None


@app.command()
def audiences(
    audience: Annotated[str | None, typer.Argument(help="Only this audience (default: every one).")] = None,
) -> None:
    """List every audience with its size and, per destination, how many are held back and why."""
    _setup()
    from orchestration.audiences import AudiencesError, audience_report, render

    try:
        typer.echo(render(audience_report(settings.warehouse_path(), audience)))
    except AudiencesError as exc:
        raise _fail(str(exc)) from None


@app.command()
def backtest(
    model: Annotated[
        str, typer.Option(help="The scoring model to check (seeds/scoring/scoring_models.csv).")
    ],
    out: Annotated[Path | None, typer.Option(help="Report folder (default data/backtest/<model>).")] = None,
) -> None:
    """Backtest a scoring model on leads with known outcomes: AUC, conversion by band and decile."""
    _setup()
    from orchestration.backtest import BacktestError, render_text, run_backtest

    try:
        result = run_backtest(
            settings.warehouse_path(), model, out or settings.data_dir() / "backtest" / model
        )
    except BacktestError as exc:
        raise _fail(str(exc)) from None
    typer.echo(render_text(result))


@app.command()
def bench(
    events: Annotated[
        list[int] | None,
        typer.Option(help="Events to generate and process; repeat for several sizes (default 1,000,000)."),
    ] = None,
    seed: SeedOpt = 42,
    workdir: Annotated[
        Path | None, typer.Option(help="Where to write (default data/bench-<events>).")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="An earlier result file: print how each stage grew since.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Result file (default data/bench/bench-<time>.json).")
    ] = None,
    incremental: Annotated[
        float | None,
        typer.Option(
            help="After the full run, this share of new events (0.01 = 1%) in new files, loaded and "
            "built incrementally; prints full against incremental seconds."
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Benchmark: generate N events, load and build them; seconds, rows/s and peak memory per stage,
    and how each stage's time grows between sizes. Builds run as the scheduled runs do: models and
    data tests, without dbt's unit tests."""
    import functools

    from orchestration.bench import run_benchmark
    from orchestration.defs.dbt import PROJECT_DIR

    if incremental is not None and not 0 < incremental <= 1:
        raise _fail(f"--incremental is a share of the events, above 0 and at most 1: got {incremental}")
    _setup()
    _event_format(fmt)
    run_benchmark(
        events=events or [1_000_000],
        seed=seed,
        workdir=workdir,
        echo=typer.echo,
        build=functools.partial(dbt_build, unit_tests=False),
        compare=compare,
        out=out,
        incremental=incremental,
        run_results=PROJECT_DIR / "target" / "run_results.json",
    )


# Reverse ETL: the command's logic lives in its own package.
from reverse_etl.cli import sync as _sync  # noqa: E402

app.command("sync")(_sync)


@app.command()
def parity(
    people: Annotated[int, typer.Option(help="People in the generated demo data.")] = 150,
    workdir: Annotated[Path | None, typer.Option(help="Where to write (default data/parity).")] = None,
    spec: Annotated[
        Path | None, typer.Option(help="The comparison list (default tests/parity/parity.yml).")
    ] = None,
    data_tests: Annotated[bool, typer.Option(help="Also run the dbt data tests on both engines.")] = False,
) -> None:
    """Build the same demo data on DuckDB and on Spark and compare the outputs; exit 1 on any mismatch."""
    _setup()
    from orchestration.parity import DEFAULT_SPEC, run_parity

    report = run_parity(
        workdir or settings.data_dir() / "parity",
        people=people,
        spec=spec or DEFAULT_SPEC,
        data_tests=data_tests,
        echo=typer.echo,
    )
    typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(code=1)


if __name__ == "__main__":  # pragma: no cover
    app()
