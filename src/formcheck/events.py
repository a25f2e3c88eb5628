"""Gait events from a cleaned pose track: running direction, initial contact, toe-off.

Everything here works on foot positions RELATIVE TO THE PELVIS (hip midpoint), which makes a
treadmill and an overground run look the same: relative to the pelvis, the stance foot moves
backwards at running speed in both cases. Zero-velocity rules (foot stops in the image) and the
foot's lowest point would fail on a treadmill: the stance foot keeps moving with the belt,
and the lowest ankle point is nearer mid-stance than contact (it would understate overstride).

* **Initial contact** = the heel or toe LANDING (sharp stop of its downward motion near its stance
  level), timed by a sub-frame hinge fit on the cleaned, unsmoothed track, searched around the
  instant the foot is most anterior relative to the pelvis (Zeni, Richards & Higginson 2008, Gait
  Posture 27:710-714), which alone is a proxy biased early by swing-leg retraction. Legs with poor
  heel/toe visibility (< 0.5) keep the Zeni instant; partly hidden legs (< 0.85, usually the far leg)
  must land inside the searched span. See :func:`detect_events` and docs/thresholds.md.
* **Toe-off** = toe lift (toe rises 5% leg above its stance level; the instant is the onset of that
  rise), refined to the knee's turn from extension to flexion when the two agree (peak knee
  extension: Fellin, Rose, Royer & Davis 2010, J Sci Med Sport 13:646-650); else peak knee
  extension alone; else the toe most posterior relative to the pelvis (Zeni).

Validated on the hand-labelled treadmill clip (tests/test_events.py) and on the synthetic
gait model (tests/test_events.py, formcheck.synth), which computes contacts from its own
foot-ground geometry, not from these rules.

Event frames: contact = the FIRST frame at/after the detected (sub-frame) contact instant, toe-off =
the LAST frame at/before the detected lift instant, i.e. the first and last frames with the foot on the
ground. This is the convention of the hand labels (tests/fixtures/treadmill_side_01_labels.json) and of
the synthetic ground truth (formcheck.synth.gait.stance_frames); rounding to the nearest frame put the
detections 0.5-1.8 frames ahead of the labels on the real clip. Toe-off instant = onset of the toe's
rise, fitted as rest-then-constant-acceleration on the unsmoothed trace (a foot rolling off its toes
leaves the ground with ~zero vertical speed); legs below well_seen_visibility use the linear
back-extrapolation of the smoothed rise.

Indices returned here are TRACK indices (0..T-1); ``PoseTrack.frame_indices`` maps them to
decoded-frame numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import landmarks as lm
from .geometry import SIDES, body_scale_px, forward_of_pelvis_px, hip_midpoint, knee_flexion_deg
from .pose_track import PoseTrack


@dataclass(frozen=True)
class EventParams:
    """Every tunable of :func:`detect_events`, with its unit; the defaults are the measured ones.

    Fractions of a stride are of the stride period found from the clip; ``_leg`` values are
    fractions of the runner's leg length (hip-knee-ankle, :func:`formcheck.geometry.body_scale_px`);
    ``_s`` values are seconds of clip time. docs/thresholds.md says how each was chosen.
    """

    # Stance candidates (Zeni et al. 2008): the foot most anterior relative to the pelvis
    zeni_min_distance_stride: float = 0.6  # candidate contacts of one foot at least this far apart
    zeni_min_prominence_leg: float = 0.2  # ... and standing out by this much
    toe_posterior_from_stride: float = 0.15  # toe most posterior searched from here after contact ...
    toe_posterior_to_stride: float = 0.70  # ... to here
    # Initial contact: the heel or toe landing (a fast descent that stops near the stance level)
    landing_before_zeni_stride: float = 0.1  # landing searched from this much before the Zeni instant ...
    landing_after_zeni_stride: float = 0.1  # ... to this much after it
    landing_fit_half_width_s: float = 0.065  # hinge fitted over +-this (at least 2 samples a side)
    landing_near_ground_leg: float = 0.15  # landmark within this of its stance level
    landing_min_speed_leg_s: float = 0.25  # slowest descent that counts as a landing
    landing_noise_factor: float = 4.0  # the kink (speed change x half-width) must exceed this x the fit's RMS residual
    landing_max_after_ratio: float = 0.3  # |speed after| / speed before: the landmark (nearly) stops
    landing_stay_s: float = 0.06  # ... and does not rise again by more than landing_max_rise_leg within this
    landing_max_rise_leg: float = 0.05
    landing_other_near_leg: float = 0.25  # the foot's other landmark (toe for a heel landing) within this of its level
    landing_settle_stride: float = 0.1  # after a landing, over this long (at least 2 frames) ...
    landing_max_settle_ratio: float = 0.35  # ... the landmark descends at most this fraction of its approach speed
    landing_min_visibility: float = 0.5  # median foot-landmark visibility a leg needs for the landing rule (else Zeni)
    well_seen_visibility: float = 0.85  # above: landing anywhere the hinge puts it, toe lift timed on the unsmoothed trace
    # Toe-off: the toe leaving the ground, refined to the knee's turn from extension to flexion
    toe_lift_leg: float = 0.05  # toe height that counts as lifted
    lift_stay_s: float = 0.1  # a lifted toe does not come back near the ground within this
    lift_fit_s: float = 0.1  # the toe's rise is fitted over this much time before it crosses the lift height
    knee_agree_before_s: float = 0.06  # the knee's turn replaces the toe lift from this much before it ...
    knee_agree_after_s: float = 0.1  # ... to this much after it (Fellin et al. 2010)
    knee_turn_half_width_s: float = 0.05  # the knee's turn is fitted over +-this around peak extension
    knee_extension_from_stride: float = 0.15  # peak knee extension searched from here after contact ...
    knee_extension_to_stride: float = 0.60  # ... to here
    event_frame_tol_frames: float = 1e-3  # an instant this close to a frame counts as on it
    frame_margin_frac: float = 0.005  # a foot this close to the image border is not seen whole: no event
    doubt_offset_stride: float = 0.1  # a step whose timing departs this far from its leg's median is uncertain


@dataclass(frozen=True)
class Direction:
    """Running direction found from the data."""

    facing: str  # "left" / "right": direction the runner faces in the image
    mode: str  # "treadmill" (pelvis stays in place: treadmill or a camera panning with the runner) or "overground"
    confidence: float  # 0-1 agreement of the cues
    cues: dict[str, float] = field(default_factory=dict)


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
        cues["travel"] = travel
        votes += 2.0 * np.sign(travel)
        weights += 2.0
    facing = "right" if votes > 0 else "left"
    conf = float(abs(votes) / weights) if weights else 0.0
    return Direction(facing=facing, mode="overground" if overground else "treadmill", confidence=conf, cues=cues)


def stride_period(signal: np.ndarray, fps: float, min_s: float = 0.45, max_s: float = 2.0) -> float:
    """Stride period (frames) of a periodic 1-D signal from its autocorrelation; NaN if none."""
    x = np.asarray(signal, dtype=float)
    ok = np.isfinite(x)
    if ok.sum() < 10:
        return float("nan")
    x = np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])
    x = x - x.mean()
    n = len(x)
    lo, hi = max(2, int(min_s * fps)), min(n - 2, int(max_s * fps))
    if hi <= lo + 1:
        return float("nan")
    ac = np.array([np.dot(x[:-lag], x[lag:]) / (n - lag) for lag in range(lo, hi + 1)])
    ac0 = np.dot(x, x) / n
    if ac0 <= 0:
        return float("nan")
    ac = ac / ac0
    # first strong local maximum
    cands = [i for i in range(1, len(ac) - 1) if ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1] and ac[i] > 0.3]
    if not cands:
        return float("nan")
    best = max(ac[cands])
    i = next(c for c in cands if ac[c] >= 0.8 * best)
    a, b, c = ac[i - 1], ac[i], ac[i + 1]
    den = a - 2 * b + c
    off = 0.5 * (a - c) / den if den != 0 else 0.0
    return float(lo + i + off)


def alternation_period(separation: np.ndarray, fps: float, scale: float, p: EventParams) -> float:
    """Stride period (frames) from the feet overtaking each other, for clips too short for an autocorrelation.

    ``separation`` = left foot minus right foot, forward of the pelvis (px). Its extremes alternate once
    per step (left ahead, right ahead); two steps make a stride. A runner crossing the frame shows
    one or two strides, and MediaPipe loses some frames: only alternating extremes that stand out by
    ``zeni_min_prominence_leg`` and lie 0.25-1 s apart count. NaN when fewer than two steps are seen.
    """
    from scipy.signal import find_peaks

    x = np.asarray(separation, dtype=float)
    if not np.isfinite(scale) or np.isfinite(x).sum() < 5:
        return float("nan")
    filled = np.interp(np.arange(len(x)), np.flatnonzero(np.isfinite(x)), x[np.isfinite(x)])
    prom = p.zeni_min_prominence_leg * scale
    lo_s, hi_s = 0.25, 1.0  # a running step lasts 0.3-0.45 s
    ups, _ = find_peaks(filled, prominence=prom, distance=max(1, int(lo_s * fps)))
    downs, _ = find_peaks(-filled, prominence=prom, distance=max(1, int(lo_s * fps)))
    extremes = sorted([(int(i), 1) for i in ups if np.isfinite(x[i])] + [(int(i), -1) for i in downs if np.isfinite(x[i])])
    steps = [b[0] - a[0] for a, b in zip(extremes, extremes[1:]) if a[1] != b[1] and lo_s * fps <= b[0] - a[0] <= hi_s * fps]
    return 2.0 * float(np.median(steps)) if steps else float("nan")


def _refine(sig: np.ndarray, i: int) -> float:
    """Sub-sample position of a maximum at i (parabola through i-1, i, i+1)."""
    if i <= 0 or i >= len(sig) - 1 or not np.isfinite(sig[i - 1 : i + 2]).all():
        return float(i)
    a, b, c = sig[i - 1], sig[i], sig[i + 1]
    den = a - 2 * b + c
    if den >= 0:
        return float(i)
    return float(i + np.clip(0.5 * (a - c) / den, -0.5, 0.5))


def _peaks(sig: np.ndarray, min_distance: int, min_prominence: float) -> list[int]:
    """Local maxima at least ``min_distance`` apart, tallest first, with a prominence floor."""
    from scipy.signal import find_peaks

    x = np.where(np.isfinite(sig), sig, -np.inf)
    idx, _ = find_peaks(np.nan_to_num(x, neginf=np.nanmin(sig[np.isfinite(sig)]) if np.isfinite(sig).any() else 0.0),
                        distance=max(1, min_distance), prominence=min_prominence)
    return [int(i) for i in idx if np.isfinite(sig[i])]


@dataclass(frozen=True)
class StepEvents:
    """One foot's stance: contact and toe-off (track indices and sub-frame times)."""

    side: str
    contact_index: int  # nearest track index of initial contact
    contact_at_s: float  # instant of initial contact (sub-frame, s of clip time)
    toe_off_index: int | None  # None when the clip ends before toe-off
    toe_off_at_s: float | None  # instant of toe-off (s of clip time)
    toe_off_method: str  # "toe_lift" | "knee_extension" | "toe_posterior" | "none"
    contact_method: str = "landing"  # "landing" (heel/toe landing) | "zeni" (most anterior foot, fallback)
    candidate_at_s: float | None = None  # Zeni most-anterior instant (periodic marker used for cadence)
    doubts: tuple[str, ...] = ()  # why this step's timing is uncertain (empty: the evidence agrees)


