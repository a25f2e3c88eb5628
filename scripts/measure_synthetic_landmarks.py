#!/usr/bin/env python
"""How far MediaPipe's landmarks land from the true joint centres on a rendered synthetic clip.

Usage:
    python scripts/measure_synthetic_landmarks.py CLIP.mp4 [--truth CLIP.truth.json] [--track-cache X.npz]
    python scripts/measure_synthetic_landmarks.py --render OUT.mp4 [--seconds 4] [--size 960x540] ...

Prints, per joint (hip, knee, ankle, heel, foot index) and per leg (near/far), the median over
frames of |MediaPipe - truth| in % of leg length (the side's true leg length in pixels), the
90th percentile, the median signed offsets along x/y, and how often MediaPipe swapped the legs.

By default the landmarks are those formcheck analyses: MediaPipe's single-pose VIDEO-mode
landmarker, which filters its landmarks over time (a one-euro filter inside MediaPipe; it lags
moving joints by about a frame at 60 fps). ``--unfiltered`` runs the two-pose landmarker instead,
which MediaPipe does not filter: the model's own per-frame placement.

Then the near foot's overstride error split in two (:func:`overstride_error_budget`): formcheck's
overstride read at the TRUE contact instants (what the landmarks alone cost: heel and COM placement,
leg length) and at the DETECTED instants (what formcheck reports: placement plus contact timing).
On a treadmill one frame of contact-timing error moves the heel by the belt's travel in a frame
(3 m/s at 60 fps: 5.8 % of leg length).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from formcheck import landmarks as lm  # noqa: E402
from formcheck.pose_track import PoseTrack  # noqa: E402

JOINTS = ("hip", "knee", "ankle", "heel", "foot_index")
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


def overstride_error_budget(analysis, truth: dict, margin_frames: int = 10) -> list[dict]:
    """Per true near-foot step: overstride error (% leg) at the true contact instant and at the detected one.

    ``analysis`` is formcheck's Analysis of the clip. The true-instant value is formcheck.metrics' own
    overstride on the same cleaned track, fed the rendered contact/toe-off instants instead of detected
    ones, so the two rows differ only by event timing. Steps within ``margin_frames`` of the clip ends are
    left out (as in tests/test_samples_end_to_end.py).
    """
    from formcheck.clean import clean_track
    from formcheck.events import GaitEvents, StepEvents
    from formcheck.metrics import step_metrics

    light = clean_track(analysis.raw_track).light  # the unsmoothed cleaned track metrics reads the heel from
    ct = analysis.track
    near = truth["summary"]["near_side"]
    fps = float(truth["summary"]["fps"])
    n = truth["summary"]["n_frames"]
    true_steps = sorted((st for st in truth["steps"] if st["side"] == near and margin_frames <= st["contact_frame"] <= n - 1 - margin_frames),
                        key=lambda st: st["contact_t_s"])
    true_events = GaitEvents(
        steps=[StepEvents(side=near, contact_index=int(st["contact_frame"]), contact_time_s=float(st["contact_t_s"]),
                          toe_off_index=int(st["toe_off_frame"]), toe_off_time_s=float(st["toe_off_t_s"]), toe_off_method="truth",
                          contact_method="truth") for st in true_steps],
        stride_period_frames=analysis.events.stride_period_frames, facing=analysis.facing)
    at_truth = step_metrics(ct, true_events, analysis.com_px, analysis.hip_mid_px, analysis.facing, analysis.near_side, None,
                            raw_visibility=ct.visibility, light=light)
    detected = [(ev, m) for ev, m in zip(analysis.events.steps, analysis.steps) if ev.side == near]
    rows = []
    for st, m_true in zip(true_steps, at_truth):
        ev, m_det = min(detected, key=lambda pair: abs(pair[0].contact_time_s - st["contact_t_s"]))
        rows.append({
            "true_contact_frame": st["contact_frame"],
            "timing_error_frames": (ev.contact_time_s - st["contact_t_s"]) * fps,
            "contact_method": ev.contact_method,
            "at_true_instant_pct_leg": m_true.overstride_pct_leg - st["overstride_pct_leg_exact"],
            "at_detected_instant_pct_leg": m_det.overstride_pct_leg - st["overstride_pct_leg_exact"],
        })
    return rows


def summarise_budget(rows: list[dict]) -> str:
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
    lines = [f"frames {result['n_frames']}, detected {100 * result['detection_rate']:.1f}%, legs swapped by MediaPipe in {100 * result['swap_rate']:.1f}% of frames (corrected below)",
             f"{'joint':<11}{'leg':<6}{'median %L':>10}{'p90 %L':>9}{'fwd %L':>9}{'down %L':>9}"]
    for role in ("near", "far"):
        for j in JOINTS + UPPER:
            r = result["errors"][(role, j)]
            lines.append(f"{j:<11}{role:<6}{np.nanmedian(r['err']):>10.2f}{np.nanpercentile(r['err'], 90):>9.2f}"
                         f"{np.nanmedian(r['dx']) * fwd:>9.2f}{np.nanmedian(r['dy']):>9.2f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", type=Path)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--track-cache", type=Path, help="reuse/save the MediaPipe pose track (.npz)")
    ap.add_argument("--render", action="store_true", help="render the clip first (default sample-like runner)")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--size", default="960x540")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--facing", default="left")
    ap.add_argument("--overstride", type=float, default=15.0)
    ap.add_argument("--hip-extension", type=float, default=12.0)
    ap.add_argument("--overground", action="store_true")
    ap.add_argument("--json", type=Path, help="write the summary numbers as JSON")
    ap.add_argument("--unfiltered", action="store_true",
                    help="MediaPipe's per-frame landmarks, without its temporal filter (two-pose landmarker)")
    args = ap.parse_args()

    if args.render:
        from formcheck.synth.gait import GaitParams, simulate_gait
        from formcheck.synth.render import render_video

        w, h = (int(v) for v in args.size.lower().split("x"))
        gait = simulate_gait(GaitParams(image_size=(w, h), fps=args.fps, duration_s=args.seconds, facing=args.facing,
                                        overstride_pct_leg=args.overstride, hip_extension_deg=args.hip_extension,
                                        treadmill=not args.overground))
        render_video(gait, args.clip)
    truth_path = args.truth or args.clip.with_name(args.clip.stem + ".truth.json")
    truth = json.loads(truth_path.read_text())
    if args.track_cache and args.track_cache.exists() and not args.render:
        track = PoseTrack.load(args.track_cache)
    else:
        from formcheck.pose import extract_pose_track

        # two-pose landmarker for the whole clip (no single-pose switch after the scan): MediaPipe
        # applies its landmark smoothing only to a single pose
        track = extract_pose_track(args.clip, max_people=2, scan_s=float("inf")) if args.unfiltered else extract_pose_track(args.clip, max_people=1)
        if args.track_cache:
            track.save(args.track_cache)
    fwd = -1.0 if truth["summary"]["facing"] == "left" else 1.0
    result = landmark_errors(track, truth)
    print(f"{args.clip}: MediaPipe vs true joint centres, % of leg length (fwd = offset in the running direction, down = image y)")
    print(summarise(result, fwd))
    from formcheck.analysis import analyze_track

    budget = overstride_error_budget(analyze_track(track), truth)
    print(summarise_budget(budget))
    if args.json:
        numbers = {f"{role}_{j}": {"median_pct_leg": float(np.nanmedian(r["err"])), "p90_pct_leg": float(np.nanpercentile(r["err"], 90)),
                                   "median_fwd_pct_leg": float(np.nanmedian(r["dx"]) * fwd), "median_down_pct_leg": float(np.nanmedian(r["dy"]))}
                   for (role, j), r in result["errors"].items()}
        numbers["swap_rate"] = result["swap_rate"]
        numbers["detection_rate"] = result["detection_rate"]
        numbers["overstride_error_budget"] = budget
        args.json.write_text(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
