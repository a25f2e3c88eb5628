"""Sub-frame fits that time one landing or one lift of a landmark (used by :mod:`formcheck.events`).

Each fits a curve with a kink to a few samples of the cleaned but unsmoothed track (a low-pass
smears a landing over ~3 frames) and returns the kink's instant between frames, or None when the
samples do not show the event clearly. Thresholds come from :class:`formcheck.events.EventParams`;
docs/thresholds.md says how each was measured. Indices are TRACK indices (fractional).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .gait_cycle import refine_peak

if TYPE_CHECKING:
    from .events import EventParams


def kink_fit(y: np.ndarray, lo: int, hi: int, tau_lo: float, tau_hi: float, designs, min_samples: int):
    """Least-squares fit of a curve with a kink at tau on the samples y[lo..hi], tau on a 0.02-sample grid in
    [tau_lo, tau_hi] (clipped to the samples): for each tau the first of ``designs`` (functions d -> design
    matrix (..., n, k), d = t - tau, paired with a test of the coefficients) whose coefficients pass is fitted.
    Returns (sse, tau, coef, n_samples) of the best tau, or None.

    All taus of a design are solved at once (batched pseudo-inverse): the grid has 50 taus per sample
    and this runs a few hundred times per clip.
    """
    lo, hi = max(0, lo), min(len(y) - 1, hi)
    t = np.arange(lo, hi + 1, dtype=float)
    v = y[lo : hi + 1]
    ok = np.isfinite(v)
    if ok.sum() < min_samples:
        return None
    t, v = t[ok], v[ok]
    taus = np.arange(max(t[0], tau_lo), min(t[-1], tau_hi) + 1e-9, 0.02)
    if taus.size == 0:
        return None
    chosen: list[tuple[float, np.ndarray] | None] = [None] * len(taus)
    for design, accept in designs:
        todo = [i for i, c in enumerate(chosen) if c is None]
        if not todo:
            break
        a = design(t[None, :] - taus[todo, None])  # (n_tau, n, k)
        # singular values below lstsq's default cut-off (eps x the larger dimension) count as zero, as in lstsq
        coefs = np.einsum("tkn,n->tk", np.linalg.pinv(a, rtol=np.finfo(float).eps * max(a.shape[1:])), v)
        sse = ((np.einsum("tnk,tk->tn", a, coefs) - v) ** 2).sum(axis=1)
        for i, coef, e in zip(todo, coefs, sse):
            if accept(coef):
                chosen[i] = (float(e), coef)
    fitted = [(c[0], float(tau), c[1]) for tau, c in zip(taus, chosen) if c is not None]
    if not fitted:
        return None
    # Between two samples a kink fits equally well anywhere (the SSE is flat up to rounding): take the
    # earliest tau of the best fits, so the choice does not hang on the last bits of the arithmetic.
    least = min(f[0] for f in fitted)
    sse, tau, coef = next(f for f in fitted if f[0] <= least + 1e-9 * (1.0 + least))
    return sse, tau, coef, len(t)


def lift_onset(y: np.ndarray, lo: int, hi: int) -> float | None:
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
        return lambda d: np.stack([np.ones_like(d), *(-np.maximum(d, 0.0) ** p for p in powers)], axis=-1)

    def rising(c: np.ndarray) -> bool:  # speed and acceleration of the rise both >= 0, not both 0
        return bool(np.all(c[1:] >= 0) and np.any(c[1:] > 0))

    designs = [(rise(1, 2), rising), (rise(2), rising), (rise(1), rising)]
    lo, hi = max(0, lo), min(len(y) - 1, hi)
    fit = kink_fit(y, lo, hi, lo + 1.0, hi - 1.0, designs, min_samples=5)
    return None if fit is None else fit[1]


def toe_lift(toe_y: np.ndarray, c_pos: float, period: float, scale: float, p: EventParams, fps: float | None = None,
              toe_light: np.ndarray | None = None) -> tuple[float | None, str]:
    """Toe-off from the toe leaving the ground.

    Ground level = the toe's lowest image point (largest y) in the first half stride after
    contact (none when the clip ends within ``toe_ground_min_stride`` of contact: a stance cut that
    short shows no ground level, and its last frames would pass for a lift). From there we walk
    forward until the toe is higher than ``p.toe_lift_leg`` (the threshold only rejects noise) and
    stays up for ``p.lift_stay_s``. With ``fps``, when the toe's lowest point in the ``p.lift_fit_s``
    before that crossing is more than ``p.toe_rest_creep_frac`` x the lift height above the ground
    level (MediaPipe's toe creeping up through the stance), the walk starts again from that rest
    with it as the level (the first crossing stands when none is found from there). The lift
    instant is then the onset of that rise: a rest-then-constant-acceleration fit (:func:`lift_onset`)
    on the unsmoothed trace ``toe_light`` from 0.1 s before the crossing to the crossing; without
    ``fps``/``toe_light``, or if the fit fails, the rise is extrapolated linearly back to zero height.
    """
    n = len(toe_y)
    c = int(round(c_pos))
    w_end = min(n, int(c + 0.5 * period) + 1)
    hi = min(n - 1, int(c + 0.8 * period))
    w = toe_y[c:w_end]
    if c + p.toe_ground_min_stride * period > n - 1:
        return None, "none"  # the clip ends before the toe's ground level is seen: a lift cannot be told from it
    if len(w) < 3 or not np.isfinite(w).all() or not np.isfinite(scale):
        return None, "none"
    base = float(np.max(w))
    j = c + int(np.argmax(w))
    thr = p.toe_lift_leg * scale
    stay = max(2, int(round(p.lift_stay_s * fps))) if fps else 0

    def crossing(j: int, base: float) -> int | None:
        """The last frame before the toe is ``thr`` above ``base`` to stay, walking on from ``j``."""
        while True:
            while j < hi and np.isfinite(toe_y[j + 1]) and base - toe_y[j + 1] <= thr:
                j += 1
            if j >= hi or not np.isfinite(toe_y[j + 1]):
                return None
            # a lifted toe stays up: a rise that falls back under the lift height within lift_stay_s is a tracking
            # wobble (e.g. the far foot while the near leg swings past it, MediaPipe's toe on the other foot for 2-3
            # frames), not the toe-off. (Back within half the lift height until 2026-12-03: a toe put 7 % leg up on
            # the passing foot and back at 4 % was taken for the lift, 80-100 ms early on every step of a belt-height
            # clip.)
            after = toe_y[j + 1 : min(n, j + 2 + stay)]
            back = np.flatnonzero(np.isfinite(after) & (base - after <= thr))
            if back.size == 0:
                return j
            j = j + 1 + int(back[0])

    found = crossing(j, base)
    if found is None:
        return None, "none"
    j = found
    if fps:
        # MediaPipe's toe can creep up through the stance (a hip-height camera at 120 fps: 13 px, 6 % leg, from the
        # landing's lowest point to the push-off), so a toe still on the belt crossed the lift height measured from
        # the landing, and the onset fit then took in a mid-stance wobble: 8-15 frames early on every step. The
        # lift is a rise from where the toe last rested: when the lowest point in the lift_fit_s before the crossing
        # is more than toe_rest_creep_frac x the lift height above the landing's level, the crossing is looked for
        # again from there (when none is found from the rest before the searched span or the clip ends, or the
        # trace has a gap, the first crossing stands).
        rest_lo = max(c + 1, j - max(3, int(np.ceil(p.lift_fit_s * fps))))
        seg = toe_y[rest_lo : j + 1]
        if np.isfinite(seg).any():
            k = rest_lo + int(np.nanargmax(seg))
            if base - toe_y[k] > p.toe_rest_creep_frac * thr:
                found = crossing(k, float(toe_y[k]))
                if found is not None:
                    base, j = float(toe_y[k]), found
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
    t0 = lift_onset(toe_light, lo, j + 1)
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


def knee_extension(knee: np.ndarray, c_pos: float, period: float, p: EventParams,
                   until: int | None = None) -> tuple[float | None, str]:
    """Toe-off at peak knee extension in late stance (Fellin et al. 2010), on a smoothed knee angle (deg).

    The push-off's extension is the knee's LAST extension before the swing folds it, not the window's lowest
    flexion: a runner who lands on a nearly straight knee (2-6 deg on treadmill_side_01, 18 deg at toe-off) is
    straighter at the landing, and the window starts while the knee is still that straight. ``until``: the last
    frame the window may reach (the foot is in the air after it, :func:`toe_airborne_from`).
    """
    lo = int(np.ceil(c_pos + p.knee_extension_from_stride * period))
    hi = min(len(knee) - 2, int(np.floor(c_pos + p.knee_extension_to_stride * period)))  # near the clip's end: an interior minimum still counts
    if until is not None:
        hi = min(hi, until)
    if lo >= hi or np.isfinite(knee[lo : hi + 1]).sum() < 3:
        return None, "none"
    j = last_extension(knee, lo, hi, p.knee_extension_rise_deg, p.knee_extension_level)
    if j in (lo, hi):
        return None, "none"
    return refine_peak(-knee, j), "knee_extension"


def toe_airborne_from(toe_y: np.ndarray, c_pos: float, period: float, scale: float, p: EventParams) -> int | None:
    """The last frame, within ``knee_extension_to_stride`` after contact, before the toe is ``toe_airborne_leg`` above
    its stance level (image y down; the third lowest point since contact, so that a toe placed too low for a frame or
    two, the soon "lift", does not set it): from there on the foot is in the swing, whatever the knee does. None when
    it never rises that high there (or no scale).

    At the true toe-off the smoothed toe of a rendered runner lies at most 0.17 leg above its stance level (99 % within
    0.13; 0.1 s later: median 0.23, 99 % within 0.35), so the knee's push-off extension comes before 0.3 leg. A knee
    "extension" after it is a landmark glitch in the swing's flexion (heldout_174: a knee dipping from 62 to 27 deg
    for two frames mid-swing, 13 frames after the true toe-off, was the stance's last valley)."""
    if not np.isfinite(scale):
        return None
    c = max(0, int(np.ceil(c_pos)))
    hi = min(len(toe_y) - 1, int(np.floor(c_pos + p.knee_extension_to_stride * period)))
    lows: list[float] = []  # the three lowest points since contact (image y, largest first)
    for j in range(c, hi + 1):
        if not np.isfinite(toe_y[j]):
            continue
        if len(lows) == 3 and lows[2] - toe_y[j] > p.toe_airborne_leg * scale:
            return j - 1
        lows = sorted([*lows, float(toe_y[j])], reverse=True)[:3]
    return None


def last_extension(knee: np.ndarray, lo: int, hi: int, rise_deg: float, level: float) -> int:
    """Index of the knee's last extension in knee[lo..hi] (deg of flexion).

    Walking back from ``hi``, a valley is the lowest flexion met before the knee is ``rise_deg`` more flexed again;
    the latest valley in the lower ``level`` (a fraction, 0-1) of the span's flexion range is the push-off's (a dip
    in the swing's flexion, a landmark glitch, is not). The span's lowest point always qualifies, so one is found;
    it is ``lo`` or ``hi`` (an edge: no extension seen) where the knee only flexes or only extends back to there.
    """
    if rise_deg < 0 or not 0.0 <= level <= 1.0:
        raise ValueError(f"rise_deg must be >= 0 and level within 0-1, got {rise_deg}, {level}")
    seg = knee[lo : hi + 1]
    low, high = np.nanmin(seg), np.nanmax(seg)
    below = low + level * (high - low)
    j = best = hi
    while j >= lo:
        best = j
        while j >= lo:
            v = knee[j]
            if np.isfinite(v):
                if not np.isfinite(knee[best]) or v < knee[best]:
                    best = j
                elif v > knee[best] + rise_deg:
                    break
            j -= 1
        if np.isfinite(knee[best]) and knee[best] <= below:
            return best
    return best


def knee_turn(knee: np.ndarray, guess: float, fps: float, p: EventParams, latest: float | None = None) -> float:
    """Sub-frame instant the knee stops extending and starts to flex, near ``guess`` (from a frame before it to half
    a frame after it, or to half a frame after ``latest`` when that is later).

    Fit on the unsmoothed trace: a straight extension up to tau, then flexion growing from zero
    speed (knee = k0 + v (t - tau) before, k0 + c (t - tau)^2 after, v < 0 < c). The knee's
    extension is cut off at toe-off, when the ground stops pushing, while the swing's flexion
    builds up: a parabola through the lowest three samples puts that turn late.
    """
    last = guess if latest is None else max(guess, latest)
    w = max(2, int(round(p.knee_turn_half_width_s * fps)))
    lo, hi = max(0, int(np.floor(guess)) - w), min(len(knee) - 1, int(np.ceil(last)) + w)
    design = lambda d: np.stack([np.ones_like(d), np.minimum(d, 0.0), np.maximum(d, 0.0) ** 2], axis=-1)  # noqa: E731
    fit = kink_fit(knee, lo, hi, max(lo + 1.0, guess - 1.0), min(hi - 1.0, last + 0.5),
                    [(design, lambda c: c[1] < 0 < c[2])], min_samples=5)
    return guess if fit is None else fit[1]


def toe_posterior(toe: np.ndarray, c_pos: float, period: float, p: EventParams) -> tuple[float | None, str]:
    """Toe-off when the toe is most posterior relative to the pelvis (Zeni et al. 2008)."""
    lo = int(np.ceil(c_pos + p.toe_posterior_from_stride * period))
    hi = int(np.floor(c_pos + p.toe_posterior_to_stride * period))
    if hi >= len(toe) - 1 or lo >= hi or np.isfinite(toe[lo : hi + 1]).sum() < 3:
        return None, "none"
    j = lo + int(np.nanargmax(-toe[lo : hi + 1]))
    return refine_peak(-toe, j), "toe_posterior"


def hinge(y: np.ndarray, lo: int, hi: int, centre: float, half: float = 1.5) -> tuple[float, float, float, float, float] | None:
    """Least-squares fit of two lines joined at a kink tau in y[lo..hi]; tau searched in centre +- half.

    Returns (tau, v_before, v_after, y_at_tau, rms_residual) in samples / px per sample, or None. For a
    landmark that moves at constant speed and stops (a landing), tau is the landing instant,
    also between frames; a zero-lag low-pass of the samples does not move it.
    """
    lo, hi = max(0, lo), min(len(y) - 1, hi)
    design = lambda d: np.stack([np.ones_like(d), np.minimum(d, 0.0), np.maximum(d, 0.0)], axis=-1)  # noqa: E731
    fit = kink_fit(y, lo, hi, max(lo + 0.5, centre - half), min(hi - 0.5, centre + half), [(design, lambda c: True)], min_samples=4)
    if fit is None:
        return None
    sse, tau, coef, n = fit
    return tau, float(coef[1]), float(coef[2]), float(coef[0]), float(np.sqrt(sse / n))


@dataclass(frozen=True)
class Landing:
    """A landmark's landing, in samples: ``kink`` where its descent stopped (the hinge fit), ``at_level`` where it
    reached its stance level (the contact; :func:`landing`)."""

    kink: float
    at_level: float


def landing(y_light: np.ndarray, y_smooth: np.ndarray, lo: int, hi: int, base: float, leg: float, fps: float,
            p: EventParams, other: tuple[np.ndarray, float] | None = None, within_span: bool = False,
            period: float | None = None, near_ground_leg: float | None = None) -> float | None:
    """The instant of :func:`landing_fit` (its ``at_level``), or None."""
    fit = landing_fit(y_light, y_smooth, lo, hi, base, leg, fps, p, other, within_span, period, near_ground_leg)
    return None if fit is None else fit.at_level


def landing_fit(y_light: np.ndarray, y_smooth: np.ndarray, lo: int, hi: int, base: float, leg: float, fps: float,
                p: EventParams, other: tuple[np.ndarray, float] | None = None, within_span: bool = False,
                period: float | None = None, near_ground_leg: float | None = None) -> Landing | None:
    """First landing of one landmark in frames lo..hi: a fast descent that stops near the ground.

    y is image y (down = +). Candidate frames are the decelerations of the SMOOTHED trace
    (local minima of its second difference); each is timed by a hinge fit on the LIGHT
    (unsmoothed) trace over +-max(2, landing_fit_half_width_s) samples (2 at 30 fps, 4 at 60 fps). Accepted
    when the landmark came down at >= landing_min_speed_leg_s, afterwards moves at most landing_max_after_ratio
    of that speed, is within ``near_ground_leg`` (default landing_near_ground_leg) of its stance level ``base``, and does not rise again by
    more than landing_max_rise_leg within landing_stay_s (a foot on the ground stays there); ``other`` =
    (trace, stance level) of the foot's other landmark, which must be within landing_other_near_leg
    of its level (a foot landing on the heel has its toe a few cm up, not a quarter leg).

    ``kink`` is the hinge's instant; ``at_level`` where the landmark, after it, comes within ``landing_level_leg`` of
    ``base`` (linear from the fit's point), when it gets there within the fit's half-width and one sample (3 samples
    at 30 fps, 5 at 60), else the kink. The kink marks where a fast descent slows, and a foot whose approach slows
    over its last frames is still in the air there (heldout_501, a 30 fps pass: MediaPipe's far heel 8 % leg up at
    the kink, its contacts 2 frames early). A landmark that stays above that level (a heel landing raised, on a
    dorsiflexed foot) is timed at its kink, as before. On the 312 cached renders, contacts 2984 -> 3013 within
    tolerance (toe-offs 2909 -> 2909); the real clips' frames unchanged (docs/thresholds.md, "landing at its stance
    level").
    """
    n = len(y_light)
    lo, hi = max(2, lo), min(n - 3, hi)
    if hi <= lo or not np.isfinite(base) or not np.isfinite(leg):
        return None
    d2 = y_smooth[2:] - 2 * y_smooth[1:-1] + y_smooth[:-2]  # d2[i-1] is at frame i
    w = max(2, int(round(p.landing_fit_half_width_s * fps)))
    vmin = p.landing_min_speed_leg_s * leg / fps
    settle = max(2, int(round(p.landing_settle_stride * period))) if period else 0
    near = (p.landing_near_ground_leg if near_ground_leg is None else near_ground_leg) * leg
    for i in range(lo, hi + 1):
        a, b, c = d2[i - 2], d2[i - 1], d2[i]
        if not (np.isfinite([a, b, c]).all() and b < 0 and b <= a and b < c):
            continue
        fit = hinge(y_light, i - w, i + w, float(i))
        if fit is None:
            continue
        tau, v1, v2, y_tau, rms = fit
        if within_span and tau < lo:
            continue  # the kink lies before the searched span (the hinge may reach 1.5 samples out)
        if (v1 - v2) * w < p.landing_noise_factor * rms:
            continue  # a kink no bigger than the scatter around it: jitter, not a timed landing
        if not (v1 >= vmin and abs(v2) <= p.landing_max_after_ratio * v1 and base - y_tau <= near):
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
        return Landing(tau, arrival_at_level(y_light, tau, y_tau, base - p.landing_level_leg * leg, w + 1))  # half-width + 1
    return None


def arrival_at_level(y: np.ndarray, tau: float, y_tau: float, level: float, within: float) -> float:
    """The first instant from a kink at ``tau`` (where a fit puts ``y`` at ``y_tau``) to ``tau + within`` (samples) at
    which ``y`` (image y, down = +) reaches ``level``, linear from the fit's point or the last finite sample before;
    ``tau`` when it is there already (the kink, finer than the samples, times it) or does not get there in time."""
    if y_tau >= level - 1e-6:  # (px: a fit's rounding)
        return tau
    t0, y0 = tau, y_tau  # the last known point below the level
    for j in range(int(np.floor(tau)) + 1, min(len(y) - 1, int(np.floor(tau + within))) + 1):
        if not np.isfinite(y[j]):
            continue
        if y[j] >= level:
            return t0 + (j - t0) * (level - y0) / (y[j] - y0)
        t0, y0 = float(j), float(y[j])
    return tau


def descent_to_ground(heights: np.ndarray, lo: int, hi: int, leg: float, fps: float, p: EventParams) -> float | None:
    """First instant in frames lo..hi at which a foot that was in the air comes down to its stance level.

    ``heights`` (T,) is the foot's lowest landmark's height above its own stance level (px, up = +).
    The instant is interpolated between the last frame above ``descent_ground_leg`` x leg and the
    first at or below it; the foot must have been at least ``descent_from_leg`` x leg up within the
    ``descent_lookback_s`` before (a foot coming down, not jitter about the ground). The window is a time, not a
    frame count: 4 frames at 120 fps (33 ms) saw only the last 7 % leg of the descent, and no contact was moved.
    """
    eps = p.descent_ground_leg * leg
    lookback = max(1, int(round(p.descent_lookback_s * fps)))
    for i in range(max(1, lo), min(len(heights) - 1, hi) + 1):
        h0, h1 = heights[i - 1], heights[i]
        if not (np.isfinite(h0) and np.isfinite(h1) and h0 > eps >= h1):
            continue
        before = heights[max(0, i - lookback) : i]
        if not (np.isfinite(before).any() and np.nanmax(before) >= p.descent_from_leg * leg):
            continue
        return float(i - 1 + (h0 - eps) / (h0 - h1))
    return None


def stance_base(y: np.ndarray, a: int, b: int) -> float:
    """Stance level of a landmark: mean of its 3 lowest image points (largest y) in frames a..b."""
    seg = y[max(0, a) : max(0, b) + 1]
    seg = seg[np.isfinite(seg)]
    if seg.size < 3:
        return float("nan")
    return float(np.sort(seg)[-3:].mean())
