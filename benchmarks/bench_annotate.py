"""Benchmark the annotated clip: cost per frame of decode, drawing and H.264 encoding, and output size.

Prints, for one clip (analysis done once, not timed):
  * building the overlay lookups from the Analysis;
  * decode only; decode + annotate (no encode); decode + encode (no overlays); the full clip;
  * the full clip at --video-scale 0.5;
  * ms per frame for each, and the annotated.mp4 size.

    .venv/bin/python benchmarks/bench_annotate.py [VIDEO] [--track TRACK.npz]
    # default: ../shared/videos/treadmill_side_01.mp4; the pose track is cached in /tmp
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "videos" / "treadmill_side_01.mp4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--track", type=Path, default=None, help="cached pose track (.npz); made and cached if absent")
    parser.add_argument("--crf", type=int, default=23)
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()

    from formcheck.analysis import analyze_track
    from formcheck.annotate import annotate_frame
    from formcheck.overlay import overlay_from_analysis
    from formcheck.annotated_clip import write_annotated, write_annotated_outputs
    from formcheck.pose import extract_pose_track
    from formcheck.pose_track import PoseTrack
    from formcheck.video import iter_frames

    track_path = args.track or Path(tempfile.gettempdir()) / f"bench_annotate_{args.video.stem}.npz"
    if track_path.exists():
        track = PoseTrack.load(track_path)
    else:
        print(f"running the pose model on {args.video} (cached to {track_path}) ...")
        track = extract_pose_track(args.video)
        track.save(track_path)
    analysis = analyze_track(track)
    n = track.n_frames
    w, h = track.image_size
    print(f"clip: {args.video.name}  {n} frames  {w}x{h}  {track.fps:.2f} fps  {len(analysis.steps)} steps")

    t = time.perf_counter()
    data = overlay_from_analysis(analysis)
    print(f"overlay lookups built once:     {1000 * (time.perf_counter() - t):7.1f} ms total")

    def per_frame(label: str, seconds: float, frames: int) -> None:
        print(f"{label:<32}{1000 * seconds / frames:7.1f} ms/frame  ({seconds:.2f} s, {frames} frames)")

    t = time.perf_counter()
    k = sum(1 for _ in iter_frames(args.video))
    per_frame("decode only", time.perf_counter() - t, k)

    t = time.perf_counter()
    draw = 0.0
    for f in iter_frames(args.video):
        d0 = time.perf_counter()
        annotate_frame(f.rgb, data.context(f.index))
        draw += time.perf_counter() - d0
    per_frame("decode + annotate", time.perf_counter() - t, n)
    per_frame("  of which drawing", draw, n)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ts = (float(track.timestamps_s[0]), float(track.timestamps_s[-1]))
        out = write_annotated(args.video, data, clip_path=tmp / "plain.mp4", annotators=[], crf=args.crf, preset=args.preset, time_range_s=ts)
        per_frame("decode + encode (no overlays)", out.seconds, out.frames_written)
        plain_mb = (tmp / "plain.mp4").stat().st_size / 1e6

        out = write_annotated_outputs(args.video, analysis, tmp / "full", crf=args.crf, preset=args.preset)
        per_frame("full annotated clip + stills", out.seconds, out.frames_written)
        full_mb = out.clip.stat().st_size / 1e6

        half = write_annotated_outputs(args.video, analysis, tmp / "half", scale=0.5, crf=args.crf, preset=args.preset)
        per_frame("full, --video-scale 0.5", half.seconds, half.frames_written)
        half_mb = half.clip.stat().st_size / 1e6

        print(f"annotated.mp4: {full_mb:.2f} MB at {w}x{h} (re-encoded input without overlays: {plain_mb:.2f} MB); "
              f"{half_mb:.2f} MB at scale 0.5; {len(out.stills)} stills: {', '.join(sorted(out.stills))}")
        print(f"input file: {args.video.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
