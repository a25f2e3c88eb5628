"""Reading a value at a sub-frame event instant (formcheck.metrics), against hand-computed values."""

import numpy as np
import pytest

from formcheck.metrics import smooth_value_at, track_position, value_at, value_from_after
from formcheck.pose_track import PoseTrack


def test_value_from_after_recovers_a_landing_position_between_frames():
    """A heel moving forward at +2 px/frame until t=10.3, then carried back by the belt at -9 px/frame: at 10.3 it
    is at 120.6 px (100 + 2 * 10.3). Interpolating frames 10 and 11 across the kink gives 116.97; extrapolating the
    stance samples back gives the true value."""
    t = np.arange(30, dtype=float)
    x = np.where(t < 10.3, 100 + 2 * t, 120.6 - 9 * (t - 10.3))
    assert value_from_after(x, 10.3, 3) == pytest.approx(120.6, abs=1e-9)
    assert value_at(x, 10.3) == pytest.approx(0.7 * 120.0 + 0.3 * 114.3, abs=1e-9)  # 116.97: off by 3.6 px


def test_value_at_interpolates_and_clamps():
    y = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
    assert value_at(y, 0.25) == pytest.approx([0.5, 12.5])
    assert value_at(y, 2.0) == pytest.approx([4.0, 30.0])
    assert value_at(y, 5.0) == pytest.approx([4.0, 30.0])  # past the end: the last sample


def test_value_from_after_skips_missing_samples():
    x = np.array([0.0, 1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    assert value_from_after(x, 2.5, 3) == pytest.approx(2.5)


def test_track_position_follows_uneven_timestamps():
    """Variable frame rate: frames at 0, 0.01, 0.03, 0.06 s; 0.045 s lies half way between frames 2 and 3."""
    n = 4
    track = PoseTrack(
        keypoints_px=np.zeros((n, 33, 2)), depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)),
        presence=np.ones((n, 33)), world_m=np.zeros((n, 33, 3)), timestamps_s=np.array([0.0, 0.01, 0.03, 0.06]),
        frame_indices=np.arange(n), fps=50.0, image_size=(10, 10), source="test", info={},
    )
    assert track_position(track, 0.045) == pytest.approx(2.5)
    assert track_position(track, 0.02) == pytest.approx(1.5)


def test_smooth_value_at_is_exact_for_a_cubic_and_beats_the_chord_near_a_peak():
    """A thigh angle near its turning point, 30 * cos(0.3 t) deg: at t = 0.5 it is 30 cos(0.15) = 29.6627 deg.
    The chord between frames 0 and 1 gives (30 + 30 cos 0.3) / 2 = 29.3300 (0.33 deg low); the cubic through frames
    -1..2 is off by < 0.01 deg. A cubic polynomial is reproduced exactly; next to a gap or the ends, linear."""
    t = np.arange(-5, 6, dtype=float)
    y = 30 * np.cos(0.3 * t)
    assert value_at(y, 5.5) == pytest.approx(29.3300, abs=1e-3)
    assert smooth_value_at(y, 5.5) == pytest.approx(29.6627, abs=0.01)
    p = 0.5 * t**3 - 2 * t**2 + t - 4
    assert smooth_value_at(p, 7.3) == pytest.approx(0.5 * 2.3**3 - 2 * 2.3**2 + 2.3 - 4, abs=1e-9)
    q = p.copy()
    q[9] = np.nan
    assert smooth_value_at(q, 7.3) == pytest.approx(0.7 * p[7] + 0.3 * p[8])
    assert smooth_value_at(p, 0.4) == pytest.approx(0.6 * p[0] + 0.4 * p[1])
