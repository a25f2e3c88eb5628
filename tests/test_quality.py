"""Quality checks and refusals (formcheck.quality) against independently known cases.

Known cases: the walking clips in ../shared are walking and the running clips running (README of
../shared/videos and the rendered samples' truth); a runner turned toward the camera is a frontal view
by construction (the synthetic body rotated about the vertical before projection); a video made by
sliding a texture a known number of pixels per frame moves by exactly that.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import AnalysisError, analyze_track
from formcheck.clean import clean_track
from formcheck.quality import (
    MIN_STEPS,
    add_camera_motion,
    camera_motion,
    direction_changes,
    gait_kind,
    view_check,
)
from formcheck.synth.gait import GaitParams, SyntheticGait, simulate_gait, to_pose_track
from formcheck.video import H264Writer

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
WALKING = "this looks like walking, not running; formcheck analyses running"


def turned(g: SyntheticGait, yaw_deg: float) -> SyntheticGait:
    """The same runner turned by yaw_deg about the vertical through the pelvis (90 = running at the camera)."""
    a = np.radians(yaw_deg)
    m = g.landmarks_m
    c = m[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1, keepdims=True)
    c[..., 1] = 0.0
    r = m - c
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    rot = np.stack([x * np.cos(a) - z * np.sin(a), y, x * np.sin(a) + z * np.cos(a)], axis=-1) + c
    return dataclasses.replace(g, landmarks_m=rot, landmarks_px=g.camera.project(rot), depth_m=g.camera.depth(rot))


@pytest.fixture(scope="module")
def runner() -> SyntheticGait:
    return simulate_gait(GaitParams(fps=30, duration_s=6))


# ------------------------------------------------------------------------------------------ walking vs running
@pytest.mark.parametrize("name", ["walk_side_indoor_03.mp4", "walk_side_outdoor_60fps_04.mp4"])
def test_walking_clips_are_walking(name, shared_videos, pose_track_of):
    g = gait_kind(clean_track(pose_track_of(shared_videos / name)).track)
    assert g["kind"] == "walking" and g["walking"]
    assert g["pelvis_spread_corr"] < -0.5  # measured -0.66 / -0.83
    assert g["cadence_spm"] < 130  # measured 113 / 106


def test_walking_clip_gets_the_walking_finding_and_no_running_findings(shared_videos, pose_track_of):
    """Allowed (refused otherwise: tests/test_walking.py), a walking clip gets only the walking note."""
    a = analyze_track(pose_track_of(shared_videos / "walk_side_indoor_03.mp4"), allow_walking=True)
    assert a.summary["walking"] is True
    assert any(WALKING in w for w in a.quality["warnings"])
    assert [f.code for f in a.findings] == ["no_flight_phase"]
    assert "walking, not running" in a.findings[0].title


def _first_frames(track, n: int):
    arrays = ("keypoints_px", "depth_px", "visibility", "presence", "world_m", "timestamps_s", "frame_indices")
    return dataclasses.replace(track, **{name: getattr(track, name)[:n] for name in arrays})


def test_short_walking_clip_is_told_walking(shared_videos, pose_track_of):
    """walk_side_outdoor_60fps_04 (2.3 s of walking at ~107 steps/min): 5 contacts (0.13, 0.59, 1.21, 1.54, 2.04 s):
    refused as walking; allowed, analysed with the walking warning and only the walking finding. Its first 1.35 s
    (3 contacts) is as short as a runner crossing the frame: whether its steps are enough to analyse or not, it is
    called walking, never analysed as running."""
    track = pose_track_of(shared_videos / "walk_side_outdoor_60fps_04.mp4")
    with pytest.raises(AnalysisError, match=WALKING):
        analyze_track(track)
    a = analyze_track(track, allow_walking=True)
    assert any(WALKING in w for w in a.quality["warnings"])
    assert [f.code for f in a.findings] == ["no_flight_phase"]
    try:
        short = analyze_track(_first_frames(track, int(1.35 * track.fps)), allow_walking=True)
    except AnalysisError as exc:
        assert WALKING in str(exc)
    else:
        assert any(WALKING in w for w in short.quality["warnings"])
        assert [f.code for f in short.findings] == ["no_flight_phase"]


def test_real_treadmill_run_is_running(treadmill_track):
    g = gait_kind(clean_track(treadmill_track).track)
    assert g["kind"] == "running" and g["pelvis_spread_corr"] > 0.5  # measured 0.92
    assert abs(g["cadence_spm"] - 168.9) < 3  # README: 168.9 from pixel motion, no pose model
    a = analyze_track(treadmill_track)
    assert not a.summary["walking"] and not any(WALKING in w for w in a.quality["warnings"])


@pytest.mark.parametrize("name", ["sample_run", "before", "after"])
def test_rendered_runners_are_running(name, pose_track_of):
    g = gait_kind(clean_track(pose_track_of(SAMPLES / f"{name}.mp4")).track)
    assert g["kind"] == "running" and g["pelvis_spread_corr"] > 0.5  # measured 0.87-0.91
    assert abs(g["cadence_spm"] - 170.0) < 3  # rendered at 170 steps/min


@pytest.mark.parametrize("params", [
    dict(cadence_spm=150, speed_m_s=2.3),  # slow jog
    dict(treadmill=False, facing="right"),  # overground, other direction
    dict(cadence_spm=185, speed_m_s=4.5),  # fast, at 30 fps
    dict(overstride_pct_leg=35, hip_extension_deg=3),  # heavy overstrider
])
def test_synthetic_runners_are_running(params):
    g = gait_kind(clean_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=6, **params)), noise_px=2.0)).track)
    assert g["kind"] == "running"


def test_standing_still_is_not_called_running_or_walking(runner):
    t = to_pose_track(runner)
    still = np.repeat(t.keypoints_px[:1], t.n_frames, axis=0) + np.random.default_rng(0).normal(scale=0.5, size=t.keypoints_px.shape)
    assert gait_kind(t.with_keypoints(still))["kind"] == "unclear"


# ------------------------------------------------------------------------------------------ view
def test_frontal_runner_is_refused(runner):
    track = to_pose_track(turned(runner, 90), noise_px=1.0)
    v = view_check(track)
    assert v["verdict"] == "frontal" and v["frontal_fraction"] > 0.9 and v["yaw_deg"] < 10
    with pytest.raises(AnalysisError, match="not a side view.*film from the side"):
        analyze_track(track)


def test_frontal_runner_exits_non_zero_with_one_line(runner, tmp_path):
    from formcheck.cli import EXIT_NOTHING_TO_ANALYSE

    npz = to_pose_track(turned(runner, -90), noise_px=1.0).save(tmp_path / "frontal.npz")
    r = subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(npz), "-o", str(tmp_path / "out")],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == EXIT_NOTHING_TO_ANALYSE and len(lines) == 1, r.stderr
    assert "not a side view" in lines[0] and "Traceback" not in r.stderr


def test_oblique_60_is_refused_45_warned_0_clean(runner):
    with pytest.raises(AnalysisError, match="not a side view"):
        analyze_track(to_pose_track(turned(runner, 60), noise_px=1.0))
    a45 = analyze_track(to_pose_track(turned(runner, 45), noise_px=1.0))
    assert a45.quality["view"]["verdict"] == "borderline"
    assert any("not a clean side view" in w for w in a45.quality["warnings"])
    a0 = analyze_track(to_pose_track(runner, noise_px=1.0))
    assert a0.quality["view"]["verdict"] == "side" and a0.quality["warnings"] == []


def picture_turned(track, quarter_turns: int):
    """The track as the pose model sees the same clip with its picture turned clockwise by 90 deg x quarter_turns."""
    k = track.keypoints_px.copy()
    w, h = track.image_size
    for _ in range(quarter_turns % 4):
        k[..., 0], k[..., 1] = h - k[..., 1], k[..., 0].copy()
        w, h = h, w
    return dataclasses.replace(track.with_keypoints(k), image_size=(w, h))


@pytest.mark.parametrize(("quarter_turns", "from_up"), [(1, 90), (2, 180), (3, 90)])
def test_a_picture_turned_sideways_or_upside_down_is_refused(runner, quarter_turns, from_up):
    """A newcomer's test: a clip turned 90 deg was analysed (overstride 116 % leg, hip extension -74 deg, exit 0)."""
    upright = to_pose_track(runner, noise_px=1.0)
    lean = view_check(upright)["trunk_from_up_deg"]
    assert lean == pytest.approx(runner.params.trunk_lean_deg, abs=3.0)  # the runner's own lean, forwards
    v = view_check(picture_turned(upright, quarter_turns))
    assert v["verdict"] == "turned"
    assert v["trunk_from_up_deg"] == pytest.approx(from_up, abs=lean + 3.0)
    filmed = "upside down" if from_up == 180 else "sideways"  # a newcomer's upside-down clip was said to be sideways
    with pytest.raises(AnalysisError, match=f"not upright in the picture.*filmed {filmed}; turn it upright"):
        analyze_track(picture_turned(upright, quarter_turns))


