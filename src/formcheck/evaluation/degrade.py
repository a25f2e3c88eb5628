"""Degraded copies of a labelled clip, made by code, with the labels carried over.

Phone clips are worse than the clips formcheck was tuned on: motion blur from a slow shutter,
low resolution, a small runner in a portrait frame, frames shown twice (a 30 fps camera
exported at 60 fps), heavy compression. Each :class:`Degradation` turns a labelled clip into
such a clip and maps its labels through the change (only frame doubling moves frames), so the
event detector can be measured on it against the same hand labels.

Clips are decoded with :func:`formcheck.video.iter_frames` (PyAV, display orientation, the way
formcheck reads them) and written with :class:`formcheck.video.H264Writer` (libx264, yuv420p),
into a cache folder keyed by the source's digest and the degradation's parameters; each file
is written under a temporary name and renamed, so repeated and concurrent runs reuse the clips.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from .. import landmarks as lm
from ..pose_track import PoseTrack
from ..video import H264Writer, iter_frames, probe_video
from .events import EventLabels
from .track_cache import default_cache_dir, file_digest

# Bump when the same parameters would now produce different pixels or labels.
DEGRADE_FORMAT = 1

# H.264 quality of clips whose degradation is not compression: near-transparent, so the
# degradation under test is the only change.
CLEAN_CRF = 17


@dataclass(frozen=True)
class Degradation:
    """One way to make a clip worse; the steps apply in field order (blur, resize/frame, repeat, encode).

    ``canvas_wh``/``scale``/``centre_xy_px`` frame the picture: the source is resized by ``scale``
    and placed so that the source point ``centre_xy_px`` lands at the canvas centre; the rest of
    the canvas is mid grey. ``canvas_wh`` None keeps the scaled frame as it is.
    """

    name: str
    blur_px: int = 0  # horizontal box kernel length, source pixels (0 = none)
    scale: float = 1.0  # resize factor of the picture
    canvas_wh: tuple[int, int] | None = None  # output size when the picture is placed on a canvas
    centre_xy_px: tuple[float, float] | None = None  # source point put at the canvas centre
    repeat: int = 1  # each source frame written this many times (container fps x repeat)
    crf: int = CLEAN_CRF  # libx264 constant rate factor of the written clip

    def key(self) -> str:
        """Short hex digest of the parameters (cache file names)."""
        payload = json.dumps({**asdict(self), "format": DEGRADE_FORMAT}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]


def motion_blur(kernel_px: int = 25) -> Degradation:
    """Horizontal linear blur along the running direction.

    A 1/60 s shutter at 3 m/s is 5 cm of travel: about 25 px on a portrait phone clip where the
    runner is 1.7 m over 900 px (the swinging foot moves faster still).
    """
    return Degradation(name=f"blur{kernel_px}", blur_px=int(kernel_px))


def downscale(size_wh: tuple[int, int], long_side_px: int = 480) -> Degradation:
    """Resize so the long side is ``long_side_px`` (a cheap phone or a messaging app's export)."""
    s = long_side_px / max(size_wh)
    return Degradation(name=f"{long_side_px}p", scale=float(s))


def frames_doubled() -> Degradation:
    """Every frame shown twice (30 fps footage exported at 60 fps): container fps doubles."""
    return Degradation(name="doubled", repeat=2)


def compressed(crf: int = 40) -> Degradation:
    """Strong H.264 compression (blocking, smeared feet)."""
    return Degradation(name=f"crf{crf}", crf=int(crf))


@dataclass(frozen=True)
class RunnerExtent:
    """Where the runner is in the source frames (pixels): what a portrait framing must keep in view."""

    hip_ankle_px: float  # median vertical hip-to-ankle distance
    hip_x_min_px: float
    hip_x_max_px: float
    centre_y_px: float  # median of the hip-to-ankle midpoint's height


def runner_extent(track: PoseTrack) -> RunnerExtent:
    """Runner size and horizontal travel from a pose track (both legs, frames with a pose)."""
    k = track.keypoints_px
    hip = k[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1)  # (T, 2)
    ankle = k[:, [lm.LEFT_ANKLE, lm.RIGHT_ANKLE]].mean(axis=1)
    ok = np.isfinite(hip).all(axis=1) & np.isfinite(ankle).all(axis=1)
    if not ok.any():
        raise ValueError("no frame with both hips and ankles: cannot place the runner")
    return RunnerExtent(
        hip_ankle_px=float(np.median(ankle[ok, 1] - hip[ok, 1])),
        hip_x_min_px=float(np.min(hip[ok, 0])),
        hip_x_max_px=float(np.max(hip[ok, 0])),
        centre_y_px=float(np.median((hip[ok, 1] + ankle[ok, 1]) / 2)),
    )


def portrait_small(size_wh: tuple[int, int], extent: RunnerExtent, hip_ankle_frac: float = 0.25) -> Degradation:
    """A 9:16 frame (height = the source's long side) with a small runner, as a phone far away in portrait.

    The picture is shrunk so the hip-to-ankle distance is ``hip_ankle_frac`` of the frame height
    (never enlarged), then shrunk further if the runner's horizontal travel (plus one hip-to-ankle
    length each side) would not fit the frame width; the runner's mean position is centred.
    """
    h_out = int(max(size_wh)) // 2 * 2
    w_out = int(round(h_out * 9 / 16)) // 2 * 2
    s = min(1.0, hip_ankle_frac * h_out / extent.hip_ankle_px)
    travel_px = extent.hip_x_max_px - extent.hip_x_min_px + 2 * extent.hip_ankle_px
    s = min(s, w_out / travel_px)
    centre = ((extent.hip_x_min_px + extent.hip_x_max_px) / 2, extent.centre_y_px)
    return Degradation(name="portrait_small", scale=round(float(s), 4), canvas_wh=(w_out, h_out),
                       centre_xy_px=(round(centre[0], 1), round(centre[1], 1)))


def standard_degradations(size_wh: tuple[int, int], extent: RunnerExtent | None) -> list[Degradation]:
    """The set the harness runs on every labelled clip (480p only for larger clips, portrait only when the runner was placed).

    The portrait runner's hip-to-ankle is a quarter of the frame height, or half its present
    share of the long side when it is already that small (treadmill_side_01, a portrait phone
    clip, has it at 0.195): the framing must make the runner smaller to test anything.
    """
    out = [motion_blur(25)]
    if max(size_wh) > 480:  # a clip already that small has no 480p version
        out.append(downscale(size_wh, 480))
    if extent is not None:
        frac = min(0.25, 0.5 * extent.hip_ankle_px / max(size_wh))
        out.append(portrait_small(size_wh, extent, hip_ankle_frac=round(frac, 3)))
    return out + [frames_doubled(), compressed(40)]


def apply_to_frame(rgb: np.ndarray, d: Degradation) -> np.ndarray:
    """One source frame (H, W, 3 uint8) -> the degraded picture (before repetition and encoding)."""
    out = rgb
    if d.blur_px > 1:
        kernel = np.full((1, d.blur_px), 1.0 / d.blur_px, dtype=np.float32)
        out = cv2.filter2D(out, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    if d.canvas_wh is None:
        if d.scale != 1.0:
            h, w = out.shape[:2]
            size = (max(2, int(round(w * d.scale))) // 2 * 2, max(2, int(round(h * d.scale))) // 2 * 2)
            out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
        return out
    w_out, h_out = d.canvas_wh
    cx, cy = d.centre_xy_px if d.centre_xy_px is not None else (out.shape[1] / 2, out.shape[0] / 2)
    # affine: source (x, y) -> canvas (s x + tx, s y + ty), source centre -> canvas centre
    m = np.array([[d.scale, 0.0, w_out / 2 - d.scale * cx], [0.0, d.scale, h_out / 2 - d.scale * cy]], dtype=np.float64)
    return cv2.warpAffine(out, m, (w_out, h_out), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128))


@dataclass(frozen=True)
class DegradedClip:
    """A degraded clip on disk and its labels, mapped to its frames."""

    path: Path
    labels: EventLabels
    degradation: Degradation


def degraded_clip(
    source: str | os.PathLike[str],
    labels: EventLabels,
    degradation: Degradation,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> DegradedClip:
    """The degraded version of ``source`` (made once, then read from the cache) and its labels.

    The cache holds the clip and its frame map (``<clip>.map.json``); the labels are mapped
    afresh on every call, so edited label files never meet a stale copy. They are also written
    beside the clip as ``<clip>.labels.json`` (our label format) for inspection.
    """
    folder = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / "degraded"
    stem = f"{Path(source).stem}-{file_digest(source)[:16]}-{degradation.name}-{degradation.key()}"
    clip = folder / f"{stem}.mp4"
    map_path = folder / f"{stem}.map.json"
    frame_map = None
    if clip.is_file() and map_path.is_file():
        try:
            frame_map = np.asarray(json.loads(map_path.read_text())["first_out"], dtype=int)
        except (ValueError, KeyError, json.JSONDecodeError):
            frame_map = None  # a damaged entry is rebuilt
    if frame_map is None:
        folder.mkdir(parents=True, exist_ok=True)
        frame_map = write_degraded(source, clip, degradation)
        _atomic_text(map_path, json.dumps({"first_out": frame_map.tolist(), "repeat": degradation.repeat}))
    mapped = labels.remapped(frame_map, repeat=degradation.repeat, video=clip.name)
    _atomic_text(folder / f"{stem}.labels.json", json.dumps(mapped.to_json_dict(), indent=1))
    return DegradedClip(clip, mapped, degradation)


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_degraded(source: str | os.PathLike[str], out: str | os.PathLike[str], d: Degradation) -> np.ndarray:
    """Write the degraded clip atomically; return the first output frame of each source frame (-1 = dropped).

    Output frames are evenly spaced at ``repeat`` x the source's nominal rate.
    """
    out = Path(out)
    info = probe_video(source)
    fps_out = info.fps * d.repeat
    tmp = out.with_name(f"{out.stem}.{os.getpid()}.tmp.mp4")
    first_out: list[tuple[int, int]] = []
    writer: H264Writer | None = None
    n_out = 0
    try:
        for frame in iter_frames(source):
            pic = apply_to_frame(frame.rgb, d)
            if writer is None:
                writer = H264Writer(tmp, fps_out, (pic.shape[1], pic.shape[0]), crf=d.crf, preset="veryfast")
            first_out.append((frame.index, n_out))
            for _ in range(d.repeat):
                writer.write(pic, n_out / fps_out)
                n_out += 1
        if writer is None:
            raise ValueError(f"{source}: no frames decoded")
        writer.close(success=True)
        tmp.replace(out)
    except BaseException:
        if writer is not None:
            writer.close(success=False)
        tmp.unlink(missing_ok=True)
        raise
    n_src = max(i for i, _ in first_out) + 1
    frame_map = np.full(n_src, -1, dtype=int)
    for i, j in first_out:
        frame_map[i] = j
    return frame_map


__all__ = [
    "CLEAN_CRF", "Degradation", "DegradedClip", "RunnerExtent", "apply_to_frame", "compressed", "degraded_clip",
    "downscale", "frames_doubled", "motion_blur", "portrait_small", "runner_extent", "standard_degradations",
    "write_degraded",
]
