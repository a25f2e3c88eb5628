"""Frames before a late detection are tracked back from it (formcheck.pose._tracked_back)."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import AnalysisError
from formcheck.landmarks import N_LANDMARKS
from formcheck import landmarks as lm
from formcheck.pose import _lead_in_to_track_back, _tracked_back
from formcheck.pose_track import PoseTrack

FIXTURES = Path(__file__).parent / "fixtures"


def _track(detected: list[bool], centre_x: float = 320.0) -> PoseTrack:
    """A runner standing at ``centre_x`` (a 640x480 image) in the frames marked detected, NaN elsewhere."""
    n = len(detected)
    rng = np.random.default_rng(0)
    keypoints = np.empty((n, N_LANDMARKS, 2))
    keypoints[..., 0] = centre_x + rng.uniform(-40, 40, (n, N_LANDMARKS))
    keypoints[..., 1] = 240 + rng.uniform(-150, 150, (n, N_LANDMARKS))
    keypoints[~np.asarray(detected)] = np.nan
    return PoseTrack(keypoints_px=keypoints, depth_px=np.zeros((n, N_LANDMARKS)), visibility=np.ones((n, N_LANDMARKS)),
                     presence=np.ones((n, N_LANDMARKS)), world_m=np.zeros((n, N_LANDMARKS, 3)),
                     timestamps_s=np.arange(n) / 30.0, frame_indices=np.arange(n), fps=30.0, image_size=(640, 480))


def test_only_a_lead_in_before_the_first_pose_is_tracked_back() -> None:
    seen = [False, False, False, True, True, False, False, True, True, False, False]
    assert _lead_in_to_track_back(_track(seen), max_frames=100) == (0, 3)  # later gaps: interpolated or left
    assert _lead_in_to_track_back(_track([False] * 10 + [True]), max_frames=4) == (6, 10)  # its last 4 frames only
    assert _lead_in_to_track_back(_track([True, False, True]), max_frames=100) is None


def test_a_runner_entering_at_the_side_of_the_image_is_not_tracked_back() -> None:
    """First seen with a landmark at the left or right border: they were coming into view, partly outside."""
    assert _lead_in_to_track_back(_track([False, False, True, True], centre_x=30.0), max_frames=100) is None
    assert _lead_in_to_track_back(_track([False, False, True, True], centre_x=610.0), max_frames=100) is None
    assert _lead_in_to_track_back(_track([False, False, True, True], centre_x=320.0), max_frames=100) == (0, 2)


def _pose(x: float) -> np.ndarray:
    """(33, 8) pose: every landmark at (x, 300), shoulders 50 px above the hips (torso 50 px)."""
    pose = np.zeros((N_LANDMARKS, 8))
    pose[:, 0], pose[:, 1], pose[:, 3] = x, 300.0, 0.9
    pose[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER], 1] = 250.0
    return pose


@pytest.fixture()
def fake_model(monkeypatch):
    """_tracked_back with the model replaced: frame j's image carries j, and the 'model' finds ``poses[j]``."""
    import formcheck.pose as pose_module

    calls: dict[str, list] = {"chunks": [], "order": []}
    poses: dict[int, list[np.ndarray]] = {}

    class Landmarker:
        def close(self) -> None:
            calls["closed"] = True

    def frames(path, track, indices, **_):
        calls["chunks"].append((indices.start, indices.stop - 1))
        return {j: np.full((2, 2, 3), j, np.uint8) for j in indices}

    def detect(landmarker, rgb, ms, width, height, crop):
        j = int(rgb[0, 0, 0])
        calls["order"].append((j, ms))
        return [p.copy() for p in poses.get(j, [])]

    monkeypatch.setattr(pose_module, "_create_landmarker", lambda model, n: Landmarker())
    monkeypatch.setattr(pose_module, "_frames_by_track_index", frames)
    monkeypatch.setattr(pose_module, "_detect", detect)
    return poses, calls


def _lead_in_track(n: int, first_seen: int) -> PoseTrack:
    """A runner moving 10 px a frame from x=200, seen by the forward pass from ``first_seen`` on."""
    track = _track([j >= first_seen for j in range(n)])
    keypoints = track.keypoints_px.copy()
    for j in range(first_seen, n):
        keypoints[j] = _pose(200.0 + 10 * j)[:, :2]
        keypoints[j, [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]] = (200.0 + 10 * j, 250.0)
    return replace(track, keypoints_px=keypoints)