def test_a_person_without_legs_in_the_picture_is_refused_as_such(runner):
    """A newcomer's crop of a gym's ceiling: MediaPipe found a "person" (a face in the lights) on 67 % of its frames, its
    hips, knees and ankles out of the picture by their presence, lying across the frame, and the clip was told its
    rotation was lost. Legs out of the picture on more than half the frames with a person are what is said (here on
    60 %, the picture turned too); on 40 %, the clip is judged on the rest."""
    from formcheck.quality import legs_out_of_picture_fraction

    upright = to_pose_track(runner, noise_px=1.0)
    assert legs_out_of_picture_fraction(upright) == 0.0

    def legs_out_on(track, share: float):
        presence = track.presence.copy()
        gone = np.flatnonzero(track.detected)[: int(round(share * track.detected.sum()))]
        presence[np.ix_(gone, [lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_KNEE, lm.RIGHT_KNEE, lm.LEFT_ANKLE, lm.RIGHT_ANKLE])] = 0.1
        return dataclasses.replace(track, presence=presence)

    ghost = legs_out_on(picture_turned(upright, 1), 0.6)
    assert legs_out_of_picture_fraction(ghost) == pytest.approx(0.6, abs=0.01)
    with pytest.raises(AnalysisError, match="a person was found, but not their legs.* in 60% of the frames with a person"):
        analyze_track(ghost)
    with pytest.raises(AnalysisError, match="not upright in the picture"):
        analyze_track(legs_out_on(picture_turned(upright, 1), 0.4))
    assert analyze_track(legs_out_on(upright, 0.4)).quality["legs_out_of_picture"] == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("name", ["treadmill_side_01.mp4", "walk_side_indoor_03.mp4", "walk_side_outdoor_60fps_04.mp4"])
