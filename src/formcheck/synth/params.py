"""The synthetic runner's knobs, body and camera (formcheck.synth.gait describes the model they drive).

World coordinates are metres: x forward (running direction), y up (0 = running surface), z lateral,
positive to the runner's RIGHT. The camera is a pinhole on the runner's near side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Facing = Literal["left", "right"]
SIDES: tuple[str, str] = ("left", "right")


# --------------------------------------------------------------------------------------------- params
@dataclass(frozen=True)
class GaitParams:
    """Knobs of the synthetic runner. Angles in degrees, lengths in metres unless named otherwise."""

    height_m: float = 1.75
    cadence_spm: float = 170.0
    speed_m_s: float = 3.0  # belt speed (treadmill) or running speed (overground)
    overstride_pct_leg: float = 12.0  # heel ahead of the segment-weighted COM at initial contact, % of leg length
    hip_extension_deg: float = 12.0  # thigh angle behind vertical at toe-off
    # Contact duration. None (default): follows from the geometry (overstride, hip extension, speed).
    # Give a duty factor (contact time / stride time) OR a contact time to impose it: the pelvis
    # height is then solved (longer contact = lower, more crouched runner); ValueError if that
    # would need an unrealistic crouch.
    duty_factor: float | None = None
    contact_time_s: float | None = None
    facing: Facing = "left"
    fps: float = 60.0
    duration_s: float = 6.0
    treadmill: bool = True
    image_size: tuple[int, int] = (1280, 720)  # (width, height) px
    # Camera: pinhole at camera_distance_m from the runner's mid-plane, on the near side, at
    # camera_height_m above the running surface, optical axis horizontal. Focal length so that
    # 1 m at the runner's mid-plane is px_per_m pixels (default: runner_height_frac of the image height).
    camera_distance_m: float = 4.0
    camera_height_m: float = 1.0
    px_per_m: float | None = None
    runner_height_frac: float = 0.62
    # Finer form knobs (None = realistic default).
    vertical_oscillation_m: float = 0.07  # pelvis peak-to-peak
    pelvis_drop_m: float = 0.02  # mean hip height below standing hip height (ignored when contact time is imposed)
    trunk_lean_deg: float = 6.0  # forward lean of the hip->shoulder line
    foot_strike_angle_deg: float | None = None  # sole angle at contact, toe up; default grows with overstride
    toe_off_foot_angle_deg: float = 45.0  # heel up at toe-off
    peak_knee_flexion_deg: float = 110.0  # swing
    knee_drive_deg: float | None = None  # peak thigh flexion in swing (negative thigh angle); default contact - 7
    arm_swing_deg: float = 30.0  # upper-arm amplitude (each way)
    start_phase: float = 0.15  # fraction of a stride between t=0 and the first LEFT contact
    seed: int = 0
    # Added later (written to the truth JSON only when set): camera pitch, degrees, + = looking UP
    # (rotation about the camera's horizontal image axis); and an explicit focal length in pixels
    # (then px_per_m / runner_height_frac are ignored; 1 m at the runner's mid-plane is
    # camera_focal_px / camera_distance_m pixels).
    camera_tilt_deg: float = 0.0
    camera_focal_px: float | None = None

    @property
    def near_side(self) -> str:
        return "left" if self.facing == "left" else "right"

    @property
    def step_time_s(self) -> float:
        return 60.0 / self.cadence_spm

    @property
    def stride_time_s(self) -> float:
        return 120.0 / self.cadence_spm


@dataclass(frozen=True)
class Body:
    """Segment dimensions (Winter 2009 anthropometric fractions of height)."""

    height: float

    @property
    def thigh(self) -> float:
        return 0.245 * self.height

    @property
    def shank(self) -> float:
        return 0.246 * self.height

    @property
    def leg(self) -> float:
        return self.thigh + self.shank

    @property
    def ankle_height(self) -> float:
        # malleolus height (0.039 H barefoot) plus a running-shoe sole
        return 0.039 * self.height + 0.03 * self.height / 1.75

    @property
    def foot_length(self) -> float:
        return 0.152 * self.height

    @property
    def standing_hip_height(self) -> float:
        return self.leg + self.ankle_height

    @property
    def trunk(self) -> float:  # hip joint centre -> shoulder joint centre
        return 0.288 * self.height

    @property
    def upper_arm(self) -> float:
        return 0.186 * self.height

    @property
    def forearm(self) -> float:
        return 0.146 * self.height

    @property
    def hip_half_width(self) -> float:
        return 0.05 * self.height

    @property
    def shoulder_half_width(self) -> float:
        return 0.1 * self.height

    @property
    def neck_to_ear(self) -> float:
        return 0.117 * self.height

    def foot_points(self) -> dict[str, np.ndarray]:
        """Foot points in the foot frame (flat foot, x forward, y up, origin on the ground under the heel)."""
        f = self.foot_length
        s = self.height / 1.75
        return {
            # (x from the back of the shoe's heel, y from the bottom of the sole)
            "heel": np.array([0.01 * s, 0.05 * s]),  # back of the heel bone (MediaPipe 'heel')
            "ankle": np.array([0.27 * f, self.ankle_height]),  # ankle joint centre (malleoli), in a shoe
            "mtp": np.array([0.72 * f, 0.0]),  # ball of the foot, sole
            "toe": np.array([0.96 * f, 0.025 * s]),  # front of the toes (MediaPipe 'foot_index')
            "heel_pivot": np.array([0.0, 0.0]),
        }


# --------------------------------------------------------------------------------------------- camera
@dataclass(frozen=True)
class Camera:
    """Pinhole camera on the runner's near side, looking across the running direction (+-z).

    ``tilt_deg`` pitches the optical axis up (+) or down (-) about the image's horizontal axis
    (default 0: optical axis horizontal). The image's horizontal axis stays along the running
    direction, so horizontal lines along x stay horizontal in the image at any tilt.
    """

    position: tuple[float, float, float]  # metres, world
    facing: Facing  # the runner's facing in the image
    focal_px: float
    image_size: tuple[int, int]
    tilt_deg: float = 0.0

    @property
    def _level_view(self) -> np.ndarray:
        return np.array([0.0, 0.0, 1.0]) if self.facing == "left" else np.array([0.0, 0.0, -1.0])

    @property
    def view(self) -> np.ndarray:
        # facing left: camera on the runner's left (-z) looking +z; image right = -x.
        if self.tilt_deg == 0.0:
            return self._level_view
        a = math.radians(self.tilt_deg)
        return math.cos(a) * self._level_view + math.sin(a) * np.array([0.0, 1.0, 0.0])

    @property
    def up(self) -> np.ndarray:
        """World direction of the image's upward axis (y up when the camera is level)."""
        a = math.radians(self.tilt_deg)
        return -math.sin(a) * self._level_view + math.cos(a) * np.array([0.0, 1.0, 0.0])

    @property
    def right(self) -> np.ndarray:
        return np.array([-1.0, 0.0, 0.0]) if self.facing == "left" else np.array([1.0, 0.0, 0.0])

    def depth(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) -> (...) distance along the optical axis (m)."""
        return (np.asarray(points, float) - np.array(self.position)) @ self.view

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) world points -> (..., 2) pixel coordinates (x right, y down)."""
        rel = np.asarray(points, float) - np.array(self.position)
        z = rel @ self.view
        u = self.focal_px * (rel @ self.right) / z + self.image_size[0] / 2.0
        if self.tilt_deg == 0.0:
            v = -self.focal_px * rel[..., 1] / z + self.image_size[1] / 2.0
        else:
            v = -self.focal_px * (rel @ self.up) / z + self.image_size[1] / 2.0
        return np.stack([u, v], axis=-1)


def _make_camera(p: GaitParams, body: Body, centre_x: float) -> Camera:
    w, h = p.image_size
    if p.camera_focal_px is not None:
        focal = p.camera_focal_px
    else:
        ppm = p.px_per_m if p.px_per_m is not None else p.runner_height_frac * h / p.height_m
        focal = ppm * p.camera_distance_m
    z = -p.camera_distance_m if p.facing == "left" else p.camera_distance_m
    return Camera(position=(float(centre_x), float(p.camera_height_m), float(z)), facing=p.facing, focal_px=float(focal), image_size=(int(w), int(h)),
                  tilt_deg=float(p.camera_tilt_deg))
