"""The clip's time base: repeated frames dropped, slow motion recognised and undone (formcheck.timebase)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis import analyze_track
from formcheck.camera import small_grey
from formcheck.pose import _same_image, _thumbnail
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track
from formcheck.timebase import (
    SLOW_MOTION_MIN_STRIDE_S,
    drop_repeated_frames,
    last_frame_showing,
    real_time_track,
    stride_period_s,
)

PARAMS = dict(fps=60.0, duration_s=6.0, cadence_spm=170.0, speed_m_s=3.0, facing="left", treadmill=True, seed=0)


@pytest.fixture(scope="module")
def gait():
    return simulate_gait(GaitParams(**PARAMS))


@pytest.fixture(scope="module")
def track(gait):
    return to_pose_track(gait, noise_px=0.5, seed=1)


def doubled(track):
    """Every frame shown twice at twice the rate, as an editor conforming 60 to 120 fps writes it."""
    rows = np.repeat(np.arange(track.n_frames), 2)
    n = len(rows)
    return replace(
        track, keypoints_px=track.keypoints_px[rows], depth_px=track.depth_px[rows], visibility=track.visibility[rows],
        presence=track.presence[rows], world_m=track.world_m[rows], timestamps_s=np.arange(n) / (2 * track.fps),
        frame_indices=np.arange(n), fps=2 * track.fps, info={**track.info, "repeated_frames": list(range(1, n, 2))},
    )


def stored_at(track, fps):
    """The same frames stored at ``fps`` (a high-speed capture exported as slow motion, no --fps given)."""
    return replace(track, timestamps_s=np.arange(track.n_frames) / fps, fps=fps, info={**track.info, "video_fps": fps})


@pytest.fixture(scope="module")
def fast_track():
    """A 480 fps capture of the same runner (3 s)."""
    return to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": 480.0, "duration_s": 3.0})), noise_px=0.5, seed=1)


def test_repeated_frames_dropped_at_the_real_rate(track):
    d = doubled(track)
    real, dropped = drop_repeated_frames(d)
    assert dropped == track.n_frames
    assert real.fps == pytest.approx(track.fps)
    assert np.array_equal(real.frame_indices, 2 * np.arange(track.n_frames))  # first frame showing each image
    assert np.array_equal(real.keypoints_px, track.keypoints_px)
    assert last_frame_showing(10, d) == 11 and last_frame_showing(11, d) == 11


def converted(track, to_fps):
    """``track`` exported at ``to_fps`` by an editor: each output frame shows the latest image captured by its time
    (24 fps at 30 repeats every 4th image; 30 fps at 50 shows images for 1 or 2 frames)."""
    n = int(np.ceil(track.n_frames * to_fps / track.fps - 1e-9))  # up to the last image's last frame
    rows = np.floor(np.arange(n) * track.fps / to_fps + 1e-9).astype(int)
    repeated = np.flatnonzero(np.diff(rows) == 0) + 1
    return replace(
        track, keypoints_px=track.keypoints_px[rows], depth_px=track.depth_px[rows], visibility=track.visibility[rows],
        presence=track.presence[rows], world_m=track.world_m[rows], timestamps_s=np.arange(n) / to_fps,
        frame_indices=np.arange(n), fps=to_fps, info={**track.info, "repeated_frames": repeated.tolist(), "video_fps": to_fps},
    )


@pytest.mark.parametrize(("capture_fps", "export_fps"), [(24.0, 30.0), (30.0, 50.0), (24.0, 60.0), (20.0, 25.0)])
def test_a_frame_rate_conversion_is_timed_at_the_capture_rate(capture_fps: float, export_fps: float) -> None:
    """Repeats in an uneven pattern (a newcomer's 24 fps clip exported at 30 read 25 % short contact times, and 30 at
    50 a 20 % long stride): the images are put back at their capture times, 1 / capture_fps apart."""
    original = to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": capture_fps})), noise_px=0.5, seed=1)
    real, dropped = drop_repeated_frames(converted(original, export_fps))
    assert real.n_frames == original.n_frames and dropped == converted(original, export_fps).n_frames - original.n_frames
    assert real.fps == pytest.approx(capture_fps, rel=1e-3)
    assert np.allclose(np.diff(real.timestamps_s), 1.0 / capture_fps, rtol=1e-3)  # evenly, not as shown
    a, b = analyze_track(original), analyze_track(converted(original, export_fps))
    assert b.summary["cadence_spm"] == pytest.approx(a.summary["cadence_spm"], rel=1e-3)
    ct = lambda r: [s.contact_time_s for s in r.steps]  # noqa: E731
    assert np.allclose(ct(b), ct(a), atol=1e-3)


def test_a_few_repeats_of_a_conversion_stay_at_the_files_times() -> None:
    """25 fps exported at 30 repeats 1 frame in 6, under the 20 % that are dropped: the frames stay, at the file's
    times, and the cadence and contact times are the capture's to within a frame of the file."""
    original = to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": 25.0})), noise_px=0.5, seed=1)
    exported = converted(original, 30.0)
    assert drop_repeated_frames(exported)[1] == 0
    a, b = analyze_track(original), analyze_track(exported)
    assert b.summary["cadence_spm"] == pytest.approx(a.summary["cadence_spm"], rel=0.01)
    assert np.median([s.contact_time_s for s in b.steps]) == pytest.approx(np.median([s.contact_time_s for s in a.steps]),
                                                                           abs=1 / 30)


