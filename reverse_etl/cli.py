"""``nurture sync``: run, or preview, the syncs defined in ``reverse_etl/syncs/*.yml``."""

from __future__ import annotations

from typing import Annotated

import typer

from sources import settings


def sync(
    names: Annotated[list[str] | None, typer.Argument(help="Sync name(s): the YAML file names.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every sync (skipped ones are reported).")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent and held back; send nothing.")
    ] = False,
    sample: Annotated[int, typer.Option(help="Sample size of adds, changes and removes to show.")] = 5,
) -> None:
    """Send audiences to their destinations: only the changes since the last successful sync.

    With no name, lists the syncs and whether each is configured.
    """
    settings.quiet_telemetry()
    from reverse_etl.destinations import ConfigError
    from reverse_etl.engine import SyncError, run_sync
    from reverse_etl.spec import load_specs

    try:
        specs = load_specs()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    if not names and not all_:
        for spec in specs.values():
            state = spec.disabled_reason or "ready"
            typer.echo(
                f"{spec.name:<32} {spec.audience} -> {spec.destination} ({spec.kind}, {spec.mode}): {state}"
            )
        return
    unknown = [n for n in names or [] if n not in specs]
    if unknown:
        typer.secho(f"unknown sync(s): {', '.join(unknown)}; known: {', '.join(specs)}", fg="red", err=True)
        raise typer.Exit(code=1)
    failed = False
    for name in list(specs) if all_ else names or []:
        try:
            report = run_sync(specs[name], dry_run=dry_run, sample_size=sample)
        except SyncError as exc:
            typer.secho(f"{name}: {exc}", fg=typer.colors.RED, err=True)
            failed = True
            continue
        except Exception as exc:  # the run is logged as failed in reverse_etl.sync_runs
            typer.secho(f"{name}: failed: {exc}", fg=typer.colors.RED, err=True)
            failed = True
            continue
        typer.echo(report.render())
        failed |= report.status == "failed" or bool(report.error)
    if failed:
        raise typer.Exit(code=1)
