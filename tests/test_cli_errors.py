"""Bad input gets one clear line on stderr, a distinct non-zero exit code, and no output file."""

import json
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.cli import EXIT_BAD_INPUT, EXIT_MODEL, EXIT_NOTHING_TO_ANALYSE, EXIT_OUTPUT
from formcheck.video import H264Writer


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert result.returncode == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("formcheck: error:")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def _no_person_clip(path: Path) -> Path:
    """Two seconds of a moving gradient: a valid video with nobody in it."""
    ramp = np.tile(np.linspace(0, 255, 160, dtype=np.uint8), (120, 1))
    with H264Writer(path, fps=15, size=(160, 120)) as writer:
        for i in range(30):
            gray = np.roll(ramp, 4 * i, axis=1)
            writer.write(np.dstack([gray, gray // 2, 255 - gray]))
    return path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=22050)
        stream.layout = "mono"
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 22050, i * 1024, Fraction(1, 22050)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _png(path: Path) -> Path:
    import cv2

    cv2.imwrite(str(path), np.full((64, 64, 3), 128, np.uint8))
    return path


def _gif(path: Path) -> Path:
    """An animated GIF of 10 frames (a newcomer's 180-frame GIF was called "a still image")."""
    import av

    with av.open(str(path), "w", format="gif") as container:
        stream = container.add_stream("gif", rate=15)
        stream.width, stream.height, stream.pix_fmt = 48, 32, "rgb8"
        for i in range(10):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.full((32, 48, 3), 20 * i, np.uint8), format="rgb24")))
        container.mux(stream.encode())
    return path


def _cut_short_mp4(path: Path) -> Path:
    """The bundled sample laid out as a phone writes it (the index, 'moov', after the frames) and cut at 30 %, as
    when a copy or upload stops early: the file starts as an MP4 and has no index."""
    import struct

    data = (Path(__file__).resolve().parents[1] / "sample_videos" / "sample_run.mp4").read_bytes()
    boxes, i = {}, 0
    while i + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        assert size >= 8, "the sample's boxes have 32-bit sizes"
        boxes[kind] = data[i : i + size]
        i += size
    phone_order = boxes[b"ftyp"] + boxes[b"mdat"] + boxes[b"moov"]
    path.write_bytes(phone_order[: int(0.3 * len(phone_order))])
    return path


BAD_INPUTS = {
    "missing": (lambda d: d / "nope.mp4", EXIT_BAD_INPUT, "no such file"),
    "text named .mp4": (lambda d: (d / "notes.mp4").write_text("not a video\n") and d / "notes.mp4", EXIT_BAD_INPUT, "not a readable video"),
    "cut short": (lambda d: _cut_short_mp4(d / "cut.mp4"), EXIT_BAD_INPUT, "looks cut short or damaged"),
    "zero bytes": (lambda d: (d / "empty.mp4").write_bytes(b"") or d / "empty.mp4", EXIT_BAD_INPUT, "empty"),
    "image": (lambda d: _png(d / "still.png"), EXIT_BAD_INPUT, "still image"),
    "animated gif": (lambda d: _gif(d / "loop.gif"), EXIT_BAD_INPUT, "is an animated image (GIF), not a video"),
    "audio only": (lambda d: _audio_only(d / "sound.m4a"), EXIT_BAD_INPUT, "audio-only"),
    "directory": (lambda d: d, EXIT_BAD_INPUT, "directory"),
    "no person": (lambda d: _no_person_clip(d / "empty_scene.mp4"), EXIT_NOTHING_TO_ANALYSE, "no person"),
}


@pytest.mark.parametrize("case", [pytest.param(case, marks=pytest.mark.slow) if case == "no person" else case  # runs MediaPipe
                                  for case in sorted(BAD_INPUTS)])
