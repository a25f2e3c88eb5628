"""Pixel evidence for ground contact: does the shoe move with the ground?

MediaPipe's heel and toe landmarks lag, jitter and land a few frames early or late on blurred
feet. A person labelling contacts looks at the SHOE against the ground instead: a shoe on the
ground moves exactly with it (backwards at belt speed on a treadmill, not at all overground
with a still camera); a swinging shoe moves differently. This module measures that directly.

1. :func:`measure_foot_flow` decodes the clip once and, between consecutive track frames,
   tracks a few textured points of each shoe (heel half and toe half, in a box around the
   heel / ankle / toe landmarks) and of the ground just below it with pyramidal Lucas-Kanade
   optical flow on a small downscaled grey crop around the feet. Points that fail the
   forward-backward check, or lie on the other foot, are dropped; each region's velocity is
   the median of its points (robust to the other leg passing and to blur streaks).
2. :func:`contact_evidence` turns that into a per-frame probability that the shoe moves with
   the ground (heel part, toe part, either).
3. :func:`refine_contact` / :func:`refine_toe_off` move a landmark detector's candidate event to
   the nearby frame where that probability switches on (contact) or off (toe region, toe-off),
   with a confidence.

Velocities are in full-resolution image pixels per TRACK frame; ``velocity[i]`` is the
displacement from track frame i to i+1 (NaN where not measured, and at the last frame). Hence
"the shoe moves with the ground from frame c on" means contact at frame c (first frame down),
and "the toe moved with the ground up to frame o" means toe-off at frame o (last frame down),
the convention of the hand labels and of :mod:`formcheck.events`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import cv2
import numpy as np

from .. import landmarks as lm
from ..geometry import SIDES
from ..pose_track import PoseTrack
from ..video import iter_frames

PARTS = ("shoe", "heel", "toe", "ground")


@dataclass(frozen=True)
class FlowParams:
    """Tunables of :func:`measure_foot_flow`; ``_foot`` values are fractions of the foot length
    (heel to toe landmark), ``_crop_px`` values are pixels of the downscaled crop."""

    target_foot_crop_px: float = 28.0  # the crop is scaled so a foot is about this long (never upscaled)
    grid_step_crop_px: float = 1.5  # candidate points on this grid inside each region
    shoe_points: int = 40  # strongest-texture points kept per shoe half
    ground_points: int = 60  # ... and per ground strip
    min_texture_rel: float = 0.01  # a point's min-eigenvalue must exceed this x the crop's 99th percentile
    lk_window_crop_px: int = 9
    lk_levels: int = 3
    fb_max_crop_px: float = 0.5  # forward-backward error above this: the point was not tracked
    min_points: int = 3  # fewer good points: the region's velocity is not measured
    shoe_margin_foot: float = 0.12  # shoe box reaches this far beyond heel and toe, and below the sole line
    shoe_top_foot: float = 0.35  # ... and this far above the heel-toe line (the shoe's upper)
    ground_gap_foot: float = 0.06  # ground strip starts this far below the sole ...
    ground_depth_foot: float = 0.35  # ... and is this deep
    ground_side_foot: float = 0.6  # ... and reaches this far behind / ahead of the shoe
    other_foot_margin_foot: float = 0.1  # points this close to the other shoe's box are dropped
    crop_margin_foot: float = 1.0  # the crop reaches this far around all foot positions


@dataclass(frozen=True, eq=False)
class RegionFlow:
    """Image motion of one region (a shoe half, the whole shoe or the ground strip) of one foot."""

    velocity_px: np.ndarray  # (T, 2) full-resolution px per track frame, track frame i -> i+1; NaN = not measured
    spread_px: np.ndarray  # (T,) median absolute deviation of the point velocities (px per frame)
    n_points: np.ndarray  # (T,) points that passed the forward-backward check

    @property
    def valid(self) -> np.ndarray:
        return np.isfinite(self.velocity_px).all(axis=1)


@dataclass(frozen=True, eq=False)
class FootMotion:
    """Shoe and ground motion of one foot, per track frame."""

    side: str
    shoe: RegionFlow
    heel: RegionFlow  # heel half of the shoe
    toe: RegionFlow  # toe half of the shoe
    ground: RegionFlow  # strip below (and behind / ahead of) the shoe, other foot excluded
    foot_length_px: float  # median heel-to-toe landmark distance, full resolution

    def relative_px(self, part: str = "shoe") -> np.ndarray:
        """(T, 2) part velocity minus the measured ground velocity (NaN where either is missing)."""
        return getattr(self, part).velocity_px - self.ground.velocity_px


@dataclass(frozen=True, eq=False)
class FootFlow:
    """Output of :func:`measure_foot_flow`: both feet, aligned with the pose track's frames."""

    feet: dict[str, FootMotion]
    frame_indices: np.ndarray  # (T,) decoded-frame numbers (the track's)
    fps: float
    crop_box_px: tuple[int, int, int, int]  # x0, y0, x1, y1 of the analysed crop, full resolution
    scale: float  # crop pixels per full-resolution pixel
    seconds_per_frame: float  # wall time of decoding + flow per track frame

    @property
    def n_frames(self) -> int:
        return len(self.frame_indices)


