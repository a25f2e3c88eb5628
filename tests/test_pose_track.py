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
