"""Cleaning a pose track before event detection: leg-swap repair, outliers, gaps, smoothing.

Order matters and is fixed by :func:`clean_track`:

1. **Leg-swap repair** (:func:`repair_leg_swaps`). In side views MediaPipe often labels the
   far leg as the near one (and vice versa) for a few frames. For every frame we choose
   between "as labelled" and "swapped" so that the legs move continuously: a two-state
   Viterbi pass whose cost is the frame-to-frame jump of the leg landmarks (knee, ankle,
   heel, toe) under each labelling, with a small prior against swapping. Legs crossing each
   other at mid-swing is continuous motion, so it is not mistaken for a swap.
2. **Outliers** (:func:`reject_outliers`): single points that jump away from their own
   running median (Hampel filter) by more than a fraction of the leg length, e.g. both legs
   collapsing onto one for a frame or two, are set to NaN.
3. **Gap filling** (:func:`fill_gaps`): NaN runs up to ``max_gap_s`` (0.1 s by default) are
   filled by PCHIP interpolation; longer gaps stay NaN (nothing is invented).
4. **Smoothing** (:func:`butterworth_smooth`): 2nd-order Butterworth low-pass run forward and
   backward (``filtfilt``), so it has zero phase lag and does not shift event timing. The
   cut-off follows the frame rate: ``min(12 Hz, 0.25 * fps)`` (7.5 Hz at 30 fps, 12 Hz at 60 fps
   and above), in the 6-12 Hz range used for running kinematics (Winter 2009).

Near/far leg: :func:`formcheck.geometry.near_side` says which leg faces the camera (facing left ->
left leg near), and :func:`leg_trust` returns a per-side 0-1 trust from MediaPipe's visibility, which
is lower for the far leg, whose heel and toe MediaPipe places poorly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import landmarks as lm
from .filters import butter, filtfilt, median_filter_nearest, pchip
from .geometry import SIDES, body_scale_px
from .pose_track import PoseTrack

LEG_JOINTS = (lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX)
_SWAP_PERM = np.arange(lm.N_LANDMARKS)  # exchanges the legs (hip..foot index); arms are tracked separately
for _a, _b in lm.LEG_PAIRS:
    _SWAP_PERM[_a], _SWAP_PERM[_b] = _b, _a
_LEG_L = [lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX]
_LEG_R = [lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX]
_LOWER_BODY = [lm.LEFT_HIP, lm.RIGHT_HIP, *_LEG_L, *_LEG_R]


def cutoff_hz(fps: float) -> float:
    """Low-pass cut-off used for a given frame rate (Hz)."""
    return float(min(12.0, 0.25 * fps))


@dataclass(frozen=True, eq=False)
class CleanResult:
    """A cleaned track and what cleaning did.

    ``track`` holds the cleaned, smoothed keypoints (NaN only where a gap was too long);
    ``swapped`` (T,) is True for frames whose left/right labels were exchanged;
    ``filled`` (T, 33) is True where a value was interpolated or an outlier replaced.
    """

    track: PoseTrack
    swapped: np.ndarray
    filled: np.ndarray
    cutoff_hz: float
    info: dict[str, Any] = field(default_factory=dict)
    light: PoseTrack | None = None  # same cleaning WITHOUT the low-pass (event timing, formcheck.events)


def swap_sides(keypoints: np.ndarray) -> np.ndarray:
    """(..., 33, k) array with the left/right LEG landmarks (hip, knee, ankle, heel, toe) exchanged."""
    return keypoints[..., _SWAP_PERM, :]


def repair_leg_swaps(keypoints: np.ndarray, swap_prior: float = 0.04) -> np.ndarray:
    """(T,) bool: frames whose left/right labels should be exchanged (Viterbi, 2 states).

    State 0 keeps MediaPipe's labels, state 1 swaps them. The cost of going from state a at
    t-1 to state b at t is the mean distance the leg landmarks jump (after scaling by the leg
    length), predicted with constant velocity when two previous frames are known. Swapping
    costs ``swap_prior`` per frame so ambiguous frames keep their labels (0.02 let a 12-frame stretch
    between two leg crossings of after.mp4 be flipped wrongly; 0.04 keeps all three samples right, checked
    against their truth, and leaves treadmill_side_01's events unchanged).
    """
    kp = np.asarray(keypoints, dtype=float)
    n = len(kp)
    if n < 3:
        return np.zeros(n, dtype=bool)
    scale = body_scale_px(kp)
    if not np.isfinite(scale) or scale <= 0:
        return np.zeros(n, dtype=bool)
    legs = np.stack([kp[:, _LEG_L], kp[:, _LEG_R]], axis=1)  # (T, 2, 4, 2)
    options = np.stack([legs, legs[:, ::-1]], axis=1)  # (T, state, side, joint, xy)
    valid = np.isfinite(options).all(axis=(1, 2, 3, 4))

    def jump(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # mean leg-landmark distance over (side, joint), in leg lengths
        return np.linalg.norm(a - b, axis=-1).mean(axis=(-2, -1)) / scale

    # Every transition's jump at once (a frame with a missing leg landmark costs nothing, as its jumps are unused):
    # from state a at t-1 to b at t, and from the constant-velocity prediction of (z at t-2, a at t-1).
    with np.errstate(invalid="ignore"):
        to_prev = jump(options[1:, None, :], options[:-1, :, None])  # (T-1, a, b): frame t = index + 1
        pred = 2 * options[1:-1, None, :] - options[:-2, :, None]  # (T-2, z, a, side, joint, xy): frame t = index + 2
        to_pred = jump(options[2:, None, None, :], pred[:, :, :, None])  # (T-2, z, a, b)
    # Second-order Viterbi: state = (s_{t-1}, s_t); cost uses constant-velocity prediction.
    inf = float("inf")
    cost = np.full((n, 2, 2), inf)
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for b in range(2):
        for a in range(2):
            cost[1, a, b] = swap_prior * (a + b) + (float(to_prev[0, a, b]) if valid[0] and valid[1] else 0.0)
    for t in range(2, n):
        for b in range(2):
            for a in range(2):
                best, arg = inf, 0
                for z in range(2):
                    prev = cost[t - 1, z, a]
                    if not np.isfinite(prev):
                        continue
                    if valid[t] and valid[t - 1] and valid[t - 2]:
                        step = 0.5 * float(to_pred[t - 2, z, a, b]) + 0.5 * float(to_prev[t - 1, a, b])
                    elif valid[t] and valid[t - 1]:
                        step = float(to_prev[t - 1, a, b])
                    else:
                        step = 0.0
                    c = prev + step + swap_prior * b
                    if c < best:
                        best, arg = c, z
                cost[t, a, b] = best
                back[t, a, b] = arg
    states = np.zeros(n, dtype=np.int8)
    a, b = np.unravel_index(np.argmin(cost[-1]), (2, 2))
    states[-1], states[-2] = b, a
    for t in range(n - 1, 1, -1):
        z = back[t, states[t - 1], states[t]]
        states[t - 2] = z
    return states.astype(bool)


def reject_outliers(keypoints: np.ndarray, fps: float, threshold_leg: float = 0.12) -> np.ndarray:
    """(T, 33) bool: points more than ``threshold_leg`` leg lengths from their running median.

    Hampel-type filter over a 0.17 s window (5 frames at 30 fps), applied per coordinate to
    the lower-body landmarks. Real foot motion is smooth at that scale; jumps of a few frames
    are model errors.
    """
    kp = np.asarray(keypoints, dtype=float)
    n = len(kp)
    out = np.zeros(kp.shape[:2], dtype=bool)
    scale = body_scale_px(kp)
    if n < 5 or not np.isfinite(scale):
        return out
    win = max(5, int(round(0.17 * fps)) | 1)
    thr = threshold_leg * scale
    for j in _LOWER_BODY:
        for c in range(2):
            x = kp[:, j, c]
            ok = np.isfinite(x)
            if ok.sum() < win:
                continue
            filled = np.interp(np.arange(n), np.flatnonzero(ok), x[ok])
            med = median_filter_nearest(filled, win)
            out[:, j] |= ok & (np.abs(x - med) > thr)
    return out


def fill_gaps(x: np.ndarray, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaN runs of at most ``max_gap`` samples in a 1-D series (PCHIP); returns (filled, mask)."""
    x = np.asarray(x, dtype=float).copy()
    ok = np.isfinite(x)
    mask = np.zeros(len(x), dtype=bool)
    if ok.sum() < 2 or ok.all():
        return x, mask
    bad = np.flatnonzero(~ok)
    # split missing samples into runs; the short inner ones are filled, all in one interpolation
    runs = np.split(bad, np.flatnonzero(np.diff(bad) > 1) + 1)
    for run in runs:
        if len(run) == 0 or len(run) > max_gap or run[0] == 0 or run[-1] == len(x) - 1:
            continue
        mask[run] = True
    if mask.any():
        x[mask] = pchip(np.flatnonzero(ok), x[ok], np.flatnonzero(mask))
    return x, mask


def butterworth_smooth(x: np.ndarray, fps: float, cutoff: float | None = None, order: int = 2) -> np.ndarray:
    """Zero-lag low-pass (Butterworth, filtfilt) of a 1-D series; NaN runs are kept as NaN.

    Each finite run is filtered on its own (runs shorter than the filter's padding are left
    as they are).
    """
    x = np.asarray(x, dtype=float)
    fc = cutoff_hz(fps) if cutoff is None else cutoff
    if fc >= 0.5 * fps * 0.95:
        return x.copy()
    b, a = butter(order, fc / (0.5 * fps))
    y = x.copy()
    ok = np.isfinite(x)
    if not ok.any():
        return y
    idx = np.flatnonzero(ok)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    pad = 3 * max(len(a), len(b))
    for run in runs:
        if len(run) > pad:
            y[run] = filtfilt(b, a, x[run], padlen=min(pad * 3, len(run) - 1))
    return y


def with_legs_swapped(track: PoseTrack, frames: np.ndarray) -> PoseTrack:
    """``track`` with the left/right leg landmarks (and their visibility, presence, depth, world points) exchanged
    on ``frames`` ((T,) bool)."""
    frames = np.asarray(frames, dtype=bool)
    if not frames.any():
        return track
    arrays = {}
    for name in ("keypoints_px", "depth_px", "visibility", "presence", "world_m"):
        a = np.array(getattr(track, name), dtype=float)
        a[frames] = a[frames][:, _SWAP_PERM]
        arrays[name] = a
    return replace(track, **arrays)


def clean_track(track: PoseTrack, *, max_gap_s: float = 0.1, smooth: bool = True) -> CleanResult:
    """Swap repair, outlier rejection, gap filling and zero-lag smoothing of a whole track."""
    kp = np.array(track.keypoints_px, dtype=float)
    fps = float(track.fps)
    swapped = repair_leg_swaps(kp)
    kp[swapped] = swap_sides(kp[swapped])
    vis = np.array(track.visibility, dtype=float)
    depth = np.array(track.depth_px, dtype=float)
    vis[swapped] = vis[swapped][:, _SWAP_PERM]
    depth[swapped] = depth[swapped][:, _SWAP_PERM]
    outliers = reject_outliers(kp, fps)
    kp[outliers] = np.nan
    max_gap = max(1, int(round(max_gap_s * fps)))
    filled = np.zeros(kp.shape[:2], dtype=bool)
    fc = cutoff_hz(fps)
    unsmoothed = kp.copy()
    for j in range(lm.N_LANDMARKS):
        for c in range(2):
            series, mask = fill_gaps(kp[:, j, c], max_gap)
            filled[:, j] |= mask
            unsmoothed[:, j, c] = series
            kp[:, j, c] = butterworth_smooth(series, fps, fc) if smooth else series
    cleaned = replace(track, keypoints_px=kp, depth_px=depth, visibility=vis, info={**track.info, "cleaned": True, "cutoff_hz": fc})
    info = {
        "swapped_frames": int(swapped.sum()),
        "outlier_points": int(outliers.sum()),
        "filled_points": int(filled.sum()),
        "cutoff_hz": fc,
        "max_gap_frames": max_gap,
    }
    light = replace(cleaned, keypoints_px=unsmoothed, info={**cleaned.info, "cutoff_hz": None})
    return CleanResult(track=cleaned, swapped=swapped, filled=filled | outliers, cutoff_hz=fc, info=info, light=light)


def leg_trust(track: PoseTrack) -> dict[str, float]:
    """Per side, the median visibility of knee/ankle/heel/toe (0-1): how much to trust that leg."""
    out = {}
    for side in SIDES:
        leg = lm.LEG[side]  # type: ignore[index]
        idx = [leg["knee"], leg["ankle"], leg["heel"], leg["foot_index"]]
        v = track.visibility[:, idx]
        v = v[np.isfinite(v)]
        out[side] = float(np.median(v)) if v.size else 0.0
    return out
