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
"""

from __future__ import annotations

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

    def add(self, index: int, grey: np.ndarray, pose_px: np.ndarray, image_width: int) -> None:
        """``pose_px``: (33, >=2) landmarks in full-frame px of a frame ``image_width`` px wide."""
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
        moving = {side: _moved(feet[side], self._last.get(side)) for side in SIDES}
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
        mean = (self._sum / self.frames).astype(np.float32)
        gx, gy = cv2.Sobel(mean, cv2.CV_32F, 1, 0), cv2.Sobel(mean, cv2.CV_32F, 0, 1)
        covered = self._cover >= max(MIN_COVER, MIN_COVER_FRAC * self.frames)
        edges = covered & (np.hypot(gx, gy) > EDGE_GREY)
        if int(edges.sum()) < MIN_EDGE_POINTS:
            return None
        n = np.maximum(self._cover, 1)
        m = mean.astype(np.float64)  # how far a point is, while a foot is over it, from how it looks over the clip (RMS)
        change = np.sqrt(np.maximum(self._sq_cov / n - 2.0 * m * self._sum_cov / n + m * m, 0.0))
        typical = float(np.percentile(change[covered], TYPICAL_PERCENTILE))
        still_vertical = edges & (change < STILL_RATIO * typical) & (np.abs(gx) > np.abs(gy))
        columns = covered.any(axis=0)  # letters put strokes across the feet's path; a pole or a door frame in a column or two
        return {"path_crossed_frac": round(float(still_vertical.any(axis=0).sum()) / float(columns.sum()), 4),
                "still_point_frac": round(float(still_vertical.sum()) / float(edges.sum()), 4),
                "edge_points": int(edges.sum()), "frames": self.frames}


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


def overlay_fraction(foot_blur: Any) -> float | None:
    """The share of the feet's path that still vertical strokes cross, from a pose track's ``info["foot_blur"]`` (the
    pixels around the feet: :class:`formcheck.foot_blur.FootBlurMeter`'s summary, which carries this meter's as
    "overlay"); None when the pixels were not measured or too little was seen."""
    if not isinstance(foot_blur, dict) or not isinstance(foot_blur.get("overlay"), dict):
        return None
    value = foot_blur["overlay"].get("path_crossed_frac")
    return float(value) if isinstance(value, (int, float)) else None


__all__ = ["FootOverlayMeter", "feet_zone", "foot_points", "overlay_fraction"]
