"""What the pose model is shown of each frame: the whole frame, a fixed box, or a box that follows the runner.

MediaPipe's person detector looks at the whole image shrunk to 224x224, so a runner small in the frame is found
in few frames, or in none: a rendered runner 150 px tall crossing an 854x480 track scene was found in 0 of 180
frames, while squares of 0.6 of the frame's height around them found them in 11 of 12 sampled frames. Once the
detector has found a person, the landmark model follows them on a crop of its own; what the detector is shown
decides whether the runner is found at all.

Two closer views (:class:`ModelRegion`, one box per track index):

* :func:`runner_roi`, a fixed box: the region a small runner occupies over the clip (a treadmill runner in a
  portrait frame), when the whole frame shows them in few frames or small;
* :func:`following_region`, a square of ``FOLLOW_SIDE_PER_HEIGHT`` x the runner's height centred where the
  runner is in each frame, interpolated between sightings: for a clip in which the whole frame shows nobody and
  squares of it show a runner (one seen passing at a distance, whose region over the clip is the whole width).
  The box moves smoothly with the runner, like a camera panning with them; the landmarks come back in
  full-frame pixels. (Tried also for runners the whole frame shows in under 90 % of frames: 12 overground passes
  among the randomised renders, contacts 697 -> 697, toe-offs 677 -> 671, and a model pass more: not kept.)
  Also tried for a runner crossing the frame (:func:`crosses_the_frame`) whom :func:`runner_roi` would box, or whom
  the whole frame missed while in view (:func:`missed_in_view`): a box around the few frames the whole frame showed
  them in holds them for a moment only (a rendered 640x360 pass: found in 5 of 432 frames, 73 in such a box, 361
  followed), and a runner found late was refused with too few steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import landmarks as lm
from .pose_track import PoseTrack

# A runner small in the frame is found in few frames: on treadmill_side_01 shrunk into a portrait frame with the
# leg 10 % of its height, in 27 % of frames. The clip is then run again on the region the runner occupies.
ROI_SMALL_RUNNER_FRAC = 0.4  # runner (landmark extent) shorter than this fraction of the image height ...
ROI_LOW_DETECTION = 0.9  # ... or found in fewer frames than this: look again within their region
ROI_MARGIN = 0.35  # the region: the runner's extent over the clip, widened by this fraction on each side
ROI_MAX_AREA = 0.6  # not worth a second pass when the region covers more of the image than this

FOLLOW_SIDE_PER_HEIGHT = 2.0  # the following square's side, in runner heights (landmark extent): the runner fills half
FOLLOW_MIN_SIDE_PX = 64  # never a smaller square (the detector's input is 224 px)
FOLLOW_MIN_ZOOM = 1.5  # worth a pass only when the detector sees the runner this much larger than in the whole frame


@dataclass(frozen=True)
class Sighting:
    """Where a person was seen: track index, centre of their landmarks' box (px) and its height (px)."""

    index: int
    centre_px: tuple[float, float]
    height_px: float


@dataclass(frozen=True)
class ModelRegion:
    """The box (x0, y0, x1, y1, full-frame px) the model is shown at each track index.

    ``boxes`` is (T, 4); a single row is one box for every frame. An index past the last row gets the last box
    (the region is planned for the frames a clip is expected to have).
    """

    boxes: np.ndarray

    def at(self, index: int) -> tuple[int, int, int, int]:
        row = self.boxes[min(max(index, 0), len(self.boxes) - 1)]
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    @property
    def following(self) -> bool:
        return len(self.boxes) > 1

    def describe(self) -> dict[str, Any]:
        """For the track's info: the fixed box, or the following square's side and first and last box."""
        if not self.following:
            return {"kind": "fixed", "box_px": list(self.at(0))}
        return {"kind": "following", "side_px": int(self.boxes[0, 2] - self.boxes[0, 0]),
                "first_box_px": list(self.at(0)), "last_box_px": list(self.at(len(self.boxes) - 1))}


def fixed_region(box: tuple[int, int, int, int]) -> ModelRegion:
    return ModelRegion(np.asarray([box], dtype=np.int64))