def _repeating(track, rows):
    """``track`` with the frames at ``rows`` showing the image before them again (listed as repeated, as the pose
    stage lists them)."""
    k, vis = track.keypoints_px.copy(), track.visibility.copy()
    for r in sorted(rows):
        k[r], vis[r] = k[r - 1], vis[r - 1]
    listed = sorted(set(track.info.get("repeated_frames", [])) | {int(track.frame_indices[r]) for r in rows})
    return replace(track, keypoints_px=k, visibility=vis, info={**track.info, "repeated_frames": listed})


def test_a_frozen_picture_keeps_its_length(track):
    """A doubled clip whose picture freezes for 1 s: the freeze is no part of the repeat pattern, so neither the rate
    nor the time after it changes."""
    d = doubled(track)
    frozen = _repeating(d, range(200, 200 + int(d.fps)))  # 1 s of the same image
    real, _ = drop_repeated_frames(frozen)
    assert real.fps == pytest.approx(track.fps)
    kept = ~np.isin(frozen.frame_indices, frozen.info["repeated_frames"])
    assert np.allclose(real.timestamps_s, frozen.timestamps_s[kept])
    assert np.diff(real.timestamps_s).max() == pytest.approx(1.0 + 2 / d.fps)


def test_repeats_in_no_pattern_keep_the_times_they_are_shown_at(track):
    """A variable-frame-rate recording re-exported at a fixed rate shows a dropped frame's neighbour again, at random:
    spread evenly, its images moved 2-3 frames and contact times came out 20 ms short (a reviewer's test). The
    images keep their times, so a frame that was dropped stays a gap."""
    rng = np.random.default_rng(0)
    rows = np.flatnonzero(rng.random(track.n_frames) < 0.25)
    rows = rows[(rows > 0) & (np.diff(np.concatenate([[-2], rows])) > 1)]  # single repeats, never the first frame
    irregular = _repeating(track, rows)
    real, dropped = drop_repeated_frames(irregular)
    assert dropped == rows.size and rows.size / track.n_frames >= 0.2
    assert real.fps == pytest.approx(track.fps)
    assert np.array_equal(real.timestamps_s, np.delete(track.timestamps_s, rows))


def test_few_repeats_are_left_in(track):
    few = replace(track, info={**track.info, "repeated_frames": [5, 40]})  # a phone's occasional duplicate
    assert drop_repeated_frames(few)[1] == 0


def test_doubled_clip_gives_the_same_events(track):
    """Events of the doubled clip land on the first copy (contact) and the last copy (toe-off) of each image."""
    a, b = analyze_track(track), analyze_track(doubled(track))
    assert [2 * s.contact_frame for s in a.steps] == [s.contact_frame for s in b.steps]
    assert [2 * s.toe_off_frame + 1 for s in a.steps if s.toe_off_frame is not None] == \
        [s.toe_off_frame for s in b.steps if s.toe_off_frame is not None]
    assert b.summary["cadence_spm"] == pytest.approx(a.summary["cadence_spm"], rel=1e-6)


