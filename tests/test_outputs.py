"""Output folders nothing can damage (issue 15): written as a whole, locked, never over an input.

Fast: the runs are synthetic runners (formcheck.synth: landmark tracks with known form, no
MediaPipe) saved as pose tracks whose source video is a small still clip of the same length, so
`formcheck analyze track.npz` makes the whole folder (clip, stills, report) in a few seconds.
Each case was first run against the code before this change (git show HEAD~:src/formcheck/...
in a temporary copy): the folders mixed, lost or kept files as the issue describes.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.atomic import (
    LOCK_NAME,
    MANIFEST_NAME,
    OutputBusyError,
    OutputFolder,
    OutputPathError,
    read_manifest,
)
from formcheck.cli import EXIT_BAD_INPUT, EXIT_OUTPUT, app


# ------------------------------------------------------------------------------------------- runs
def _make_run(folder: Path, name: str, duration_s: float = 6.0, **form: float) -> Path:
    """A synthetic runner's pose track (``name.npz``) and its source clip (``name.mp4``, the empty scene)."""
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track
    from formcheck.synth.render import render_background
    from formcheck.video import H264Writer

    gait = simulate_gait(GaitParams(fps=30.0, duration_s=duration_s, image_size=(320, 180), **form))
    clip = folder / f"{name}.mp4"
    background = np.clip(render_background(gait), 0, 255).astype(np.uint8)
    with H264Writer(clip, gait.fps, gait.params.image_size) as writer:
        for i in range(gait.n_frames):
            writer.write(background, float(gait.times_s[i]))
    track = replace(to_pose_track(gait), source=str(clip))
    track.info["video_fps"] = gait.fps
    return track.save(folder / f"{name}.npz")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """plain: no findings (stills contact, toe_off); overstrider: overstride stills on both legs. (The plain runner lands
    4 % of leg length ahead of the COM: the default 12 % is borderline at 30 fps, where half a frame of event timing
    moves the foot ~5 % leg.)"""
    folder = tmp_path_factory.mktemp("runs")
    return {"plain": _make_run(folder, "plain", overstride_pct_leg=4.0),
            "overstrider": _make_run(folder, "overstrider", overstride_pct_leg=24.0)}


def cli(*args: str) -> tuple[int, str, str]:
    """The CLI in this process (so that stages can be monkeypatched): exit code, stdout, stderr."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) -> its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(outdir: Path) -> list[str]:
    """Staging folders or lock files a run left behind, beside or inside OUTDIR."""
    beside = [p.name for p in outdir.parent.iterdir() if ".formcheck-tmp-" in p.name]
    inside = [p.name for p in outdir.iterdir() if ".formcheck-tmp-" in p.name or p.name == LOCK_NAME] if outdir.is_dir() else []
    return beside + inside


def formcheck_files(outdir: Path) -> set[str]:
    return {rel for rel in snapshot(outdir) if rel != MANIFEST_NAME}


@pytest.fixture(scope="module")
def previous(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete earlier run of the overstrider (clip, four stills, report), to copy as OUTDIR."""
    out = tmp_path_factory.mktemp("previous") / "out"
    code, _, err = cli("analyze", str(runs["overstrider"]), "-o", str(out), "-q")
    assert code == 0, err
    return out