@dataclass(frozen=True)
class GaitEvents:
    """All detected stances, both feet, in time order, plus the stride period used."""

    steps: list[StepEvents]
    stride_period_frames: float
    facing: str

    def for_side(self, side: str) -> list[StepEvents]:
        return [s for s in self.steps if s.side == side]

    def contact_indices(self, side: str) -> np.ndarray:
        return np.array([s.contact_index for s in self.for_side(side)], dtype=int)

    def toe_off_indices(self, side: str) -> np.ndarray:
        return np.array([s.toe_off_index for s in self.for_side(side) if s.toe_off_index is not None], dtype=int)


def _time_at(track: PoseTrack, pos: float) -> float:
    t = np.asarray(track.timestamps_s, dtype=float)
    i = int(np.floor(pos))
    if i >= len(t) - 1:
        return float(t[-1])
    if i < 0:
        return float(t[0])
    return float(t[i] + (pos - i) * (t[i + 1] - t[i]))


def _kink_fit(y: np.ndarray, lo: int, hi: int, tau_lo: float, tau_hi: float, designs, min_samples: int):
    """Least-squares fit of a curve with a kink at tau on the samples y[lo..hi], tau on a 0.02-sample grid in
    [tau_lo, tau_hi] (clipped to the samples): for each tau the first of ``designs`` (functions d -> design
    matrix, d = t - tau, paired with a test of the coefficients) whose coefficients pass is fitted.
    Returns (sse, tau, coef, n_samples) of the best tau, or None.
    """
    lo, hi = max(0, lo), min(len(y) - 1, hi)
    t = np.arange(lo, hi + 1, dtype=float)
    v = y[lo : hi + 1]
    ok = np.isfinite(v)
    if ok.sum() < min_samples:
        return None
    t, v = t[ok], v[ok]
    best = None
    for tau in np.arange(max(t[0], tau_lo), min(t[-1], tau_hi) + 1e-9, 0.02):
        for design, accept in designs:
            a = design(t - tau)
            coef, *_ = np.linalg.lstsq(a, v, rcond=None)
            if accept(coef):
                sse = float(((a @ coef - v) ** 2).sum())
                if best is None or sse < best[0]:
                    best = (sse, float(tau), coef, len(t))
                break
    return best


