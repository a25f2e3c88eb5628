"""Rendered synthetic clips: they decode with the right timing, the truth JSON matches, and
MediaPipe finds the joints where the ground truth says they are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.synth.gait import GaitParams, simulate_gait
from formcheck.synth.render import RenderStyle, render_frame, render_video, truth_path_for
from formcheck.video import iter_frames, probe_video

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory):
    """1.5 s, 30 fps, 640x360 treadmill clip (45 frames) and its gait."""
    gait = simulate_gait(GaitParams(image_size=(640, 360), fps=30.0, duration_s=1.5, overstride_pct_leg=15.0))
    path = render_video(gait, tmp_path_factory.mktemp("synth") / "short.mp4")
    return path, gait


def test_clip_decodes_with_expected_frames_and_fps(short_clip):
    path, gait = short_clip
    info = probe_video(path)
    assert (info.width, info.height) == (640, 360)
    assert info.fps == pytest.approx(30.0, abs=0.01)
    frames = list(iter_frames(path))
    assert len(frames) == gait.n_frames == 45
    assert np.allclose([f.time_s for f in frames], gait.times_s, atol=1e-3)
    assert not path.with_name(path.stem + ".partial.mp4").exists()


def test_truth_json_matches_the_model(short_clip):
    path, gait = short_clip
    truth = json.loads(truth_path_for(path).read_text())
    kp = np.asarray(truth["frames"]["landmarks_px"])
    assert kp.shape == (45, 33, 2)
    assert np.allclose(kp, gait.landmarks_px, atol=0.01)
    assert truth["params"]["overstride_pct_leg"] == 15.0
    assert [s["contact_frame"] for s in truth["steps"]] == [s["contact_frame"] for s in gait.steps]
    for s in truth["steps"]:
        assert {"side", "contact_frame", "toe_off_frame", "overstride_pct_leg", "overstride_cm", "hip_extension_deg"} <= set(s)


def test_runner_is_drawn_where_the_truth_says():
    """The figure covers the true joint centres and the scene does not (differential rendering)."""
    gait = simulate_gait(GaitParams(image_size=(640, 360), fps=30.0, duration_s=0.5))
    style = RenderStyle(grain=0.0, blur_sigma=0.0)
    frame = render_frame(gait, 5, style).astype(int)
    # the same frame with the runner drawn in a flat, unusual colour set
    odd = RenderStyle(grain=0.0, blur_sigma=0.0, skin=(0, 255, 0), shirt=(0, 255, 0), shorts=(0, 255, 0), socks=(0, 255, 0),
                      shoe=(0, 255, 0), sole=(0, 255, 0), hair=(0, 255, 0))
    frame2 = render_frame(gait, 5, odd).astype(int)
    body = np.abs(frame - frame2).sum(axis=-1) > 30
    for name in ("left_hip", "left_knee", "left_ankle", "left_heel", "left_foot_index", "left_shoulder", "left_elbow", "left_wrist", "nose"):
        x, y = np.round(gait.landmarks_px[5, lm.INDEX[name]]).astype(int)
        assert body[y - 1 : y + 2, x - 1 : x + 2].any(), name
    assert body.mean() < 0.15  # a figure, not a filled frame


@pytest.mark.slow
@pytest.mark.parametrize("facing", ["left", "right"])
def test_mediapipe_finds_the_true_joints(tmp_path, facing):
    """Median error of MediaPipe's hip/knee/ankle vs the true joint centres, per leg, in % of leg length, on a small
    quick clip (640x360, 30 fps, 3 s = four strides; 1.5 s covered too few strides for a stable median). Measured:
    hip 2.2-2.5, knee 3.2-4.0, ankle 3.2-4.0. The committed 960x540 60 fps samples do better (README)."""
    pytest.importorskip("mediapipe")
    from formcheck.pose import default_model_path, extract_pose_track

    if not default_model_path().is_file():
        pytest.skip("pose model not available")
    gait = simulate_gait(GaitParams(image_size=(640, 360), fps=30.0, duration_s=3.0, facing=facing, overstride_pct_leg=15.0))
    path = render_video(gait, tmp_path / "clip.mp4")
    track = extract_pose_track(path, max_people=1)
    assert track.detection_rate == 1.0
    kp = track.keypoints_px
    truth = gait.landmarks_px
    L = gait.truth["leg_length_px"]
    for side in ("left", "right"):
        for joint in ("hip", "knee", "ankle"):
            i = lm.LEG[side][joint]
            other = lm.LEG["right" if side == "left" else "left"][joint]
            err = np.linalg.norm(kp[:, i] - truth[:, i], axis=-1)
            swapped = np.linalg.norm(kp[:, i] - truth[:, other], axis=-1)
            err = np.minimum(err, swapped)  # MediaPipe occasionally labels the legs the other way round
            assert np.median(err) / L[side] * 100 < 4.5, (side, joint, np.median(err) / L[side] * 100)


@pytest.mark.skipif(not (SAMPLES / "sample_run.mp4").exists(), reason="sample clips not rendered")
@pytest.mark.parametrize("name", ["sample_run", "before", "after"])
def test_committed_samples_match_their_truth(name):
    path = SAMPLES / f"{name}.mp4"
    truth = json.loads(truth_path_for(path).read_text())
    info = probe_video(path)
    assert info.fps == pytest.approx(truth["params"]["fps"], abs=0.01)
    assert (info.width, info.height) == tuple(truth["params"]["image_size"])
    assert info.n_frames == truth["summary"]["n_frames"] == len(truth["frames"]["landmarks_px"])
    assert path.stat().st_size < 3_000_000
    sides = [s["side"] for s in truth["steps"]]
    assert sides.count("left") >= 8 and sides.count("right") >= 8
    target = truth["params"]["overstride_pct_leg"]
    assert np.median([s["overstride_pct_leg_exact"] for s in truth["steps"]]) == pytest.approx(target, abs=0.3)
    assert np.median([s["hip_extension_deg_exact"] for s in truth["steps"]]) == pytest.approx(truth["params"]["hip_extension_deg"], abs=0.05)
