"""Cleaning a pose track before event detection: leg-swap repair, outliers, gaps, smoothing.

Order matters and is fixed by :func:`clean_track`:

1. **Leg-swap repair** (:func:`repair_leg_swaps`). In side views MediaPipe often labels the
   far leg as the near one (and vice versa) for a few frames. For every frame we choose
   between "as labelled" and "swapped" so that the legs move continuously: a two-state
   Viterbi pass whose cost is the frame-to-frame jump of the leg landmarks (knee, ankle,
   heel, toe) under each labelling, with a small prior against swapping. Where the legs
   cross, both labellings move them as little, and MediaPipe's labels stand. MediaPipe also
   swaps the lower legs alone, where the knees pass each other: the same pass then runs on
   the lower legs (ankle, heel, toe), and last on the knees, each part exchanged on its own.
2. **Outliers** (:func:`reject_outliers`): single points that jump away from their own
   running median (Hampel filter) by more than a fraction of the leg length, e.g. both legs
   collapsing onto one for a frame or two, are set to NaN. The median runs over a window of
   time: frames missing from the clip keep their places (filled linearly for the median).
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
from .filters import butter, filtfilt, median_filter_nearest, nan_running_median, pchip
from .geometry import SIDES, body_scale_px, near_side
from .pose_track import PoseTrack


def _exchanging(pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Landmark permutation that exchanges each (left, right) pair and leaves the rest."""
    perm = np.arange(lm.N_LANDMARKS)
    for a, b in pairs:
        perm[a], perm[b] = b, a
    return perm


_SWAP_PERM = _exchanging(lm.LEG_PAIRS)  # exchanges the legs (hip..foot index); arms are tracked separately
_LEG_L = [lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX]
_LEG_R = [lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX]
# The parts repaired in turn (clean_track): (left landmarks, right landmarks) whose jumps are the cost, and what
# a swap exchanges. The whole legs' swap exchanges the hips too (they coincide in a side view).
SWAP_PARTS: dict[str, tuple[list[int], list[int], np.ndarray]] = {
    "legs": (_LEG_L, _LEG_R, _SWAP_PERM),
    "lower_legs": (_LEG_L[1:], _LEG_R[1:], _exchanging(tuple(zip(_LEG_L[1:], _LEG_R[1:])))),
    "knees": (_LEG_L[:1], _LEG_R[:1], _exchanging(((lm.LEFT_KNEE, lm.RIGHT_KNEE),))),
}
_LOWER_BODY = [lm.LEFT_HIP, lm.RIGHT_HIP, *_LEG_L, *_LEG_R]


def cutoff_hz(fps: float) -> float:
    """Low-pass cut-off used for a given frame rate (Hz)."""
    return float(min(12.0, 0.25 * fps))


@dataclass(frozen=True, eq=False)
class CleanResult:
    """A cleaned track and what cleaning did.

    ``track`` holds the cleaned, smoothed keypoints (NaN only where a gap was too long);
    ``swapped`` (T,) is True for frames whose left/right leg labels were exchanged;
    ``parts_swapped`` maps "front_back" (:func:`front_back_relabel`, on the model's labels, before the passes) and
    each part of :data:`SWAP_PARTS` ("legs", then "lower_legs", then "knees") to the (T,) frames whose labels it
    exchanged (``swapped`` is the legs' pass); ``relabelled`` is their union;
    ``filled`` (T, 33) is True where a value was interpolated or an outlier replaced.
    """

    track: PoseTrack
    swapped: np.ndarray
    filled: np.ndarray
    cutoff_hz: float
    info: dict[str, Any] = field(default_factory=dict)
    light: PoseTrack | None = None  # same cleaning WITHOUT the low-pass (event timing, formcheck.events)
    parts_swapped: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def relabelled(self) -> np.ndarray:
        """(T,) bool: frames where any part's leg labels were exchanged."""
        out = np.asarray(self.swapped, dtype=bool).copy()
        for frames in self.parts_swapped.values():
            out |= frames
        return out


def swap_sides(keypoints: np.ndarray) -> np.ndarray:
    """(..., 33, k) array with the left/right LEG landmarks (hip, knee, ankle, heel, toe) exchanged."""
    return keypoints[..., _SWAP_PERM, :]


