"""The benchmark's arithmetic: growth between sizes, result files, peak memory of a process tree."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from orchestration.bench import PeakMemory, Run, Stage, Timed, growth, render, render_growth


def _run(events: int, load_seconds: float, build_seconds: float) -> Run:
    return Run(
        events,
        [Stage("load", events, load_seconds, 100.0), Stage("build", events, build_seconds, 200.0)],
    )


def test_growth_is_the_exponent_of_time_against_rows():
    small, large = _run(1_000_000, 10.0, 60.0), _run(10_000_000, 100.0, 1_000.0)
    g = growth(small, large)
    assert g["load"]["rows_ratio"] == pytest.approx(10.0)
    assert g["load"]["exponent"] == pytest.approx(1.0)  # ten times the rows, ten times the time
    assert g["build"]["exponent"] == pytest.approx(1.2218, abs=1e-3)  # 16.7x: worse than linear
    text = render_growth(small, large)
    assert "worse than linear" in text.splitlines()[-1] and "worse" not in text.splitlines()[-2]


def test_a_run_survives_its_result_file():
    run = _run(1_000, 2.0, 4.0)
    again = Run.from_dict(run.to_dict())
    assert again.stages == run.stages and again.events == 1_000
    assert run.to_dict()["stages"][0]["rows_per_second"] == 500.0


def test_peak_memory_counts_child_processes():
    with PeakMemory(interval=0.05) as alone:
        time.sleep(0.2)
    code = "x = bytearray(300 * 1024 * 1024); import time; time.sleep(1.5)"
    with PeakMemory(interval=0.05) as with_child:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert with_child.peak_mb > alone.peak_mb + 250


def test_slowest_models_read_from_run_results(tmp_path):
    from orchestration.bench import slowest_models

    path = tmp_path / "run_results.json"
    assert slowest_models(path) == []  # no build yet
    results = [
        {"unique_id": "model.nurture.fct_a", "execution_time": 1.5},
        {"unique_id": "test.nurture.not_null_x", "execution_time": 9.0},
        {"unique_id": "model.nurture.stg_b", "execution_time": 3.0},
        {"unique_id": "model.nurture.int_c", "execution_time": 0.5},
    ]
    path.write_text(json.dumps({"results": results}))
    assert slowest_models(path, n=2) == [("stg_b", 3.0), ("fct_a", 1.5)]


def test_the_critical_path_follows_what_each_node_waited_for(tmp_path):
    from orchestration.bench import CriticalPath, critical_path, render_critical_path

    def node(uid, parents=()):
        return {"unique_id": uid, "depends_on": {"nodes": list(parents)}}

    def result(uid, start, end):
        stamp = "2026-12-04T10:00:{:06.3f}Z"
        return {
            "unique_id": uid,
            "timing": [
                {"name": "compile", "started_at": stamp.format(start), "completed_at": stamp.format(start)},
                {"name": "execute", "started_at": stamp.format(start), "completed_at": stamp.format(end)},
            ],
        }

    # stg -> int -> fct; the test of int gates fct; wide runs beside them and ends first; the
    # relationships test reads both int and fct, so fct does not wait for it
    manifest = {
        "nodes": {
            "model.p.stg": node("model.p.stg"),
            "model.p.int": node("model.p.int", ["model.p.stg"]),
            "test.p.unique_int": node("test.p.unique_int", ["model.p.int"]),
            "test.p.relationships_fct": node("test.p.relationships_fct", ["model.p.fct", "model.p.int"]),
            "model.p.fct": node("model.p.fct", ["model.p.int"]),
            "model.p.wide": node("model.p.wide", ["model.p.stg"]),
        }
    }
    results = [
        result("model.p.stg", 0.0, 1.0),
        result("model.p.wide", 1.0, 9.0),
        result("model.p.int", 1.0, 3.0),
        result("test.p.unique_int", 3.0, 4.0),
        result("model.p.fct", 4.0, 10.0),
        result("test.p.relationships_fct", 10.0, 10.5),
    ]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))

    path = critical_path(tmp_path / "run_results.json", tmp_path / "manifest.json")

    assert path == CriticalPath(
        span=10.5,
        nodes=[("stg", 1.0), ("int", 2.0), ("unique_int", 1.0), ("fct", 6.0), ("relationships_fct", 0.5)],
    )
    assert path.seconds == 10.5
    lines = render_critical_path("frequent run", path, n=2)
    assert lines[0].startswith("critical path of the frequent run: 5 models and tests one after another")
    assert [line.split()[0] for line in lines[1:]] == ["fct", "int"]
    assert critical_path(tmp_path / "missing.json", tmp_path / "manifest.json") is None


def test_the_incremental_report_gives_the_ratio_of_each_stage():
    from orchestration.bench import CriticalPath, Run, Stage, render_increment

    run = Run(
        1000,
        [
            Stage("load", 1000, 10.0, 1),
            Stage("build", 1000, 40.0, 1),
            Stage("load_inc", 10, 1.0, 1),
            Stage("build_frequent", 10, 2.0, 1),
            Stage("build_idle", 0, 1.2, 1),
            Stage("build_inc", 10, 4.0, 1),
        ],
    )
    path = CriticalPath(span=2.0, nodes=[("stg_web__events", 0.5), ("fct_interactions", 1.2)])
    text = render_increment(run, 0.01, [("fct_interactions", 1.2)], [("fct_lead_scores", 0.7)], path)
    lines = text.splitlines()
    load_line = next(line for line in lines if line.startswith("load"))
    frequent_line = next(line for line in lines if line.startswith("frequent"))
    whole_line = next(line for line in lines if line.startswith("whole"))
    idle_line = next(line for line in lines if line.startswith("idle "))
    assert load_line.endswith("10.0%") and frequent_line.endswith("5.0%") and whole_line.endswith("10.0%")
    assert idle_line.endswith("3.0%")  # the frequent run again, nothing new: 1.2 s against 40 s
    assert "1.2 of the frequent run's 2.0 s do not depend on the new rows" in text
    assert "fct_interactions" in text and "fct_lead_scores" in text
    assert "1.00% more events after 1,000" in text
    assert lines.index("slowest models of the frequent run (seconds):") < lines.index(
        "slowest models of the whole incremental build (seconds):"
    )
    assert (
        "critical path of the frequent run: 2 models and tests one after another, 1.7 s of the 2.0 s" in text
    )
    assert "CPU" not in text  # no CPU seconds measured: no CPU line

    run.stages[1].cpu_seconds, run.stages[3].cpu_seconds, run.stages[5].cpu_seconds = 80.0, 10.0, 20.0
    cpu_lines = [line for line in render_increment(run, 0.01, []).splitlines() if "CPU" in line]
    assert cpu_lines[0].startswith("frequent CPU") and cpu_lines[0].endswith("12.5%")
    assert cpu_lines[1].startswith("whole CPU") and cpu_lines[1].endswith("25.0%")

    del run.stages[3:5]  # an older result file without the frequent run nor the idle one
    assert "frequent" not in render_increment(run, 0.01, []) and "idle" not in render_increment(run, 0.01, [])


def test_cpu_seconds_of_a_stage_count_finished_child_processes():
    code = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"
    with Timed() as t:
        subprocess.run([sys.executable, "-c", code], check=True)
    stage = t.stage("load", 1_200)
    assert stage.cpu_seconds >= 0.55
    assert stage.rows_per_cpu_second == pytest.approx(1_200 / stage.cpu_seconds)
    assert Run.from_dict(Run(1, [stage]).to_dict()).stages == [stage]
    assert "rows/CPU s" in render([stage], 1)


def test_a_failed_build_stops_the_benchmark():
    from orchestration.bench import _check_build

    _check_build({"success": 1, "model_success": 3})
    _check_build(None)
    with pytest.raises(RuntimeError, match="test_fail"):
        _check_build({"success": 0, "model_success": 2, "test_fail": 1, "model_skipped": 5})
