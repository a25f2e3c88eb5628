"""formcheck.filters against SciPy (the reference it replaces in the analysis) and against hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from scipy.interpolate import PchipInterpolator
from scipy.ndimage import median_filter

from formcheck import filters


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("cutoff", [0.05, 0.25, 0.5, 0.9])
@pytest.mark.parametrize("kind", ["low", "high"])
def test_butterworth_design_matches_scipy(order, cutoff, kind):
    b, a = filters.butter(order, cutoff, kind)
    rb, ra = signal.butter(order, cutoff, kind)
    np.testing.assert_allclose(b, rb, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a, ra, rtol=1e-12, atol=1e-15)


def test_butterworth_has_unit_gain_where_it_passes_and_half_power_at_the_cutoff():
    b, a = filters.butter(2, 0.2)
    assert np.sum(b) / np.sum(a) == pytest.approx(1.0)  # DC passes whole
    w = np.pi * 0.2
    z = np.exp(-1j * w * np.arange(3))
    assert abs(np.dot(b, z) / np.dot(a, z)) == pytest.approx(np.sqrt(0.5))  # -3 dB at the cutoff
    bh, ah = filters.butter(2, 0.2, "high")
    assert abs(np.dot(bh, [1, -1, 1]) / np.dot(ah, [1, -1, 1])) == pytest.approx(1.0)  # Nyquist passes whole
    with pytest.raises(ValueError):
        filters.butter(2, 1.0)


@pytest.mark.parametrize("seed", range(6))
def test_filtfilt_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    x = np.cumsum(rng.normal(size=n)) + 5 * np.sin(np.arange(n) / 7)
    b, a = filters.butter(int(rng.integers(1, 5)), float(rng.uniform(0.05, 0.8)), ["low", "high"][seed % 2])
    for padlen in (None, 0, 5, n - 1):
        if padlen is None and n <= 3 * max(len(a), len(b)):
            continue
        ours = filters.filtfilt(b, a, x, padlen=padlen)
        ref = signal.filtfilt(b, a, x, padlen=padlen)
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10)


def test_filtfilt_keeps_a_line_and_removes_a_fast_wiggle():
    t = np.arange(200.0)
    b, a = filters.butter(2, 0.1)
    line = filters.filtfilt(b, a, 3 + 0.5 * t)  # zero phase and unit gain: a line comes out as it went in
    np.testing.assert_allclose(line[80:-80], (3 + 0.5 * t)[80:-80], atol=1e-5)  # once the start-up has died out
    assert np.abs(line - (3 + 0.5 * t)).max() < 0.2  # odd extension: the ends stay within a third of a step (no droop)
    wiggle = np.sin(np.pi * 0.8 * t)
    assert np.abs(filters.filtfilt(b, a, wiggle)[20:-20]).max() < 0.01
    with pytest.raises(ValueError, match="longer than its padding"):
        filters.filtfilt(b, a, np.ones(9))


@pytest.mark.parametrize("size", [1, 3, 5, 7, 8])
def test_running_median_matches_scipy_nearest(size):
    rng = np.random.default_rng(size)
    x = rng.normal(size=57)
    x[10:14] = 40.0  # a jump the median removes
    np.testing.assert_array_equal(filters.median_filter_nearest(x, size), median_filter(x, size=size, mode="nearest"))
    assert filters.median_filter_nearest(np.array([1.0, 9.0, 1.0, 1.0, 1.0]), 3).tolist() == [1.0, 1.0, 1.0, 1.0, 1.0]
    assert filters.median_filter_nearest(np.array([4.0, 1.0, 3.0, 2.0]), 2).tolist() == [4.0, 4.0, 3.0, 3.0]  # upper middle


@pytest.mark.parametrize("seed", range(8))
def test_pchip_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    x = np.sort(rng.choice(np.arange(200), size=n, replace=False)).astype(float)
    y = rng.normal(size=n) * 10
    if seed % 3 == 0:
        y[: n // 2] = y[0]  # flat runs and sign changes of the slope
    at = np.linspace(x[0], x[-1], 333)
    np.testing.assert_allclose(filters.pchip(x, y, at), PchipInterpolator(x, y, extrapolate=False)(at), rtol=1e-12, atol=1e-12)


def test_pchip_does_not_overshoot_a_step_and_is_nan_outside():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    v = filters.pchip(x, y, np.linspace(0, 3, 61))
    assert v.min() >= 0.0 and v.max() <= 1.0
    assert filters.pchip(x, y, [1.5])[0] == pytest.approx(0.5)
    assert np.isnan(filters.pchip(x, y, [-0.1, 3.1])).all()


@pytest.mark.parametrize("seed", range(10))
def test_peaks_and_prominences_match_scipy(seed):
    rng = np.random.default_rng(seed)
    x = np.round(np.cumsum(rng.normal(size=int(rng.integers(3, 300)))), 0)  # rounded: plateaus and ties
    np.testing.assert_array_equal(filters.find_peaks(x), signal.find_peaks(x)[0])
    for distance, prominence in [(5, None), (None, 2.0), (12, 3.0), (1, 0.0), (40, 1.0)]:
        ours = filters.find_peaks(x, distance=distance, prominence=prominence)
        ref = signal.find_peaks(x, distance=distance, prominence=prominence)[0]
        np.testing.assert_array_equal(ours, ref, err_msg=f"distance {distance}, prominence {prominence}")
    peaks = signal.find_peaks(x)[0]
    for ours, ref in zip(filters.peak_prominences(x, peaks), signal.peak_prominences(x, peaks)):
        np.testing.assert_array_equal(ours, ref)


def test_edge_cases_match_scipy():
    flat = np.full(30, 2.0)
    assert filters.find_peaks(flat).size == 0 == signal.find_peaks(flat)[0].size
    short = np.array([0.0, 1.0, 0.0])
    np.testing.assert_array_equal(filters.find_peaks(short, distance=2.5, prominence=0.5), [1])
    x = np.round(np.cumsum(np.random.default_rng(3).normal(size=200)))
    np.testing.assert_array_equal(filters.find_peaks(x, distance=6.5), signal.find_peaks(x, distance=6.5)[0])  # a float distance
    with pytest.raises(ValueError):
        filters.find_peaks(flat, distance=0.5)
    with pytest.raises(ValueError):
        filters.peak_prominences(short, [3])
    np.testing.assert_allclose(filters.pchip([0.0, 2.0], [1.0, 5.0], [0.0, 0.5, 2.0]), [1.0, 2.0, 5.0])  # 2 points: a line
    np.testing.assert_allclose(filters.pchip([0.0, 1.0, 3.0], [4.0, 4.0, 4.0], [0.5, 2.0]), [4.0, 4.0])
    np.testing.assert_allclose(filters.filtfilt([0.5], [1.0], np.arange(5.0)), 0.25 * np.arange(5.0))  # one tap: a gain
    b, a = filters.butter(2, 0.3)
    np.testing.assert_allclose(filters.filtfilt(b, a, flat), flat)


def test_the_analysis_does_not_import_scipy():
    """The point of formcheck.filters: an analysis (of a synthetic runner) never loads SciPy (1.2 s of CPU)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track\n"
            "track = to_pose_track(simulate_gait(GaitParams(fps=30.0, duration_s=4.0, seed=1)))\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')\n"  # the synthetic runner uses SciPy
            "for m in loaded: del sys.modules[m]\n"
            "from formcheck.analysis import analyze_track\n"
            "analyze_track(track)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_peaks_by_hand():
    x = np.array([0, 2, 2, 2, 0, 5, 1, 3, 0, 0.0])
    assert filters.find_peaks(x).tolist() == [2, 5, 7]  # a plateau counts once, at its middle
    prom, left, right = filters.peak_prominences(x, [2, 5, 7])
    # a base is the lowest point on that side, the one nearest the peak when several are as low
    assert prom.tolist() == [2.0, 5.0, 2.0] and left.tolist() == [0, 4, 6] and right.tolist() == [4, 8, 8]
    assert filters.find_peaks(x, distance=3).tolist() == [2, 5]  # 7 is within 3 of the taller 5
    assert filters.find_peaks(x, prominence=3).tolist() == [5]


def test_nan_running_median_leaves_unseen_samples_out():
    """A foot coming into view at sample 3 and moving 2 px a sample, with a 5 px jump at sample 6: the median over
    +-1 of [nan, nan, nan, 2, 4, 6, 13, 10, 12], hand-computed, is [nan, nan, nan, 3, 4, 6, 10, 12, 11]: the first
    seen sample moves (a median that sorts NaN as the largest value froze it at 4), the jump is gone, the unseen
    samples stay NaN, and the ends take the median of the samples seen."""
    x = np.array([np.nan, np.nan, np.nan, 2.0, 4.0, 6.0, 13.0, 10.0, 12.0])
    out = filters.nan_running_median(x, 1)
    np.testing.assert_allclose(out, [np.nan, np.nan, np.nan, 3.0, 4.0, 6.0, 10.0, 12.0, 11.0])
    np.testing.assert_allclose(filters.nan_running_median(x, 0), x)
