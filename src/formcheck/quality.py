"""Quality checks and refusals: is this a side-view clip of a person RUNNING, seen well enough?

Everything here reads the pose track only (no gait events: their contact timing is not needed to tell
walking from running or a side view from a frontal one), except :func:`camera_motion`, which reads
the video (:mod:`formcheck.camera`).

* :func:`gait_kind` -- running vs walking, by three independent cues that vote: the phase of the
  pelvis' vertical bounce against the fore-aft spread of the ankles (running: the pelvis is LOWEST
  mid-stance, legs together under the body, and highest in flight, legs spread: correlation > 0;
  walking: it vaults over the stance leg, HIGHEST mid-stance and lowest in double support:
  correlation < 0), double support (both feet on the ground together, :mod:`formcheck.stance_motion`:
  walking has it, running has a flight phase instead) and cadence. Two of three decide. The same
  stance motion says treadmill or overground (``gait["stance"]["mode"]``).
* :func:`view_check` -- side view vs frontal/oblique: shoulder and hip widths relative to trunk length,
  MediaPipe's 3-D hip/shoulder line direction, fore-aft range of the ankles.
* :func:`direction_changes` -- passes in opposite directions (the analysis assumes one facing).
* :func:`quality_checks` -- all of the above plus detection rate, size, steps, visibility, as the
  ``quality`` dict of the analysis, its warnings and an optional refusal message.
* :func:`camera_motion` / :func:`add_camera_motion` -- background motion outside the person's box (formcheck.camera).

Thresholds and their sources: docs/thresholds.md ("Quality checks").
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import landmarks as lm
from .events import AT_EDGE, BELT_MOTION, PLACED, STILL_FOOT, EventParams, frame_gaps
from .geometry import body_scale_px
from .pose_track import PoseTrack
from .timebase import playback_fps

# --- thresholds (docs/thresholds.md)
MIN_STEPS = 6  # fewer: warning, figures rough
MIN_STEPS_REFUSE = 3  # fewer: refusal (a runner crossing the frame shows 3-6 steps: analysed, with a warning) ...
MIN_PASS_STEPS_REFUSE = 2  # ... but a pass timed by its planted feet needs only a stride's two steps (see quality_checks)
DETECTION_REFUSE, DETECTION_WARN = 0.2, 0.6  # fraction of frames with a person
# ... found in at least this share of the frames from the first sighting to the last: a runner who was simply not in
# view yet (or had left), not one the model lost (a reviewer's case: 38 % lost within the span was told the former)
DETECTION_IN_VIEW = 0.9
# Of the frames with a person, the share whose hips, knees and ankles MediaPipe places out of the picture (their median
# presence under 0.5) above which there is no runner's gait to read: a crop of a gym's ceiling had a "person" (a face in
# its lights, legs out of the picture) on 67 % of its frames and was told its rotation was lost (a newcomer's test). Of
# 594 running clips (renders, their copies, the real ones) none is above 0.27 (a pass entering the frame).
LEGS_OUT_REFUSE = 0.5
LEG_FRAC_REFUSE, LEG_FRAC_WARN = 0.05, 0.15  # leg length / image height
VISIBILITY_WARN = 0.5  # median knee/ankle/heel/toe visibility of a leg
MISSING_FRAMES_WARN = 0.02  # frames missing between those the clip has, as a fraction of its frames: warned about (formcheck heuristic)
MISSING_FRAMES_SAID = 0.10  # ... and named as the reason of a refusal for too few steps (too_few_steps_message)
SWAPPED_WARN = 0.2  # fraction of frames with leg labels exchanged by cleaning
FACING_CONF_WARN = 0.5

GAIT_CORR_WALK, GAIT_CORR_RUN = -0.3, 0.3  # pelvis-height vs ankle-spread correlation
GAIT_CADENCE_WALK, GAIT_CADENCE_RUN = 135.0, 150.0  # steps/min
GAIT_DOUBLE_SUPPORT_WALK = 0.10  # both feet on the ground on at least this fraction of frames: a walking vote, else running
# (a foot starting its swing slowly is counted down a little long: a duty 0.48 jog reads 0.05-0.08; walks 0.18-0.22)
GAIT_VOTES = 2  # cues (of correlation, double support, cadence) that must agree
GAIT_HIGHPASS_HZ = 1.0  # removes drift (camera tilt, turning) below the step frequency
GAIT_MIN_SPREAD_LEG = 0.1  # sd of the ankle spread (leg lengths) below which no gait is seen

VIEW_WIDE_FRAME = 0.45  # (shoulder width + hip width) / 2 / trunk length above which a frame is frontal/oblique
VIEW_REFUSE_FRACTION = 0.5  # frontal/oblique in at least this fraction of frames ...
VIEW_REFUSE_ANKLE_RANGE_LEG = 0.8  # ... and ankles' fore-aft range below this (leg lengths) ...
VIEW_REFUSE_YAW_DEG = 45.0  # ... or MediaPipe's 3-D hip/shoulder line within this of the image plane -> refuse
VIEW_WARN_FRACTION = 0.2
VIEW_WARN_WIDTH = 0.3
VIEW_WARN_YAW_DEG = 60.0
SIDE_VIEW_RATIO_WARN = 0.5  # median shoulder width / trunk length (the original check)
# The trunk (hips -> shoulders) further than this from the picture's up, median over the clip: the picture is turned
# (its rotation lost on the way, or filmed sideways). Real clips read 2-9 deg; a clip turned 90 deg reads ~90, and its
# "side view", "steps" and "overstride" (116 % leg in a newcomer's test) are read on a runner lying down -> refuse.
UPRIGHT_REFUSE_DEG = 45.0

DIRECTION_PASS_LEG = 1.5  # a pass = pelvis travel of at least this many leg lengths in one direction

CAMERA_MOTION_WARN_PCT_H_S = 2.0  # background moves more than this % of the person's height per second
CAMERA_ROLL_WARN_DEG_S = 2.0  # or rotates more than this (degrees per second)
# ... or does either over consecutive ~1/3 s intervals for this long in one go: a phone shaken for the first 2 s of 8
# had a median of 0 px/s (its 90th percentile 283 px/s) and was neither warned about nor stabilised (a newcomer's
# test). Still cameras read under 0.2 px/s at the 90th percentile (treadmill_side_01: 0.12); of 140 cached clips
# (../shared, its degraded copies, renders) no still one moved over the threshold for longer than one interval
# (heldout_880: 11 % of its intervals, each alone). A jolt of 0.3 s stays under it.
CAMERA_MOTION_WARN_RUN_S = 1.0
HEIGHT_PER_LEG = 1.0 / 0.491  # stature / (thigh + shank), Winter 2009 segment lengths


# ---------------------------------------------------------------------------------------------- helpers
def _segments(ok: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """Runs of True at least min_len long, as (start, stop)."""
    out = []
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        if b - a >= min_len:
            out.append((int(a), int(b)))
    return out


def _highpass(x: np.ndarray, fps: float, fc: float) -> np.ndarray:
    from .filters import butter, filtfilt

    b, a = butter(2, min(fc / (fps / 2.0), 0.99), "high")
    return filtfilt(b, a, x)


def _period_frames(segments: list[np.ndarray], fps: float, min_s: float, max_s: float) -> float:
    """Shortest strong period (frames) of zero-mean signal pieces from their pooled autocorrelation."""
    lo, hi = max(1, int(min_s * fps)), int(np.ceil(max_s * fps))
    acc = np.zeros(hi + 2)
    norm = np.zeros(hi + 2)
    for x in segments:
        n = len(x)
        m = min(n - 1, hi + 1)
        if m <= lo:
            continue
        full = np.correlate(x, x, "full")[n - 1 : n + m]
        acc[: m + 1] += full
        norm[: m + 1] += (x * x).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = acc / norm
    ac = np.where(norm > 0, ac, np.nan)
    cand = [i for i in range(max(lo, 1), hi + 1) if np.isfinite(ac[i - 1 : i + 2]).all() and ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1]]
    if not cand:
        return float("nan")
    best = max(ac[i] for i in cand)
    if best < 0.2:
        return float("nan")
    i = next(i for i in cand if ac[i] >= 0.8 * best)
    y0, y1, y2 = ac[i - 1], ac[i], ac[i + 1]
    den = y0 - 2 * y1 + y2
    return float(i + (0.5 * (y0 - y2) / den if den != 0 else 0.0))


# ---------------------------------------------------------------------------------------------- gait kind
def step_period_frames(feet: float, pelvis: float) -> float:
    """The step period from the feet's fore-aft spread, checked against the pelvis' bounce: both repeat every step,
    but either can repeat every stride instead (one leg moving unlike the other, landmarks blurring the feet): when
    one reads 1.7-2.3 times the other, the shorter is the step; when they differ otherwise by more than 25 %, the
    step is not known. Without a pelvis period the feet's is taken as before (NaN when the feet give none).

    A running pass saved at crf 40 (heldout_732, 152 steps/min) read 87 from the feet and 162 from the pelvis, and was
    refused as walking. Of 512 running clips (renders, their copies, the real ones, the samples) the feet's cadence read
    about half the pelvis's on 2 (this one and a blurred 60 fps copy) and the pelvis half the feet's on 15, none otherwise
    apart by 25 %; the real walks agree within 8 % (113/112, 99/92, 106/107 steps/min)."""
    if not np.isfinite(feet) or not np.isfinite(pelvis):
        return feet
    ratio = max(feet, pelvis) / min(feet, pelvis)
    if ratio <= 1.25:
        return feet
    return min(feet, pelvis) if 1.7 <= ratio <= 2.3 else float("nan")


def gait_kind(track: PoseTrack) -> dict[str, Any]:
    """Running vs walking from the (cleaned, smoothed) pose track, no event timing.

    Returns ``{"kind": "running"|"walking"|"unclear", "walking": bool, "pelvis_spread_corr": r,
    "cadence_spm": pose-only cadence or None, "double_support": fraction of frames with both feet down,
    "votes": {"walking": n, "running": n}, "frames_used": n, "stance": StanceMotion as a dict}``.
    ``r`` is the correlation of the high-passed pelvis height (up = +) with the high-passed fore-aft
    ankle spread |x_left - x_right|: > 0 running (pelvis low when the legs are together under it),
    < 0 walking. Each cue votes walking, running or neither; GAIT_VOTES agreeing votes decide, else
    "unclear". Legs that hardly move fore-aft: "unclear", no vote counted.
    """
    from .stance_motion import stance_motion

    k = track.keypoints_px
    fps = float(track.fps)
    stance = stance_motion(track)
    hip_up = -k[:, [lm.LEFT_HIP, lm.RIGHT_HIP], 1].mean(axis=1)
    spread = np.abs(k[:, lm.LEFT_ANKLE, 0] - k[:, lm.RIGHT_ANKLE, 0])
    leg = body_scale_px(k)
    ok = np.isfinite(hip_up) & np.isfinite(spread)
    hs, ss = [], []
    for a, b in _segments(ok, max(int(round(1.0 * fps)), 12)):
        hs.append(_highpass(hip_up[a:b], fps, GAIT_HIGHPASS_HZ))
        ss.append(_highpass(spread[a:b], fps, GAIT_HIGHPASS_HZ))
    ds = stance.double_support
    out: dict[str, Any] = {"kind": "unclear", "walking": False, "pelvis_spread_corr": None, "cadence_spm": None,
                           "double_support": None if ds is None else round(ds, 3), "votes": {"walking": 0, "running": 0},
                           "frames_used": 0, "stance": stance.to_dict()}
    if not hs or not np.isfinite(leg):
        return out
    h, s = np.concatenate(hs), np.concatenate(ss)
    out["frames_used"] = int(h.size)
    if float(np.std(s)) < GAIT_MIN_SPREAD_LEG * leg or float(np.std(h)) == 0.0:
        return out  # legs hardly move fore-aft: no gait to judge
    r = float(np.corrcoef(h, s)[0, 1])
    period = step_period_frames(_period_frames(ss, fps, 0.25, 1.0), _period_frames(hs, fps, 0.25, 1.0))
    cad = 60.0 * fps / period if np.isfinite(period) else None
    out["pelvis_spread_corr"] = round(r, 3)
    out["cadence_spm"] = None if cad is None else round(cad, 1)
    walk = (r <= GAIT_CORR_WALK) + (ds is not None and ds >= GAIT_DOUBLE_SUPPORT_WALK) + (cad is not None and cad < GAIT_CADENCE_WALK)
    run = (r >= GAIT_CORR_RUN) + (ds is not None and ds < GAIT_DOUBLE_SUPPORT_WALK) + (cad is not None and cad > GAIT_CADENCE_RUN)
    out["votes"] = {"walking": int(walk), "running": int(run)}
    kind = "walking" if walk >= GAIT_VOTES and walk > run else "running" if run >= GAIT_VOTES and run > walk else "unclear"
    out["kind"] = kind
    out["walking"] = kind == "walking"
    return out


# ---------------------------------------------------------------------------------------------- view
def legs_out_of_picture_fraction(track: PoseTrack) -> float:
    """Of the frames with a person, the share whose hips, knees and ankles are out of the picture by MediaPipe's
    presence (their median under 0.5); 0 without a person."""
    found = np.asarray(track.detected, dtype=bool)
    if not found.any():
        return 0.0
    legs = [lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_KNEE, lm.RIGHT_KNEE, lm.LEFT_ANKLE, lm.RIGHT_ANKLE]
    return float((np.median(np.asarray(track.presence, dtype=float)[found][:, legs], axis=1) < 0.5).mean())


def view_check(track: PoseTrack) -> dict[str, Any]:
    """Side view or frontal/oblique, from the raw pose track.

    Returns ``side_view_ratio`` (median shoulder width / trunk length, as before), ``width_ratio``
    (median of (shoulder + hip width) / 2 / trunk length), ``frontal_fraction`` (frames whose width ratio
    exceeds VIEW_WIDE_FRAME), ``yaw_deg`` (median angle of MediaPipe's 3-D hip and shoulder lines out of
    the image plane: 90 = side view, 0 = frontal), ``ankle_range_leg`` (5-95 % range of the signed
    fore-aft ankle offset, leg lengths), ``trunk_from_up_deg`` (median angle of the hips -> shoulders line from
    the picture's up: 0 upright, 90 lying, 180 upside down) and ``verdict``: "side" | "borderline" | "frontal" |
    "turned" (the picture is not upright: nothing else is judged).
    """
    k = track.keypoints_px
    sh = np.abs(k[:, lm.LEFT_SHOULDER, 0] - k[:, lm.RIGHT_SHOULDER, 0])
    hp = np.abs(k[:, lm.LEFT_HIP, 0] - k[:, lm.RIGHT_HIP, 0])
    trunk = np.linalg.norm(k[:, [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]].mean(1) - k[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(1), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_sh = sh / trunk
        width = (sh + hp) / 2.0 / trunk
    fin = np.isfinite(width)
    w = track.world_m

    def yaw(a: int, b: int) -> np.ndarray:
        d = w[:, a] - w[:, b]
        return np.degrees(np.arctan2(np.abs(d[:, 2]), np.abs(d[:, 0])))

    yaws = np.concatenate([yaw(lm.LEFT_HIP, lm.RIGHT_HIP), yaw(lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)])
    yaws = yaws[np.isfinite(yaws)]
    dx = k[:, lm.LEFT_ANKLE, 0] - k[:, lm.RIGHT_ANKLE, 0]
    dx = dx[np.isfinite(dx)]
    leg = body_scale_px(k)
    up = k[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(1) - k[:, [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]].mean(1)  # image y grows down
    with np.errstate(invalid="ignore", divide="ignore"):
        from_up = np.degrees(np.arccos(np.clip(up[:, 1] / np.linalg.norm(up, axis=1), -1.0, 1.0)))
    from_up = from_up[np.isfinite(from_up)]
    out: dict[str, Any] = {
        "side_view_ratio": round(float(np.nanmedian(r_sh)), 3) if np.isfinite(r_sh).any() else None,
        "width_ratio": round(float(np.median(width[fin])), 3) if fin.any() else None,
        "frontal_fraction": round(float((width[fin] > VIEW_WIDE_FRAME).mean()), 3) if fin.any() else None,
        "yaw_deg": round(float(np.median(yaws)), 1) if yaws.size else None,
        "ankle_range_leg": round(float((np.percentile(dx, 95) - np.percentile(dx, 5)) / leg), 3) if dx.size and np.isfinite(leg) and leg > 0 else None,
        "trunk_from_up_deg": round(float(np.median(from_up)), 1) if from_up.size else None,
        "verdict": "side",
    }
    ff, wr, yw, ar = out["frontal_fraction"], out["width_ratio"], out["yaw_deg"], out["ankle_range_leg"]
    if out["trunk_from_up_deg"] is not None and out["trunk_from_up_deg"] > UPRIGHT_REFUSE_DEG:
        out["verdict"] = "turned"
        return out
    if ff is None:
        return out
    if ff >= VIEW_REFUSE_FRACTION and ((ar is not None and ar < VIEW_REFUSE_ANKLE_RANGE_LEG) or (yw is not None and yw < VIEW_REFUSE_YAW_DEG)):
        out["verdict"] = "frontal"
    elif ff >= VIEW_WARN_FRACTION or (wr is not None and wr > VIEW_WARN_WIDTH) or (yw is not None and yw < VIEW_WARN_YAW_DEG) \
            or (out["side_view_ratio"] is not None and out["side_view_ratio"] > SIDE_VIEW_RATIO_WARN):
        out["verdict"] = "borderline"
    return out


SIDE_ON_MAX_WIDTH = 0.3  # a frame is side-on when the body's width / trunk length is at most this (running median)
SIDE_ON_MIN_S = 3.0  # a side-on stretch of a turning view is analysed when it lasts at least this long ...
SIDE_ON_MAX_KEPT = 0.85  # ... and the view was not side-on over more than (1 - this) of the clip
SIDE_ON_SMOOTH_S = 0.5  # the per-frame width ratio is a running median over this long (arms and legs swing)


def side_on_stretch(track: PoseTrack) -> tuple[int, int] | None:
    """First and last row of the longest stretch where the runner is seen side-on, when only part of the clip is.

    A friend following a runner with the phone often starts with the runner three-quarter on and ends
    side-on (or the reverse). Per frame, the body's width (shoulder and hip width over trunk length, as in
    :func:`view_check`; a running median over SIDE_ON_SMOOTH_S) must be at most SIDE_ON_MAX_WIDTH: 5-95 % of
    the frames of the real side-view clips in ../shared read 0.02-0.36 unsmoothed (medians 0.05-0.17), a body
    turned 45 degrees about 0.37. Returns None when at least SIDE_ON_MAX_KEPT of the clip is side-on (nothing
    to cut), or no side-on stretch lasts SIDE_ON_MIN_S.
    """
    k = track.keypoints_px
    sh = np.abs(k[:, lm.LEFT_SHOULDER, 0] - k[:, lm.RIGHT_SHOULDER, 0])
    hp = np.abs(k[:, lm.LEFT_HIP, 0] - k[:, lm.RIGHT_HIP, 0])
    trunk = np.linalg.norm(k[:, [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]].mean(1) - k[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(1), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        width = (sh + hp) / 2.0 / trunk
    half = max(1, int(round(SIDE_ON_SMOOTH_S * float(track.fps) / 2)))
    n = len(width)
    smooth = np.array([np.nanmedian(width[max(0, i - half): i + half + 1]) if np.isfinite(width[max(0, i - half): i + half + 1]).any()
                       else np.nan for i in range(n)])
    side_on = np.isfinite(smooth) & (smooth <= SIDE_ON_MAX_WIDTH)
    # frames without the runner count against too: walk_side_indoor_03's turn is short, but she leaves the picture
    # around it, and only the frames she is missing from keep her walk out and back from being read as one pass
    # (analysis.side_on_part says "in view only" of a stretch with the runner missing around it, not "turned")
    if side_on.mean() >= SIDE_ON_MAX_KEPT:
        return None
    best = max(_segments(side_on, 1), key=lambda ab: ab[1] - ab[0], default=None)
    if best is None:
        return None
    a, b = best[0], best[1] - 1
    # the median over +-half frames marks a frame side-on once half its window is: a turn still going on there
    # (a synthetic runner turned 33 degrees at the stretch's first frame, 22 at the first contact in it, whose far
    # foot then read 4.8 % leg less overstride), so a boundary inside the clip moves in by half a window
    a, b = (a + half if a > 0 else a), (b - half if b < n - 1 else b)
    if b <= a:
        return None
    t = np.asarray(track.timestamps_s, dtype=float)
    return (a, b) if t[b] - t[a] >= SIDE_ON_MIN_S else None


# ---------------------------------------------------------------------------------------------- direction
def direction_changes(track: PoseTrack) -> dict[str, Any]:
    """Passes of the pelvis across the image: ``{"passes": ["left", "right", ...], "changes": n}``.

    A pass is a stretch of steady travel in one direction covering >= DIRECTION_PASS_LEG leg lengths
    (a treadmill run has none). ``changes`` counts reversals between consecutive passes.
    """
    k = track.keypoints_px
    x = k[:, [lm.LEFT_HIP, lm.RIGHT_HIP], 0].mean(axis=1)
    leg = body_scale_px(k)
    passes: list[str] = []
    if not np.isfinite(leg) or np.isfinite(x).sum() < 3:
        return {"passes": passes, "changes": 0}
    fps = float(track.fps)
    t = np.flatnonzero(np.isfinite(x))
    xs = x[t]
    win = max(1, int(round(0.5 * fps)))
    pad = np.pad(xs, (win, win), mode="edge")
    xs = np.convolve(pad, np.ones(2 * win + 1) / (2 * win + 1), "same")[win:-win]  # smooth out the bounce
    v = np.sign(np.diff(xs))
    start = 0
    runs: list[tuple[int, int]] = []
    for i in range(1, len(v) + 1):
        if i == len(v) or v[i] != v[start]:
            runs.append((start, i))
            start = i
    for a, b in runs:
        d = xs[b] - xs[a]
        if abs(d) >= DIRECTION_PASS_LEG * leg:
            name = "right" if d > 0 else "left"
            if not passes or passes[-1] != name:
                passes.append(name)
    return {"passes": passes, "changes": max(0, len(passes) - 1)}


def too_few_steps_message(n_steps: int, raw: PoseTrack, crossing: bool, need_steps: int = MIN_STEPS_REFUSE,
                          missing: int = 0) -> str:
    """Why a clip with too few steps is refused, and what to film instead: a runner ``crossing`` the frame needs a
    longer pass; a runner in place (treadmill) whom the model found in most frames, a longer clip; one it lost in
    many frames (a head cut off by the frame's top edge: 44 % of a rendered treadmill clip), the whole body in view,
    as a longer clip of the same framing would not help. A clip ``missing`` (:func:`missing_frames`) a share of its
    frames of ``MISSING_FRAMES_SAID`` or more: the frame rate fixed, in good light (a newcomer's 12 s copy of
    treadmill_side_01 missing 40 % of its frames was told to film 10 s or more)."""
    need = f"at least {need_steps} are needed"
    found = _steps_found(n_steps)
    share = missing / (raw.n_frames + missing) if missing > 0 else 0.0
    if share >= MISSING_FRAMES_SAID:
        return (f"{found} ({need}): {share:.0%} of the clip's frames are missing (the phone dropped them, as it does at a "
                "variable frame rate in dim light or under load) and steps next to a gap cannot be timed: film in good "
                "light, with the frame rate fixed")
    if crossing:
        return f"{found} while the runner crossed the frame ({_seen_s(raw)} in view; {need}): {PASS_ADVICE}"
    if raw.detection_rate < DETECTION_WARN:
        return (f"{found} ({need}): the runner was found in only {raw.detection_rate:.0%} of frames; keep the whole body, "
                "head to feet, in view, in good light")
    running_s = raw.n_frames / float(raw.fps)
    factor = raw.info.get("slow_motion_factor")
    if isinstance(factor, (int, float)) and factor > 1:  # formcheck.timebase re-timed it: say so, and how to undo it
        file_fps = float(raw.info.get("video_fps") or raw.fps)
        return (f"{found} in {running_s:.1f} s of running, the clip read as {factor:.1f}x slow motion ({running_s * factor:.1f} s "
                f"as it plays; if it was filmed at the speed it plays, give --fps {file_fps:g}); {need}: film 10 s or more of "
                "steady running")
    return f"{found} in {running_s:.1f} s of running; {need}: film 10 s or more of steady running"


def _steps_found(n_steps: int) -> str:
    """"no complete step found" / "only 1 step found" / "only 2 steps found": how a refusal for too few begins."""
    return "no complete step found" if n_steps == 0 else f"only {n_steps} step{'' if n_steps == 1 else 's'} found"


PASS_ADVICE = "stand further back so the pass shows 6 or more steps, or follow the runner with the camera"
BOTTOM_EDGE_ADVICE = "leave space below the feet (step back, or tilt the phone down)"


def _bottom_edge_phrase(stances: int) -> str:
    if stances == 1:
        return "a foot was at the bottom edge of the picture in 1 stance"
    return f"the feet were at the bottom edge of the picture in {stances} stances"


def _seen_s(raw: PoseTrack) -> str:
    """How long both hips were in view, e.g. "1.0 s"."""
    hips = raw.keypoints_px[:, [lm.LEFT_HIP, lm.RIGHT_HIP], 0]
    return f"{np.isfinite(hips).all(axis=1).sum() / float(raw.fps):.1f} s"


def few_leg_steps_warning(leg_steps: dict[str, int], activity: str = "running", crossing: bool = False) -> str | None:
    """The warning for legs whose medians rest on fewer than CI95_MIN_STEPS steps (a 4 s treadmill clip: 5 a leg), or
    None. ``leg_steps``: the steps each leg's medians are taken over (formcheck.metrics.counted_steps).

    Below that, a leg's medians have no 95 % interval (formcheck.findings: the steps' range, which covers less), and
    their confidence is at most medium: the README's filming guide asks for 10 s, 6 or more steps a leg."""
    from .findings import CI95_MIN_STEPS

    short = sorted((n, side) for side, n in leg_steps.items() if n < CI95_MIN_STEPS)
    if not short:
        return None
    legs = " and ".join(f"{n}{' steps' if i == 0 else ''} of the {side} leg" for i, (n, side) in enumerate(short))
    advice = PASS_ADVICE if crossing else f"film 10 s or more of steady {activity}"
    return (f"only {legs} measured (< {CI95_MIN_STEPS} a leg): {'their' if len(short) > 1 else 'its'} figures are rough "
            f"and their intervals cover less than 95 %; {advice}")


