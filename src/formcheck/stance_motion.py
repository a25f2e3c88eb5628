"""How the feet move while on the ground: treadmill or overground, and how long both or neither are down.

Read from the (cleaned, smoothed) pose track alone, without gait-event timing, so that it holds for
walking as well as running (formcheck.events is tuned to running and mistimes a walker's contacts).

* The ground's image velocity: a foot on the ground moves with the ground, still overground (on a
  still or ground-referenced track), backwards at belt speed on a treadmill. Of the foot landmarks
  near their own ground line (the 95th percentile of their image height), the stance samples all
  share that velocity; the most crowded horizontal velocity among them is the ground's.
* Body speed = the pelvis' speed relative to that ground. ``belt_fraction`` = |ground velocity| /
  body speed is ~1 on a treadmill (the pelvis stays put, the ground moves) and ~0 overground (the
  ground stays put, the pelvis moves), whatever the direction or a turn in the middle of the clip.
* A foot is on the ground on a frame when its heel or toe is near its ground line AND moves with the
  ground (within GROUND_SPEED_TOL of the body speed). ``double_support`` = the fraction of frames
  with both feet down (walking: ~10-25 %; running: none, a flight phase instead), ``flight`` = neither.

Thresholds and the figures measured on every clip: docs/thresholds.md ("walking vs running",
"treadmill or overground").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import landmarks as lm
from .geometry import SIDES, body_scale_px, hip_midpoint
from .pose_track import PoseTrack

GROUND_LINE_PCT = 95.0  # a foot landmark's ground line: this percentile of its image height (y down)
NEAR_GROUND_LEG = 0.12  # a landmark within this (leg lengths) above its ground line may be on the ground
GROUND_SPEED_TOL = 0.45  # ... and is, when it moves with the ground to within this fraction of the body speed
TREADMILL_BELT_FRACTION = 0.5  # |ground velocity| / body speed above this: treadmill
MIN_BODY_SPEED_LEG_S = 0.3  # slower than this relative to the ground: no gait to read (standing)
MIN_FRAMES = 10


@dataclass(frozen=True)
class StanceMotion:
    """The feet's motion on the ground; None where the clip does not show it."""

    mode: str  # "treadmill" | "overground" | "unknown"
    ground_velocity_leg_s: float | None  # image x velocity of a foot on the ground (+ = image right), leg lengths/s
    body_speed_leg_s: float | None  # pelvis speed relative to the ground, leg lengths/s
    belt_fraction: float | None  # |ground velocity| / body speed: ~1 treadmill, ~0 overground
    duty_factor: float | None  # mean fraction of frames each foot is on the ground
    double_support: float | None  # fraction of frames with both feet on the ground
    flight: float | None  # fraction of frames with neither foot on the ground
    frames_used: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _densest(v: np.ndarray, bin_leg_s: float = 0.05, half_width_leg_s: float = 0.25) -> float:
    """Where the values crowd most: the median of those within ``half_width_leg_s`` of the histogram's peak
    (smoothed over +-``half_width_leg_s``). Stance samples share one velocity; a swinging foot skimming the
    ground (a walker's toe) passes through many, so the peak is the stance's even when they are fewer."""
    edges = np.arange(v.min(), v.max() + 2 * bin_leg_s, bin_leg_s)
    hist, _ = np.histogram(v, edges)
    k = max(1, round(half_width_leg_s / bin_leg_s))
    dens = np.convolve(hist, np.ones(2 * k + 1), "same")
    peak = float(edges[int(np.argmax(dens))] + 0.5 * bin_leg_s)
    return float(np.median(v[np.abs(v - peak) <= half_width_leg_s]))


_UNKNOWN = StanceMotion("unknown", None, None, None, None, None, None, 0)


def stance_motion(track: PoseTrack) -> StanceMotion:
    """Treadmill or overground, duty factor, double support and flight from a cleaned pose track."""
    k = np.asarray(track.keypoints_px, dtype=float)
    t = np.asarray(track.timestamps_s, dtype=float)
    leg = body_scale_px(k)
    if len(t) < MIN_FRAMES or not np.isfinite(leg) or leg <= 0:
        return _UNKNOWN
    with np.errstate(invalid="ignore"):
        vel = np.gradient(k, t, axis=0) / leg  # (T, 33, 2) leg lengths per second
        pelvis_vx = np.gradient(hip_midpoint(k)[:, 0], t) / leg
    low: dict[tuple[str, str], np.ndarray] = {}
    ground_vx = []
    for side in SIDES:
        for part in ("heel", "foot_index"):
            j = lm.LEG[side][part]  # type: ignore[index]
            y = k[:, j, 1]
            if not np.isfinite(y).any():
                continue
            with np.errstate(invalid="ignore"):
                near = (np.nanpercentile(y, GROUND_LINE_PCT) - y) < NEAR_GROUND_LEG * leg
            low[(side, part)] = near
            v = vel[near, j, 0]
            ground_vx.append(v[np.isfinite(v)])
    vx_on_ground = np.concatenate(ground_vx) if ground_vx else np.empty(0)
    if vx_on_ground.size < MIN_FRAMES:
        return _UNKNOWN
    g = _densest(vx_on_ground)
    rel = np.abs(pelvis_vx - g)
    body = float(np.nanmedian(rel)) if np.isfinite(rel).any() else float("nan")
    if not np.isfinite(body) or body < MIN_BODY_SPEED_LEG_S:
        return StanceMotion("unknown", round(g, 3), None if not np.isfinite(body) else body, None, None, None, None, 0)
    down = {}
    for side in SIDES:
        on = np.zeros(len(t), bool)
        for part in ("heel", "foot_index"):
            j = lm.LEG[side][part]  # type: ignore[index]
            if (side, part) in low:
                with np.errstate(invalid="ignore"):
                    on |= low[(side, part)] & (np.abs(vel[:, j, 0] - g) < GROUND_SPEED_TOL * body)
        down[side] = on
    feet = [lm.LEG[s][p] for s in SIDES for p in ("heel", "foot_index")]  # type: ignore[index]
    seen = np.isfinite(vel[:, feet]).all(axis=(1, 2))
    n = int(seen.sum())
    if n < MIN_FRAMES:
        return _UNKNOWN
    left, right = down["left"][seen], down["right"][seen]
    belt = abs(g) / body
    return StanceMotion(
        mode="treadmill" if belt > TREADMILL_BELT_FRACTION else "overground",
        ground_velocity_leg_s=g,
        body_speed_leg_s=body,
        belt_fraction=belt,
        duty_factor=float((left.mean() + right.mean()) / 2),
        double_support=float((left & right).mean()),
        flight=float((~left & ~right).mean()),
        frames_used=n,
    )