def copy_folder(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.fixture()
def no_pose_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to run the pose model fails the test (the checks must come first)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pose model ran before the output was checked")

    for name in ("extract_pose_track", "extract_pose_and_camera"):  # the model's entry points (analyze uses the second)
        monkeypatch.setattr(f"formcheck.pose.{name}", refuse, raising=False)


# ------------------------------------------------------------------------- a run makes a whole folder
def test_previous_run_is_complete_and_listed(previous: Path) -> None:
    manifest = json.loads((previous / MANIFEST_NAME).read_text())
    assert manifest["complete"] is True
    assert set(manifest["files"]) == formcheck_files(previous)
    assert {"stills/overstride_left.png", "stills/overstride_right.png", "annotated.mp4", "report.html"} <= set(manifest["files"])
    assert leftovers(previous) == []


def test_stale_outputs_go_and_the_users_files_stay(previous: Path, runs: dict[str, Path], tmp_path: Path) -> None:
    """The issue: an earlier clip's stills/overstride_left.png and, after --no-video, the old annotated.mp4 stayed."""
    out = copy_folder(previous, tmp_path / "out")
    (out / "notes.txt").write_text("my notes\n")
    (out / "stills" / "mine.png").write_bytes(b"my own picture")
    code, stdout, err = cli("analyze", str(runs["plain"]), "-o", str(out), "--no-video")
    assert code == 0, err
    files = formcheck_files(out)
    assert "annotated.mp4" not in files
    assert "stills/overstride_left.png" not in files and "stills/overstride_right.png" not in files
    assert {"analysis.json", "steps.csv", "report.html", "stills/contact.png", "stills/toe_off.png"} <= files
    assert (out / "notes.txt").read_text() == "my notes\n"
    assert (out / "stills" / "mine.png").read_bytes() == b"my own picture"
    assert set(read_manifest(out)) == files - {"notes.txt", "stills/mine.png"}
    assert json.loads((out / "analysis.json").read_text())["video"]["source"].endswith("plain.mp4")
    assert f"{out / 'stills'}{os.sep} (2 images)" in stdout  # the Wrote line names stills/
    assert leftovers(out) == []


def test_a_users_own_report_is_never_replaced(runs: dict[str, Path], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder the user keeps their own report.html in (no formcheck run wrote it): refused before any work
    (the run's loading stage would fail the test), one line naming the file, exit 6, the folder byte for byte
    as it was. With --no-report the run writes no report.html, and goes ahead."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("<p>my coach's notes</p>\n")
    before = snapshot(out)

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started before its output folder was checked")

    with monkeypatch.context() as patched:
        patched.setattr("formcheck.outputs.load_run", no_work)
        code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "-q")
    assert code == EXIT_OUTPUT
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "its report.html is not one formcheck wrote there" in lines[0], err
    assert snapshot(out) == before and leftovers(out) == []
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "-q", "--no-report", "--no-video")
    assert code == 0, err
    assert (out / "report.html").read_text() == "<p>my coach's notes</p>\n" and (out / "analysis.json").is_file()


def test_a_users_file_named_like_a_still_stops_the_commit(runs: dict[str, Path], tmp_path: Path) -> None:
    """A still's name is known only when the run ends: a user's own stills/contact.png is found at the commit, the
    run refused and the folder left as it was (the run's files are not half moved in)."""
    out = tmp_path / "out"
    (out / "stills").mkdir(parents=True)
    (out / "stills" / "contact.png").write_bytes(b"my own picture")
    before = snapshot(out)
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "-q", "--no-video")
    assert code == EXIT_OUTPUT
    assert "its stills/contact.png is not one formcheck wrote there" in err
    assert snapshot(out) == before and leftovers(out) == []


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_compare_removes_its_old_side_by_side_clip(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, _, err = cli("compare", str(runs["overstrider"]), str(runs["plain"]), "-o", str(out), "-q", "--no-report")
    assert code == 0, err
    assert formcheck_files(out) == {"compare.json", "compare.mp4"}
    code, stdout, err = cli("compare", str(runs["overstrider"]), str(runs["plain"]), "-o", str(out), "--no-video", "--no-report")
    assert code == 0, err
    assert formcheck_files(out) == {"compare.json"}
    assert "Findings resolved: overstride (left), overstride (right)" in stdout


def test_stills_folder_left_when_the_user_keeps_files_there(previous: Path, runs: dict[str, Path], tmp_path: Path) -> None:
    """A stills/ emptied of formcheck's files goes; with the user's file in it, it stays."""
    out = copy_folder(previous, tmp_path / "out")
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "--no-video", "--no-report", "-q")
    assert code == 0, err
    assert (out / "stills").is_dir()  # plain's own stills are there
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    manifest["files"].remove("stills/contact.png")  # pretend a user's file
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))
    import shutil

    shutil.rmtree(out / "stills")
    (out / "stills").mkdir()
    (out / "stills" / "contact.png").write_bytes(b"user's")
    folder = OutputFolder(out, names=("analysis.json",))
    with folder:
        (folder.staging / "analysis.json").write_text("{}")
    assert (out / "stills" / "contact.png").read_bytes() == b"user's"