def few_steps_warning(n_steps: int, raw: PoseTrack, crossing: bool, activity: str = "running") -> str:
    """The warning for a clip analysed with fewer than MIN_STEPS steps: what it means and what to film instead."""
    from .findings import MIN_STEPS_PER_SIDE

    meaning = f"each step is measured, but the figures are rough and a leg seen in fewer than {MIN_STEPS_PER_SIDE} steps gets no findings"
    if crossing:
        return f"only {n_steps} steps seen while the runner crossed the frame ({_seen_s(raw)} in view): {meaning}; {PASS_ADVICE}"
    return f"only {n_steps} steps (< {MIN_STEPS}): {meaning}; film 10 s or more of steady {activity}"


WALKING_MESSAGE = "this looks like walking, not running; formcheck analyses running"


def walking_evidence(gait: dict[str, Any]) -> str:
    """What was seen that says walking, for the message: cadence, double support, the pelvis' vault."""
    seen = []
    if gait.get("cadence_spm"):
        seen.append(f"{gait['cadence_spm']:.0f} steps/min")
    if gait.get("double_support") is not None and gait["double_support"] >= GAIT_DOUBLE_SUPPORT_WALK:
        seen.append(f"both feet on the ground together {gait['double_support']:.0%} of the time, no flight phase")
    r = gait.get("pelvis_spread_corr")
    if r is not None and r <= GAIT_CORR_WALK:
        seen.append("the pelvis highest mid-stance")
    return f" ({', '.join(seen)})" if seen else ""


