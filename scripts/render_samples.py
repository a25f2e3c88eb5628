#!/usr/bin/env python
"""Render the committed synthetic sample clips (deterministic) with their ground truth.

    python scripts/render_samples.py [--out sample_videos] [--png-dir DIR] [--only NAME]

sample_run.mp4  moderate overstride (15 % of leg length), hip extension 12 deg at toe-off
before.mp4      overstriding (25 %) with little hip extension (5 deg)
after.mp4       landing near the centre of mass (5 %) with more hip extension (15 deg)

All: treadmill, facing left, 960x540, 60 fps, 8 s, 170 steps/min, 3.0 m/s; each clip has
``<name>.truth.json`` beside it (see formcheck.synth.render.truth_dict).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from formcheck.synth.gait import GaitParams, simulate_gait  # noqa: E402
from formcheck.synth.render import RenderStyle, render_video  # noqa: E402

COMMON = dict(image_size=(960, 540), fps=60.0, duration_s=8.0, cadence_spm=170.0, speed_m_s=3.0, facing="left", treadmill=True, seed=0)

SAMPLES: dict[str, tuple[GaitParams, RenderStyle]] = {
    "sample_run": (GaitParams(overstride_pct_leg=15.0, hip_extension_deg=12.0, **COMMON), RenderStyle(seed=1)),
    "before": (GaitParams(overstride_pct_leg=25.0, hip_extension_deg=5.0, **COMMON), RenderStyle(seed=2)),
    "after": (GaitParams(overstride_pct_leg=5.0, hip_extension_deg=15.0, **COMMON), RenderStyle(seed=3)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "sample_videos")
    ap.add_argument("--png-dir", type=Path, help="also save one PNG frame of each clip here")
    ap.add_argument("--only", choices=sorted(SAMPLES), action="append")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or SAMPLES:
        params, style = SAMPLES[name]
        gait = simulate_gait(params)
        path = render_video(gait, args.out / f"{name}.mp4", style=style, crf=26)
        t = gait.truth
        per_side = {s: sum(1 for st in t["steps"] if st["side"] == s) for s in ("left", "right")}
        print(f"{path}: {gait.n_frames} frames, {path.stat().st_size / 1e6:.2f} MB, steps {per_side}, "
              f"contact {t['contact_time_s'] * 1000:.0f} ms (duty {t['duty_factor']:.2f})")
        if args.png_dir:
            import av

            args.png_dir.mkdir(parents=True, exist_ok=True)
            want = t["steps"][2]["contact_frame"]  # a contact of the near (left) leg
            with av.open(str(path)) as container:
                for i, frame in enumerate(container.decode(video=0)):
                    if i == want:
                        frame.to_image().save(args.png_dir / f"{name}_contact_frame{want}.png")
                        break


if __name__ == "__main__":
    main()