def test_real_side_views_pass(name, shared_videos, pose_track_of):
    v = view_check(pose_track_of(shared_videos / name))
    assert v["verdict"] == "side" and v["frontal_fraction"] < 0.05 and v["yaw_deg"] > 70
    assert v["trunk_from_up_deg"] < 20  # measured 4.6, 2.0, 2.6 (track_side_short_02 9.4)


@pytest.mark.parametrize("name", ["sample_run", "before", "after"])
def test_rendered_side_views_pass(name, pose_track_of):
    assert view_check(pose_track_of(SAMPLES / f"{name}.mp4"))["verdict"] == "side"


def test_direction_change_is_warned(shared_videos, pose_track_of):
    """walk_side_indoor_03: she walks to the left edge, turns, and walks back to the right. The turn is not
    side-on, so the analysis keeps the longest side-on stretch (the pass back, frames 202-351) and says so;
    that stretch has one direction only."""
    track = pose_track_of(shared_videos / "walk_side_indoor_03.mp4")
    assert direction_changes(clean_track(track).track) == {"passes": ["left", "right"], "changes": 1}
    a = analyze_track(track, allow_walking=True)
    assert any("side-on only from" in w for w in a.quality["warnings"])
    assert not any("changes direction" in w for w in a.quality["warnings"])
    assert min(s.contact_frame for s in a.steps) >= 202 and max(s.contact_frame for s in a.steps) <= 351