# ---------------------------------------------------------------------------------------------- all checks
def missing_frames(track: PoseTrack, in_images: bool = False) -> int:
    """How many frames the clip lacks between the ones it has: the frame intervals over
    :data:`formcheck.events.EventParams.missing_frame_ratio` x the typical one, each counted as the frames that
    would fill it (a variable-frame-rate recording keeps its frames at their real times; repeated frames, already
    dropped and re-timed, leave no gap).

    ``in_images``: the file shows each image on more than one frame (``track`` still has its repeats, listed in its
    ``info["repeated_frames"]``): gaps are counted in images, the typical one the time between new images. A phone's
    60 fps file of 30 fps images that lost 38 % of its frames lost 11 % of its images: counted in frames, it was told
    46 % (a newcomer's test)."""
    times = np.asarray(track.timestamps_s, dtype=float)
    if in_images:
        return _images_missing(track, times)
    long_gap, typical = frame_gaps(times, EventParams().missing_frame_ratio)
    if not long_gap.any():
        return 0
    return int(np.sum(np.round(np.diff(times)[long_gap] / typical) - 1))


MIN_IMAGE_INTERVALS = 10  # new images (less one a stretch) the image interval is read from, at least


def _images_missing(track: PoseTrack, times: np.ndarray) -> int:
    """Images a file of repeated frames lacks: none where it lacks no frame (a frame-rate conversion's repeats lose
    nothing). Which frame first shows an image wobbles by a frame where one of its frames was dropped, so single gaps
    say little; over a run of new images, their span in image intervals against their count does. The image
    interval is read where the file lacks no frame (no image can be lost there): those stretches' spans over their
    new images, which holds for images on a whole number of frames (30 fps in 60) or not (30 in 50, 24 in 60, 24 in
    30; the commonest gap, 2, 2 and 1 frames, hid or invented a fifth to a quarter of the images: a reviewer's test).
    Where frames are missing too often for MIN_IMAGE_INTERVALS of those, the commonest gap in whole frames stands
    for it (a newcomer's 60 fps file of 30 fps images missing 38 % of its frames). A picture held still (a frozen
    phone, an intro) shows as new images far apart with many repeats between them: no image is lost there, so it ends
    a run and is left out of the interval (a 1 s freeze lengthened it 12 % and hid every lost image: a reviewer's case)."""
    long_gap, frame_s = frame_gaps(times, EventParams().missing_frame_ratio)
    if not long_gap.any():
        return 0
    repeated = np.isin(track.frame_indices, np.asarray(track.info.get("repeated_frames", []), dtype=int))
    new = np.flatnonzero(~repeated)
    held = np.diff(np.cumsum(repeated)[new])  # repeats between one new image and the next
    still_picture = held > 2 * float(np.median(held)) + 1 if held.size else np.zeros(0, bool)  # a picture held still
    stretch = np.concatenate([[0], np.cumsum(long_gap)])  # which stretch of frames with no gap each frame is in
    starts = np.concatenate([[True], np.diff(stretch) > 0])  # after a gap, a frame may show an image late
    # image intervals inside a stretch, between images first shown with the frame before them present, not held still
    counted = (stretch[new][1:] == stretch[new][:-1]) & ~starts[new][1:] & ~starts[new][:-1] & ~still_picture
    gaps = np.diff(times[new])[counted]
    span, count = float(gaps.sum()), int(gaps.size)
    if count >= MIN_IMAGE_INTERVALS:
        typical = span / count
    else:  # frames missing too often for that: the commonest gap between new images, in whole frames
        in_frames = np.round(np.diff(times[new]) / frame_s).astype(int)
        if not (in_frames > 0).any():
            return 0
        values, counts = np.unique(in_frames[in_frames > 0], return_counts=True)
        typical = float(values[np.argmax(counts)]) * frame_s
    breaks = np.flatnonzero(still_picture)
    lost = 0
    for run in np.split(times[new], breaks + 1):
        if run.size >= 2:
            lost += max(0, int(round((run[-1] - run[0]) / typical)) - (run.size - 1))
    return lost