def repair_leg_swaps(keypoints: np.ndarray, swap_prior_leg: float = 0.02, part: str = "legs") -> np.ndarray:
    """(T,) bool: frames whose left/right labels of ``part`` (:data:`SWAP_PARTS`) should be exchanged (Viterbi, 2 states).

    State 0 keeps MediaPipe's labels, state 1 swaps them. The cost of going from state a at
    t-1 to state b at t is the mean distance the part's landmarks (for the legs: knee, ankle,
    heel, toe) jump between the two frames, in leg lengths; each swapped frame costs
    ``swap_prior_leg`` more, so ambiguous frames keep their labels. Where the legs cross,
    either labelling moves them as little, and MediaPipe's labels stand.

    Measured against the rendered truth (docs/thresholds.md, "leg labels swapped"; 312 renders):
    feet labelled the wrong way round 2456 frames with the cost that also averaged in a jump
    predicted at constant velocity from the two frames before, at 0.04 leg a frame, and 1397
    with this one at 0.02. The prediction doubles the landmarks' jitter, so a blurred or small
    foot passed for swapped, and it took MediaPipe's feet sliding onto the other leg for motion.
    """
    kp = np.asarray(keypoints, dtype=float)
    n = len(kp)
    if n < 2:
        return np.zeros(n, dtype=bool)
    scale = body_scale_px(kp)
    if not np.isfinite(scale) or scale <= 0:
        return np.zeros(n, dtype=bool)
    left, right, _ = SWAP_PARTS[part]
    legs = np.stack([kp[:, left], kp[:, right]], axis=1)  # (T, side, joint, xy)
    options = np.stack([legs, legs[:, ::-1]], axis=1)  # (T, state, side, joint, xy)
    valid = np.isfinite(options).all(axis=(1, 2, 3, 4))
    with np.errstate(invalid="ignore"):  # (T-1, a, b): from state a at frame t-1 to b at frame t = index + 1
        jumps = np.linalg.norm(options[1:, None, :] - options[:-1, :, None], axis=-1).mean(axis=(-2, -1)) / scale
    jumps[~(valid[1:] & valid[:-1])] = 0.0  # a frame without the part's landmarks (no pose) tells nothing about the labels
    prior = np.array([0.0, swap_prior_leg])
    cost = prior.copy()
    back = np.zeros((n, 2), dtype=np.int8)
    for t in range(1, n):
        total = cost[:, None] + jumps[t - 1]  # (a, b)
        back[t] = np.argmin(total, axis=0)
        cost = total[back[t], [0, 1]] + prior
    states = np.zeros(n, dtype=np.int8)
    states[-1] = int(np.argmin(cost))
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states.astype(bool)


# A pose model that names the legs by which foot is in FRONT (or behind) swaps the labels at every crossing of the feet,
# where both labellings move them as little, so the continuity pass keeps the swap. Then one label leads on nearly
# every frame: a real walker passing the camera (walk_side_outdoor_60fps_04) led on 76 % of its frames as the model
# gave them and 82 % after the continuity passes; its stride period read as a step and its cadence doubled (213
# steps/min against 107). Correct labels lead about half the time: of 509 running clips (renders, their copies, the
# real ones) none is relabelled.
FRONT_BACK_FRACTION = 0.8  # one label leads on more than this share of the frames: relabel at the crossings
CROSSING_NEAR_LEG = 0.25  # the feet cross where they come within this (image x, leg lengths; the median blunts the V) ...
CROSSING_APART_LEG = 0.4  # ... after being this far apart since the last crossing (a step, not jitter) ...
CROSSING_MIN_GAP_S = 0.15  # ... and at least this long after it (a step lasts 0.25 s even at 240 steps/min)
CROSSING_MEDIAN_S = 0.05  # the feet's lead is a running median over this long first (one misplaced foot is no crossing)
MIN_CROSSINGS = 2  # fewer crossings show no front/back naming


