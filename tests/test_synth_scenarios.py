"""Hard-condition scenarios (formcheck.synth.scenarios) and the renderer features they use: a pitched
low camera, a shutter (temporal supersampling), an occluder, a runner crossing the frame, and the
foot-visibility truth. Fast geometry tests, one slow test rendering every scenario."""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.synth.gait import Camera, GaitParams, simulate_gait
from formcheck.synth.render import (
    Occluder,
    RenderStyle,
    event_visible,
    foot_visibility,
    gait_at_times,
    render_background,
    render_frame,
    render_frames,
    shutter_offsets_s,
    truth_dict,
    truth_path_for,
)
from formcheck.synth.scenarios import SCENARIOS, render_scenario, scenario, simulate_scenario

ROOT = Path(__file__).resolve().parents[1]
CLEAN = dict(grain=0.0, blur_sigma=0.0)  # no sensor noise / lens blur: pixel-exact comparisons


def _px(gait, i, name):
    return gait.landmarks_px[i, lm.INDEX[name]]


# ----------------------------------------------------------------------------------------- camera
def test_level_camera_projects_as_before():
    """tilt 0 keeps the original projection (the committed samples depend on it)."""
    cam = Camera(position=(0.3, 1.0, -4.0), facing="left", focal_px=700.0, image_size=(640, 360))
    pts = np.random.default_rng(0).normal(size=(50, 3))
    rel = pts - np.array(cam.position)
    expect = np.stack([700.0 * -rel[:, 0] / rel[:, 2] + 320.0, -700.0 * rel[:, 1] / rel[:, 2] + 180.0], axis=-1)
    assert np.array_equal(cam.project(pts), expect)
    assert np.allclose(replace(cam, tilt_deg=1e-9).project(pts), expect, atol=1e-6)


@pytest.mark.parametrize("facing", ["left", "right"])
def test_belt_height_camera_puts_the_ground_line_where_computed(facing):
    gait, _ = simulate_scenario("belt_height_60fps")
    if facing == "right":
        gait = simulate_gait(replace(gait.params, facing="right"))
    cam = gait.camera
    p = gait.params
    w, h = p.image_size
    f, tilt, hc = cam.focal_px, math.radians(p.camera_tilt_deg), p.camera_height_m
    # a ground point at horizontal distance D across the belt is atan(hc / D) below the horizontal,
    # i.e. tilt + atan(hc / D) below the optical axis
    for D in (p.camera_distance_m - 0.27, p.camera_distance_m, p.camera_distance_m + 0.27):
        z = cam.position[2] + (D if cam.position[2] < 0 else -D)
        v = cam.project(np.array([[cam.position[0] + dx, 0.0, z] for dx in (-0.8, 0.0, 0.8)]))[:, 1]
        expect = h / 2 + f * math.tan(tilt + math.atan(hc / D))
        assert np.allclose(v, expect, atol=1e-9)  # horizontal lines along the belt stay horizontal
    ground = h / 2 + f * math.tan(tilt + math.atan(hc / p.camera_distance_m))
    assert 0.78 * h < ground < 0.88 * h  # feet near the bottom of the portrait frame
    # the belt (0.54 m wide) is seen nearly edge-on: its near and far edges within 0.5 % of the frame height
    edges = cam.project(np.array([[cam.position[0], 0.0, -0.27], [cam.position[0], 0.0, 0.27]]))[:, 1]
    assert abs(edges[0] - edges[1]) < 0.005 * h
    # the stance feet stand on that line (the ball of the foot is on the ground at each toe-off)
    for s in gait.steps:
        i = s["toe_off_frame"]
        t = s["toe_off_t_s"]
        mtp = gait.joints_at(np.array([t]))[f"{s['side']}_mtp"][0]
        D = abs(mtp[2] - cam.position[2])
        assert cam.project(mtp)[1] == pytest.approx(h / 2 + f * math.tan(tilt + math.atan(hc / D)), abs=1e-6)
        assert abs(_px(gait, i, f"{s['side']}_foot_index")[1] - ground) < 0.02 * h
    # small runner: hip to ankle about a quarter of the frame height
    hip_ankle = np.linalg.norm(gait.landmarks_px[:, lm.LEFT_HIP] - gait.landmarks_px[:, lm.LEFT_ANKLE], axis=-1)
    assert 0.22 * h < np.median(hip_ankle) < 0.28 * h
    assert (w, h) == (540, 960)