# MediaPipe's person detector keys on the head: a runner filmed close in a portrait frame, the head above its top
# edge, is found in few frames or none (a still 120 fps render at 0.33 m, the runner 0.70 of the frame: 2 of 596
# frames). Shown the frame with room above it (the top rows repeated up to HEAD_ROOM_FRAC of its height), the
# detector finds them in every frame. Tried when nobody is found (kept outright when it finds the runner in
# HEAD_ROOM_BELOW_DETECTION of the frames, else against the small runner's squares, whichever finds more), or when the
# runner is found in under HEAD_ROOM_BELOW_DETECTION of the frames from the first sighting on (those before it are
# tracked back) and no closer box is worth a pass; kept when it finds more.
HEAD_ROOM_FRAC = 0.3
HEAD_ROOM_BELOW_DETECTION = 0.5
HEAD_ROOM_MIN_DETECTION = 0.1  # found in fewer frames with room above (when nobody was found without): not a runner to keep


def head_room_region(image_size: tuple[int, int]) -> ModelRegion:
    """The whole frame with HEAD_ROOM_FRAC of its height added above it (a box reaching above the image)."""
    w, h = image_size
    return fixed_region((0, -int(round(HEAD_ROOM_FRAC * h)), int(w), int(h)))


def sighting_of(index: int, pose_xy: np.ndarray) -> Sighting | None:
    """The sighting of a pose's (33, 2) landmarks (px), or None when none is placed."""
    ok = np.isfinite(pose_xy).all(axis=1)
    if not ok.any():
        return None
    x, y = pose_xy[ok, 0], pose_xy[ok, 1]
    return Sighting(index, (0.5 * float(x.min() + x.max()), 0.5 * float(y.min() + y.max())), float(y.max() - y.min()))


CROSSING_HEIGHTS_S = 0.5  # a runner whose hips travel across the image faster than this (runner heights per second) crosses it
MISSED_IN_VIEW_HEIGHTS = 1.0  # a crossing runner first (last) sighted this many heights inside the edge they enter (leave) by


@dataclass(frozen=True)
class HipTravel:
    """Where the runner's hips were sighted across the image: their x at the first and last sighting (px), the speed
    of a least-squares line through all sightings (px per second of the file's time, + = rightwards), the runner's
    median height (px), and whether the first and last sightings are the clip's first and last frames."""

    first_x_px: float
    last_x_px: float
    speed_px_s: float
    height_px: float
    from_first_frame: bool
    to_last_frame: bool


def hip_travel(track: PoseTrack) -> HipTravel | None:
    """The hips' travel over the sightings, whatever the gaps between them; None with under 3 sightings or no height."""
    hips = track.keypoints_px[:, [lm.LEFT_HIP, lm.RIGHT_HIP], 0].mean(axis=1)
    seen = np.flatnonzero(np.isfinite(hips))
    t = np.asarray(track.timestamps_s, dtype=float)[seen]
    if len(seen) < 3 or np.ptp(t) <= 0:
        return None
    k = track.keypoints_px[seen]
    height = float(np.median(np.nanmax(k[..., 1], axis=1) - np.nanmin(k[..., 1], axis=1)))
    if not height > 0:
        return None
    return HipTravel(float(hips[seen[0]]), float(hips[seen[-1]]), float(np.polyfit(t - t[0], hips[seen], 1)[0]), height,
                     bool(seen[0] == 0), bool(seen[-1] == len(hips) - 1))


def crosses_the_frame(track: PoseTrack) -> bool:
    """The runner moves across the image, as overground past a still camera: the hips travel faster than
    ``CROSSING_HEIGHTS_S`` runner heights a second of the file's time (:func:`hip_travel`). A treadmill runner's hips
    sway by a few centimetres (under 0.2 heights/s over a few frames, ~0 over a stride); a jogger at 2.3 m/s crosses
    1.3 heights/s, 0.55 on a 2.4x slow-motion file. A few sightings are enough (frames shown twice do not halve it):
    a fixed box around them would hold a crossing runner for a moment only."""
    travel = hip_travel(track)
    return travel is not None and abs(travel.speed_px_s) > CROSSING_HEIGHTS_S * travel.height_px


