"""The synthetic runner's motion: stance on the ground, swing by Hermite curves, solved for the form knobs.

See :mod:`formcheck.synth.gait` for what the model does and why; this module holds its machinery
(:class:`_Model` and :func:`_solve_model`), driven by :class:`formcheck.synth.params.GaitParams`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicHermiteSpline
from scipy.optimize import brentq

from .. import landmarks as lm
from ..com import segment_weighted_com
from .params import SIDES, Body, GaitParams


# --------------------------------------------------------------------------------------------- helpers
def _rot(v: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """Rotate 2-D vectors (..., 2) counter-clockwise (x forward, y up) by angle (radians, broadcast)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1]], axis=-1)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _smoothstep_d(x: np.ndarray) -> np.ndarray:
    inside = (x > 0) & (x < 1)
    return np.where(inside, 6.0 * x * (1.0 - x), 0.0)


def _dir_down(angle: np.ndarray) -> np.ndarray:
    """Unit vector at `angle` from the downward vertical, positive = pointing BACKWARDS (x<0)."""
    return np.stack([-np.sin(angle), -np.cos(angle)], axis=-1)


def thigh_angle_deg(hip: np.ndarray, knee: np.ndarray, forward_sign: float) -> np.ndarray:
    """Team definition, image coordinates (y down): hip->knee from the downward vertical, + when the knee is behind."""
    d = np.asarray(knee, float) - np.asarray(hip, float)
    return np.degrees(np.arctan2(-forward_sign * d[..., 0], d[..., 1]))


# --------------------------------------------------------------------------------------------- leg model
@dataclass
class _LegState:
    theta: np.ndarray  # thigh angle (rad, + = knee behind hip)
    kappa: np.ndarray  # knee flexion (rad)
    sigma: np.ndarray  # foot (sole) angle to the ground (rad, + = toe up)
    toe_angle: np.ndarray  # toes relative to foot (rad, + = toes dorsiflexed)
    ankle: np.ndarray  # (n, 2) relative to the hip (x forward, y up)