def _lift_onset(y: np.ndarray, lo: int, hi: int) -> float | None:
    """Sub-frame instant a resting landmark starts to rise: least-squares fit of
    y = b (t < t0), b - v (t - t0) - a (t - t0)^2 (t >= t0), v, a >= 0, on samples lo..hi
    (image y, down = +).

    A foot rolling off its toes leaves the ground with a small vertical speed and rises with
    growing speed as the knee flexes: a linear back-extrapolation of the rise lands late, a pure
    constant-acceleration onset lands early when the toe already rises at lift-off; the fit
    takes whatever mix of the two the trace shows.
    """
    def rise(*powers: int):
        """Design matrix of y = b - sum_p c_p max(t - t0, 0)^p (image y falls as the landmark rises)."""
        return lambda d: np.stack([np.ones_like(d), *(-np.maximum(d, 0.0) ** p for p in powers)], axis=1)

    def rising(c: np.ndarray) -> bool:  # speed and acceleration of the rise both >= 0, not both 0
        return bool(np.all(c[1:] >= 0) and np.any(c[1:] > 0))

    designs = [(rise(1, 2), rising), (rise(2), rising), (rise(1), rising)]
    lo, hi = max(0, lo), min(len(y) - 1, hi)
    fit = _kink_fit(y, lo, hi, lo + 1.0, hi - 1.0, designs, min_samples=5)
    return None if fit is None else fit[1]