def front_back_relabel(track: PoseTrack) -> np.ndarray:
    """(T,) bool: frames whose leg labels to exchange when they name the front and the back foot, not the legs.

    The feet's image x (ankle, heel and toe averaged, a running median over CROSSING_MEDIAN_S) are compared: when one
    label leads on more than FRONT_BACK_FRACTION of the frames, the feet cross where they come back within
    CROSSING_NEAR_LEG of each other after having been CROSSING_APART_LEG apart, whichever label is where (and
    CROSSING_MIN_GAP_S after the last crossing). Between crossings the labels are right or wrong together, and every
    other stretch is exchanged; of the two ways, the one that names the near leg as the side view shows it (facing
    left, the left leg is near: its feet nearer the camera in the model's depth, else better seen) and, when neither
    tells, the one that keeps more labels. Else, or with fewer than MIN_CROSSINGS crossings, nothing."""
    kp = np.asarray(track.keypoints_px, dtype=float)
    n = len(kp)
    none = np.zeros(n, dtype=bool)
    scale = body_scale_px(kp)
    if n < 3 or not np.isfinite(scale) or scale <= 0:
        return none
    feet = [[lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX], [lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX]]
    fps = float(track.fps)
    lead = nan_running_median((kp[:, feet[0], 0].mean(axis=1) - kp[:, feet[1], 0].mean(axis=1)) / scale,
                              max(1, int(round(0.5 * CROSSING_MEDIAN_S * fps))))
    seen = np.isfinite(lead)
    if seen.sum() < 3:
        return none
    sign = 1.0 if np.mean(lead[seen] > 0) >= 0.5 else -1.0
    if np.mean(sign * lead[seen] > 0) <= FRONT_BACK_FRACTION:
        return none
    gap = np.abs(lead)
    crossings: list[int] = []
    apart, low, low_at = False, np.inf, -1
    for t in np.flatnonzero(seen):
        if gap[t] > CROSSING_APART_LEG:
            if low_at >= 0 and (not crossings or low_at - crossings[-1] >= CROSSING_MIN_GAP_S * fps):
                crossings.append(low_at)  # the closest approach of the last dip
            apart, low, low_at = True, np.inf, -1
        elif apart and gap[t] < CROSSING_NEAR_LEG and gap[t] < low:
            low, low_at = float(gap[t]), int(t)
    if low_at >= 0 and (not crossings or low_at - crossings[-1] >= CROSSING_MIN_GAP_S * fps):
        crossings.append(low_at)
    if len(crossings) < MIN_CROSSINGS:
        return none
    odd = np.searchsorted(np.asarray(crossings), np.arange(n), side="right") % 2 == 1  # every other stretch
    return odd if _names_the_near_leg(track, odd, feet) else ~odd


def _names_the_near_leg(track: PoseTrack, swap: np.ndarray, feet: list[list[int]]) -> bool:
    """Whether exchanging the labels on ``swap`` (rather than on the other frames) names the near leg as a side view
    does: facing left (the toes left of the heels), the left leg is near. Its feet are nearer the camera in the model's
    depth, or, without depth, better seen; when neither tells, the way that exchanges fewer frames."""
    kp = np.asarray(track.keypoints_px, dtype=float)
    toe_ahead = np.nanmedian(kp[:, [lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX], 0] - kp[:, [lm.LEFT_HEEL, lm.RIGHT_HEEL], 0])
    near = SIDES.index(near_side("left" if toe_ahead < 0 else "right"))  # index into feet (left, right)
    for values, nearer_is_smaller in ((np.asarray(track.depth_px, dtype=float), True),
                                      (np.asarray(track.visibility, dtype=float), False)):
        per_leg = np.stack([values[:, f].mean(axis=1) for f in feet], axis=1)  # (T, 2)
        relabelled = np.where(swap[:, None], per_leg[:, ::-1], per_leg)
        kept = np.where(~swap[:, None], per_leg[:, ::-1], per_leg)  # exchanging the other frames instead
        with np.errstate(invalid="ignore"):
            score = [np.nanmean(x[:, near] - x[:, 1 - near]) for x in (relabelled, kept)]
        if np.isfinite(score).all() and score[0] != score[1]:
            return (score[0] < score[1]) == nearer_is_smaller
    return bool(swap.sum() <= (~swap).sum())


def reject_outliers(keypoints: np.ndarray, fps: float, threshold_leg: float = 0.12,
                    timestamps_s: np.ndarray | None = None) -> np.ndarray:
    """(T, 33) bool: points more than ``threshold_leg`` leg lengths from their running median.

    Hampel-type filter over a 0.17 s window (5 frames at 30 fps), applied per coordinate to
    the lower-body landmarks. Real foot motion is smooth at that scale; jumps of a few frames
    are model errors. The window is one of time: where ``timestamps_s`` show frames missing
    (:func:`frame_slots`), their places are filled from the frames either side (linearly, as any
    point the model did not give), not taken by the next frames.
    """
    kp = np.asarray(keypoints, dtype=float)
    slots = frame_slots(timestamps_s) if timestamps_s is not None else None
    if slots is not None:  # on an even grid of the frame interval, each missing frame's place filled for the median
        grid = np.full((int(slots[-1]) + 1, *kp.shape[1:]), np.nan)
        grid[slots] = kp
        return reject_outliers(grid, fps, threshold_leg)[slots]
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


MAX_SLOTS_PER_FRAME = 4  # a track whose even grid would hold more slots than this per frame is taken frame by frame


