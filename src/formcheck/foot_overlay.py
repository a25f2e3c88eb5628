"""Something drawn over the feet (an app's handle, a caption, a logo): found in the pixels where the feet pass.

Apps burn their handle in where the feet land (issue 14's 25 fps portrait treadmill clip). MediaPipe then puts the
shoe on the letters: on the harness's watermarked copy of treadmill_side_01 its toe-offs fall within a frame 30 times
of 34 against 34, on randomised renders saved so 83 % against 89 %. The landmarks alone hardly show it; the pixels do.
A foot passing over a point of the scene changes it; a point of an overlay barely changes as the feet go by under it
(blended at 70 %, 30 % of the change shows through). Letters are made of vertical strokes, while the still lines that
can stand in front of the feet (a treadmill's deck seen from belt height) are mostly horizontal. So, over the clip:
the points with a strong edge in the mean picture that the feet pass over often, that are vertical, and that stay
still while the feet are over them (their RMS difference from the mean picture on those frames under ``STILL_RATIO``
x the upper quartile of that difference over all the points the feet pass over: letters may cover half of them); the
figure is the share of the feet's path (its image columns) such strokes cross: letters put strokes all along it, a
pole or a door frame in a column or two.

Measured on a 320 px wide grey copy of the frames the blur meter measures (every 2nd frame of the camera check's whole
pass, analysed or not: a burnt-in overlay is on all of them), the feet's zone being the heel-ankle-toe triangles of the
feet that moved since the last of them (a planted foot overground leaves the floor beside it still), widened by a fifth
of the foot's length (2026-12-06): treadmill_side_01 0.037, its copies (480p, blurred, crf 40, doubled, small in
portrait, handheld, cut) 0.000-0.062, the same under the harness's watermark 0.41-0.44; randomised renders 0-0.12
(133 of 168 give a figure; a wall's seam behind the feet read 0.26 when edge points were counted instead of columns),
their phone copies other than watermarked 0-0.09 (84 of 124), the watermarked ones 0.12 and 0.47-0.85 (44). A pass
over a floor with seams across the run read 0.2 (synthetic) while standing feet counted too.

Above the warning, the overlay's own pixels are found (:class:`OverlayMaskMeter`) and painted out of every frame the
model is shown (:meth:`OverlayMask.paint_out`, :func:`formcheck.pose.pose_with_overlay_painted_out`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from . import landmarks as lm
from .geometry import SIDES

WIDTH_PX = 320  # the grey copy is shrunk to this width (letters ~5 px high still show their strokes)
FOOT_PAD_FOOT = 0.2  # the feet's zone: each heel-ankle-toe triangle widened by this x the foot's length ...
MOVING_FOOT = 0.1  # ... of the feet that moved this x their length since the last measured frame (a planted foot
# overground leaves the floor beside it still, seams and all; on a treadmill the stance foot moves with the belt)
EDGE_GREY = 60.0  # a strong edge: Sobel magnitude of the mean picture above this (grey levels)
STILL_RATIO = 0.4  # still: its change under the feet below this x the typical change over the feet's zone ...
TYPICAL_PERCENTILE = 75  # ... this percentile of it (letters may cover half the zone, and be the median)
MIN_COVER = 6  # a point counts when the feet were over it on at least this many measured frames ...
MIN_COVER_FRAC = 0.1  # ... and this share of them
MIN_FRAMES = 10  # fewer measured frames give no figure
MIN_EDGE_POINTS = 10  # fewer strong-edge points in the feet's zone give no figure


class FootOverlayMeter:
    """Fed frame by frame (a grey copy of the frame and the pose found on it), as :class:`formcheck.foot_blur.FootBlurMeter`;
    ``summary()`` gives the share of the feet's path that still vertical strokes cross (:func:`overlay_fraction` reads
    it), and for diagnosis the share of the edge points there that are still and vertical."""

    def __init__(self, every: int = 1) -> None:
        self.every = max(1, every)
        self.frames = 0
        self.stopped: str | None = None
        self._last: dict[str, np.ndarray] = {}  # each foot's points on the last measured frame (moving feet only count)
        self._shape: tuple[int, int] | None = None
        self._sum = self._cover = self._sum_cov = self._sq_cov = None  # type: ignore[assignment]

    def add(self, index: int, grey: np.ndarray, pose_px: np.ndarray, image_width: int,
            earlier_px: np.ndarray | None = None) -> None:
        """``pose_px``: (33, >=2) landmarks in full-frame px of a frame ``image_width`` px wide. ``earlier_px``: the pose
        a frame or two before, when the last frame measured was further back (frames read far apart: a planted foot
        would count as moving, :func:`_moved`)."""
        if index % self.every or self.stopped:
            return
        scale = WIDTH_PX / float(grey.shape[1])
        small = cv2.resize(grey, (WIDTH_PX, max(1, int(round(grey.shape[0] * scale)))), interpolation=cv2.INTER_AREA)
        if self._shape is None:
            self._shape = small.shape
            self._sum = np.zeros(small.shape, np.float64)
            self._cover = np.zeros(small.shape, np.int32)
            self._sum_cov = np.zeros(small.shape, np.float64)
            self._sq_cov = np.zeros(small.shape, np.float64)
        elif small.shape != self._shape:
            return  # a frame of another size (rotation metadata changing mid-clip): not comparable
        feet = {side: pose_px[foot_points(side), :2] * (WIDTH_PX / float(image_width)) for side in SIDES}
        last = self._last if earlier_px is None else \
            {side: earlier_px[foot_points(side), :2] * (WIDTH_PX / float(image_width)) for side in SIDES}
        moving = {side: _moved(feet[side], last.get(side)) for side in SIDES}
        self._last = feet
        x = small.astype(np.float64)
        zone = feet_zone(small.shape, [feet[side] for side in SIDES if moving[side]])
        self._sum += x
        self._cover += zone
        self._sum_cov += np.where(zone, x, 0.0)
        self._sq_cov += np.where(zone, x * x, 0.0)
        self.frames += 1

    def stop(self, reason: str) -> None:
        """No figure: the measure failed (the blur meter's figures are kept)."""
        self.stopped = self.stopped or reason

    def summary(self) -> dict[str, Any] | None:
        """{"path_crossed_frac", "still_point_frac", "edge_points", "frames"}, or None when too
        little was seen to judge."""
        if self._shape is None or self.frames < MIN_FRAMES or self.stopped:
            return None
        st = _stillness(self._sum, self._cover, self._sum_cov, self._sq_cov, self.frames)
        edges = st.edges
        if int(edges.sum()) < MIN_EDGE_POINTS:
            return None
        still_vertical = st.still_edges & st.vertical
        columns = st.covered.any(axis=0)  # letters put strokes across the feet's path; a pole or a door frame in a column or two
        return {"path_crossed_frac": round(float(still_vertical.any(axis=0).sum()) / float(columns.sum()), 4),
                "still_point_frac": round(float(still_vertical.sum()) / float(edges.sum()), 4),
                "edge_points": int(edges.sum()), "frames": self.frames}


@dataclass(frozen=True)
class _Stillness:
    """What a meter's sums say about each point: (H, W) arrays."""

    mean: np.ndarray  # the mean picture (grey levels)
    covered: np.ndarray  # bool: the feet passed over it often enough
    strong: np.ndarray  # bool: a strong edge of the mean picture
    vertical: np.ndarray  # bool: ... across x more than y
    change: np.ndarray  # its RMS difference from the mean picture while a foot is over it (grey levels)
    typical: float  # the covered points' upper quartile of ``change``

    @property
    def edges(self) -> np.ndarray:
        return self.covered & self.strong

    @property
    def still_edges(self) -> np.ndarray:
        """The covered strong edges that barely change as a foot passes over them."""
        return self.edges & (self.change < STILL_RATIO * self.typical)


def _stillness(total: np.ndarray, cover: np.ndarray, sum_cov: np.ndarray, sq_cov: np.ndarray, frames: int) -> _Stillness:
    mean = (total / frames).astype(np.float32)
    gx, gy = cv2.Sobel(mean, cv2.CV_32F, 1, 0), cv2.Sobel(mean, cv2.CV_32F, 0, 1)
    covered = cover >= max(MIN_COVER, MIN_COVER_FRAC * frames)
    n = np.maximum(cover, 1)
    m = mean.astype(np.float64)  # how far a point is, while a foot is over it, from how it looks over the clip (RMS)
    change = np.sqrt(np.maximum(sq_cov / n - 2.0 * m * sum_cov / n + m * m, 0.0))
    typical = float(np.percentile(change[covered], TYPICAL_PERCENTILE)) if covered.any() else 0.0
    return _Stillness(mean, covered, np.hypot(gx, gy) > EDGE_GREY, np.abs(gx) > np.abs(gy), change, typical)


def foot_points(side: str) -> list[int]:
    """The landmark indices of one foot's heel, ankle and toe, in that order."""
    leg = lm.LEG[side]  # type: ignore[index]
    return [leg["heel"], leg["ankle"], leg["foot_index"]]


def _moved(foot: np.ndarray, last: np.ndarray | None) -> bool:
    """Whether a foot (heel, ankle, toe) moved at least MOVING_FOOT x its length since the last measured frame."""
    if last is None or not (np.isfinite(foot).all() and np.isfinite(last).all()):
        return False
    length = float(np.linalg.norm(foot[0] - foot[2]))
    return bool(length > 0 and np.linalg.norm((foot - last).mean(axis=0)) >= MOVING_FOOT * length)


def feet_zone(shape: tuple[int, int], feet: list[np.ndarray]) -> np.ndarray:
    """(H, W) bool: each foot's heel-ankle-toe triangle ((3, 2) image px of ``shape``), widened by FOOT_PAD_FOOT x its
    length (at most a tenth of the picture's width)."""
    zone = np.zeros(shape, np.uint8)
    for tri in feet:
        if not np.isfinite(tri).all():
            continue
        one = np.zeros(shape, np.uint8)
        cv2.fillConvexPoly(one, np.round(tri).astype(np.int32), 1)
        r = min(shape[1] // 10, max(1, int(round(FOOT_PAD_FOOT * float(np.linalg.norm(tri[0] - tri[2]))))))
        zone |= cv2.dilate(one, np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    return zone.astype(bool)


# ------------------------------------------------------------------------------------------- painting it out
# MediaPipe puts a shoe that passes under letters on them: on randomised renders saved with an app's handle over the
# landing zone, one leg's contacts came 2-4 frames early on every step. Painted out of each frame before the model
# sees it (the letters' own pixels, found as the figure above finds them but at the frame's resolution, filled from
# around them), those contacts were timed as on the clean render (docs/thresholds.md, "Something drawn over the feet").
MASK_MAX_FRAMES = 200  # frames read to find the overlay's pixels (spread over the clip)
MASK_PAD_FOOT = 1.0  # the feet's box over the clip, widened by this x the foot's length: where the overlay is looked for
MASK_GROW_PX = 1  # the still edge points, widened by this (px of the frame as decoded) to take the strokes' fill
MASK_FILL_PX = 3  # ... and the still pixels this close to them (a stroke's fill between its two edges)
MASK_SIZES_FOR_PX = 1280  # these sizes are for a frame of at most this long side: a larger one is measured shrunk to it
# and painted with sizes grown with it (an app's handle is drawn in proportion to the frame: at 1080x1920, measured at
# full size, a stroke's fill reached beyond 3 px and half the letters' edges read weaker than EDGE_GREY, a reviewer saw)
MASK_MAX_STILL_SHARE = 0.45  # more of the feet's zone than this still under the overlay: not painted (a newcomer's
# copy with a huge opaque "SAMPLE" over the feet read 0.49 and came out worse painted; a handle across the landing band
# 0.34, the harness's watermark 0.11, randomised renders' 0.25-0.30)
PAINT_FRINGE_PX = 1  # painted this far beyond them: a letter's anti-aliased edge left in place is a light ring the fill
# spreads (treadmill_side_01's watermarked copies: toe-offs 84 -> 99/102 with it)
PAINT_RADIUS_PX = 3  # cv2.inpaint's neighbourhood (Telea)


@dataclass(frozen=True)
class OverlayMask:
    """The pixels of something drawn over the feet, in a box of the frame as decoded (``frame_size`` (W, H) px)."""

    box_px: tuple[int, int, int, int]  # x0, y0, x1, y1 in the decoded frame's pixels
    pixels: np.ndarray  # (y1 - y0, x1 - x0) bool: the overlay's pixels in the box
    frame_size: tuple[int, int]

    @property
    def n_pixels(self) -> int:
        return int(self.pixels.sum())

    @cached_property
    def _painting(self) -> tuple[tuple[int, int, int, int], np.ndarray, int]:
        """What every frame is painted with: the region the fill reads (decoded px), the mask in it (the overlay's
        pixels and their fringe), the fill's radius. Made once: the mask is the same on every frame."""
        x0, y0, x1, y1 = self.box_px
        w, h = self.frame_size
        fringe, radius = _sized(PAINT_FRINGE_PX, self.frame_size), _sized(PAINT_RADIUS_PX, self.frame_size)
        m = radius + fringe + 1  # the fill reads this far around the mask
        ax0, ay0, ax1, ay1 = max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)
        mask = np.zeros((ay1 - ay0, ax1 - ax0), np.uint8)
        mask[y0 - ay0 : y1 - ay0, x0 - ax0 : x1 - ax0] = self.pixels
        return (ax0, ay0, ax1, ay1), cv2.dilate(mask, np.ones((2 * fringe + 1,) * 2, np.uint8)), radius

    def paint_out(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` (a decoded frame, (H, W, 3) uint8) with the overlay's pixels filled from around them (a new array; the
        frame unchanged when it is not of the size the mask was found on)."""
        if rgb.shape[1::-1] != tuple(self.frame_size) or not self.pixels.any():
            return rgb
        (ax0, ay0, ax1, ay1), mask, radius = self._painting
        out = rgb.copy()
        out[ay0:ay1, ax0:ax1] = cv2.inpaint(np.ascontiguousarray(rgb[ay0:ay1, ax0:ax1]), mask, radius, cv2.INPAINT_TELEA)
        return out


class OverlayMaskMeter:
    """The overlay's pixels, measured as :class:`FootOverlayMeter` measures its figure but at the frame's own
    resolution, in the box the feet move in (:func:`feet_box_px`). Seeds: the strong edges of the mean picture that
    stay still while a foot is over them (any direction: letters have cross strokes). Letters also reach where no foot
    goes (below the soles, over the belt: on treadmill_side_01's watermarked copy the feet pass over their top only),
    so the strong edges that barely change over all the frames read, joined to a seed within ``MASK_GROW_PX``, are
    taken too, with the still pixels within ``MASK_FILL_PX`` of them (a stroke's fill). Of the points the feet pass
    over, only those that stay still under them are taken (and a pixel round them): nothing of the shoe alone is in
    the mask, though the shoe's pixels under the letters are painted with them as it passes. When
    more than ``MASK_MAX_STILL_SHARE`` of the feet's zone stays still, the overlay hides the feet rather than crossing
    them, and nothing is painted."""

    def __init__(self, box_px: tuple[int, int, int, int], frame_size: tuple[int, int]) -> None:
        self.box_px, self.frame_size = box_px, frame_size
        x0, y0, x1, y1 = box_px
        # measured on the box shrunk as a frame MASK_SIZES_FOR_PX long would show it: the edges' strength, the strokes'
        # widths and the sizes below are then those of the clips it was set on, the mask grown back to the box after
        self._work = min(1.0, MASK_SIZES_FOR_PX / float(max(frame_size)))
        shape = (max(1, round((y1 - y0) * self._work)), max(1, round((x1 - x0) * self._work)))
        self._sum, self._sq, self._sum_cov, self._sq_cov = (np.zeros(shape, np.float64) for _ in range(4))
        self._cover = np.zeros(shape, np.int32)
        self._last: dict[str, np.ndarray] = {}
        self.frames = 0

    def add(self, grey: np.ndarray, pose_px: np.ndarray, image_width: int, earlier_px: np.ndarray | None = None) -> None:
        """``grey``: the decoded frame in grey (of ``frame_size``); ``pose_px`` (33, >=2) in full-frame px of a frame
        ``image_width`` px wide; ``earlier_px`` as :meth:`FootOverlayMeter.add`'s."""
        if grey.shape[::-1] != tuple(self.frame_size):
            return
        x0, y0, x1, y1 = self.box_px
        sc, w = grey.shape[1] / float(image_width), self._work
        feet = {side: (pose_px[foot_points(side), :2] * sc - (x0, y0)) * w for side in SIDES}
        last = self._last if earlier_px is None else \
            {side: (earlier_px[foot_points(side), :2] * sc - (x0, y0)) * w for side in SIDES}
        moving = [feet[side] for side in SIDES if _moved(feet[side], last.get(side))]
        self._last = feet
        crop = grey[y0:y1, x0:x1]
        if w < 1.0:
            crop = cv2.resize(crop, self._cover.shape[::-1], interpolation=cv2.INTER_AREA)
        x = crop.astype(np.float64)
        zone = feet_zone(x.shape, moving)
        self._sum += x
        self._sq += x * x
        self._cover += zone
        self._sum_cov += np.where(zone, x, 0.0)
        self._sq_cov += np.where(zone, x * x, 0.0)
        self.frames += 1

    def mask(self) -> OverlayMask | None:
        """The overlay's pixels, or None when too little was seen or nothing stays still."""
        if self.frames < MIN_FRAMES:
            return None
        st = _stillness(self._sum, self._cover, self._sum_cov, self._sq_cov, self.frames)
        still = st.still_edges
        if int(st.edges.sum()) < MIN_EDGE_POINTS or not still.any():
            return None
        # the seeds: the still edges the feet pass over; the overlay: the still strong edges of the mean picture joined
        # to them, where the feet do not go too (letters reach below the soles, over the belt), with their fill
        m = st.mean.astype(np.float64)
        spread = np.sqrt(np.maximum(self._sq / self.frames - m * m, 0.0))  # over all the frames read
        # still: under the feet, barely changed as they pass; elsewhere, barely changed at all
        still_px = np.where(st.covered, st.change, spread) < STILL_RATIO * st.typical
        if (still_px & st.covered).sum() > MASK_MAX_STILL_SHARE * st.covered.sum():
            return None  # the feet hidden, not crossed by strokes: painting it out would paint them out too
        grow = np.ones((2 * MASK_GROW_PX + 1,) * 2, np.uint8)
        joined = cv2.dilate((st.strong & still_px).astype(np.uint8) | still.astype(np.uint8), grow)
        _, parts = cv2.connectedComponents(joined, connectivity=8)
        seeded = np.unique(parts[still])
        kept = np.isin(parts, seeded[seeded > 0])
        fill = np.ones((2 * MASK_FILL_PX + 1,) * 2, np.uint8)  # the strokes' fill between their edges
        pixels = kept | (cv2.dilate(kept.astype(np.uint8), fill).astype(bool) & still_px)
        if self._work < 1.0:
            x0, y0, x1, y1 = self.box_px
            pixels = cv2.resize(pixels.astype(np.uint8), (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST).astype(bool)
        return OverlayMask(self.box_px, pixels, self.frame_size)


def _sized(px: int, frame_size: tuple[int, int]) -> int:
    """A size in px set for frames up to MASK_SIZES_FOR_PX long, for a frame of ``frame_size`` (W, H) (painting)."""
    return max(px, int(round(px * max(frame_size) / MASK_SIZES_FOR_PX)))


def feet_box_px(pose_px: np.ndarray, frame_size: tuple[int, int], image_width: int) -> tuple[int, int, int, int] | None:
    """Where the feet move over a clip ((T, 33, >=2) full-frame px), in the pixels of a frame of ``frame_size``: the
    box of their heel, ankle and toe points (1st-99th percentile), widened by ``MASK_PAD_FOOT`` x the foot's length."""
    pts = np.concatenate([pose_px[:, foot_points(side), :2] for side in SIDES], axis=1)
    seen = pts[np.isfinite(pts).all(axis=2).all(axis=1)]
    if len(seen) < MIN_FRAMES:
        return None
    sc = frame_size[0] / float(image_width)
    foot = float(np.median(np.linalg.norm(seen[:, 0] - seen[:, 2], axis=1))) * sc  # heel to toe
    flat = seen.reshape(-1, 2) * sc
    lo, hi = np.percentile(flat, 1, axis=0) - MASK_PAD_FOOT * foot, np.percentile(flat, 99, axis=0) + MASK_PAD_FOOT * foot
    x0, y0 = int(max(0, np.floor(lo[0]))), int(max(0, np.floor(lo[1])))
    x1, y1 = int(min(frame_size[0], np.ceil(hi[0]))), int(min(frame_size[1], np.ceil(hi[1])))
    return (x0, y0, x1, y1) if x1 - x0 >= 8 and y1 - y0 >= 8 else None


def overlay_fraction(foot_blur: Any) -> float | None:
    """The share of the feet's path that still vertical strokes cross, from a pose track's ``info["foot_blur"]`` (the
    pixels around the feet: :class:`formcheck.foot_blur.FootBlurMeter`'s summary, which carries this meter's as
    "overlay"); None when the pixels were not measured or too little was seen."""
    if not isinstance(foot_blur, dict) or not isinstance(foot_blur.get("overlay"), dict):
        return None
    value = foot_blur["overlay"].get("path_crossed_frac")
    return float(value) if isinstance(value, (int, float)) else None


__all__ = ["FootOverlayMeter", "OverlayMask", "OverlayMaskMeter", "feet_box_px", "feet_zone", "foot_points", "overlay_fraction"]