def _detection_warning(raw: PoseTrack) -> str:
    """The warning for a runner found in under DETECTION_WARN of the frames: when they were found in nearly every frame
    from their first sighting to their last, the clip only starts before they come into view (or runs on after they
    leave), and says so; "film in better light" was the advice for 2.8 s of an empty track before a runner (a
    newcomer's test)."""
    seen = raw.detected
    first, last = np.flatnonzero(seen)[[0, -1]]
    within = float(seen[first : last + 1].mean())
    if within >= DETECTION_IN_VIEW and (first > 0 or last < len(seen) - 1):
        # seconds of the file as it plays (as --start/--end and the side-on note give them)
        t = np.asarray(raw.frame_indices, dtype=float) / playback_fps(raw)
        return (f"the runner is in view only from {t[first]:.1f} s to {t[last]:.1f} s of the clip ({raw.detection_rate:.0%} "
                f"of its frames): only that part is analysed" + ("; start filming as they come into view" if first > 0 else ""))
    return f"person detected in only {raw.detection_rate:.0%} of frames: keep the whole body in view and film in better light"


def quality_checks(
    raw: PoseTrack,
    clean: Any,
    n_steps: int,
    facing_conf: float,
    *,
    gait: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    direction: dict[str, Any] | None = None,
    allow_walking: bool = False,
    planted: bool = False,
    leg_steps: dict[str, int] | None = None,
    feet_at_bottom: int = 0,
    missing: int = 0,
) -> tuple[dict[str, Any], list[str], str | None]:
    """(quality dict, warnings, refusal message or None) for a raw track and its CleanResult.

    ``leg_steps``: the steps each leg's medians are taken over; a leg with fewer than CI95_MIN_STEPS (in a clip of
    enough steps in all) gets a warning: its medians' intervals cannot reach 95 % (formcheck.findings).

    Walking is refused unless ``allow_walking`` (then it is a warning, and the caller gives no running findings).
    ``planted``: the steps were timed by the planted feet of a runner crossing the frame
    (:func:`formcheck.events.short_pass_events`), each stance seen standing still on the ground with
    the sides alternating, and both legs are among them, so a single stride (MIN_PASS_STEPS_REFUSE steps) is measured; the periodic
    rules need MIN_STEPS_REFUSE, as two steps cannot confirm the rhythm they are found by.
    ``feet_at_bottom``: stances not timed because the foot reached the image's bottom edge
    (:attr:`formcheck.events.GaitEvents.stances_at_bottom_edge`): the refusal for too few steps says so, and a clip
    analysed without them gets a warning; a phone aimed too high or held too close cuts the feet off there.
    ``missing``: frames missing between those the file has (:func:`missing_frames` of the track as decoded, before
    repeated frames are dropped, whose own gaps are no loss).
    """
    from .clean import leg_trust

    gait = gait if gait is not None else gait_kind(clean.track)
    view = view if view is not None else view_check(raw)
    direction = direction if direction is not None else direction_changes(clean.track)
    need_steps = MIN_PASS_STEPS_REFUSE if planted else MIN_STEPS_REFUSE
    crossing = planted or bool(direction.get("passes"))
    warnings: list[str] = []
    refusals: list[str] = []
    k = clean.track.keypoints_px
    det = raw.detection_rate
    _, h = raw.image_size
    leg = np.nanmedian(np.linalg.norm(k[:, lm.LEFT_HIP] - k[:, lm.LEFT_ANKLE], axis=-1)) if np.isfinite(k).any() else np.nan
    leg_frac = float(leg / h) if np.isfinite(leg) and h else 0.0
    trust = leg_trust(raw)

    if det < DETECTION_REFUSE:
        refusals.append(f"a person was found in only {det:.0%} of frames: film the whole body in good light")
    elif det < DETECTION_WARN:
        warnings.append(_detection_warning(raw))
    legs_out = legs_out_of_picture_fraction(raw)
    if legs_out > LEGS_OUT_REFUSE:
        refusals.append(f"a person was found, but not their legs: hips, knees and ankles are out of the picture in "
                        f"{legs_out:.0%} of the frames with a person: film the whole body, feet included, from the side")
    elif view["verdict"] == "turned":
        upside_down = view["trunk_from_up_deg"] > 135  # a runner at 175 deg had been told the clip was filmed sideways
        refusals.append(
            f"the runner is not upright in the picture (the body lies {view['trunk_from_up_deg']:.0f}° from vertical): the "
            f"video's rotation was lost or it was filmed {'upside down' if upside_down else 'sideways'}; turn it upright (a "
            "phone's photo editor can) and analyse it again")
    elif view["verdict"] == "frontal":
        refusals.append(
            f"this is not a side view (the camera sees the runner from the front or at an angle in {view['frontal_fraction']:.0%} "
            "of frames): film from the side, at right angles to the running direction")
    elif view["verdict"] == "borderline":
        warnings.append(
            f"not a clean side view (shoulders/hips {view['width_ratio']:.2f} x trunk length wide, seen at an angle in "
            f"{view['frontal_fraction']:.0%} of frames): film side-on, at right angles to the running direction")
    if leg_frac and leg_frac < LEG_FRAC_REFUSE:
        refusals.append(f"the runner is too small in the frame (leg {leg_frac:.0%} of image height): film closer or zoom in")
    elif leg_frac < LEG_FRAC_WARN:
        warnings.append(f"runner small in the frame (leg {leg_frac:.0%} of image height): film closer so the runner fills most of the frame height")
    walking = bool(gait.get("walking"))
    if walking:
        if allow_walking and n_steps < need_steps:
            refusals.append(WALKING_MESSAGE + walking_evidence(gait) + "; "
                            + too_few_steps_message(n_steps, raw, crossing, need_steps, missing))
        elif allow_walking:
            warnings.append(WALKING_MESSAGE + walking_evidence(gait) + ": analysed as walking (allowed), running findings are not given")
        else:
            refusals.append(WALKING_MESSAGE + walking_evidence(gait) + ": film 10 s or more of running at your usual pace, side-on; "
                            "to analyse walking anyway, allow it (--allow-walking)")
    elif gait.get("kind") == "unclear" and gait.get("pelvis_spread_corr") is not None:
        warnings.append("running or walking unclear (no clear flight phase): figures assume running")
    if n_steps < need_steps and n_steps + feet_at_bottom >= need_steps:  # the stances at the edge would have been enough
        refusals.append(f"{_steps_found(n_steps)} (at least {need_steps} are needed): "
                        f"{_bottom_edge_phrase(feet_at_bottom)}, where a landing cannot be seen; {BOTTOM_EDGE_ADVICE}")
    elif n_steps < need_steps:
        refusals.append(too_few_steps_message(n_steps, raw, crossing, need_steps, missing)
                        + (f"; also, {_bottom_edge_phrase(feet_at_bottom)}: {BOTTOM_EDGE_ADVICE}" if feet_at_bottom else ""))
    elif n_steps < MIN_STEPS:
        warnings.append(few_steps_warning(n_steps, raw, crossing, "walking" if walking and allow_walking else "running"))
    elif leg_steps and (few := few_leg_steps_warning(leg_steps, "walking" if walking and allow_walking else "running", crossing)):
        warnings.append(few)
    if feet_at_bottom and n_steps >= need_steps:
        warnings.append(f"{_bottom_edge_phrase(feet_at_bottom)}, not measured: {BOTTOM_EDGE_ADVICE}")
    if min(trust.values()) < VISIBILITY_WARN:
        warnings.append(f"low landmark visibility (left {trust['left']:.2f}, right {trust['right']:.2f}): film in better light, "
                        "with nothing hiding the legs")
    if direction["changes"]:
        warnings.append(f"the runner changes direction ({' then '.join('moving ' + p for p in direction['passes'])}): figures mix "
                        "both directions; trim the clip to one pass (--start/--end)")
    if facing_conf < FACING_CONF_WARN:
        warnings.append("running direction unclear: set it with --facing left|right")
    if clean.relabelled.mean() > SWAPPED_WARN:
        warnings.append(f"leg labels swapped in {clean.relabelled.mean():.0%} of frames; far-leg figures are doubtful")
    if missing >= max(MISSING_FRAMES_WARN * raw.n_frames, 2):
        warnings.append(f"about {missing} frames are missing from the clip ({missing / (raw.n_frames + missing):.0%}: the phone "
                        "dropped them, as it does at a variable frame rate in dim light or under load); steps with a contact "
                        "or toe-off next to a gap are left out of the medians: film in good light, with the frame rate fixed")
    quality = {
        "detection_rate": round(det, 3),
        "legs_out_of_picture": round(legs_out, 3),
        "leg_height_fraction": round(leg_frac, 3),
        "side_view_ratio": view["side_view_ratio"],
        "view": view,
        "gait": gait,
        "direction": direction,
        "leg_visibility": {s: round(v, 3) for s, v in trust.items()},
        "swapped_frames": int(clean.relabelled.sum()),
        "filled_points": int(clean.filled.sum()),
        "smoothing_cutoff_hz": clean.cutoff_hz,
        "n_steps": n_steps,
        "stances_at_bottom_edge": feet_at_bottom,
        "missing_frames": missing,
        "camera_motion_checked": False,
        "camera_motion": None,
        "warnings": warnings,
    }
    return quality, warnings, (refusals[0] if refusals else None)