def test_slow_motion_is_recognised_from_the_stride(track, fast_track):
    stride = 120.0 / PARAMS["cadence_spm"]  # 0.706 s
    assert stride_period_s(track) == pytest.approx(stride, rel=0.02)
    slow = stored_at(fast_track, 60.0)  # 8x slow motion
    assert stride_period_s(slow) == pytest.approx(8 * stride, rel=0.02)
    assert 8 * stride > SLOW_MOTION_MIN_STRIDE_S
    _, tb = real_time_track(slow)
    assert tb.slow_motion and tb.slow_motion_factor == pytest.approx(8 * stride / 0.72, rel=0.02)
    # with the real rate given (--fps), nothing is guessed; a clip at its real rate is left as it is
    assert not real_time_track(slow, fps_given=True)[1].slow_motion
    assert not real_time_track(track)[1].slow_motion


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_slow_motion_events_match_and_durations_are_withheld(fast_track):
    """8x slow motion without --fps: the same contact and toe-off frames and overstride as the clip analysed at its
    real rate; cadence and times are not stated (they would only echo the assumed stride), and a warning says so."""
    a, b = analyze_track(fast_track), analyze_track(stored_at(fast_track, 60.0))
    assert len(a.steps) >= 6
    assert [s.contact_frame for s in b.steps] == [s.contact_frame for s in a.steps]
    assert [s.toe_off_frame for s in b.steps] == [s.toe_off_frame for s in a.steps]
    assert np.allclose([s.overstride_pct_leg for s in b.steps], [s.overstride_pct_leg for s in a.steps], atol=1.0)
    assert b.summary["cadence_spm"] is None and all(s.contact_time_s is None for s in b.steps)
    assert a.summary["cadence_spm"] == pytest.approx(PARAMS["cadence_spm"], rel=0.02)
    assert any("slow motion" in w for w in b.quality["warnings"])
    assert any("probably --fps 480" in w for w in b.quality["warnings"])  # the rate it was captured at
    assert not any(f.code in ("low_cadence", "long_contact") for f in b.findings)


@pytest.mark.parametrize(("file_fps", "image_fps", "factor", "capture_fps"), [
    (30.0, 30.0, 7.86, 240.0),   # the 240 fps render saved as 8x slow motion, factor as formcheck estimated it
    (25.0, 25.0, 2.36, 60.0),    # 60 fps conformed to 25 fps (2.4x)
    (50.0, 25.0, 2.36, 60.0),    # ... then every frame doubled to 50: still filmed at 60 (--fps is the images' rate)
    (29.97, 29.97, 4.2, 120.0),
    (30.0, 30.0, 5.0, 150.0),    # no camera rate within 15 %: the product, rounded
])
def test_the_fps_to_give_for_slow_motion(file_fps: float, image_fps: float, factor: float, capture_fps: float) -> None:
    from formcheck.timebase import TimeBase, likely_capture_fps, slow_motion_warning

    assert likely_capture_fps(image_fps, factor) == capture_fps
    assert f"probably --fps {capture_fps:g}" in slow_motion_warning(TimeBase(0, factor, 5.0, file_fps, image_fps))


def test_doubled_slow_motion_given_its_capture_rate_is_timed_as_filmed(track):
    """60 fps conformed to 25 fps (2.4x slow motion), every frame then doubled to 50: ``--fps 60``, the rate it was
    filmed at, gives the cadence of the clip at its real rate (it gave half: the repeats spread the images over
    twice the frames), and without --fps the hint names 60."""
    conformed = doubled(stored_at(track, 25.0))
    conformed = replace(conformed, info={**conformed.info, "video_fps": 50.0})
    n = conformed.n_frames
    given = replace(conformed, fps=60.0, timestamps_s=np.arange(n) / 60.0)  # what the pose stage makes of --fps 60
    real = analyze_track(track).summary["cadence_spm"]
    assert analyze_track(given).summary["cadence_spm"] == pytest.approx(real, rel=1e-6)
    guessed = analyze_track(conformed)
    assert guessed.summary["cadence_spm"] is None
    assert any("probably --fps 60" in w and "25 new images a second" in w for w in guessed.quality["warnings"])


def test_fps_equal_to_the_files_own_rate_is_given(track):
    """60 fps conformed to 30 fps (2x slow motion), then doubled to 60: the hint names --fps 60, the file's own rate,
    and --fps 60 is then taken as given (it was ignored as equal to the file's rate, and the hint repeated itself)."""
    conformed = doubled(stored_at(track, 30.0))
    conformed = replace(conformed, info={**conformed.info, "video_fps": 60.0})
    guessed = analyze_track(replace(conformed, info={**conformed.info, "fps_override": None}))
    assert any("probably --fps 60" in w for w in guessed.quality["warnings"])
    given = analyze_track(replace(conformed, info={**conformed.info, "fps_override": 60.0}))
    assert given.summary["cadence_spm"] == pytest.approx(analyze_track(track).summary["cadence_spm"], rel=1e-6)
    assert not any("slow motion" in w for w in given.quality["warnings"])


