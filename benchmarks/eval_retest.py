#!/usr/bin/env python
"""The same running, saved the ways phones and apps save it: how far each leg's medians move, against compare's SDCs.

``formcheck compare`` calls a change real when its 95 % interval excludes zero and it reaches the metric's smallest
detectable change (SDC, ``formcheck.compare.METRICS``). The interval only knows the steps' spread; a runner who films
twice also films differently (another frame rate, framing, encoding, light). This script analyses a real clip and
every copy ``benchmarks/eval_events.py`` makes of it by code (blur, 480p, small in portrait, doubled frames, crf 40,
a watermark, a panning and a handheld crop window, a scene cut), one running seen ten ways, and prints per metric
and leg (near, far) the spread of the copies' medians: their standard deviation and ``2.77 x SD``, the 95 % limit of
the difference of two such captures (1.96 x sqrt(2)), beside the SDC compare uses.

    .venv/bin/python benchmarks/eval_retest.py [--clip treadmill_side_01]

A metric whose 2.77 x SD exceeds its SDC can read "improved" or "worse" between two captures of the same running.
Needs ../shared (the clip) and the pose-track cache (made on first use, as for eval_events.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_events import _track, all_clips  # noqa: E402

from formcheck.analysis import AnalysisError, analyze_track  # noqa: E402
from formcheck.camera import prepare_track  # noqa: E402
from formcheck.compare import METRICS, sdc_for  # noqa: E402
from formcheck.metrics import summarise  # noqa: E402

TWO_CAPTURES_95 = 1.96 * np.sqrt(2.0)  # 95 % limit of the difference of two independent captures, in SDs of one


def leg_medians(clip) -> dict[tuple[str, str], float] | None:  # noqa: ANN001 - eval_events.Clip
    """(metric, "near" | "far") -> the analysis' median, as the report states it, and ("fps", "") -> the clip's frame
    rate; None when the copy is refused."""
    try:
        analysis = analyze_track(prepare_track(_track(clip), clip.path).track)
    except AnalysisError as exc:
        print(f"{clip.name}: refused ({exc})")
        return None
    summary = summarise(list(analysis.result.steps))
    near = analysis.result.near_side
    out = {("fps", ""): float(analysis.result.video.fps or 0.0)}
    for spec in METRICS:
        for side in ("left", "right"):
            m = (summary.get(side, {}).get(spec.key) or {}).get("median")
            if m is not None:
                out[(spec.key, "near" if side == near else "far")] = float(m)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default="treadmill_side_01", help="a labelled real clip of eval_events.py")
    args = ap.parse_args(argv)
    notes: list[str] = []
    copies = {}
    for clip in all_clips(args.clip, notes):
        if clip.name.split("/")[0] == args.clip and (medians := leg_medians(clip)) is not None:
            copies[clip.name] = medians
    for note in notes:
        print(f"note: {note}")
    if len(copies) < 3:
        print(f"{args.clip}: {len(copies)} copies analysed, too few for a spread")
        return 1
    fps = min(c[("fps", "")] for c in copies.values())  # compare judges timing on the slower clip's frame period
    print(f"{args.clip}: {len(copies)} copies ({', '.join(copies)}); SDCs at {fps:g} fps")
    print(f"{'metric':34s} {'leg':4s} {'n':>3s} {'median':>8s} {'min':>8s} {'max':>8s} {'SD':>7s} {'2.77 SD':>8s} {'SDC':>6s}")
    for spec in METRICS:
        if spec.key == "step_cadence_spm":
            continue  # compared for both legs together only
        for leg in ("near", "far"):
            v = np.array([c[(spec.key, leg)] for c in copies.values() if (spec.key, leg) in c])
            if v.size < 3:
                continue
            sd, sdc = float(np.std(v, ddof=1)), sdc_for(spec, fps)
            flag = "  <- over the SDC" if TWO_CAPTURES_95 * sd > sdc else ""
            print(f"{spec.key:34s} {leg:4s} {v.size:3d} {np.median(v):8.3f} {v.min():8.3f} {v.max():8.3f} {sd:7.3f} "
                  f"{TWO_CAPTURES_95 * sd:8.3f} {sdc:6.3g}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