# ---------------------------------------------------------------------------------------------- camera motion
def camera_motion(video_path: str | os.PathLike[str], track: PoseTrack, *, max_width: int = 640,
                  start_s: float | None = None, end_s: float | None = None) -> dict[str, Any]:
    """Background (camera) motion on every frame: :func:`formcheck.camera.measure_camera_motion`, summarised.

    Corners outside the person's box (from ``track``) are followed with pyramidal Lucas-Kanade flow on
    downscaled grey frames (long side <= ``max_width`` px) and a RANSAC similarity is fitted per frame.
    Returns medians over frame pairs: shift in full-resolution px/s and in % of the person's height per
    second (height = leg length / 0.491, Winter 2009), rotation in deg/s, the largest excursion from the
    first frame (px), scene cuts, and ``warning`` (None when steady). ``checked`` is False when no frame
    pair had enough background texture. Pass the same ``start_s``/``end_s`` as for the pose track.
    """
    from .camera import measure_camera_motion, motion_summary

    return motion_summary(measure_camera_motion(video_path, track, start_s=start_s, end_s=end_s, max_side=max_width), track)


def add_camera_motion(quality: dict[str, Any], motion: dict[str, Any]) -> None:
    """Merge a :func:`camera_motion` result into an analysis' ``quality`` dict (in place; adds its warning)."""
    quality["camera_motion_checked"] = bool(motion.get("checked"))
    quality["camera_motion"] = motion
    w = motion.get("warning")
    if w and w not in quality.setdefault("warnings", []):
        quality["warnings"].append(w)