def test_treadmill_has_no_passes(treadmill_track):
    assert direction_changes(clean_track(treadmill_track).track)["changes"] == 0


# ------------------------------------------------------------------------------------------ size, steps, visibility
def test_few_steps_say_what_to_do():
    with pytest.raises(AnalysisError, match="film 10 s or more"):
        analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=1.0))))
    a = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=2.0))))
    assert a.quality["n_steps"] < MIN_STEPS
    assert any("film 10 s or more" in w for w in a.quality["warnings"])


def _feet_lowered(g: SyntheticGait, shift_px: np.ndarray):
    """The runner's pose track with every landmark moved down by shift_px (T,): a phone aimed too high."""
    t = to_pose_track(g)
    kp = t.keypoints_px.copy()
    kp[..., 1] += shift_px[:, None]
    return dataclasses.replace(t, keypoints_px=kp)


def _stances_past_bottom(g: SyntheticGait, t, margin_px: float) -> int:
    """True stances (the render's contact to toe-off, and a frame either side) with a foot point below the border."""
    h = t.image_size[1]
    n = 0
    for st in g.steps:
        foot = [lm.LEG[st["side"]][j] for j in ("heel", "ankle", "foot_index")]
        span = t.keypoints_px[max(0, st["contact_frame"] - 1) : st["toe_off_frame"] + 2][:, foot, 1]
        n += bool((span > h - 1 - margin_px).any())
    return n


def test_feet_cut_off_by_the_bottom_edge_say_so():
    """A treadmill runner framed with the feet at the picture's bottom edge (a rendered portrait clip at belt height,
    heldout_380, was refused with "only 0 steps found ... film 10 s or more", which a longer clip would not mend).
    Every stance's foot 2 px past the last row: refused, saying where the feet are and what to do. A phone tilting
    down over the clip (the feet from 40 px above the edge to 2 px past it): analysed, with a warning that counts the
    stances lost at the edge, as many as the render's true stances whose foot passes the border."""
    g = simulate_gait(GaitParams(fps=30, duration_s=6))
    t = to_pose_track(g)
    h = t.image_size[1]
    low = min(t.keypoints_px[st["contact_frame"] : st["toe_off_frame"] + 1][:, [lm.LEG[st["side"]][j] for j in
              ("heel", "ankle", "foot_index")], 1].max() for st in g.steps)  # the highest stance foot's lowest point
    with pytest.raises(AnalysisError, match=f"bottom edge of the picture in {len(g.steps)} stances.*leave space below the feet"):
        analyze_track(_feet_lowered(g, np.full(g.n_frames, h + 1 - low)))
    top = float(np.nanmax(t.keypoints_px[:, [lm.LEG[s][j] for s in ("left", "right") for j in ("heel", "ankle", "foot_index")], 1]))
    tilting = _feet_lowered(g, np.linspace(h - 41 - top, h + 1 - top, g.n_frames))
    lost = _stances_past_bottom(g, tilting, 0.005 * h)
    a = analyze_track(tilting)
    assert 1 <= lost < len(g.steps) - 4
    assert a.quality["stances_at_bottom_edge"] == lost
    assert any(f"bottom edge of the picture in {lost} stance" in w for w in a.quality["warnings"])
    # feet at the right border (a runner framed too far to one side): not the bottom edge, nothing said about it
    feet_x = t.keypoints_px[:, [lm.LEG[s][j] for s in ("left", "right") for j in ("heel", "ankle", "foot_index")], 0]
    kp = t.keypoints_px.copy()
    kp[..., 0] += t.image_size[0] + 1 - float(np.nanmax(feet_x))
    side = dataclasses.replace(t, keypoints_px=kp)
    try:
        said = analyze_track(side).quality["warnings"]
    except AnalysisError as e:
        said = [str(e)]
    assert not any("bottom edge" in w for w in said)


