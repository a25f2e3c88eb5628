"""The synthetic gait model checked against independent facts (geometry, timing, kinematics)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.com import segment_weighted_com
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track


@pytest.fixture(scope="module")
def gait():
    return simulate_gait(GaitParams(overstride_pct_leg=15.0, hip_extension_deg=12.0, fps=240.0, duration_s=3.0))


def _leg_len_px(kp, side):
    leg = lm.LEG[side]
    return float(np.median(np.linalg.norm(kp[:, leg["hip"]] - kp[:, leg["knee"]], axis=-1)
                           + np.linalg.norm(kp[:, leg["knee"]] - kp[:, leg["ankle"]], axis=-1)))


def _thigh_deg(kp, side, fwd):
    leg = lm.LEG[side]
    d = kp[..., leg["knee"], :] - kp[..., leg["hip"], :]
    return np.degrees(np.arctan2(-fwd * d[..., 0], d[..., 1]))


def test_cadence_and_alternation_from_contact_times(gait):
    steps = gait.steps
    assert len(steps) >= 6
    t = np.array([s["contact_t_s"] for s in steps])
    sides = [s["side"] for s in steps]
    assert all(a != b for a, b in zip(sides, sides[1:])), "steps must alternate"
    assert 60.0 / np.mean(np.diff(t)) == pytest.approx(170.0, rel=1e-9)
    frames = np.array([s["contact_frame"] for s in steps])
    assert np.all((frames - t * gait.fps >= -1e-6) & (frames - t * gait.fps < 1.0))  # first frame at/after the instant


def test_contact_time_equals_imposed_duty_factor_times_stride():
    g = simulate_gait(GaitParams(duty_factor=0.30, fps=120.0, duration_s=2.5))
    stride = 120.0 / 170.0
    for s in g.steps:
        assert s["toe_off_t_s"] - s["contact_t_s"] == pytest.approx(0.30 * stride, abs=1e-9)
    # and the foot really is on the ground exactly then: heel-pivot height at contact, ball of the foot at toe-off
    s = g.steps[0]
    j = g.joints_at(np.array([s["contact_t_s"], s["toe_off_t_s"]]))
    assert j[f"{s['side']}_heel_pivot"][0, 1] == pytest.approx(0.0, abs=1e-9)
    assert j[f"{s['side']}_mtp"][1, 1] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("facing", ["left", "right"])
def test_overstride_knob_recovered_by_direct_geometry(facing):
    g = simulate_gait(GaitParams(overstride_pct_leg=20.0, facing=facing, fps=240.0, duration_s=2.0))
    fwd = -1.0 if facing == "left" else 1.0
    kp = g.landmarks_px
    for s in g.steps:
        side, f = s["side"], s["contact_frame"]
        L = _leg_len_px(kp, side)
        com = segment_weighted_com(kp[f : f + 1])[0]
        heel = kp[f, lm.LEG[side]["heel"]]
        d_pct = 100.0 * fwd * (heel[0] - com[0]) / L
        assert d_pct == pytest.approx(s["overstride_pct_leg"], abs=1e-6)
        # the contact frame is up to 1/240 s after the instant: the heel has moved back with the belt by < 1.5 % leg
        assert 18.5 < d_pct <= 20.0 + 0.3
        # at the exact (continuous) contact instant the knob is met to perspective precision
        kpx = g.landmarks_px_at(np.array([s["contact_t_s"]]))
        comx = segment_weighted_com(kpx)[0]
        assert 100.0 * fwd * (kpx[0, lm.LEG[side]["heel"], 0] - comx[0]) / L == pytest.approx(20.0, abs=0.3)


def test_hip_extension_knob_is_the_thigh_angle_at_toe_off(gait):
    fwd = gait.forward_sign
    for s in gait.steps:
        kpx = gait.landmarks_px_at(np.array([s["toe_off_t_s"]]))
        assert _thigh_deg(kpx[0], s["side"], fwd) == pytest.approx(12.0, abs=1e-3)
        assert s["hip_extension_deg_exact"] == pytest.approx(12.0, abs=1e-3)
        assert s["peak_hip_extension_deg"] >= s["hip_extension_deg"] - 1e-9


def test_feet_never_below_ground_and_stance_foot_moves_with_the_belt(gait):
    t = np.linspace(0.0, 3.0, 6001)
    j = gait.joints_at(t)
    for side in ("left", "right"):
        for name in ("heel", "heel_pivot", "ankle", "mtp", "toe"):
            assert j[f"{side}_{name}"][:, 1].min() > -1e-9, f"{side} {name} below the ground"
    s = gait.steps[1]
    tau = np.linspace(s["contact_t_s"], s["toe_off_t_s"], 50)
    jj = gait.joints_at(tau)
    contact_pt = jj[f"{s['side']}_heel_pivot"]  # the heel stays on the belt in the first part of stance
    early = tau < s["contact_t_s"] + 0.1 * (s["toe_off_t_s"] - s["contact_t_s"])
    assert np.allclose(contact_pt[early, 1], 0.0, atol=1e-9)
    v = np.diff(contact_pt[early, 0]) / np.diff(tau[early])
    assert np.allclose(v, -3.0, atol=1e-6)  # belt speed, backwards
    toe = jj[f"{s['side']}_mtp"]
    assert np.allclose(toe[-5:, 1], 0.0, atol=1e-9)  # on the ball of the foot at push-off


def test_overground_stance_foot_is_fixed_in_the_world():
    g = simulate_gait(GaitParams(treadmill=False, fps=120.0, duration_s=2.0))
    s = g.steps[1]
    tau = np.linspace(s["contact_t_s"], s["toe_off_t_s"], 30)
    mtp = g.joints_at(tau)[f"{s['side']}_mtp"]
    late = tau > s["contact_t_s"] + 0.5 * (s["toe_off_t_s"] - s["contact_t_s"])
    assert np.ptp(mtp[late, 0]) < 1e-9
    pelvis = g.joints_m["pelvis"][:, 0]
    assert np.allclose(np.diff(pelvis) * g.fps, 3.0)


def test_segment_lengths_constant(gait):
    j = gait.joints_m
    for side in ("left", "right"):
        for a, b in (("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("ankle", "mtp"), ("shoulder", "elbow"), ("elbow", "wrist")):
            d = np.linalg.norm(j[f"{side}_{a}"] - j[f"{side}_{b}"], axis=-1)
            assert np.ptp(d) < 1e-9, (side, a, b)
    # and their 2-D projections too (legs move in planes parallel to the image)
    kp = gait.landmarks_px
    for side in ("left", "right"):
        leg = lm.LEG[side]
        d = np.linalg.norm(kp[:, leg["hip"]] - kp[:, leg["knee"]], axis=-1)
        assert np.ptp(d) / d.mean() < 1e-6
    assert gait.truth["leg_length_px"]["left"] > gait.truth["leg_length_px"]["right"]  # near leg larger (facing left)


def test_joint_angle_curves_look_like_running(gait):
    fwd = gait.forward_sign
    kp = gait.landmarks_px
    th = _thigh_deg(kp, "left", fwd)
    leg = lm.LEG["left"]
    a = kp[:, leg["hip"]] - kp[:, leg["knee"]]
    b = kp[:, leg["ankle"]] - kp[:, leg["knee"]]
    knee = 180.0 - np.degrees(np.arccos(np.sum(a * b, -1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)))
    # peak thigh flexion (knee drive) is set by where the foot starts its final 1.2 m/s, ~75 ms approach:
    # about 39 deg for this 15 %-leg overstride (the runner of the real treadmill clip, who lands closer
    # to the COM: about 29 deg by MediaPipe)
    assert -42.0 < th.min() < -18.0 and 12.0 <= th.max() < 22.0
    assert 95.0 < knee.max() < 125.0 and knee.min() >= 0.0
    for s in gait.steps:
        assert 8.0 < s["knee_flexion_contact_deg"] < 30.0
        mid = (s["contact_frame"] + s["toe_off_frame"]) // 2
        leg = lm.LEG[s["side"]]
        a = kp[mid, leg["hip"]] - kp[mid, leg["knee"]]
        b = kp[mid, leg["ankle"]] - kp[mid, leg["knee"]]
        mid_knee = 180 - np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
        assert 30.0 < mid_knee < 55.0
    assert 0.2 < gait.truth["duty_factor"] < 0.45


def test_pelvis_oscillation_low_at_mid_stance(gait):
    y = gait.joints_m["pelvis"][:, 1]
    assert 0.06 <= np.ptp(y) <= 0.08
    for s in gait.steps:
        seg = slice(s["contact_frame"], s["toe_off_frame"] + 1)
        low = s["contact_frame"] + int(np.argmin(y[seg]))
        assert abs(low - (s["contact_frame"] + s["toe_off_frame"]) / 2) <= 1


def test_arms_swing_opposite_to_the_legs(gait):
    j = gait.joints_m
    for side in ("left", "right"):
        wrist = j[f"{side}_wrist"][:, 0] - j["pelvis"][:, 0]
        ankle = j[f"{side}_ankle"][:, 0] - j["pelvis"][:, 0]
        assert np.corrcoef(wrist, ankle)[0, 1] < -0.5


def test_mirror_facing_right():
    gl = simulate_gait(GaitParams(facing="left", duration_s=2.0))
    gr = simulate_gait(GaitParams(facing="right", duration_s=2.0))
    w = gl.params.image_size[0]
    # same motion, mirrored image; near leg swaps with the facing
    assert gr.truth["near_side"] == "right"
    ls = gl.steps[0]
    rs = gr.steps[0]
    assert ls["overstride_pct_leg"] == pytest.approx(rs["overstride_pct_leg"], abs=0.5)
    f = ls["contact_frame"]
    heel_l = gl.landmarks_px[f, lm.LEG[ls["side"]]["heel"], 0]
    heel_r = gr.landmarks_px[f, lm.LEG[rs["side"]]["heel"], 0]
    com_l = segment_weighted_com(gl.landmarks_px[f : f + 1])[0, 0]
    com_r = segment_weighted_com(gr.landmarks_px[f : f + 1])[0, 0]
    assert heel_l < com_l and heel_r > com_r
    assert abs((w - heel_l) - heel_r) < 0.05 * w


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0, 240.0])
def test_frame_rates(fps):
    g = simulate_gait(GaitParams(fps=fps, duration_s=2.0))
    assert g.n_frames == int(round(2.0 * fps))
    assert g.landmarks_px.shape == (g.n_frames, 33, 2)
    assert np.allclose(np.diff(g.times_s), 1.0 / fps)
    for s in g.steps:
        # first / last frame with the foot on the ground
        assert s["contact_frame"] == int(np.ceil(s["contact_t_s"] * fps - 1e-6))
        assert s["toe_off_frame"] == int(np.floor(s["toe_off_t_s"] * fps + 1e-6))
        assert g.stance[s["side"]][s["contact_frame"]] and g.stance[s["side"]][s["toe_off_frame"]]
        assert not g.stance[s["side"]][s["contact_frame"] - 1]
        if s["toe_off_frame"] + 1 < g.n_frames:
            assert not g.stance[s["side"]][s["toe_off_frame"] + 1]


def test_impossible_duty_factor_is_rejected():
    with pytest.raises(ValueError):
        simulate_gait(GaitParams(duty_factor=0.2, duration_s=1.0))


def test_to_pose_track_degradations(gait):
    track = to_pose_track(gait, noise_px=2.0, far_leg_noise_px=6.0, dropout_frames=(5, 6), swap_frames=(10,), seed=1)
    assert track.keypoints_px.shape == (gait.n_frames, 33, 2)
    assert np.isnan(track.keypoints_px[5]).all() and (track.visibility[5] == 0).all()
    assert not track.detected[6] and track.detected[7]
    truth = gait.landmarks_px
    for a, b in lm.LEG_PAIRS:
        assert np.linalg.norm(track.keypoints_px[10, a] - truth[10, b]) < 40
        assert np.linalg.norm(track.keypoints_px[10, b] - truth[10, a]) < 40
    near = [lm.LEG["left"][k] for k in ("knee", "ankle", "heel")]
    far = [lm.LEG["right"][k] for k in ("knee", "ankle", "heel")]
    ok = np.setdiff1d(np.arange(gait.n_frames), [5, 6, 10])
    err_near = (track.keypoints_px[ok][:, near] - truth[ok][:, near]).std()
    err_far = (track.keypoints_px[ok][:, far] - truth[ok][:, far]).std()
    assert err_near == pytest.approx(2.0, rel=0.15) and err_far == pytest.approx(6.0, rel=0.15)
    assert (track.depth_px[ok][:, near] < track.depth_px[ok][:, far]).all()
    assert track.visibility[ok][:, near].mean() > track.visibility[ok][:, far].mean() + 0.2
    clean = to_pose_track(gait)
    assert np.array_equal(clean.keypoints_px, truth)


# ----------------------------------------------------------------------- physical facts of the foot
def _foot_outline_heights(g, t, side):
    """Heights (m) of the foot's points: landmarks plus the sole's corners (heel pivot, ball, toe tip)."""
    j = g.joints_at(t)
    m = g._model
    fp = m.fp
    mtp, toe = j[f"{side}_mtp"][:, :2], j[f"{side}_toe"][:, :2]
    # toe-tip sole point: from the ball of the foot along the toe segment, at sole level
    d = toe - mtp
    ang = np.arctan2(d[:, 1], np.abs(d[:, 0])) - np.arctan2(fp["toe"][1] - fp["mtp"][1], fp["toe"][0] - fp["mtp"][0])
    tip = mtp[:, 1] + (fp["toe"][0] - fp["mtp"][0]) * np.sin(ang)
    ys = [j[f"{side}_{n}"][:, 1] for n in ("heel", "heel_pivot", "ankle", "mtp", "toe")] + [tip]
    return np.array(ys)


@pytest.mark.parametrize("kw", [dict(), dict(overstride_pct_leg=25.0, hip_extension_deg=5.0), dict(overstride_pct_leg=5.0, hip_extension_deg=15.0),
                                dict(cadence_spm=185.0, speed_m_s=4.0), dict(treadmill=False)], ids=["default", "before", "after", "fast", "overground"])
def test_no_foot_point_below_the_ground_incl_toe_tip(kw):
    g = simulate_gait(GaitParams(fps=60.0, duration_s=1.5, **kw))
    t = np.linspace(0.0, 1.5, 3001)
    for side in ("left", "right"):
        assert _foot_outline_heights(g, t, side).min() > -1e-6, side


@pytest.mark.parametrize("kw", [dict(), dict(overstride_pct_leg=25.0, hip_extension_deg=5.0), dict(overstride_pct_leg=5.0, hip_extension_deg=15.0),
                                dict(cadence_spm=185.0, speed_m_s=4.0)], ids=["default", "before", "after", "fast"])
def test_touchdown_is_a_descent_that_stops_and_retraction_is_small(kw):
    """The lowest foot point comes down at >= 0.5 m/s over the last 30 ms before contact (real feet land at
    ~0.5-1 m/s, not hovering); the foot, relative to the pelvis, is most anterior 5-40 ms before contact and
    retracts by < 1.5 cm at <= 0.5 m/s (late-swing retraction, small as on the real labelled clip)."""
    g = simulate_gait(GaitParams(fps=60.0, duration_s=1.5, **kw))
    for s in g.steps[:2]:
        tc = s["contact_t_s"]
        t = tc + np.linspace(-0.1, 0.0, 401)
        low = _foot_outline_heights(g, t, s["side"]).min(axis=0)
        last = t >= tc - 0.03
        v = np.diff(low) / np.diff(t)
        assert np.all(-v[last[1:]] >= 0.5), -v[last[1:]].min()
        assert low[-1] == pytest.approx(0.0, abs=1e-6) and low[:-1].min() > 0
        j = g.joints_at(t)
        foot = 0.5 * (j[f"{s['side']}_heel"][:, 0] + j[f"{s['side']}_toe"][:, 0]) - j["pelvis"][:, 0]
        k = int(np.argmax(foot))
        assert 0.005 <= tc - t[k] <= 0.04, tc - t[k]
        assert foot[k] - foot[-1] < 0.015
        vx = np.diff(foot) / np.diff(t)
        assert vx[-5:].min() >= -0.5
        # and after contact the lowest point stays on the ground (a stop, no bounce)
        ta = tc + np.linspace(0.0, 0.03, 50)
        assert np.allclose(_foot_outline_heights(g, ta, s["side"]).min(axis=0), 0.0, atol=1e-6)


def test_toe_rises_monotonically_after_toe_off(gait):
    """The toe landmark (foot index) leaves the ground at toe-off and rises, never dips first."""
    for s in gait.steps[:2]:
        t = s["toe_off_t_s"] + np.linspace(0.0, 0.08, 200)
        y = gait.joints_at(t)[f"{s['side']}_toe"][:, 1]
        assert np.all(np.diff(y) > -1e-9)
