"""The gait cycle before its precise events: running direction, stride period, stance candidates.

Everything here works on foot positions RELATIVE TO THE PELVIS (hip midpoint), which makes a
treadmill and an overground run look the same: relative to the pelvis, the stance foot moves
backwards at running speed in both cases. Each foot's most anterior instant (Zeni, Richards &
Higginson 2008, Gait Posture 27:710-714) marks one stance per stride; :mod:`formcheck.events` times
the contact and toe-off of that stance precisely. Indices are TRACK indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import landmarks as lm
from .filters import find_peaks, peak_prominences
from .geometry import body_scale_px, forward_of_pelvis_px, hip_midpoint
from .pose_track import PoseTrack

if TYPE_CHECKING:
    from .events import EventParams


@dataclass(frozen=True)
class Direction:
    """Running direction found from the data."""

    facing: str  # "left" / "right": direction the runner faces in the image
    mode: str  # "treadmill" (pelvis stays in place: treadmill or a camera panning with the runner) or "overground"
    confidence: float  # 0-1 agreement of the cues
    cues: dict[str, float] = field(default_factory=dict)


PASS_TRAVEL_LEGS = 3.0  # the pelvis crossing this many leg lengths of the image: a pass, whose travel gives the facing


def detect_direction(track: PoseTrack) -> Direction:
    """Facing from nose-vs-ears, toes-vs-heels and pelvis travel; treadmill vs overground from travel.

    Each cue gives a signed pixel offset (positive = facing right); the cues vote weighted by
    how consistent they are over frames.
    """
    k = track.keypoints_px
    ears = k[:, [lm.LEFT_EAR, lm.RIGHT_EAR], 0].mean(axis=1)
    cue_head = k[:, lm.NOSE, 0] - ears
    feet = (k[:, [lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX], 0] - k[:, [lm.LEFT_HEEL, lm.RIGHT_HEEL], 0]).ravel()
    hip = hip_midpoint(k)[:, 0]
    ok = np.isfinite(hip)
    travel = float(hip[ok][-1] - hip[ok][0]) if ok.sum() >= 2 else 0.0
    leg = body_scale_px(k)
    cues = {}
    votes = 0.0
    weights = 0.0
    for name, values in (("head", cue_head), ("feet", feet)):
        v = values[np.isfinite(values)]
        if v.size == 0:
            continue
        agree = abs(float(np.mean(np.sign(v))))  # 1 = always same sign
        cues[name] = float(np.median(v))
        votes += np.sign(np.median(v)) * agree
        weights += 1.0
    overground = np.isfinite(leg) and abs(travel) > 1.0 * leg
    if overground:
        # a body crossing the frame goes the way it faces: over PASS_TRAVEL_LEGS leg lengths its travel outvotes the
        # head and feet together (a walker crossing 1100 px to the right, whose nose and toes MediaPipe put to the
        # left of her ears and heels, tied 2 against 2 and was read facing left, every foot measured as the other)
        weight = 3.0 if abs(travel) > PASS_TRAVEL_LEGS * leg else 2.0
        cues["travel"] = travel
        votes += weight * np.sign(travel)
        weights += weight
    facing = "right" if votes > 0 else "left"
    conf = float(abs(votes) / weights) if weights else 0.0
    return Direction(facing=facing, mode="overground" if overground else "treadmill", confidence=conf, cues=cues)


# A sprinter's stride (280-300 steps/min: 0.40-0.43 s) is shorter than the search's usual start; it is taken where
# the stride found is two of them. A synthetic runner at 280 steps/min was analysed at 140 with a "low cadence"
# finding, every other step missed. (Starting every search at 0.38 s changed the stride read on 2 of 2273 cached
# tracks, neither one's analysis, in a reviewer's sweep; the search keeps its start so that a short or noisy clip's
# early peak needs its double to confirm it.)
SPRINT_MIN_STRIDE_S = 0.38


HALF_PEAK_MIN_RATIO = 0.6  # a peak at a half or a third of the chosen stride this strong against it is the stride


def _near_multiple(ratio: float, multiples: tuple[int, ...] = (2, 3), tolerance: float = 0.1) -> bool:
    """Whether ``ratio`` is within ``tolerance`` (relative) of one of ``multiples``."""
    return any(abs(ratio / m - 1.0) <= tolerance for m in multiples)


def stride_period(signal: np.ndarray, fps: float, min_s: float = 0.45, max_s: float = 2.0,
                  sprint_min_s: float = SPRINT_MIN_STRIDE_S) -> float:
    """Stride period (frames) of a periodic 1-D signal from its autocorrelation; NaN if none.

    The first strong peak at ``min_s`` or later that is at least 0.8 of the strongest; a peak at a half or a third
    of it (within 10 %) and at least HALF_PEAK_MIN_RATIO as high instead, since one foot's fore-aft signal is
    anti-correlated at half its stride and low at a third: a stride whose labels the cleaning swapped can leave the
    first stride's peak weaker than the next (a 50 fps render at belt height, 0.57 against 0.74 at two strides, lost
    half its events), while a strong harmonic, or one label leading most of the clip, leaves a weak one there (0.3
    against 0.6). When the peak lies at twice a strong peak between ``sprint_min_s`` and ``min_s`` (within 15 %),
    that one: for the same reason a jogger's step is never such a peak, while a sprinter's stride repeats at twice
    itself."""
    x = np.asarray(signal, dtype=float)
    ok = np.isfinite(x)
    if ok.sum() < 10:
        return float("nan")
    x = np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])
    x = x - x.mean()
    n = len(x)
    lo0 = max(2, int(min(sprint_min_s, min_s) * fps))
    lo, hi = max(2, int(min_s * fps)), min(n - 2, int(max_s * fps))
    if hi <= lo + 1:
        return float("nan")
    ac0 = np.dot(x, x) / n
    if ac0 <= 0:
        return float("nan")
    ac_all = np.array([np.dot(x[:-lag], x[lag:]) / (n - lag) for lag in range(lo0, hi + 1)]) / ac0

    def first_strong_peak(start: int) -> float:
        ac = ac_all[start - lo0:]
        cands = [i for i in range(1, len(ac) - 1) if ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1] and ac[i] > 0.3]
        if not cands:
            return float("nan")
        best = max(ac[cands])
        i = next(c for c in cands if ac[c] >= 0.8 * best)
        within = [c for c in cands if c < i and ac[c] >= HALF_PEAK_MIN_RATIO * ac[i] and _near_multiple((start + i) / (start + c))]
        i = within[0] if within else i  # a stride within it, strong in its own right
        a, b, c = ac[i - 1], ac[i], ac[i + 1]
        den = a - 2 * b + c
        return float(start + i + (0.5 * (a - c) / den if den != 0 else 0.0))

    period = first_strong_peak(lo)
    if np.isfinite(period) and lo0 < lo:
        sprint = first_strong_peak(lo0)
        if np.isfinite(sprint) and sprint < lo and abs(period / sprint - 2.0) <= 0.3:
            return sprint
    return period


def refine_peak(sig: np.ndarray, i: int) -> float:
    """Sub-sample position of a maximum at i (parabola through i-1, i, i+1)."""
    if i <= 0 or i >= len(sig) - 1 or not np.isfinite(sig[i - 1 : i + 2]).all():
        return float(i)
    a, b, c = sig[i - 1], sig[i], sig[i + 1]
    den = a - 2 * b + c
    if den >= 0:
        return float(i)
    return float(i + np.clip(0.5 * (a - c) / den, -0.5, 0.5))


def peaks_and_edge_peaks(sig: np.ndarray, min_distance: int, min_prominence: float) -> list[tuple[int, bool]]:
    """(index, at an edge) of the local maxima at least ``min_distance`` apart with a prominence floor.

    The signal's edges are its first and last samples seen (a runner entering or leaving the frame is seen
    from or until then; gaps inside count as low). Filling the unseen start with the signal's minimum made
    the first sample seen a maximum whenever it was higher than the next, and that false peak hid the true
    one beside it. A maximum near an edge may have risen (or go on to fall) where it is not seen: its
    prominence on that side is unknown, not small. Such a maximum (its contour on one side runs into the
    edge with no higher point) is kept, flagged, when the other side alone drops by ``min_prominence`` and
    it lies ``min_distance`` from the others; a caller must confirm it with other evidence.
    """
    seen = np.flatnonzero(np.isfinite(sig))
    if seen.size < 3:
        return []
    first = int(seen[0])
    x = np.asarray(sig[first : int(seen[-1]) + 1], dtype=float)
    x = np.where(np.isfinite(x), x, np.nanmin(x))
    idx = find_peaks(x, distance=max(1, min_distance), prominence=min_prominence)
    out = [(int(i), False) for i in idx]
    every = find_peaks(x)
    if every.size:
        prom, left, right = peak_prominences(x, every)
        for i, q, lo, hi in zip(every, prom, left, right):
            if q >= min_prominence:
                continue
            # each side's drop within its contour (up to a higher point, or the edge); a side that runs into
            # the edge without dropping enough is cut, not low: judge the peak by the other side alone
            rise, fall = x[i] - x[lo : i + 1].min(), x[i] - x[i : hi + 1].min()
            rise_cut = rise < min_prominence and bool((x[:i] < x[i]).all())
            fall_cut = fall < min_prominence and bool((x[i + 1 :] < x[i]).all())
            if rise_cut != fall_cut and max(rise, fall) >= min_prominence and all(abs(int(i) - j) >= min_distance for j, _ in out):
                out.append((int(i), True))
    return sorted((first + i, at_edge) for i, at_edge in out)


def foot_forward(track: PoseTrack, side: str, facing: str) -> np.ndarray:
    """(T,) forward position of the foot (mean of heel and toe) relative to the pelvis, pixels."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = track.keypoints_px
    return 0.5 * (forward_of_pelvis_px(k, leg["heel"], facing) + forward_of_pelvis_px(k, leg["foot_index"], facing))


