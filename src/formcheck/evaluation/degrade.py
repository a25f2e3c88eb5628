"""Degraded copies of a labelled clip, made by code, with the labels carried over.

Phone clips are worse than the clips formcheck was tuned on: motion blur from a slow shutter,
low resolution, a small runner in a portrait frame, frames shown twice (a 30 fps camera
exported at 60 fps), heavy compression, an app's watermark over the feet. Each
:class:`Degradation` turns a labelled clip into such a clip and maps its labels through the
change (only frame doubling moves frames), so the event detector can be measured on it against
the same hand labels.

Clips are decoded with :func:`formcheck.video.iter_frames` (PyAV, display orientation, the way
formcheck reads them) and written with :class:`formcheck.video.H264Writer` (libx264, yuv420p),
into a cache folder keyed by the source's digest and the degradation's parameters; each file
is written under a temporary name and renamed, so repeated and concurrent runs reuse the clips.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from .. import landmarks as lm
from ..pose_track import PoseTrack
from ..video import H264Writer, iter_frames, probe_video
from .events import EventLabels
from .track_cache import default_cache_dir, file_digest

# Bump when the same parameters would now produce different pixels or labels.
DEGRADE_FORMAT = 2  # 2: H.264 without macroblock-tree (repeatable bytes)

# H.264 quality of clips whose degradation is not compression: near-transparent, so the
# degradation under test is the only change.
CLEAN_CRF = 17


@dataclass(frozen=True)
class CameraPath:
    """A phone that follows the runner: a crop window of the source that pans, shakes and zooms.

    The window (``window_wh`` source px at zoom 1, written at that size) is centred at
    ``centre_from`` until ``pan_start`` (fraction of the clip), then swings to ``centre_to`` as a
    damped spring (``overshoot``: fraction of the swing it goes past before settling) over
    ``pan_time`` (fraction of the clip). Handheld shake is band-limited noise (``shake_hz``),
    seeded, with RMS ``shake_px`` (each axis) and ``shake_deg``; the zoom grows linearly to
    ``zoom_end`` (1.04 = 4 % closer at the end). Window corners must stay inside the source.
    """

    window_wh: tuple[int, int]
    centre_from: tuple[float, float]
    centre_to: tuple[float, float]
    pan_start: float = 0.2
    pan_time: float = 0.35
    overshoot: float = 0.15
    shake_px: float = 0.0
    shake_deg: float = 0.0
    shake_hz: tuple[float, float] = (2.0, 8.0)
    zoom_end: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class SceneCut:
    """``frames`` frames of ``other`` (resized to cover the source's frame size, centred) put before the source."""

    other: str
    frames: int
    other_start: int = 0


@dataclass(frozen=True)
class Watermark:
    """A static overlay an app burns in after capture (a handle, a logo): white text with a dark outline,
    blended at ``alpha`` and sized to fill ``box_px`` (x0, y0, x1, y1, source pixels) across."""

    text: str
    box_px: tuple[int, int, int, int]
    alpha: float = 0.7


@dataclass(frozen=True)
class Degradation:
    """One way to make a clip worse; the steps apply in field order (blur, resize/frame, repeat, encode), a
    watermark right after the blur (an app burns it into the captured picture).

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
    camera: CameraPath | None = None  # a moving crop window (pan, shake, zoom): replaces resize/canvas
    join: SceneCut | None = None  # another clip's frames put before this one's (a scene cut)
    playback_fps: float | None = None  # the container's rate when exported as slow motion (None: the source's)
    capture_fps: float | None = None  # ... of a source showing this many real images a second (checked against its labels)
    watermark: Watermark | None = None  # burnt in after the blur, before any resize (source pixels)

    def key(self) -> str:
        """Short hex digest of the parameters (cache file names; unset optional fields leave older keys as they were)."""
        optional = ("camera", "join", "playback_fps", "capture_fps", "watermark")
        params = {k: v for k, v in asdict(self).items() if not (k in optional and v is None)}
        payload = json.dumps({**params, "format": DEGRADE_FORMAT}, sort_keys=True)
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


def slow_motion_export(capture_fps: float, playback_fps: float = 30.0) -> Degradation:
    """A high-rate capture exported as slow motion, the way phones save it: every frame kept, the container
    at ``playback_fps`` (a 240 fps capture at 30 fps plays 8x slower), nothing in the file telling the real rate."""
    return Degradation(name=f"slowmo{capture_fps / playback_fps:g}x", playback_fps=float(playback_fps),
                       capture_fps=float(capture_fps))


def conformed_doubled(capture_fps: float, playback_fps: float = 25.0) -> Degradation:
    """A high-rate capture conformed to ``playback_fps`` as slow motion, then every frame shown twice (issue 14's street
    clip: about 60 fps played at 25, then doubled to 50): the container runs at twice ``playback_fps``."""
    export = slow_motion_export(capture_fps, playback_fps)
    return replace(export, repeat=2, name=f"{export.name}_doubled")


def compressed(crf: int = 40) -> Degradation:
    """Strong H.264 compression (blocking, smeared feet)."""
    return Degradation(name=f"crf{crf}", crf=int(crf))


def watermark_over_landing(size_wh: tuple[int, int], extent: RunnerExtent, text: str = "@runclub.films") -> Degradation:
    """A social app's handle burnt in across the band where the feet land (25 fps portrait treadmill clips come so).

    The band spans from 0.05 to 0.45 hip-to-ankle below the ankles' median height (swing included), where the
    stance foot is (treadmill_side_01: the letters over the shoe on the belt), and the hips' horizontal travel
    plus 0.7 hip-to-ankle each side (a foot lands ahead of the hip and leaves behind it), within the frame.
    """
    w, h = size_wh
    ha = extent.hip_ankle_px
    ankle_y = extent.centre_y_px + ha / 2
    reach = 0.7 * ha
    bottom = min(h, ankle_y + 0.45 * ha)  # feet near the frame's bottom edge: the band moves up, never off the frame
    box = (int(max(0, extent.hip_x_min_px - reach)), int(max(0, bottom - 0.4 * ha)),
           int(min(w, extent.hip_x_max_px + reach)), int(bottom))
    return Degradation(name="watermark", watermark=Watermark(text, box))


def burn_in(rgb: np.ndarray, mark: Watermark) -> np.ndarray:
    """``rgb`` with ``mark`` blended over it (a new array)."""
    x0, y0, x1, y1 = mark.box_px
    if x1 - x0 < 2 or y1 - y0 < 2:
        return rgb
    font, thickness = cv2.FONT_HERSHEY_DUPLEX, 1
    (tw, th), base = cv2.getTextSize(mark.text, font, 1.0, thickness)
    scale = min((x1 - x0) / tw, 0.8 * (y1 - y0) / (th + base))
    thickness = max(1, int(round(2 * scale)))
    (tw, th), base = cv2.getTextSize(mark.text, font, scale, thickness)
    org = (x0 + (x1 - x0 - tw) // 2, y0 + (y1 - y0 + th) // 2)
    letters = np.zeros(rgb.shape[:2], dtype=np.uint8)
    cv2.putText(letters, mark.text, org, font, scale, 255, thickness, cv2.LINE_AA)
    ring = 2 * thickness + 1
    cover = cv2.dilate(letters, np.ones((ring, ring), np.uint8)).astype(np.float32) / 255.0  # letters and a dark outline
    cover[:y0], cover[y1:], cover[:, :x0], cover[:, x1:] = 0, 0, 0, 0  # kept inside the box
    white = letters.astype(np.float32)[..., None] / 255.0
    ink = 255.0 * white + 20.0 * (1.0 - white)
    a = mark.alpha * cover[..., None]
    return np.clip(rgb.astype(np.float32) * (1.0 - a) + ink * a, 0, 255).astype(np.uint8)


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


def _runner_box(track: PoseTrack, pad_frac: float = 0.04) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) source px holding 99 % of every landmark over the clip, padded by ``pad_frac`` of its height."""
    k = track.keypoints_px.reshape(-1, 2)
    k = k[np.isfinite(k).all(axis=1)]
    if not len(k):
        raise ValueError("no landmarks: cannot place the runner")
    x0, y0 = np.percentile(k, 0.5, axis=0)
    x1, y1 = np.percentile(k, 99.5, axis=0)
    pad = pad_frac * (y1 - y0)
    return float(x0 - pad), float(y0 - 1.5 * pad - 0.12 * (y1 - y0)), float(x1 + pad), float(y1 + pad)  # head above the landmarks


def following_camera(size_wh: tuple[int, int], track: PoseTrack, *, name: str = "panning", width_frac: float = 0.7,
                     pan: bool = True, shake_px: float = 2.0, shake_deg: float = 0.5, zoom_end: float = 1.04,
                     seed: int = 18) -> Degradation:
    """A crop window of ``width_frac`` x 92 % of the frame that keeps the runner in view while it pans, shakes and zooms.

    The pan swings across the whole range the runner's box allows (with overshoot, and back),
    leaving room for the shake (3 x its RMS), the roll and the zoom; ``pan=False`` keeps the
    window in the middle of that range (a handheld phone held still).
    """
    w, h = size_wh
    x0, y0, x1, y1 = _runner_box(track)
    for height_frac in (0.92, 0.88, 0.84, 0.8):  # the tallest window that leaves room for the shake
        ww, hh = int(round(width_frac * w)) // 2 * 2, int(round(height_frac * h)) // 2 * 2
        vw, vh = ww / zoom_end, hh / zoom_end  # smallest window seen
        roll = np.radians(3 * shake_deg)
        mx = 3 * shake_px + np.sin(roll) * hh / 2 + 2
        my = 3 * shake_px + np.sin(roll) * ww / 2 + 2
        lo_x, hi_x = max(x1 - vw / 2, ww / 2 + mx), min(x0 + vw / 2, w - ww / 2 - mx)
        lo_y, hi_y = max(y1 - vh / 2, hh / 2 + my), min(y0 + vh / 2, h - hh / 2 - my)
        if lo_x <= hi_x and lo_y <= hi_y:
            break
    else:
        raise ValueError(f"a {ww}x{hh} window cannot follow this runner with that shake (x {lo_x:.0f}>{hi_x:.0f} or y {lo_y:.0f}>{hi_y:.0f})")
    cy = float(lo_y + hi_y) / 2
    overshoot = 0.15
    if pan:  # out and back: p runs -overshoot .. 1 + overshoot, which spans the allowed range
        swing = float(hi_x - lo_x) / (1 + 2 * overshoot)
        a = float(lo_x) + overshoot * swing
        centre_from, centre_to = (round(a + swing, 1), round(cy, 1)), (round(a, 1), round(cy, 1))  # right to left, then back
    else:
        centre_from = centre_to = (round(float(lo_x + hi_x) / 2, 1), round(cy, 1))
    cam = CameraPath(window_wh=(ww, hh), centre_from=centre_from, centre_to=centre_to, overshoot=overshoot,
                     shake_px=shake_px, shake_deg=shake_deg, zoom_end=zoom_end, seed=seed)
    return Degradation(name=name, camera=cam)


def handheld(size_wh: tuple[int, int], track: PoseTrack) -> Degradation:
    """A phone held by hand, not panning: 4 px / 1 deg RMS shake at 2-8 Hz, no zoom."""
    return following_camera(size_wh, track, name="handheld", pan=False, shake_px=4.0, shake_deg=1.0, zoom_end=1.0, seed=7)


def scene_cut(other: str | os.PathLike[str], frames: int, other_start: int = 0) -> Degradation:
    """``frames`` frames of another clip, then a cut to the (whole, labelled) source clip."""
    return Degradation(name="cut", join=SceneCut(other=str(other), frames=int(frames), other_start=int(other_start)))


def _spring(u: np.ndarray, overshoot: float) -> np.ndarray:
    """Step response 0 -> 1 of a damped spring over u in [0, 1] that goes ``overshoot`` past 1 once and settles."""
    zeta = -np.log(overshoot) / np.sqrt(np.pi**2 + np.log(overshoot) ** 2) if overshoot > 0 else 1.0
    wn = 7.0  # settles (2 %) within u = 1 for these dampings
    wd = wn * np.sqrt(max(1e-9, 1 - zeta**2))
    uu = np.clip(u, 0, None)
    r = 1 - np.exp(-zeta * wn * uu) * (np.cos(wd * uu) + zeta / np.sqrt(max(1e-9, 1 - zeta**2)) * np.sin(wd * uu))
    return np.where(u <= 0, 0.0, r)


def _band_noise(n: int, fps: float, band_hz: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise band-limited to ``band_hz`` (zero-phase Butterworth), n samples at fps."""
    from scipy.signal import butter, sosfiltfilt

    lo, hi = band_hz[0] / (fps / 2), min(band_hz[1] / (fps / 2), 0.95)
    x = rng.standard_normal(n + 200)
    y = sosfiltfilt(butter(2, [lo, hi], "band", output="sos"), x)[100:100 + n]
    return y / (np.sqrt(np.mean(y**2)) or 1.0)


def camera_matrices(cam: CameraPath, n: int, fps: float) -> np.ndarray:
    """(n, 2, 3) source -> output px matrices of each frame's window (roll about the window centre, zoom)."""
    t = np.arange(n) / max(n - 1, 1)
    a, b = np.asarray(cam.centre_from, float), np.asarray(cam.centre_to, float)
    back = cam.pan_start + cam.pan_time + 0.1  # and back again
    p = _spring((t - cam.pan_start) / cam.pan_time, cam.overshoot) - _spring((t - back) / cam.pan_time, cam.overshoot)
    centre = a + p[:, None] * (b - a)
    rng = np.random.default_rng(cam.seed)
    shake = np.stack([_band_noise(n, fps, cam.shake_hz, rng) for _ in range(3)], axis=1) if n > 1 else np.zeros((n, 3))
    centre = centre + cam.shake_px * shake[:, :2]
    angle = np.radians(cam.shake_deg * shake[:, 2])
    zoom = 1.0 + (cam.zoom_end - 1.0) * t
    ww, hh = cam.window_wh
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((n, 2, 3))
    # out = z R(-angle) (src - centre) + (ww/2, hh/2)
    out[:, 0, 0], out[:, 0, 1], out[:, 1, 0], out[:, 1, 1] = zoom * c, zoom * s, -zoom * s, zoom * c
    out[:, :, 2] = np.array([ww / 2, hh / 2]) - np.einsum("nij,nj->ni", out[:, :, :2], centre)
    return out


def reencoded(d: Degradation, n: int = 3) -> list[Degradation]:
    """``d`` at ``n`` neighbouring crf values (crf-1, crf, crf+1 for n=3): the same degraded frames, encoded in ways
    nobody can tell apart.

    Single results on a degraded copy move by several events between such encodings (the blurred treadmill copy's
    toe-offs: 31, 28 and 28 of 34 at crf 16, 17 and 18), so floors and before/after comparisons pool them.
    """
    if n < 1 or n % 2 == 0:
        raise ValueError(f"the number of encodings must be odd and at least 1, not {n}")
    return [replace(d, crf=d.crf + k) for k in range(-(n // 2), n // 2 + 1)]


def standard_degradations(size_wh: tuple[int, int], extent: RunnerExtent | None) -> list[Degradation]:
    """The set the harness runs on every labelled clip (480p only for larger clips, portrait and watermark only when the
    runner was placed).

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
    out += [frames_doubled(), compressed(40)]
    if extent is not None:  # appended: the older copies keep their place in the harness's table
        out.append(watermark_over_landing(size_wh, extent))
    return out


def apply_to_frame(rgb: np.ndarray, d: Degradation, window: np.ndarray | None = None) -> np.ndarray:
    """One source frame (H, W, 3 uint8) -> the degraded picture (before repetition and encoding).

    ``window``: this frame's source -> output matrix when ``d.camera`` is set (:func:`camera_matrices`).
    """
    out = rgb
    if d.blur_px > 1:
        kernel = np.full((1, d.blur_px), 1.0 / d.blur_px, dtype=np.float32)
        out = cv2.filter2D(out, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    if d.watermark is not None:
        out = burn_in(out, d.watermark)
    if d.camera is not None:
        if window is None:
            raise ValueError("a moving-camera degradation needs the frame's window matrix")
        return cv2.warpAffine(out, window, d.camera.window_wh, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
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
    if degradation.playback_fps is not None:  # same frames, slower container: real time is the capture's
        playback = degradation.playback_fps
        mapped = replace(mapped, fps=playback * degradation.repeat, image_fps=playback * labels.image_fps / labels.fps,
                         capture_fps=_real_image_rate(labels, degradation))
    _atomic_text(folder / f"{stem}.labels.json", json.dumps(mapped.to_json_dict(), indent=1))
    return DegradedClip(clip, mapped, degradation)


def _real_image_rate(labels: EventLabels, d: Degradation) -> float:
    """Distinct images per second of real time in the source: what a slow-motion export keeps as its capture rate."""
    rate = labels.capture_fps or labels.image_fps
    if d.capture_fps is not None and abs(rate - d.capture_fps) > 1e-6 * rate:
        raise ValueError(f"{d.name}: made for a {d.capture_fps:g} fps capture, "
                         f"but the source shows {rate:g} images a second")
    return rate


def _other_frames(join: SceneCut, size_wh: tuple[int, int]):
    """The joined clip's frames, resized to cover ``size_wh`` and centre-cropped."""
    w, h = size_wh
    n = 0
    for frame in iter_frames(join.other):
        if frame.index < join.other_start:
            continue
        if n >= join.frames:
            break
        src = frame.rgb
        s = max(w / src.shape[1], h / src.shape[0])
        big = cv2.resize(src, (max(w, int(np.ceil(src.shape[1] * s))), max(h, int(np.ceil(src.shape[0] * s)))), interpolation=cv2.INTER_AREA)
        y0, x0 = (big.shape[0] - h) // 2, (big.shape[1] - w) // 2
        yield np.ascontiguousarray(big[y0:y0 + h, x0:x0 + w])
        n += 1
    if n < join.frames:
        raise ValueError(f"{join.other}: only {n} frames to join, {join.frames} wanted")


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_degraded(source: str | os.PathLike[str], out: str | os.PathLike[str], d: Degradation) -> np.ndarray:
    """Write the degraded clip atomically; return the first output frame of each source frame (-1 = dropped).

    Output frames are evenly spaced at ``repeat`` x the source's nominal rate, or x ``d.playback_fps`` when set.
    """
    out = Path(out)
    info = probe_video(source)
    fps_out = (d.playback_fps or info.fps) * d.repeat
    tmp = out.with_name(f"{out.stem}.{os.getpid()}.tmp.mp4")
    first_out: list[tuple[int, int]] = []
    writer: H264Writer | None = None
    n_out = 0
    windows = camera_matrices(d.camera, info.n_frames + 8, info.fps) if d.camera is not None else None
    try:
        for frame in iter_frames(source):
            pic = apply_to_frame(frame.rgb, d, None if windows is None else windows[min(frame.index, len(windows) - 1)])
            if writer is None:
                writer = H264Writer(tmp, fps_out, (pic.shape[1], pic.shape[0]), crf=d.crf, preset="veryfast")
                if d.join is not None:  # the other clip first, then the cut
                    for other in _other_frames(d.join, (pic.shape[1], pic.shape[0])):
                        writer.write(other, n_out / fps_out)
                        n_out += 1
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
    "CLEAN_CRF",
    "CameraPath",
    "Degradation",
    "DegradedClip",
    "RunnerExtent",
    "SceneCut",
    "apply_to_frame",
    "camera_matrices",
    "compressed",
    "degraded_clip",
    "downscale",
    "following_camera",
    "frames_doubled",
    "handheld",
    "motion_blur",
    "portrait_small",
    "reencoded",
    "runner_extent",
    "scene_cut",
    "slow_motion_export",
    "standard_degradations",
    "write_degraded",
]
