"""Clips per minute of `formcheck batch` with 1 and 2 local workers, and the scaling ratio.

Runs the same clips (the bundled sample clips, plus ../shared/videos/treadmill_side_01.mp4 when it
is there) through :func:`formcheck.batch.run` twice, into fresh folders (nothing is skipped), once
with one worker process and once with two, without the annotated clips (``--no-video``; pass
``--video`` to include them). One clip uses about one core, so on a machine with two free cores
two workers should reach close to 2x; the load average is printed because other work on the
machine takes cores away from the second worker.

The pose model itself keeps more than one core busy (MediaPipe's own threads, plus decoding), so
the ceiling for any batch on this machine is what the bare model reaches: the same clips through
the bare script of ``bench_analyze.py`` (decode + PoseLandmarker, nothing else), one process at a
time and then two at once, is printed as "bare model scaling" (``--no-ceiling`` skips it).

    .venv/bin/python benchmarks/bench_batch.py [--video] [--workers 1 2] [--no-ceiling]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from formcheck.batch import DONE, Options, local_executor, run

REPO = Path(__file__).resolve().parents[1]
CLIPS = [REPO / "sample_videos" / f"{name}.mp4" for name in ("before", "after", "sample_run")]
SHARED = REPO.parent / "shared" / "videos" / "treadmill_side_01.mp4"


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def clips_per_minute(clips: list[Path], workers: int, options: Options) -> tuple[float, float, float]:
    """(clips per minute, wall seconds, cores kept busy) of one batch of ``clips`` with ``workers`` processes.

    Cores busy = the workers' CPU time over the wall time (a clip's decoding, camera and people
    checks run on threads beside the model, so one worker can keep more than one core busy).
    """
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as out:
        cpu0, started = _children_cpu_s(), time.perf_counter()
        with local_executor(workers) as pool:  # leaving joins the workers: their CPU time is then counted
            report = run([str(c) for c in clips], out, executor=pool, options=options)
        wall = time.perf_counter() - started
        busy = (_children_cpu_s() - cpu0) / wall
    failed = [r for r in report.rows if r.status != DONE]
    if failed:
        sys.exit(f"bench_batch: {len(failed)} clips did not finish: {failed[0].clip.path}: {failed[0].message}")
    return len(clips) * 60.0 / wall, wall, busy


def bare_model_rate(clips: list[Path], processes: int) -> tuple[float, float, float]:
    """(clips per minute, wall seconds, cores kept busy) of the bare script on ``clips``, ``processes`` at once."""
    # this folder is on sys.path when a benchmark runs as a script
    from bench_analyze import BARE_SCRIPT
    from formcheck.pose import default_model_path

    model = str(default_model_path())

    def one(clip: Path) -> None:
        subprocess.run([sys.executable, "-c", BARE_SCRIPT, str(clip), model], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    cpu0, started = _children_cpu_s(), time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(one, clips))
    wall = time.perf_counter() - started
    return len(clips) * 60.0 / wall, wall, (_children_cpu_s() - cpu0) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", action="store_true", help="also write the annotated clips")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare model's own scaling")
    args = parser.parse_args()
    clips = CLIPS + ([SHARED] if SHARED.is_file() else [])
    options = Options(annotated_video=args.video)
    print(f"{len(clips)} clips ({', '.join(c.name for c in clips)}), {os.cpu_count()} cores, "
          f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rates = {}
    for workers in args.workers:
        rate, wall, busy = clips_per_minute(clips, workers, options)
        rates[workers] = rate
        print(f"{workers} worker{'s' if workers > 1 else ''}: {rate:.2f} clips/min ({wall:.1f} s, {busy:.2f} cores busy)", flush=True)
    if len(rates) > 1:
        low, high = min(rates), max(rates)
        print(f"scaling {low} -> {high} workers: {rates[high] / rates[low]:.2f}x "
              f"(load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
        if not args.no_ceiling:
            bare = {}
            for processes in (low, high):
                bare[processes], wall, busy = bare_model_rate(clips, processes)
                print(f"bare model, {processes} at once: {bare[processes]:.2f} clips/min ({wall:.1f} s, {busy:.2f} cores busy)",
                      flush=True)
            print(f"bare model scaling {low} -> {high}: {bare[high] / bare[low]:.2f}x (the ceiling for a batch here); "
                  f"batch throughput at {high} workers: {rates[high] / bare[high]:.2f}x the bare model's")


if __name__ == "__main__":
    main()