# ------------------------------------------------------------------------------- interrupted runs
def test_ctrl_c_during_the_clip_leaves_the_previous_folder_byte_for_byte(
    previous: Path, runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue: Ctrl-C after analysis.json was written left new analysis.json/steps.csv beside the old clip."""
    from formcheck.video import H264Writer

    out = copy_folder(previous, tmp_path / "out")
    before = snapshot(out)
    real_write = H264Writer.write
    frames = []

    def write_then_interrupt(self: H264Writer, rgb: np.ndarray, time_s: float | None = None) -> None:
        frames.append(time_s)
        if len(frames) == 20:
            raise KeyboardInterrupt
        real_write(self, rgb, time_s)

    monkeypatch.setattr(H264Writer, "write", write_then_interrupt)
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out))
    assert code == 130, err
    assert "interrupted" in err
    assert len(frames) == 20  # it was stopped inside the clip, after analysis.json and steps.csv were made
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_ctrl_c_during_the_stills_leaves_the_previous_folder_byte_for_byte(
    previous: Path, runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formcheck import annotated_clip

    out = copy_folder(previous, tmp_path / "out")
    before = snapshot(out)
    real_still = annotated_clip._write_still
    written: list[Path] = []

    def png_then_interrupt(path: Path, rgb: np.ndarray) -> bytes:
        if written:
            raise KeyboardInterrupt
        preview = real_still(path, rgb)
        written.append(path)
        return preview

    monkeypatch.setattr(annotated_clip, "_write_still", png_then_interrupt)
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "--no-video")
    assert code == 130, err
    assert len(written) == 1 and ".out.formcheck-tmp-" in written[0].parent.parent.name  # one new still was made, staged
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_failed_first_run_leaves_no_folder(runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the report")

    monkeypatch.setattr("formcheck.report.write_report", fail)
    out = tmp_path / "new" / "out"
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "--no-video")
    assert code == 1 and "internal error" in err, err  # an unexpected error: internal, but nothing half-written
    assert not (tmp_path / "new").exists()


WRITE_FAILURES = [(errno.ENOSPC, "No space left on device", "free some space"), (errno.EDQUOT, "Disk quota exceeded", "free some space"),
                  (errno.EROFS, "Read-only file system", "choose another output")]


@pytest.mark.parametrize(("code_", "reason", "advice"), WRITE_FAILURES)
def test_a_full_disk_while_writing_is_an_output_error(
    previous: Path, runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code_: int, reason: str, advice: str
) -> None:
    """The review: a full disk while writing the outputs gave "internal error", exit 1. Now exit 6, one line, and the
    previous results left as they were (a first run leaves no folder)."""
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(code_, reason, str(tmp_path / "staged" / "report.html"))

    monkeypatch.setattr("formcheck.report.write_report", full)
    out = copy_folder(previous, tmp_path / "out")
    before = snapshot(out)
    for target in (out, tmp_path / "new" / "out"):
        code, _, err = cli("analyze", str(runs["plain"]), "-o", str(target), "--no-video")
        assert code == EXIT_OUTPUT, err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and "internal error" not in err, err
        assert f"output folder {target}: cannot write the outputs ({reason}: " in lines[0] and advice in lines[0]
    assert snapshot(out) == before and leftovers(out) == []
    assert not (tmp_path / "new").exists()


def test_a_full_disk_while_saving_a_pose_track_is_an_output_error(runs: dict[str, Path], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from formcheck.pose_track import PoseTrack

    track = PoseTrack.load(runs["plain"])
    monkeypatch.setattr("formcheck.pose.extract_pose_track", lambda *args, **kwargs: track)

    def full(self: PoseTrack, path: Path) -> Path:
        Path(path).write_bytes(b"half a track")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(PoseTrack, "save", full)
    code, _, err = cli("pose", str(_clip(runs)), "-o", str(tmp_path / "t.npz"), "-q")
    assert code == EXIT_OUTPUT and "cannot write the outputs (No space left on device" in err and "internal error" not in err, err
    assert list(tmp_path.iterdir()) == []  # the half-written staged file is gone too


def test_a_full_disk_anywhere_else_is_an_output_error_too() -> None:
    """Outside an output folder's own handling (a cache, a temporary file): the CLI maps it the same way."""
    import typer

    from formcheck.cli import handle_errors

    @handle_errors
    def command() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/formcheck-stills-x/a.png")

    with pytest.raises(typer.Exit) as exc:
        command()
    assert exc.value.exit_code == EXIT_OUTPUT


def test_ctrl_c_turned_into_another_error_is_still_an_interruption() -> None:
    """Ctrl-C landing while a C extension module initialises comes out as "ImportError: initialization failed"
    (seen once in 9 interrupted runs): exit 130, "interrupted", not an internal error. Another error without a
    Ctrl-C stays an internal error, and the SIGINT handler is put back afterwards."""
    import typer

    from formcheck.cli import EXIT_INTERNAL, handle_errors

    @handle_errors
    def interrupted_import() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)  # the handler runs here
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None

    @handle_errors
    def broken() -> None:
        raise ImportError("initialization failed")

    @handle_errors
    def terminated_import() -> None:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1.0)
        except SystemExit:
            raise ImportError("initialization failed") from None

    for command, code in ((interrupted_import, 130), (terminated_import, 128 + signal.SIGTERM), (broken, EXIT_INTERNAL)):
        with pytest.raises(typer.Exit) as exc:
            command()
        assert exc.value.exit_code == code
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_ignored_ctrl_c_stays_ignored() -> None:
    """A run started with SIGINT ignored (a background job of a shell script) must not start answering it."""
    from formcheck.cli import handle_errors

    @handle_errors
    def command() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
        return "done"

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert command() == "done"
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.slow  # a real process encoding a 20 s clip (~10 s); the in-process interrupts above are the fast tier's
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_a_real_run_leaves_the_previous_folder_byte_for_byte(previous: Path, tmp_path: Path, signum: int, code: int) -> None:
    """Ctrl-C as the terminal sends it (or kill's SIGTERM), to a separate process, while it encodes the annotated clip."""
    long_run = _make_run(tmp_path, "long", duration_s=20.0)
    out = copy_folder(previous, tmp_path / "out")
    before = snapshot(out)
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", str(long_run), "-o", str(out), "-q", "--slowmo-contacts", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    partial = None
    while time.monotonic() < deadline and proc.poll() is None and partial is None:
        partial = next((p for p in tmp_path.glob(".out.formcheck-tmp-*/annotated.partial.mp4")), None)
        time.sleep(0.02)
    assert partial is not None, "the run never reached the clip"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == ("formcheck: interrupted" if signum == signal.SIGINT else "formcheck: terminated"), err
    assert snapshot(out) == before
    assert leftovers(out) == []


