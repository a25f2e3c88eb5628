"""Camera motion on every frame, from the background, and a pose track referred to the ground.

A friend who follows the runner with a phone pans, shakes and sometimes zooms: the whole image
moves, so a stance foot slides across the picture although it stands still on the ground.
:func:`measure_camera_motion` estimates, for every decoded frame, the similarity transform
(translation, rotation, scale) that maps it onto a reference frame, from background features
outside the runner; :func:`stabilised` maps a pose track through it, so the feet move relative to
the ground again and the gait events follow the same rules as on a still camera.

How (one decoding pass, :func:`formcheck.video.iter_frames`):

* frames are turned grey and downscaled (long side <= ``max_side`` px);
* corners (``cv2.goodFeaturesToTrack``) are found on a KEY frame outside the runner's box (the pose
  track's landmarks, padded; the head is above the landmarks) and followed frame to frame with
  pyramidal Lucas-Kanade flow, with a forward-backward check;
* the key-frame -> current-frame similarity is fitted with RANSAC (robust to other moving people,
  a treadmill belt, a runner who walks into the tracked points); points that fall in the runner's
  box or are RANSAC outliers are dropped; when too few are left, the current frame becomes the new
  key frame (its transform to the reference is chained, so drift builds up only at key changes);
* a scene cut is a frame where tracking collapses AND the picture changes at once (a spike of the
  frame difference, or a difference above the usual one where the background's corners cannot be
  followed, outside the runner as well, once a few frames have shown what "usual" is); it starts a
  new segment with its own reference frame;
* frames where the background cannot be followed keep ``ok`` False and get a transform
  interpolated from their neighbours in the same segment;
* a camera that has stood still for STILL_FRAMES frames is followed on every STILL_STRIDE-th
  frame only (the flow is most of the check's CPU, which the pose model needs on 2 cores): the
  frames between are held, take the transform fitted at the stride's last frame when it shows no
  motion (< STILL_PX), and are followed one by one when it does, so a pan is never smeared (a
  jolt that is back in place within the stride is not seen).

:func:`prepare_track` turns this into what the analysis needs (the stretch between cuts showing the runner most,
stabilise when the camera moved more than the camera-motion warning threshold, refuse when the
background cannot carry it); :func:`motion_summary` is the camera-motion quality check
(:func:`formcheck.quality.camera_motion`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .geometry import body_scale_px
from .pose_track import PoseTrack

if TYPE_CHECKING:
    from .foot_blur import FootBlurMeter

# --- estimation
MAX_SIDE_PX = 640  # frames are downscaled so the long side is at most this
MAX_CORNERS = 400
MIN_TRACKED = 24  # fewer good points on the key frame's features: the frame is not estimated
REKEY_POINTS = 80  # fewer surviving points than this (or than half the key frame's): new key frame ...
REKEY_FRACTION_FEW = 0.9  # ... but a key frame with few points (< REKEY_POINTS / this) keeps its key until this share is left
MIN_INLIERS = 15
MIN_INLIER_FRACTION = 0.3
# A WEAK fit, carrying less than this share of the points it tried to follow, is taken only when the picture moved as
# the shot was moving (between its last two estimated frames, per frame; within WEAK_FIT_TOL_PX, or half that move:
# CameraEstimator._steady). A still portrait render at 0.57 m (plain wall,
# the belt, a floor of sensor grain) re-keyed on fits of 15-26 grain points out of 290-400 that "moved" 10-26 px
# together after frames of no motion; chained, they made 340 px of camera motion, and the clip was refused for a
# background too plain to follow. Of the 4,700 fits on the 12 panned and handheld copies of the real treadmill clip and
# the rendered sample, 99 % carry 43 % or more (median 86-98 %); a fast synthetic pan's fresh corners 11-20 %
# in mid-pan, moving as the frame before did (tests/test_camera.py), which a plain share would have dropped.
MIN_SUPPORT_FRACTION = 0.15
WEAK_FIT_TOL_PX = 2.0  # downscaled px (see _moved_px)
RANSAC_PX = 1.0  # RANSAC reprojection threshold, downscaled px
FB_MAX_PX = 0.7  # forward-backward LK disagreement above which a point is dropped
BOX_PAD = 0.25  # runner box padding, fraction of its size
# --- a still camera is followed on every STILL_STRIDE-th frame (the flow is most of the check's CPU)
STILL_STRIDE = 3
STILL_FRAMES = 10  # frames in a row that moved less than STILL_PX / STILL_STRIDE before striding starts
STILL_PX = 0.3  # a stride counts as still when the picture moved less than this (downscaled px) over it
# --- scene cuts
CUT_DIFF_FACTOR = 4.0  # thumbnail difference > this x the running median (+ CUT_DIFF_MIN) ...
CUT_DIFF_MIN = 8.0  # grey levels
# ... or, where the background's corners cannot be followed although both pictures have them, a difference above
# this x the running median (+ CUT_CHANGE_MIN), unless the last frame was followed well: a picture that changed no
# more than it does from one frame to the next is the same shot, its "corners" grain or sensor noise on a plain wall
# (a 25 fps portrait clip whose runner fills the frame had two false cuts at 1.1x the median, its background never
# followed); two shots of similar texture and brightness differ ~2x, a cut during a pan as little as 1.3x.
# Even after a well-followed frame the picture must differ by CUT_CHANGE_MIN: on a plain track scene (sky, hedge,
# grass, lines: edges more than corners) the background was lost for a frame after being followed well, the picture
# 0.6 grey levels from the last, and a still camera's 3.6 s pass was refused for a "scene cut"
CUT_CHANGE_FACTOR = 1.5
CUT_CHANGE_MIN = 2.0  # grey levels
FOLLOWED_WELL_FRACTION = 0.5  # ... "followed well": this share of the points followed (and 3 x MIN_TRACKED) fit one motion
# A new shot changes the picture around the runner too: a cut that is no spike also needs the thumbnail outside the runner's
# (padded) boxes on both frames to differ by CUT_CHANGE_MIN. A rendered portrait treadmill clip whose runner fills most of
# the frame (plain wall, belt slats) lost its background flow for a frame: the whole picture differed 2.7 grey levels (the
# runner moved), outside the runner 0.44; a false cut there halved the analysis. Real cuts measured: 89-141 outside the
# runner. Where less than this share of the thumbnail lies outside the boxes, the whole picture decides, as before.
CUT_BACKGROUND_MIN_FRACTION = 0.1
# Frame differences seen before a cut that is no spike can be told from the usual change: a randomised render whose
# runner fills the frame "cut" at frame 1 (no usual difference yet, the whole picture 3.4 grey levels from frame 0).
CUT_MIN_HISTORY = 3
# --- what the analysis accepts
FAILED_REFUSE_FRACTION = 0.2  # the camera moved and the background could not be followed on more frames than this: refuse
# ... unless the runner's (padded) box hides more of the frame than this: then the few frames followed cannot tell a
# moving camera from a still one (a portrait treadmill clip whose runner fills all but 0-76 px strips of a plain wall and
# the belt: 59 of 437 frames followed, a few fits on the belt's slats added up to 65 px of "camera motion", refused)
BACKGROUND_HIDDEN_UNKNOWN = 0.8
ZOOM_REFUSE_PCT_S = 8.0  # the picture's scale changes faster than this (% per second over 0.5 s): refuse
ZOOM_REFUSE_TOTAL_PCT = 30.0  # or by more than this over the analysed stretch
# a stretch between cuts shorter than this is not analysed. A clip without cuts is analysed from two steps of running
# (a runner crossing the frame in 1.5 s, track_side_short_02), which take 0.6-0.8 s with the frames that time them; at
# 2 s the same pass after a 0.5 s intro was refused for its cut. Shorter stretches hold no two steps.
MIN_SEGMENT_S = 1.0
# --- the picture's word on a chained estimate (CameraEstimator.finish, still_after_all)
# Chained key-frame fits on a background of few, weak features (a plain wall, a belt's slats, sensor grain) can drift
# however each fit is screened: a still 120 fps portrait render (heldout_920) added up 0.2 deg a frame to 108 deg
# of "roll" and 250 px over 5 s, and was refused as a moving camera with a background too plain to follow. The
# pictures themselves say otherwise: a grey copy of a frame every DRIFT_SAMPLE_S, compared outside the runner with the
# first copy of its stretch (a shot, cut where the estimate lines a copy up with the one before: a true move), is nearer
# it as it stands (mean grey difference 0.2-11) than moved as the estimate says (5.5-30). A stretch whose estimate moved
# DRIFT_MOVED_PX or more on DRIFT_MIN_SAMPLES copies, and on at least DRIFT_STILL_SHARE of them the copy as it stands
# differs by less than DRIFT_BETTER x the moved one, was still, and is held where the camera stood.
# The panned and handheld copies of the real clip and the rendered sample: 0 of 42, 11 of 44, 0 of 31.
DRIFT_SAMPLE_S = 0.25
DRIFT_SAMPLE_SIDE_PX = 320  # the copies' long side (the difference is of shapes of the background, not of its grain)
DRIFT_MAX_SAMPLES = 400  # more: every other one is dropped and the interval doubles (memory stays bounded)
DRIFT_MOVED_PX = 3.0  # copy px (see _moved_px) the estimate must move a copy from the first before it is judged
DRIFT_BETTER = 0.8
DRIFT_STILL_SHARE = 0.8
DRIFT_MIN_SAMPLES = 3
DRIFT_MIN_BACKGROUND = 0.05  # less of the copy than this outside the runner (as it stands and as moved): not judged
BAR_FLAT_GREY = 6.0  # an edge row or column whose copies all lie within this many grey levels is a flat bar


@dataclass(frozen=True, eq=False)
class CameraMotion:
    """Per decoded frame: the similarity mapping the frame's pixels onto its segment's reference frame.

    ``to_ref[i]`` is a 2x3 matrix (full-resolution px) ``[[s c, -s n, tx], [s n, s c, ty]]`` applied to
    ``(x, y, 1)``; the reference frame of each segment is its first frame (identity), turned to the camera's
    median roll by :func:`levelled` when the track is stabilised (``info["level_deg"]``).
    """

    frame_indices: np.ndarray  # (N,) decoded frame numbers
    timestamps_s: np.ndarray  # (N,)
    to_ref: np.ndarray  # (N, 2, 3)
    ok: np.ndarray  # (N,) bool: estimated from the background (else interpolated)
    inliers: np.ndarray  # (N,) int: RANSAC inliers of the frame's fit (0 = not estimated)
    segment: np.ndarray  # (N,) int: 0, 1, ... (a scene cut starts a new one)
    image_size: tuple[int, int]
    fps: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return len(self.frame_indices)

    @property
    def scale(self) -> np.ndarray:
        """(N,) size of the frame's picture in reference units per frame pixel (> 1: the camera zoomed out)."""
        return np.hypot(self.to_ref[:, 0, 0], self.to_ref[:, 1, 0])

    @property
    def rotation_deg(self) -> np.ndarray:
        return np.degrees(np.arctan2(self.to_ref[:, 1, 0], self.to_ref[:, 0, 0]))

    @property
    def translation_px(self) -> np.ndarray:
        return self.to_ref[:, :, 2]

    @property
    def cuts(self) -> list[int]:
        """Decoded frame numbers where a new shot starts."""
        return [int(self.frame_indices[i]) for i in np.flatnonzero(np.diff(self.segment)) + 1]

    def segments(self) -> list[tuple[int, int]]:
        """(first, last) decoded frame number of each stretch between cuts."""
        out = []
        for s in np.unique(self.segment):
            idx = np.flatnonzero(self.segment == s)
            out.append((int(self.frame_indices[idx[0]]), int(self.frame_indices[idx[-1]])))
        return out

    def rows(self, frame_indices: np.ndarray) -> np.ndarray:
        """Row of each decoded frame number (-1 where the frame was not measured)."""
        f = np.asarray(frame_indices, dtype=np.int64)
        if not self.n_frames:
            return np.full(f.shape, -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.frame_indices, f), 0, self.n_frames - 1)
        return np.where(self.frame_indices[pos] == f, pos, -1)


