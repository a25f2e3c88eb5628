"""formcheck batch: inputs and manifests, same results as single runs, resumable, failures reported, a queryable store.

Fast tier: synthetic runners (formcheck.synth) saved as pose tracks without a video, so each clip
is the analysis alone (no MediaPipe), run in threads or a spawn pool.
Slow tier (MediaPipe on whole clips): the sample clips and ../shared/videos/treadmill_side_01.mp4
with two local workers against single ``formcheck analyze`` runs; the same batch on a real Dask
scheduler and two workers started here; Ctrl-C in the middle of a batch and the re-run.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck import batch
from formcheck.outputs import load_run
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=timeout, check=False)


def read_rows(outdir: Path) -> list[dict[str, str]]:
    with open(outdir / "batch.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def synthetic_squad(folder: Path) -> Path:
    """Three synthetic runners' pose tracks (no video: analysis only), a corrupt clip, and a manifest naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, overstride, hip in (("week1", 30, 3), ("week2", 12, 12), ("other", 20, 8)):
        g = simulate_gait(GaitParams(overstride_pct_leg=overstride, hip_extension_deg=hip, duration_s=5, fps=30, image_size=(640, 360)))
        to_pose_track(g, noise_px=1.0).save(folder / f"{name}.npz")
    (folder / "x.mp4").write_text("this is not a video\n")
    manifest = folder / "squad.csv"
    manifest.write_text("path,runner,date,height_cm,facing,fps,note\n"
                        "week1.npz,Ana,2026-01-05,170,,,first\n"
                        "week2.npz,Ana,2026-02-02 18:30,170,,,after drills\n"
                        "other.npz,Ben,2026-01-06,,,,\n"
                        "x.mp4,Ben,2026-01-07,,,,broken\n")
    return manifest


@pytest.fixture(scope="module")
def squad(tmp_path_factory) -> Path:
    return synthetic_squad(tmp_path_factory.mktemp("squad"))


@pytest.fixture(scope="module")
def threaded_batch(squad, tmp_path_factory) -> tuple[Path, batch.BatchReport]:
    out = tmp_path_factory.mktemp("batch") / "out"
    with cf.ThreadPoolExecutor(2) as pool:
        report = batch.run([squad], out, executor=pool)
    return out, report


# ------------------------------------------------------------------------------------------ inputs
def test_manifest_rows_paths_and_defaults(tmp_path):
    (tmp_path / "clips").mkdir()
    for name in ("a.mp4", "b.mp4"):
        (tmp_path / "clips" / name).write_bytes(b"x")
    stamp = 1767268800  # 2026-01-01 12:00 UTC: the date of a clip the manifest gives none for
    os.utime(tmp_path / "clips" / "b.mp4", (stamp, stamp))
    manifest = tmp_path / "m.csv"
    manifest.write_text("path, runner ,date,facing\nclips/a.mp4,Jo/Ann,2026-03-01,LEFT\nclips/a.mp4,Jo/Ann,2026-03-01,\nclips/b.mp4,,,\n\n")
    clips = batch.collect_clips([manifest], tmp_path / "out")
    assert [c.path for c in clips] == [str(tmp_path / "clips" / n) for n in ("a.mp4", "a.mp4", "b.mp4")]
    assert [c.folder for c in clips] == ["runner=Jo_Ann/2026-03-01_a", "runner=Jo_Ann/2026-03-01_a_2",
                                         f"runner=unknown/{clips[2].date}_b"]
    assert clips[0].facing == "left" and clips[1].facing is None
    assert (clips[0].date_source, clips[2].date_source) == ("manifest", "file")
    assert clips[2].date == __import__("datetime").datetime.fromtimestamp(stamp).date().isoformat()


@pytest.mark.parametrize(("row", "fragment"), [
    ("a.mp4,x,2026-13-01", "is not a date"),
    ("a.mp4,x,2026-01-01,1.78", "height_cm 1.78 is outside 80-250"),
    ("a.mp4,x,,,up", "facing must be 'left' or 'right'"),
    (",x,2026-01-01", "no path"),
])
def test_bad_manifest_row_is_a_usage_error_naming_the_row(tmp_path, row, fragment):
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,runner,date,height_cm,facing\n{row}\n")
    with pytest.raises(batch.BatchInputError) as err:
        batch.collect_clips([manifest], tmp_path / "out")
    assert err.value.exit_code == 2
    assert "row 2" in str(err.value) and fragment in str(err.value)


