"""Whole-body centre of mass (COM) from 2-D landmarks, segment by segment.

Segment masses (fraction of body mass) and the position of each segment's own centre of mass
along it (fraction of its length from the proximal end) are de Leva (1996), Table 4, male
values (Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters, J Biomech
29(9):1223-1230). MediaPipe has no vertex/C7/suprasternale landmarks, so the head's COM is
taken at the midpoint of the ears and the trunk runs from mid-shoulder (≈ suprasternale) to
mid-hip; the hand's COM is 79% of the way from the wrist to the knuckles (index/pinky midpoint).

The hip midpoint (:func:`formcheck.geometry.hip_midpoint`), the usual single-point stand-in, is kept
as a secondary reference.
"""

from __future__ import annotations

import numpy as np

from . import landmarks as lm

# (name, mass fraction, proximal landmarks, distal landmarks, COM fraction from proximal)
# Proximal/distal points are averages of the listed landmarks.
_SEGMENTS: tuple[tuple[str, float, tuple[int, ...], tuple[int, ...], float], ...] = (
    ("head", 0.0694, (lm.LEFT_EAR, lm.RIGHT_EAR), (lm.LEFT_EAR, lm.RIGHT_EAR), 0.0),
    ("trunk", 0.4346, (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER), (lm.LEFT_HIP, lm.RIGHT_HIP), 0.4486),
    *(
        segment
        for side in ("left", "right")
        for segment in (
            (f"{side}_upper_arm", 0.0271, (lm.INDEX[f"{side}_shoulder"],), (lm.INDEX[f"{side}_elbow"],), 0.5772),
            (f"{side}_forearm", 0.0162, (lm.INDEX[f"{side}_elbow"],), (lm.INDEX[f"{side}_wrist"],), 0.4574),
            (f"{side}_hand", 0.0061, (lm.INDEX[f"{side}_wrist"],), (lm.INDEX[f"{side}_index"], lm.INDEX[f"{side}_pinky"]), 0.7900),
            (f"{side}_thigh", 0.1416, (lm.INDEX[f"{side}_hip"],), (lm.INDEX[f"{side}_knee"],), 0.4095),
            (f"{side}_shank", 0.0433, (lm.INDEX[f"{side}_knee"],), (lm.INDEX[f"{side}_ankle"],), 0.4459),
            (f"{side}_foot", 0.0137, (lm.INDEX[f"{side}_heel"],), (lm.INDEX[f"{side}_foot_index"],), 0.4415),
        )
    ),
)
SEGMENT_MASS_FRACTIONS: dict[str, float] = {name: mass for name, mass, *_ in _SEGMENTS}
# joint that stands in for a hand's or foot's COM when its end landmarks are missing
_END_SEGMENT_ANCHORS: dict[str, int] = {
    f"{side}_{segment}": lm.INDEX[f"{side}_{joint}"] for side in ("left", "right") for segment, joint in (("hand", "wrist"), ("foot", "ankle"))
}


def segment_weighted_com(keypoints: np.ndarray) -> np.ndarray:
    """(T, 33, 2) landmarks -> (T, 2) whole-body COM (de Leva 1996 weights).

    A frame where any segment point is missing (NaN) gets NaN: renormalising over the
    remaining segments would shift the COM towards them and bias overstride. The exception are
    the hands and feet (0.6 % and 1.4 % of body mass): when their end points are missing (the far
    foot's heel and toe are the landmarks MediaPipe loses most) their COM is put at the wrist or
    ankle: that moves the whole-body COM by the segment's mass fraction times the joint-to-segment-COM
    distance (1.4 % of ~5 cm for a foot): under a millimetre.
    """
    keypoints = np.asarray(keypoints, dtype=float)
    total = np.zeros(keypoints.shape[:1] + keypoints.shape[2:])
    for name, mass, proximal, distal, fraction in _SEGMENTS:
        p = keypoints[:, list(proximal)].mean(axis=1)
        d = keypoints[:, list(distal)].mean(axis=1)
        c = p + fraction * (d - p)
        anchor = _END_SEGMENT_ANCHORS.get(name)
        if anchor is not None:
            missing = ~np.isfinite(c).all(axis=-1)
            c[missing] = keypoints[missing, anchor]
        total += mass * c
    return total / sum(SEGMENT_MASS_FRACTIONS.values())
