"""Bad input gets one clear line on stderr, a distinct non-zero exit code, and no output file."""

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.cli import EXIT_BAD_INPUT, EXIT_MODEL, EXIT_NOTHING_TO_ANALYSE
from formcheck.video import H264Writer


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


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


BAD_INPUTS = {
    "missing": (lambda d: d / "nope.mp4", EXIT_BAD_INPUT, "no such file"),
    "text named .mp4": (lambda d: (d / "notes.mp4").write_text("not a video\n") and d / "notes.mp4", EXIT_BAD_INPUT, "not a readable video"),
    "zero bytes": (lambda d: (d / "empty.mp4").write_bytes(b"") or d / "empty.mp4", EXIT_BAD_INPUT, "empty"),
    "image": (lambda d: _png(d / "still.png"), EXIT_BAD_INPUT, "still image"),
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


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_cli("pose", cwd=tmp_path)
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


@pytest.mark.slow
def test_analyze_refuses_a_clip_too_short_for_a_stride(shared_videos: Path, tmp_path: Path) -> None:
    """track_side_short_02: a runner in view for about 3 steps."""
    out = tmp_path / "out"
    result = run_cli("analyze", str(shared_videos / "track_side_short_02.mp4"), "-o", str(out), cwd=tmp_path)
    assert_one_line_error(result, EXIT_NOTHING_TO_ANALYSE, "steps")
    assert not out.exists() or list(out.iterdir()) == []


def test_analyze_rejects_bad_facing_as_usage_error(tmp_path: Path) -> None:
    result = run_cli("analyze", "whatever.mp4", "--facing", "up", cwd=tmp_path)
    assert_one_line_error(result, 2, "--facing")