def test_a_clip_too_short_anyway_keeps_its_reason_with_the_feet_at_the_bottom():
    """0.8 s of running, the feet from 40 px above the bottom edge to 20 px past it (the phone tilting down), its last
    stance at the edge: even with that stance there would be too few steps, so the refusal keeps its own advice (a
    longer clip) and adds the framing."""
    g = simulate_gait(GaitParams(fps=30, duration_s=0.8))
    t = to_pose_track(g)
    h = t.image_size[1]
    top = float(np.nanmax(t.keypoints_px[:, [lm.LEG[s][j] for s in ("left", "right") for j in ("heel", "ankle", "foot_index")], 1]))
    tilting = _feet_lowered(g, np.linspace(h - 41 - top, h + 20 - top, g.n_frames))
    lost = _stances_past_bottom(g, tilting, 0.005 * h)
    assert lost == 1
    with pytest.raises(AnalysisError, match=r"film 10 s or more of steady running; also, a foot was at the bottom edge of "
                                            r"the picture in 1 stance: leave space below the feet"):
        analyze_track(tilting)


def test_few_steps_of_a_runner_the_model_lost_say_to_keep_the_body_in_view():
    """A rendered treadmill runner whose head the frame's top edge cut off (heldout_204) was found in 44 % of frames and
    refused with "only 1 steps found; ... film 10 s more": a longer clip framed the same way would not help. Here a
    4 s runner lost after the first second (found in 25 % of frames, 2 steps) is told why, and the fix."""
    t = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=4.0)))
    k = t.keypoints_px.copy()
    k[30:] = np.nan
    with pytest.raises(AnalysisError) as e:
        analyze_track(t.with_keypoints(k))
    msg = str(e.value)
    assert re.search(r"only \d steps? found \(at least 3 are needed\): the runner was found in only 25% of frames; keep the "
                     r"whole body, head to feet, in view", msg), msg
    assert "film 10 s or more" not in msg


@pytest.mark.parametrize(("lost", "said"), [
    ((slice(0, 150),), "the runner is in view only from 5.0 s to 12.0 s of the clip: only that part was analysed; start "
                       "filming as they come into view"),
    ((slice(0, 90), slice(300, 360)), "the runner is in view only from 3.0 s to 10.0 s of the clip: only that part was analysed"),
    ((slice(200, 360),), "the runner is in view only from 0.0 s to 6.6 s of the clip: only that part was analysed"),
    ((slice(0, 360, 2), slice(1, 60)), "person detected in only 42% of frames: keep the whole body in view and film in better light"),
    # a runner found late, and lost in a third of the frames after: the model's loss, not a late start (a reviewer's case)
    ((slice(0, 60), slice(61, 360, 3)), "person detected in only 56% of frames: keep the whole body in view"),
])
def test_a_runner_not_yet_in_view_is_told_apart_from_one_the_model_lost(lost, said):
    """2.8 s of an empty track before the runner came into view was warned "person detected in only 53% of frames: keep
    the whole body in view and film in better light" (a newcomer's test), and with more empty frames "seen side-on
    only ... (turned towards or away from the camera elsewhere)". A runner found in (nearly) every frame from their
    first sighting to their last was simply not in view yet, or had left; one lost here and there is the model's
    loss. A 12 s, 30 fps model runner."""
    t = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=12.0)), noise_px=0.5)
    k = t.keypoints_px.copy()
    for part in lost:
        k[part] = np.nan
    w = analyze_track(t.with_keypoints(k)).quality["warnings"]
    assert any(said in x for x in w), w
    assert not any("start filming" in x for x in w) or lost[0].start == 0 and lost[0].stop < 360 and lost[0].step is None


def test_small_runner_and_low_visibility_say_what_to_do():
    t = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=6, runner_height_frac=0.25)), noise_px=0.5)
    t = dataclasses.replace(t, visibility=np.minimum(t.visibility, 0.3))
    w = analyze_track(t).quality["warnings"]
    assert any("film closer" in x for x in w)
    assert any("low landmark visibility" in x and "better light" in x for x in w)


# ------------------------------------------------------------------------------------------ camera motion
def _texture_clip(path: Path, shift_px: tuple[float, float], n: int = 45, fps: float = 30.0, size=(640, 360)) -> Path:
    """A blurred-noise texture seen through a window that slides shift_px per frame (integer px)."""
    import cv2

    rng = np.random.default_rng(1)
    w, h = size
    big = cv2.GaussianBlur((rng.random((h + 400, w + 400)) * 255).astype(np.uint8), (0, 0), 2.0)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    with H264Writer(path, fps=fps, size=size, crf=16) as wr:
        for i in range(n):
            x0, y0 = 200 + int(round(i * shift_px[0])), 200 + int(round(i * shift_px[1]))
            g = big[y0 : y0 + h, x0 : x0 + w]
            wr.write(np.dstack([g, g, g]))
    return path


