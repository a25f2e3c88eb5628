"""The shoes' motion blur along the run, measured in the pixels (formcheck.foot_blur), and what the analysis says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import analyze_track
from formcheck.foot_blur import FootBlurMeter, foot_patch, near_foot_streak_pct, streak_px
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


def test_the_meter_reports_each_foot_in_percent_of_its_length():
    """Frames 640 px wide of a clip 1280 px wide (the camera check's grey copy), the left shoe drawn sharp and the right
    one blurred by 12 px: each foot's median streak in % of its length (heel to toe, 60 px in the copy); one frame in 2."""
    sharp, blurred = _shoe(), _along_x(_shoe(), 12)
    grey = np.full((360, 640), 200, np.float32)
    grey[100:160, 100:200] = sharp
    grey[200:260, 300:400] = blurred
    pose = np.full((lm.N_LANDMARKS, 2), np.nan)
    for side, (x0, y0) in (("left", (100, 100)), ("right", (300, 200))):
        leg = lm.LEG[side]
        pose[leg["heel"]] = (x0 + 20, y0 + 44)
        pose[leg["ankle"]] = (x0 + 30, y0 + 26)
        pose[leg["foot_index"]] = (x0 + 80, y0 + 44)
    meter = FootBlurMeter(every=2)
    for index in range(24):
        meter.add(index, grey, pose * 2.0, image_width=1280)
    got = meter.summary()
    assert got["left"]["frames"] == got["right"]["frames"] == 12
    assert abs(got["left"]["streak_pct_foot"]) < 1.0
    expected = 100 * streak_px(blurred[25 - 18:45 + 18, 20 - 18:80 + 18]) / 60.0  # the patch the meter cuts
    assert got["right"]["streak_pct_foot"] == pytest.approx(expected, abs=0.5)
    assert got["right"]["streak_pct_foot"] > 10.0
    assert near_foot_streak_pct(got, "right") == got["right"]["streak_pct_foot"]
    assert near_foot_streak_pct({"left": {"streak_pct_foot": None}, "right": {"streak_pct_foot": 4.0}}, "left") == 4.0
    assert near_foot_streak_pct(None, "left") is None


def test_too_few_frames_give_no_figure():
    meter = FootBlurMeter(every=1)
    pose = np.full((lm.N_LANDMARKS, 2), np.nan)
    leg = lm.LEG["left"]
    pose[[leg["heel"], leg["ankle"], leg["foot_index"]]] = [(20, 44), (30, 26), (80, 44)]
    for index in range(9):
        meter.add(index, _shoe(), pose, image_width=100)
    assert meter.summary()["left"] == {"streak_pct_foot": None, "frames": 9}


@pytest.fixture(scope="module")
def runner_track():
    gait = simulate_gait(GaitParams(fps=60.0, duration_s=6.0, cadence_spm=170.0, speed_m_s=3.0, facing="left", treadmill=True, seed=0))
    return to_pose_track(gait, noise_px=0.5, seed=1)


def test_blurred_shoes_are_said_with_the_fix_and_trusted_less(runner_track):
    """The same pose track with the pose pass's blur figures of a sharp clip (3 %) and of a blurred one (18 %): only the
    second gets the warning, with the fix, and every leg metric's confidence one notch lower."""
    def with_blur(pct: float):
        blur = {side: {"streak_pct_foot": pct, "frames": 100} for side in ("left", "right")}
        return analyze_track(replace(runner_track, info={**runner_track.info, "foot_blur": blur}))

    sharp, blurred = with_blur(3.0), with_blur(18.0)
    assert sharp.quality["timing_evidence"]["foot_blur_pct_foot"] == 3.0
    assert blurred.quality["timing_evidence"]["foot_blur_pct_foot"] == 18.0
    assert not any("blurred" in w for w in sharp.quality["warnings"])
    said = [w for w in blurred.quality["warnings"] if "motion-blurred" in w]
    assert len(said) == 1 and "18 %" in said[0] and "faster shutter" in said[0]
    rank = {"low": 0, "medium": 1, "high": 2}
    for metric in ("overstride_pct_leg", "contact_time_s"):
        assert rank[blurred.summary["left"][metric]["confidence"]] < rank[sharp.summary["left"][metric]["confidence"]]
    assert analyze_track(runner_track).quality["timing_evidence"]["foot_blur_pct_foot"] is None  # pixels not looked at


@pytest.mark.slow
@pytest.mark.shared
def test_the_real_clip_reads_sharp_and_its_blurred_copy_blurred(shared_videos: Path, pose_track_of):
    """treadmill_side_01's pixels around its feet (placed by its pose track) read sharp, below the warning; its copy blurred
    by 25 px along the run (the harness's blur25, a slow shutter's smear) above it, on both feet."""
    from formcheck.camera import small_grey
    from formcheck.evaluation.degrade import degraded_clip, motion_blur
    from formcheck.evaluation.events import load_labels
    from formcheck.video import iter_frames

    video = shared_videos / "treadmill_side_01.mp4"
    blurred = degraded_clip(video, load_labels(FIXTURES / "treadmill_side_01_labels.json"), motion_blur(25)).path
    figures = {}
    for name, path in (("sharp", video), ("blurred", blurred)):
        track = pose_track_of(path)
        rows = {int(f): t for t, f in enumerate(track.frame_indices)}
        meter = FootBlurMeter()
        for frame in iter_frames(path):
            if frame.index in rows:
                meter.add(frame.index, small_grey(frame.rgb), track.keypoints_px[rows[frame.index]], track.image_size[0])
        figures[name] = meter.summary()
    for side in ("left", "right"):
        assert figures["sharp"][side]["streak_pct_foot"] < FOOT_BLUR_WARN_PCT_FOOT / 2, figures
        assert figures["blurred"][side]["streak_pct_foot"] > FOOT_BLUR_WARN_PCT_FOOT * 1.3, figures
