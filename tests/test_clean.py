"""Track cleaning: swap repair, gap filling, zero-lag smoothing."""

import numpy as np

from formcheck.clean import butterworth_smooth, clean_track, fill_gaps, repair_leg_swaps
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track


def test_swap_repair_finds_injected_swaps():
    g = simulate_gait(GaitParams(fps=60, duration_s=4))
    swaps = list(range(40, 46)) + list(range(150, 153))
    tr = to_pose_track(g, noise_px=1.0, swap_frames=swaps, seed=2)
    found = np.flatnonzero(repair_leg_swaps(tr.keypoints_px))
    assert set(found) == set(swaps)


def test_no_swaps_reported_on_clean_track():
    g = simulate_gait(GaitParams(fps=30, duration_s=4))
    assert not repair_leg_swaps(to_pose_track(g, noise_px=1.0).keypoints_px).any()


def test_clean_track_undoes_swaps_and_fills_dropouts():
    g = simulate_gait(GaitParams(fps=60, duration_s=4))
    tr = to_pose_track(g, swap_frames=range(80, 84), dropout_frames=range(120, 124), seed=1)
    res = clean_track(tr, smooth=False)
    err = np.abs(res.track.keypoints_px - g.landmarks_px)
    assert np.nanmax(err[80:84]) < 1e-6
    assert np.isfinite(res.track.keypoints_px[120:124]).all()
    assert np.max(err[120:124, 23:33]) < 8.0  # interpolated legs within 8 px over a 4-frame gap


def test_fill_gaps_respects_max_gap():
    x = np.arange(20.0)
    x[3:5] = np.nan
    x[10:16] = np.nan
    y, mask = fill_gaps(x, 3)
    assert np.allclose(y[3:5], [3, 4]) and np.isnan(y[10:16]).all() and mask[3:5].all()


def test_butterworth_is_zero_lag():
    fps = 60.0
    t = np.arange(600) / fps
    x = np.sin(2 * np.pi * 1.4 * t)
    y = butterworth_smooth(x + np.random.default_rng(0).normal(0, 0.05, t.size), fps)
    lags = range(-5, 6)
    best = max(lags, key=lambda L: np.dot(np.roll(y, L)[50:-50], x[50:-50]))
    assert best == 0