def _small_runner_track(n: int, fps: float, size=(640, 360)):
    g = simulate_gait(GaitParams(fps=fps, duration_s=n / fps, image_size=size, runner_height_frac=0.5))
    return to_pose_track(g)


def test_static_video_has_no_camera_motion(tmp_path):
    clip = _texture_clip(tmp_path / "static.mp4", (0, 0))
    m = camera_motion(clip, _small_runner_track(45, 30.0))
    assert m["checked"] and m["median_shift_px_s"] < 0.5 and m["warning"] is None


def test_sliding_texture_gives_its_known_motion(tmp_path):
    # the window slides +3 px right and +1 px down per frame: the image content moves (-3, -1) px/frame
    clip = _texture_clip(tmp_path / "pan.mp4", (3, 1))
    track = _small_runner_track(45, 30.0)
    m = camera_motion(clip, track)
    expected = np.hypot(3, 1) * 30.0  # 94.9 px/s
    assert m["checked"] and abs(m["median_shift_px_s"] - expected) < 0.03 * expected
    assert m["warning"] and "tripod" in m["warning"]
    q = {"warnings": [], "camera_motion_checked": False}
    add_camera_motion(q, m)
    assert q["camera_motion_checked"] and q["camera_motion"] is m and q["warnings"] == [m["warning"]]


def test_rendered_sample_camera_is_static(pose_track_of):
    m = camera_motion(SAMPLES / "sample_run.mp4", pose_track_of(SAMPLES / "sample_run.mp4"))
    assert m["checked"] and m["median_shift_px_s"] < 0.5 and m["warning"] is None


def test_a_pass_of_one_stride_is_measured_with_a_warning_and_no_findings():
    """A runner crossing the frame in one second (overground, one stride): each of its two steps is measured (the
    model's own contact and toe-off frames, within one), with a warning that says the runner crossed the frame and
    how to film a longer pass, not 'film 10 s or more' (which a friend filming a pass cannot do); no findings from 2 steps."""
    g = simulate_gait(GaitParams(fps=30, duration_s=1.0, treadmill=False, runner_height_frac=0.3))
    a = analyze_track(to_pose_track(g))
    assert sorted(s.side for s in a.steps) == ["left", "right"]
    for s in a.steps:
        true = min((t for t in g.truth["steps"] if t["side"] == s.side), key=lambda t: abs(t["contact_frame"] - s.contact_frame))
        assert abs(s.contact_frame - true["contact_frame"]) <= 1 and abs(s.toe_off_frame - true["toe_off_frame"]) <= 1
    assert sorted((f.code, f.side) for f in a.findings) == [("insufficient_steps", "left"), ("insufficient_steps", "right")]
    assert any("only 2 steps seen while the runner crossed the frame" in w and "fewer than 3 steps gets no findings" in w
               and "stand further back" in w for w in a.quality["warnings"])


def test_a_pass_shorter_than_a_stride_is_refused_with_advice_for_a_pass():
    g = simulate_gait(GaitParams(fps=30, duration_s=0.6, treadmill=False, runner_height_frac=0.3))
    with pytest.raises(AnalysisError, match="(only 1 step|no complete step) found while the runner crossed the frame .*stand further back"):
        analyze_track(to_pose_track(g))