# ------------------------------------------------------------------------- one command per folder
def test_compare_into_an_analysis_folder_is_refused_and_deletes_nothing(
    previous: Path, runs: dict[str, Path], tmp_path: Path, no_pose_model: None
) -> None:
    """The review: compare's commit removed every file the analyze run had listed, as stale."""
    out = copy_folder(previous, tmp_path / "out")
    before = snapshot(out)
    code, _, err = cli("compare", str(runs["plain"]), str(runs["overstrider"]), "-o", str(out), "--no-video")
    assert code == EXIT_OUTPUT, err
    assert err.strip() == f"formcheck: error: output folder {out}: holds a formcheck analyze run; write the comparison to another folder (-o)"
    assert snapshot(out) == before
    assert leftovers(out) == []


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_analyze_into_a_compare_folder_is_refused_and_deletes_nothing(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, _, err = cli("compare", str(runs["plain"]), str(runs["overstrider"]), "-o", str(out), "--no-video", "-q")
    assert code == 0, err
    assert {"compare.json", "report.html"} <= set(read_manifest(out))
    before = snapshot(out)
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "--no-video")
    assert code == EXIT_OUTPUT, err
    assert "holds a formcheck compare run; write the analysis to another folder" in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize(("listed", "owner"), [(["analysis.json", "steps.csv"], "analyze"), (["compare.json", "report.html"], "compare"),
                                               (["run.pose.npz"], "pose")])
