"""A parametric side-view running gait model with exactly known form.

The model is driven from the foot and the hip so that the form knobs are exact:

* **Stance.** The foot is on the running surface. It lands on the heel at ``x_contact`` (chosen by
  iteration so that the heel is ``overstride_pct_leg`` % of leg length ahead of the
  segment-weighted centre of mass at the contact instant), rolls over the heel, lies flat, then
  rises on the ball of the foot (toes stay flat on the ground) and leaves. On a treadmill the
  ground point moves backwards at belt speed; overground it is fixed while the body moves forward
  (the same motion relative to the pelvis). The knee follows from 2-link inverse kinematics with
  the knee forward of the hip-ankle line.
* **Toe-off.** The stance duration is solved so that the thigh angle at toe-off equals
  ``hip_extension_deg`` (or, if a duty factor / contact time is imposed, the pelvis height is
  solved instead: a lower, more crouched runner has a longer contact).
* **Swing.** Thigh angle, knee flexion and ankle angle follow smooth Hermite curves from the
  toe-off state (thigh velocity continuous; the knee turns from extension to flexion at toe-off,
  so peak knee extension is the toe-off instant) through peak knee flexion (heel recovery toward
  the buttock) and peak hip flexion (knee drive) to a final approach (last 15% of the swing,
  ~75 ms) in which the foot comes down at 1.2 m/s (touchdown = a sharp stop of that descent, as
  the heel's on the labelled real clip) and, relative to the pelvis, is most anterior 15 ms before
  touchdown and lands moving backwards at up to 0.4 m/s (late-swing retraction; on the real
  labelled clip the foot's most-anterior instant falls within about a frame of the labelled
  contact, so the retraction is kept small). After toe-off the toes relax, but their tip never
  drops below half the height of the ball of the foot: no point of the foot goes below the ground.
* Pelvis: vertical oscillation with its low point at mid-stance; trunk leaning forward a few
  degrees; head nearly upright; arms swinging opposite to the legs.

World coordinates are metres: x forward (running direction), y up (0 = running surface),
z lateral, positive to the runner's RIGHT (right-handed). The pose is projected with a pinhole
camera standing on the runner's near side and looking across the belt (horizontally, or pitched
up/down by ``camera_tilt_deg``, e.g. a phone on the floor at belt height); the image
landmarks follow the team conventions (x right, y down, pixels). All ground truth is computed
from those projected landmarks with the shared definitions (``formcheck.com``), events in
continuous time; the event FRAMES are the first frame at/after the contact instant and the last
frame at/before the toe-off instant (the first and last frames with the foot on the ground, as in
the hand labels of the real clip; see :func:`stance_frames`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import landmarks as lm
from ..com import segment_weighted_com
from ..pose_track import PoseTrack
from .motion import _landmark_com_x, _Model, _solve_model, thigh_angle_deg
from .params import SIDES, Body, Camera, GaitParams, _make_camera


# --------------------------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class SyntheticGait:
    """Simulated runner: true joints (metres), true 2-D landmarks (pixels), camera and ground truth."""

    params: GaitParams
    times_s: np.ndarray  # (T,) timestamps of the frames
    joints_m: dict[str, np.ndarray]  # name -> (T, 3) world metres (x forward, y up, z to the runner's right)
    landmarks_m: np.ndarray  # (T, 33, 3) MediaPipe-order true joint centres, world metres
    landmarks_px: np.ndarray  # (T, 33, 2) true joint centres projected to the image
    depth_m: np.ndarray  # (T, 33) camera depth of each landmark (m)
    camera: Camera
    truth: dict[str, Any]
    stance: dict[str, np.ndarray]  # side -> (T,) bool, foot on the ground
    _model: _Model = field(repr=False)

    @property
    def n_frames(self) -> int:
        return len(self.times_s)

    @property
    def fps(self) -> float:
        return self.params.fps

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self.truth["steps"]

    @property
    def forward_sign(self) -> float:
        return -1.0 if self.params.facing == "left" else 1.0

    def joints_at(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        """Model points at arbitrary (continuous) times, world metres."""
        j = self._model.joints(np.atleast_1d(np.asarray(times_s, float)))
        j.pop("_legs", None)
        return j

    def landmarks_px_at(self, times_s: np.ndarray) -> np.ndarray:
        """(n, 33, 2) true image landmarks at arbitrary (continuous) times."""
        pts, _ = self._model.landmarks(np.atleast_1d(np.asarray(times_s, float)))
        return self.camera.project(pts)


def _leg_length_px(kp: np.ndarray, side: str) -> float:
    leg = lm.LEG[side]  # type: ignore[index]
    thigh = np.linalg.norm(kp[:, leg["hip"]] - kp[:, leg["knee"]], axis=-1)
    shank = np.linalg.norm(kp[:, leg["knee"]] - kp[:, leg["ankle"]], axis=-1)
    return float(np.nanmedian(thigh + shank))


def stance_frames(t_contact: float, t_toe_off: float, fps: float) -> tuple[int, int]:
    """Event frames of a stance (frame k shows time k / fps): the FIRST frame at/after the contact
    instant and the LAST frame at/before the toe-off instant, i.e. the first and last frames with the
    foot on the ground (the hand-label convention; formcheck.events reports detections the same way)."""
    return int(math.ceil(t_contact * fps - 1e-6)), int(math.floor(t_toe_off * fps + 1e-6))


def simulate_gait(params: GaitParams = GaitParams()) -> SyntheticGait:
    """Simulate the runner over ``params.duration_s`` at ``params.fps`` and compute the ground truth."""
    p = params
    if p.fps <= 0 or p.duration_s <= 0:
        raise ValueError("fps and duration_s must be positive")
    model = _solve_model(p)
    body = model.body
    n = int(round(p.duration_s * p.fps))
    times = np.arange(n) / p.fps
    pts, joints = model.landmarks(times)
    legs = joints.pop("_legs")
    if p.treadmill:
        centre_x = float(np.mean(_landmark_com_x(pts)))
    else:
        centre_x = 0.0
    camera = _make_camera(p, body, centre_x)
    kp = camera.project(pts)
    depth = camera.depth(pts)
    fwd = -1.0 if p.facing == "left" else 1.0
    L_px = {side: _leg_length_px(kp, side) for side in SIDES}
    com_px = segment_weighted_com(kp)

    # events in continuous time
    T, tc = model.T, model.tc
    events = []
    for side in SIDES:
        first = model.contact_times(side)
        k0 = math.ceil((0.0 - first) / T - 1e-12)
        k = k0
        while True:
            t_c = first + k * T
            if t_c > times[-1]:
                break
            events.append((t_c, side))
            k += 1
    events.sort()
    steps = []
    last_t = times[-1]
    for t_c, side in events:
        t_o = t_c + tc
        if t_o > last_t + 0.5 / p.fps:
            continue
        cf, of = stance_frames(t_c, t_o, p.fps)
        if cf >= n or of >= n:
            continue
        leg = lm.LEG[side]  # type: ignore[index]
        kp_exact = camera.project(model.landmarks(np.array([t_c, t_o]))[0])
        com_exact = segment_weighted_com(kp_exact)

        def overstride(kpf: np.ndarray, comf: np.ndarray, joint: str) -> float:
            return float(100.0 * fwd * (kpf[leg[joint], 0] - comf[0]) / L_px[side])

        def thigh(kpf: np.ndarray) -> float:
            return float(thigh_angle_deg(kpf[leg["hip"]], kpf[leg["knee"]], fwd))

        def shank(kpf: np.ndarray) -> float:
            d = kpf[leg["ankle"]] - kpf[leg["knee"]]
            return float(np.degrees(np.arctan2(fwd * d[0], d[1])))

        def knee_flex(kpf: np.ndarray) -> float:
            a = kpf[leg["hip"]] - kpf[leg["knee"]]
            b = kpf[leg["ankle"]] - kpf[leg["knee"]]
            cosang = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
            return float(180.0 - np.degrees(np.arccos(np.clip(cosang, -1, 1))))

        # peak hip extension: stance .. early swing (until 30% of swing), on frames
        end = min(n - 1, of + int(round(0.3 * (T - tc) * p.fps)))
        th_frames = thigh_angle_deg(kp[cf:end + 1, leg["hip"]], kp[cf:end + 1, leg["knee"]], fwd)
        os_heel = overstride(kp[cf], com_px[cf], "heel")
        os_ankle = overstride(kp[cf], com_px[cf], "ankle")
        os_heel_x = overstride(kp_exact[0], com_exact[0], "heel")
        os_ankle_x = overstride(kp_exact[0], com_exact[0], "ankle")
        thigh_to = thigh(kp[of])
        steps.append({
            "side": side,
            "near": side == p.near_side,
            "contact_t_s": t_c,
            "toe_off_t_s": t_o,
            "contact_frame": cf,
            "toe_off_frame": of,
            "contact_time_s": tc,
            "overstride_pct_leg": os_heel,
            "overstride_ankle_pct_leg": os_ankle,
            "overstride_cm": os_heel / 100.0 * body.leg * 100.0,
            "overstride_ankle_cm": os_ankle / 100.0 * body.leg * 100.0,
            "overstride_pct_leg_exact": os_heel_x,
            "overstride_ankle_pct_leg_exact": os_ankle_x,
            "overstride_cm_exact": os_heel_x * body.leg,
            "hip_extension_deg": thigh_to,
            "hip_extension_deg_exact": thigh(kp_exact[1]),
            "peak_hip_extension_deg": float(np.max(th_frames)),
            "thigh_angle_contact_deg": thigh(kp[cf]),
            "shank_angle_contact_deg": shank(kp[cf]),
            "knee_flexion_contact_deg": knee_flex(kp[cf]),
            "hip_extension_velocity_deg_s": (thigh_to - thigh(kp[cf])) / tc,
        })
    stance = {side: legs[side]["_stance"] for side in SIDES}
    truth = {
        "facing": p.facing,
        "near_side": p.near_side,
        "fps": p.fps,
        "n_frames": n,
        "cadence_spm": p.cadence_spm,
        "step_time_s": model.Tstep,
        "stride_time_s": T,
        "contact_time_s": tc,
        "flight_time_s": model.Tstep - tc,
        "duty_factor": tc / T,
        "speed_m_s": p.speed_m_s,
        "step_length_m": p.speed_m_s * model.Tstep,
        "leg_length_m": body.leg,
        "leg_length_px": L_px,
        "height_m": p.height_m,
        "overstride_pct_leg_target": p.overstride_pct_leg,
        "hip_extension_deg_target": p.hip_extension_deg,
        "hip_height_mean_m": model.hip_mean,
        "knee_flexion_contact_model_deg": math.degrees(model.kappa_c),
        "knee_flexion_toe_off_model_deg": math.degrees(model.kappa_to),
        "steps": steps,
    }
    return SyntheticGait(
        params=p,
        times_s=times,
        joints_m=joints,
        landmarks_m=pts,
        landmarks_px=kp,
        depth_m=depth,
        camera=camera,
        truth=truth,
        stance=stance,
        _model=model,
    )


# --------------------------------------------------------------------------------------------- pose track
_LEG_LANDMARKS = {side: tuple(lm.LEG[side].values()) for side in SIDES}  # type: ignore[index]


def to_pose_track(
    gait: SyntheticGait,
    *,
    noise_px: float = 0.0,
    dropout_frames: tuple[int, ...] | list[int] | np.ndarray = (),
    swap_frames: tuple[int, ...] | list[int] | np.ndarray = (),
    far_leg_noise_px: float | None = None,
    seed: int = 0,
) -> PoseTrack:
    """A PoseTrack built from the true landmarks, optionally degraded like a pose model's output.

    noise_px: Gaussian noise (sd, pixels) on every landmark; far_leg_noise_px overrides it for the
    far leg. dropout_frames: frames with no detection (NaN, visibility 0). swap_frames: frames
    where the left and right leg landmarks (hip, knee, ankle, heel, foot index) are exchanged.
    """
    rng = np.random.default_rng(seed)
    p = gait.params
    kp = gait.landmarks_px.copy()
    n = gait.n_frames
    near, far = p.near_side, ("right" if p.near_side == "left" else "left")
    sd = np.full((lm.N_LANDMARKS,), float(noise_px))
    if far_leg_noise_px is not None:
        sd[list(_LEG_LANDMARKS[far])] = float(far_leg_noise_px)
    if np.any(sd > 0):
        kp = kp + rng.normal(size=kp.shape) * sd[None, :, None]
    visibility = np.full((n, lm.N_LANDMARKS), 0.9)
    visibility[:, list(_LEG_LANDMARKS[near])] = 0.95
    visibility[:, list(_LEG_LANDMARKS[far])] = 0.6
    far_names = [i for i, name in enumerate(lm.LANDMARK_NAMES) if name.startswith(far) or name.endswith(far)]
    visibility[:, far_names] = np.minimum(visibility[:, far_names], 0.6)
    visibility = np.clip(visibility + rng.normal(scale=0.02, size=visibility.shape), 0.0, 1.0)
    presence = np.full((n, lm.N_LANDMARKS), 0.99)
    depth = gait.depth_m
    hip_mid_depth = depth[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1, keepdims=True)
    depth_px = (depth - hip_mid_depth) * gait.camera.focal_px / np.maximum(hip_mid_depth, 1e-6)
    # MediaPipe-like world landmarks: origin at the hip midpoint, x image-right, y down, z away from the camera
    w = gait.landmarks_m - gait.landmarks_m[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1, keepdims=True)
    cam = gait.camera
    world = np.stack([w @ cam.right, -w[..., 1] if cam.tilt_deg == 0.0 else -(w @ cam.up), w @ cam.view], axis=-1)
    swap = np.asarray(list(swap_frames), dtype=int)
    if swap.size:
        for a, b in lm.LEG_PAIRS:
            for arr in (kp, world):
                arr[swap, a], arr[swap, b] = arr[swap, b].copy(), arr[swap, a].copy()
            for arr in (visibility, depth_px, presence):
                arr[swap, a], arr[swap, b] = arr[swap, b].copy(), arr[swap, a].copy()
    # landmarks outside the image: not present; runner outside the image: no detection
    wpx, hpx = p.image_size
    inside = (kp[..., 0] >= 0) & (kp[..., 0] < wpx) & (kp[..., 1] >= 0) & (kp[..., 1] < hpx)
    presence = np.where(inside, presence, 0.05)
    hip_in = inside[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].all(axis=1)
    drop = np.zeros(n, bool)
    drop[np.asarray(list(dropout_frames), dtype=int)] = True
    drop |= ~hip_in
    kp[drop] = np.nan
    world[drop] = np.nan
    depth_px[drop] = np.nan
    visibility[drop] = 0.0
    presence[drop] = 0.0
    return PoseTrack(
        keypoints_px=kp,
        depth_px=depth_px,
        visibility=visibility,
        presence=presence,
        world_m=world,
        timestamps_s=gait.times_s.copy(),
        frame_indices=np.arange(n),
        fps=float(p.fps),
        image_size=(int(wpx), int(hpx)),
        source="synthetic",
        info={"synthetic": True, "noise_px": noise_px, "far_leg_noise_px": far_leg_noise_px, "seed": seed,
              "dropout_frames": [int(f) for f in np.asarray(list(dropout_frames), dtype=int)],
              "swap_frames": [int(f) for f in swap]},
    )


__all__ = ["Body", "Camera", "GaitParams", "SyntheticGait", "simulate_gait", "to_pose_track", "thigh_angle_deg", "replace"]
