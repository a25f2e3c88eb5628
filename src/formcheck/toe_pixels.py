"""Pixel evidence for the far foot's toe-off on a runner passing a still camera: the toe's patch of ground.

A foot on still ground stands still in the picture, and its toe is the last part of it to leave the ground. The
landmarks time the far foot's toe-off worst of all events: MediaPipe's far toe slides forward 2-3 frames before the
shoe leaves, and the far knee's turn comes 1-3 frames early or late on every step of a clip (docs/evaluation.md). A
person labelling frames looks at the shoe instead: at the toe-off the patch of picture where the toe stood changes.

:func:`toe_off_from_patch` takes the toe's patch of picture in each frame of one stance, from mid-stance on (the
patch around the toe's mid-stance position: the median of its landmark over the middle of the stance); its mean over
the mid-stance frames is the foot standing, and the toe-off is the last frame before the patch's mean absolute
difference from that first passes half way from its mid-stance level to its largest. :func:`far_toe_offs_from_pixels`
applies it to every far-leg stance of a pass filmed from a still camera (picture positions, not a stabilised track),
reading only those patches of the clip (:func:`read_grey_patches`), and keeps the pixels' toe-off where it lies within
``agree_s`` of the landmarks' (``toe_off_method="toe_patch"``). Measured in docs/thresholds.md, "The far toe's patch":
the far toe-offs of the renders' passes 73 -> 95 % within tolerance.

The near foot is left to the landmarks: its toe patch changes early (the near shoe rolls over its toe and its heel,
nearer and larger, enters the patch as it lifts), 257 -> 242 of 275 within tolerance with it on the renders. Not on a
treadmill (the stance foot moves with the belt) nor a moving camera (the ground moves in the picture).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from . import landmarks as lm
from .events import EventParams, GaitEvents, StepEvents, _index_at, _with_toe_off_at
from .geometry import body_scale_px, other_side
from .pose_track import PoseTrack


@dataclass(frozen=True)
class ToePatchParams:
    """How the toe's patch is read (docs/thresholds.md, "The far toe's patch")."""

    patch_half_leg: float = 0.06  # the patch reaches this far each side of the toe (leg lengths): a shoe's front third
    reference_from: float = 0.3  # mid-stance: the reference frames run from this fraction of the stance ...
    reference_to: float = 0.6  # ... to this one (the heel is down, the toe stands where it will push off)
    after_s: float = 0.2  # the patch is read up to this long past the landmarks' toe-off
    min_contrast: float = 5.0  # grey levels the patch must change by at its most (a shoe that looks like the ground: no cue)
    agree_s: float = 0.07  # the pixels' toe-off is kept within this of the landmarks' (outside it: something else moved)


def toe_off_from_patch(patches: np.ndarray, reference: slice, min_contrast: float) -> int | None:
    """Index into ``patches`` ((N, h, w) grey, the toe's patch frame by frame) of the last frame before it leaves its
    standing look.

    The standing look is the patches' mean over ``patches[reference]``. The difference from it (mean absolute, grey
    levels) is low while the toe stands and rises when it leaves; the toe-off is the frame before the first one past
    the reference frames whose difference is over half way from the reference frames' median to the largest after
    them. None: the reference frames are not followed by any, or the patch changes by less than ``min_contrast``.
    """
    if reference.stop is None or not 0 < reference.stop < len(patches):
        return None
    p = np.asarray(patches, dtype=np.float32)
    change = np.abs(p - p[reference].mean(axis=0)).mean(axis=(1, 2))
    base, top = float(np.median(change[reference])), float(change[reference.stop :].max())
    if top - base < min_contrast:
        return None
    left = np.flatnonzero(change[reference.stop :] > base + 0.5 * (top - base))
    return int(reference.stop + left[0] - 1)


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (px, end exclusive)


