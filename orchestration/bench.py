"""``nurture bench``: time each stage of the pipeline at a given scale and print rows/s.

Stages run in one process, directly (no Dagster run overhead), each on a fresh warehouse under the
work folder. Peak memory is the process's resident-set high-water mark after each stage.
"""

from __future__ import annotations

import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sources import settings


@dataclass
class Stage:
    name: str
    rows: int
    seconds: float
    peak_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render(stages: list[Stage], events: int) -> str:
    lines = [
        f"benchmark at {events:,} events",
        f"{'stage':<10}{'rows':>14}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}",
    ]
    for s in stages:
        lines.append(
            f"{s.name:<10}{s.rows:>14,}{s.seconds:>10.1f}{s.rows_per_second:>12,.0f}{s.peak_mb:>10,.0f}"
        )
    total = sum(s.seconds for s in stages)
    lines.append(f"{'total':<10}{'':>14}{total:>10.1f}")
    return "\n".join(lines)


def run_benchmark(
    *, events: int, seed: int, workdir: Path | None, echo: Callable[[str], None], build: Callable[..., dict]
) -> list[Stage]:
    from sources.demo.generator import generate
    from sources.load import load

    work = (workdir or settings.data_dir() / f"bench-{events}").resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ["NURTURE_DATA_DIR"] = str(work)
    os.environ["NURTURE_WAREHOUSE"] = str(work / "warehouse.duckdb")
    os.environ.pop("NURTURE_LANDING", None)

    stages: list[Stage] = []

    def done(stage: Stage) -> None:
        stages.append(stage)
        rate = f"{stage.rows_per_second:,.0f} rows/s"
        echo(f"stage {stage.name}: {stage.rows:,} rows in {stage.seconds:.1f} s ({rate})")

    started = time.perf_counter()
    gen = generate(work / "landing", work / "truth", events=events, seed=seed)
    done(Stage("generate", sum(gen.rows.values()), time.perf_counter() - started, _peak_mb()))

    started = time.perf_counter()
    summary = load()
    done(Stage("load", summary.total_rows, time.perf_counter() - started, _peak_mb()))

    started = time.perf_counter()
    build()  # raises when dbt fails
    done(Stage("build", summary.total_rows, time.perf_counter() - started, _peak_mb()))
    echo(render(stages, events))
    return stages
