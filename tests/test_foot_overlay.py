"""Something drawn over the feet (formcheck.foot_overlay), found in the pixels (what the analysis then says:
tests/test_foot_blur.py, with the shoes' blur)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import analyze_track
from formcheck.foot_overlay import FootOverlayMeter, overlay_fraction
from formcheck.quality import OVERLAY_WARN_FRACTION

FIXTURES = Path(__file__).parent / "fixtures"


def _both_feet_at(heel: tuple[float, float], ankle: tuple[float, float], toe: tuple[float, float]) -> np.ndarray:
    """A pose (33, 2) with both feet's heel, ankle and toe at these points and nothing else placed."""
    pose = np.full((lm.N_LANDMARKS, 2), np.nan)
    for side in ("left", "right"):
        leg = lm.LEG[side]
        pose[leg["heel"]], pose[leg["ankle"]], pose[leg["foot_index"]] = heel, ankle, toe
    return pose


def _shoe_over_striped_floor(i: int, letters: bool) -> tuple[np.ndarray, np.ndarray]:
    """Frame ``i`` (a 640x360 grey picture) of a dark shoe sliding back and forth over a floor striped across the run
    (still vertical edges of the scene, which the shoe hides as it passes), and its heel, ankle and toe; with
    ``letters``, white text with a dark outline blended at 70 % over the floor where the shoe passes, as an app burns
    in its handle."""
    grey = np.full((360, 640), 110, np.uint8)
    for x in range(0, 640, 12):
        grey[250:330, x : x + 4] = 150
    x0 = 100 + (9 * i) % 360
    grey[266:316, x0 - 14 : x0 + 74] = 40  # the shoe, its sock and its shadow: all of the feet's zone around its points
    if letters:
        ink = np.zeros_like(grey)
        cv2.putText(ink, "@run.club", (160, 305), cv2.FONT_HERSHEY_DUPLEX, 1.6, 255, 3, cv2.LINE_AA)
        cover = cv2.dilate(ink, np.ones((5, 5), np.uint8)).astype(np.float32) / 255.0  # letters and their outline
        colour = 20.0 + 235.0 * ink.astype(np.float32) / 255.0
        grey = np.clip(grey * (1 - 0.7 * cover) + colour * 0.7 * cover, 0, 255).astype(np.uint8)
    return grey, _both_feet_at((x0, 301), (x0 + 12, 280), (x0 + 59, 301))


def test_letters_over_the_feet_are_found_and_the_floor_the_feet_hide_is_not():
    """The same shoe over the same striped floor for 60 frames: the floor's stripes are still but the shoe hides them as
    it passes, so they change under the feet (no overlay); blended letters barely change (30 % of the shoe shows
    through): found. Measured on one frame in two, as the pose pass does."""
    figures = {}
    for letters in (False, True):
        meter = FootOverlayMeter(every=2)
        for i in range(60):
            grey, pose = _shoe_over_striped_floor(i, letters)
            meter.add(i, grey, pose, image_width=640)
        got = meter.summary()
        assert got is not None and got["frames"] == 30 and got["edge_points"] >= 10
        figures[letters] = got["path_crossed_frac"]
    assert figures[False] < OVERLAY_WARN_FRACTION / 2 and figures[True] > OVERLAY_WARN_FRACTION, figures  # 0.0 and 0.40


def test_too_little_seen_gives_no_figure():
    """Fewer than 10 measured frames, or feet never seen, give no figure; nor does a summary without one."""
    meter = FootOverlayMeter(every=1)
    for i in range(9):
        meter.add(i, *_shoe_over_striped_floor(i, True), image_width=640)
    assert meter.summary() is None
    blind = FootOverlayMeter(every=1)
    for i in range(20):
        grey, _ = _shoe_over_striped_floor(i, True)
        blind.add(i, grey, np.full((lm.N_LANDMARKS, 2), np.nan), image_width=640)
    assert blind.summary() is None
    assert overlay_fraction(None) is None and overlay_fraction({"frame_indices": [], "overlay": None}) is None
    assert overlay_fraction({"overlay": {"path_crossed_frac": 0.25}}) == 0.25


def test_a_foot_planted_beside_still_floor_seams_is_no_overlay():
    """Overground a planted foot leaves the floor beside it still: seams across the run there, under the widened zone
    of a standing foot, would read as strokes that do not change. Only moving feet count, so a pass whose feet stand
    9 frames in 12 over a seamed floor gives no overlay."""
    def frame(i: int, seams: bool) -> tuple[np.ndarray, np.ndarray]:
        grey = np.full((360, 640), 110, np.uint8)
        if seams:
            for x in range(0, 640, 40):
                grey[250:330, x : x + 3] = 150
        x0, planted = 60 + 130 * ((i // 12) % 4), i % 12 < 9
        if not planted:
            x0 += 40 * (i % 12 - 8)  # swinging on to the next spot
        y = 301 if planted else 291
        grey[y - 21 : y + 1, x0 : x0 + 60] = 40  # a shoe smaller than its widened zone
        return grey, _both_feet_at((x0, y), (x0 + 12, y - 21), (x0 + 59, y))

    for seams in (False, True):
        meter = FootOverlayMeter(every=2)
        for i in range(96):
            meter.add(i, *frame(i, seams), image_width=640)
        figure = overlay_fraction({"overlay": meter.summary()})
        assert figure is None or figure < OVERLAY_WARN_FRACTION / 2, (seams, figure)


@pytest.mark.slow
@pytest.mark.shared
def test_the_real_clip_reads_clear_and_its_watermarked_copy_drawn_over(shared_videos: Path, pose_track_of):
    """treadmill_side_01 reads well below the warning (0.04 when measured); the harness's copy with an app's handle
    burnt in over the landing zone well above it (0.43), and only it is warned. Measured by the camera check's own pass
    over a saved pose track."""
    from formcheck.camera import prepare_track
    from formcheck.evaluation.degrade import degraded_clip, runner_extent, watermark_over_landing
    from formcheck.evaluation.events import load_labels
    from formcheck.video import probe_video

    video = shared_videos / "treadmill_side_01.mp4"
    track = pose_track_of(video)
    info = probe_video(video)
    mark = watermark_over_landing((info.width, info.height), runner_extent(track))
    drawn = degraded_clip(video, load_labels(FIXTURES / "treadmill_side_01_labels.json"), mark).path
    for name, path in (("clear", video), ("drawn", drawn)):
        prepared = prepare_track(pose_track_of(path), path)
        figure = overlay_fraction(prepared.track.info["foot_blur"])
        assert (figure < OVERLAY_WARN_FRACTION / 2) if name == "clear" else (figure > 1.5 * OVERLAY_WARN_FRACTION), (name, figure)
        warned = any("drawn over the feet" in w for w in prepared.finish(analyze_track(prepared.track)).quality["warnings"])
        assert warned == (name == "drawn")
