"""The shoes' motion blur along the run, measured in the pixels (formcheck.foot_blur), and what the analysis says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import analyze_track
from formcheck.foot_blur import FootBlurMeter, foot_patch, has_figures_for, near_foot_streak_pct, streak_px
from formcheck.quality import FOOT_BLUR_WARN_PCT_FOOT
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shoe(height: int = 60, width: int = 100) -> np.ndarray:
    """A drawn shoe seen from the side: a dark upper with two light stripes on a light floor."""
    img = np.full((height, width), 200, np.float32)
    img[25:45, 20:80] = 40
    img[30:33, 25:75] = 120
    img[38:40, 30:70] = 90
    return img


def _along_x(img: np.ndarray, length_px: int) -> np.ndarray:
    kernel = np.full((1, length_px), 1.0 / length_px, np.float32)
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def test_a_sharp_shoe_has_no_streak_and_a_blurred_one_its_length():
    """A box streak of L px along x measures 0.6-1.1 L (0.8 L here: the edges' derivative widened by L); a streak
    along y, which running does not make, does not count."""
    shoe = _shoe()
    assert abs(streak_px(shoe)) < 0.3
    for length in (6, 10, 16):
        assert 0.6 * length <= streak_px(_along_x(shoe, length)) <= 1.1 * length, length
    upright = cv2.filter2D(shoe, -1, np.full((10, 1), 0.1, np.float32), borderType=cv2.BORDER_REPLICATE)
    assert streak_px(upright) < 0.3


def test_no_patch_for_a_missing_or_tiny_foot():
    grey = np.zeros((100, 100), np.float32)
    assert foot_patch(grey, np.array([[10.0, 10.0], [np.nan, 12.0], [20.0, 10.0]])) is None
    assert foot_patch(grey, np.array([[10.0, 10.0], [11.0, 8.0], [13.0, 10.0]])) is None  # 3 px long
    patch, length = foot_patch(grey, np.array([[40.0, 50.0], [45.0, 40.0], [70.0, 50.0]]))
    assert length == pytest.approx(30.0) and patch.shape == (10 + 2 * 9, 30 + 2 * 9)  # padded by 0.3 foot (9 px) a side


def _two_shoes_frame() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a 640x360 grey frame, its pose in the px of a 1280 px wide clip, the right shoe's blurred drawing): the left
    shoe drawn sharp at (100, 100), the right one blurred by 12 px at (300, 200); each foot 60 px long heel to toe."""
    blurred = _along_x(_shoe(), 12)
    grey = np.full((360, 640), 200, np.float32)
    grey[100:160, 100:200] = _shoe()
    grey[200:260, 300:400] = blurred
    pose = np.full((lm.N_LANDMARKS, 2), np.nan)
    for side, (x0, y0) in (("left", (100, 100)), ("right", (300, 200))):
        leg = lm.LEG[side]
        pose[leg["heel"]] = (x0 + 20, y0 + 44)
        pose[leg["ankle"]] = (x0 + 30, y0 + 26)
        pose[leg["foot_index"]] = (x0 + 80, y0 + 44)
    return grey, pose * 2.0, blurred


def test_the_meter_reports_each_foot_in_percent_of_its_length():
    """The camera check's grey copy (640 px) of a 1280 px clip: each foot's streak in % of its length (heel to toe,
    60 px in the copy) on one frame in 2, and the median over the analysed frames; the near foot's, else the other's."""
    grey, pose, blurred = _two_shoes_frame()
    meter = FootBlurMeter(every=2)
    for index in range(40):
        meter.add(index, grey, pose, image_width=1280)
    got = meter.summary()
    assert got["frame_indices"] == list(range(0, 40, 2))
    expected = 100 * streak_px(blurred[25 - 18:45 + 18, 20 - 18:80 + 18]) / 60.0  # the patch the meter cuts
    assert got["right"] == [pytest.approx(expected, abs=0.01)] * 20 and expected > 10.0
    assert near_foot_streak_pct(got, "right") == pytest.approx(expected, abs=0.01)
    assert abs(near_foot_streak_pct(got, "left")) < 1.0
    got["left"] = [None] * 20  # the near foot never measured: the other foot's (the same shutter smears both)
    assert near_foot_streak_pct(got, "left") == pytest.approx(expected, abs=0.01)
    assert near_foot_streak_pct(None, "left") is None


def test_only_the_analysed_frames_count_and_a_stopped_meter_gives_nothing():
    """A clip analysed on part of its frames (a scene cut, a turn to the camera) is judged on those frames; fewer than
    10 measured give no figure; a meter stopped (several people in a frame: whose feet?) gives no summary."""
    blur = {"frame_indices": list(range(0, 60, 2)), "left": [3.0] * 15 + [20.0] * 15, "right": [None] * 30}
    assert near_foot_streak_pct(blur, "left") == pytest.approx(11.5)
    assert near_foot_streak_pct(blur, "left", np.arange(30, 60)) == pytest.approx(20.0)
    assert near_foot_streak_pct(blur, "left", np.arange(0, 30)) == pytest.approx(3.0)
    assert near_foot_streak_pct(blur, "left", np.arange(0, 18)) is None  # 9 frames
    assert has_figures_for(blur, np.arange(30, 60)) and not has_figures_for(blur, np.arange(60, 120))
    older = {"left": {"streak_pct_foot": 18.0, "frames": 100}}  # another layout: no figure, measured again
    assert near_foot_streak_pct(older, "left") is None and not has_figures_for(older, np.arange(100))
    grey, pose, _ = _two_shoes_frame()
    meter = FootBlurMeter(every=1)
    meter.add(0, grey, pose, image_width=1280)
    meter.stop("several people")
    meter.add(1, grey, pose, image_width=1280)
    assert meter.summary() is None and meter.stopped == "several people"


def test_the_camera_thread_measures_the_feet_and_a_failure_there_spares_the_camera(monkeypatch):
    """The pose pass's camera follower feeds the meter with its grey copies and each frame's single pose, also after the
    camera estimate is given up (a long wait for a box); two people in a frame stop it (whose feet?); a meter that
    raises stops itself only: the camera estimate is still returned."""
    from formcheck.pose import _CameraFollower

    grey, pose, _ = _two_shoes_frame()
    small = (grey.astype(np.uint8), np.zeros((64, 36), np.float32), (1280, 720))
    follower = _CameraFollower(30.0, (1280, 720))
    for i in range(30):
        follower.add(i, i / 30.0, small, [pose])
    assert follower.finish() is not None
    assert follower.foot_blur.summary()["frame_indices"] == list(range(0, 30, 2))

    waited = _CameraFollower(30.0, (1280, 720), max_wait_s=1.0)  # gives up past 30 frames without a box
    for i in range(40):
        waited.add(i, i / 30.0, small, [])
    for i in range(40, 70):
        waited.add(i, i / 30.0, small, [pose])
    assert waited.finish() is None
    assert waited.foot_blur.summary()["frame_indices"] == list(range(40, 70, 2))

    crowded = _CameraFollower(30.0, (1280, 720))
    crowded.add(0, 0.0, small, [pose])
    crowded.add(1, 1 / 30.0, small, [pose, pose + 50.0])
    crowded.add(2, 2 / 30.0, small, [pose])
    assert crowded.finish() is None and crowded.foot_blur.summary() is None

    def broken(*args, **kwargs):
        raise ValueError("boom")

    failing = _CameraFollower(30.0, (1280, 720))
    monkeypatch.setattr(failing.foot_blur, "add", broken)
    for i in range(30):
        failing.add(i, i / 30.0, small, [pose])
    assert failing.finish() is not None  # the camera estimate survives
    assert failing.foot_blur.summary() is None and "boom" in failing.foot_blur.stopped


@pytest.fixture(scope="module")
def runner_track():
    gait = simulate_gait(GaitParams(fps=60.0, duration_s=6.0, cadence_spm=170.0, speed_m_s=3.0, facing="left", treadmill=True,
                                    seed=0))
    return to_pose_track(gait, noise_px=0.5, seed=1)


def _with_pixel_figures(track, blur_pct: float, overlay: float | None = None):
    """``track`` analysed with the pose pass's figures for its pixels: the shoes' streak (% of their length) on every
    measured frame, and the share of the feet's path that still strokes cross (formcheck.foot_overlay)."""
    frames = track.frame_indices[::2].tolist()
    measured = {"frame_indices": frames, "left": [blur_pct] * len(frames), "right": [blur_pct] * len(frames),
                "overlay": None if overlay is None else {"path_crossed_frac": overlay, "edge_points": 500, "frames": len(frames)}}
    return analyze_track(replace(track, info={**track.info, "foot_blur": measured}))


@pytest.mark.parametrize("clear, poor, figure, found, said", [
    # blurred shoes: a sharp clip's 3 %, a blurred one's 18 % (formcheck.foot_blur)
    (dict(blur_pct=3.0), dict(blur_pct=18.0), ("foot_blur_pct_foot", 3.0), "motion-blurred", ("streak of 18 %", "faster shutter")),
    # an app's handle over the feet: a clear clip's 0.04, a drawn-over one's 0.4 (formcheck.foot_overlay)
    (dict(blur_pct=3.0, overlay=0.04), dict(blur_pct=3.0, overlay=0.4), ("overlay_path_frac", 0.04), "drawn over the feet",
     ("across 40 % of their path", "before an app adds its handle")),
])
def test_what_the_pixels_show_is_said_with_the_fix_and_trusted_less(runner_track, clear, poor, figure, found, said):
    """The same pose track with the pixel figures of a clean clip and of a poor one: only the second gets the warning,
    with the fix, and the left leg's overstride and contact time are trusted a notch less; a track analysed without
    its pixels has no figure."""
    good, bad = _with_pixel_figures(runner_track, **clear), _with_pixel_figures(runner_track, **poor)
    assert good.quality["timing_evidence"][figure[0]] == figure[1]
    assert not any(found in w for w in good.quality["warnings"])
    warned = [w for w in bad.quality["warnings"] if found in w]
    assert len(warned) == 1 and all(words in warned[0] for words in said), warned
    rank = {"low": 0, "medium": 1, "high": 2}
    for metric in ("overstride_pct_leg", "contact_time_s"):
        assert rank[bad.summary["left"][metric]["confidence"]] < rank[good.summary["left"][metric]["confidence"]]
    assert analyze_track(runner_track).quality["timing_evidence"][figure[0]] is None  # pixels not looked at


def test_an_overlay_painted_out_before_the_pose_is_said_so(runner_track):
    """A track whose pose was found with the overlay painted out (formcheck.pose.pose_with_overlay_painted_out) still
    gets the overlay's warning, which says what was done about it; its figures record it."""
    painted = replace(runner_track, info={**runner_track.info, "overlay_painted_out": {"pixels": 900, "path_crossed_frac": 0.7}})
    kept, done = _with_pixel_figures(runner_track, 3.0, 0.4), _with_pixel_figures(painted, 3.0, 0.4)
    said = {name: [w for w in a.quality["warnings"] if "drawn over the feet" in w] for name, a in (("kept", kept), ("done", done))}
    assert len(said["kept"]) == len(said["done"]) == 1
    assert "painted it out" in said["done"][0] and "painted it out" not in said["kept"][0]
    assert done.quality["timing_evidence"]["overlay_painted_out"] and not kept.quality["timing_evidence"]["overlay_painted_out"]
    # a saved track analysed without its video: the figure is the one the painting read
    saved = analyze_track(replace(runner_track, info={**runner_track.info,
                                                      "overlay_painted_out": {"pixels": 900, "path_crossed_frac": 0.4}}))
    assert saved.quality["timing_evidence"]["overlay_path_frac"] == 0.4
    assert any("painted it out" in w for w in saved.quality["warnings"])


@pytest.mark.slow
@pytest.mark.shared
def test_the_real_clip_reads_sharp_and_its_blurred_copy_blurred(shared_videos: Path, pose_track_of):
    """treadmill_side_01's pixels around its feet read sharp, below the warning; its copy blurred by 25 px along the
    run (the harness's blur25, a slow shutter's smear) above it, on both feet. Measured as a saved pose track (made
    without the camera check, like `formcheck pose`) is analysed with its video: by the camera check's own pass."""
    from formcheck.camera import prepare_track
    from formcheck.evaluation.degrade import degraded_clip, motion_blur
    from formcheck.evaluation.events import load_labels

    video = shared_videos / "treadmill_side_01.mp4"
    blurred = degraded_clip(video, load_labels(FIXTURES / "treadmill_side_01_labels.json"), motion_blur(25)).path
    analyses = {}
    for name, path in (("sharp", video), ("blurred", blurred)):
        track = pose_track_of(path)
        assert "foot_blur" not in track.info
        prepared = prepare_track(track, path)
        for side in ("left", "right"):
            figure = near_foot_streak_pct(prepared.track.info["foot_blur"], side)
            assert (figure < FOOT_BLUR_WARN_PCT_FOOT / 2) if name == "sharp" else (figure > FOOT_BLUR_WARN_PCT_FOOT), (name, side, figure)
        analyses[name] = prepared.finish(analyze_track(prepared.track))
    assert not any("motion-blurred" in w for w in analyses["sharp"].quality["warnings"])
    assert any("motion-blurred" in w for w in analyses["blurred"].quality["warnings"])
