"""Frames before a late detection are tracked back from it (formcheck.pose._tracked_back)."""

from pathlib import Path

import numpy as np
import pytest

from formcheck.landmarks import N_LANDMARKS
from formcheck.pose import _gaps_before_a_pose
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


def test_only_gaps_that_end_in_a_pose_are_tracked_back() -> None:
    # frames 0-2 missing (then seen), 5-6 missing (then seen), 9-10 missing to the end: nothing to start from
    seen = [False, False, False, True, True, False, False, True, True, False, False]
    assert _gaps_before_a_pose(_track(seen), max_frames=100) == [(0, 3), (5, 7)]


def test_a_long_gap_is_filled_over_its_last_frames_only() -> None:
    assert _gaps_before_a_pose(_track([False] * 10 + [True]), max_frames=4) == [(6, 10)]


def test_a_runner_entering_at_the_image_border_is_not_tracked_back() -> None:
    """Seen first with a landmark at the border: they were coming into view, partly outside the image."""
    assert _gaps_before_a_pose(_track([False, False, True, True], centre_x=30.0), max_frames=100) == []
    assert _gaps_before_a_pose(_track([True, True, True]), max_frames=100) == []


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
    analysis = analyze_track(blurred)  # analysed, not refused for "0 steps"
    assert len(analysis.events.steps) >= 2