def _toe_lift(toe_y: np.ndarray, c_pos: float, period: float, scale: float, p: EventParams, fps: float | None = None,
              toe_light: np.ndarray | None = None) -> tuple[float | None, str]:
    """Toe-off from the toe leaving the ground.

    Ground level = the toe's lowest image point (largest y) in the first half stride after
    contact. From there we walk forward until the toe is higher than ``p.toe_lift_leg`` (the
    threshold only rejects noise). The lift instant is then the onset of that rise: a
    rest-then-constant-acceleration fit (:func:`_lift_onset`) on the unsmoothed trace
    ``toe_light`` from 0.1 s before the crossing to the crossing; without ``fps``/``toe_light``,
    or if the fit fails, the rise is extrapolated linearly back to zero height.
    """
    n = len(toe_y)
    c = int(round(c_pos))
    w_end = min(n, int(c + 0.5 * period) + 1)
    hi = min(n - 1, int(c + 0.8 * period))
    w = toe_y[c:w_end]
    if len(w) < 3 or not np.isfinite(w).all() or not np.isfinite(scale):
        return None, "none"
    base = float(np.max(w))
    j = c + int(np.argmax(w))
    thr = p.toe_lift_leg * scale
    stay = max(2, int(round(p.lift_stay_s * fps))) if fps else 0
    while True:
        while j < hi and np.isfinite(toe_y[j + 1]) and base - toe_y[j + 1] <= thr:
            j += 1
        if j >= hi or not np.isfinite(toe_y[j + 1]):
            return None, "none"
        # a lifted toe stays up: a rise that falls back near the ground within lift_stay_s is a tracking
        # wobble (e.g. the far foot while the near leg swings past it), not the toe-off
        after = toe_y[j + 1 : min(n, j + 2 + stay)]
        back = np.flatnonzero(np.isfinite(after) & (base - after <= 0.5 * thr))
        if back.size == 0:
            break
        j = j + 1 + int(back[0])
    h0, h1 = base - toe_y[j], base - toe_y[j + 1]
    slope = h1 - h0
    if slope <= 0:
        return None, "none"
    t_cross = j + (thr - h0) / slope
    linear = float(max(t_cross - thr / slope, c_pos + 1.0))
    if fps is None or toe_light is None:
        return linear, "toe_lift"
    back = max(3, int(np.ceil(p.lift_fit_s * fps)))
    lo = max(int(np.ceil(c_pos)) + 1, j - back)
    t0 = _lift_onset(toe_light, lo, j + 1)
    if t0 is None or not (lo < t0 <= t_cross):
        return linear, "toe_lift"
    return float(t0), "toe_lift"


