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

Then the near foot's overstride error split in two (``overstride_error_budget``): formcheck's
overstride read at the TRUE contact instants (what the landmarks alone cost: heel and COM placement,
leg length) and at the DETECTED instants (what formcheck reports: placement plus contact timing).
On a treadmill one frame of contact-timing error moves the heel by the belt's travel in a frame
(3 m/s at 60 fps: 5.8 % of leg length).

The measurements live in ``formcheck.evaluation.landmarks`` (the tests use them too); this is
its command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from formcheck.evaluation.landmarks import landmark_errors, overstride_error_budget, summarise, summarise_budget  # noqa: E402
from formcheck.pose_track import PoseTrack  # noqa: E402

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
