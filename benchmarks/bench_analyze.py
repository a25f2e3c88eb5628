"""Benchmark ``formcheck analyze`` against the pose model alone, with a stage breakdown and peak memory.

Prints, in one run on one clip (default ``../shared/videos/treadmill_side_01.mp4``):

1. whole processes, interleaved round by round (median of ``--runs``, default 3), each with the
   load average when it ran: a bare script (decode every frame with PyAV, run PoseLandmarker in
   VIDEO mode, nothing else), ``formcheck analyze --no-video``, ``formcheck analyze`` (annotated
   clip too), ``formcheck --help`` and a usage error; the ratios to the bare script;
2. a stage breakdown in one process: each stage alone (decode, model, camera check, analysis,
   drawing, encoding, report; wall and CPU seconds) and the phases of the real pipeline, whose
   stages overlap (pose + camera pass, analysis, annotated clip, stills-only pass, report);
3. peak memory (the process's own peak RSS, VmHWM) of both analyze commands on the clip,
   on a 4K copy of it and on the clip looped ten times (both made in a temporary directory at
   benchmark time, never kept).

    .venv/bin/python benchmarks/bench_analyze.py [VIDEO] [--runs 3] [--no-memory] [--no-stages]

Timings on a shared machine are noisy: compare ratios within one run, and read the load column.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "videos" / "treadmill_side_01.mp4"
FORMCHECK = [sys.executable, "-m", "formcheck"]

BARE_SCRIPT = r"""
import sys
import av
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

clip, model = sys.argv[1], sys.argv[2]
options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model), running_mode=vision.RunningMode.VIDEO,
                                       num_poses=1)
landmarker = vision.PoseLandmarker.create_from_options(options)
last = -1
with av.open(clip) as container:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for frame in container.decode(stream):
        rgb = frame.to_ndarray(format="rgb24")
        if frame.rotation:
            rgb = np.ascontiguousarray(np.rot90(rgb, k=round(frame.rotation / 90)))
        last = max(last + 1, round(frame.time * 1000))
        landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), last)
landmarker.close()
"""


# Runs formcheck in this process and writes its peak RSS (VmHWM) at exit: a child's ru_maxrss from wait4 is at
# least the RSS its parent had when it forked, whereas VmHWM starts again at exec.
PEAK_WRAPPER = r"""
import atexit, os, runpy, sys

def _peak():
    with open("/proc/self/status") as fh, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in fh if line.startswith("VmHWM")))

atexit.register(_peak)
sys.argv = ["formcheck", *sys.argv[1:]]
runpy.run_module("formcheck", run_name="__main__", alter_sys=True)
"""


def peak_run(args: list[str], tmp: Path) -> tuple[float, float]:
    """(wall s, peak RSS MB) of ``formcheck ARGS`` in a fresh process."""
    peak_file = tmp / "peak.txt"
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "BENCH_PEAK_FILE": str(peak_file)})
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"formcheck {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return wall, int(peak_file.read_text()) / 1024.0


def load() -> float:
    """1-minute load average (how busy the machine was)."""
    return os.getloadavg()[0]


def run_process(cmd: list[str], *, check: bool = True) -> float:
    """Wall seconds of one child process."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return wall


def commands(clip: Path, out: Path, model: Path) -> dict[str, tuple[list[str], bool]]:
    return {
        "bare script": ([sys.executable, "-c", BARE_SCRIPT, str(clip), str(model)], True),
        "analyze --no-video": ([*FORMCHECK, "analyze", str(clip), "-o", str(out / "nv"), "--no-video", "-q"], True),
        "analyze": ([*FORMCHECK, "analyze", str(clip), "-o", str(out / "v"), "-q"], True),
        "--help": ([*FORMCHECK, "--help"], True),
        "usage error": ([*FORMCHECK, "analyze"], False),
    }