def test_pose_command_rejects_bad_input(case: str, tmp_path: Path) -> None:
    make, code, fragment = BAD_INPUTS[case]
    source = make(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("pose", str(source), "-o", str(out / "track.npz"), "--csv", str(out / "track.csv"), cwd=tmp_path)
    assert_one_line_error(result, code, fragment)
    assert list(out.iterdir()) == []


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_truncated_video_is_refused(tmp_path: Path) -> None:
    full = tmp_path / "full.mp4"
    rng = np.random.default_rng(0)
    with H264Writer(full, fps=30, size=(96, 64)) as writer:
        for _ in range(90):
            writer.write(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    result = run_cli("pose", str(cut), "-o", str(tmp_path / "t.npz"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_BAD_INPUT, "cut.mp4")
    assert not (tmp_path / "t.npz").exists()


def test_unusable_model_is_refused(tmp_path: Path) -> None:
    clip = _no_person_clip(tmp_path / "scene.mp4")
    fake_model = tmp_path / "model.task"
    fake_model.write_bytes(b"PK\x03\x04 not really a model")
    result = run_cli("pose", str(clip), "--model", str(fake_model), "-o", str(tmp_path / "t.npz"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_MODEL, "model")


def test_a_model_path_that_is_no_file_is_told_so(tmp_path: Path) -> None:
    """A newcomer gave --model /nonexistent.task and was told to "pass --model PATH", which they had."""
    clip = _no_person_clip(tmp_path / "scene.mp4")
    result = run_cli("pose", str(clip), "--model", str(tmp_path / "missing.task"), "-o", str(tmp_path / "t.npz"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_MODEL, "missing.task: pose model not found (no such file")
    assert "pass --model" not in result.stderr


def test_a_folder_as_the_pose_tracks_file_is_told_so(tmp_path: Path) -> None:
    """`formcheck pose clip.mp4 -o <a folder>` was told "the pose track is saved as .npz" (a newcomer's test)."""
    code, _, err = cli_in_process("pose", str(SAMPLE_60FPS), "-o", str(tmp_path))
    assert code == EXIT_OUTPUT and "is a folder, not a file" in err and "sample_run.pose.npz" in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_saved_analysis_given_to_analyze_is_told_what_it_is(tmp_path: Path) -> None:
    """A newcomer passed analysis.json to analyze and was told only "not a readable video"."""
    saved = tmp_path / "analysis.json"
    saved.write_text('{"schema_version": 9}')
    result = run_cli("analyze", str(saved), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_BAD_INPUT, "a saved analysis", "formcheck compare")
    assert not (tmp_path / "out").exists()


def test_a_pose_track_given_to_the_python_analyze_is_told_where_it_goes(tmp_path: Path) -> None:
    """formcheck.analyze() takes a video; a newcomer gave it a saved pose track, which the CLI's analyze accepts, and
    was told only "not a readable video"."""
    from formcheck.analysis import analyze
    from formcheck.video import VideoReadError

    track = tmp_path / "run.pose.npz"
    np.savez(track, keypoints_px=np.zeros((3, 33, 2)))
    with pytest.raises(VideoReadError, match=r"a saved pose track: `formcheck analyze` takes one.*load_run"):
        analyze(track)


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_cli("pose", cwd=tmp_path)
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


@pytest.mark.parametrize(("args", "fragments"), [
    (("analyze", "clip.mp4", "--height", "20"),
     ("--height", "20 is not a height in cm (80-250): give it in centimetres, e.g. --height 178", "formcheck analyze --help")),
    (("compare", "a.mp4", "b.mp4", "--height", "5.9"),  # feet (a newcomer's test): the unit is what was wrong
     ("--height", "5.9 is not a height in cm", "formcheck compare --help")),
    (("analyze",), ("Missing argument 'VIDEO'", "formcheck analyze --help")),
    (("compare", "a.mp4"), ("Missing argument 'AFTER'", "formcheck compare --help")),
    (("analyze", "clip.mp4", "--bogus"), ("No such option: --bogus", "formcheck analyze --help")),
    (("analyze", "clip.mp4", "--facing"), ("Option '--facing' requires an argument", "formcheck analyze --help")),
    (("bogus",), ("No such command 'bogus'", "formcheck --help")),
    (("--",), ("Missing command", "formcheck --help")),
])
def test_usage_errors_take_one_line(args: tuple[str, ...], fragments: tuple[str, ...], tmp_path: Path) -> None:
    """Click's own usage errors (a range, a missing argument, an unknown option or command) in formcheck's one-line
    shape, not click's usage line, hint and error on three."""
    result = run_cli(*args, cwd=tmp_path)
    assert_usage_error(result.returncode, result.stderr, *fragments)


@pytest.mark.slow
def test_analyze_refuses_a_clip_too_short_for_a_stride(shared_videos: Path, tmp_path: Path) -> None:
    """The first 0.5 s of treadmill_side_01: less than a stride (0.71 s)."""
    out = tmp_path / "out"
    result = run_cli("analyze", str(shared_videos / "treadmill_side_01.mp4"), "--end", "0.5", "-o", str(out), cwd=tmp_path)
    assert_one_line_error(result, EXIT_NOTHING_TO_ANALYSE, "no complete step found in 0.5 s of running", "film 10 s or more")
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.slow
def test_analyze_measures_the_steps_of_a_runner_crossing_the_frame(shared_videos: Path, tmp_path: Path) -> None:
    """track_side_short_02: a runner in view for about 3 steps, "the least a user may hand in; what those steps show
    can still be measured, with a warning that few were seen" (../shared/videos/README.md). Its hand labels
    (tests/fixtures/track_side_short_02_labels.json): right contact 4, toe-off 11; left contact 13 (+-1), toe-off 20;
    right contact 23 (+-1). Both feet are lost before they land (the left for 4 frames; the right at frames 20-21, dropped as
    outliers where MediaPipe puts both feet on one spot): each contact may be late, and its step says so. (MediaPipe
    labels the right foot's stance "left" at frames 26-27; the leg-swap repair sets it right.)"""
    import json

    out = tmp_path / "out"
    result = run_cli("analyze", str(shared_videos / "track_side_short_02.mp4"), "--no-video", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    a = json.loads((out / "analysis.json").read_text())
    steps = a["steps"]
    assert [(s["side"], s["contact_frame"]) for s in steps][::2] == [("right", 4), ("right", 23)] and steps[1]["side"] == "left"
    assert abs(steps[0]["toe_off_frame"] - 11) <= 1 and not steps[0]["timing_uncertain"]
    assert steps[1]["timing_uncertain"] and "not tracked just before contact" in steps[1]["timing_note"]
    assert steps[2]["timing_uncertain"] and "not tracked just before contact" in steps[2]["timing_note"]
    assert sorted(f["code"] for f in a["findings"]) == ["insufficient_steps", "insufficient_steps"]  # no verdict from < 3 steps a leg
    assert any("only 3 steps seen while the runner crossed the frame" in w for w in a["quality"]["warnings"])
    assert "only 3 steps seen while the runner crossed the frame" in result.stdout + result.stderr
    assert a["mode"] == "overground"  # was "treadmill", beside that warning (its few stance feet read moving: 2.2 x body speed)
    stance = a["quality"]["gait"]["stance"]  # the file says one mode; the feet's own reading kept under its name
    assert (stance["mode"], stance["mode_from_feet"]) == ("overground", "treadmill")
    # redirected to a file or pipe: no progress bar, so no blank line it leaves behind (a newcomer's test)
    assert "" not in result.stderr.splitlines() and "frames/s" not in result.stderr, result.stderr


def test_analyze_rejects_bad_facing_as_usage_error(tmp_path: Path) -> None:
    result = run_cli("analyze", "whatever.mp4", "--facing", "up", cwd=tmp_path)
    assert_one_line_error(result, 2, "--facing")


# ------------------------------------------------------------- options checked before any work (issue 15)
SAMPLE_60FPS = Path(__file__).resolve().parents[1] / "sample_videos" / "sample_run.mp4"  # 8.00 s at 60 fps


def cli_in_process(*args: str) -> tuple[int, str, str]:
    """The CLI in this process, so that the pose model can be replaced: exit code, stdout, stderr."""
    from typer.testing import CliRunner

    from formcheck.cli import app

    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


class PoseModelReached(Exception):
    """Raised by the stand-in pose model: the run got past every check."""


@pytest.fixture()
def pose_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Replace the pose model: each call's options are recorded, then the run stops (exit 4)."""
    from formcheck.pose import NoPersonError

    calls: list[dict[str, object]] = []

    def record(path: object, **options: object) -> None:
        calls.append(options)
        raise NoPersonError("stand-in pose model")

    for name in ("extract_pose_track", "extract_pose_and_camera"):  # the model's entry points (analyze uses the second)
        monkeypatch.setattr(f"formcheck.pose.{name}", record, raising=False)
    return calls


def assert_usage_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("formcheck: error:"), err
    for fragment in fragments:
        assert fragment in lines[0], err


@pytest.mark.parametrize("command", ["analyze", "pose"])
def test_end_before_start_is_a_usage_error(command: str, tmp_path: Path, pose_calls: list) -> None:
    """The issue: `--start 5 --end 2` exited 3, as if the video were unreadable."""
    code, _, err = cli_in_process(command, str(SAMPLE_60FPS), "--start", "5", "--end", "2", "-o", str(tmp_path / "o.npz"))
    assert_usage_error(code, err, "--end 2 s must be after --start (5 s)", "8.00 s long")
    assert pose_calls == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("start", ["9", "7.99"])
def test_start_past_the_last_frame_is_a_usage_error(start: str, tmp_path: Path, pose_calls: list) -> None:
    """The 8 s clip's last frame is at 7.983 s (60 fps): a newcomer's --start just below the clip's length selected no
    frame and exited 4, "no frames in the selected time range"."""
    code, _, err = cli_in_process("analyze", str(SAMPLE_60FPS), "--start", start, "-o", str(tmp_path / "out"))
    assert_usage_error(code, err, f"--start {start} s is past the clip's last frame", "last frame at 7.983 s",
                       "at most 7.98 s")
    assert pose_calls == []


@pytest.mark.parametrize("option", ["--start", "--end"])
def test_a_time_that_is_not_a_number_is_a_usage_error(option: str, tmp_path: Path, pose_calls: list) -> None:
    """A newcomer's test: `--start nan` passed typer's min=0 check and ended as an internal error (exit 1)."""
    code, _, err = cli_in_process("analyze", str(SAMPLE_60FPS), option, "nan", "-o", str(tmp_path / "out"))
    assert_usage_error(code, err, f"{option} must be a time in seconds, not nan")
    assert pose_calls == []


@pytest.mark.parametrize("option", ["start_s", "end_s"])
def test_the_library_refuses_a_time_that_is_not_a_number(option: str) -> None:
    from formcheck.pose import extract_pose_track

    with pytest.raises(ValueError, match=f"{option} must be a time in seconds, not nan"):
        extract_pose_track(SAMPLE_60FPS, **{option: float("nan")})


def test_facing_is_read_whatever_its_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--facing LEFT` was refused; the library now gets 'left'."""
    from formcheck.pose import NoPersonError

    given: list[object] = []

    def record(video: object, outdir: object, **options: object) -> None:
        given.append(options["facing"])
        raise NoPersonError("stand-in analysis")

    monkeypatch.setattr("formcheck.outputs.analyze_to_folder", record)
    code, _, err = cli_in_process("analyze", str(SAMPLE_60FPS), "--facing", " LEFT", "-o", str(tmp_path / "out"))
    assert code == 4 and "stand-in analysis" in err, err
    assert given == ["left"]


@pytest.mark.parametrize("command", ["analyze", "pose", "compare"])
def test_fps_below_the_files_own_rate_is_impossible(command: str, tmp_path: Path, pose_calls: list) -> None:
    """The issue: `--fps 30` on a 60 fps file gave 85 steps/min and a "low cadence" finding, no warning."""
    inputs = [str(SAMPLE_60FPS)] * (2 if command == "compare" else 1)
    code, _, err = cli_in_process(command, *inputs, "--fps", "30", "-o", str(tmp_path / ("o.npz" if command == "pose" else "out")))
    assert_usage_error(code, err, "--fps 30 is impossible", "60 frames/s", "60 to 1000")
    assert pose_calls == []


@pytest.mark.parametrize(("command", "fps", "said"), [
    ("analyze", "100000", "--fps 100000 is above any phone's frame rate"),
    ("compare", "100000", "--fps 100000 is above any phone's frame rate"),
    ("analyze", "0.5", "--fps 0.5 is not a frame rate"),
    ("analyze", "-30", "--fps -30 is not a frame rate"),
])
def test_fps_far_above_any_phone_or_below_one_is_refused_with_the_range(command: str, fps: str, said: str, tmp_path: Path,
                                                                        pose_calls: list) -> None:
    """The issue: `--fps 100000` ran and ended in "only 0 steps found ... film 10 s more"; then typer's own bound
    said only "Input should be less than or equal to 1000", without the range the file allows."""
    inputs = [str(SAMPLE_60FPS)] * (2 if command == "compare" else 1)
    code, _, err = cli_in_process(command, *inputs, f"--fps={fps}", "-o", str(tmp_path / "out"))
    assert_usage_error(code, err, said, "60 to 1000")
    assert pose_calls == []


def test_slow_motion_fps_still_reaches_the_pose_model(tmp_path: Path, pose_calls: list) -> None:
    """A 15 fps container filmed at 240 fps: --fps 240 is the real rate and is passed on."""
    clip = _no_person_clip(tmp_path / "slowmo.mp4")
    code, _, err = cli_in_process("analyze", str(clip), "--fps", "240", "-o", str(tmp_path / "out"), "-q")
    assert code == EXIT_NOTHING_TO_ANALYSE, err  # the stand-in model stops the run
    assert [c["fps_override"] for c in pose_calls] == [240.0]
    code, _, err = cli_in_process("pose", str(clip), "--fps", "15", "-o", str(tmp_path / "t.npz"), "-q")  # its own rate is fine
    assert code == EXIT_NOTHING_TO_ANALYSE, err
    assert pose_calls[-1]["fps_override"] == 15.0
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.npz").exists()


def test_video_options_on_a_saved_track_are_a_usage_error(tmp_path: Path) -> None:
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    track = to_pose_track(simulate_gait(GaitParams(fps=30.0, duration_s=2.0))).save(tmp_path / "t.npz")
    code, _, err = cli_in_process("analyze", str(track), "--fps", "240", "--start", "1", "-o", str(tmp_path / "out"))
    assert_usage_error(code, err, "--start and --fps only apply to a video", "saved pose track")


# ------------------------------------------------------------------------------ exit codes and words
def test_text_file_named_npz_gets_a_plain_message(tmp_path: Path) -> None:
    """The issue: numpy's "allow_pickle" advice was quoted to the user."""
    fake = tmp_path / "track.npz"
    fake.write_text("frame,time_s\n0,0.0\n")
    result = run_cli("analyze", str(fake), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_BAD_INPUT, "not a formcheck pose track", "formcheck pose")
    assert "pickle" not in result.stderr
    assert not (tmp_path / "out").exists()


def _damaged_track(folder: Path, fraction: float) -> Path:
    """A compressed pose track with 16 bytes flipped ``fraction`` of the way into keypoints_px's deflate stream."""
    import zipfile

    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    good = to_pose_track(simulate_gait(GaitParams(fps=30.0, duration_s=2.0))).save(folder / "good.npz")
    with zipfile.ZipFile(good) as archive:
        member = archive.getinfo("keypoints_px.npy")
    data = bytearray(good.read_bytes())
    name_len, extra_len = (int.from_bytes(data[member.header_offset + k:member.header_offset + k + 2], "little") for k in (26, 28))
    at = member.header_offset + 30 + name_len + extra_len + int(member.compress_size * fraction)  # inside the compressed array
    data[at:at + 16] = bytes(b ^ 0xFF for b in data[at:at + 16])
    damaged = folder / "damaged.npz"
    damaged.write_bytes(bytes(data))
    return damaged


# 0.01: the deflate stream breaks (zlib.error); 0.5: it inflates to wrong bytes (zipfile's CRC check)
@pytest.mark.parametrize(("fraction", "cause"), [(0.01, "decompressing"), (0.5, "CRC")])
@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_a_damaged_pose_track_is_unreadable_input(command: str, fraction: float, cause: str, tmp_path: Path, pose_calls: list) -> None:
    """The review: a byte-flipped .npz gave "internal error" (exit 1) from zlib or zipfile."""
    from formcheck.pose_track import PoseTrack, PoseTrackFormatError

    damaged = _damaged_track(tmp_path, fraction)
    with pytest.raises(PoseTrackFormatError, match=f"not a readable pose track .*{cause}"):
        PoseTrack.load(damaged)
    args = [str(damaged)] * (2 if command == "compare" else 1)
    code, _, err = cli_in_process(command, *args, "-o", str(tmp_path / "out"))
    assert code == EXIT_BAD_INPUT, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{damaged}: not a readable pose track (the file is damaged" in lines[0] and cause in lines[0], err
    assert pose_calls == [] and not (tmp_path / "out").exists()  # refused before the lock and any work


@pytest.mark.parametrize("content", ["{bad json", '{"schema_version": 1}', "[1, 2]", '{"video": 5, "facing": []}'])
def test_compare_of_a_malformed_analysis_json_is_unreadable_input(content: str, tmp_path: Path) -> None:
    """The issue: it exited 4 (nothing to analyse); the README says unreadable input is 3."""
    bad = tmp_path / "analysis.json"
    bad.write_text(content)
    result = run_cli("compare", str(bad), str(bad), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_BAD_INPUT, "not a formcheck analysis.json")
    assert not (tmp_path / "out").exists()


def test_compare_of_a_folder_without_a_saved_run_says_so(tmp_path: Path) -> None:
    """An analyze output folder stands for its analysis.json; any other folder was refused as "is a directory, not
    a video", which read as if folders were not accepted at all."""
    empty = tmp_path / "week1"
    empty.mkdir()
    result = run_cli("compare", str(empty), str(empty), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert_one_line_error(result, EXIT_BAD_INPUT, "a folder with no analysis.json in it", "output folder of formcheck analyze")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["", "pose", "analyze", "compare"])
def test_help_shows_plain_names(command: str, tmp_path: Path) -> None:
    """The issue: `<bool>` after plain flags and `{video}` in the usage line."""
    result = run_cli(*([command] if command else []), "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "<bool>" not in result.stdout
    usage = result.stdout.splitlines()[0]
    assert "{" not in usage and "}" not in usage
    expected = {"": "COMMAND", "pose": "VIDEO", "analyze": "VIDEO", "compare": "BEFORE AFTER"}[command]
    assert usage.endswith(expected) or expected in usage


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_compare_prints_finding_labels_not_codes(tmp_path: Path) -> None:
    """The issue: compare printed "limited_hip_extension" and "no_flight_phase"."""
    import json

    from formcheck.analysis import analyze_track
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    def saved(name: str, **form: float) -> Path:
        result = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30.0, duration_s=6.0, **form)))).result
        return result.write(tmp_path / name)["json"]

    before, after = saved("before", hip_extension_deg=2.0), saved("after")
    blank = {"side": None, "value": None, "threshold": None, "evidence": {}, "cue": "", "drill": "", "note": ""}
    for path in (before, after):  # a finding in both runs: still there (the report said so, the terminal did not)
        data = json.loads(path.read_text())
        data["findings"].append({**blank, "code": "low_cadence", "title": "Low cadence", "severity": "mild"})
        path.write_text(json.dumps(data))
    data = json.loads(after.read_text())
    data["findings"].append({**blank, "code": "no_flight_phase", "title": "This looks like walking, not running", "severity": "info"})
    after.write_text(json.dumps(data))
    code, out, err = cli_in_process("compare", str(before), str(after), "-o", str(tmp_path / "cmp"))
    assert code == 0, err
    assert "Findings resolved: limited hip extension (left), limited hip extension (right)" in out
    assert "Findings new: This looks like walking, not running" in out
    assert "Findings still there: low cadence" in out
    assert "limited_hip_extension" not in out and "no_flight_phase" not in out
    assert f"Wrote {tmp_path / 'cmp' / 'compare.json'}" in out
    # contact time in ms, as analyze's table and the reports give it (compare gave s, a newcomer's test)
    ct = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    change = next(c for c in ct["changes"] if c["metric"] == "contact_time_s" and c["side"] == "both")
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if "│ Contact time" in line)  # the label wraps: "(ms)" may go below
    assert "(ms)" in lines[row] + lines[row + 1] and "(s)" not in lines[row] + lines[row + 1]
    assert f"│ {1000 * change['before_median']:>6.0f} │" in lines[row]


def run_cli_in_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """(exit code, what the terminal showed, escape codes removed) of formcheck run on a pseudo-terminal, where
    the progress bar runs (captured output, as in run_cli, never shows it)."""
    import os
    import pty
    import re
    import select

    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", *args], cwd=cwd, stdin=follower, stdout=follower,
                            stderr=follower, env=env, close_fds=True)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=300)
    os.close(leader)
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))


@pytest.mark.slow  # runs MediaPipe (on 0.5 s and 2.5 s of the sample)
def test_a_terminal_gets_the_bar_and_then_the_message(tmp_path: Path) -> None:
    """On a terminal the progress bar starts inside the pose stage's silencing of the C++ logs; when it stopped, rich
    put back a stream closed by then, and every later message failed: exit 120, "lost sys.stderr", for a refusal
    and for a finished analysis alike."""
    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "sample_run.mp4"
    code, shown = run_cli_in_a_terminal("analyze", str(sample), "--end", "0.5", "-o", str(tmp_path / "short"), cwd=tmp_path)
    assert code == EXIT_NOTHING_TO_ANALYSE, shown
    assert "formcheck: error: cannot analyse this clip" in shown and "lost sys.stderr" not in shown
    assert not (tmp_path / "short").exists()
    code, shown = run_cli_in_a_terminal("analyze", str(sample), "--end", "2.5", "--no-video", "-o", str(tmp_path / "ok"),
                                        cwd=tmp_path)
    assert code == 0, shown
    assert "steps/min" in shown and "Wrote" in shown and "Traceback" not in shown and "lost sys.stderr" not in shown
    assert (tmp_path / "ok" / "analysis.json").is_file()


def test_compare_table_says_what_its_sdc_and_verdicts_mean(tmp_path: Path):
    """A newcomer read '+2.4 [+1.3, +7.7] ... 5 ... no clear change' without being told what the 5 (the SDC) was, and
    a cadence change '-0': the table now says what SDC means, and a change that rounds to zero prints unsigned.
    At 29.97 fps the SDCs printed as 0.05005 s and 6.006 steps/min; they carry the metric's own decimals now (and one
    more: contact time's 1.5 frames, 50.05 ms, reads 50.1)."""
    from formcheck.cli import _signed
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    for name, over in (("a", 10.0), ("b", 14.0)):
        to_pose_track(simulate_gait(GaitParams(fps=29.97, duration_s=6, overstride_pct_leg=over))).save(tmp_path / f"{name}.npz")
    result = subprocess.run([sys.executable, "-m", "formcheck", "compare", "a.npz", "b.npz", "-o", "out", "--no-video", "--no-report"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "SDC: smallest detectable change" in result.stdout
    assert "50.05" not in result.stdout and "6.006" not in result.stdout and " 50.1 " in result.stdout, result.stdout
    assert (_signed(-0.3, 0), _signed(-0.04, 1), _signed(0.0, 2), _signed(-0.6, 0), _signed(2.44, 1)) == ("0", "0.0", "0.00", "-1", "+2.4")


def test_values_that_round_to_zero_have_no_minus():
    """A newcomer's compare report read a shank "+2° -> -0°" and history's terminal table "-0.0": a median that rounds to
    zero is shown without a sign, in the report's What-changed values and the history table's medians alike."""
    from formcheck.cli import _plain
    from formcheck.report_view import _change_value

    assert [_change_value(v, "deg") for v in (-0.4, 0.4, 2.2, -2.6)] == ["0°", "0°", "+2°", "-3°"]
    assert (_change_value(-0.2, "% leg"), _change_value(0.3434, "s")) == ("0 % leg", "343 ms")
    assert (_plain(-0.04, 1), _plain(-0.06, 1), _plain(-0.4, 0), _plain(12.25, 1)) == ("0.0", "-0.1", "0", "12.3")


def test_every_finding_line_gives_its_median_and_threshold(tmp_path: Path):
    """A newcomer saw 'mild Overstriding ... (right)' with no number: only borderline findings gave their median.
    A synthetic runner rendered with a 31 % leg overstride (its intervals clear of 25, the moderate limit, which a
    grade needs): its 'moderate' lines now say the median against the threshold it passed (25 % leg)."""
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8, overstride_pct_leg=31.0))).save(tmp_path / "o.npz")
    result = subprocess.run([sys.executable, "-m", "formcheck", "analyze", "o.npz", "-o", "out", "--no-video"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=False, env={**os.environ, "COLUMNS": "300"})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("moderate Overstriding")]
    assert len(lines) == 2
    for line in lines:
        median = float(re.search(r"\[median (\d+) % of leg length, 95 % interval \d+-\d+ \(threshold 25 % of leg length\)\]",
                                  line).group(1))
        assert 25 <= median <= 35
    # contact time in ms in the table, as in the findings and the report (it was 0.34 s beside "343 ms")
    saved = json.loads((tmp_path / "out" / "analysis.json").read_text())
    left_ms = 1000 * saved["summary"]["left"]["contact_time_s"]["median"]
    row = next(line for line in result.stdout.splitlines() if "Contact time (ms)" in line)
    assert f"{left_ms:.0f} [" in row, row
