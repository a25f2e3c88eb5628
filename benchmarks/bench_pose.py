"""Benchmark the pose stage: bare model vs the whole ``formcheck pose`` pipeline, and memory vs clip length.

Prints, on one clip:
  1. bare model throughput: PoseLandmarker (VIDEO mode, one pose) on frames already decoded in memory;
  2. pipeline throughput: ``extract_pose_track`` (decode, orientation, model, runner selection, track);
  3. their ratio (pipeline / bare);
  4. peak resident memory of a fresh process running the pipeline on the clip and on the clip
     looped 10 times (it must stay flat: frames are streamed, never held), read from the child's
     VmHWM.

    .venv/bin/python benchmarks/bench_pose.py [VIDEO]     # default: ../shared/videos/treadmill_side_01.mp4
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "videos" / "treadmill_side_01.mp4"
if not DEFAULT_CLIP.exists():
    DEFAULT_CLIP = REPO / "sample_videos" / "sample_run.mp4"


def bare_model_fps(clip: Path) -> tuple[float, int]:
    import mediapipe as mp

    from formcheck.pose import _create_landmarker, default_model_path
    from formcheck.video import iter_frames

    frames = [(f.time_s, f.rgb) for f in iter_frames(clip)]  # decoded up front: not timed
    landmarker = _create_landmarker(default_model_path(), 1)
    started = time.perf_counter()
    for k, (time_s, rgb) in enumerate(frames):
        landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(time_s * 1000) + k)
    elapsed = time.perf_counter() - started
    landmarker.close()
    return len(frames) / elapsed, len(frames)


def pipeline_fps(clip: Path) -> tuple[float, int]:
    from formcheck.pose import extract_pose_track

    started = time.perf_counter()
    track = extract_pose_track(clip)
    return track.n_frames / (time.perf_counter() - started), track.n_frames


def loop_clip(clip: Path, times: int, out: Path) -> Path:
    from formcheck.video import H264Writer, iter_frames, probe_video

    info = probe_video(clip)
    with H264Writer(out, fps=info.fps, size=(info.width, info.height), preset="ultrafast") as writer:
        offset = 0.0
        for _ in range(times):
            last = 0.0
            for frame in iter_frames(clip):
                writer.write(frame.rgb, time_s=offset + frame.time_s)
                last = frame.time_s
            offset += last + 1.0 / info.fps
    return out


def peak_rss_mb(clip: Path) -> tuple[float, int]:
    """Peak RSS of a child process that runs the pipeline on ``clip``."""
    # VmHWM (peak RSS of this process image) is reset by exec; ru_maxrss is not on Linux and
    # would report the parent's peak instead.
    code = (
        "import sys; from formcheck.pose import extract_pose_track; "
        "t = extract_pose_track(sys.argv[1]); print(t.n_frames); "
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(clip)], capture_output=True, text=True, check=True).stdout.split()
    return int(out[-1]) / 1024.0, int(out[-2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--loops", type=int, default=10)
    args = parser.parse_args()

    bare, n = bare_model_fps(args.video)
    print(f"clip: {args.video} ({n} frames)")
    print(f"bare model (frames pre-decoded):  {bare:6.1f} frames/s")
    pipe, _ = pipeline_fps(args.video)
    print(f"formcheck pose pipeline:          {pipe:6.1f} frames/s")
    print(f"pipeline / bare model:            {pipe / bare:6.2f}x")

    with tempfile.TemporaryDirectory() as tmp:
        long_clip = loop_clip(args.video, args.loops, Path(tmp) / "long.mp4")
        short_mb, short_n = peak_rss_mb(args.video)
        long_mb, long_n = peak_rss_mb(long_clip)
    print(f"peak memory, {short_n:5d} frames:       {short_mb:7.1f} MB")
    print(f"peak memory, {long_n:5d} frames:       {long_mb:7.1f} MB  ({long_mb / short_mb:.2f}x for {long_n / short_n:.0f}x the frames)")


if __name__ == "__main__":
    main()
