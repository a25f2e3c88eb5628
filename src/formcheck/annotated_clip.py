"""The annotated clip (``annotated.mp4``) and the annotated stills used by the report.

One decoding pass over the source video: each frame covered by the analysis is resized (if a
scale is asked for), annotated with :mod:`formcheck.annotate` and written with
:class:`formcheck.video.H264Writer` (H.264 yuv420p, +faststart, atomic rename), keeping each
frame's own presentation time, so the clip has the input's frame count and timing. Three stages
overlap: decoding (its own thread), drawing (the caller's thread) and encoding (the writer's
thread and libx264's own). Without a clip, only the stills' frames are converted from the
decoder's YUV, and the pass stops at the last one. With
``slowmo_contacts=N`` each initial-contact frame is held for N extra frames (later frames are
shifted by that time), so the landing can be seen. Stills (PNG, full resolution) are grabbed
during the same pass. The clip and the stills are at most ``ANNOTATED_MAX_SIDE_PX`` (1280 px) on
their long side: the decoder's YUV is shrunk straight to that size, so a 1080p or 4K source never
costs a full-size RGB frame, and the encoder's memory and time stay those of a 720p clip (a 4K
source at 1920 px: +80 MB in libx264 alone, 2.2x the encoding time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .annotate import Annotator, annotate_frame, default_annotators
from .atomic import atomic_path
from .overlay import OverlayData, StepMarks, Style, overlay_from_analysis
from .stills import preview_jpeg
from .video import H264Writer, iter_frames, probe_video, slow_motion_timing

if TYPE_CHECKING:
    from .analysis import Analysis

ProgressCallback = Callable[[int, int], None]  # (frames done, frames expected)

ANNOTATED_MAX_SIDE_PX = 1280  # long side of the annotated clip and stills at most (720p-class; phones, the report)
# libx264 settings of the annotated clip, chosen by measurement (annotated 720x1280 frames of treadmill_side_01,
# docs/benchmarks.md): superfast at crf 25 matches veryfast at crf 23 in PSNR against the drawn frames (33.8 /
# 33.6 dB) with ~20 % less encoder CPU (23 / 29 ms a frame), for a file 1.3x the size (3.6 / 2.7 MB per 12 s).
# ultrafast (16 ms, 5.2 MB at crf 26) was not kept: it re-encodes a held picture (slow-motion contacts, doubled
# frames) a little differently each time, 1-2 grey levels of drift over 3 holds, where superfast holds it exactly.
ANNOTATED_PRESET = "superfast"
ANNOTATED_CRF = 25


@dataclass(frozen=True)
class StillSpec:
    """One still to grab: a step's contact or toe-off frame, saved as ``<name>.png``."""

    name: str
    step: StepMarks
    kind: str  # "contact" | "toe_off"

    @property
    def frame(self) -> int:
        return self.step.contact_frame if self.kind == "contact" else int(self.step.toe_off_frame)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AnnotatedOutputs:
    clip: Path | None  # None when no clip was asked for
    stills: dict[str, Path] = field(default_factory=dict)  # name -> PNG path
    previews: dict[str, bytes] = field(default_factory=dict)  # name -> the still as the report embeds it (JPEG)
    frames_written: int = 0
    seconds: float = 0.0  # wall time of the pass (decode + annotate + encode)


def _decode_window(data: OverlayData, source_fps: float, fps: float, first_time_s: float | None, last_time_s: float | None) -> tuple[float | None, float | None, float | None]:
    """start_s/end_s/fps_override for iter_frames that cover the analysed frames."""
    override = fps if source_fps and abs(fps - source_fps) > 1e-3 else None
    scale = (source_fps / fps) if override else 1.0  # analysed time -> played-back time
    half = 0.5 / source_fps if source_fps else 0.0
    start = None if first_time_s is None or first_time_s <= half else first_time_s / scale - half
    end = None if last_time_s is None else last_time_s / scale + half
    return start, end, override


