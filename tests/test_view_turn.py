"""A runner followed from three-quarter view to side-on: only the side-on part is analysed (issue 18).

Test material: the synthetic gait model's pose track (formcheck.synth.gait, known truth) with the body
turned about the vertical axis through the pelvis by a yaw that eases from 50 degrees to 0 over the first
part of the clip, in both the 2-D landmarks (lateral offsets of MediaPipe's 3-D landmarks projected
in) and the 3-D ones.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import AnalysisError, analyze_track
from formcheck.quality import side_on_stretch, view_check
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track


def _turned(track, yaw_deg: np.ndarray):
    """The track with the body turned by ``yaw_deg`` (per frame) away from the side view."""
    k = np.array(track.keypoints_px, dtype=float)
    w = np.array(track.world_m, dtype=float)
    phi = np.radians(yaw_deg)[:, None]
    pelvis = k[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1, keepdims=True)
    seg_px = np.linalg.norm(k[:, lm.LEFT_HIP] - k[:, lm.LEFT_ANKLE], axis=-1)
    seg_m = np.linalg.norm(w[:, lm.LEFT_HIP] - w[:, lm.LEFT_ANKLE], axis=-1)
    px_per_m = float(np.nanmedian(seg_px / seg_m))
    k[:, :, 0] = pelvis[:, :, 0] + (k[:, :, 0] - pelvis[:, :, 0]) * np.cos(phi) + px_per_m * w[:, :, 2] * np.sin(phi)
    x, z = w[:, :, 0].copy(), w[:, :, 2].copy()
    w[:, :, 0], w[:, :, 2] = x * np.cos(phi) + z * np.sin(phi), -x * np.sin(phi) + z * np.cos(phi)
    return replace(track, keypoints_px=k, world_m=w)


def _yaw(n: int, fps: float, turned_until_s: float, ease_s: float = 0.5, start_deg: float = 50.0) -> np.ndarray:
    t = np.arange(n) / fps
    u = np.clip((t - (turned_until_s - ease_s)) / ease_s, 0.0, 1.0)
    return start_deg * (1.0 - u)


@pytest.fixture(scope="module")
def gait():
    return simulate_gait(GaitParams(duration_s=8.0))


def test_turning_runner_is_analysed_where_side_on(gait):
    track = to_pose_track(gait, seed=3)
    yaw = _yaw(track.n_frames, track.fps, turned_until_s=3.5)
    turned = _turned(track, yaw)
    assert view_check(track)["verdict"] == "side"
    a, b = side_on_stretch(turned)
    assert 3.0 <= a / track.fps <= 3.5 and b == track.n_frames - 1  # side-on from within the turn (3.0-3.5 s) on
    assert yaw[a] <= 10.0  # measured 8.3 deg (33 before the stretch moved in by half its median window)

    result = analyze_track(turned)
    contacts_s = [s.contact_frame / track.fps for s in result.steps]
    assert min(contacts_s) >= 3.2 and len(result.steps) >= 6
    assert any("side-on only from" in w for w in result.result.quality.warnings)
    # seconds as the file plays: a variable-rate file stating 30 fps and averaging 25 plays frame n at n / 25
    said = next(w for w in analyze_track(replace(turned, info={**turned.info, "video_fps": 30.0, "playback_fps": 25.0})
                                         ).result.quality.warnings if "side-on only from" in w)
    assert f"from {turned.frame_indices[a] / 25.0:.1f} s" in said
    # the side-on part measures what the all-side-on clip measures (same steps, same landmarks)
    whole = analyze_track(track)
    same = {(s.side, s.contact_frame): s.overstride_pct_leg for s in whole.steps}
    for s in result.steps:
        if (s.side, s.contact_frame) in same and s.overstride_pct_leg is not None:
            assert s.overstride_pct_leg == pytest.approx(same[(s.side, s.contact_frame)], abs=0.5)


def test_side_view_clip_is_not_cut(gait):
    track = to_pose_track(gait, seed=3)
    assert side_on_stretch(track) is None
    assert not any("side-on only from" in w for w in analyze_track(track).result.quality.warnings)


def test_runner_turned_all_along_is_not_cut_into_a_short_stretch(gait):
    """Side-on for only the last 1.5 s (< 3 s): nothing to analyse on its own; the clip is treated whole."""
    track = to_pose_track(gait, seed=3)
    turned = _turned(track, _yaw(track.n_frames, track.fps, turned_until_s=6.5))
    assert side_on_stretch(turned) is None
    try:
        result = analyze_track(turned)
    except AnalysisError as exc:  # refused as a frontal/oblique view: fine
        assert "side" in str(exc)
    else:
        assert not any("side-on only from" in w for w in result.result.quality.warnings)


def test_a_short_side_on_stretch_is_judged_in_real_time_on_slow_motion(gait):
    """The same 1.5 s of side-on running saved as 2.4x slow motion lasts 3.6 s of the file: the side-on stretch
    is judged on the clip's real time (it was cut as a 3.6 s stretch, which on a rendered runner crossing the frame
    in slow motion cut inside a stance at its oblique entry and gave a contact 150 ms late)."""
    track = to_pose_track(gait, seed=3)
    turned = _turned(track, _yaw(track.n_frames, track.fps, turned_until_s=6.5))
    slow = replace(turned, timestamps_s=np.arange(turned.n_frames) / 25.0, fps=25.0, info={**turned.info, "video_fps": 25.0})
    assert side_on_stretch(slow) is not None  # 3.6 s of the file: long enough, judged on the file's time
    result = analyze_track(slow)
    assert any("slow motion" in w for w in result.result.quality.warnings)
    assert not any("side-on only from" in w for w in result.result.quality.warnings)


def test_side_on_seconds_are_the_clips_as_it_plays(gait):
    """On slow motion the warning names the seconds a player shows (as --start/--end take them), not real time."""
    import re

    track = to_pose_track(gait, seed=3)
    turned = _turned(track, _yaw(track.n_frames, track.fps, turned_until_s=3.5))
    slow = replace(turned, timestamps_s=np.arange(turned.n_frames) / 24.0, fps=24.0, info={**turned.info, "video_fps": 24.0})
    result = analyze_track(slow)  # 2.5x slow motion: side-on from 3.0-3.5 s of running, 7.5-8.75 s of the clip
    note = next(w for w in result.result.quality.warnings if "side-on only from" in w)
    start, end = (float(x) for x in re.findall(r"from ([\d.]+) s to ([\d.]+) s", note)[0])
    assert 7.5 <= start <= 8.75 and end == pytest.approx((turned.n_frames - 1) / 24.0, abs=0.05)
