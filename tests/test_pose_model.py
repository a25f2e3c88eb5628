"""The bundled pose model and the pose extraction on real clips."""

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.pose import default_model_path
from formcheck.video import iter_frames

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def test_bundled_model_matches_recorded_sha256() -> None:
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", (REPO / "models" / "README.md").read_text()).group(1)
    assert hashlib.sha256(default_model_path().read_bytes()).hexdigest() == recorded


@pytest.mark.slow
def test_bundled_model_agrees_with_legacy_mediapipe_solution(shared_videos: Path) -> None:
    """Same frame through mediapipe 0.10.21's legacy solutions.pose (fixture, made by
    scripts/legacy_pose_reference.py) and through the bundled .task with the 1.x Tasks API.

    Measured: median difference 0.002 of the image size over the 33 landmarks, worst leg
    landmark 0.011 (the 1.x LiteRT runtime differs slightly from 0.10.21's). A model with wrong
    input normalisation misses by tenths of the image.
    """
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    reference = json.loads((FIXTURES / "legacy_pose_frame100.json").read_text())
    expected = np.array(reference["landmarks_xy_visibility"])[:, :2]
    rgb = next(f.rgb for f in iter_frames(shared_videos / reference["video"]) if f.index == reference["frame"])
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(default_model_path())))
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    got = np.array([[p.x, p.y] for p in result.pose_landmarks[0]])
    difference = np.abs(got - expected)
    assert np.median(difference) < 0.005
    assert difference[23:33].max() < 0.02


# Hand-checked on frame 100 of treadmill_side_01.mp4 (runner facing left, near = LEFT leg, in
# stance, foot flat under the body): read off a 2.5x zoom with a 10 px grid. Knee = centre of the
# joint where the thigh meets the shin; ankle = centre of the shank just above the shoe; hip is
# under loose shorts, so it gets a wider tolerance.
HAND_CHECKED_FRAME_100 = {"left_knee": ((233, 1000), 15.0), "left_ankle": ((228, 1152), 15.0), "left_hip": ((278, 875), 25.0)}


@pytest.mark.slow
def test_treadmill_runner_tracked_with_landmarks_on_the_body(treadmill_track) -> None:
    assert treadmill_track.n_frames == 360
    assert treadmill_track.detection_rate >= 0.95
    assert treadmill_track.image_size == (720, 1280)
    assert treadmill_track.fps == pytest.approx(30.0)
    t = int(np.nonzero(treadmill_track.frame_indices == 100)[0][0])
    for name, ((x, y), tolerance_px) in HAND_CHECKED_FRAME_100.items():
        got = treadmill_track.keypoints_px[t, lm.INDEX[name]]
        assert np.hypot(got[0] - x, got[1] - y) < tolerance_px, f"{name}: {got} vs hand-checked {(x, y)}"


@pytest.mark.slow
def test_runner_picked_over_a_distractor(shared_videos: Path, pose_track_of) -> None:
    """walk_side_multiperson_05: a woman walks right-to-left in front; a man jumps on a box behind.

    The walker is in the lower half of the frame (ground level, y > 60% of height), the man on
    the box in the upper half; she walks between about frames 60 and 190.
    """
    track = pose_track_of(shared_videos / "walk_side_multiperson_05.mp4")
    width, height = track.image_size
    seen = track.detected
    assert seen.sum() > 100
    hips = track.keypoints_px[seen][:, [lm.LEFT_HIP, lm.RIGHT_HIP], :].mean(axis=1)
    assert np.all(hips[:, 1] > 0.6 * height)
    # She walks right-to-left: her hip moves left over the clip.
    xs = hips[:, 0]
    assert xs[:10].mean() - xs[-10:].mean() > 0.3 * width
    assert "people" in track.info["person_picked"]


def test_one_person_clip_is_filtered_the_same_from_its_first_frame(pose_track_of) -> None:
    """MediaPipe filters landmarks over time only in its single-pose landmarker. Every frame goes through the
    single-pose one; the two-pose one looks for other people on a side thread (every 2nd frame of the first
    second) and only when it sees two is the clip run again to pick the runner. With one person in view the whole
    track is therefore a single-pose run's (measured max difference 3e-5 px; when the first second was taken from
    the two-pose landmarker, it differed, the rest of the clip too, as MediaPipe's tracking carried it on)."""
    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "sample_run.mp4"
    scanned = pose_track_of(sample)
    single = pose_track_of(sample, max_people=1)
    assert scanned.info["max_people_in_a_frame"] == 1
    assert np.nanmax(np.abs(scanned.keypoints_px - single.keypoints_px)) < 0.01