# ----------------------------------------------------------------------------------------- shutter
@pytest.fixture(scope="module")
def blur_case():
    params = GaitParams(image_size=(320, 180), fps=60.0, duration_s=0.4)
    style = RenderStyle(**CLEAN, shutter_s=1 / 60, shutter_subframes=5)
    return simulate_gait(params), style


def test_shutter_subframes_are_centred_on_the_frame_time(blur_case):
    _, style = blur_case
    off = shutter_offsets_s(style)
    assert np.allclose(off, np.array([-2, -1, 0, 1, 2]) / 300.0)  # 5 slices of 1/60 s, sampled at their centres
    assert shutter_offsets_s(RenderStyle()).tolist() == [0.0]


def test_blurred_frame_is_the_mean_of_its_sub_renders(blur_case):
    gait, style = blur_case
    i = 13
    blurred = render_frame(gait, i, style).astype(float)
    sharp = replace(style, shutter_s=0.0, shutter_subframes=1)
    times = gait.times_s[i] + shutter_offsets_s(style)
    # independent sub-frames: the same runner simulated at 300 fps has frames exactly at those instants
    fine = simulate_gait(replace(gait.params, fps=300.0))
    assert np.allclose(fine.times_s[5 * i - 2 : 5 * i + 3], times, atol=1e-12)
    for name in ("left_ankle", "right_toe", "pelvis"):
        assert np.allclose(fine.joints_m[name][5 * i - 2 : 5 * i + 3], gait_at_times(gait, times).joints_m[name], atol=1e-9)
    subs = [render_frame(gait_at_times(gait, [t]), 0, sharp, render_background(gait, sharp)).astype(float) for t in times]
    mean = np.mean(subs, axis=0)
    assert np.abs(blurred - mean).max() <= 1.0  # 8-bit rounding of the mean vs mean of rounded frames
    # and it really blurs: the sub-frames differ around the swinging foot, the centre one is not the frame
    assert np.abs(subs[0] - subs[-1]).max() > 100
    assert np.abs(blurred - subs[2]).max() > 20
    # render_frames (one vectorised set of sub-frames for the clip) gives the same frame
    assert np.abs(next(iter(render_frames(gait, style, frames=[i]))).astype(float) - blurred).max() <= 1.0


def test_shutter_truth_says_which_instant_a_frame_is(blur_case):
    gait, style = blur_case
    d = truth_dict(gait, style)
    ex = d["exposure"]
    assert ex["frame_instant"] == "centre" and ex["subframes"] == 5 and ex["shutter_s"] == pytest.approx(1 / 60)
    assert np.allclose(ex["subframe_offsets_s"], shutter_offsets_s(style))
    assert d["frames"]["time_s"] == [round(k / 60.0, 6) for k in range(gait.n_frames)]
    for s in d["steps"]:
        # the contact frame's centre is at/after contact, so at least half of its exposure has the foot down
        assert 0.5 <= s["contact_frame_down_fraction"] <= 1.0 and 0.5 <= s["toe_off_frame_down_fraction"] <= 1.0


# ----------------------------------------------------------------------------------------- occluder
@pytest.fixture(scope="module")
def occluded():
    gait, style = simulate_scenario("far_foot_hidden")
    return gait, style, foot_visibility(gait, style)