def test_an_old_manifest_without_a_command_names_it_by_its_files(tmp_path: Path, listed: list[str], owner: str) -> None:
    from formcheck.atomic import OutputOwnedError, manifest_command
    from formcheck.outputs import analysis_output_folder, compare_output_folder

    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"files": listed}))  # written before the command was recorded
    for name in listed:
        (out / name).write_text("old")
    before = snapshot(out)
    assert manifest_command(out) == owner
    for make, command in ((analysis_output_folder, "analyze"), (compare_output_folder, "compare")):
        if command == owner:
            continue
        with pytest.raises(OutputOwnedError, match=f"holds a formcheck {owner} run"), make(out):
            pass
        assert snapshot(out) == before
    same = {"analyze": analysis_output_folder, "compare": compare_output_folder}.get(owner)
    if same is not None:  # the same command may replace its own run
        with same(out):
            pass
        assert formcheck_files(out) == set()


# ------------------------------------------------------------------------------------ two at once
def test_second_run_into_a_locked_folder_is_refused_at_once(previous: Path, runs: dict[str, Path], tmp_path: Path) -> None:
    out = copy_folder(previous, tmp_path / "out")
    before = snapshot(out)
    holder = OutputFolder(out, names=("analysis.json",)).open()  # another run is writing here
    try:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(runs["plain"]), "-o", str(out)],
                              capture_output=True, text=True, timeout=120, check=False)
        seconds = time.perf_counter() - started
        assert proc.returncode == EXIT_OUTPUT, proc.stderr
        assert "another formcheck run is writing there" in proc.stderr
        assert f"process {os.getpid()}" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    finally:
        holder.close(success=False)  # the other run fails: it commits nothing
    print(f"refused in {seconds:.2f} s")
    assert snapshot(out) == before  # the refused run touched nothing