# ---------------------------------------------------------------------------------------------- helpers
def _sim(m23: np.ndarray) -> np.ndarray:
    out = np.eye(3)
    out[:2] = m23
    return out


def _runner_boxes(track: PoseTrack | None, pad: float = BOX_PAD) -> tuple[np.ndarray, np.ndarray] | None:
    """(frame_indices, (T, 4) x0 y0 x1 y1 boxes, NaN where unseen) around the person, padded; the head above."""
    if track is None or track.n_frames == 0:
        return None
    boxes = person_boxes(track.keypoints_px, pad)
    # frames without a pose borrow the nearest box (the runner does not vanish, the model lost them)
    ok = np.isfinite(boxes).all(axis=1)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    near = idx[np.clip(np.searchsorted(idx, np.arange(len(ok))), 0, len(idx) - 1)]
    boxes = boxes[near]
    return np.asarray(track.frame_indices, dtype=np.int64), boxes


def person_boxes(k: np.ndarray, pad: float = BOX_PAD) -> np.ndarray:
    """(T, 4) x0 y0 x1 y1 box around each frame's keypoints ((T, 33, 2) px), padded, the head above; NaN where unseen."""
    # fmin/fmax skip NaN and leave an all-NaN frame NaN without the warning nanmin gives (which only
    # the process-wide, thread-unsafe warnings filters could silence)
    x0, y0 = np.fmin.reduce(k[..., 0], axis=1), np.fmin.reduce(k[..., 1], axis=1)
    x1, y1 = np.fmax.reduce(k[..., 0], axis=1), np.fmax.reduce(k[..., 1], axis=1)
    w, h = x1 - x0, y1 - y0
    return np.stack([x0 - pad * w - 0.05 * h, y0 - 1.5 * pad * h, x1 + pad * w + 0.05 * h, y1 + pad * h], axis=1)


def _box_at(boxes: tuple[np.ndarray, np.ndarray] | None, frame_index: int) -> np.ndarray | None:
    if boxes is None:
        return None
    fi, b = boxes  # frame indices ascending: the nearest row by bisection (this runs on every frame)
    i = int(np.clip(np.searchsorted(fi, frame_index), 1, len(fi) - 1)) if len(fi) > 1 else 0
    if i > 0 and abs(fi[i - 1] - frame_index) <= abs(fi[i] - frame_index):
        i -= 1
    return b[i]


def _mask(shape: tuple[int, int], box: np.ndarray | None, sc: float) -> np.ndarray:
    m = np.full(shape, 255, np.uint8)
    border = 4
    m[:border], m[-border:], m[:, :border], m[:, -border:] = 0, 0, 0, 0
    if box is not None:
        x0, y0, x1, y1 = (round(v * sc) for v in box)
        m[max(0, y0): max(0, y1), max(0, x0): max(0, x1)] = 0
    return m


def _inside(pts: np.ndarray, box: np.ndarray | None, sc: float) -> np.ndarray:
    if box is None:
        return np.zeros(len(pts), dtype=bool)
    x0, y0, x1, y1 = box * sc
    return (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)


def _corners(gray: np.ndarray, box: np.ndarray | None, sc: float) -> np.ndarray:
    import cv2

    p = cv2.goodFeaturesToTrack(gray, maxCorners=MAX_CORNERS, qualityLevel=0.01, minDistance=7, mask=_mask(gray.shape, box, sc))
    return np.zeros((0, 2), np.float32) if p is None else p.reshape(-1, 2).astype(np.float32)