def missed_in_view(track: PoseTrack) -> bool:
    """A runner crossing the frame whom the model missed while in view: first sighted more than
    ``MISSED_IN_VIEW_HEIGHTS`` runner heights inside the image edge they come in from (after the clip's first frame),
    or last sighted that far from the edge they leave by (before its last frame). Passes the whole frame follows come
    and go within 0.35 heights of the edges (25 rendered passes); a 4.3 m/s runner in a 640x360 frame was first found
    1.8 heights in, 0.6 s after entering, and the pass was refused with 2 steps."""
    travel = hip_travel(track)
    if travel is None:
        return False
    width = float(track.image_size[0])
    entry, leave = (width, 0.0) if travel.speed_px_s < 0 else (0.0, width)
    reach = MISSED_IN_VIEW_HEIGHTS * travel.height_px
    late = not travel.from_first_frame and abs(travel.first_x_px - entry) > reach
    early = not travel.to_last_frame and abs(travel.last_x_px - leave) > reach
    return late or early


def runner_roi(track: PoseTrack) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) px of the region the runner occupies over the clip, when a second, closer pass
    is worth it (small runner or few detections, and a region much smaller than the frame); else None."""
    w, h = track.image_size
    k = track.keypoints_px[np.isfinite(track.keypoints_px).all(axis=2).all(axis=1)]
    if len(k) < 3:
        return None
    heights = k[..., 1].max(axis=1) - k[..., 1].min(axis=1)
    small = float(np.median(heights)) < ROI_SMALL_RUNNER_FRAC * h
    if not (small or track.detection_rate < ROI_LOW_DETECTION):
        return None
    x = k[..., 0].ravel()
    y = k[..., 1].ravel()
    x_lo, x_hi = np.percentile(x, [1, 99])
    y_lo, y_hi = np.percentile(y, [1, 99])
    bw, bh = x_hi - x_lo, y_hi - y_lo
    side = max(bw, bh) * (1 + 2 * ROI_MARGIN)  # square-ish: the detector's own input is square
    cx, cy = 0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi)
    x0, x1 = int(max(0, cx - 0.5 * side)), int(min(w, cx + 0.5 * side))
    y0, y1 = int(max(0, cy - 0.5 * side)), int(min(h, cy + 0.5 * side))
    if (x1 - x0) * (y1 - y0) > ROI_MAX_AREA * w * h or x1 - x0 < 16 or y1 - y0 < 16:
        return None
    return x0, y0, x1, y1


def following_region(sightings: list[Sighting], n_frames: int, image_size: tuple[int, int]) -> ModelRegion | None:
    """A square that follows the runner through ``n_frames`` track indices, or None when it would not show the
    detector the runner at least ``FOLLOW_MIN_ZOOM`` x larger than the whole frame does.

    The side is ``FOLLOW_SIDE_PER_HEIGHT`` x the median sighted height (at least ``FOLLOW_MIN_SIDE_PX``, at most the
    frame's short side); the centre is interpolated linearly between sightings and held before the first and after
    the last; the square is shifted (never shrunk) to stay inside the frame.
    """
    if not sightings or n_frames < 1:
        return None
    w, h = image_size
    side = int(round(np.clip(FOLLOW_SIDE_PER_HEIGHT * float(np.median([s.height_px for s in sightings])),
                             FOLLOW_MIN_SIDE_PX, min(w, h))))
    if max(w, h) < FOLLOW_MIN_ZOOM * side:  # the detector letterboxes the whole frame on its long side
        return None
    order = sorted(sightings, key=lambda s: s.index)
    at = np.array([s.index for s in order], dtype=float)
    t = np.arange(n_frames, dtype=float)
    cx = np.interp(t, at, [s.centre_px[0] for s in order])
    cy = np.interp(t, at, [s.centre_px[1] for s in order])
    x0 = np.clip(np.round(cx - 0.5 * side), 0, w - side).astype(np.int64)
    y0 = np.clip(np.round(cy - 0.5 * side), 0, h - side).astype(np.int64)
    return ModelRegion(np.stack([x0, y0, x0 + side, y0 + side], axis=1))


__all__ = ["HipTravel", "ModelRegion", "Sighting", "crosses_the_frame", "fixed_region", "following_region", "hip_travel",
           "missed_in_view", "runner_roi", "sighting_of"]