def test_thumbnails_tell_a_repeated_image_from_a_new_one():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, size=(720, 1280, 3), dtype=np.uint8)  # shrunk to 640 px first, as in the pose pass
    noisy = np.clip(frame.astype(int) + rng.integers(-2, 3, size=frame.shape), 0, 255).astype(np.uint8)  # re-encoded copy
    moved = frame.copy()
    moved[400:520, 600:660] = moved[400:520, 580:640]  # a foot-sized patch moved by 20 px

    def thumb(rgb: np.ndarray) -> np.ndarray:
        return _thumbnail(small_grey(rgb))

    assert small_grey(frame).shape == (360, 640)
    assert _same_image(thumb(frame), thumb(noisy))
    assert not _same_image(thumb(frame), thumb(moved))


@pytest.mark.slow
def test_slow_motion_export_is_timed_without_being_told_its_rate():
    """A 240 fps capture saved the way phones do (every frame, a 30 fps container, the real rate nowhere in the file),
    analysed without --fps: the slow motion is recognised and the events land where the rendered truth puts them,
    within 17 ms of real time (4 frames)."""
    from formcheck.evaluation.degrade import degraded_clip, slow_motion_export
    from formcheck.evaluation.events import load_labels, score_track
    from formcheck.evaluation.track_cache import cached_pose_track, default_cache_dir
    from formcheck.synth.render import truth_path_for
    from formcheck.synth.scenarios import render_scenario

    video = render_scenario("fps240", default_cache_dir() / "scenarios")  # reused by benchmarks/eval_events.py
    out = degraded_clip(video, load_labels(truth_path_for(video)), slow_motion_export(240.0))
    track = cached_pose_track(out.path)
    assert track.fps == pytest.approx(30.0)
    result = analyze_track(track)
    assert result.quality["time_base"]["slow_motion_factor"] == pytest.approx(8.0, rel=0.05)
    assert result.summary["cadence_spm"] is None  # a cadence from an estimated rate would be circular
    score = score_track("fps240/slowmo8x", out.labels, track)
    ic, to = score.scores[("ic", "both")], score.scores[("to", "both")]
    assert out.labels.tolerance_frames == pytest.approx(4.08)
    assert ic.hits >= 7 and to.hits >= 7 and ic.spurious == to.spurious == 0, (ic, to)  # 8/8 and 8/8 when written


@pytest.mark.parametrize(("cadence_spm", "capture_fps"), [(180.0, 60.0), (190.0, 50.0)])
def test_a_run_at_2x_slow_motion_is_recognised_by_its_shape(cadence_spm: float, capture_fps: float) -> None:
    """A runner filmed at 50 or 60 fps and stored at half that strides 1.26-1.33 s of the file, under the 1.35 s no walk
    reaches; a randomised render's phone copy (179 steps/min, 2x) was analysed at half its cadence. The gait's shape
    (pelvis lowest with the legs together, no double support) says running, and no runner strides over 1 s."""
    filmed = to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": capture_fps, "cadence_spm": cadence_spm})),
                           noise_px=0.5, seed=1)
    slow = stored_at(filmed, capture_fps / 2)
    _, tb = real_time_track(slow)
    assert 1.0 < tb.stride_s < SLOW_MOTION_MIN_STRIDE_S
    assert tb.slow_motion and tb.slow_motion_factor == pytest.approx(120.0 / cadence_spm / 0.72 * 2, rel=0.05)
    _, as_filmed = real_time_track(filmed)
    assert not as_filmed.slow_motion


def test_a_still_picture_saved_as_a_video_is_told_so(track):
    """A photo exported as a 5 s MP4: every frame repeats the first image. It was told "no complete step found in 0.0 s
    of running" (a newcomer's test); the picture never changing is what to say."""
    from formcheck.analysis import AnalysisError

    n = 150
    rows = np.zeros(n, dtype=int)  # the first pose on every frame
    still = replace(
        track, keypoints_px=track.keypoints_px[rows], depth_px=track.depth_px[rows], visibility=track.visibility[rows],
        presence=track.presence[rows], world_m=track.world_m[rows], timestamps_s=np.arange(n) / 30.0,
        frame_indices=np.arange(n), fps=30.0, info={**track.info, "repeated_frames": list(range(1, n)), "video_fps": 30.0},
    )
    with pytest.raises(AnalysisError, match=r"the picture never changes \(150 frames show one image\)"):
        analyze_track(still)