def _fit(prev: np.ndarray, gray: np.ndarray, kf_pts: np.ndarray, cur_pts: np.ndarray, box: np.ndarray | None, sc: float,
         lk: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int] | None:
    """Follow ``cur_pts`` (on ``prev``) into ``gray`` and fit the key -> current similarity.

    Returns (2x3 matrix, indices of the points kept, their new positions (all points), inliers) or None.
    """
    import cv2

    p1, st, _ = cv2.calcOpticalFlowPyrLK(prev, gray, cur_pts.reshape(-1, 1, 2), None, **lk)
    if p1 is None:
        return None
    p0b, stb, _ = cv2.calcOpticalFlowPyrLK(gray, prev, p1, None, **lk)
    p1 = p1.reshape(-1, 2)
    good = (st.ravel() == 1) & (stb.ravel() == 1) & (np.linalg.norm(p0b.reshape(-1, 2) - cur_pts, axis=1) < FB_MAX_PX)
    good &= ~_inside(p1, box, sc)
    if good.sum() < MIN_TRACKED:
        return None
    m, inl = cv2.estimateAffinePartial2D(kf_pts[good], p1[good], method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX,
                                         maxIters=2000, confidence=0.995)
    if m is None or inl is None:
        return None
    inl = inl.ravel().astype(bool)
    n_in = int(inl.sum())
    if n_in < MIN_INLIERS or n_in < MIN_INLIER_FRACTION * good.sum():
        return None
    return m, np.flatnonzero(good)[inl], p1, n_in


def _moved_px(a: np.ndarray, b: np.ndarray) -> float:
    """How far the picture moved between two frame -> reference transforms (downscaled px; a linear-part
    change of 0.01, i.e. 1 % scale or 0.6 deg, counts as 1 px)."""
    return float(np.abs(b[:2, 2] - a[:2, 2]).max() + 100 * np.abs(b[:2, :2] - a[:2, :2]).max())