# ------------------------------------------------------------------------------------- timing evidence
JITTER_WARN_PCT_LEG = 2.5  # near foot's landmarks scatter (unsmoothed - smoothed, RMS) above this: warn
# (measured: treadmill_side_01 1.6, with 25 px motion blur 1.9, crf 40 2.1; rendered runners 0.9-1.2)
UNCERTAIN_WARN_FRACTION = 0.25  # more of the steps with disagreeing timing evidence than this: warn
GROUND_LEVEL_CAMERA_PCT_LEG = 1.5  # near and far feet stand at the same image height within this: camera at the ground
# (a camera at hip height 3-5 m away sees the far foot's ground line 3-8 % of leg length higher; at belt height 0.4 %)
FOOT_BLUR_WARN_PCT_FOOT = 15.0  # the shoes' streak along the run (formcheck.foot_blur) above this % of their length: warn
# (measured 2026-12-03: sharp clips -0.4..4.3 % whatever their resolution, size or compression, a 1/60 s shutter render
# 1.7-2.2; treadmill_side_01 blurred along the run by 8 / 12 / 18 px 7.9 / 10.6 / 14.1 %, its events unharmed, 33/34 contacts
# and 33/34 toe-offs within a frame; by 25 px 18 %, toe-offs 28/34; by 35 px 22-24 %, contacts 30/34, toe-offs 32/34)
OVERLAY_WARN_FRACTION = 0.25  # the feet's path crossed by still vertical strokes (formcheck.foot_overlay) beyond this share: warn
# (measured 2026-12-06: treadmill_side_01 and its copies 0.00-0.06, under a watermark 0.41-0.44; 217 renders and phone
# copies without an overlay 0-0.12; watermarked copies 43 of 44 above)
LANDED_WARN_FRACTION = 0.25  # fewer of the contacts timed by a seen landing than this: warn (formcheck.events' Zeni fallback)
# (measured 2026-12-03 on the harness: every clip 0.5-1.0 but the far-foot-hidden render, 0 of 10)