def test_a_short_moving_clip_shown_twice_over_is_not_called_a_still(track):
    """9 moving images, each shown twice: too short to analyse, but not a still picture (a reviewer's catch)."""
    from formcheck.analysis import AnalysisError

    rows = np.repeat(np.arange(9), 2)
    n = len(rows)
    short = replace(
        track, keypoints_px=track.keypoints_px[rows], depth_px=track.depth_px[rows], visibility=track.visibility[rows],
        presence=track.presence[rows], world_m=track.world_m[rows], timestamps_s=np.arange(n) / 30.0,
        frame_indices=np.arange(n), fps=30.0, info={**track.info, "repeated_frames": list(range(1, n, 2)), "video_fps": 30.0},
    )
    with pytest.raises(AnalysisError) as refused:
        analyze_track(short)
    assert "never changes" not in str(refused.value)


def _converted_to_25(track30):
    """A 30 fps track converted to 25 fps as ffmpeg -r 25 does it: every 6th image left out, the rest shown 1/25 s
    apart (so the images' own times, 1/30 s apart with a 2/30 s gap after each 5th, are lost)."""
    keep = np.flatnonzero(np.arange(track30.n_frames) % 6 != 5)
    out = track30.take(keep)
    return replace(out, timestamps_s=np.arange(len(keep)) / 25.0, frame_indices=np.arange(len(keep)), fps=25.0,
                   info={**out.info, "video_fps": 25.0}), track30.timestamps_s[keep]


@pytest.mark.parametrize("cadence", [170.0, 158.0])
def test_images_a_conversion_left_out_are_found_and_put_back_at_their_times(cadence):
    """A runner filmed at 30 fps (10 s) converted to 25 fps: the interval after each 5th kept image holds two of the
    camera's intervals, its legs moving twice as far. Found at period 5 and that phase, and the track re-timed: each
    interval as long as the camera's to within 1 ms (the first and last image kept where they were). The 30 fps track itself, and
    the same images at their real (uneven) times, a variable-frame-rate recording, show no such thing."""
    from formcheck.timebase import dropped_image_intervals, with_dropped_images_retimed

    track30 = to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": 30.0, "duration_s": 10.0, "cadence_spm": cadence})),
                            noise_px=0.5, seed=2)
    converted, capture_times = _converted_to_25(track30)
    found = dropped_image_intervals(converted)
    assert found is not None and (found.period, found.phase) == (5, 4)
    retimed = with_dropped_images_retimed(converted, found)
    assert retimed.timestamps_s[0] == converted.timestamps_s[0] and retimed.timestamps_s[-1] == converted.timestamps_s[-1]
    # each interval as long as the camera's (1/30 s, or 2/30 s where an image is missing) to within 1 ms; the
    # converted file's own intervals (1/25 s each) are 7-27 ms off
    assert np.abs(np.diff(retimed.timestamps_s) - np.diff(capture_times)).max() < 0.001
    assert np.abs(np.diff(converted.timestamps_s) - np.diff(capture_times)).max() > 0.005
    assert dropped_image_intervals(track30) is None
    assert dropped_image_intervals(replace(converted, timestamps_s=capture_times)) is None


def test_a_clip_that_lost_images_to_a_conversion_is_warned_and_its_steps_next_to_them_doubted():
    """analyze_track on the converted runner: the warning, the time base noted, and steps whose contact or toe-off
    is next to a missing image left out of the medians (their timing doubted, as at any missing frame)."""
    track30 = to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": 30.0, "duration_s": 10.0})), noise_px=0.5, seed=2)
    analysis = analyze_track(_converted_to_25(track30)[0])
    assert any("converted from another frame rate by leaving images out (one in every 6 images)" in w
               for w in analysis.quality["warnings"])
    assert analysis.quality["time_base"]["images_left_out"]["every_nth_interval"] == 5
    doubted = [s for s in analysis.result.steps if s.timing_uncertain]
    assert 0 < len(doubted) < len(analysis.result.steps)
    assert analyze_track(track30).quality.get("time_base") is None


def test_a_long_converted_clip_is_judged_without_overflow():
    """The chance of the spikes is summed in logs: a 5-minute converted clip (1500 intervals a phase at period 5) had
    its binomial terms overflow a float (a reviewer's test)."""
    from formcheck.timebase import _binomial_tail, dropped_image_intervals

    assert _binomial_tail(600, 1100, 0.05) == pytest.approx(0.0, abs=1e-300)
    assert _binomial_tail(3, 10, 0.2) == pytest.approx(0.3222004736)  # 1 - P(0..2) by hand
    track30 = to_pose_track(simulate_gait(GaitParams(**{**PARAMS, "fps": 30.0, "duration_s": 300.0})), noise_px=0.5, seed=2)
    found = dropped_image_intervals(_converted_to_25(track30)[0])
    assert found is not None and found.period == 5