def test_occluder_hides_the_far_foot_in_the_frames_the_truth_says(occluded):
    gait, style, vis = occluded
    near, far = gait.params.near_side, ("right" if gait.params.near_side == "left" else "left")
    assert vis[near].all()  # the near foot passes in front of it
    hidden = np.flatnonzero(~vis[far])
    assert 0.2 < len(hidden) / gait.n_frames < 0.7  # part of each stride
    # far-side colours changed: wherever the truth says "hidden" (part of the foot behind the occluder),
    # some of the far foot's landmark pixels (heel, ankle, toe) do not change
    style = replace(style, **CLEAN)
    other = replace(style, far_shade=0.3)
    bg, bg2 = render_background(gait, style), render_background(gait, other)
    idx = [lm.INDEX[f"{far}_{n}"] for n in ("heel", "ankle", "foot_index")]
    changed = {}
    for i in list(hidden[:: max(1, len(hidden) // 8)]) + list(np.flatnonzero(vis[far])[::12]):
        a = render_frame(gait, int(i), style, bg).astype(int)
        b = render_frame(gait, int(i), other, bg2).astype(int)
        xy = np.round(gait.landmarks_px[i, idx]).astype(int)
        changed[int(i)] = [int(np.abs(a[y, x] - b[y, x]).max()) for x, y in xy]
    for i in hidden[:: max(1, len(hidden) // 8)]:
        assert min(changed[int(i)]) <= 2, (i, changed[int(i)])
    assert sum(max(changed[int(i)]) <= 2 for i in hidden[:: max(1, len(hidden) // 8)]) >= 3  # wholly hidden too
    shown = [max(changed[int(i)]) for i in np.flatnonzero(vis[far])[::12]]
    assert np.mean(np.array(shown) > 20) > 0.8  # visible far foot: drawn (now and then behind the near leg)


def test_occluded_events_are_marked_not_visible(occluded):
    gait, style, vis = occluded
    d = truth_dict(gait, style, visibility=True)
    far = "right" if gait.params.near_side == "left" else "left"
    for s in d["steps"]:
        if s["side"] == far:
            assert s["contact_visible"] is False and s["toe_off_visible"] is True  # lands behind it, pushes off behind the body
        else:
            assert s["contact_visible"] and s["toe_off_visible"]
        assert s["contact_visible"] == event_visible(vis[s["side"]], s["contact_frame"], gait.fps)
    assert d["frames"][f"foot_visible_{far}"] == vis[far].astype(int).tolist()


def test_event_visible_window():
    v = np.ones(20, bool)
    v[10] = False
    assert not event_visible(v, 10, 60.0) and not event_visible(v, 9, 60.0) and event_visible(v, 8, 60.0)
    assert not event_visible(v, 15, 240.0) and event_visible(v, 16, 240.0)  # +-5 frames at 240 fps
    assert event_visible(v, 0, 60.0) and not event_visible(v, 25, 60.0)


# ----------------------------------------------------------------------------------------- overground
def test_overground_runner_crosses_the_frame():
    gait, style = simulate_scenario("overground_pass")
    w, h = gait.params.image_size
    hips = gait.landmarks_px[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1)
    assert gait.params.facing == "left" and not gait.params.treadmill
    assert np.all(np.diff(hips[:, 0]) < 0)  # moving right to left
    xs = gait.landmarks_px[..., 0]
    assert xs[0].min() > w and xs[-1].max() < 0  # wholly outside at the first and last frames
    # first frame: nothing but the scene; middle frame: the runner
    clean = replace(style, **CLEAN)
    bg = render_background(gait, clean)
    assert np.array_equal(render_frame(gait, 0, clean, bg), np.clip(bg + 0.5, 0, 255).astype(np.uint8))
    assert not np.array_equal(render_frame(gait, gait.n_frames // 2, clean, bg), np.clip(bg + 0.5, 0, 255).astype(np.uint8))
    d = truth_dict(gait, style, visibility=True)
    vis = foot_visibility(gait, style)
    for side in ("left", "right"):
        steps = [s for s in d["steps"] if s["side"] == side]
        seen = [s for s in steps if s["contact_visible"] and s["toe_off_visible"]]
        assert 3 <= len(seen) <= 4
        assert len(seen) < len(steps)  # events at the edges: out of view, not counted
        for s in steps:
            leg = gait.landmarks_px[s["contact_frame"], [lm.INDEX[f"{side}_{n}"] for n in ("hip", "knee", "ankle", "heel", "foot_index")]]
            inside = bool(np.all((leg[:, 0] >= 0) & (leg[:, 0] < w)))
            if not inside:
                assert not s["contact_visible"]
            elif s["contact_visible"]:
                assert inside
        assert not vis[side][0] and not vis[side][-1]


# ----------------------------------------------------------------------------------------- defaults
def test_defaults_keep_the_committed_sample_truth():
    spec = importlib.util.spec_from_file_location("render_samples", ROOT / "scripts" / "render_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    params, style = mod.SAMPLES["sample_run"]
    committed = ROOT / "sample_videos" / "sample_run.truth.json"
    if not committed.is_file():
        pytest.skip("sample not rendered")
    made = json.loads(json.dumps(truth_dict(simulate_gait(params), style)))
    _assert_same_json(made, json.loads(committed.read_text()))


def _assert_same_json(made, committed, path="") -> None:
    """Equal structure, strings and integers; floats equal to 1e-9 relative. NumPy's vectorised sin, cos and exp
    differ in the last bits between CPUs (SIMD code paths), so the file is byte-identical only on the machine
    that wrote it; a changed default moves numbers by far more than that."""
    assert type(made) is type(committed) or {type(made), type(committed)} <= {int, float}, path
    if isinstance(made, dict):
        assert made.keys() == committed.keys(), path
        for k in made:
            _assert_same_json(made[k], committed[k], f"{path}.{k}")
    elif isinstance(made, list):
        assert len(made) == len(committed), path
        for i, (a, b) in enumerate(zip(made, committed)):
            _assert_same_json(a, b, f"{path}[{i}]")
    elif isinstance(made, float) or isinstance(committed, float):
        assert made == pytest.approx(committed, rel=1e-9, abs=1e-12), path
    else:
        assert made == committed, path


def test_scenario_registry():
    assert {"belt_height_60fps", "motion_blur_60fps", "fps240", "overground_pass", "far_foot_hidden", "gym_60fps",
            "portrait_25fps", "lab_slowmo_240fps"} <= set(SCENARIOS)
    assert scenario("gym_60fps").params.camera_height_m == scenario("belt_height_60fps").params.camera_height_m
    assert scenario("gym_60fps").style.shutter_s == pytest.approx(1 / 60)
    assert scenario("portrait_25fps").params.fps == 25.0
    assert scenario("fps240").params.fps == 240.0
    assert scenario("motion_blur_60fps").style.shutter_s == pytest.approx(1 / 60)
    assert isinstance(scenario("far_foot_hidden").style.occluder, Occluder)
    for name in SCENARIOS:
        p = scenario(name).params
        # small enough to render in seconds to tens of seconds (CI renders each once); long enough for a few strides
        assert 3.0 <= p.duration_s <= 6.0 and p.duration_s * p.fps <= 720 and p.image_size[0] * p.image_size[1] <= 540 * 960
    with pytest.raises(ValueError):
        scenario("nope")


# ----------------------------------------------------------------------------------------- rendering
@pytest.mark.slow
def test_every_scenario_renders_with_its_truth(tmp_path):
    """Each scenario once (about 5-30 s of CPU each), then reused."""
    from formcheck.video import iter_frames, probe_video

    for name in SCENARIOS:
        video = render_scenario(name, tmp_path)
        assert video == tmp_path / f"{name}.mp4"
        truth = json.loads(truth_path_for(video).read_text())
        s = scenario(name)
        info = probe_video(video)
        assert (info.width, info.height) == s.params.image_size
        assert info.fps == pytest.approx(s.params.fps, abs=0.01)
        assert info.n_frames == truth["summary"]["n_frames"] == round(s.params.duration_s * s.params.fps)
        assert truth["scenario"]["name"] == name
        assert all({"contact_visible", "toe_off_visible", "contact_frame", "toe_off_frame", "overstride_pct_leg"} <= set(st) for st in truth["steps"])
        assert len(truth["frames"]["foot_visible_left"]) == info.n_frames
        if name == "motion_blur_60fps":
            assert truth["exposure"]["frame_instant"] == "centre"
        frame = next(iter_frames(video))
        assert frame.rgb.shape == (s.params.image_size[1], s.params.image_size[0], 3)
        mtime = video.stat().st_mtime_ns
        assert render_scenario(name, tmp_path) == video and video.stat().st_mtime_ns == mtime  # complete: reused