def _interpolate_failed(to_ref: np.ndarray, ok: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Frames not estimated get (scale, angle, tx, ty) interpolated between estimated frames of their segment."""
    out = to_ref.copy()
    s = np.hypot(to_ref[:, 0, 0], to_ref[:, 1, 0])
    a = np.arctan2(to_ref[:, 1, 0], to_ref[:, 0, 0])
    params = np.stack([np.log(np.maximum(s, 1e-9)), a, to_ref[:, 0, 2], to_ref[:, 1, 2]], axis=1)
    for seg in np.unique(segment):
        idx = np.flatnonzero(segment == seg)
        good = idx[ok[idx]]
        bad = idx[~ok[idx]]
        if not bad.size or not good.size:
            continue
        p = np.stack([np.interp(bad, good, params[good, j]) for j in range(4)], axis=1)
        sc, c, n = np.exp(p[:, 0]), np.cos(p[:, 1]), np.sin(p[:, 1])
        out[bad] = np.stack([np.stack([sc * c, -sc * n, p[:, 2]], 1), np.stack([sc * n, sc * c, p[:, 3]], 1)], 1)
    return out


@dataclass(frozen=True)
class PictureSample:
    """A small grey copy of one frame, kept for :func:`still_after_all`: decoded frame number, the copy (uint8), the
    runner's box on it (full-resolution px, or None) and the copy's px per full-resolution px."""

    index: int
    grey: np.ndarray
    box: np.ndarray | None
    px_per_full_px: float


def _background_mask(shape: tuple[int, ...], boxes: list[np.ndarray | None], q: float) -> np.ndarray:
    m = np.ones(shape[:2], bool)
    m[:3], m[-3:], m[:, :3], m[:, -3:] = False, False, False, False
    for b in boxes:
        if b is not None and np.isfinite(b).all():
            x0, y0, x1, y1 = (float(v) * q for v in b)
            m[max(0, int(np.floor(y0))) : max(0, int(np.ceil(y1))), max(0, int(np.floor(x0))) : max(0, int(np.ceil(x1)))] = False
    return m


def _moved_box(box: np.ndarray | None, m: np.ndarray) -> np.ndarray | None:
    """The box around ``box``'s corners mapped by the 3x3 ``m``."""
    if box is None or not np.isfinite(box).all():
        return None
    x0, y0, x1, y1 = box
    p = m[:2] @ np.array([[x0, x1, x0, x1], [y0, y0, y1, y1], [1.0, 1.0, 1.0, 1.0]])
    return np.array([p[0].min(), p[1].min(), p[0].max(), p[1].max()])


def _fixed_borders(greys: list[np.ndarray]) -> np.ndarray:
    """Where every copy shows the same flat border (letterbox or pillarbox bars, BAR_FLAT_GREY): a mask of the copy.
    Bars stay put in the frame whatever the camera does, so they would vote for a still one."""
    stack = np.stack(greys).astype(np.float32)
    flat = lambda block: float(np.ptp(block)) <= BAR_FLAT_GREY  # noqa: E731
    h, w = stack.shape[1:]
    out = np.zeros((h, w), bool)
    left = next((x for x in range(w) if not flat(stack[:, :, x])), w)
    right = next((x for x in range(w) if not flat(stack[:, :, w - 1 - x])), w)
    top = next((y for y in range(h) if not flat(stack[:, y, :])), h)
    bottom = next((y for y in range(h) if not flat(stack[:, h - 1 - y, :])), h)
    out[:, :left], out[:, w - right:], out[:top], out[h - bottom:] = True, True, True, True
    return out


def still_after_all(samples: list[PictureSample], frame_indices: np.ndarray, to_ref: np.ndarray,
                    segment: np.ndarray) -> list[tuple[int, int]]:
    """The stretches (first, last decoded frame) in which the estimate moved the camera although the pictures show it
    stood still (see DRIFT_BETTER). A shot is cut where the estimate lines a copy up with the copy before it (the
    camera truly moved there: a tripod picked up, a jolt as the phone is tapped; against the shot's first copy a
    drifted estimate lines nothing up, so that a whole shot was reset, its pan lost: a reviewer's case), and each part
    is judged against its own first copy (a jolt early in the shot cut it, and the drift after it was kept: another).

    ``to_ref``: (N, 2, 3) full-resolution px per measured frame (``frame_indices``, ascending), ``segment`` its shot.
    Each copy is compared, outside the runner and any flat bars at the picture's edges, with the first copy of its
    stretch: as it stands, and moved as the estimate says. A chained estimate that drifted moves the background off
    itself; a right one lines it up.
    """
    import cv2

    def full(i: int) -> np.ndarray:
        out = np.eye(3)
        out[:2] = to_ref[i]
        return out

    def differences(a: tuple[PictureSample, int], b: tuple[PictureSample, int], bars: np.ndarray) -> tuple[float, float] | None:
        """Copy b against copy a outside the runner and the bars: (as it stands, moved as the estimate says), or None
        where the estimate moved it less than DRIFT_MOVED_PX or too little background is left."""
        (first, r0), (s, r) = a, b
        q = s.px_per_full_px
        rel = np.linalg.inv(full(r0)) @ full(r)  # frame -> the first copy's frame, full px
        rel_q = np.diag([q, q, 1.0]) @ rel @ np.diag([1 / q, 1 / q, 1.0])
        if _moved_px(np.eye(3)[:2], rel_q[:2]) < DRIFT_MOVED_PX:
            return None
        grey, anchor = s.grey.astype(np.float32), first.grey.astype(np.float32)
        size = (grey.shape[1], grey.shape[0])
        moved = cv2.warpAffine(grey, rel_q[:2], size, flags=cv2.INTER_LINEAR, borderValue=-1.0)
        moved_bars = cv2.warpAffine(bars, rel_q[:2], size, flags=cv2.INTER_LINEAR, borderValue=1.0)
        mask = (_background_mask(grey.shape, [first.box, s.box, _moved_box(s.box, rel)], q) & (moved >= 0)
                & (bars == 0) & (moved_bars == 0))
        if mask.mean() < DRIFT_MIN_BACKGROUND:
            return None
        return float(np.mean(np.abs(grey - anchor)[mask])), float(np.mean(np.abs(moved - anchor)[mask]))

    rows = np.searchsorted(frame_indices, [s.index for s in samples])
    kept = [(s, int(r)) for s, r in zip(samples, rows) if r < len(frame_indices) and frame_indices[r] == s.index]
    still: list[tuple[int, int]] = []
    for seg in np.unique(segment):
        mine = [(s, r) for s, r in kept if segment[r] == seg and s.grey.shape == kept[0][0].grey.shape]
        if len(mine) <= DRIFT_MIN_SAMPLES:
            continue
        bars = _fixed_borders([s.grey for s, _ in mine]).astype(np.float32)
        stretches, current = [], [0]  # runs of copies the estimate does not line up with the copy before
        for k in range(1, len(mine)):
            step = differences(mine[k - 1], mine[k], bars)
            if step is not None and step[1] < DRIFT_BETTER * step[0]:  # the camera truly moved between these two
                stretches.append(current)
                current = []
            current.append(k)
        stretches.append(current)
        shot_end = int(frame_indices[np.flatnonzero(segment == seg)[-1]])
        for j, run in enumerate(stretches):
            votes = [v[0] < DRIFT_BETTER * v[1] for v in (differences(mine[run[0]], mine[k], bars) for k in run[1:]) if v is not None]
            if len(votes) >= DRIFT_MIN_SAMPLES and np.mean(votes) >= DRIFT_STILL_SHARE:  # the last one holds to the shot's end
                still.append((int(mine[run[0]][0].index), shot_end if j == len(stretches) - 1 else int(mine[run[-1]][0].index)))
    return still


def held_where_still(to_ref: np.ndarray, frame_indices: np.ndarray, segment: np.ndarray,
                     still: list[tuple[int, int]]) -> np.ndarray:
    """The motion with the camera held where it stood through each still stretch, and the estimate's own steps from
    frame to frame elsewhere (a move between stretches kept, from where the camera stood)."""
    full = np.concatenate([to_ref, np.tile([[[0.0, 0.0, 1.0]]], (len(to_ref), 1, 1))], axis=1)
    held = np.full(len(frame_indices), -1)
    for k, (a, b) in enumerate(still):
        held[(frame_indices >= a) & (frame_indices <= b)] = k
    out = full.copy()
    for i in range(1, len(full)):
        if segment[i] != segment[i - 1]:
            continue  # a new shot's own reference
        if held[i] >= 0 and held[i] == held[i - 1]:
            out[i] = out[i - 1]
        else:
            out[i] = out[i - 1] @ np.linalg.inv(full[i - 1]) @ full[i]
    return out[:, :2]


# ---------------------------------------------------------------------------------------------- estimation
def small_grey(rgb: np.ndarray, max_side: int = MAX_SIDE_PX) -> np.ndarray:
    """The frame in grey, area-downscaled so its long side is at most ``max_side`` (what the camera check follows)."""
    import cv2

    hgt, wid = rgb.shape[:2]
    sc = min(1.0, max_side / float(max(wid, hgt)))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if sc < 1.0:
        gray = cv2.resize(gray, (round(wid * sc), round(hgt * sc)), interpolation=cv2.INTER_AREA)
    return gray


def camera_frame(rgb: np.ndarray, max_side: int = MAX_SIDE_PX, *, grey: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """What the camera check keeps of a frame: (grey downscaled to ``max_side``, 64x64 thumbnail, full (w, h)).

    Cheap and independent of the pose, so it can run on the decoding thread while the model looks at the frame.
    ``grey``: ``small_grey(rgb, max_side)`` when the caller already made it (the pose pass shares it); it is
    then taken as it is (``rgb`` gives only the full size).
    """
    import cv2

    hgt, wid = rgb.shape[:2]
    gray = small_grey(rgb, max_side) if grey is None else grey
    thumb = cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
    return gray, thumb, (wid, hgt)


class CameraEstimator:
    """The camera check fed one frame at a time (what :func:`measure_camera_motion` runs on every frame).

    ``add`` takes a frame from :func:`camera_frame` and the runner's box on it (full-resolution px, or None);
    ``finish`` returns the :class:`CameraMotion`. The boxes used are kept (``boxes_used``), so that an estimate made
    while the pose model was still running can be checked against the final track's boxes
    (:func:`boxes_agree`).
    """

    def __init__(self, max_side: int = MAX_SIDE_PX, image_size: tuple[int, int] | None = None) -> None:
        import cv2

        self.max_side = max_side
        self.image_size = image_size  # the clip's (w, h) when frames come shrunk (formcheck.video.WORKING_MAX_SIDE_PX)
        self._lk = {"winSize": (21, 21), "maxLevel": 4, "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)}
        self.idxs: list[int] = []
        self.times: list[float] = []
        self.boxes_used: list[np.ndarray | None] = []
        self._mats: list[np.ndarray] = []
        self._oks: list[bool] = []
        self._inl: list[int] = []
        self._segs: list[int] = []
        self._diffs: list[float] = []
        self._size = (0, 0)
        self._sc = 1.0
        self._seg = 0
        self._prev: np.ndarray | None = None  # grey of the previous frame
        self._prev_box: np.ndarray | None = None
        self._kf_to_ref = np.eye(3)  # key frame -> reference (downscaled px)
        self._cur_to_ref = np.eye(3)
        self._kf_pts = self._cur_pts = np.zeros((0, 2), np.float32)  # features on the key frame and where they are now
        self._kf_n = 0
        self._pending: list[tuple[int, float, tuple[np.ndarray, np.ndarray, tuple[int, int]], np.ndarray | None, bool, bool,
                                  bool]] = []
        self._still_run = 0  # frames in a row the camera has not moved
        self._last_thumb: np.ndarray | None = None  # of the last frame added (cuts are looked for on every frame)
        self._last_box: np.ndarray | None = None  # the runner's box on that frame
        self._followed_well = False  # the last frame's transform was fitted from the flow of many background points
        self.frames_followed = 0  # frames whose flow was measured (the rest lie within a still stride)
        self.samples: list[PictureSample] = []  # small grey copies every DRIFT_SAMPLE_S, for still_after_all
        self._sample_every_s = DRIFT_SAMPLE_S
        self._next_sample_s = -np.inf

    def _new_key(self, gray: np.ndarray, box: np.ndarray | None) -> None:
        self._kf_pts = _corners(gray, box, self._sc)
        self._cur_pts = self._kf_pts.copy()
        self._kf_n = len(self._kf_pts)
        self._kf_to_ref = self._cur_to_ref.copy()

    def _steady(self, cur_to_ref: np.ndarray, n_in: int, tried: int, index: int) -> bool:
        """A fit is taken when it carries MIN_SUPPORT_FRACTION of the points tried, or the picture moved as the last
        two estimated frames of the shot say it was moving (a few grain points that agree on a jump are no camera).
        Frames not estimated keep the last transform, so the motion is taken between estimated frames, per frame."""
        if n_in >= MIN_SUPPORT_FRACTION * tried:
            return True
        estimated: list[int] = []
        for i in range(len(self._oks) - 1, -1, -1):
            if self._segs[i] != self._seg or len(estimated) == 2:
                break
            if self._oks[i]:
                estimated.append(i)
        if not estimated:
            return False
        last = self._mats[estimated[0]]
        if len(estimated) < 2:
            predicted, allowed = last, WEAK_FIT_TOL_PX
        else:
            before = self._mats[estimated[1]]
            ahead = (index - self.idxs[estimated[0]]) / max(1, self.idxs[estimated[0]] - self.idxs[estimated[1]])
            predicted = last + (last - before) * ahead
            allowed = max(WEAK_FIT_TOL_PX, 0.5 * _moved_px(before, last) * ahead)
        return _moved_px(predicted, cur_to_ref[:2]) <= allowed

    def _rekey_below(self) -> float:
        """Surviving points below which the current frame becomes the key frame. Each new key chains its error
        into every later transform: a plain background whose key frame has fewer than REKEY_POINTS corners
        was re-keyed on every frame, and a still 240 fps render drifted 5 % in scale and 3.5 deg over 3 s
        (0.14 px a frame), read as a moving camera."""
        return max(0.5 * self._kf_n, min(REKEY_POINTS, max(MIN_TRACKED, REKEY_FRACTION_FEW * self._kf_n)))

    def add(self, index: int, time_s: float, frame: tuple[np.ndarray, np.ndarray, tuple[int, int]], box: np.ndarray | None) -> None:
        """Take the next frame. While the camera stands still only every STILL_STRIDE-th frame's flow is
        measured: the frames between are held, and take the transform fitted at the stride's last frame when
        that shows the picture moved less than STILL_PX since the last followed frame, else they are followed
        one by one after all. (A jolt inside a stride that is back in place by its end is not seen.)"""
        if time_s >= self._next_sample_s:
            self._keep_sample(index, time_s, frame, box)
        thumb = frame[1]
        diff = float(np.mean(np.abs(thumb - self._last_thumb))) if self._last_thumb is not None else 0.0
        recent = self._diffs[-30:]
        usual = float(np.median(recent)) if recent else 0.0
        spike = diff > CUT_DIFF_FACTOR * usual + CUT_DIFF_MIN
        known = len(recent) >= CUT_MIN_HISTORY  # what "usual" is needs a few frames: before that only a spike is a cut
        # the picture around the runner, looked at only where the whole picture changed (this runs on every frame)
        around = known and diff > CUT_CHANGE_MIN and self._background_differs(
            thumb, self._last_thumb, (box, self._last_box), self.image_size or frame[2])  # type: ignore[arg-type]
        changed = around and diff > CUT_CHANGE_FACTOR * usual + CUT_CHANGE_MIN
        differs = around
        if self._last_thumb is not None:
            self._diffs.append(diff)
        self._last_thumb, self._last_box = thumb, box
        self._pending.append((index, time_s, frame, box, spike, changed, differs))
        striding = self._prev is not None and not spike and self._still_run >= STILL_FRAMES
        if not striding or (len(self._pending) == STILL_STRIDE and not self._stride_still()):
            self.flush()

    def _keep_sample(self, index: int, time_s: float, frame: tuple[np.ndarray, np.ndarray, tuple[int, int]],
                     box: np.ndarray | None) -> None:
        import cv2

        gray = frame[0]
        full_side = max(self.image_size or frame[2])
        f = min(1.0, DRIFT_SAMPLE_SIDE_PX / max(gray.shape))
        small = gray if f >= 1.0 else cv2.resize(gray, (round(gray.shape[1] * f), round(gray.shape[0] * f)), interpolation=cv2.INTER_AREA)
        self.samples.append(PictureSample(index, small, None if box is None else np.asarray(box, dtype=float).copy(),
                                          max(small.shape) / float(full_side)))
        if len(self.samples) > DRIFT_MAX_SAMPLES:
            self.samples = self.samples[::2]
            self._sample_every_s *= 2
        self._next_sample_s = time_s + self._sample_every_s

    @staticmethod
    def _background_differs(thumb: np.ndarray, last: np.ndarray, boxes: tuple[np.ndarray | None, ...],
                            size: tuple[int, int]) -> bool:
        """The thumbnails differ by more than CUT_CHANGE_MIN grey levels outside the runner's boxes (full-resolution px
        of a ``size`` (w, h) frame); True when too little of the picture lies outside them to tell."""
        outside = np.ones(thumb.shape, bool)
        th, tw = thumb.shape
        w, h = size
        for b in boxes:
            if b is not None and np.isfinite(b).all() and w > 0 and h > 0:
                x0, y0, x1, y1 = (float(v) for v in b)
                outside[max(0, int(np.floor(y0 / h * th))) : max(0, int(np.ceil(y1 / h * th))),
                        max(0, int(np.floor(x0 / w * tw))) : max(0, int(np.ceil(x1 / w * tw)))] = False
        if outside.mean() < CUT_BACKGROUND_MIN_FRACTION:
            return True
        return float(np.mean(np.abs(thumb - last)[outside])) > CUT_CHANGE_MIN

    def flush(self) -> None:
        """Follow every held frame one by one (``finish`` does it; call it before reading ``boxes_used``)."""
        pending, self._pending = self._pending, []
        for item in pending:
            before = self._cur_to_ref.copy()
            self._follow(*item)
            moved = _moved_px(before, self._cur_to_ref)
            self._still_run = self._still_run + 1 if self._oks[-1] and moved < STILL_PX / STILL_STRIDE else 0

    def _stride_still(self) -> bool:
        """The held stride's last frame against the last followed one: still -> every held frame takes the transform."""
        frame, box = self._pending[-1][2:4]
        gray = frame[0]
        tried = len(self._cur_pts)
        if tried < max(self._rekey_below(), MIN_TRACKED):
            return False
        fit = _fit(self._prev, gray, self._kf_pts, self._cur_pts, box, self._sc, self._lk)
        if fit is None:
            return False
        est, keep, p1, n_in = fit
        cur_to_ref = self._kf_to_ref @ np.linalg.inv(_sim(est))
        moved = _moved_px(self._cur_to_ref, cur_to_ref)
        if moved >= STILL_PX or len(keep) < self._rekey_below():
            return False
        self._kf_pts, self._cur_pts = self._kf_pts[keep], p1[keep]
        self._cur_to_ref = cur_to_ref
        for idx, t, _, b, *_ in self._pending:
            self._record(idx, t, b, True, n_in)
        self._followed_well = n_in >= max(3 * MIN_TRACKED, FOLLOWED_WELL_FRACTION * tried)
        self._prev, self._prev_box = gray, box
        self._pending = []
        self.frames_followed += 1
        return True

    def _record(self, index: int, time_s: float, box: np.ndarray | None, ok: bool, n_in: int) -> None:
        self.idxs.append(index)
        self.times.append(time_s)
        self.boxes_used.append(box)
        self._mats.append(self._cur_to_ref[:2].copy())
        self._oks.append(ok)
        self._inl.append(n_in)
        self._segs.append(self._seg)

    def _follow(self, index: int, time_s: float, frame: tuple[np.ndarray, np.ndarray, tuple[int, int]], box: np.ndarray | None,
                spike: bool, changed: bool, differs: bool) -> None:
        """Measure one frame's flow from the last followed frame and fit its transform."""
        gray, _, (wid, hgt) = frame
        self.frames_followed += 1
        wid, hgt = self.image_size or (wid, hgt)  # boxes and the result are in the clip's own pixels
        self._size = (wid, hgt)
        sc = self._sc = min(1.0, self.max_side / float(max(wid, hgt)))
        ok, n_in, fitted, tried = False, 0, False, 0
        if self._prev is None:
            self._new_key(gray, box)
            ok, n_in = True, self._kf_n
        else:
            prev = self._prev
            est = None
            tried = len(self._cur_pts)
            if len(self._cur_pts) >= MIN_TRACKED:
                fit = _fit(prev, gray, self._kf_pts, self._cur_pts, box, sc, self._lk)
                if fit is not None and self._steady(self._kf_to_ref @ np.linalg.inv(_sim(fit[0])), fit[3], tried, index):
                    est, keep, p1, n_in = fit
                    self._kf_pts, self._cur_pts = self._kf_pts[keep], p1[keep]
            if est is not None:
                self._cur_to_ref = self._kf_to_ref @ np.linalg.inv(_sim(est))
                ok = fitted = True
                if len(self._cur_pts) < self._rekey_below():
                    self._new_key(gray, box)
            else:
                # the key frame's points are lost: can fresh corners of the previous frame be followed here?
                p0 = _corners(prev, self._prev_box, sc)
                fit = _fit(prev, gray, p0, p0, box, sc, self._lk) if len(p0) >= MIN_TRACKED else None
                carried = fit is not None  # some points carry over: the same shot, unless the picture jumped
                if fit is not None and not self._steady(self._cur_to_ref @ np.linalg.inv(_sim(fit[0])), fit[3], len(p0), index):
                    fit = None
                if fit is not None:
                    self._cur_to_ref = self._cur_to_ref @ np.linalg.inv(_sim(fit[0]))
                    ok, n_in, fitted, tried = True, fit[3], True, len(p0)
                    self._new_key(gray, box)
                elif spike or (not carried and (changed or (self._followed_well and differs))
                               and len(p0) >= 3 * MIN_TRACKED and len(_corners(gray, box, sc)) >= 3 * MIN_TRACKED):
                    # the picture jumped; or both have texture yet nothing carries over, and either the picture changed
                    # more than usual or the last frame was followed well (a cut during a pan, whose frame-to-frame
                    # difference is already high): a new shot
                    self._seg += 1
                    self._cur_to_ref = np.eye(3)
                    self._new_key(gray, box)
                    ok, n_in = True, self._kf_n
                    self._diffs.clear()
                else:  # background lost (blur, no texture): carry on from the last estimate, start again here
                    self._new_key(gray, box)
        # most of the points followed fit one motion: a background the next frame must carry on, unless the shot changed
        self._followed_well = fitted and n_in >= max(3 * MIN_TRACKED, FOLLOWED_WELL_FRACTION * tried)
        self._record(index, time_s, box, ok, n_in)
        self._prev, self._prev_box = gray, box

    def finish(self, video_path: str | os.PathLike[str]) -> CameraMotion:
        from .video import VideoReadError

        self.flush()  # a stride the clip ended inside

        if not self.idxs:
            raise VideoReadError(f"{video_path}: no frames decoded")
        sc, times = self._sc, self.times
        m = np.asarray(self._mats)
        ok_a = np.asarray(self._oks)
        seg_a = np.asarray(self._segs)
        m = _interpolate_failed(m, ok_a, seg_a)
        # downscaled px -> full resolution: A_full = S^-1 A S with S = diag(sc, sc)
        m[:, :, 2] /= sc
        idxs = np.asarray(self.idxs, dtype=np.int64)
        still = still_after_all(self.samples, idxs, m, seg_a)  # an estimate that drifted on a plain background
        if still:
            m = held_where_still(m, idxs, seg_a, still)  # (ok stays as measured: the pictures say still, no fit said so)
        # the file's own rate, from the decoded timestamps: the track's may be a --fps override (slow motion), while
        # frames here are decoded-frame numbers in file time
        fps = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 30.0
        return CameraMotion(
            frame_indices=idxs, timestamps_s=np.asarray(times, dtype=float), to_ref=m, ok=ok_a,
            inliers=np.asarray(self._inl, dtype=np.int64), segment=seg_a, image_size=self._size, fps=fps,
            info={"downscale": round(sc, 4), "method": "Lucas-Kanade flow of background corners outside the runner's box, "
                                                        "RANSAC similarity to a key frame, every frame (1 in "
                                                        f"{STILL_STRIDE} while the camera stands still); speeds over 1/3 s"
                                                        + ("; the pictures showed the camera still where the fits drifted"
                                                           if still else "")},
        )


def boxes_agree(estimator: CameraEstimator, track: PoseTrack | None) -> bool:
    """True when every box the estimator used is the one :func:`measure_camera_motion` would use with ``track``
    (its estimate is then exactly that of a separate pass)."""
    boxes = _runner_boxes(track)
    for index, used in zip(estimator.idxs, estimator.boxes_used):
        final = _box_at(boxes, index)
        if (used is None) != (final is None) or (used is not None and not np.array_equal(used, final)):
            return False
    return True


def measure_camera_motion(
    video_path: str | os.PathLike[str],
    track: PoseTrack | None = None,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    max_side: int = MAX_SIDE_PX,
    foot_blur: FootBlurMeter | None = None,
) -> CameraMotion:
    """Every frame's similarity to its segment's reference frame, from background features outside the runner.

    ``track`` (the pose track of the same clip and window) masks the runner; pass the same
    ``start_s``/``end_s`` as for it. One decoding pass; frames are grey and downscaled (on the decoding
    thread). :func:`formcheck.pose.extract_pose_and_camera` runs the same estimator during the pose pass.
    ``foot_blur`` (with ``track``): also fed each frame's grey copy and the track's pose there, as the pose pass does.
    """
    from .video import WORKING_MAX_SIDE_PX, iter_frames, probe_video

    boxes = _runner_boxes(track)
    info = probe_video(video_path)
    est = CameraEstimator(max_side, (info.width, info.height))
    rows = {int(f): t for t, f in enumerate(track.frame_indices)} if track is not None and foot_blur is not None else {}
    for fr in iter_frames(video_path, start_s=start_s, end_s=end_s, derive=lambda rgb: camera_frame(rgb, max_side), keep_rgb=False,
                          max_side=WORKING_MAX_SIDE_PX, info=info):  # as the pose pass decodes them
        est.add(fr.index, fr.playback_s, fr.derived, _box_at(boxes, fr.index))
        if fr.index in rows and foot_blur is not None and not foot_blur.stopped:
            try:
                foot_blur.add(fr.index, fr.derived[0], track.keypoints_px[rows[fr.index]], info.width)  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001 - the clip then gets no blur figure; the camera goes on
                foot_blur.stop(f"failed: {type(exc).__name__}: {exc}")
    return est.finish(video_path)


def camera_pass(video_path: str | os.PathLike[str], track: PoseTrack, *, start_s: float | None = None,
                end_s: float | None = None) -> tuple[CameraMotion, PoseTrack]:
    """:func:`measure_camera_motion` of a pose track's clip, and the track with the shoes' blur
    (:mod:`formcheck.foot_blur`) and what is drawn over the feet (:mod:`formcheck.foot_overlay`) measured in the same
    pass when it has no usable figure (a saved pose track, made without the camera check or before the overlay was
    measured; a pose pass whose camera thread failed). Not with several people in a frame: whose feet?"""
    from .foot_blur import FootBlurMeter, has_figures_for

    measured = track.info.get("foot_blur")  # a summary made before the overlay was measured lacks its entry
    wanted = (not has_figures_for(measured, track.frame_indices) or "overlay" not in measured) \
        and int(track.info.get("max_people_in_a_frame") or 1) <= 1
    meter = FootBlurMeter() if wanted else None
    motion = measure_camera_motion(video_path, track, start_s=start_s, end_s=end_s, foot_blur=meter)
    blur = meter.summary() if meter is not None else None
    return motion, (replace(track, info={**track.info, "foot_blur": blur}) if blur else track)


# ---------------------------------------------------------------------------------------------- the ground-referenced track
def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """(T, 2, 3) matrices applied to (T, K, 2) points."""
    return np.einsum("tij,tkj->tki", m[:, :, :2], pts) + m[:, None, :, 2]


def _invert(m: np.ndarray) -> np.ndarray:
    a = m[:, :, :2]
    ai = np.linalg.inv(a)
    return np.concatenate([ai, -np.einsum("tij,tj->ti", ai, m[:, :, 2])[:, :, None]], axis=2)


def track_matrices(track_frames: np.ndarray, motion: CameraMotion) -> np.ndarray:
    """(T, 2, 3) frame -> reference matrix of each decoded frame number (NaN where not measured)."""
    rows = motion.rows(track_frames)
    out = np.full((len(rows), 2, 3), np.nan)
    out[rows >= 0] = motion.to_ref[rows[rows >= 0]]
    return out


def stabilised(track: PoseTrack, motion: CameraMotion) -> PoseTrack:
    """The track's keypoints in its reference frame's pixel coordinates (a stance foot stays put although it slid in the image).

    Each frame's similarity maps positions; lengths grow by the frame's scale factor, so the
    runner keeps the size they have in the reference frame all through a zoom (as on a still
    camera) and ratios to the leg length, angles and overstride are those of the frame.
    ``depth_px`` is scaled likewise. Frames the motion does not cover get NaN keypoints.
    """
    m = track_matrices(track.frame_indices, motion)
    k = _apply(m, np.asarray(track.keypoints_px, dtype=float))
    s = np.hypot(m[:, 0, 0], m[:, 1, 0])
    depth = np.asarray(track.depth_px, dtype=float) * s[:, None]
    out = track.with_keypoints(k, camera={"stabilised": True, "reference_frame": int(motion.frame_indices[0])})
    return replace(out, depth_px=depth, to_picture=_invert(m))


def levelled(motion: CameraMotion, rows: np.ndarray) -> CameraMotion:
    """The motion with its reference turned to the camera's median roll over ``rows`` (about the image centre).

    The reference frame is the segment's first, held however the phone happened to be tilted then; a
    stabilised track in its coordinates carries that tilt into every horizontal distance (1 deg turns
    about 2 % of a leg length of the foot's height below the centre of mass into overstride). The person
    filming means to hold the phone level and shakes about that, so the median orientation is the
    level one; a still or only panning camera's median roll is ~0 and nothing changes.
    """
    angles = motion.rotation_deg[rows]
    angles = angles[np.isfinite(angles)]
    if not angles.size:
        return motion
    a = np.radians(-float(np.median(angles)))
    cx, cy = (motion.image_size[0] - 1) / 2.0, (motion.image_size[1] - 1) / 2.0
    c, n = np.cos(a), np.sin(a)
    turn = np.array([[c, -n, cx - c * cx + n * cy], [n, c, cy - n * cx - c * cy], [0.0, 0.0, 1.0]])
    full = np.concatenate([motion.to_ref, np.tile([[[0.0, 0.0, 1.0]]], (motion.n_frames, 1, 1))], axis=1)
    return replace(motion, to_ref=np.einsum("ij,njk->nik", turn, full)[:, :2, :],
                   info={**motion.info, "level_deg": round(float(np.degrees(a)), 3)})


def unstabilised_points(points: np.ndarray, frame_indices: np.ndarray, motion: CameraMotion) -> np.ndarray:
    """Reference-frame points ((T, 2) or (T, K, 2)) back to each frame's image position."""
    m = _invert(track_matrices(frame_indices, motion))
    p = np.asarray(points, dtype=float)
    return _apply(m, p[:, None, :])[:, 0, :] if p.ndim == 2 else _apply(m, p)


# ---------------------------------------------------------------------------------------------- the quality check
def motion_summary(motion: CameraMotion, track: PoseTrack, *, rows: np.ndarray | None = None) -> dict[str, Any]:
    """The camera-motion quality check: how fast the background moves (formcheck.quality.camera_motion's fields).

    Speeds are over ~1/3 s (frame pairs of the same segment, both estimated), in full-resolution
    px/s and % of the person's height per second; rotation in deg/s; ``max_excursion_px`` is the
    largest shift from the segment's reference frame. ``rows`` restricts it to some frames.
    """
    from .quality import (
        CAMERA_MOTION_WARN_PCT_H_S,
        CAMERA_MOTION_WARN_RUN_S,
        CAMERA_ROLL_WARN_DEG_S,
        HEIGHT_PER_LEG,
    )

    r = np.arange(motion.n_frames) if rows is None else np.asarray(rows)
    t, ok, seg = motion.timestamps_s[r], motion.ok[r], motion.segment[r]
    tr = motion.translation_px[r]
    rot = motion.rotation_deg[r]
    scl = motion.scale[r]
    # over intervals of ~1/3 s (as the sampled check did): per-frame estimates carry ~0.02 px of noise
    k = max(1, min(round(motion.fps / 3.0), len(r) - 1))
    pair = ok[k:] & ok[:-k] & (seg[k:] == seg[:-k])
    dt = t[k:] - t[:-k]
    dt = np.where(dt > 0, dt, k / motion.fps)
    # the background's image shift: where the reference frame's centre is seen in each frame
    w, h = motion.image_size
    pts = _apply(_invert(motion.to_ref[r]), np.tile([[w / 2.0, h / 2.0]], (len(r), 1, 1)))[:, 0, :]
    every_speed = np.linalg.norm(pts[k:] - pts[:-k], axis=1) / dt
    every_roll = np.abs(rot[k:] - rot[:-k]) / dt
    speeds, rolls = every_speed[pair], every_roll[pair]
    zoom = (np.abs(np.log(scl[k:] / scl[:-k])) / dt)[pair]
    height_px = body_scale_px(track.keypoints_px) * HEIGHT_PER_LEG
    n_cuts = int(np.count_nonzero(np.diff(seg)))
    out: dict[str, Any] = {
        "checked": bool(speeds.size),
        "method": motion.info.get("method", ""),
        "intervals": int(speeds.size),
        "median_shift_px_s": None, "p90_shift_px_s": None, "median_shift_pct_height_s": None, "median_roll_deg_s": None,
        "max_excursion_px": None,
        "frames": len(r),
        "frames_estimated": int(ok.sum()),
        "scene_cuts": n_cuts,
        "scale_range_pct": round(float(100 * (np.max(scl) / np.min(scl) - 1)), 2) if len(scl) else None,
        "warning": None,
    }
    if not speeds.size:
        return out
    med = float(np.median(speeds))
    out["median_shift_px_s"] = round(med, 2)
    out["p90_shift_px_s"] = round(float(np.percentile(speeds, 90)), 2)
    pct = 100.0 * med / height_px if np.isfinite(height_px) and height_px > 0 else None
    out["median_shift_pct_height_s"] = None if pct is None else round(pct, 2)
    out["median_roll_deg_s"] = round(float(np.median(rolls)), 3)
    out["max_excursion_px"] = round(float(np.max(np.linalg.norm(tr[ok], axis=1))) if ok.any() else 0.0, 1)
    out["median_zoom_pct_s"] = round(float(100 * np.median(zoom)), 3)
    if (pct is not None and pct > CAMERA_MOTION_WARN_PCT_H_S) or out["median_roll_deg_s"] > CAMERA_ROLL_WARN_DEG_S:
        what = f"{pct:.0f}% of the runner's height per second" if pct is not None else f"{med:.0f} px/s"
        out["warning"] = (f"the camera moves (background shifts {what}): put the phone on a tripod or lean it on something "
                          "steady, and do not pan")
    elif np.isfinite(height_px) and height_px > 0:  # still for the most part: moving for a while in one go?
        moving = pair & ((100.0 * every_speed / height_px > CAMERA_MOTION_WARN_PCT_H_S) | (every_roll > CAMERA_ROLL_WARN_DEG_S))
        moving_s = _longest_motion_frames(moving, k) / float(motion.fps)
        out["moving_run_s"] = round(moving_s, 2)
        if moving_s >= CAMERA_MOTION_WARN_RUN_S:
            out["warning"] = (f"the camera moves during part of the clip (for {moving_s:.1f} s in one go): hold the phone still "
                              "for the whole clip, on a tripod or leant on something steady")
    return out


def _longest_motion_frames(moving: np.ndarray, k: int) -> int:
    """How many frames the longest motion lasted, from ``moving`` ((N - k,) bool: interval i, frame i to i + k, moved
    over the thresholds). Consecutive moving intervals are one motion (a shake; an estimate's glitches move single
    intervals). A motion over frames a..b moves every interval that overlaps it, a..b less k - 1 frames each side: the
    run of intervals j0..j1 stands for frames j0 + k - 1 .. j1 + 1, or from the clip's first frame (j0 = 0) or to its
    last (j1 the last interval), where no interval reaches beyond (a reviewer's catch: 0.7 s of motion mid-clip read
    1.0 s)."""
    longest, start = 0, None
    for i, m in enumerate([*map(bool, moving), False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            j0, j1 = start, i - 1
            first = 0 if j0 == 0 else j0 + k - 1
            last = j1 + k if j1 == len(moving) - 1 else j1 + 1
            longest, start = max(longest, last - first), None
    return longest


# ---------------------------------------------------------------------------------------------- for the analysis
@dataclass(frozen=True, eq=False)
class PreparedTrack:
    """What the analysis runs on: the track (between scene cuts, the stretch showing the runner most), ground-referenced
    when the camera moved."""

    track: PoseTrack  # to analyse
    original: PoseTrack  # the same frames, image positions (for drawing)
    motion: CameraMotion
    summary: dict[str, Any]  # motion_summary of the analysed frames + what was done
    stabilised: bool
    warnings: tuple[str, ...] = ()

    def finish(self, analysis: Any) -> Any:
        """The analysis with its drawing arrays back at the image positions, and the camera check in its quality."""
        if self.stabilised:
            ct = analysis.track
            k = unstabilised_points(ct.keypoints_px, ct.frame_indices, self.motion)
            analysis = replace(
                analysis, track=replace(ct.with_keypoints(k), to_picture=None), raw_track=self.original,
                com_px=unstabilised_points(analysis.com_px, ct.frame_indices, self.motion),
                hip_mid_px=unstabilised_points(analysis.hip_mid_px, ct.frame_indices, self.motion),
                info={**analysis.info, "camera": self.summary},
            )
        else:
            analysis = replace(analysis, info={**analysis.info, "camera": self.summary})
        q = analysis.quality.with_camera_motion(self.summary)
        extra = tuple(w for w in self.warnings if w not in q.warnings)
        return analysis.with_result(quality=replace(q, warnings=q.warnings + extra))


def _zoom_rate_pct_s(motion: CameraMotion, rows: np.ndarray) -> float:
    """Largest scale change over any 0.5 s window, % per second."""
    s = np.log(motion.scale[rows])
    t = motion.timestamps_s[rows]
    n = max(1, round(0.5 * motion.fps))
    if len(s) <= n:
        return 0.0
    return float(100 * np.max(np.abs(s[n:] - s[:-n]) / np.maximum(t[n:] - t[:-n], 1e-6)))


def _hidden_fraction(track: PoseTrack) -> float:
    """Median share of the frame that the runner's padded box (what the camera check leaves out) covers."""
    w, h = track.image_size
    boxes = person_boxes(track.keypoints_px)
    seen = np.isfinite(boxes).all(axis=1)
    if not seen.any() or not w or not h:
        return 0.0
    b = boxes[seen]
    area = (np.clip(b[:, 2], 0, w) - np.clip(b[:, 0], 0, w)) * (np.clip(b[:, 3], 0, h) - np.clip(b[:, 1], 0, h))
    return float(np.median(area) / (w * h))


def _runner_frames(track: PoseTrack, first: int, last: int) -> int:
    """How many frames of ``first``..``last`` (decoded frame numbers) the runner was found on. The stretch kept is the
    one with the most: a newcomer's clip blacked out for a second mid-clip had the runner tracked only after the black
    (the tracker does not carry a person over a second unseen), and the longer stretch before it, by one frame, was
    kept and refused as "no runner found"."""
    f = track.frame_indices
    return int(track.detected[(f >= first) & (f <= last)].sum())


def prepare_track(
    track: PoseTrack,
    video_path: str | os.PathLike[str] | None = None,
    *,
    motion: CameraMotion | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
) -> PreparedTrack:
    """Measure the camera (unless ``motion`` is given), keep the stretch between scene cuts, of those lasting
    ``MIN_SEGMENT_S`` or more, that shows the runner on the most frames (the longest of equals), and stabilise
    the track when the camera moved more than the camera-motion warning threshold.

    Raises :class:`formcheck.analysis.AnalysisError` when the camera moved and the background
    cannot carry the correction (too few features on too many frames, a fast zoom), or when no
    stretch between cuts is long enough. When the runner's box hides more than
    ``BACKGROUND_HIDDEN_UNKNOWN`` of the frame, too few frames followed do not show that the camera
    moved: the track is kept as filmed, and the summary says the check could not be made.
    """
    from .analysis import AnalysisError

    if motion is None:
        if video_path is None:
            raise ValueError("prepare_track needs the video or a measured motion")
        motion, track = camera_pass(video_path, track, start_s=start_s, end_s=end_s)  # a saved track: its blur too
    notes: list[str] = []
    segs = motion.segments()
    analysed = (int(track.frame_indices[0]), int(track.frame_indices[-1]))
    original = track
    if len(segs) > 1:
        long_enough = [ab for ab in segs if (ab[1] - ab[0] + 1) / motion.fps >= MIN_SEGMENT_S]
        if not long_enough:
            raise AnalysisError(f"cannot analyse this clip: it has {len(segs) - 1} scene cuts and no stretch between them lasts "
                                f"{MIN_SEGMENT_S:g} s: film one continuous take of 10 s or more")
        a, b = max(long_enough, key=lambda ab: (_runner_frames(track, *ab), ab[1] - ab[0]))
        keep = (track.frame_indices >= a) & (track.frame_indices <= b)
        original = track.take(keep)
        analysed = (a, b)
        t0, t1 = motion.timestamps_s[motion.rows(np.array([a, b]))]
        notes.append(f"the clip has {len(segs) - 1} scene cut{'s' if len(segs) > 2 else ''}: only the part between cuts "
                        f"that shows the runner most ({t0:.1f}-{t1:.1f} s) was analysed; film one continuous take")
    rows = motion.rows(original.frame_indices)
    rows = np.unique(rows[rows >= 0])
    summary = motion_summary(motion, original, rows=rows)
    summary["analysed_frames"] = list(analysed)
    summary["scene_cut_frames"] = motion.cuts
    moved = summary["warning"] is not None
    stab = False
    if moved:
        failed = 1.0 - summary["frames_estimated"] / max(1, summary["frames"])
        zoom_rate = _zoom_rate_pct_s(motion, rows)
        total_zoom = summary["scale_range_pct"] or 0.0
        summary["failed_fraction"] = round(failed, 3)
        summary["max_zoom_pct_s"] = round(zoom_rate, 2)
        hidden = _hidden_fraction(original)
        summary["background_hidden_fraction"] = round(hidden, 3)
        # a camera still for the most part that moved for a while (motion_summary's moving_run_s): never refused for
        # it, as the same clip without the shake is analysed; stabilised only where the background was followed
        part = "moving_run_s" in summary
        if part and (failed > FAILED_REFUSE_FRACTION or zoom_rate > ZOOM_REFUSE_PCT_S or total_zoom > ZOOM_REFUSE_TOTAL_PCT):
            summary["warning"] += " (analysed as filmed: the background could not be followed through the movement)"
        elif failed > FAILED_REFUSE_FRACTION and hidden > BACKGROUND_HIDDEN_UNKNOWN:  # kept as filmed, not stabilised
            summary.update(checked=False, warning=(
                f"the camera check could not be made: the runner fills {hidden:.0%} of the frame and the background left "
                f"could not be followed on {failed:.0%} of the frames; if the phone moved, events and angles may be off: "
                "film from a tripod, from further back"))
        elif failed > FAILED_REFUSE_FRACTION:
            raise AnalysisError(
                f"cannot analyse this clip: the camera moves and the background has too little texture to follow it on "
                f"{failed:.0%} of the frames: film from a tripod, or keep a textured background (fence, trees, track markings) in view")
        elif zoom_rate > ZOOM_REFUSE_PCT_S or total_zoom > ZOOM_REFUSE_TOTAL_PCT:
            raise AnalysisError(
                f"cannot analyse this clip: the camera zooms during the clip (up to {zoom_rate:.0f}% per second, {total_zoom:.0f}% in all): "
                "keep the zoom fixed while filming")
        else:
            stab = True
            motion = levelled(motion, rows)
            summary["level_deg"] = motion.info.get("level_deg", 0.0)  # the reference turned by this to the median roll
    summary["stabilised"] = stab
    analysed_track = stabilised(original, motion) if stab else original
    return PreparedTrack(analysed_track, original, motion, summary, stab, tuple(notes))


__all__ = [
    "CameraEstimator", "CameraMotion", "PreparedTrack", "boxes_agree", "camera_frame", "camera_pass", "small_grey", "measure_camera_motion", "motion_summary",
    "levelled", "person_boxes", "prepare_track", "stabilised", "track_matrices", "unstabilised_points",
]
