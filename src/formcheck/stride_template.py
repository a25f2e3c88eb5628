"""Align one leg's events on the shape its foot repeats every stride (an ensemble template).

A runner's foot traces nearly the same path relative to the pelvis stride after stride, and it
lands and lifts at the same point of that path. A detector that times each event from a few
samples around it (:mod:`formcheck.event_fits`) inherits the landmarks' frame-to-frame jitter:
on a blurred or heavily compressed clip it puts single contacts 2-4 frames off although its
timing is right on average. Here every step of one leg is shifted so that the foot's trace over
a window around its event matches the median trace of all the leg's steps (least squares over
a grid of sub-frame shifts, iterated as the template sharpens), and the shifted events are then
moved together so that their median offset from the detector's instants is zero: the detector
sets WHEN in the stride the event happens, the whole trace of each stride sets WHICH frame.

This is the averaging of ensemble templates used in gait and ECG analysis (align, average,
re-align); it needs periodic strides and so runs only on legs with enough steps.
"""

from __future__ import annotations

import numpy as np


def nan_mean(values: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """Mean over ``axis`` of the finite values; NaN where there are none, without a RuntimeWarning.

    Unmeasured samples are expected here (a foot lost for a few frames). ``np.nanmean`` warns on an
    all-NaN slice, and silencing that with ``warnings.catch_warnings`` is not thread-safe: it swaps the
    process-wide filters, so two analyses on a thread pool restore each other's and the warning escapes.
    """
    finite = np.isfinite(values)
    count = finite.sum(axis=axis, keepdims=keepdims)
    total = np.where(finite, values, 0.0).sum(axis=axis, keepdims=keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):  # numpy's error state is per thread
        return np.where(count > 0, total / count, np.nan)


def nan_median(values: np.ndarray, axis: int) -> np.ndarray:
    """``np.nanmedian`` over ``axis``, NaN where a slice has no finite value, without a RuntimeWarning."""
    values = np.asarray(values, dtype=float)
    empty = ~np.isfinite(values).any(axis=axis, keepdims=True)
    filled = np.where(empty, 0.0, values)  # an all-NaN slice gets a stand-in, blanked again below
    return np.where(np.squeeze(empty, axis=axis), np.nan, np.nanmedian(filled, axis=axis))


def sample(signal: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``signal`` (T, C) read at fractional track positions (any shape) by linear interpolation; NaN outside."""
    positions = np.asarray(positions, dtype=float)
    n = len(signal)
    inside = (positions >= 0) & (positions <= n - 1)
    i0 = np.clip(np.floor(np.nan_to_num(positions)).astype(int), 0, max(0, n - 2))  # the last frame: 1 x the frame before's ...
    frac = (positions - i0)[..., None]  # ... neighbour, so both ends are read exactly
    i1 = np.minimum(i0 + 1, n - 1)
    out = signal[i0] * (1.0 - frac) + signal[i1] * frac
    out[~inside] = np.nan
    return out


def _shape(windows: np.ndarray, shape_only: bool) -> np.ndarray:
    """Windows (..., G, C), less each one's own mean per channel when ``shape_only``."""
    if not shape_only:
        return windows
    return windows - nan_mean(windows, axis=-2, keepdims=True)


def align_to_template(signal: np.ndarray, positions: np.ndarray, half_width_frames: float, max_shift_frames: float,
                      iterations: int = 3, shift_step_frames: float = 0.1,
                      min_coverage: float = 0.7, shape_only: bool = False,
                      coverage_at_positions: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Event positions (track index, fractional) moved onto the leg's median stride trace.

    ``signal`` (T, C): the foot's traces, in comparable units (fractions of leg length); NaN where not
    measured. ``positions`` (N,): the detector's instants. Each iteration builds the template = the
    per-sample median of every step's window (``half_width_frames`` either side) at the current positions,
    then gives each step the position within ``max_shift_frames`` of its detected one (on a
    ``shift_step_frames`` grid) with the least mean squared difference from it; a step whose window is less
    than ``min_coverage`` measured is not searched. All are then re-centred together so their median
    difference from ``positions`` is zero (which can add a little to a step's move, and moves an unsearched
    step by that common amount only). Returns (positions, misfit): misfit (N,) is each step's root mean squared
    difference from the final template at its position (signal units; NaN when its window is not measured
    enough), how unlike its leg's other strides the step is.

    ``shape_only``: each window is compared less its own mean per channel, by the shape of the foot's path
    and not by where it is. For a runner crossing the frame, seen from a changing angle, the foot's level
    and distance from the pelvis drift from step to step; where the runner stays in place (a treadmill),
    they repeat and pin the shift down better (measured: compared with levels, 7 more toe-offs within a
    frame on the degraded treadmill clips; shape only, no noise-free rendered overground step off).

    ``coverage_at_positions``: a step whose window is under ``min_coverage`` measured AT ``positions`` is not
    searched at all (for events a detector timed). Otherwise coverage is judged shift by shift (for rough guesses,
    such as a stride before a leg's first event): near the clip's or the foot's first or last frame only the shifts
    away from that edge then see enough of the window, and the search pulls a timed event inwards (a runner
    entering the frame: its first contact, timed on the planted foot, moved 4 frames late).
    """
    positions = np.asarray(positions, dtype=float)
    if positions.size == 0:
        return positions.copy(), np.zeros(0)
    reach = int(np.floor(half_width_frames))
    grid = np.arange(-reach, reach + 1, dtype=float)  # whole frames, symmetric about the event
    shifts = np.arange(-max_shift_frames, max_shift_frames + 1e-9, shift_step_frames)
    current = positions.copy()
    searchable = np.ones(len(positions), dtype=bool)
    if coverage_at_positions:
        searchable = np.isfinite(sample(signal, positions[:, None] + grid[None, :])).mean(axis=(1, 2)) >= min_coverage
    for _ in range(iterations):
        windows = _shape(sample(signal, current[:, None] + grid[None, :]), shape_only)  # (N, G, C)
        template = nan_median(windows, axis=0)  # (G, C); all-NaN columns stay NaN
        moved = current.copy()
        for i, pos in enumerate(positions):  # every iteration searches around the detector's own instant
            if not searchable[i]:
                continue
            tried = _shape(sample(signal, pos + shifts[:, None] + grid[None, :]), shape_only)  # (S, G, C)
            sq = ((tried - template[None]) ** 2).reshape(len(shifts), -1)
            cost = nan_mean(sq, axis=1)
            cost[(np.isfinite(sq).mean(axis=1) < min_coverage) | ~np.isfinite(cost)] = np.inf
            if np.isfinite(cost).any():
                moved[i] = pos + shifts[int(np.argmin(cost))]
        current = moved + float(np.median(positions - moved))
    windows = _shape(sample(signal, current[:, None] + grid[None, :]), shape_only)
    template = nan_median(windows, axis=0)
    sq = ((windows - template[None]) ** 2).reshape(len(current), -1)
    misfit = np.sqrt(nan_mean(sq, axis=1))
    misfit[np.isfinite(sq).mean(axis=1) < min_coverage] = np.nan
    return current, misfit


__all__ = ["align_to_template", "nan_mean", "nan_median", "sample"]