def read_grey_patches(video: str | os.PathLike[str], boxes: Mapping[int, Box]) -> dict[int, np.ndarray]:
    """The grey patch (uint8) ``boxes[n]`` of each decoded-frame number ``n`` of ``video``, display orientation.

    Only the patches are kept: a 4K pass's frames whole would hold 8 MB each."""
    import cv2

    from .video import iter_frames

    out: dict[int, np.ndarray] = {}
    if not boxes:
        return out
    for frame in iter_frames(video, only=set(boxes)):
        box = boxes.get(frame.index)
        if box is not None and frame.rgb is not None:
            x0, y0, x1, y1 = box
            out[frame.index] = cv2.cvtColor(np.ascontiguousarray(frame.rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        if len(out) == len(boxes):
            break
    return out


def _stance_span(s: StepEvents, track: PoseTrack, p: ToePatchParams) -> tuple[int, int, int] | None:
    """(first reference, end of reference, last frame read) as track indices for step ``s``, or None."""
    if s.toe_off_at_s is None:
        return None
    c, t = _index_at(track, s.contact_at_s), _index_at(track, s.toe_off_at_s)
    lo, hi = int(np.ceil(c + p.reference_from * (t - c))), int(np.floor(c + p.reference_to * (t - c))) + 1
    end = min(track.n_frames - 1, int(np.ceil(t + p.after_s * track.fps)))
    return (lo, hi, end) if hi > lo and end >= hi else None


def far_toe_offs_from_pixels(events: GaitEvents, light: PoseTrack, far_side: str,
                             read_patches: Callable[[Mapping[int, Box]], dict[int, np.ndarray]],
                             p: ToePatchParams = ToePatchParams(), event_params: EventParams = EventParams()) -> GaitEvents:
    """``events`` with each far-leg toe-off re-timed by its toe's patch (:func:`toe_off_from_patch`) where that agrees.

    For a runner passing a still camera only: ``light`` (the cleaned, unsmoothed track) in picture positions.
    ``read_patches({frame_number: box})`` returns those grey patches of the clip (:func:`read_grey_patches`).
    """
    toes = {label: lm.LEG[label]["foot_index"] for label in (far_side, other_side(far_side))}  # type: ignore[index]
    scale = body_scale_px(light.keypoints_px)
    if not np.isfinite(scale) or light.to_picture is not None:
        return events
    half = max(3, int(round(p.patch_half_leg * scale)))
    width, height = light.image_size
    stances: dict[int, tuple[int, int, int, Box]] = {}  # step -> (first reference, end of reference, last frame, box)
    for i, s in enumerate(events.steps):
        span = _stance_span(s, light, p) if s.side == far_side else None
        if span is None:
            continue
        lo, hi, end = span
        toe = toes[other_side(far_side) if s.other_label else far_side]  # a short pass's foot under the other label
        with warnings.catch_warnings():  # the toe unseen over the reference frames: no patch
            warnings.simplefilter("ignore", RuntimeWarning)
            x, y = (float(np.nanmedian(light.keypoints_px[lo:hi, toe, c])) for c in (0, 1))
        if np.isfinite(x) and np.isfinite(y) and half <= x < width - half - 1 and half <= y < height - half - 1:
            xi, yi = int(round(x)), int(round(y))
            stances[i] = (lo, hi, end, (xi - half, yi - half, xi + half + 1, yi + half + 1))
    boxes = {int(light.frame_indices[f]): box for lo, _, end, box in stances.values() for f in range(lo, end + 1)}
    if not boxes:
        return events
    patches = read_patches(boxes)
    steps = list(events.steps)
    for i, (lo, hi, end, _) in stances.items():
        numbers = [int(light.frame_indices[f]) for f in range(lo, end + 1)]
        if any(n not in patches for n in numbers):
            continue
        found = toe_off_from_patch(np.stack([patches[n] for n in numbers]), slice(0, hi - lo), p.min_contrast)
        if found is None:
            continue
        pos = float(lo + found)
        if abs(pos - _index_at(light, steps[i].toe_off_at_s)) <= p.agree_s * light.fps:  # type: ignore[arg-type]
            steps[i] = _with_toe_off_at(steps[i], pos, light, event_params, "toe_patch")
    return replace(events, steps=steps)


__all__ = ["ToePatchParams", "far_toe_offs_from_pixels", "read_grey_patches", "toe_off_from_patch"]