@pytest.mark.slow  # two real processes racing (~10 s); the deterministic lock test above is the fast tier's
def test_two_concurrent_runs_one_refused_the_other_complete(previous: Path, runs: dict[str, Path], tmp_path: Path) -> None:
    """The issue: one failed with an internal error, the other reported success over the first one's files."""
    out = copy_folder(previous, tmp_path / "out")
    procs = {name: subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", str(runs[name]), "-o", str(out), "-q"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("plain", "overstrider")}
    results = {name: (proc.wait(timeout=300), proc.stderr.read()) for name, proc in procs.items()}
    codes = sorted(code for code, _ in results.values())
    assert codes == [0, EXIT_OUTPUT], results
    winner = next(name for name, (code, _) in results.items() if code == 0)
    loser_err = next(err for code, err in results.values() if code != 0)
    assert "another formcheck run is writing there" in loser_err and "internal error" not in loser_err
    files = formcheck_files(out)
    assert set(read_manifest(out)) == files
    assert json.loads((out / "analysis.json").read_text())["video"]["source"].endswith(f"{winner}.mp4")
    overstride_stills = {"stills/overstride_left.png", "stills/overstride_right.png"}
    assert (overstride_stills <= files) == (winner == "overstrider")
    assert leftovers(out) == []


def test_lock_is_released_and_stale_staging_removed(previous: Path, tmp_path: Path) -> None:
    out = copy_folder(previous, tmp_path / "out")
    killed = tmp_path / ".out.formcheck-tmp-abcd1234"  # a run killed with SIGKILL left this
    killed.mkdir()
    (killed / "analysis.json").write_text("{}")
    folder = OutputFolder(out, names=("analysis.json",))
    with folder:
        with pytest.raises(OutputBusyError):
            OutputFolder(out).open()
        (folder.staging / "analysis.json").write_text('{"new": true}\n')
    assert not killed.exists()
    assert not (out / LOCK_NAME).exists()
    with OutputFolder(out):  # free again
        pass
    assert read_manifest(out) == []  # the last run wrote nothing, so nothing of formcheck's is left ...
    assert not (out / "analysis.json").exists() and not (out / "stills").exists()


# ------------------------------------------------------------------------ outputs never over inputs
def test_input_named_like_an_output_in_outdir_is_refused(runs: dict[str, Path], tmp_path: Path, no_pose_model: None) -> None:
    """The issue: `-o` at the input's folder with the input named annotated.mp4 overwrote the input."""
    clip = tmp_path / "annotated.mp4"
    clip.write_bytes(Path(str(runs["plain"])[:-4] + ".mp4").read_bytes())
    original = clip.read_bytes()
    code, _, err = cli("analyze", str(clip), "-o", str(tmp_path))
    assert code == EXIT_OUTPUT
    assert "annotated.mp4 is the input" in err and "choose another output folder" in err
    assert clip.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.mp4"]


def test_a_pose_tracks_video_in_outdir_is_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    """The clip a .npz was made from is an input too (the annotated clip is drawn on it)."""
    from formcheck.pose_track import PoseTrack

    clip = tmp_path / "annotated.mp4"
    clip.write_bytes(Path(str(runs["plain"])[:-4] + ".mp4").read_bytes())
    track = replace(PoseTrack.load(runs["plain"]), source=str(clip)).save(tmp_path / "t.npz")
    code, _, err = cli("analyze", str(track), "-o", str(tmp_path))
    assert code == EXIT_OUTPUT and "is the input" in err


def test_hard_link_to_the_input_is_refused(runs: dict[str, Path], tmp_path: Path, no_pose_model: None) -> None:
    clip = Path(str(runs["plain"])[:-4] + ".mp4")
    out = tmp_path / "out"
    out.mkdir()
    os.link(clip, out / "report.html")
    code, _, err = cli("analyze", str(clip), "-o", str(out))
    assert code == EXIT_OUTPUT and "report.html is the input" in err


def test_pose_csv_onto_the_video_is_refused(runs: dict[str, Path], tmp_path: Path, no_pose_model: None) -> None:
    """The issue: `formcheck pose clip.mp4 -o t.npz --csv clip.mp4` replaced the video with a CSV."""
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(Path(str(runs["plain"])[:-4] + ".mp4").read_bytes())
    original = clip.read_bytes()
    code, _, err = cli("pose", str(clip), "-o", str(tmp_path / "t.npz"), "--csv", str(clip))
    assert code == EXIT_OUTPUT
    assert "is the input" in err
    assert clip.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_an_input_listed_by_the_last_run_is_not_removed(previous: Path, tmp_path: Path, runs: dict[str, Path]) -> None:
    """Analysing last run's annotated.mp4 with --no-video: it is an input now, not a stale output."""
    out = copy_folder(previous, tmp_path / "out")
    track = Path(str(runs["plain"]))
    from formcheck.pose_track import PoseTrack

    moved = replace(PoseTrack.load(track), source=str(out / "annotated.mp4")).save(tmp_path / "t.npz")
    original = (out / "annotated.mp4").read_bytes()
    folder = OutputFolder(out, inputs=[moved, out / "annotated.mp4"], names=("analysis.json",))
    with folder:
        (folder.staging / "analysis.json").write_text("{}")
    assert (out / "annotated.mp4").read_bytes() == original
    assert read_manifest(out) == ["analysis.json"]


def test_manifest_entries_outside_the_folder_are_ignored(tmp_path: Path) -> None:
    """A tampered manifest cannot make formcheck delete files elsewhere."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / MANIFEST_NAME).write_text(json.dumps({"files": ["../victim.txt", str(victim), "report.html"]}))
    (out / "report.html").write_text("old")
    with OutputFolder(out):
        pass
    assert victim.read_text() == "keep me"
    assert not (out / "report.html").exists()


# ------------------------------------------------------------------------------------ bad -o, early
def _clip(runs: dict[str, Path]) -> Path:
    return Path(str(runs["plain"])[:-4] + ".mp4")


@pytest.mark.parametrize("command", ["analyze", "pose"])
def test_output_that_is_a_file(runs: dict[str, Path], tmp_path: Path, no_pose_model: None, command: str) -> None:
    """-o an existing file for analyze (a folder is wanted); an existing folder for pose (a file is wanted)."""
    target = tmp_path / "existing.txt"
    target.write_text("mine")
    folder = tmp_path / "t.npz"
    folder.mkdir()
    code, _, err = cli(command, str(_clip(runs)), "-o", str(target if command == "analyze" else folder))
    assert code == EXIT_OUTPUT, err
    assert ("is a file, not a folder" if command == "analyze" else "is a folder, not a file") in err
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err
    assert target.read_text() == "mine" and list(folder.iterdir()) == []


@pytest.mark.parametrize("command", ["analyze", "pose", "compare"])
def test_output_under_a_file(runs: dict[str, Path], tmp_path: Path, no_pose_model: None, command: str) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("mine")
    args = {"analyze": ["analyze", str(_clip(runs)), "-o", str(blocker / "out")],
            "pose": ["pose", str(_clip(runs)), "-o", str(blocker / "t.npz")],
            "compare": ["compare", str(_clip(runs)), str(_clip(runs)), "-o", str(blocker / "out")]}[command]
    code, _, err = cli(*args)
    assert code == EXIT_OUTPUT, err
    assert "afile is a file, not a folder" in err and "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only: chmod for a normal user; for root (whom modes do not stop) the immutable flag."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root without chattr +i: no way to make a folder read-only for root")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_output_in_a_read_only_folder(runs: dict[str, Path], tmp_path: Path, no_pose_model: None) -> None:
    locked = tmp_path / "readonly"
    locked.mkdir()
    with read_only(locked):
        for out in (locked, locked / "sub"):
            code, _, err = cli("analyze", str(_clip(runs)), "-o", str(out))
            assert code == EXIT_OUTPUT, err
            assert str(out) in err and "internal error" not in err
        code, _, err = cli("pose", str(_clip(runs)), "-o", str(locked / "t.npz"))
        assert code == EXIT_OUTPUT and "cannot write there" in err
    assert list(locked.iterdir()) == []


def test_library_api_writes_a_whole_folder(runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """write_analysis_outputs(path) from Python: the same whole-folder guarantee as the CLI."""
    from formcheck.outputs import load_run, write_analysis_outputs

    run = load_run(runs["plain"], check_camera=False)
    out = tmp_path / "out"
    written = write_analysis_outputs(run.analysis, run.video, out, annotated_video=False)
    assert all(p.parent in (out, out / "stills") and p.is_file() for p in written.paths.values())
    before = snapshot(out)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("report failed")

    monkeypatch.setattr("formcheck.report.write_report", broken)
    with pytest.raises(RuntimeError):
        write_analysis_outputs(run.analysis, run.video, out, annotated_video=False)
    assert snapshot(out) == before
    with pytest.raises(OutputPathError):
        write_analysis_outputs(run.analysis, run.video, run.video.parent / run.video.name)  # OUTDIR is the clip: a file


def test_compare_takes_the_folders_analyze_wrote(runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer passed `analyze -o` folders to compare and got "is a directory, not a video" (exit 3); with two
    analysis.json files the table was titled "analysis.json -> analysis.json". A folder holding an analysis.json now
    stands for it, and the table names the folders. The week-2 runner lands 24 % of leg length ahead against 4 %: the
    overstride verdict is "worse". In a terminal of 80 columns the table fits and its figures stay whole (a newcomer
    saw "+0.00 [-0.04," and "+0.04]" on two lines, a metric's row over five)."""
    monkeypatch.setenv("COLUMNS", "80")
    for week, run in (("week1", "plain"), ("week2", "overstrider")):
        code, _, err = cli("analyze", str(runs[run]), "-o", str(tmp_path / week), "--no-video", "-q")
        assert code == 0, err
    code, stdout, err = cli("compare", str(tmp_path / "week1"), str(tmp_path / "week2"), "-o", str(tmp_path / "cmp"), "--no-video")
    assert code == 0, err
    assert "week1/analysis.json -> week2/analysis.json" in stdout
    compared = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    overstride = [c for c in compared["changes"] if c["metric"] == "overstride_pct_leg" and c["side"] == "both"]
    assert [c["verdict"] for c in overstride] == ["worse"]
    table = stdout[: stdout.index("Wrote")]
    assert max(len(line) for line in table.splitlines()) <= 80, table
    (o,) = overstride
    assert f"{o['difference']:+.1f} [{o['ci95'][0]:+.1f}, {o['ci95'][1]:+.1f}]" in table, table
    code, _, err = cli("compare", str(tmp_path), str(tmp_path / "week2"), "-o", str(tmp_path / "cmp2"), "--no-video")
    assert code == EXIT_BAD_INPUT and "a folder with no analysis.json in it" in err  # still no run, and it says why


def test_the_report_shows_the_stills_without_decoding_their_pngs(runs: dict[str, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """analyze hands the report each still's JPEG made with it: a report that had to decode a PNG would fail here."""
    from formcheck import report_view

    def no_decoding(data: bytes) -> tuple[bytes, str]:
        raise ValueError("decoded a PNG")

    monkeypatch.setattr(report_view, "_shrink_image", no_decoding)
    out = tmp_path / "out"
    code, _, err = cli("analyze", str(runs["plain"]), "-o", str(out), "--no-video", "-q")
    assert code == 0, err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "decoded a PNG" not in page
    assert page.count('<figure class="still"') == len(list((out / "stills").glob("*.png"))) == 2


def test_the_outputs_modules_are_imported_while_the_pose_pass_runs() -> None:
    """A fresh interpreter: the report's and the clip's modules are loaded by the end of the block, on another
    thread; a module that cannot be imported there is not an error of the block (its real import reports it)."""
    code = (
        "import importlib, sys, threading\n"
        "from formcheck.outputs import OUTPUT_MODULES, _imported_meanwhile\n"
        "real, by = importlib.import_module, {}\n"
        "def recording(name, *a):\n"
        "    by[name] = threading.current_thread().name\n"
        "    return real(name, *a)\n"
        "importlib.import_module = recording\n"
        "assert not any(m in sys.modules for m in OUTPUT_MODULES)\n"
        "with _imported_meanwhile(('formcheck.no_such_stage',) + OUTPUT_MODULES):\n"
        "    pass\n"
        "assert 'formcheck.no_such_stage' not in sys.modules\n"
        "assert all(m in sys.modules for m in OUTPUT_MODULES), OUTPUT_MODULES\n"
        "assert {by[m] for m in OUTPUT_MODULES} == {'formcheck-imports'}, by\n"
        "assert threading.active_count() == 1\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_pose_track_of_squeezed_pixels_made_before_they_were_read_is_refused(tmp_path: Path) -> None:
    """A clip stored with 4:3 pixels is now read square (formcheck.video); a pose track made of it before holds
    squeezed coordinates and would measure every horizontal distance 3/4 short (a reviewer's catch). Such a track
    (no ``pixel_aspect`` in its info) of such a clip is refused, saying how to make it again; one that says its ratio,
    or one of a square-pixel clip, is analysed."""
    from fractions import Fraction

    import av

    from formcheck.analysis import AnalysisError
    from formcheck.outputs import load_run
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    def clip(name: str, aspect: Fraction) -> Path:
        path = tmp_path / name
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=30)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            stream.codec_context.sample_aspect_ratio = aspect
            for i in range(3):
                frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
                frame.pts, frame.time_base = i, Fraction(1, 30)
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        return path

    track = to_pose_track(simulate_gait(GaitParams(duration_s=5, fps=30, image_size=(640, 360))), noise_px=1.0)
    for name, aspect, info, refused in (("old.npz", Fraction(4, 3), {}, True), ("new.npz", Fraction(4, 3), {"pixel_aspect": 4 / 3}, False),
                                        ("square.npz", Fraction(1), {}, False)):
        video = clip(name.replace(".npz", ".mp4"), aspect)
        replace(track, source=str(video), info={**track.info, **info}).save(tmp_path / name)
        if refused:
            with pytest.raises(AnalysisError, match=r"older formcheck.*squeezed pixels.*formcheck pose"):
                load_run(tmp_path / name, check_camera=False)
        else:
            assert load_run(tmp_path / name, check_camera=False).result.steps