# The knee's turn from extension to flexion (Fellin et al. 2010: peak knee extension ~ toe-off, ~5 ms)
# replaces the toe lift when it falls from knee_agree_before_s (0.06 s) before to knee_agree_after_s
# (0.1 s) after it. The toe is the landmark
# MediaPipe places worst: on the rendered samples its near toe stays down ~2 frames after the shoe
# has left the belt and its far toe "lifts" 4-5 frames early (the near leg swinging past), while
# hip, knee and ankle are placed well. Outside that window (a knee held straight through late
# stance, a noisy knee trace) the toe lift stands. On the hand-labelled real clip both rules agree
# within a frame.


def _knee_extension(knee: np.ndarray, c_pos: float, period: float, p: EventParams) -> tuple[float | None, str]:
    """Toe-off at peak knee extension in late stance (Fellin et al. 2010)."""
    lo = int(np.ceil(c_pos + p.knee_extension_from_stride * period))
    hi = min(len(knee) - 2, int(np.floor(c_pos + p.knee_extension_to_stride * period)))  # near the clip's end: an interior minimum still counts
    if lo >= hi or np.isfinite(knee[lo : hi + 1]).sum() < 3:
        return None, "none"
    j = lo + int(np.nanargmax(-knee[lo : hi + 1]))
    if j in (lo, hi):
        return None, "none"
    return _refine(-knee, j), "knee_extension"


def _knee_turn(knee: np.ndarray, guess: float, fps: float, p: EventParams) -> float:
    """Sub-frame instant the knee stops extending and starts to flex, near ``guess``.

    Fit on the unsmoothed trace: a straight extension up to tau, then flexion growing from zero
    speed (knee = k0 + v (t - tau) before, k0 + c (t - tau)^2 after, v < 0 < c). The knee's
    extension is cut off at toe-off, when the ground stops pushing, while the swing's flexion
    builds up: a parabola through the lowest three samples puts that turn late.
    """
    w = max(2, int(round(p.knee_turn_half_width_s * fps)))
    lo, hi = max(0, int(np.floor(guess)) - w), min(len(knee) - 1, int(np.ceil(guess)) + w)
    design = lambda d: np.stack([np.ones_like(d), np.minimum(d, 0.0), np.maximum(d, 0.0) ** 2], axis=1)  # noqa: E731
    fit = _kink_fit(knee, lo, hi, max(lo + 1.0, guess - 1.0), min(hi - 1.0, guess + 0.5),
                    [(design, lambda c: c[1] < 0 < c[2])], min_samples=5)
    return guess if fit is None else fit[1]


def _toe_posterior(toe: np.ndarray, c_pos: float, period: float, p: EventParams) -> tuple[float | None, str]:
    """Toe-off when the toe is most posterior relative to the pelvis (Zeni et al. 2008)."""
    lo = int(np.ceil(c_pos + p.toe_posterior_from_stride * period))
    hi = int(np.floor(c_pos + p.toe_posterior_to_stride * period))
    if hi >= len(toe) - 1 or lo >= hi or np.isfinite(toe[lo : hi + 1]).sum() < 3:
        return None, "none"
    j = lo + int(np.nanargmax(-toe[lo : hi + 1]))
    return _refine(-toe, j), "toe_posterior"