def write_annotated(
    video_path: str | os.PathLike[str],
    data: OverlayData,
    *,
    clip_path: str | os.PathLike[str] | None,
    stills: Sequence[StillSpec] = (),
    stills_dir: str | os.PathLike[str] | None = None,
    scale: float = 1.0,
    slowmo_contacts: int = 0,
    annotators: Sequence[Annotator] | None = None,
    crf: int = ANNOTATED_CRF,
    preset: str = ANNOTATED_PRESET,
    time_range_s: tuple[float, float] | None = None,
    progress: ProgressCallback | None = None,
) -> AnnotatedOutputs:
    """Annotate the frames of ``video_path`` that ``data`` covers; write the clip and/or stills.

    ``time_range_s`` = (first, last) frame time of the analysed track (after any fps override),
    used to decode only that part; None decodes the whole file.
    """
    if not 0.0 < scale <= 4.0:
        raise ValueError(f"video scale must be in (0, 4], not {scale}")
    if slowmo_contacts < 0:
        raise ValueError(f"slowmo_contacts must be >= 0, not {slowmo_contacts}")
    started = time.perf_counter()
    annotators = list(default_annotators() if annotators is None else annotators)
    info = probe_video(video_path)
    file_fps = slow_motion_timing(data.fps, info)[1]  # the rate the pose stage scaled its times from
    start_s, end_s, override = _decode_window(data, file_fps, data.fps, *(time_range_s or (None, None)))
    first_frame, last_frame = int(data.frame_indices[0]), int(data.frame_indices[-1])

    w, h = data.image_size
    # frames come out of the decoder at most ANNOTATED_MAX_SIDE_PX long; the clip and the stills are that size at most
    cap = min(1.0, ANNOTATED_MAX_SIDE_PX / max(w, h))
    dw, dh = (w, h) if cap == 1.0 else (max(2, round(w * cap)), max(2, round(h * cap)))
    scale = min(scale, cap) if cap < 1.0 else scale  # a small clip may still be enlarged (--video-scale up to 4)
    out_w, out_h = (dw, dh) if scale == cap else (max(2, round(w * scale)), max(2, round(h * scale)))
    scaled = data.scaled(out_w / w)
    style = Style.for_image(out_w, out_h)
    still_data = data if cap == 1.0 else data.scaled(dw / w)
    full_style = Style.for_image(dw, dh)
    contact_frames = {s.contact_frame for s in data.steps} if slowmo_contacts else set()
    wanted: dict[int, list[StillSpec]] = {}
    for spec in stills:
        wanted.setdefault(spec.frame, []).append(spec)
    still_paths: dict[str, Path] = {}
    if stills and stills_dir is None:
        raise ValueError("stills_dir is needed to write stills")
    if stills_dir is not None and stills:
        Path(stills_dir).mkdir(parents=True, exist_ok=True)

    writer: H264Writer | None = None
    ok = False
    written = 0
    expected = last_frame - first_frame + 1
    # PNGs are compressed on a thread of their own (OpenCV releases the GIL) while the next frames are decoded:
    # 7 stills of a 720x1280 clip took 0.35 s of the 0.84 s stills-only pass in the loop's thread
    png_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="formcheck-png")
    pngs: list[tuple[str, Future[bytes]]] = []
    try:
        t0: float | None = None
        shift = 0.0
        dt = 1.0 / data.fps
        only = set(wanted) if clip_path is None else None  # stills only: convert just their frames
        for frame in iter_frames(video_path, start_s=start_s, end_s=end_s, fps_override=override, only=only,
                                 max_side=ANNOTATED_MAX_SIDE_PX, info=info):
            if frame.index < first_frame:
                continue
            if frame.index > last_frame:
                break
            for spec in wanted.pop(frame.index, ()):
                img = annotate_frame(frame.rgb.copy(), still_data.still_context(spec.step, spec.kind, full_style), annotators)
                path = Path(stills_dir) / f"{spec.name}.png"  # type: ignore[arg-type]
                pngs.append((spec.name, png_pool.submit(_write_still, path, img)))
                still_paths[spec.name] = path
            if clip_path is None:
                if not wanted:
                    break
                continue
            if writer is None:
                writer = H264Writer(clip_path, data.fps, (out_w, out_h), crf=crf, preset=preset, background=True)
            if t0 is None:
                t0 = frame.time_s
            rgb = frame.rgb if (out_w, out_h) == (dw, dh) else cv2.resize(frame.rgb, (out_w, out_h), interpolation=cv2.INTER_AREA)
            # the decoded frame is this loop's own (its stills were drawn on copies above): draw on it in place,
            # as a 720x1280 copy costs ~2.4 ms a frame
            img = annotate_frame(rgb if rgb.flags.writeable else rgb.copy(), scaled.context(frame.index, style, time_s=frame.time_s),
                                 annotators)
            writer.write(img, time_s=frame.time_s - t0 + shift)
            written += 1
            if frame.index in contact_frames:
                for k in range(1, slowmo_contacts + 1):
                    writer.write(img, time_s=frame.time_s - t0 + shift + k * dt)
                    written += 1
                shift += slowmo_contacts * dt
            if progress is not None:
                progress(frame.index - first_frame + 1, expected)
        previews = {name: png.result() for name, png in pngs}  # every write awaited: a failed one is raised here
        ok = True
    finally:
        png_pool.shutdown(wait=True)
        if writer is not None:
            writer.close(success=ok)
    return AnnotatedOutputs(
        clip=Path(clip_path) if (clip_path is not None and writer is not None) else None,
        stills=still_paths,
        previews=previews,
        frames_written=written,
        seconds=time.perf_counter() - started,
    )