def uncertain_steps_warning(steps: list[Any]) -> str | None:
    """The warning for a clip with more than UNCERTAIN_WARN_FRACTION of its steps timing-uncertain, or None.

    It says whether those steps are left out of the medians: a leg leaves them out only while
    formcheck.metrics.MIN_CERTAIN_STEPS certain steps remain (metrics.counted_steps), else its medians rest on them.
    """
    from .geometry import SIDES
    from .metrics import counted_steps

    uncertain = [s for s in steps if getattr(s, "timing_uncertain", False)]
    if not steps or len(uncertain) / len(steps) <= UNCERTAIN_WARN_FRACTION:
        return None
    counted = {id(s) for side in SIDES for s in counted_steps([t for t in steps if t.side == side])}
    left_out = sum(id(s) not in counted for s in uncertain)
    if left_out == len(uncertain):
        how = "they are left out of the medians"
    elif left_out == 0:
        how = "too few other steps remain to leave them out, so the medians rest on them: read them as rough"
    else:
        how = (f"{left_out} left out of the medians; the rest are counted where too few other steps remain on their leg, "
               "so read that leg's medians as rough")
    return (f"contact or toe-off timing is uncertain on {len(uncertain)} of {len(steps)} steps ({how}): film at 60 fps or "
            "more with the whole foot in view and sharp")