def foot_forward(track: PoseTrack, side: str, facing: str) -> np.ndarray:
    """(T,) forward position of the foot (mean of heel and toe) relative to the pelvis, pixels."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = track.keypoints_px
    return 0.5 * (forward_of_pelvis_px(k, leg["heel"], facing) + forward_of_pelvis_px(k, leg["foot_index"], facing))


# ------------------------------------------------------------------------------------- landing / lift


def _hinge(y: np.ndarray, lo: int, hi: int, centre: float, half: float = 1.5) -> tuple[float, float, float, float, float] | None:
    """Least-squares fit of two lines joined at a kink tau in y[lo..hi]; tau searched in centre +- half.

    Returns (tau, v_before, v_after, y_at_tau, rms_residual) in samples / px per sample, or None. For a
    landmark that moves at constant speed and stops (a landing), tau is the landing instant,
    also between frames; a zero-lag low-pass of the samples does not move it.
    """
    lo, hi = max(0, lo), min(len(y) - 1, hi)
    design = lambda d: np.stack([np.ones_like(d), np.minimum(d, 0.0), np.maximum(d, 0.0)], axis=1)  # noqa: E731
    fit = _kink_fit(y, lo, hi, max(lo + 0.5, centre - half), min(hi - 0.5, centre + half), [(design, lambda c: True)], min_samples=4)
    if fit is None:
        return None
    sse, tau, coef, n = fit
    return tau, float(coef[1]), float(coef[2]), float(coef[0]), float(np.sqrt(sse / n))


def _landing(y_light: np.ndarray, y_smooth: np.ndarray, lo: int, hi: int, base: float, leg: float, fps: float,
             p: EventParams, other: tuple[np.ndarray, float] | None = None, within_span: bool = False,
             period: float | None = None) -> float | None:
    """First landing of one landmark in frames lo..hi: a fast descent that stops near the ground.

    y is image y (down = +). Candidate frames are the decelerations of the SMOOTHED trace
    (local minima of its second difference); each is timed by a hinge fit on the LIGHT
    (unsmoothed) trace over +-max(2, landing_fit_half_width_s) samples (2 at 30 fps, 4 at 60 fps). Accepted
    when the landmark came down at >= landing_min_speed_leg_s, afterwards moves at most landing_max_after_ratio
    of that speed, is within landing_near_ground_leg of its stance level ``base``, and does not rise again by
    more than landing_max_rise_leg within landing_stay_s (a foot on the ground stays there); ``other`` =
    (trace, stance level) of the foot's other landmark, which must be within landing_other_near_leg
    of its level (a foot landing on the heel has its toe a few cm up, not a quarter leg).
    """
    n = len(y_light)
    lo, hi = max(2, lo), min(n - 3, hi)
    if hi <= lo or not np.isfinite(base) or not np.isfinite(leg):
        return None
    d2 = y_smooth[2:] - 2 * y_smooth[1:-1] + y_smooth[:-2]  # d2[i-1] is at frame i
    w = max(2, int(round(p.landing_fit_half_width_s * fps)))
    vmin = p.landing_min_speed_leg_s * leg / fps
    settle = max(2, int(round(p.landing_settle_stride * period))) if period else 0
    for i in range(lo, hi + 1):
        a, b, c = d2[i - 2], d2[i - 1], d2[i]
        if not (np.isfinite([a, b, c]).all() and b < 0 and b <= a and b < c):
            continue
        fit = _hinge(y_light, i - w, i + w, float(i))
        if fit is None:
            continue
        tau, v1, v2, y_tau, rms = fit
        if within_span and tau < lo:
            continue  # the kink lies before the searched span (the hinge may reach 1.5 samples out)
        if (v1 - v2) * w < p.landing_noise_factor * rms:
            continue  # a kink no bigger than the scatter around it: jitter, not a timed landing
        if not (v1 >= vmin and abs(v2) <= p.landing_max_after_ratio * v1 and base - y_tau <= p.landing_near_ground_leg * leg):
            continue
        j0 = int(np.ceil(tau))
        after = y_smooth[j0 : int(np.ceil(tau + p.landing_stay_s * fps)) + 1]
        after = after[np.isfinite(after)]
        if after.size and y_smooth[j0] - after.min() > p.landing_max_rise_leg * leg:
            continue  # stopped in the air (e.g. the toe while the foot rotates heel-down) and rose again
        if settle > 0 and j0 + settle < n:
            descent = (y_light[j0 + settle] - y_tau) / (j0 + settle - tau)
            if np.isfinite(descent) and descent > p.landing_max_settle_ratio * v1:
                continue  # a pause in the descent: the landmark keeps coming down afterwards
        if other is not None:
            y_o, base_o = other
            h_o = base_o - float(np.interp(tau, np.arange(n), y_o))
            if np.isfinite(h_o) and h_o > p.landing_other_near_leg * leg:
                continue  # the rest of the foot is still high: a stop in the swing, not a landing
        return tau
    return None


def _stance_base(y: np.ndarray, a: int, b: int) -> float:
    """Stance level of a landmark: mean of its 3 lowest image points (largest y) in frames a..b."""
    seg = y[max(0, a) : max(0, b) + 1]
    seg = seg[np.isfinite(seg)]
    if seg.size < 3:
        return float("nan")
    return float(np.sort(seg)[-3:].mean())


def detect_events(track: PoseTrack, facing: str, light: PoseTrack | None = None, params: EventParams = EventParams()) -> GaitEvents:
    """Contacts and toe-offs of both feet on a CLEANED track (see formcheck.clean).

    ``track`` is the cleaned, smoothed track; ``light`` the same track cleaned but NOT low-pass
    filtered (``clean_track(raw, smooth=False).track``), used to time the landings and lifts
    (a 7.5 Hz low-pass smears a landing over ~3 frames). Without ``light`` the smoothed track
    is used for both.

    1. Stances are found with Zeni et al. (2008): foot (mean of heel and toe) most anterior
       relative to the pelvis = candidate contact, toe most posterior = candidate toe-off.
    2. Initial contact = the landing of the heel or of the toe, whichever comes first, searched
       from landing_before_zeni_stride before to landing_after_zeni_stride after the candidate (:func:`_landing`).
    3. Toe-off = toe lift on the smoothed track (:func:`_toe_lift`), moved to the knee's turn from
       extension to flexion (:func:`_knee_turn`) when that is within knee_agree_before_s before to
       knee_agree_after_s after the lift; without a lift, peak knee extension, else toe most
       posterior. (The landing rule run backwards in time on the toe was tried: it matched the
       real labels worse, 9-12/17, so it was not kept.)
    Steps where no landing is found keep the Zeni time (``contact_method="zeni"``). A leg whose heel/toe
    MediaPipe places poorly (median visibility of knee/ankle/heel/toe < landing_min_visibility) uses the
    Zeni rule for its contacts: its heel and toe traces jump by more than a landing is deep. A partly
    hidden leg (< well_seen_visibility, typically the far leg) must land inside the searched span, and
    its toe lift is timed on the smoothed trace.
    """
    from .clean import leg_trust

    trust = leg_trust(track)
    light = track if light is None else light
    fps = float(track.fps)
    k = track.keypoints_px
    kl = light.keypoints_px
    n = len(k)
    p = params
    scale = body_scale_px(k)
    fwd = {side: foot_forward(track, side, facing) for side in SIDES}
    periods = [stride_period(fwd[s], fps) for s in SIDES]
    periods = [p for p in periods if np.isfinite(p)]
    period = float(np.median(periods)) if periods else alternation_period(fwd["left"] - fwd["right"], fps, scale, p)
    if not np.isfinite(period):
        return GaitEvents(steps=[], stride_period_frames=float("nan"), facing=facing)
    steps: list[StepEvents] = []
    for side in SIDES:
        sig = fwd[side]
        if not np.isfinite(sig).any():
            continue
        leg = lm.LEG[side]  # type: ignore[index]
        knee = knee_flexion_deg(k, side)
        knee_light = knee_flexion_deg(kl, side)
        toe = forward_of_pelvis_px(k, leg["foot_index"], facing)
        toe_y = k[:, leg["foot_index"], 1]
        ys = {j: (kl[:, leg[j], 1], k[:, leg[j], 1]) for j in ("heel", "foot_index")}
        in_frame = _in_frame(track, side, p.frame_margin_frac)
        for c_zeni, p_zeni in _zeni_candidates(track, sig, toe, period, scale, p):
            stance_end = p_zeni if p_zeni is not None else int(min(n - 1, c_zeni + 0.5 * period))
            lands = []
            bases = {j: _stance_base(yl, int(round(c_zeni)), stance_end) for j, (yl, _) in ys.items()}
            well_seen = trust[side] >= p.well_seen_visibility
            for j, (yl, ysm) in ys.items() if trust[side] >= p.landing_min_visibility else ():
                o = "heel" if j == "foot_index" else "foot_index"
                t_land = _landing(yl, ysm, int(np.floor(c_zeni - p.landing_before_zeni_stride * period)),
                                  int(c_zeni + p.landing_after_zeni_stride * period), bases[j], scale, fps, p,
                                  other=(ys[o][0], bases[o]), within_span=not well_seen, period=period)
                if t_land is not None:
                    lands.append(t_land)
            c_pos, c_method = (min(lands), "landing") if lands else (c_zeni, "zeni")
            to_pos, method = _toe_lift(toe_y, c_pos, period, scale, p, fps, kl[:, leg["foot_index"], 1] if well_seen else None)
            lift_seen = to_pos is not None
            if to_pos is not None:
                k_pos, _ = _knee_extension(knee_light, c_pos, period, p)
                if k_pos is not None:
                    k_pos = _knee_turn(knee_light, k_pos, fps, p)
                if k_pos is not None and -p.knee_agree_before_s * fps <= k_pos - to_pos <= p.knee_agree_after_s * fps:
                    to_pos, method = k_pos, "knee_extension"
            if to_pos is None:
                to_pos, method = _knee_extension(knee, c_pos, period, p)
            if to_pos is None:
                to_pos, method = _toe_posterior(toe, c_pos, period, p)
            c_idx = min(n - 1, int(np.ceil(c_pos - p.event_frame_tol_frames)))
            seen_until = n - 1 if to_pos is None else min(n - 1, int(np.floor(to_pos)) + 1)
            if not in_frame[max(0, c_idx - 1) : seen_until + 1].all():
                continue  # the foot is at or beyond the image border during this stance: its events cannot be seen
            steps.append(
                StepEvents(
                    side=side,
                    contact_index=c_idx,
                    contact_at_s=_time_at(track, c_pos),
                    toe_off_index=None if to_pos is None else max(c_idx, int(np.floor(to_pos + p.event_frame_tol_frames))),
                    toe_off_at_s=None if to_pos is None else _time_at(track, to_pos),
                    toe_off_method=method,
                    contact_method=c_method,
                    candidate_at_s=_time_at(track, c_zeni),
                    doubts=() if lift_seen or to_pos is None else ("no toe lift seen",),
                )
            )
    steps = _with_doubts(steps, period / fps, p)
    steps.sort(key=lambda s: s.contact_at_s)
    return GaitEvents(steps=steps, stride_period_frames=period, facing=facing)


def _with_doubts(steps: list[StepEvents], stride_s: float, p: EventParams) -> list[StepEvents]:
    """Each step with the reasons its timing disagrees with the other evidence.

    A runner's strides repeat: on one leg, the contact's offset from the foot's most anterior instant
    and the contact time are nearly the same from step to step (within 0.03 stride on the hand-labelled
    clip's well-timed steps). A step that departs from its leg's median by more than
    ``doubt_offset_stride`` was timed on something else (a pause in the descent, a toe that wobbles);
    a toe-off found without a toe lift is a fallback.
    """
    out = []
    for side in SIDES:
        mine = [s for s in steps if s.side == side]
        offsets = np.array([s.contact_at_s - s.candidate_at_s if s.candidate_at_s is not None else np.nan for s in mine])
        contact = np.array([s.toe_off_at_s - s.contact_at_s if s.toe_off_at_s is not None else np.nan for s in mine])
        enough = len(mine) >= 3
        med_off = float(np.nanmedian(offsets)) if enough and np.isfinite(offsets).any() else np.nan
        med_ct = float(np.nanmedian(contact)) if enough and np.isfinite(contact).any() else np.nan
        for s, off, ct in zip(mine, offsets, contact):
            doubts = list(s.doubts)
            if np.isfinite(med_off) and abs(off - med_off) > p.doubt_offset_stride * stride_s:
                doubts.append("contact timed unlike this leg's other steps")
            if np.isfinite(med_ct) and np.isfinite(ct) and abs(ct - med_ct) > p.doubt_offset_stride * stride_s:
                doubts.append("contact time unlike this leg's other steps")
            out.append(replace(s, doubts=tuple(doubts)) if doubts else s)
    return out


def _zeni_candidates(track: PoseTrack, fwd: np.ndarray, toe: np.ndarray, period: float, scale: float,
                     p: EventParams) -> list[tuple[float, int | None]]:
    """(foot most anterior, toe most posterior after it) of each stride of one foot, fractional / track indices."""
    n = len(fwd)
    prom = p.zeni_min_prominence_leg * scale if np.isfinite(scale) else 0.0
    out = []
    for c in _peaks(fwd, int(p.zeni_min_distance_stride * period), prom):
        c_zeni = _refine(fwd, c)
        p_lo = int(np.ceil(c_zeni + p.toe_posterior_from_stride * period))
        p_hi = int(np.floor(c_zeni + p.toe_posterior_to_stride * period))
        p_zeni = None
        if p_hi < n - 1 and p_lo < p_hi and np.isfinite(toe[p_lo : p_hi + 1]).sum() >= 3:
            p_zeni = p_lo + int(np.nanargmax(-toe[p_lo : p_hi + 1]))
        out.append((c_zeni, p_zeni))
    return out


def _in_frame(track: PoseTrack, side: str, margin_frac: float) -> np.ndarray:
    """(T,) bool: none of heel, ankle and toe of one foot is at or beyond the image border."""
    w, h = track.image_size
    leg = lm.LEG[side]  # type: ignore[index]
    pts = track.keypoints_px[:, [leg["heel"], leg["ankle"], leg["foot_index"]]]
    mx, my = margin_frac * w, margin_frac * h
    with np.errstate(invalid="ignore"):
        outside = (pts[..., 0] < mx) | (pts[..., 0] > w - 1 - mx) | (pts[..., 1] < my) | (pts[..., 1] > h - 1 - my)
    return ~outside.any(axis=1)  # a missing (NaN) landmark is not evidence of the border
