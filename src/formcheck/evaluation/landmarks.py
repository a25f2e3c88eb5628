"""How far MediaPipe's landmarks land from the true joint centres of a rendered synthetic runner.

Measurements against the ground truth that ``formcheck.synth`` writes beside each rendered clip
(``<clip>.truth.json``):

* :func:`landmark_errors`: per leg (near/far) and joint, the distance of MediaPipe's landmark from
  the true joint centre in % of the side's true leg length, frame by frame, with the legs compared
  both ways round per frame (MediaPipe sometimes labels the near leg as the far one);
* :func:`overstride_error_budget`: the near foot's overstride error split in two, formcheck's
  overstride read around the TRUE contact instants (what the landmarks alone cost: heel and COM
  placement, leg length) and around the DETECTED instants (what formcheck reports: placement, and
  contact timing where it moves the window the foot's reach is looked for in).

And where a real runner's foot landed, from shoes digitised by eye (:func:`digitised_overstride_steps`): the
true overstride of each digitised contact, which the harness (``benchmarks/eval_events.py``) scores a real clip
and its degraded copies against.

``scripts/measure_synthetic_landmarks.py`` prints them for a clip; the tests assert on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import landmarks as lm
from ..geometry import forward_sign
from ..pose_track import PoseTrack

if TYPE_CHECKING:
    from ..analysis import Analysis

JOINTS = ("hip", "knee", "ankle", "heel", "foot_index")
# A running shoe's back lies about 2 cm (sole, counter, heel pad) behind the back of the heel bone, the point
# overstride is measured to: 6.5 / 5.5 px on treadmill_side_01's 290 / 268 px legs (docs/thresholds.md, "Heel landmark").
SHOE_BEHIND_HEEL_BONE_LEG = 0.022
UPPER = ("shoulder", "elbow", "wrist")


def landmark_errors(track: PoseTrack, truth: dict, *, fix_swaps: bool = True) -> dict:
    """Per side/joint error arrays (% leg length) and the leg-swap rate."""
    kp_true = np.asarray(truth["frames"]["landmarks_px"], float)
    n = min(len(kp_true), track.n_frames)
    kp_true = kp_true[:n]
    kp = track.keypoints_px[:n].copy()
    L = truth["summary"]["leg_length_px"]
    # MediaPipe sometimes labels the near leg as the far one: compare both ways per frame
    legs = [(lm.LEG["left"][j], lm.LEG["right"][j]) for j in JOINTS]
    idx_l = [a for a, _ in legs]
    idx_r = [b for _, b in legs]
    direct = np.nansum(np.linalg.norm(kp[:, idx_l] - kp_true[:, idx_l], axis=-1) + np.linalg.norm(kp[:, idx_r] - kp_true[:, idx_r], axis=-1), axis=1)
    crossed = np.nansum(np.linalg.norm(kp[:, idx_l] - kp_true[:, idx_r], axis=-1) + np.linalg.norm(kp[:, idx_r] - kp_true[:, idx_l], axis=-1), axis=1)
    detected = ~np.isnan(kp[:, lm.LEFT_HIP, 0])
    swapped = detected & (crossed < direct)
    if fix_swaps:
        for a, b in legs:
            kp[swapped, a], kp[swapped, b] = kp[swapped, b].copy(), kp[swapped, a].copy()
    near = truth["summary"]["near_side"]
    out: dict = {"swap_rate": float(swapped[detected].mean()) if detected.any() else float("nan"),
                 "detection_rate": float(detected.mean()), "n_frames": int(n), "errors": {}}
    for side in ("left", "right"):
        role = "near" if side == near else "far"
        for j in JOINTS + UPPER:
            i = lm.INDEX[f"{side}_{j}"]
            d = kp[:, i] - kp_true[:, i]
            e = np.linalg.norm(d, axis=-1) / L[side] * 100.0
            out["errors"][(role, j)] = {"err": e, "dx": d[:, 0] / L[side] * 100.0, "dy": d[:, 1] / L[side] * 100.0}
    return out


def heel_offset_at_contacts(track: PoseTrack, truth: dict, margin_frames: int = 5) -> dict[str, float]:
    """Per leg ("near", "far"): how far the heel landmark lies AHEAD of the true heel at the true contact frames, as a
    fraction of the leg's median heel-to-toe landmark distance (median over contacts; NaN without any).

    What :data:`formcheck.metrics.MEDIAPIPE_HEEL_AHEAD_FOOT` corrects. Contacts within ``margin_frames`` of the
    clip's ends, and readings over one foot length (a leg swap), are left out.
    """
    kp = track.keypoints_px
    kp_true = np.asarray(truth["frames"]["landmarks_px"], float)
    s = truth["summary"]
    fwd = forward_sign(s["facing"])
    n = min(len(kp), len(kp_true))
    out = {}
    for side in ("left", "right"):
        heel, toe = lm.INDEX[f"{side}_heel"], lm.INDEX[f"{side}_foot_index"]
        foot = float(np.nanmedian(np.linalg.norm(kp[:, heel] - kp[:, toe], axis=-1)))
        frames = [st["contact_frame"] for st in truth["steps"] if st["side"] == side and margin_frames <= st["contact_frame"] < n - margin_frames]
        ahead = np.array([(kp[f, heel, 0] - kp_true[f, heel, 0]) * fwd / foot for f in frames])
        ahead = ahead[np.isfinite(ahead) & (np.abs(ahead) < 1.0)]
        out["near" if side == s["near_side"] else "far"] = float(np.median(ahead)) if ahead.size else float("nan")
    return out


def overstride_error_budget(analysis: Analysis, truth: dict, margin_frames: int = 10) -> list[dict]:
    """Per true near-foot step: overstride error (% leg) at the true contact instant and at the detected one.

    ``analysis`` is formcheck's Analysis of the clip. The true-instant value is formcheck.metrics' own
    overstride on the same cleaned track, fed the rendered contact/toe-off instants instead of detected
    ones, so the two rows differ only by event timing. Steps within ``margin_frames`` of the clip ends are
    left out (as in tests/test_samples_end_to_end.py).
    """
    from ..clean import clean_track
    from ..events import GaitEvents, StepEvents
    from ..metrics import step_metrics

    light = clean_track(analysis.raw_track).light  # the unsmoothed cleaned track metrics reads the heel from
    ct = analysis.track
    near = truth["summary"]["near_side"]
    fps = float(truth["summary"]["fps"])
    n = truth["summary"]["n_frames"]
    true_steps = sorted((st for st in truth["steps"] if st["side"] == near and margin_frames <= st["contact_frame"] <= n - 1 - margin_frames),
                        key=lambda st: st["contact_t_s"])
    true_events = GaitEvents(
        steps=[StepEvents(side=near, contact_index=int(st["contact_frame"]), contact_at_s=float(st["contact_t_s"]),
                          toe_off_index=int(st["toe_off_frame"]), toe_off_at_s=float(st["toe_off_t_s"]), toe_off_method="truth",
                          contact_method="truth") for st in true_steps],
        stride_period_frames=analysis.events.stride_period_frames, facing=analysis.facing)
    at_truth = step_metrics(ct, true_events, analysis.com_px, analysis.hip_mid_px, analysis.facing, analysis.near_side, None,
                            raw_visibility=ct.visibility, light=light)
    detected = [(ev, m) for ev, m in zip(analysis.events.steps, analysis.steps) if ev.side == near]
    rows = []
    for st, m_true in zip(true_steps, at_truth):
        ev, m_det = min(detected, key=lambda pair: abs(pair[0].contact_at_s - st["contact_t_s"]))
        rows.append({
            "true_contact_frame": st["contact_frame"],
            "timing_error_frames": (ev.contact_at_s - st["contact_t_s"]) * fps,
            "contact_method": ev.contact_method,
            "at_true_instant_pct_leg": m_true.overstride_pct_leg - st["overstride_pct_leg_exact"],
            "at_detected_instant_pct_leg": m_det.overstride_pct_leg - st["overstride_pct_leg_exact"],
        })
    return rows


def summarise_budget(rows: list[dict]) -> str:
    """The error budget of :func:`overstride_error_budget` as the lines the script prints."""
    t = np.array([r["timing_error_frames"] for r in rows])
    a = np.array([r["at_true_instant_pct_leg"] for r in rows])
    d = np.array([r["at_detected_instant_pct_leg"] for r in rows])
    methods = "".join(r["contact_method"][0] for r in rows)
    return "\n".join([
        f"near-foot overstride error, {len(rows)} steps (median [min, max], % leg):",
        f"  at the true contact instants (landmark placement only): {np.median(a):+.2f} [{a.min():+.1f}, {a.max():+.1f}]",
        f"  at the detected instants (as reported):                 {np.median(d):+.2f} [{d.min():+.1f}, {d.max():+.1f}]",
        f"  contact timing error, frames: median {np.median(t):+.2f}, per step {' '.join(f'{v:+.1f}' for v in t)} "
        f"(timed by: {methods}; l = landing rule, z = Zeni fallback)",
    ])


def summarise(result: dict, fwd: float) -> str:
    """A :func:`landmark_errors` result as the table the script prints (``fwd`` = -1 for a runner facing left, else 1)."""
    lines = [f"frames {result['n_frames']}, detected {100 * result['detection_rate']:.1f}%, legs swapped by MediaPipe in {100 * result['swap_rate']:.1f}% of frames (corrected below)",
             f"{'joint':<11}{'leg':<6}{'median %L':>10}{'p90 %L':>9}{'fwd %L':>9}{'down %L':>9}"]
    for role in ("near", "far"):
        for j in JOINTS + UPPER:
            r = result["errors"][(role, j)]
            lines.append(f"{j:<11}{role:<6}{np.nanmedian(r['err']):>10.2f}{np.nanpercentile(r['err'], 90):>9.2f}"
                         f"{np.nanmedian(r['dx']) * fwd:>9.2f}{np.nanmedian(r['dy']):>9.2f}")
    return "\n".join(lines)


def digitised_overstride_steps(heels: dict, track: PoseTrack, facing: str) -> tuple:
    """True overstride (% leg) of each contact whose shoe was digitised, as :class:`formcheck.evaluation.events.TruthStep`.

    ``heels``: ``{side: {"frames": [...], "shoe_back_x_px": [...]}}`` (tests/fixtures/*_heels.json: the shoe's
    rearmost point at heel height on the decoded frame of each labelled contact, read by eye blind to any pose model).
    The heel bone's back lies :data:`SHOE_BEHIND_HEEL_BONE_LEG` ahead of it. The centre of mass and the leg length
    are formcheck's own, from ``track`` (the clip's pose track, as the analysis gets it, then cleaned by
    formcheck.clean): what the shoe alone settles is where the foot was, which is what overstride got wrong when
    contacts were timed a frame off. A frame the track does not hold, or whose COM is not placed, gives no step.
    """
    from ..clean import clean_track
    from ..com import segment_weighted_com
    from ..geometry import leg_length_px
    from .events import TruthStep

    cleaned = clean_track(track).track
    k = cleaned.keypoints_px
    com_x = segment_weighted_com(k)[:, 0]
    row_of = {int(f): i for i, f in enumerate(cleaned.frame_indices)}  # decoded frame -> track row
    fwd = forward_sign(facing)
    steps = []
    for side in ("left", "right"):
        digitised = heels.get(side) or {}
        leg = leg_length_px(k, side)
        for frame, shoe_back in zip(digitised.get("frames", []), digitised.get("shoe_back_x_px", [])):
            row = row_of.get(int(frame))
            if row is None or not np.isfinite(com_x[row]):
                continue
            heel_bone = float(shoe_back) + fwd * SHOE_BEHIND_HEEL_BONE_LEG * leg
            steps.append(TruthStep(side=side, contact_frame=int(frame), toe_off_frame=None,
                                   overstride_pct_leg=round(100.0 * fwd * (heel_bone - com_x[row]) / leg, 3), contact_time_s=None))
    return tuple(steps)