class _Model:
    """One stride of both legs (identical, half a stride apart) plus the upper body."""

    def __init__(self, p: GaitParams, x_contact: float, tc: float, hip_mean: float):
        self.p = p
        self.body = Body(p.height_m)
        self.x_contact = x_contact  # heel pivot at contact, relative to the pelvis, m (forward +)
        self.tc = tc
        self.hip_mean = hip_mean
        self.T = p.stride_time_s
        self.Tstep = p.step_time_s
        self.t0 = p.start_phase * self.T  # first left contact
        self.amp = p.vertical_oscillation_m / 2.0
        fp = self.body.foot_points()
        self.fp = fp
        self.strike = math.radians(
            p.foot_strike_angle_deg if p.foot_strike_angle_deg is not None else float(np.clip(4.0 + 0.6 * p.overstride_pct_leg, 0.0, 25.0))
        )
        self.heel_up = math.radians(p.toe_off_foot_angle_deg)
        self.tau1 = 0.15 * tc  # foot flat
        self.tau2 = 0.45 * tc  # heel rise
        self._build_swing()

    # ---- pelvis
    def hip_height(self, t: np.ndarray) -> np.ndarray:
        """Pelvis / hip-joint height (m); low point at mid-stance of either leg."""
        return self.hip_mean - self.amp * np.cos(2 * np.pi * (np.asarray(t, float) - self.t0 - self.tc / 2) / self.Tstep)

    # ---- stance (tau = time since contact, 0..tc), hip-relative leg state
    def _foot_angle_stance(self, tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, float)
        down = self.strike * (1.0 - _smoothstep(tau / self.tau1))
        r = np.clip((tau - self.tau2) / (self.tc - self.tau2), 0.0, 1.0)
        up = -self.heel_up * r * r  # heel rise accelerating into push-off
        return np.where(tau < self.tau1, down, np.where(tau > self.tau2, up, 0.0))

    def _stance_foot(self, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ankle (n,2) relative to the hip x / absolute y, sole angle)."""
        tau = np.atleast_1d(np.asarray(tau, float))
        sigma = self._foot_angle_stance(tau)
        ground_x = self.x_contact - self.p.speed_m_s * tau
        fp = self.fp
        pivot_local = np.where(sigma[:, None] >= 0, fp["heel_pivot"], fp["mtp"])
        pivot_world = np.stack([ground_x + pivot_local[:, 0], np.zeros_like(tau)], axis=-1)
        ankle = pivot_world + _rot(fp["ankle"] - pivot_local, sigma)
        return ankle, sigma

    def _ik(self, ankle_rel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ankle relative to the hip (n,2) -> thigh angle, knee flexion (rad); knee forward of the hip-ankle line."""
        l1, l2 = self.body.thigh, self.body.shank
        d = np.linalg.norm(ankle_rel, axis=-1)
        d = np.clip(d, abs(l1 - l2) + 1e-9, (l1 + l2) * (1 - 1e-12))
        beta = np.arctan2(-ankle_rel[:, 0], -ankle_rel[:, 1])
        alpha = np.arccos(np.clip((l1 * l1 + d * d - l2 * l2) / (2 * l1 * d), -1, 1))
        interior = np.arccos(np.clip((l1 * l1 + l2 * l2 - d * d) / (2 * l1 * l2), -1, 1))
        return beta - alpha, np.pi - interior

    def stance_reach(self, tau: np.ndarray, t_contact: float) -> np.ndarray:
        """|hip - ankle| / leg length during stance (must stay < 1)."""
        tau = np.atleast_1d(np.asarray(tau, float))
        ankle, _ = self._stance_foot(tau)
        rel = ankle - np.stack([np.zeros_like(tau), self.hip_height(t_contact + tau)], axis=-1)
        return np.linalg.norm(rel, axis=-1) / self.body.leg

    def stance_state(self, tau: np.ndarray, t_contact: float) -> _LegState:
        tau = np.atleast_1d(np.asarray(tau, float))
        ankle, sigma = self._stance_foot(tau)
        rel = ankle - np.stack([np.zeros_like(tau), self.hip_height(t_contact + tau)], axis=-1)
        theta, kappa = self._ik(rel)
        toe = np.where(sigma < 0, -sigma, 0.0)
        return _LegState(theta, kappa, sigma, toe, rel)

    # ---- swing
    def _fk_ankle(self, theta: np.ndarray, kappa: np.ndarray) -> np.ndarray:
        return self.body.thigh * _dir_down(theta) + self.body.shank * _dir_down(theta + kappa)

    def _build_swing(self) -> None:
        tc, T = self.tc, self.T
        self.Tsw = T - tc
        eps = 1e-5
        s0 = self.stance_state(np.array([tc - 2 * eps, tc - eps, tc]), self.t0)
        s1 = self.stance_state(np.array([0.0, eps]), self.t0 + T)
        # toe-off derivatives (one-sided, 2nd order)
        def d_end(a: np.ndarray) -> float:
            return float((3 * a[2] - 4 * a[1] + a[0]) / (2 * eps))

        th_to, k_to = float(s0.theta[2]), float(s0.kappa[2])
        dth_to = d_end(s0.theta)
        sig_to = float(s0.sigma[2])
        delta_to = sig_to + (th_to + k_to)
        ddelta_to = d_end(s0.sigma + s0.theta + s0.kappa)
        th_c, k_c = float(s1.theta[0]), float(s1.kappa[0])
        sig_c = float(s1.sigma[0])
        delta_c = sig_c + (th_c + k_c)
        self.theta_to, self.kappa_to, self.theta_c, self.kappa_c = th_to, k_to, th_c, k_c
        self.toe_to = -sig_to
        self.sigma_c = sig_c
        p = self.p
        Tsw = self.Tsw
        # Final approach (u > U_APPROACH, the last ~75 ms): the ankle comes down at a constant
        # vertical speed (APPROACH_DESCENT_M_S; touchdown is a sharp stop of that descent) and,
        # relative to the pelvis, decelerates forward, is most anterior RETRACT_PEAK_S before
        # touchdown and lands moving backwards (late-swing retraction) with the foot already at its
        # strike angle; the knee follows by inverse kinematics. The retraction speed at touchdown is
        # the largest of RETRACT_SPEEDS_M_S the leg can reach without over-stretching.
        t_c_abs = self.t0 + T
        ankle_c_rel = s1.ankle[0]
        self.ankle_c_abs = ankle_c_rel + np.array([0.0, float(self.hip_height(t_c_abs))])
        ua = self.U_APPROACH
        for vx in self.RETRACT_SPEEDS_M_S:
            self.v_retract = float(vx)
            if np.max(np.linalg.norm(self._approach_state(np.linspace(ua, 1.0, 12)).ankle, axis=-1)) <= 0.996 * self.body.leg:
                break
        a_state = self._approach_state(np.array([ua - eps, ua]))
        th_a, k_a = float(a_state.theta[1]), float(a_state.kappa[1])
        dth_a = float(np.diff(a_state.theta)[0] / eps)
        dk_a = float(np.diff(a_state.kappa)[0] / eps)
        th_min = math.radians(p.knee_drive_deg) if p.knee_drive_deg is not None else min(th_c - math.radians(7.0), math.radians(-22.0))
        th_min = min(th_min, th_a - math.radians(1.0))
        k_max = math.radians(p.peak_knee_flexion_deg)
        # thigh: a few degrees more extension just after toe-off (velocity continuous), knee drive
        # (peak flexion) at 75% of the swing, slight retraction into the approach
        s0u = dth_to * Tsw
        if s0u > 0:
            ext_more = math.radians(3.0)
            u_pk = float(np.clip(2.0 * ext_more / s0u, 0.03, 0.15))
            knots, vals, ders = [0.0, u_pk, 0.75, ua], [th_to, th_to + ext_more, th_min, th_a], [s0u, 0.0, 0.0, dth_a]
        else:
            knots, vals, ders = [0.0, 0.75, ua], [th_to, th_min, th_a], [s0u, 0.0, dth_a]
        self.sp_theta = CubicHermiteSpline(knots, vals, ders)
        # Knee (published running curves): peak flexion ~40% of swing (heel recovery), still about
        # half flexed at 70%, then extending into the approach. Foot: follows the shank (ankle
        # toward dorsiflexion) in early swing, then turns to the strike angle. Knee flexion in
        # mid/late swing is raised until the swing foot clears the ground.
        delta_mid = math.radians(10.0)
        self.sp_delta = CubicHermiteSpline([0.0, 0.5, ua], [delta_to, delta_mid, delta_c], [ddelta_to * Tsw, 0.0, 0.0])
        u = np.linspace(0.0, ua, 301)
        lift = 0.0
        for _ in range(20):
            k70 = k_a + (0.45 + lift) * (k_max - k_a)
            d70 = (k_a - k_max) / (ua - 0.42)
            # the knee starts to flex AT toe-off (flexion speed 0 there): peak knee extension is the
            # toe-off instant (Fellin et al. 2010), as on the labelled real clip (within a frame);
            # continuing the stance's extension into the swing kept the foot low and pitched
            # toe-down for ~30 ms after toe-off, which no real runner does
            self.sp_kappa = CubicHermiteSpline([0.0, 0.42, 0.7, ua], [k_to, k_max, k70, k_a], [0.0, 0.0, d70, dk_a])
            low = self._swing_foot_low(u)
            if low.min() >= -1e-6 and self.sp_kappa(u).min() > math.radians(2.0):
                break
            lift += 0.04

    # The final approach is the last 15 % of the swing (~75 ms) at 1.2 m/s. On the labelled real clip
    # (MediaPipe, 30 fps) the heel comes down from ~40 % of leg length 130 ms before contact and
    # stops sharply; an earlier 0.7 m/s / 50 ms approach left the heel hovering within 10 % of
    # leg length of the belt for ~130 ms, a slow drift MediaPipe cannot time to a frame.
    U_APPROACH = 0.85
    APPROACH_DESCENT_M_S = 1.2  # ankle (and lowest foot point) vertical speed over the final approach
    RETRACT_PEAK_S = 0.015  # foot most anterior relative to the pelvis this long before touchdown
    RETRACT_SPEEDS_M_S = (-0.4, -0.3, -0.2, -0.1, -0.05)  # foot speed relative to the pelvis at touchdown (backwards)

    def _approach_state(self, u: np.ndarray) -> _LegState:
        t = self.t0 + self.tc + u * self.Tsw
        dt = (u - 1.0) * self.Tsw
        # x relative to the pelvis: parabola with its maximum at -RETRACT_PEAK_S, slope v_retract at 0
        tp = -self.RETRACT_PEAK_S
        acc = self.v_retract / (-tp)  # x'(dt) = acc * (dt - tp), x'(0) = v_retract
        dx = 0.5 * acc * ((dt - tp) ** 2 - tp * tp)
        ankle_abs = self.ankle_c_abs + np.stack([dx, -self.APPROACH_DESCENT_M_S * dt], axis=-1)  # dt < 0: above
        rel = ankle_abs - np.stack([np.zeros_like(u), self.hip_height(t)], axis=-1)
        theta, kappa = self._ik(rel)
        sigma = np.full_like(u, self.sigma_c)
        return _LegState(theta, kappa, sigma, np.zeros_like(u), rel)

    def _swing_foot_low(self, u: np.ndarray) -> np.ndarray:
        """Lowest foot point height above the ground along the swing (left leg's first swing)."""
        st = self.swing_state(u)
        t = self.t0 + self.tc + u * self.Tsw
        ankle = st.ankle + np.stack([np.zeros_like(u), self.hip_height(t)], axis=-1)
        fp = self.fp
        ys = [ankle[:, 1]]
        for name in ("heel", "mtp", "heel_pivot"):
            ys.append((ankle + _rot(fp[name] - fp["ankle"], st.sigma))[:, 1])
        mtp = ankle + _rot(fp["mtp"] - fp["ankle"], st.sigma)
        ys.append((mtp + _rot(fp["toe"] - fp["mtp"], st.sigma + st.toe_angle))[:, 1])
        y = np.min(ys, axis=0)
        # required clearance: 0 right after toe-off, 1.5 cm from 20% of the swing on
        need = 0.015 * _smoothstep((u - 0.1) / 0.2) - 0.01 * _smoothstep((u - 0.75) / 0.15)
        return y - need

    def swing_state(self, u: np.ndarray) -> _LegState:
        u = np.atleast_1d(np.asarray(u, float))
        ua = self.U_APPROACH
        early = u < ua
        out = self._approach_state(u)
        if early.any():
            ue = u[early]
            theta, kappa = self.sp_theta(ue), self.sp_kappa(ue)
            w = _smoothstep((ue - 0.45) / (ua - 0.45))
            sigma = (1.0 - w) * (-(theta + kappa) + self.sp_delta(ue)) + w * self.sigma_c
            out.theta[early], out.kappa[early], out.sigma[early] = theta, kappa, sigma
            out.ankle[early] = self._fk_ankle(theta, kappa)
        # Toes relax from their push-off dorsiflexion, but never point below the horizontal while
        # the foot is still pitched heel-up: the toe tip leaves the ground (rises with the ball of
        # the foot) instead of dipping into it.
        relax = self.toe_to * (1.0 - _smoothstep(u / 0.35))
        fp = self.fp
        t = self.t0 + self.tc + u * self.Tsw
        mtp_y = out.ankle[:, 1] + self.hip_height(t) + _rot(fp["mtp"] - fp["ankle"], out.sigma)[:, 1]
        tip = fp["toe"] - fp["mtp"]
        l_tip = float(tip[0])  # sole under the toe tip, relative to the ball of the foot
        # toe-tip sole point at least half the height of the ball of the foot
        floor = -out.sigma - np.arcsin(np.clip(0.5 * np.maximum(mtp_y, 0.0) / l_tip, 0.0, 1.0))
        out.toe_angle = np.maximum(relax, np.minimum(floor, math.radians(70.0)))
        return out

    # ---- whole body
    def contact_times(self, side: str) -> float:
        return self.t0 + (0.0 if side == "left" else self.T / 2)

    def leg_points(self, t: np.ndarray, side: str) -> dict[str, np.ndarray]:
        """Hip-relative-x / absolute-y 2-D points of one leg: hip, knee, ankle, heel, mtp, toe."""
        t = np.asarray(t, float)
        tc0 = self.contact_times(side)
        tau = np.mod(t - tc0, self.T)
        k = np.floor((t - tc0) / self.T)
        stance = tau < self.tc
        n = len(t)
        theta, kappa, sigma, toe = (np.empty(n) for _ in range(4))
        ankle = np.empty((n, 2))
        if stance.any():
            s = self._stance_state_abs(tau[stance], tc0 + k[stance] * self.T)
            theta[stance], kappa[stance], sigma[stance], toe[stance], ankle[stance] = s.theta, s.kappa, s.sigma, s.toe_angle, s.ankle
        if (~stance).any():
            s = self.swing_state((tau[~stance] - self.tc) / self.Tsw)
            theta[~stance], kappa[~stance], sigma[~stance], toe[~stance], ankle[~stance] = s.theta, s.kappa, s.sigma, s.toe_angle, s.ankle
        hip_y = self.hip_height(t)
        hip = np.stack([np.zeros(n), hip_y], axis=-1)
        knee = hip + self.body.thigh * _dir_down(theta)
        ankle_abs = knee + self.body.shank * _dir_down(theta + kappa)
        fp = self.fp
        out = {"hip": hip, "knee": knee, "ankle": ankle_abs}
        for name in ("heel", "mtp", "heel_pivot"):
            out[name] = ankle_abs + _rot(fp[name] - fp["ankle"], sigma)
        mtp = out["mtp"]
        out["toe"] = mtp + _rot(fp["toe"] - fp["mtp"], sigma + toe)
        out["_stance"] = stance
        out["_theta"], out["_kappa"], out["_sigma"] = theta, kappa, sigma
        return out

    def _stance_state_abs(self, tau: np.ndarray, t_contact: np.ndarray) -> _LegState:
        ankle, sigma = self._stance_foot(tau)
        rel = ankle - np.stack([np.zeros_like(tau), self.hip_height(t_contact + tau)], axis=-1)
        theta, kappa = self._ik(rel)
        toe = np.where(sigma < 0, -sigma, 0.0)
        return _LegState(theta, kappa, sigma, toe, rel)

    def pelvis_x(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)
        if self.p.treadmill:
            return np.zeros_like(t)
        return self.p.speed_m_s * (t - self.p.duration_s / 2)  # passes x=0 at mid-clip

    def joints(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """All model points (n, 3) in world metres at times t."""
        t = np.atleast_1d(np.asarray(t, float))
        n = len(t)
        b = self.body
        px = self.pelvis_x(t)
        out: dict[str, np.ndarray] = {}
        zsign = {"left": -1.0, "right": 1.0}

        def put(name: str, xy: np.ndarray, z: float | np.ndarray) -> None:
            out[name] = np.stack([xy[:, 0] + px, xy[:, 1], np.broadcast_to(z, (n,))], axis=-1)

        legs = {side: self.leg_points(t, side) for side in SIDES}
        for side in SIDES:
            z = zsign[side] * b.hip_half_width
            for name in ("hip", "knee", "ankle", "heel", "mtp", "toe", "heel_pivot"):
                put(f"{side}_{name}", legs[side][name], z)
        hip_y = self.hip_height(t)
        pelvis = np.stack([np.zeros(n), hip_y], axis=-1)
        put("pelvis", pelvis, 0.0)
        # trunk: forward lean with a small oscillation at step frequency
        lean = np.radians(self.p.trunk_lean_deg + 1.0 * np.sin(2 * np.pi * (t - self.t0) / self.Tstep))
        neck = pelvis + b.trunk * np.stack([np.sin(lean), np.cos(lean)], axis=-1)
        put("neck", neck, 0.0)
        for side in SIDES:
            put(f"{side}_shoulder", neck, zsign[side] * b.shoulder_half_width)
        # head: centre at ear level, tilted a third of the trunk lean
        tilt = lean / 3.0
        head_c = neck + b.neck_to_ear * np.stack([np.sin(tilt) + 0.02, np.cos(tilt)], axis=-1)
        put("head", head_c, 0.0)
        put("head_top", head_c + 0.125 * b.height / 1.75 * np.stack([np.sin(tilt), np.cos(tilt)], axis=-1), 0.0)
        s = b.height / 1.75
        face = {  # (forward, up, lateral toward the runner's right) relative to the head centre, upright head
            "nose": (0.125, -0.008, 0.0),
            "left_eye_inner": (0.095, 0.03, -0.016), "left_eye": (0.088, 0.03, -0.032), "left_eye_outer": (0.076, 0.03, -0.048),
            "right_eye_inner": (0.095, 0.03, 0.016), "right_eye": (0.088, 0.03, 0.032), "right_eye_outer": (0.076, 0.03, 0.048),
            "left_ear": (-0.005, 0.0, -0.075), "right_ear": (-0.005, 0.0, 0.075),
            "mouth_left": (0.1, -0.045, -0.024), "mouth_right": (0.1, -0.045, 0.024),
        }
        for name, (fx, fy, fz) in face.items():
            off = _rot(np.array([fx, fy]) * s, -tilt)  # tilt forward = rotate clockwise
            put(name, head_c + off, fz * s)
        # arms: upper arm angle from the downward vertical (+ = elbow forward), opposite to the same-side thigh
        for side in SIDES:
            t_to = self.contact_times(side) + self.tc  # same-side thigh most extended ~ toe-off -> this arm most forward
            ph = 2 * np.pi * (t - t_to) / self.T
            up_ang = np.radians(-8.0 + self.p.arm_swing_deg * np.cos(ph))
            elbow_flex = np.radians(88.0 + 14.0 * np.cos(ph))
            z_arm = zsign[side] * (b.shoulder_half_width + 0.02 * s)
            elbow = neck + b.upper_arm * np.stack([np.sin(up_ang), -np.cos(up_ang)], axis=-1)
            fa = up_ang + elbow_flex
            fa_dir = np.stack([np.sin(fa), -np.cos(fa)], axis=-1)
            wrist = elbow + b.forearm * fa_dir
            perp = np.stack([-fa_dir[:, 1], fa_dir[:, 0]], axis=-1)  # 90 deg ccw of the forearm
            put(f"{side}_elbow", elbow, z_arm)
            put(f"{side}_wrist", wrist, z_arm)
            put(f"{side}_index", wrist + 0.085 * s * fa_dir + 0.012 * s * perp, z_arm)
            put(f"{side}_pinky", wrist + 0.07 * s * fa_dir - 0.02 * s * perp, z_arm)
            put(f"{side}_thumb", wrist + 0.05 * s * fa_dir + 0.03 * s * perp, z_arm - zsign[side] * 0.02 * s)
        out["_legs"] = legs  # type: ignore[assignment]
        return out

    def landmarks(self, t: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        j = self.joints(t)
        n = len(np.atleast_1d(t))
        pts = np.empty((n, lm.N_LANDMARKS, 3))
        for i, name in enumerate(lm.LANDMARK_NAMES):
            key = name.replace("foot_index", "toe")
            pts[:, i] = j[key]
        return pts, j


def _landmark_com_x(pts: np.ndarray) -> np.ndarray:
    return segment_weighted_com(pts[:, :, :2])[:, 0]


# --------------------------------------------------------------------------------------------- solving
def _first_root(f, grid: np.ndarray, message) -> float:
    """The first root of ``f`` along ``grid`` (a sign change, then Brent's method); ValueError(message(values)) if none."""
    vals = np.array([f(g) for g in grid])
    idx = np.nonzero(np.sign(vals[:-1]) != np.sign(vals[1:]))[0]
    if len(idx) == 0:
        raise ValueError(message(vals))
    i = idx[0]
    return brentq(f, grid[i], grid[i + 1], xtol=1e-10)


def _solve_model(p: GaitParams) -> _Model:
    body = Body(p.height_m)
    L = body.leg
    target_os = p.overstride_pct_leg / 100.0 * L
    target_ext = math.radians(p.hip_extension_deg)
    if p.duty_factor is not None and p.contact_time_s is not None:
        raise ValueError("give duty_factor or contact_time_s, not both")
    imposed_tc = p.contact_time_s if p.contact_time_s is not None else (
        p.duty_factor * p.stride_time_s if p.duty_factor is not None else None
    )
    if imposed_tc is not None and not (0.15 * p.step_time_s < imposed_tc < 0.98 * p.step_time_s):
        raise ValueError(f"contact time {imposed_tc:.3f} s is not a running gait at {p.cadence_spm} spm")
    hip_mean = body.standing_hip_height - p.pelvis_drop_m
    x_c = target_os + 0.02 * L
    tc = imposed_tc if imposed_tc is not None else 0.6 * p.step_time_s

    def ext_at(model: _Model) -> float:
        return float(model.stance_state(np.array([model.tc]), model.t0).theta[0])

    def quick(x: float, tcv: float, h: float) -> _Model:
        m = _Model.__new__(_Model)
        m.p, m.body, m.x_contact, m.tc, m.hip_mean = p, body, x, tcv, h
        m.T, m.Tstep, m.t0, m.amp = p.stride_time_s, p.step_time_s, p.start_phase * p.stride_time_s, p.vertical_oscillation_m / 2
        m.fp = body.foot_points()
        m.strike = math.radians(p.foot_strike_angle_deg if p.foot_strike_angle_deg is not None else float(np.clip(4.0 + 0.6 * p.overstride_pct_leg, 0.0, 25.0)))
        m.heel_up = math.radians(p.toe_off_foot_angle_deg)
        m.tau1, m.tau2 = 0.15 * tcv, 0.45 * tcv
        return m

    def max_reach(m: _Model) -> float:
        tau = np.linspace(0, m.tc, 60)
        return float(m.stance_reach(tau, m.t0).max())

    for _ in range(12):
        if imposed_tc is None:
            # solve the contact time for the hip extension at toe-off
            def f_tc(tcv: float) -> float:
                return ext_at(quick(x_c, tcv, hip_mean)) - target_ext

            tc = _first_root(f_tc, np.linspace(0.2 * p.step_time_s, 0.97 * p.step_time_s, 40), lambda vals: (
                f"hip extension {p.hip_extension_deg} deg at toe-off is not reachable with these parameters "
                f"(range {math.degrees(vals.min() + target_ext):.1f}..{math.degrees(vals.max() + target_ext):.1f} deg)"))
        else:
            def f_h(h: float) -> float:
                return ext_at(quick(x_c, tc, h)) - target_ext

            hip_mean = _first_root(f_h, body.standing_hip_height - np.linspace(-0.01, 0.16, 35), lambda vals: (
                f"contact time {tc:.3f} s cannot be combined with overstride {p.overstride_pct_leg}% and hip extension "
                f"{p.hip_extension_deg} deg at {p.speed_m_s} m/s without an unrealistic crouch; leave duty_factor/"
                "contact_time_s unset to let the contact time follow, or change the speed"))
        # the leg must not be over-stretched during stance: lower the pelvis if needed (free mode)
        reach = max_reach(quick(x_c, tc, hip_mean))
        if reach > 0.995:
            if imposed_tc is not None:
                raise ValueError("imposed contact time needs an over-stretched leg; change speed or overstride")
            hip_mean -= (reach - 0.99) * L
            continue
        model = _Model(p, x_c, tc, hip_mean)
        tcont = np.array([model.contact_times("left")])
        pts, j = model.landmarks(tcont)
        com_x = _landmark_com_x(pts)[0]
        measured = (j["left_heel"][0, 0] - com_x)
        err = target_os - measured
        x_c += err
        if abs(err) < 1e-7:
            break
    return _Model(p, x_c, tc, hip_mean)
