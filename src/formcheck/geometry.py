"""Body geometry in the image, defined once: sides, running direction, leg length, segment angles.

Conventions (shared by the analysis, the annotators, the plots and the synthetic ground truth in
:mod:`formcheck.synth`; see docs/definitions.md):

* Image coordinates: x right, y DOWN, pixels. ``keypoints`` arrays are (T, 33, 2) in MediaPipe's
  landmark order (:mod:`formcheck.landmarks`), NaN where a landmark is missing.
* "Forward" = the running direction: -x for a runner facing image-left, +x facing image-right
  (:func:`forward_sign`).
* Side names are the runner's anatomical left/right. The near leg is the one toward the camera: a
  runner facing image-left shows the camera their left side (:func:`near_side`).
* Leg length L = |hip-knee| + |knee-ankle| (joint centres), median over frames, per side
  (:func:`leg_length_px`); pixel thresholds scale with the mean of both sides (:func:`body_scale_px`).
* Angles are in degrees from the vertical, signed so that the clinically meaningful direction is
  positive: thigh + when the knee is BEHIND the hip (hip extension), shank + when the ankle is AHEAD
  of the knee (reaching), trunk + when leaning forward, foot + when the toe is up; knee flexion is
  180 minus the interior hip-knee-ankle angle (0 = straight).
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np

from . import landmarks as lm

Side = lm.Side
Facing = Literal["left", "right"]
SIDES: Final[tuple[Side, Side]] = ("left", "right")


def other_side(side: str) -> Side:
    """The other leg."""
    return "right" if side == "left" else "left"


def near_side(facing: str) -> Side:
    """The leg toward the camera: a runner facing image-left shows their left side."""
    return "left" if facing == "left" else "right"


def forward_sign(facing: str) -> float:
    """+1 when forward is +x (facing right), -1 when facing left."""
    if facing not in ("left", "right"):
        raise ValueError(f"facing must be 'left' or 'right', not {facing!r}")
    return 1.0 if facing == "right" else -1.0


def hip_midpoint(keypoints: np.ndarray) -> np.ndarray:
    """(T, 33, 2) -> (T, 2) midpoint of the two hips (the pelvis, px)."""
    k = np.asarray(keypoints, dtype=float)
    return k[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1)


def shoulder_midpoint(keypoints: np.ndarray) -> np.ndarray:
    """(T, 33, 2) -> (T, 2) midpoint of the two shoulders (px)."""
    k = np.asarray(keypoints, dtype=float)
    return k[:, [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]].mean(axis=1)


def leg_length_series_px(keypoints: np.ndarray, side: str) -> np.ndarray:
    """(T,) |hip-knee| + |knee-ankle| of one side per frame (px), NaN where a joint is missing."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = np.asarray(keypoints, dtype=float)
    thigh = np.linalg.norm(k[:, leg["hip"]] - k[:, leg["knee"]], axis=-1)
    shank = np.linalg.norm(k[:, leg["knee"]] - k[:, leg["ankle"]], axis=-1)
    return thigh + shank


def leg_length_px(keypoints: np.ndarray, side: str) -> float:
    """Median over frames of |hip-knee| + |knee-ankle| for one side (px); NaN if never seen.

    The median makes it robust to the frames where MediaPipe folds a leg onto the other.
    """
    total = leg_length_series_px(keypoints, side)
    total = total[np.isfinite(total)]
    return float(np.median(total)) if total.size else float("nan")


def body_scale_px(keypoints: np.ndarray) -> float:
    """Mean leg length over both sides (px): the scale every pixel threshold is a fraction of."""
    values = [v for v in (leg_length_px(keypoints, s) for s in SIDES) if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def _angle_from_vertical_deg(d: np.ndarray, horizontal_sign: float, down: bool) -> np.ndarray:
    """Angle of vectors d (..., 2) from the downward (or upward) vertical, + toward ``horizontal_sign`` x."""
    return np.degrees(np.arctan2(horizontal_sign * d[..., 0], d[..., 1] if down else -d[..., 1]))


def thigh_angle_deg(keypoints: np.ndarray, side: str, facing: str) -> np.ndarray:
    """(T,) hip->knee angle from the downward vertical, + when the knee is BEHIND the hip (extension)."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = np.asarray(keypoints, dtype=float)
    return _angle_from_vertical_deg(k[:, leg["knee"]] - k[:, leg["hip"]], -forward_sign(facing), down=True)


def shank_angle_deg(keypoints: np.ndarray, side: str, facing: str) -> np.ndarray:
    """(T,) knee->ankle angle from the downward vertical, + when the ankle is AHEAD of the knee."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = np.asarray(keypoints, dtype=float)
    return _angle_from_vertical_deg(k[:, leg["ankle"]] - k[:, leg["knee"]], forward_sign(facing), down=True)


def foot_angle_deg(keypoints: np.ndarray, side: str, facing: str) -> np.ndarray:
    """(T,) heel->toe angle above the horizontal, + when the toe is up."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = np.asarray(keypoints, dtype=float)
    d = k[:, leg["foot_index"]] - k[:, leg["heel"]]
    return np.degrees(np.arctan2(-d[:, 1], forward_sign(facing) * d[:, 0]))


def trunk_lean_deg(keypoints: np.ndarray, facing: str) -> np.ndarray:
    """(T,) hip-mid->shoulder-mid angle from the upward vertical, + when leaning forward."""
    return _angle_from_vertical_deg(shoulder_midpoint(keypoints) - hip_midpoint(keypoints), forward_sign(facing), down=False)


def knee_flexion_deg(keypoints: np.ndarray, side: str) -> np.ndarray:
    """(T,) knee flexion = 180 - interior hip-knee-ankle angle (0 = straight leg)."""
    leg = lm.LEG[side]  # type: ignore[index]
    k = np.asarray(keypoints, dtype=float)
    u = k[:, leg["hip"]] - k[:, leg["knee"]]
    v = k[:, leg["ankle"]] - k[:, leg["knee"]]
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def forward_of_pelvis_px(keypoints: np.ndarray, index: int, facing: str) -> np.ndarray:
    """(T,) forward position of landmark ``index`` relative to the hip midpoint (px, + = ahead)."""
    k = np.asarray(keypoints, dtype=float)
    return forward_sign(facing) * (k[:, index, 0] - hip_midpoint(k)[:, 0])