def test_folder_input_finds_videos_by_runner_folder_and_skips_outdir(tmp_path):
    root = tmp_path / "films"
    for rel in ("loose.mp4", "ana/w1.MOV", "ana/notes.txt", ".hidden/x.mp4", "out/runner=ana/2026-01-01_w1/annotated.mp4"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    clips = batch.collect_clips([root], root / "out")
    assert sorted((Path(c.path).relative_to(root).as_posix(), c.runner) for c in clips) == [("ana/w1.MOV", "ana"), ("loose.mp4", "unknown")]


def test_missing_input_fails_before_any_work(tmp_path):
    with pytest.raises(batch.BatchInputError, match="no such file or folder"):
        batch.run([tmp_path / "nope.mp4"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ a batch
def test_every_clip_reported_and_a_corrupt_one_does_not_stop_the_rest(threaded_batch, squad):
    out, report = threaded_batch
    rows = read_rows(out)
    assert [(Path(r["path"]).name, r["status"], r["exit_code"]) for r in rows] == [
        ("week1.npz", "done", "0"), ("week2.npz", "done", "0"), ("other.npz", "done", "0"), ("x.mp4", "failed", "3")]
    assert "not a readable video" in rows[3]["message"] and rows[3]["note"] == "broken"
    # every clip has its time; a corrupt file can fail in under 5 ms, which rounds to 0.00
    assert all(float(r["seconds"]) > 0 for r in rows[:3]) and float(rows[3]["seconds"]) >= 0
    assert report.exit_code == 3
    assert not (out / rows[3]["output"]).exists()  # a failed clip leaves no folder
    for r in rows[:3]:
        folder = out / r["output"]
        assert {"analysis.json", "steps.csv", "report.html", "steps.parquet", "summary.parquet", "batch.json"} <= {p.name for p in folder.iterdir()}


def test_outputs_equal_a_single_analysis_of_the_same_input(threaded_batch, squad):
    out, _ = threaded_batch
    for name, folder, height in (("week1", "runner=Ana/2026-01-05_week1", 170.0), ("other", "runner=Ben/2026-01-06_other", None)):
        single = load_run(squad.parent / f"{name}.npz", height_cm=height).result.to_json() + "\n"
        assert (out / folder / "analysis.json").read_text() == single


def test_duckdb_reads_the_dataset_and_its_numbers_match_the_analysis_files(threaded_batch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra")
    out, _ = threaded_batch
    summary = duckdb.sql(
        f"SELECT runner, recording, side, median, iqr_low, n FROM read_parquet('{out}/**/summary.parquet', hive_partitioning=true) "
        "WHERE metric = 'overstride_pct_leg' ORDER BY runner, recording, side").fetchall()
    steps = duckdb.sql(
        f"SELECT runner, recording, count(*), avg(overstride_pct_leg), max(contact_frame) "
        f"FROM read_parquet('{out}/**/steps.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL").fetchall()
    expected_summary, expected_steps = [], []
    for path in sorted(out.glob("runner=*/*/analysis.json")):
        runner, recording = path.parent.parent.name.split("=")[1], path.parent.name
        data = json.loads(path.read_text())
        for side in ("left", "right"):
            m = data["summary"][side]["overstride_pct_leg"]
            expected_summary.append((runner, recording, side, m["median"], m["iqr"][0], m["n"]))
        values = [s["overstride_pct_leg"] for s in data["steps"] if s["overstride_pct_leg"] is not None]
        expected_steps.append((runner, recording, len(data["steps"]), float(np.mean(values)), max(s["contact_frame"] for s in data["steps"])))
    assert len(summary) == 6 and summary == expected_summary
    assert [r[:3] + (r[4],) for r in steps] == [r[:3] + (r[4],) for r in expected_steps]
    assert [r[3] for r in steps] == pytest.approx([r[3] for r in expected_steps], abs=1e-9)


def test_rerun_skips_finished_clips_and_redoes_them_when_an_option_changes(squad, tmp_path):
    out = tmp_path / "out"
    inputs = [squad.parent / "other.npz", squad.parent / "x.mp4"]
    with cf.ThreadPoolExecutor(2) as pool:
        batch.run(inputs, out, executor=pool, options=batch.Options(report=False))
        stamps = {p: p.stat().st_mtime_ns for p in out.glob("runner=*/*/analysis.json")}
        assert len(stamps) == 1
        again = batch.run(inputs, out, executor=pool, options=batch.Options(report=False))
        assert [r.status for r in again.rows] == ["skipped (already done)", "failed"]
        assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
        assert [(r["status"], r["exit_code"]) for r in read_rows(out)] == [("skipped (already done)", "0"), ("failed", "3")]
        changed = batch.run(inputs, out, executor=pool, options=batch.Options(report=True))
    assert [r.status for r in changed.rows] == ["done", "failed"]
    assert (out / changed.rows[0].clip.folder / "report.html").is_file()


def test_a_folder_left_half_swapped_is_not_taken_for_finished(squad, tmp_path):
    out = tmp_path / "out"
    with cf.ThreadPoolExecutor(1) as pool:
        first = batch.run([squad.parent / "other.npz"], out, executor=pool, options=batch.Options(report=False))
        folder = out / first.rows[0].clip.folder
        (folder / "steps.parquet").unlink()  # as if killed between two renames of the swap
        again = batch.run([squad.parent / "other.npz"], out, executor=pool, options=batch.Options(report=False))
    assert again.rows[0].status == "done" and (folder / "steps.parquet").is_file()


@pytest.mark.slow  # starts two interpreters that import the analysis stages (several seconds each)
def test_spawn_pool_gives_the_threads_results(threaded_batch, squad, tmp_path):
    """The default executor: worker processes started with spawn, each with its own imports."""
    out, _ = threaded_batch
    report = batch.run([squad], tmp_path / "out", workers=2)
    assert [r.status for r in report.rows] == ["done", "done", "done", "failed"]
    for r in report.rows[:3]:
        assert (tmp_path / "out" / r.clip.folder / "analysis.json").read_bytes() == (out / r.clip.folder / "analysis.json").read_bytes()


# ------------------------------------------------------------------------------------------ the command
def _cli(*args: str) -> tuple[int, str, str]:
    """The CLI in this process (no interpreter start-up per call): exit code, stdout, stderr."""
    from typer.testing import CliRunner

    from formcheck.cli import app

    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _assert_one_line_error(result: tuple[int, str, str], code: int, fragment: str) -> None:
    exit_code, _, stderr = result
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert exit_code == code, stderr
    assert len(lines) == 1 and lines[0].startswith("formcheck: error:") and fragment in lines[0], stderr


def test_cli_errors_are_one_line_with_the_readme_codes(squad, tmp_path):
    _assert_one_line_error(_cli("batch", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o")), 3, "no such file or folder")
    bad = tmp_path / "bad.csv"
    bad.write_text("clip,runner\na.mp4,x\n")
    _assert_one_line_error(_cli("batch", str(bad), "-o", str(tmp_path / "o")), 2, "needs a 'path' column")
    _assert_one_line_error(_cli("batch", str(squad), "-o", str(tmp_path / "o"), "--workers", "2", "--cluster", "tcp://127.0.0.1:1"),
                           2, "--workers")
    (tmp_path / "file").write_text("x")
    _assert_one_line_error(_cli("batch", str(squad), "-o", str(tmp_path / "file")), 6, "is a file")
    _assert_one_line_error(_cli("history", str(tmp_path)), 3, "no finished recordings")


def test_a_batch_and_an_analysis_never_share_a_folder(squad, threaded_batch, tmp_path):
    """A newcomer's find: analyze wrote its files beside a batch's batch.csv, and a batch ran into an analyze folder,
    although the README lists "it holds another command's run" under exit 6. Both are refused, nothing touched."""
    analysed = tmp_path / "analysed"
    code, _, err = _cli("analyze", str(squad.parent / "week1.npz"), "-o", str(analysed), "--no-video", "-q")
    assert code == 0, err
    before = sorted(p.name for p in analysed.iterdir())
    _assert_one_line_error(_cli("batch", str(squad), "-o", str(analysed)), 6,
                           "holds a formcheck analyze run; write the batch to another folder")
    assert sorted(p.name for p in analysed.iterdir()) == before
    batch_out, _ = threaded_batch
    before = sorted(p.name for p in batch_out.iterdir())
    _assert_one_line_error(_cli("analyze", str(squad.parent / "week1.npz"), "-o", str(batch_out), "--no-video"), 6,
                           "holds a formcheck batch run; write the analysis to another folder")
    assert sorted(p.name for p in batch_out.iterdir()) == before
    # a user's own file named batch.csv (a manifest of clips) does not make a folder a batch's (a reviewer's case)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "batch.csv").write_text("path,runner\nweek1.npz,Ana\n")
    code, _, err = _cli("analyze", str(squad.parent / "week1.npz"), "-o", str(mine), "--no-video", "-q")
    assert code == 0, err
    assert (mine / "analysis.json").is_file() and (mine / "batch.csv").read_text().startswith("path,runner\n")


def test_the_batch_folder_check_reads_batch_csvs_own_header():
    from formcheck.atomic import _BATCH_TABLE_HEADER

    assert ",".join(batch.CSV_COLUMNS).startswith(_BATCH_TABLE_HEADER)


def test_cluster_without_dask_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(batch.ClusterError, match=r"pip install 'formcheck\[cluster\]'"), batch.cluster_executor("tcp://127.0.0.1:1"):
        pass


# ------------------------------------------------------------------------------------------ Ctrl-C
def _swapped_in_markers(out: Path) -> list[Path]:
    """batch.json in clips' folders, not in a clip's staging folder (``.NAME.formcheck-tmp-*``, which
    pathlib's ``*`` also matches): a staged marker is not a finished clip yet."""
    return [p for p in out.glob("runner=*/*/batch.json") if not p.parent.name.startswith(".")]


@pytest.mark.slow
def test_ctrl_c_keeps_finished_clips_and_the_rerun_does_only_the_rest(squad, tmp_path):
    """SIGINT to the batch's process group (what a terminal's Ctrl-C does) once the first clip is done."""
    manifest = tmp_path / "many.csv"
    names = ["week1", "week2", "other", "week1", "week2", "other"]
    manifest.write_text("path,runner,date\n" + "".join(f"{squad.parent / n}.npz,R{i},2026-01-0{i + 1}\n" for i, n in enumerate(names)))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "formcheck", "batch", str(manifest), "-o", str(out), "--workers", "1", "--no-video"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not _swapped_in_markers(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    rows = read_rows(out)
    done = [r["output"] for r in rows if r["status"] == "done"]
    assert done and len(done) < len(names)
    assert {r["status"] for r in rows} == {"done", "interrupted"}
    assert sorted(p.parent.relative_to(out).as_posix() for p in _swapped_in_markers(out)) == sorted(done)
    assert not [p for p in out.rglob(".*") if p.name not in (".formcheck-files.json",)]  # no staging or lock left
    stamps = {o: (out / o / "analysis.json").stat().st_mtime_ns for o in done}

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    again = read_rows(out)
    assert [r["status"] for r in again] == ["skipped (already done)" if r["output"] in done else "done" for r in rows]
    assert {o: (out / o / "analysis.json").stat().st_mtime_ns for o in done} == stamps


# ------------------------------------------------------------------------------------------ real clips
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def real_manifest(tmp_path_factory) -> Path:
    """before/after as two dated recordings of one runner, the real treadmill clip when ../shared is there, a corrupt clip."""
    folder = tmp_path_factory.mktemp("real")
    (folder / "x.mp4").write_text("this is not a video\n")
    rows = [f"{SAMPLES / 'before.mp4'},Sam,2026-01-05", f"{SAMPLES / 'after.mp4'},Sam,2026-02-02"]
    shared = REPO.parent / "shared" / "videos" / "treadmill_side_01.mp4"
    if shared.is_file():
        rows.append(f"{shared},Tom,2026-01-10")
    rows.append(f"{folder / 'x.mp4'},Tom,2026-01-11")
    manifest = folder / "real.csv"
    manifest.write_text("path,runner,date\n" + "\n".join(rows) + "\n")
    return manifest


@pytest.fixture(scope="module")
def real_batch(real_manifest, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("realbatch") / "out"
    result = run_cli("batch", str(real_manifest), "-o", str(out), "--workers", "2", "--no-video")
    assert result.returncode == 3, result.stderr  # the corrupt clip's code
    return out


@pytest.mark.slow
def test_two_workers_give_the_single_analyze_outputs(real_batch, real_manifest, tmp_path):
    rows = read_rows(real_batch)
    assert [r["status"] for r in rows] == ["done"] * (len(rows) - 1) + ["failed"]
    singles = {}
    for pair in (rows[:-1][i:i + 2] for i in range(0, len(rows) - 1, 2)):  # single runs, two at a time
        started = {}
        for r in pair:
            out = tmp_path / Path(r["output"]).name
            started[r["output"]] = (out, subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", r["path"], "-o", str(out),
                                                           "--no-video", "-q"], stderr=subprocess.PIPE, text=True))
        for output, (out, proc) in started.items():
            proc.wait(timeout=900)
        singles.update(started)
    for output, (single, proc) in singles.items():
        assert proc.returncode == 0, proc.stderr.read()
        for name in ("analysis.json", "steps.csv"):
            assert (real_batch / output / name).read_bytes() == (single / name).read_bytes(), f"{output}/{name}"


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_results(real_batch, real_manifest, tmp_path):
    pytest.importorskip("distributed", reason="distributed is in the test extra")
    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)]
    try:
        for i in range(2):
            procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                                           "--name", f"w{i}", "--local-directory", str(tmp_path / f"w{i}")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            assert len(client.scheduler_info()["workers"]) == 2
        out = tmp_path / "out"
        result = run_cli("batch", str(real_manifest), "-o", str(out), "--cluster", address, "--no-video", "-q")
        assert result.returncode == 3, result.stderr
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    rows = read_rows(out)
    assert [(r["output"], r["status"], r["exit_code"]) for r in rows] == [(r["output"], r["status"], r["exit_code"]) for r in read_rows(real_batch)]
    for r in rows:
        if r["status"] == "done":
            assert (out / r["output"] / "analysis.json").read_bytes() == (real_batch / r["output"] / "analysis.json").read_bytes()


@pytest.mark.slow
def test_history_of_the_real_pair_says_overstride_improved(real_batch):
    result = run_cli("history", str(real_batch), "--runner", "Sam")
    assert result.returncode == 0, result.stderr
    data = json.loads((real_batch / "history.json").read_text())
    sam = next(r for r in data["runners"] if r["runner"] == "Sam")
    assert [rec["date"] for rec in sam["recordings"]] == ["2026-01-05", "2026-02-02"]
    change = sam["metrics"]["overstride_pct_leg"]["points"][1]["since_previous"]
    assert change["verdict"] == "improved" and change["difference"] < -change["sdc"]
    assert "improved" in next(line for line in result.stdout.splitlines() if "Overstride" in line)


def test_an_interrupted_clips_leftovers_are_removed(tmp_path):
    """What a killed worker leaves (formcheck.atomic's staging folder beside the clip's folder, and a
    first run's folder holding only its lock file) is removed; a finished folder's files are not."""
    from formcheck import atomic

    clip = batch.Clip("a.mp4", "Ana", "2026-01-05", "2026-01-05", "manifest", "runner=Ana/2026-01-05_a")
    folder = tmp_path / clip.folder
    folder.mkdir(parents=True)
    (folder / atomic.LOCK_NAME).write_text("123\n")
    staging = folder.parent / f".{folder.name}{atomic._STAGING_TAG}abcd1234"
    staging.mkdir()
    (staging / "steps.parquet").write_bytes(b"x")
    batch._discard_staging(tmp_path, clip)
    assert not staging.exists() and not folder.exists()
    folder.mkdir()
    (folder / "analysis.json").write_text("{}")
    (folder / atomic.LOCK_NAME).write_text("123\n")
    batch._discard_staging(tmp_path, clip)
    assert (folder / "analysis.json").is_file()