def whole_processes(clip: Path, runs: int, model: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-analyze-") as tmp:
        cmds = commands(clip, Path(tmp), model)
        walls: dict[str, list[float]] = {name: [] for name in cmds}
        loads: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(runs):
            for name, (cmd, check) in cmds.items():  # interleaved: a busy spell hits every command alike
                loads[name].append(load())
                walls[name].append(run_process(cmd, check=check))
    bare = statistics.median(walls["bare script"])
    print(f"\n1. whole processes, median of {runs} (interleaved), load = 1-min load average at each start")
    print(f"   {'command':<20} {'median s':>9} {'vs bare':>8}   runs s                 load")
    for name in cmds:
        med = statistics.median(walls[name])
        ratio = f"{med / bare:7.2f}x" if name.startswith(("bare", "analyze")) else ""
        runs_s = " ".join(f"{w:.2f}" for w in walls[name])
        loads_s = " ".join(f"{x:.1f}" for x in loads[name])
        print(f"   {name:<20} {med:9.2f} {ratio:>8}   {runs_s:<22} {loads_s}")


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float]] = []

    def __call__(self, name: str, fn, *args, **kwargs):
        load_before = load()
        cpu0 = _cpu()
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.rows.append((name, time.perf_counter() - t0, _cpu() - cpu0, load_before))
        return out

    def print(self, title: str) -> None:
        print(f"\n{title}")
        print(f"   {'stage':<50} {'wall s':>7} {'CPU s':>7} {'load':>5}")
        for name, wall, cpu, ld in self.rows:
            print(f"   {name:<50} {wall:7.2f} {cpu:7.2f} {ld:5.1f}")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def stages(clip: Path) -> None:
    import mediapipe as mp
    import numpy as np

    from formcheck.analysis import analyze_track
    from formcheck.annotate import annotate_frame, default_annotators
    from formcheck.annotated_clip import ANNOTATED_CRF, ANNOTATED_PRESET, write_annotated_outputs
    from formcheck.camera import measure_camera_motion, prepare_track
    from formcheck.overlay import Style, overlay_from_analysis
    from formcheck.pose import (
        _create_landmarker,
        _native_stderr_silenced,
        default_model_path,
        extract_pose_and_camera,
    )
    from formcheck.report import write_report
    from formcheck.video import H264Writer, iter_frames, probe_video

    info = probe_video(clip)
    alone = Timer()
    n = alone("decode (to RGB, display orientation)", lambda: sum(1 for _ in iter_frames(clip)))

    def model_only() -> None:
        with _native_stderr_silenced():
            landmarker = _create_landmarker(default_model_path(), 1)
            try:
                for k, frame in enumerate(iter_frames(clip)):
                    landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb), int(frame.time_s * 1000) + k)
            finally:
                landmarker.close()

    alone("decode + model (single pose, VIDEO mode)", model_only)

    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        out = Path(tmp)
        pipeline = Timer()
        track, motion = pipeline("pose + camera, one pass (decode, model, camera)", extract_pose_and_camera, clip)

        def analysis():
            prepared = prepare_track(track, motion=motion)
            return prepared.finish(analyze_track(prepared.track))

        result = pipeline("analysis (clean, events, metrics, findings)", analysis)
        pipeline("annotated clip + stills (decode, draw, encode)", write_annotated_outputs, clip, result, out / "v")
        stills = pipeline("stills only (--no-video)", write_annotated_outputs, clip, result, out / "nv", video=False).stills
        pipeline("report (plots, HTML)", write_report, result, out / "report.html", stills=stills)

        alone("camera check alone (own decoding pass)", measure_camera_motion, clip, track)
        alone("analysis", analysis)
        data = overlay_from_analysis(result)
        style = Style.for_image(*data.image_size)
        annotators = default_annotators()
        frames = [f for f, _ in zip(iter_frames(clip), range(60))]  # 60 frames in memory: drawing and encoding alone

        def draw() -> list[np.ndarray]:
            return [annotate_frame(f.rgb.copy(), data.context(f.index, style, time_s=f.time_s), annotators) for f in frames]

        drawn = alone("drawing, 60 frames", draw)

        def encode(preset: str, crf: int) -> None:
            with H264Writer(out / f"enc_{preset}.mp4", info.fps, (info.width, info.height), preset=preset, crf=crf) as writer:
                for img in drawn:
                    writer.write(img)

        alone(f"H.264 encoding ({ANNOTATED_PRESET}, crf {ANNOTATED_CRF}), 60 frames", encode, ANNOTATED_PRESET, ANNOTATED_CRF)
        alone("report", write_report, result, out / "report2.html", stills=stills)
    pipeline.print(f"2a. the pipeline's phases ({n} frames; the stages inside a phase overlap on threads)")
    alone.print(f"2b. each stage alone ({n} frames unless said)")


