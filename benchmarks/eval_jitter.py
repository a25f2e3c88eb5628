#!/usr/bin/env python
"""Event timing when MediaPipe's landmarks jitter more: the harness's still-camera clips with noise added.

Issue 14's slow-motion lab clip (480x360, about 9x) had its near foot's landmarks jumping about 20 px from
frame to frame; a blurred or small runner jitters too. This script takes every clip of
``benchmarks/eval_events.py`` filmed from a still camera (the moving-camera copies need the camera stage, which
reads the video, and are left out), adds independent Gaussian noise to every coordinate of every landmark of its
cached pose track (sigma = a percentage of the runner's leg length, formcheck.geometry.body_scale_px, the unit of
the jitter warning; seeded, so a level always draws the same noise) and scores the events as the harness does,
without the camera stage:

    .venv/bin/python benchmarks/eval_jitter.py [--levels 0,2,4,8] [--only NAME] [--seed 7]

It prints, per clip and level, contacts and toe-offs within tolerance, then the totals. Level 0 is the
harness's own figure for the clip (without the camera stage). Real frame-to-frame jitter is partly
correlated between a foot's landmarks and over frames; independent noise is the harder case for an
event detector that reads single frames, and the easier one for smoothing.

First measured 2026-12-06 (session 38), harness clips with a still camera: see docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_events import all_clips, evaluate  # noqa: E402

from formcheck.geometry import body_scale_px  # noqa: E402
from formcheck.pose_track import PoseTrack  # noqa: E402


def jittered(track: PoseTrack, sigma_pct_leg: float, seed: int) -> PoseTrack:
    """``track`` with independent Gaussian noise of ``sigma_pct_leg`` % leg length on every landmark coordinate."""
    if sigma_pct_leg <= 0:
        return track
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, sigma_pct_leg / 100.0 * body_scale_px(track.keypoints_px), track.keypoints_px.shape)
    return track.with_keypoints(track.keypoints_px + noise)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--levels", default="0,2,4,8", help="noise sigmas in %% of leg length, comma-separated")
    ap.add_argument("--only", default=None, help="only clips whose name contains this")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    levels = [float(v) for v in args.levels.split(",")]
    notes: list[str] = []
    totals = {level: [0, 0, 0, 0] for level in levels}
    print(f"{'clip':46s} " + "  ".join(f"{f'{level:g} % leg: IC, TO':>24s}" for level in levels))
    for clip in all_clips(args.only, notes):
        if clip.moving:  # the moving-camera copies and the scene cut need the camera stage, which reads the video
            continue
        cells = []
        for level in levels:
            s = evaluate(clip, camera=False, transform=lambda t, level=level: jittered(t, level, args.seed))
            ic, to = s.scores[("ic", "both")], s.scores[("to", "both")]
            t = totals[level]
            t[0] += ic.hits
            t[1] += ic.n_labels
            t[2] += to.hits
            t[3] += to.n_labels
            cells.append(f"{f'{ic.hits}/{ic.n_labels}, {to.hits}/{to.n_labels}':>24s}")
        print(f"{clip.name:46s} " + "  ".join(cells), flush=True)
    print(f"{'TOTAL':46s} " + "  ".join(f"{f'{t[0]}/{t[1]}, {t[2]}/{t[3]}':>24s}" for t in totals.values()))
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
