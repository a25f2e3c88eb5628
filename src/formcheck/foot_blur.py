"""How smeared the shoes are along the run: motion blur measured in the pixels around the feet.

A slow shutter (dim light, often at 30 fps) smears a moving shoe along its motion, and MediaPipe's heel and
toe then land and lift a frame or two off: on treadmill_side_01 blurred by 25 px along the run, 28 of 34
toe-offs fall within a frame against 33 on the sharp clip. A coach would say "the feet are a blur";
this module measures it, so the analysis can say so and give the fix (more light, a faster shutter).

Running moves the feet along the image's x axis much faster than up and down, so the blur stretches the
picture of the shoe along x only. For a patch around the foot, the half-height width of the autocorrelation
of the derivative along x grows with the streak (a box streak of L px turns a sharp edge's derivative
into a box L px wide, whose autocorrelation falls to half at L / 2), while that of the derivative along y
keeps the lens' and the compression's own softness. Twice their difference is the streak's length; it is
given in % of the foot's length (heel to toe) so that it does not depend on the resolution or the zoom.
It reads the smear of EDGES (a shoe against the floor, its sole, its laces; a drawn shoe blurred by L px
measures about 0.8 L): a patch of fine, edgeless texture reads sharp whatever its blur, and on real
frames, where the patch also holds the belt and the other leg, it reads well below the true streak
(about a third of it on the 25 px copy below), so the threshold is set on measured clips, not on L.

Measured on a 640 px grey copy of each frame (the camera check's, :func:`formcheck.camera.small_grey`),
the median over the frames, per foot (2026-12-03): treadmill_side_01 3.0 / 2.3 % (near / far foot), as
480p 3.4, small in a portrait frame 4.3, crf 40 2.1, with every frame doubled 3.1, under a watermark 0.2;
blurred by 25 px along the run 17.8 / 18.4 %; rendered runners -0.1..0.5, with a 1/60 s shutter at 60 fps
1.7 / 2.2, crossing the frame 3.4 / 4.3; track_side_short_02 -0.4..-0.2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .foot_overlay import FootOverlayMeter, foot_points
from .geometry import SIDES

PATCH_PAD_FOOT = 0.3  # the patch: the box around heel, ankle and toe, widened by this x the foot's length each side
MIN_FOOT_PX = 6.0  # a foot shorter than this (in the grey copy) is too small to measure
MAX_LAG_PX = 24  # the autocorrelation is followed this far (a streak up to ~2x this is measured)
EVERY_FRAMES = 2  # one decoded frame in this many is measured (the blur is a property of the clip)
MIN_FRAMES = 10  # a foot measured on fewer of the analysed frames gets no figure
MIN_EDGE_RMS = 2.0  # grey levels a px: a patch whose derivative ACROSS the run is weaker has no edges to read


def derivative_half_width_px(patch: np.ndarray, axis: int) -> float:
    """Half-height width (px, sub-pixel) of the autocorrelation of ``patch``'s derivative along ``axis``
    (1 = x, 0 = y); NaN on a flat or too small patch."""
    if patch.shape[axis] < 4 or patch.shape[1 - axis] < 1:
        return float("nan")
    g = np.diff(np.asarray(patch, dtype=np.float32), axis=axis)
    g -= g.mean()
    energy = float(np.sum(g * g))
    if energy <= 1e-6:
        return float("nan")
    prev = 1.0
    for lag in range(1, min(MAX_LAG_PX, g.shape[axis] - 1) + 1):
        a = g[:, :-lag] * g[:, lag:] if axis == 1 else g[:-lag] * g[lag:]
        corr = float(np.sum(a)) / energy
        if corr < 0.5:
            return lag - 1 + (prev - 0.5) / (prev - corr)
        prev = corr
    return float(min(MAX_LAG_PX, g.shape[axis] - 1))


def streak_px(patch: np.ndarray) -> float:
    """Length (px) of a blur streak along x in a grey patch: twice the excess of the derivative's autocorrelation
    half-width along x over that along y (0 for a sharp patch; 0.8 L for a drawn shoe streaked by L px); NaN when
    the patch has no edges across the run to read (derivative along y weaker than MIN_EDGE_RMS)."""
    p = np.asarray(patch, dtype=np.float32)  # one float copy of a grey patch, shared by both directions
    if p.shape[0] < 4 or p.shape[1] < 4 or float(np.sqrt(np.mean(np.diff(p, axis=0) ** 2))) < MIN_EDGE_RMS:
        return float("nan")
    return 2.0 * (derivative_half_width_px(p, 1) - derivative_half_width_px(p, 0))


def foot_patch(grey: np.ndarray, foot_px: np.ndarray) -> tuple[np.ndarray, float] | None:
    """(the grey pixels around one foot, the foot's length px) from its heel, ankle and toe (grey-image px, (3, 2));
    None when a point is missing, the foot is too small, or less than 8x8 px of its patch is inside the image."""
    if not np.isfinite(foot_px).all():
        return None
    length = float(np.linalg.norm(foot_px[0] - foot_px[2]))
    if length < MIN_FOOT_PX:
        return None
    pad = PATCH_PAD_FOOT * length
    h, w = grey.shape[:2]
    x0, y0 = np.floor(foot_px.min(axis=0) - pad).astype(int)
    x1, y1 = np.ceil(foot_px.max(axis=0) + pad).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return grey[y0:y1, x0:x1], length


class FootBlurMeter:
    """Fed frame by frame (the grey copy and the pose found on it); ``summary()`` gives each foot's streak per frame.

    Runs on the camera check's thread during the pose pass (:mod:`formcheck.pose`), or in the camera check's own pass
    over a saved pose track (:func:`formcheck.camera.measure_camera_motion`), one frame in ``every``. The same frames
    feed :class:`formcheck.foot_overlay.FootOverlayMeter` (something drawn over the feet), whose figure the summary
    carries as "overlay" (None when it failed or saw too little; the blur figures stand either way).
    ``stop(reason)``: the figures so far are not the runner's alone (several people) or not whole; no figure then.
    """

    def __init__(self, every: int = EVERY_FRAMES) -> None:
        self.every = max(1, every)
        self._frames: list[int] = []
        self._streaks: dict[str, list[float | None]] = {side: [] for side in SIDES}
        self.overlay = FootOverlayMeter(every=1)  # fed the frames this meter measures
        self.stopped: str | None = None

    def add(self, index: int, grey: np.ndarray, pose_px: np.ndarray, image_width: int) -> None:
        """``pose_px``: (33, >=2) landmarks in full-frame px of a frame ``image_width`` px wide (the grey copy may
        be smaller)."""
        if index % self.every or self.stopped:
            return
        try:
            self.overlay.add(index, grey, pose_px, image_width)
        except Exception as exc:  # noqa: BLE001 - that figure only is lost
            self.overlay.stop(f"failed: {type(exc).__name__}: {exc}")
        sc = grey.shape[1] / float(image_width)
        row: dict[str, float | None] = {}
        for side in SIDES:
            got = foot_patch(grey, pose_px[foot_points(side), :2] * sc)
            s = streak_px(got[0]) if got is not None else float("nan")
            row[side] = round(100.0 * s / got[1], 2) if got is not None and np.isfinite(s) else None
        self._frames.append(int(index))
        for side in SIDES:
            self._streaks[side].append(row[side])

    def stop(self, reason: str) -> None:
        self.stopped = self.stopped or reason

    def summary(self) -> dict[str, Any] | None:
        """Per measured decoded frame, each foot's streak in % of its length (None where not measured), by
        MediaPipe's side labels; None when stopped or nothing was measured. JSON-ready (kept in the track's info)."""
        if self.stopped or not self._frames:
            return None
        return {"frame_indices": list(self._frames), **{side: list(v) for side, v in self._streaks.items()},
                "overlay": self.overlay.summary()}


def _frames_and_values(foot_blur: Any, side: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(frame numbers, that foot's figures with NaN where not measured) of a :meth:`FootBlurMeter.summary`; None for
    anything else (no summary, another layout)."""
    if not isinstance(foot_blur, dict):
        return None
    frames, values = foot_blur.get("frame_indices"), foot_blur.get(side)
    if not isinstance(frames, list) or not isinstance(values, list) or len(frames) != len(values):
        return None
    try:
        return (np.asarray(frames, dtype=np.int64),
                np.array([np.nan if v is None else float(v) for v in values], dtype=float))
    except (TypeError, ValueError):
        return None