def make_clips(clip: Path, tmp: Path, loops: int) -> tuple[Path, Path]:
    """A 4K (3x) copy and a ``loops``-times looped copy of ``clip`` (fast x264 presets: made for the benchmark only)."""
    import cv2

    from formcheck.video import H264Writer, iter_frames, probe_video

    info = probe_video(clip)
    big = tmp / "clip_4k.mp4"
    w4, h4 = (3840, 2160) if info.width >= info.height else (2160, 3840)
    with H264Writer(big, info.fps, (w4, h4), preset="ultrafast", crf=20) as writer:
        for frame in iter_frames(clip):
            writer.write(cv2.resize(frame.rgb, (w4, h4), interpolation=cv2.INTER_CUBIC), time_s=frame.time_s)
    long = tmp / f"clip_x{loops}.mp4"
    with H264Writer(long, info.fps, (info.width, info.height), preset="ultrafast", crf=20) as writer:
        offset = 0.0
        for _ in range(loops):
            last = 0.0
            for frame in iter_frames(clip):
                writer.write(frame.rgb, time_s=offset + frame.time_s)
                last = frame.time_s
            offset += last + 1.0 / info.fps
    return big, long


def memory(clip: Path, loops: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp_s:
        tmp = Path(tmp_s)
        t0 = time.perf_counter()
        big, long = make_clips(clip, tmp, loops)
        print(f"\n3. peak memory (RSS of the process; test clips made in {time.perf_counter() - t0:.0f} s, then deleted)")
        print(f"   {'clip':<28} {'command':<20} {'peak MB':>8} {'vs 720p':>8} {'wall s':>7} {'load':>5}")
        base: dict[str, float] = {}
        for label, path in ((f"{clip.stem}", clip), ("4K copy (3x each side)", big), (f"looped {loops}x", long)):
            for name, extra in (("analyze --no-video", ["--no-video"]), ("analyze", [])):
                ld = load()
                wall, peak = peak_run(["analyze", str(path), "-o", str(tmp / "out"), "-q", *extra], tmp)
                base.setdefault(name, peak)
                print(f"   {label:<28} {name:<20} {peak:8.0f} {peak / base[name]:7.2f}x {wall:7.1f} {ld:5.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--runs", type=int, default=3, help="rounds of whole-process timings (median)")
    parser.add_argument("--loops", type=int, default=10, help="the looped clip for the memory check")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-stages", action="store_true")
    args = parser.parse_args()
    if not args.video.is_file():
        sys.exit(f"bench_analyze: {args.video}: no such clip")
    from formcheck.pose import default_model_path
    from formcheck.video import probe_video

    info = probe_video(args.video)
    print(f"clip: {args.video} ({info.width}x{info.height}, {info.n_frames} frames, {info.fps:.2f} fps); "
          f"{os.cpu_count()} cores; load {load():.1f}")
    whole_processes(args.video, args.runs, default_model_path())
    if not args.no_stages:
        stages(args.video)
    if not args.no_memory:
        memory(args.video, args.loops)


if __name__ == "__main__":
    main()