def timing_evidence(clean: Any, steps: list[Any], near: str, contact_methods: Sequence[str] = (),
                    foot_streak_pct: float | None = None, overlay_frac: float | None = None,
                    overlay_painted_out: bool = False) -> tuple[dict[str, Any], list[str]]:
    """How well the clip shows when each foot lands and lifts: figures for quality, and warnings with the fix.

    * landmark jitter of the near foot (heel, toe, ankle), % of leg length;
    * steps whose contact or toe-off disagrees with the rest of the evidence (``timing_uncertain``);
    * the share of contacts (``contact_methods``: every stance's ``StepEvents.contact_method``) timed by a
      landing seen in the heel or toe (or, on a pass, the foot seen arriving on its spot): the rest fall back on
      the instant the foot is furthest forward, which comes 1-2 frames before the foot is down (a short pass's
      planted feet are timed otherwise, and the contacts of the strides the clip cuts are placed on the leg's
      other strides: neither is counted);
    * the shoes' motion blur along the run (``foot_streak_pct``: the near foot's streak in % of its length,
      :mod:`formcheck.foot_blur`, measured where the camera check runs; None when the pixels were not looked at);
    * a camera at ground level (near and far feet's ground lines at the same image height), which sees
      the sole edge-on: the moment it meets the ground is hard to see, for a person and for the model. An
      overlay over the feet (an app's watermark, measured on the harness's watermark copy) gives the same
      sign: MediaPipe puts the shoe under the letters where the far foot lands, and times its toe-offs early.
    * something drawn over the feet, seen in the pixels (``overlay_frac``: the share of the feet's path that still
      vertical strokes cross, :mod:`formcheck.foot_overlay`; None when the pixels were not looked at or showed too
      little). Found, it is said instead of the ground line's sign, which it explains, and whether the pose was found
      with it painted out of the frames (``overlay_painted_out``, :func:`formcheck.pose.pose_with_overlay_painted_out`).
    """
    from .geometry import other_side

    k, kl = clean.track.keypoints_px, (clean.light or clean.track).keypoints_px
    scale = body_scale_px(k)
    foot = [lm.LEG[near][j] for j in ("heel", "foot_index", "ankle")]  # type: ignore[index]
    resid = np.linalg.norm(kl[:, foot] - k[:, foot], axis=-1)
    jitter = float(100 * np.nanmedian(np.sqrt(np.nanmedian(resid**2, axis=0))) / scale) if np.isfinite(resid).any() else None
    levels = {}
    for side in (near, other_side(near)):
        ys = k[:, [lm.LEG[side]["heel"], lm.LEG[side]["foot_index"]], 1].ravel()  # type: ignore[index]
        levels[side] = float(np.nanpercentile(ys, 95)) if np.isfinite(ys).any() else np.nan
    ground_gap = 100 * (levels[near] - levels[other_side(near)]) / scale
    uncertain = sum(bool(getattr(s, "timing_uncertain", False)) for s in steps)
    periodic = [m for m in contact_methods if m not in ("planted", PLACED, AT_EDGE)]
    seen_down = ("landing", BELT_MOTION, STILL_FOOT)  # seen coming down
    landed = sum(m in seen_down for m in periodic) / len(periodic) if periodic else None
    figures = {"foot_jitter_pct_leg": None if jitter is None else round(jitter, 2),
               "uncertain_steps": uncertain,
               "ground_line_gap_pct_leg": round(float(ground_gap), 2) if np.isfinite(ground_gap) else None,
               "landing_timed_contacts": None if landed is None else round(landed, 2),
               "foot_blur_pct_foot": None if foot_streak_pct is None else round(float(foot_streak_pct), 1),
               "overlay_path_frac": None if overlay_frac is None else round(float(overlay_frac), 3),
               "overlay_painted_out": bool(overlay_painted_out)}
    warnings = []
    if jitter is not None and jitter > JITTER_WARN_PCT_LEG:
        warnings.append(f"the feet's landmarks jitter ({jitter:.1f} % of leg length from frame to frame): contacts may be a frame "
                        "or two off; film at 60 fps or more, in good light, with the shoes sharp against the ground")
    if foot_streak_pct is not None and foot_streak_pct > FOOT_BLUR_WARN_PCT_FOOT:
        warnings.append(f"the shoes are motion-blurred (a streak of {foot_streak_pct:.0f} % of their length along the run by "
                        "formcheck's measure of their edges, where sharp clips read under 5 %): contacts and toe-offs may be a "
                        "frame or two off; film in brighter light, or with a faster shutter (a phone's 120 or 240 fps mode "
                        "gives one)")
    uncertain_warning = uncertain_steps_warning(steps)
    if uncertain_warning is not None:
        warnings.append(uncertain_warning)
    if landed is not None and landed < LANDED_WARN_FRACTION:
        warnings.append(f"the feet are not seen landing on most steps ({round(100 * landed)} % of contacts timed by a landing): "
                        "the others are taken from when the foot is furthest forward, usually a frame or two before it is "
                        "down, so overstride may read high; film at 60 fps or more with the feet large and sharp in the frame")
    if overlay_frac is not None and overlay_frac > OVERLAY_WARN_FRACTION:
        effect = ("formcheck painted it out before finding the pose, but the feet under it are still placed less well: "
                  "contacts and toe-offs may be a frame off and the knee's bend at mid-stance read several degrees high"
                  if overlay_painted_out else "MediaPipe puts the feet on it: contacts and toe-offs may be a frame or more "
                  "off and the knee's bend at mid-stance read 10 degrees or more high")
        warnings.append(f"something is drawn over the feet (a watermark or a caption, across {round(100 * overlay_frac)} % "
                        f"of their path): {effect}; analyse the clip as filmed, before an app adds its handle")
    elif np.isfinite(ground_gap) and ground_gap < GROUND_LEVEL_CAMERA_PCT_LEG:
        warnings.append("both feet seem to land on the same image line: the camera is at ground level (the sole seen "
                        "edge-on) or something over the feet (a watermark, a caption) hides where they meet the ground, so "
                        "contacts and toe-offs may be a frame or more off; film from hip height, and export without "
                        "overlays")
    return figures, warnings