def _write_still(path: Path, rgb: np.ndarray) -> bytes:
    """PNG written to a temp name and renamed, so a failed run leaves no half image; returns the report's JPEG of it
    (made here, on the PNG thread, so the report need not decode the PNG again).

    Encoded in memory and written by Python: cv2.imwrite on a full disk only says False (libpng prints "Write
    Error"), while the file write raises the OSError whose errno says "no space left", which the CLI reports as such.
    """
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, png = cv2.imencode(".png", bgr)
    if not ok:
        raise ValueError(f"{path}: the image could not be encoded as PNG")
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(png.tobytes())
    return preview_jpeg(bgr)


# --------------------------------------------------------------------------- from an Analysis
def still_specs(analysis: Analysis, data: OverlayData) -> list[StillSpec]:
    """The stills the report embeds, as chosen by :func:`formcheck.stills.choose_stills`."""
    from .stills import choose_stills

    return [StillSpec(c.name, data.steps[c.step_index], c.kind) for c in choose_stills(analysis.steps, analysis.findings, analysis.near_side)]


def write_annotated_outputs(
    video_path: str | os.PathLike[str],
    analysis: Analysis,
    outdir: str | os.PathLike[str],
    *,
    video: bool = True,
    scale: float = 1.0,
    slowmo_contacts: int = 0,
    crf: int = ANNOTATED_CRF,
    preset: str = ANNOTATED_PRESET,
    progress: ProgressCallback | None = None,
) -> AnnotatedOutputs:
    """Write ``OUTDIR/annotated.mp4`` (unless ``video=False``) and ``OUTDIR/stills/*.png``.

    ``analysis`` is a :class:`formcheck.analysis.Analysis` of ``video_path`` (same start/end/fps
    options). ``scale`` resizes the clip (stills stay full resolution); ``slowmo_contacts`` holds
    each contact frame for that many extra frames (0 = input timing). Returns the paths written.
    """
    data = overlay_from_analysis(analysis)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    # the analysed part in the file's frames and time base (--fps applied, as data.fps): the analysed track itself may
    # run on another clock (slow motion undone, repeated frames dropped), which covered 92 of a slow-motion clip's 720
    ts = analysis.raw_track.timestamps_s
    return write_annotated(
        video_path,
        data,
        clip_path=outdir / "annotated.mp4" if video else None,
        stills=still_specs(analysis, data),
        stills_dir=outdir / "stills",
        scale=scale,
        slowmo_contacts=slowmo_contacts,
        crf=crf,
        preset=preset,
        time_range_s=(float(ts[0]), float(ts[-1])),
        progress=progress,
    )