# ------------------------------------------------------------------------------------------ geometry


def _foot_points(k: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    leg = lm.LEG[side]  # type: ignore[index]
    return k[:, leg["heel"]], k[:, leg["ankle"]], k[:, leg["foot_index"]]


def _foot_frame(heel: np.ndarray, ankle: np.ndarray, toe: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Unit axis heel->toe and the normal pointing up the shoe (towards the ankle), or None."""
    if not (np.isfinite(heel).all() and np.isfinite(toe).all()):
        return None
    axis = toe - heel
    n = float(np.hypot(*axis))
    if n < 1e-6:
        return None
    axis = axis / n
    normal = np.array([axis[1], -axis[0]])
    ref = ankle - heel if np.isfinite(ankle).all() else np.array([0.0, -1.0])
    if float(normal @ ref) < 0:
        normal = -normal
    return axis, normal


def _in_box(pts: np.ndarray, heel: np.ndarray, axis: np.ndarray, normal: np.ndarray, length: float,
            margin: float, top: float) -> np.ndarray:
    """Which points lie in the shoe's oriented box (u along heel->toe, w up; fractions of ``length``)."""
    d = pts - heel
    u = d @ axis / length
    w = d @ normal / length
    return (u >= -margin) & (u <= 1 + margin) & (w >= -margin) & (w <= top)


@dataclass(frozen=True)
class _Regions:
    """Candidate points (crop px) of every region of one frame, and which region each belongs to."""

    points: np.ndarray  # (N, 2) float32
    labels: list[tuple[str, str]]  # (side, part) per region
    starts: np.ndarray  # (R + 1,) slice bounds into points


def _pick(cands: np.ndarray, eig: np.ndarray, floor: float, n: int) -> np.ndarray:
    """The ``n`` candidate points with the strongest texture above ``floor``."""
    if cands.size == 0:
        return cands.reshape(0, 2)
    h, w = eig.shape
    xi = np.clip(np.round(cands[:, 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(cands[:, 1]).astype(int), 0, h - 1)
    e = eig[yi, xi]
    keep = e > floor
    cands, e = cands[keep], e[keep]
    if len(cands) > n:
        cands = cands[np.argsort(-e)[:n]]
    return cands


def _regions(k_crop: np.ndarray, eig: np.ndarray, foot_len: float, p: FlowParams) -> _Regions:
    """Sample the shoe halves and the ground strip of both feet on one frame (crop coordinates)."""
    h, w = eig.shape
    floor = max(1e-7, p.min_texture_rel * float(np.percentile(eig, 99)))
    step = p.grid_step_crop_px
    frames = {}
    for side in SIDES:
        heel, ankle, toe = _foot_points(k_crop[None], side)
        heel, ankle, toe = heel[0], ankle[0], toe[0]
        fr = _foot_frame(heel, ankle, toe)
        if fr is not None:
            frames[side] = (heel, toe, *fr)
    pts: list[np.ndarray] = []
    labels: list[tuple[str, str]] = []
    for side, (heel, toe, axis, normal) in frames.items():
        other = frames.get("right" if side == "left" else "left")
        length = max(float(np.hypot(*(toe - heel))), 0.5 * foot_len)
        m = p.shoe_margin_foot
        us = np.arange(-m, 1 + m + 1e-9, step / length)
        ws = np.arange(-m, p.shoe_top_foot + 1e-9, step / length)
        uu, ww = np.meshgrid(us, ws)
        grid = heel + (uu.ravel()[:, None] * axis + ww.ravel()[:, None] * normal) * length
        u = uu.ravel()
        inside = (grid[:, 0] >= 0) & (grid[:, 0] <= w - 1) & (grid[:, 1] >= 0) & (grid[:, 1] <= h - 1)
        if other is not None:
            o_heel, o_toe, o_axis, o_normal = other
            o_len = max(float(np.hypot(*(o_toe - o_heel))), 0.5 * foot_len)
            inside &= ~_in_box(grid, o_heel, o_axis, o_normal, o_len, m + p.other_foot_margin_foot,
                               p.shoe_top_foot + p.other_foot_margin_foot)
        for part, sel in (("heel", u < 0.5), ("toe", u >= 0.5)):
            pts.append(_pick(grid[inside & sel], eig, floor, p.shoe_points))
            labels.append((side, part))
        # ground strip: below the lower of heel / toe, reaching behind and ahead of the shoe
        sole_y = max(heel[1], toe[1])
        x0 = min(heel[0], toe[0]) - p.ground_side_foot * foot_len
        x1 = max(heel[0], toe[0]) + p.ground_side_foot * foot_len
        y0 = sole_y + p.ground_gap_foot * foot_len
        y1 = y0 + p.ground_depth_foot * foot_len
        xs = np.arange(max(0.0, x0), min(w - 1.0, x1) + 1e-9, step)
        ys = np.arange(max(0.0, y0), min(h - 1.0, y1) + 1e-9, step)
        gx, gy = np.meshgrid(xs, ys)
        g = np.stack([gx.ravel(), gy.ravel()], axis=1)
        keep = np.ones(len(g), dtype=bool)
        for fh, ft, fa, fn in frames.values():  # neither shoe is ground
            f_len = max(float(np.hypot(*(ft - fh))), 0.5 * foot_len)
            keep &= ~_in_box(g, fh, fa, fn, f_len, p.shoe_margin_foot + p.other_foot_margin_foot,
                             p.shoe_top_foot + p.other_foot_margin_foot)
        pts.append(_pick(g[keep], eig, floor, p.ground_points))
        labels.append((side, "ground"))
    starts = np.cumsum([0] + [len(a) for a in pts])
    allp = np.concatenate(pts).astype(np.float32) if pts else np.zeros((0, 2), np.float32)
    return _Regions(allp, labels, starts)


def _crop_box(track: PoseTrack, foot_len: float, p: FlowParams) -> tuple[int, int, int, int]:
    """One crop for the whole clip: every foot position, plus margins (full-resolution px)."""
    k = track.keypoints_px
    idx = [lm.LEG[s][j] for s in SIDES for j in ("heel", "ankle", "foot_index")]  # type: ignore[index]
    pts = k[:, idx].reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    w, h = track.image_size
    if len(pts) == 0:
        return 0, 0, int(w), int(h)
    m = p.crop_margin_foot * foot_len
    lo = np.percentile(pts, 1, axis=0)
    hi = np.percentile(pts, 99, axis=0)
    x0 = int(max(0, np.floor(lo[0] - m)))
    x1 = int(min(w, np.ceil(hi[0] + m)))
    y0 = int(max(0, np.floor(lo[1] - 0.6 * m)))
    y1 = int(min(h, np.ceil(hi[1] + 0.8 * m)))
    return x0, y0, x1, y1


def foot_length_px(track: PoseTrack) -> float:
    """Median heel-to-toe landmark distance of the larger (usually the near) foot, full-resolution px."""
    out = []
    for side in SIDES:
        heel, _, toe = _foot_points(track.keypoints_px, side)
        d = np.hypot(*(toe - heel).T)
        d = d[np.isfinite(d)]
        if d.size:
            out.append(float(np.median(d)))
    return max(out) if out else float("nan")


# ------------------------------------------------------------------------------------------ measuring


def _to_gray(rgb: np.ndarray, box: tuple[int, int, int, int], scale: float) -> np.ndarray:
    x0, y0, x1, y1 = box
    g = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        g = cv2.resize(g, (max(8, int(round(g.shape[1] * scale))), max(8, int(round(g.shape[0] * scale)))),
                       interpolation=cv2.INTER_AREA)
    return g


def measure_foot_flow(video: str | os.PathLike[str], track: PoseTrack, params: FlowParams = FlowParams(),
                      fps_override: float | None = None) -> FootFlow:
    """Shoe and ground image motion of both feet between consecutive track frames (one decoding pass).

    ``track`` may be raw or cleaned; its ``frame_indices`` say which decoded frames to use, so
    a track with repeated frames dropped measures motion between the distinct images.
    """
    p = params
    t_start = time.perf_counter()
    n = track.n_frames
    foot_len = foot_length_px(track)
    if not np.isfinite(foot_len) or foot_len <= 0:
        foot_len = 0.05 * max(track.image_size)
    box = _crop_box(track, foot_len, p)
    scale = float(min(1.0, p.target_foot_crop_px / foot_len))
    offset = np.array([box[0], box[1]], dtype=float)
    k_crop = (np.asarray(track.keypoints_px, dtype=float) - offset) * scale
    foot_crop = foot_len * scale
    pos_of = {int(f): i for i, f in enumerate(track.frame_indices)}
    vel = {(s, part): np.full((n, 2), np.nan) for s in SIDES for part in PARTS}
    spread = {(s, part): np.full(n, np.nan) for s in SIDES for part in PARTS}
    count = {(s, part): np.zeros(n, dtype=int) for s in SIDES for part in PARTS}
    win = (p.lk_window_crop_px, p.lk_window_crop_px)
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)
    prev: tuple[int, np.ndarray] | None = None  # (track index, gray crop)
    last = int(np.max(track.frame_indices)) if n else -1
    for frame in iter_frames(video, fps_override=fps_override):
        if frame.index > last:
            break
        i = pos_of.get(frame.index)
        if i is None:
            continue
        gray = _to_gray(frame.rgb, box, scale)
        if prev is not None and prev[0] == i - 1:
            g0 = prev[1]
            kc = k_crop[i - 1]
            if np.isfinite(kc).any():
                eig = cv2.cornerMinEigenVal(g0, 3)
                reg = _regions(kc, eig, foot_crop, p)
                if len(reg.points):
                    _flow_regions(g0, gray, reg, i - 1, vel, spread, count, scale, win, crit, p)
        prev = (i, gray)
    for s in SIDES:  # whole shoe = both halves' points pooled: recomputed as the count-weighted mean
        h, t = vel[(s, "heel")], vel[(s, "toe")]
        nh, nt = count[(s, "heel")], count[(s, "toe")]
        both = np.where(((nh > 0) & (nt > 0))[:, None], (h * nh[:, None] + t * nt[:, None]) / np.maximum(nh + nt, 1)[:, None],
                        np.where((nh > 0)[:, None], h, t))
        vel[(s, "shoe")] = both
        count[(s, "shoe")] = nh + nt
        spread[(s, "shoe")] = np.fmax(spread[(s, "heel")], spread[(s, "toe")])
    elapsed = time.perf_counter() - t_start
    feet = {
        s: FootMotion(s, *(RegionFlow(vel[(s, part)], spread[(s, part)], count[(s, part)]) for part in PARTS), foot_length_px=foot_len)
        for s in SIDES
    }
    return FootFlow(feet=feet, frame_indices=np.asarray(track.frame_indices), fps=float(track.fps), crop_box_px=box,
                    scale=scale, seconds_per_frame=elapsed / max(1, n))


def _flow_regions(g0: np.ndarray, g1: np.ndarray, reg: _Regions, i: int, vel: dict, spread: dict, count: dict,
                  scale: float, win: tuple[int, int], crit: tuple, p: FlowParams) -> None:
    """Forward-backward LK of all points at once; median velocity per region into the (T, ...) arrays."""
    p0 = reg.points.reshape(-1, 1, 2)
    p1, st1, _ = cv2.calcOpticalFlowPyrLK(g0, g1, p0, None, winSize=win, maxLevel=p.lk_levels, criteria=crit)
    if p1 is None:
        return
    pb, st2, _ = cv2.calcOpticalFlowPyrLK(g1, g0, p1, None, winSize=win, maxLevel=p.lk_levels, criteria=crit)
    fb = np.linalg.norm((pb - p0).reshape(-1, 2), axis=1)
    ok = (st1.ravel() == 1) & (st2.ravel() == 1) & (fb < p.fb_max_crop_px)
    d = (p1 - p0).reshape(-1, 2) / scale
    for r, key in enumerate(reg.labels):
        a, b = reg.starts[r], reg.starts[r + 1]
        good = d[a:b][ok[a:b]]
        count[key][i] = len(good)
        if len(good) >= p.min_points:
            med = np.median(good, axis=0)
            vel[key][i] = med
            spread[key][i] = float(np.median(np.linalg.norm(good - med, axis=1)))


# ------------------------------------------------------------------------------------------ evidence


@dataclass(frozen=True)
class EvidenceParams:
    """Tunables of :func:`contact_evidence` and the refiners."""

    sigma_of_swing: float = 0.12  # tolerance on |shoe - ground| as a fraction of the clip's swing speed (90th pct)
    sigma_floor_crop_px: float = 0.35  # ... never below this (downscaled-crop px per frame: LK noise)
    ground_source: str = "stance_mode"  # "stance_mode": the clip's most common shoe velocity; "strip": the strip under the shoe
    mode_radius_frac: float = 0.1  # cluster radius of the stance mode, fraction of the clip's 90th-percentile shoe speed
    ground_from_clip_min_points: int = 6  # (strip) a strip with fewer points uses the clip-level ground velocity
    step_half_width_stride: float = 0.06  # refiners compare this much before and after a frame (>= 2 frames)
    min_switch_contrast: float = 0.2  # smaller before/after change of the evidence: no event found


@dataclass(frozen=True, eq=False)
class ContactEvidence:
    """Per track frame, how likely each part of one shoe moves with the ground (NaN = not measured).

    ``p_*[i]`` is about the motion from frame i to i+1.
    """

    side: str
    p_contact: np.ndarray  # (T,) heel OR toe half moves with the ground
    p_heel: np.ndarray
    p_toe: np.ndarray
    ground_velocity_px: np.ndarray  # (T, 2) ground velocity used (measured strip, else clip level)
    sigma_px: float  # tolerance used on |part - ground|, px per frame


def _stance_mode_px(flow: FootFlow, radius_frac: float) -> np.ndarray:
    """(2,) the most common shoe velocity of the clip (both feet): the ground's.

    A shoe spends about 40 % of a running stride on the ground, moving with it at one velocity
    (the belt's; zero overground with a still camera), while in swing it moves at ever changing
    velocities: the densest cluster of shoe velocities is the ground's. The strip under the
    shoe is a poor stand-in on real clips: dark belts have no texture, and its strongest
    features are the shoe's own lower edge or the treadmill's static frame.
    """
    v = np.concatenate([f.shoe.velocity_px for f in flow.feet.values()])
    v = v[np.isfinite(v).all(axis=1)]
    if len(v) < 5:
        return np.zeros(2)
    if len(v) > 1500:
        v = v[np.linspace(0, len(v) - 1, 1500).astype(int)]
    speed = np.linalg.norm(v - np.median(v, axis=0), axis=1)
    r = max(radius_frac * float(np.percentile(speed, 90)), 1e-3)
    d = np.linalg.norm(v[:, None, :] - v[None, :, :], axis=2)
    centre = v[int(np.argmax((d < r).sum(axis=1)))]
    for _ in range(3):  # mean shift
        near = np.linalg.norm(v - centre, axis=1) < r
        centre = v[near].mean(axis=0)
    return centre


def _clip_ground_velocity(flow: FootFlow, p: EvidenceParams) -> np.ndarray:
    """(2,) robust clip-level ground velocity: median of the well-measured ground strips of both feet."""
    vals = [f.ground.velocity_px[f.ground.n_points >= p.ground_from_clip_min_points] for f in flow.feet.values()]
    v = np.concatenate(vals) if vals else np.zeros((0, 2))
    v = v[np.isfinite(v).all(axis=1)]
    return np.median(v, axis=0) if len(v) else np.zeros(2)


def contact_evidence(flow: FootFlow, params: EvidenceParams = EvidenceParams()) -> dict[str, ContactEvidence]:
    """Per foot, the probability that the heel half / toe half of the shoe moves with the ground.

    p = exp(-|v_part - v_ground|^2 / (2 sigma^2)); sigma is a fraction of the clip's swing speed
    (so it scales with frame rate and image size) with a floor for the flow's own noise.
    The ground velocity is by default the clip's stance mode (:func:`_stance_mode_px`: a belt runs
    at constant speed, overground with a still camera it is zero); ``ground_source="strip"`` uses
    the strip under each shoe instead (a moving camera), the clip-level strip median where weak.
    """
    p = params
    out: dict[str, ContactEvidence] = {}
    mode = _stance_mode_px(flow, p.mode_radius_frac) if p.ground_source == "stance_mode" else None
    g_clip = _clip_ground_velocity(flow, p)
    for side, f in flow.feet.items():
        if mode is not None:
            g = np.broadcast_to(mode, f.ground.velocity_px.shape).copy()
        else:
            g = f.ground.velocity_px.copy()
            weak = (f.ground.n_points < p.ground_from_clip_min_points) | ~np.isfinite(g).all(axis=1)
            g[weak] = g_clip
        rel = np.linalg.norm(f.shoe.velocity_px - g, axis=1)
        rel = rel[np.isfinite(rel)]
        swing = float(np.percentile(rel, 90)) if rel.size else float("nan")
        floor = p.sigma_floor_crop_px / flow.scale
        sigma = max(floor, p.sigma_of_swing * swing) if np.isfinite(swing) else floor

        def prob(v: np.ndarray) -> np.ndarray:
            d = np.linalg.norm(v - g, axis=1)
            return np.exp(-0.5 * (d / sigma) ** 2)

        ph, pt = prob(f.heel.velocity_px), prob(f.toe.velocity_px)
        pc = np.fmax(ph, pt)
        out[side] = ContactEvidence(side, pc, ph, pt, g, float(sigma))
    return out


@dataclass(frozen=True)
class PixelEvent:
    """An event frame from the pixel evidence near a candidate, or None with confidence 0."""

    index: int | None  # track index
    confidence: float  # 0-1: contrast of the evidence before / after, times the share of measured frames
    candidate_index: int

    @property
    def shift_frames(self) -> int | None:
        return None if self.index is None else self.index - self.candidate_index


def _half_width(stride_frames: float, p: EvidenceParams) -> int:
    return max(2, int(round(p.step_half_width_stride * stride_frames))) if np.isfinite(stride_frames) else 2


def _switch(prob: np.ndarray, candidate: int, window_frames: float, m: int, on: bool, min_contrast: float) -> PixelEvent:
    """Frame b near ``candidate`` where prob[b-m:b] is low and prob[b:b+m] high (on) or the reverse.

    Boundary b: contact = first frame whose onward motion is with the ground; toe-off = the frame
    after the last interval moving with the ground (its last frame down).
    """
    n = len(prob)
    w = int(np.ceil(window_frames))
    best: tuple[float, int, float] | None = None  # (score, b, coverage)
    for b in range(max(1, candidate - w), min(n - 1, candidate + w) + 1):
        before = prob[max(0, b - m):b]
        after = prob[b:min(n, b + m)]
        fb, fa = np.isfinite(before), np.isfinite(after)
        if fb.sum() < 1 or fa.sum() < 1:
            continue
        contrast = float(np.mean(after[fa]) - np.mean(before[fb]))
        if not on:
            contrast = -contrast
        coverage = (fb.sum() + fa.sum()) / (2.0 * m)
        score = contrast * coverage
        if best is None or score > best[0] + 1e-9:
            best = (score, b, coverage)
    if best is None or best[0] < min_contrast:
        return PixelEvent(None, 0.0, candidate)
    score, b, _ = best
    # snap to the exact switch of the evidence next to it (first frame above 0.5 / last interval above 0.5)
    if on:
        for j in (b - 1, b, b + 1):
            if 1 <= j < n and prob[j] >= 0.5 and not prob[j - 1] >= 0.5:
                b = j
                break
    else:
        for j in (b + 1, b, b - 1):
            if 1 <= j < n and prob[j - 1] >= 0.5 and not prob[j] >= 0.5:
                b = j
                break
    return PixelEvent(int(b), float(np.clip(score, 0.0, 1.0)), candidate)


def refine_contact(evidence: ContactEvidence, candidate_index: int, window_frames: float, stride_frames: float,
                   params: EvidenceParams = EvidenceParams()) -> PixelEvent:
    """First frame within +-window of the candidate from which the shoe (heel or toe half) moves with the ground."""
    return _switch(evidence.p_contact, int(candidate_index), window_frames, _half_width(stride_frames, params), on=True,
                   min_contrast=params.min_switch_contrast)


def refine_toe_off(evidence: ContactEvidence, candidate_index: int, window_frames: float, stride_frames: float,
                   params: EvidenceParams = EvidenceParams()) -> PixelEvent:
    """Last frame within +-window of the candidate up to which the toe half moved with the ground."""
    return _switch(evidence.p_toe, int(candidate_index), window_frames, _half_width(stride_frames, params), on=False,
                   min_contrast=params.min_switch_contrast)


def pixel_events(evidence: ContactEvidence, stride_frames: float, params: EvidenceParams = EvidenceParams()
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Contacts and toe-offs from the pixel evidence alone (track indices), no landmark detector.

    A stance is a run of at least ``2 m`` frames (m = the refiners' half width) in which the shoe
    moves with the ground (p_contact >= 0.5; gaps of one unmeasured or low frame are bridged);
    contact = its first frame, toe-off = the frame after the last interval in it where the toe
    half still moved with the ground.
    """
    m = _half_width(stride_frames, params)
    on = np.nan_to_num(evidence.p_contact, nan=0.0) >= 0.5
    bridged = on.copy()
    bridged[1:-1] |= on[:-2] & on[2:]
    ics, tos = [], []
    i, n = 0, len(on)
    while i < n:
        if not bridged[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and bridged[j + 1]:
            j += 1
        if j - i + 1 >= 2 * m and i > 0 and j < n - 1:
            ics.append(i)
            toe = np.flatnonzero(np.nan_to_num(evidence.p_toe[i:j + 1], nan=0.0) >= 0.5)
            tos.append(i + int(toe[-1]) + 1 if toe.size else j + 1)
        i = j + 1
    return np.asarray(ics, dtype=int), np.asarray(tos, dtype=int)


__all__ = [
    "ContactEvidence", "EvidenceParams", "FlowParams", "FootFlow", "FootMotion", "PixelEvent", "RegionFlow",
    "contact_evidence", "foot_length_px", "measure_foot_flow", "pixel_events", "refine_contact", "refine_toe_off",
]