def has_figures_for(foot_blur: Any, frame_indices: np.ndarray) -> bool:
    """Whether a summary measured at least MIN_FRAMES of these frames (on either foot): whether it gives a figure."""
    return near_foot_streak_pct(foot_blur, SIDES[0], frame_indices) is not None  # falls back on the other foot


def near_foot_streak_pct(foot_blur: dict[str, Any] | None, near: str, frame_indices: np.ndarray | None = None) -> float | None:
    """The near foot's median streak (% of its length) over the analysed frames (``frame_indices``, decoded-frame
    numbers; None = all) from a :meth:`FootBlurMeter.summary` kept in a pose track's info; the other foot's when
    the near one was measured on too few of them (the same shutter smears both); None when the clip's pixels were
    not measured (a pose track analysed without its video, the camera check turned off, two people in view) or on
    fewer than MIN_FRAMES frames."""
    for side in (near, *(s for s in SIDES if s != near)):
        got = _frames_and_values(foot_blur, side)
        if got is None:
            continue
        frames, values = got
        keep = np.ones(len(frames), bool) if frame_indices is None else np.isin(frames, np.asarray(frame_indices, dtype=np.int64))
        values = values[keep & np.isfinite(values)]
        if len(values) >= MIN_FRAMES:
            return round(float(np.median(values)), 2)
    return None


__all__ = ["FootBlurMeter", "derivative_half_width_px", "foot_patch", "has_figures_for", "near_foot_streak_pct", "streak_px"]