# ------------------------------------------------------------------------------------- landing / lift


@dataclass(frozen=True)
class StanceCandidate:
    """One stride of one foot by Zeni et al. (2008), fractional / track indices."""

    contact: float  # the foot most anterior relative to the pelvis
    toe_off: int | None  # the toe most posterior after it (None: past the clip's end)
    at_clip_edge: bool = False  # the clip (or the foot's being seen) starts or ends inside this swing: a landing must confirm it
    planted: bool = False  # not a Zeni peak: the foot seen standing still (formcheck.events.planted_candidates)


def zeni_candidates(track: PoseTrack, fwd: np.ndarray, toe: np.ndarray, period: float, scale: float,
                    p: EventParams) -> list[StanceCandidate]:
    """(foot most anterior, toe most posterior after it) of each stride of one foot."""
    n = len(fwd)
    prom = p.zeni_min_prominence_leg * scale if np.isfinite(scale) else 0.0
    out = []
    for c, at_edge in peaks_and_edge_peaks(fwd, int(p.zeni_min_distance_stride * period), prom):
        c_zeni = refine_peak(fwd, c)
        p_lo = int(np.ceil(c_zeni + p.toe_posterior_from_stride * period))
        p_hi = int(np.floor(c_zeni + p.toe_posterior_to_stride * period))
        p_zeni = None
        if p_hi < n - 1 and p_lo < p_hi and np.isfinite(toe[p_lo : p_hi + 1]).sum() >= 3:
            p_zeni = p_lo + int(np.nanargmax(-toe[p_lo : p_hi + 1]))
        out.append(StanceCandidate(c_zeni, p_zeni, at_edge))
    return out