def frame_slots(timestamps_s: np.ndarray) -> np.ndarray | None:
    """Each frame's place on an even grid of the track's typical (median) frame interval (0, 1, 2, 4, ... where a
    frame is missing), or None where no frame is missing. Each interval counts its own whole number of typical ones
    (at least one), so frame times rounded to the millisecond, or a phone's jitter, do not add up to a missing frame.

    Why: a phone's dropped frames, and the images a frame-rate conversion left out and formcheck puts back at their
    times (formcheck.timebase), leave the foot's motion over a missing frame in one step. Taken frame by frame, the
    outlier filter's window then spans more time and the foot's sharp turn at landing, where overstride is read,
    stands out of it: a newcomer's 25 fps copy of treadmill_side_01 (every 6th image left out) had foot points
    removed as outliers within 2 frames of 13 of its 33 contacts (the reach cut short: 214 px filled as 256 on one)
    and read 16.8 % leg against the clip's 23.1.
    """
    t = np.asarray(timestamps_s, dtype=float)
    if len(t) < 3 or not np.isfinite(t).all():
        return None
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        return None
    steps = np.maximum(1, np.round(np.diff(t) / dt)).astype(np.int64)  # each interval on its own: no drift
    slots = np.r_[0, np.cumsum(steps)]
    if slots[-1] == len(t) - 1 or slots[-1] + 1 > MAX_SLOTS_PER_FRAME * len(t):
        return None
    return slots


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


def with_legs_swapped(track: PoseTrack, frames: np.ndarray, perm: np.ndarray = _SWAP_PERM) -> PoseTrack:
    """``track`` with the left/right leg landmarks (and their visibility, presence, depth, world points) exchanged
    on ``frames`` ((T,) bool); ``perm``: another part's permutation (:data:`SWAP_PARTS`)."""
    frames = np.asarray(frames, dtype=bool)
    if not frames.any():
        return track
    arrays = {}
    for name in ("keypoints_px", "depth_px", "visibility", "presence", "world_m"):
        values = np.array(getattr(track, name), dtype=float)
        values[frames] = values[frames][:, perm]
        arrays[name] = values
    return replace(track, **arrays)


def _continuity_passes(track: PoseTrack) -> tuple[PoseTrack, dict[str, np.ndarray]]:
    """:func:`repair_leg_swaps` on each part of :data:`SWAP_PARTS` in turn: the track and each pass's frames."""
    # The whole legs first, then the lower legs, which MediaPipe also swaps alone where the knees pass each other
    # (the renders' truth: of the feet still labelled the wrong way round after the first pass, 30 % are set right),
    # then the knees, which the first pass exchanged with the feet there (knees labelled the wrong way round 232 ->
    # 120 frames); docs/thresholds.md, "leg labels swapped".
    parts_swapped = {}
    for part, (_, _, perm) in SWAP_PARTS.items():
        parts_swapped[part] = repair_leg_swaps(track.keypoints_px, part=part)
        track = with_legs_swapped(track, parts_swapped[part], perm)
    return track, parts_swapped


def clean_track(track: PoseTrack, *, max_gap_s: float = 0.1, smooth: bool = True) -> CleanResult:
    """Swap repair, outlier rejection, gap filling and zero-lag smoothing of a whole track."""
    fps = float(track.fps)
    # Labels that name the front and the back foot, not the legs, are set right first (the passes would keep their
    # swaps); seen on the model's labels, or once the passes have mended its one-frame slips (a real walker's labels
    # led on 76 % of the frames as the model gave them, 82 % after the passes).
    repaired, parts_swapped = _continuity_passes(track)
    front_back = front_back_relabel(track)
    if not front_back.any():
        front_back = front_back_relabel(repaired)
    if front_back.any():
        repaired, parts_swapped = _continuity_passes(with_legs_swapped(track, front_back))
    track = repaired
    parts_swapped["front_back"] = front_back
    swapped = parts_swapped["legs"]
    kp = np.array(track.keypoints_px, dtype=float)
    vis = np.array(track.visibility, dtype=float)
    depth = np.array(track.depth_px, dtype=float)
    outliers = reject_outliers(kp, fps, timestamps_s=track.timestamps_s)
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
        **{f"{part}_swapped_frames": int(frames.sum()) for part, frames in parts_swapped.items() if part != "legs"},
        "outlier_points": int(outliers.sum()),
        "filled_points": int(filled.sum()),
        "cutoff_hz": fc,
        "max_gap_frames": max_gap,
    }
    light = replace(cleaned, keypoints_px=unsmoothed, info={**cleaned.info, "cutoff_hz": None})
    return CleanResult(track=cleaned, swapped=swapped, filled=filled | outliers, cutoff_hz=fc, info=info, light=light,
                       parts_swapped=parts_swapped)


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