def test_the_lead_in_is_filled_back_from_the_first_pose(fake_model, monkeypatch) -> None:
    import formcheck.pose as pose_module

    poses, calls = fake_model
    monkeypatch.setattr(pose_module, "BACKTRACK_BUDGET_BYTES", 1)  # 4 frames a chunk
    track = _lead_in_track(12, first_seen=6)
    for j in range(12):
        poses[j] = [_pose(200.0 + 10 * j)]
    out = _tracked_back("clip.mp4", Path("model.task"), track, start_s=None, end_s=None, fps_override=None, region=None)
    assert out.info["tracked_back_frames"] == 6 and out.detected.all()
    np.testing.assert_allclose(out.keypoints_px[:6, 0, 0], 200.0 + 10 * np.arange(6))
    np.testing.assert_array_equal(out.keypoints_px[6:], track.keypoints_px[6:])  # the forward pass's frames untouched
    assert calls["chunks"] == [(3, 6), (0, 2)]  # from the first pose backwards, 4 frames a chunk
    assert [j for j, _ in calls["order"]] == [6, 5, 4, 3, 2, 1, 0]
    assert [ms for _, ms in calls["order"]] == sorted({ms for _, ms in calls["order"]})  # time runs forward for the model
    assert calls["closed"]


def test_tracking_back_stops_where_the_runner_is_lost_or_jumps(fake_model) -> None:
    poses, _ = fake_model
    track = _lead_in_track(10, first_seen=6)
    for j in range(10):
        poses[j] = [_pose(200.0 + 10 * j)]
    poses[2] = []  # nobody found
    out = _tracked_back("clip.mp4", Path("model.task"), track, start_s=None, end_s=None, fps_override=None, region=None)
    assert out.detected.tolist() == [False] * 3 + [True] * 7
    poses[2] = [_pose(220.0)]
    poses[4] = [_pose(400.0)]  # someone else, 4 torsos away: not the runner
    out = _tracked_back("clip.mp4", Path("model.task"), track, start_s=None, end_s=None, fps_override=None, region=None)
    assert out.detected.tolist() == [False] * 5 + [True] * 5 and out.info["tracked_back_frames"] == 1


def test_nothing_found_leaves_the_track_as_it_was(fake_model) -> None:
    poses, _ = fake_model
    track = _lead_in_track(8, first_seen=4)
    poses[4] = [_pose(240.0)]
    assert _tracked_back("clip.mp4", Path("model.task"), track, start_s=None, end_s=None, fps_override=None, region=None) is track


@pytest.mark.slow
@pytest.mark.shared
def test_a_blurred_runner_is_found_from_the_first_frames(shared_videos: Path) -> None:
    """track_side_short_02 smeared along the run (25 px): the detector finds the runner from frame 20 of 47 only.

    Tracked back from there, the runner is found in the frames the labels say she is wholly in view (5-28), and
    placed where the sharp original places her (its landmarks, an independent run of the model on other pixels).
    """
    from formcheck.analysis import analyze_track
    from formcheck.evaluation.degrade import degraded_clip, motion_blur
    from formcheck.evaluation.events import load_labels
    from formcheck.evaluation.track_cache import cached_pose_track
    from formcheck.geometry import body_scale_px, hip_midpoint

    original = shared_videos / "track_side_short_02.mp4"
    labels = load_labels(FIXTURES / "track_side_short_02_labels.json")
    blurred = cached_pose_track(degraded_clip(original, labels, motion_blur(25)).path)
    sharp = cached_pose_track(original)
    first, last = 5, 28
    assert blurred.info["tracked_back_frames"] >= 15
    assert blurred.detected[first : last + 1].all()
    hips_blurred = hip_midpoint(blurred.keypoints_px)[first:20]
    hips_sharp = hip_midpoint(sharp.keypoints_px)[first:20]
    leg_px = body_scale_px(sharp.keypoints_px)
    assert np.nanmax(np.linalg.norm(hips_blurred - hips_sharp, axis=1)) < 0.1 * leg_px  # measured: 2-5 px, a leg being 84 px
    # Before tracking back: the runner was missed in most of the pass. Now the analysis gets as far as counting the
    # pass's stances, and refuses the pass for too few. (Two were counted while the leg-swap repair's constant-velocity
    # term labelled the right foot's stance at frames 4-11 "left"; with the labels right, MediaPipe's smeared feet
    # jitter 7-10 px from frame to frame, more than a planted foot may move, and one or none is counted.)
    with pytest.raises(AnalysisError, match=r"(only 1 step|no complete step) found while the runner crossed the frame"):
        analyze_track(blurred)
