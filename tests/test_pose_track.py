"""Pose track persistence: .npz round trip, CSV export, refusal of foreign files."""

import csv
from pathlib import Path

import numpy as np
import pytest

from formcheck.landmarks import LANDMARK_NAMES, N_LANDMARKS
from formcheck.pose_track import PoseTrack, PoseTrackFormatError


def _track(n: int = 6) -> PoseTrack:
    rng = np.random.default_rng(3)
    keypoints = rng.uniform(0, 500, (n, N_LANDMARKS, 2))
    keypoints[2] = np.nan  # a frame without a person
    return PoseTrack(
        keypoints_px=keypoints,
        depth_px=rng.normal(size=(n, N_LANDMARKS)),
        visibility=rng.uniform(size=(n, N_LANDMARKS)),
        presence=rng.uniform(size=(n, N_LANDMARKS)),
        world_m=rng.normal(size=(n, N_LANDMARKS, 3)),
        timestamps_s=np.arange(n) / 30.0,
        frame_indices=np.arange(n) + 10,
        fps=30.0,
        image_size=(640, 480),
        source="clip.mp4",
        info={"person_picked": "the only person"},
    )


def test_npz_round_trip_keeps_everything(tmp_path: Path) -> None:
    track = _track()
    loaded = PoseTrack.load(track.save(tmp_path / "t.npz"))
    np.testing.assert_allclose(loaded.keypoints_px, track.keypoints_px, rtol=1e-6)
    np.testing.assert_array_equal(loaded.frame_indices, track.frame_indices)
    assert loaded.detected.tolist() == [True, True, False, True, True, True]
    assert (loaded.fps, loaded.image_size, loaded.source, loaded.info) == (30.0, (640, 480), "clip.mp4", track.info)
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]


def test_csv_has_a_row_per_frame_and_blank_cells_for_missing(tmp_path: Path) -> None:
    track = _track()
    rows = list(csv.reader(open(track.to_csv(tmp_path / "t.csv"))))
    assert len(rows) == 1 + track.n_frames
    assert rows[0][:3] == ["frame", "time_s", "detected"] and len(rows[0]) == 3 + 3 * len(LANDMARK_NAMES)
    assert rows[3][0] == "12" and rows[3][2] == "0" and rows[3][3] == ""
    assert float(rows[1][3]) == pytest.approx(track.keypoints_px[0, 0, 0], abs=0.01)


def test_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.npz"
    np.savez(bogus, a=np.zeros(3))
    with pytest.raises(PoseTrackFormatError, match="not a formcheck pose track"):
        PoseTrack.load(bogus)


def test_shape_mismatch_is_refused() -> None:
    track = _track()
    with pytest.raises(ValueError, match="visibility"):
        PoseTrack(**{**track.__dict__, "visibility": np.zeros((3, N_LANDMARKS))})


def test_small_runner_gets_a_closer_look():
    """A runner 25 % of the frame tall (landmarks spread over 0.30-0.55 of the height) is looked at again within
    the region they occupy, widened by ROI_MARGIN; a runner filling the frame, or crossing all of it, is not."""
    from dataclasses import replace

    from formcheck.pose import ROI_MARGIN, runner_roi

    n, w, h = 20, 1080, 1920
    rng = np.random.default_rng(0)
    k = np.empty((n, 33, 2))
    k[..., 0] = rng.uniform(500, 600, size=(n, 33))
    k[..., 1] = rng.uniform(0.30 * h, 0.55 * h, size=(n, 33))
    track = PoseTrack(keypoints_px=k, depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)), presence=np.ones((n, 33)),
                      world_m=np.zeros((n, 33, 3)), timestamps_s=np.arange(n) / 30.0, frame_indices=np.arange(n), fps=30.0,
                      image_size=(w, h))
    x0, y0, x1, y1 = runner_roi(track)
    y_lo, y_hi = np.percentile(k[..., 1], [1, 99])
    assert y0 < y_lo and y1 > y_hi and (y1 - y0) == pytest.approx((y_hi - y_lo) * (1 + 2 * ROI_MARGIN), abs=2)
    assert x0 < 500 and x1 > 600 and abs((x1 - x0) - (y1 - y0)) <= 1  # square, as the detector's own input
    assert (x1 - x0) * (y1 - y0) < 0.35 * w * h
    tall = replace(track, keypoints_px=np.stack([k[..., 0], 0.05 * h + (k[..., 1] - 0.30 * h) * 3.6], axis=-1))
    assert runner_roi(tall) is None  # fills 90 % of the height, found in every frame
    crossing = replace(track, keypoints_px=np.stack([rng.uniform(0, w, size=(n, 33)), k[..., 1]], axis=-1))
    assert runner_roi(crossing) is None  # its region is most of the frame: nothing to gain