def test_a_leg_seen_in_fewer_than_six_steps_gets_a_warning():
    """A newcomer's 4 s treadmill cut: 10 steps, so no "only N steps" warning, but 5 a leg, whose medians have no
    95 % interval (their steps' range) and at most medium confidence. A synthetic runner at 170 steps/min (a stride
    every 0.71 s) over 4 s: under 6 complete stances a leg, warned; over 8 s: 6 or more a leg, no such warning."""
    from collections import Counter

    from formcheck.quality import few_leg_steps_warning

    assert few_leg_steps_warning({"left": 6, "right": 6}) is None
    assert few_leg_steps_warning({"left": 7, "right": 5}) == ("only 5 steps of the right leg measured (< 6 a leg): its figures are "
                                                              "rough and their intervals cover less than 95 %; film 10 s "
                                                              "or more of steady running")
    assert few_leg_steps_warning({"left": 4, "right": 3}, crossing=True) == (
        "only 3 steps of the right leg and 4 of the left leg measured (< 6 a leg): their figures are rough and their intervals "
        "cover less than 95 %; stand further back so the pass shows 6 or more steps, or follow the runner with the camera")
    for duration, short in ((4.0, True), (8.0, False)):
        g = simulate_gait(GaitParams(fps=30, duration_s=duration, cadence_spm=170.0))
        a = analyze_track(to_pose_track(g))
        per_leg = Counter(s.side for s in a.steps)
        assert (min(per_leg.values()) < 6) == short and len(a.steps) >= 6, per_leg
        assert any("< 6 a leg" in w and "film 10 s or more" in w for w in a.quality["warnings"]) == short
    # a runner crossing the frame in 4 steps a leg: the advice is for a pass, not "film 10 s or more"
    a = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=3.0, treadmill=False, runner_height_frac=0.3))))
    per_leg = Counter(s.side for s in a.steps)
    assert len(a.steps) >= 6 and min(per_leg.values()) < 6, per_leg
    assert any("< 6 a leg" in w and "stand further back" in w for w in a.quality["warnings"]), a.quality["warnings"]


def test_too_few_steps_in_a_clip_read_as_slow_motion_says_so_and_how_to_undo_it():
    """A 4.1 s clip at 60 fps whose stride read 1.46 s (the legs' labels swapped every few frames by the model, a
    640x360 copy at crf 40) was re-timed as 2x slow motion and refused for "1 step found in 2.0 s of running", with
    no word of the slow motion: the message now gives both durations and the --fps that would keep the clip's rate."""
    from formcheck.quality import too_few_steps_message

    track = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=4.1)))
    slow = dataclasses.replace(track, fps=121.8, info={**track.info, "video_fps": 60.0, "slow_motion_factor": 2.03})
    said = too_few_steps_message(1, slow, crossing=False)
    assert said == ("only 1 step found in 2.0 s of running, the clip read as 2.0x slow motion (4.1 s as it plays; if it "
                    "was filmed at the speed it plays, give --fps 60); at least 3 are needed: film 10 s or more of steady "
                    "running"), said
    assert too_few_steps_message(1, track, crossing=False).startswith("only 1 step found in 4.1 s of running; at least")


def test_too_few_steps_in_a_clip_missing_many_frames_says_so():
    """A newcomer's 12 s copy of treadmill_side_01 missing 40 % of its frames (timestamps kept) was refused for "no
    complete step found in 12.0 s of running ... film 10 s or more", advice the clip already followed: the missing
    frames are the reason, and the fix is the frame rate."""
    from formcheck.quality import too_few_steps_message

    track = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=7.2)))  # 216 frames kept of 360
    said = too_few_steps_message(0, track, crossing=False, missing=144)
    assert said == ("no complete step found (at least 3 are needed): 40% of the clip's frames are missing (the phone "
                    "dropped them, as it does at a variable frame rate in dim light or under load) and steps next to a "
                    "gap cannot be timed: film in good light, with the frame rate fixed"), said
    assert too_few_steps_message(0, track, crossing=False, missing=20).startswith("no complete step found in 7.2 s of running")


def test_a_clip_too_short_for_a_step_says_how_long_it_was():
    """Half a second of running (a first stride not yet complete) was refused with "only 0 steps found"; it now says
    no step was found in the clip's 0.5 s, and what to film."""
    g = simulate_gait(GaitParams(fps=30, duration_s=0.5))
    with pytest.raises(AnalysisError, match=r"^cannot analyse this clip: no complete step found in 0\.5 s of running; at "
                                            r"least 3 are needed: film 10 s or more of steady running$"):
        analyze_track(to_pose_track(g))
