#!/usr/bin/env python
"""Where MediaPipe puts the heel at contact, on the randomised rendered runners of eval_heldout.py.

Prints, per rendered variant already in the cache (``benchmarks/eval_heldout.py`` makes them), how far the heel
landmark lies ahead of the rendered heel bone's back at the true contacts, in heel-to-toe landmark distances
(``formcheck.evaluation.landmarks.heel_offset_at_contacts``), near and far leg, and the median over variants: the
evidence behind ``formcheck.metrics.MEDIAPIPE_HEEL_AHEAD_FOOT`` (docs/thresholds.md, "Heel landmark").

    .venv/bin/python benchmarks/heel_offset.py [--first 0] [--count 87] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from formcheck.camera import prepare_track
from formcheck.evaluation.landmarks import heel_offset_at_contacts
from formcheck.evaluation.track_cache import cached_pose_track, default_cache_dir
from formcheck.synth.render import truth_path_for


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=87)
    ap.add_argument("--dir", type=str, default=str(default_cache_dir() / "heldout"))
    args = ap.parse_args(argv)
    per_leg: dict[str, list[float]] = {"near": [], "far": []}
    for k in range(args.first, args.first + args.count):
        video = f"{args.dir}/heldout_{k:02d}.mp4"
        try:
            truth = json.loads(truth_path_for(video).read_text())
            track = prepare_track(cached_pose_track(video), video).track
        except Exception as exc:  # noqa: BLE001 - a variant not rendered (or not analysable) is listed, not fatal
            print(f"heldout_{k:02d}: skipped ({type(exc).__name__})")
            continue
        offsets = heel_offset_at_contacts(track, truth)
        for leg, v in offsets.items():
            if np.isfinite(v):
                per_leg[leg].append(v)
        print(f"heldout_{k:02d}: {truth['summary']['fps']:.0f} fps  near {offsets['near']:+.3f}  far {offsets['far']:+.3f}", flush=True)
    for leg, values in per_leg.items():
        if values:
            q1, med, q3 = np.percentile(values, [25, 50, 75])
            print(f"{leg}: median over {len(values)} variants {med:+.3f} (IQR {q1:+.3f} to {q3:+.3f}) heel-to-toe distances ahead")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
