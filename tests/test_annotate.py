"""Annotators draw where the landmarks are; the annotated clip keeps the input's frames and timing."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.annotate import (
    ComLineAnnotator,
    ContactAnnotator,
    PanelAnnotator,
    SkeletonAnnotator,
    ThighAngleAnnotator,
    annotate_frame,
)
from formcheck.annotated_clip import StillSpec, write_annotated
from formcheck.com import segment_weighted_com
from formcheck.geometry import hip_midpoint
from formcheck.overlay import BAD, GOOD, WARN, OverlayData, StepMarks, Style, findings_grader
from formcheck.video import H264Writer, probe_video

SIZE = 720  # square test frames: Style.for_image gives 4-px lines
BG = (90, 90, 90)


def figure() -> np.ndarray:
    """(33, 2) side-view runner facing LEFT, left (near) leg landing ahead, right leg behind."""
    k = np.zeros((lm.N_LANDMARKS, 2))
    k[:] = (360, 150)  # face landmarks
    pts = {
        "left_ear": (355, 150), "right_ear": (365, 150), "nose": (340, 155),
        "left_shoulder": (355, 220), "right_shoulder": (365, 220),
        "left_elbow": (320, 290), "right_elbow": (400, 290),
        "left_wrist": (290, 250), "right_wrist": (420, 340),
        "left_index": (280, 240), "right_index": (430, 350), "left_pinky": (282, 245), "right_pinky": (428, 352),
        "left_thumb": (285, 240), "right_thumb": (425, 345),
        "left_hip": (355, 400), "right_hip": (365, 400),
        "left_knee": (300, 520), "right_knee": (430, 510),
        "left_ankle": (250, 640), "right_ankle": (500, 600),
        "left_heel": (240, 660), "right_heel": (515, 610),
        "left_foot_index": (200, 665), "right_foot_index": (540, 630),
    }
    for name, xy in pts.items():
        k[lm.INDEX[name]] = xy
    return k


def overlay(n_frames: int = 20, contacts: tuple[int, ...] = (5,), **kw) -> OverlayData:
    k = np.repeat(figure()[None], n_frames, axis=0)
    com = segment_weighted_com(k)
    heel = k[0, lm.LEFT_HEEL]
    steps = tuple(
        StepMarks(number=i + 1, side="left", contact_frame=c, toe_off_frame=c + 6, foot_xy=(heel[0], heel[1]),
                  com_x=float(com[0, 0]), overstride_pct=30.0, overstride_cm=20.0, hip_extension_deg=12.0,
                  peak_hip_extension_deg=14.0, flags=("overstride",))
        for i, c in enumerate(contacts)
    )
    args = dict(image_size=(SIZE, SIZE), frame_indices=np.arange(n_frames), keypoints=k, com=com, hip=hip_midpoint(k),
                facing="left", near_side="left", steps=steps, fps=25.0, cadence_spm=170.0)
    args.update(kw)
    return OverlayData(**args)


def blank() -> np.ndarray:
    return np.full((SIZE, SIZE, 3), BG, dtype=np.uint8)


def color_at(img: np.ndarray, xy) -> tuple[int, int, int]:
    return tuple(int(v) for v in img[int(round(xy[1])), int(round(xy[0]))])


def test_skeleton_pixels_sit_on_the_landmarks():
    data = overlay()
    ctx = data.context(0)
    style = ctx.style
    img = SkeletonAnnotator().annotate(blank(), ctx)
    k = figure()
    # joints and bone midpoints of the near (left) leg are drawn in the near-leg colour
    for name in ("left_knee", "left_ankle"):
        assert color_at(img, k[lm.INDEX[name]]) == style.near_leg
    assert color_at(img, (k[lm.LEFT_HIP] + k[lm.LEFT_KNEE]) / 2) == style.near_leg
    assert color_at(img, (k[lm.LEFT_KNEE] + k[lm.LEFT_ANKLE]) / 2) == style.near_leg
    # the far leg in its own colour, thinner
    mid_far = (k[lm.RIGHT_KNEE] + k[lm.RIGHT_ANKLE]) / 2
    assert color_at(img, mid_far) == style.far_leg
    assert style.thin < style.line
    # off the skeleton: untouched background
    assert color_at(img, (100, 100)) == BG
    assert color_at(img, mid_far + (0, 2 * style.line)) == BG
    # the near leg is drawn on top: no far-leg pixels where they would cross, and sides are not mixed
    assert color_at(img, (k[lm.RIGHT_HIP] + k[lm.RIGHT_KNEE]) / 2) != style.near_leg


def test_far_leg_follows_near_side():
    data = overlay(near_side="right", facing="right")
    ctx = data.context(0)
    img = SkeletonAnnotator().annotate(blank(), ctx)
    k = figure()
    assert color_at(img, (k[lm.LEFT_KNEE] + k[lm.LEFT_ANKLE]) / 2) == ctx.style.far_leg
    assert color_at(img, (k[lm.RIGHT_KNEE] + k[lm.RIGHT_ANKLE]) / 2) == ctx.style.near_leg


def test_com_line_is_vertical_at_com_x():
    data = overlay()
    ctx = data.context(0)
    img = ComLineAnnotator(hip_tick=False).annotate(blank(), ctx)
    x = int(round(data.com[0, 0]))
    com_color = np.array(ctx.style.com)
    for y in (3, 300, SIZE - 3):
        row = img[y].astype(int)
        hits = np.flatnonzero((np.abs(row - com_color).sum(axis=1) < 30))
        assert hits.size and abs(hits.mean() - data.com[0, 0]) <= 1.0, y
    assert color_at(img, (x + 3 * ctx.style.line, 10)) == BG


def test_contact_marker_and_distance_bar_only_near_contact():
    data = overlay(n_frames=40, contacts=(5,), grader=lambda m, v: BAD)
    heel = figure()[lm.LEFT_HEEL]
    com_x = data.com[0, 0]
    ctx = data.context(5)
    assert ctx.contact is not None and ctx.contact_age == 0
    img = ContactAnnotator().annotate(blank(), ctx)
    red = ctx.style.grade_color(BAD)
    assert color_at(img, heel) == red
    assert color_at(img, ((heel[0] + com_x) / 2, heel[1])) == red  # bar at foot level between COM and heel
    # the foot 60 px from the bottom: no room below the bar, the label above it
    assert (img[: int(heel[1]) - 4 * ctx.style.line] != BG).any()
    # with room, below the bar, off the shoe that lands above it (a newcomer's test)
    tall = ContactAnnotator().annotate(np.full((SIZE + 200, SIZE, 3), BG, dtype=np.uint8), ctx)
    above = np.delete(tall[: int(heel[1]) - 4 * ctx.style.line], np.s_[int(com_x) - 3 * ctx.style.line: int(com_x) + 3 * ctx.style.line], axis=1)
    assert (tall[int(heel[1]) + 4 * ctx.style.line:] != BG).any() and (above == BG).all()  # above: the COM's dashes only
    # still shown a little after contact, gone a second later
    assert data.context(6).contact is not None
    assert data.context(30).contact is None
    late = ContactAnnotator().annotate(blank(), data.context(30))
    assert (late == BG).all()


def test_thigh_arc_drawn_around_toe_off_only():
    data = overlay(n_frames=40, contacts=(5,))
    assert data.context(11).toe_off is not None  # toe-off frame 11
    assert data.context(0).toe_off is None
    img = ThighAngleAnnotator().annotate(blank(), data.context(11))
    assert (img != BG).any()
    assert (ThighAngleAnnotator().annotate(blank(), data.context(0)) == BG).all()


def test_panel_colours_follow_findings_thresholds(monkeypatch):
    from formcheck import findings

    grade = findings_grader()
    lo, mid, _hi = findings.OVERSTRIDE_PCT_LEG
    assert grade("overstride_pct", lo - 1) == GOOD
    assert grade("overstride_pct", (lo + mid) / 2) == WARN
    assert grade("overstride_pct", mid + 1) == BAD
    assert grade("hip_extension_deg", findings.HIP_EXTENSION_LIMITED_DEG[0] + 1) == GOOD
    assert grade("cadence_spm", findings.CADENCE_LOW_SPM[-1] - 1) == BAD
    # limits are read from the one findings table, not copied
    from dataclasses import replace

    monkeypatch.setitem(findings.FINDING_SPECS, "overstride", replace(findings.FINDING_SPECS["overstride"], limits=(50.0, 60.0, 70.0)))
    assert grade("overstride_pct", mid + 1) == GOOD
    # the panel draws something legible in the top-left corner only
    img = PanelAnnotator().annotate(blank(), overlay().context(10))
    ys, xs = np.nonzero((img != BG).any(axis=2))
    assert xs.max() < SIZE * 0.75 and ys.max() < SIZE * 0.6


@pytest.fixture
def drawn(monkeypatch) -> list[tuple[str, tuple[int, int, int]]]:
    """Every (text, colour) the annotators put on a frame from here on."""
    from formcheck import annotate

    texts: list[tuple[str, tuple[int, int, int]]] = []
    real = annotate.put_text

    def recording(image, text, org, color, style, scale=1.0):
        texts.append((text, tuple(color)))
        return real(image, text, org, color, style, scale)

    monkeypatch.setattr(annotate, "put_text", recording)
    return texts


def test_the_panel_gives_the_shank_angle_at_contact_graded(drawn):
    """The shank-reaching finding's still showed overstride and hip extension but no shank angle (a newcomer's test)."""
    import dataclasses

    from formcheck import findings

    reaching = findings.FINDING_SPECS["shank_reaching"].limits[-1] + 2.0
    data = overlay(grader=findings_grader())
    data = dataclasses.replace(data, steps=(dataclasses.replace(data.steps[0], shank_angle_deg=reaching),))
    ctx = data.context(10)
    PanelAnnotator().annotate(blank(), ctx)
    texts = dict(drawn)
    assert f"{reaching:+.0f}°" in texts and "Shank at contact " in texts
    assert texts[f"{reaching:+.0f}°"] == tuple(ctx.style.grades[WARN])  # the finding's one level: mild
    drawn.clear()
    PanelAnnotator().annotate(blank(), overlay().context(10))  # no shank angle measured: no row
    assert "Shank at contact " not in dict(drawn)


def test_the_panel_gives_the_ground_contact_time_graded(drawn):
    """The long-contact finding's stills showed no contact time (a newcomer's test): the panel gives each step's, graded
    by that finding's limit, and none where it is not measured (slow motion without its real rate)."""
    import dataclasses

    from formcheck import findings

    data = overlay(grader=findings_grader())
    limit = findings.FINDING_SPECS["long_contact"].limits[0]
    for contact_s, grade in ((limit + 0.04, WARN), (limit - 0.06, GOOD)):
        drawn.clear()
        ctx = dataclasses.replace(data, steps=(dataclasses.replace(data.steps[0], contact_time_s=contact_s),)).context(10)
        PanelAnnotator().annotate(blank(), ctx)
        texts = dict(drawn)
        assert "Ground contact " in texts and texts[f"{1000 * contact_s:.0f} ms"] == tuple(ctx.style.grades[grade])
    drawn.clear()
    PanelAnnotator().annotate(blank(), data.context(10))
    assert "Ground contact " not in dict(drawn)


def test_style_scales_with_image():
    small, big = Style.for_image(720, 1280), Style.for_image(1440, 2560)
    assert big.line > small.line and big.font_scale == pytest.approx(2 * small.font_scale)


def test_frames_without_pose_are_left_alone():
    data = overlay()
    k = data.keypoints.copy()
    k[3] = np.nan
    data = overlay(keypoints=k, com=segment_weighted_com(k), hip=hip_midpoint(k), steps=())
    img = annotate_frame(blank(), data.context(3), [SkeletonAnnotator(), ComLineAnnotator(), ContactAnnotator(), ThighAngleAnnotator()])
    assert (img == BG).all()
    assert data.context(99).row == -1  # frame outside the track


# --------------------------------------------------------------------------- clip writing
def synthetic_clip(path: Path, n: int = 20, fps: float = 25.0) -> Path:
    with H264Writer(path, fps, (SIZE // 4, SIZE // 4), crf=30, preset="ultrafast") as w:
        for i in range(n):
            frame = np.full((SIZE // 4, SIZE // 4, 3), 40 + 8 * i, dtype=np.uint8)
            w.write(frame, time_s=i / fps)
    return path


def small_overlay(n: int, contacts=(5,)) -> OverlayData:
    d = overlay(n_frames=n, contacts=contacts)
    return d.scaled(0.25)


def decoded(path: Path) -> tuple[str, str, int, float]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = list(c.decode(s))
        return s.codec_context.name, s.codec_context.pix_fmt, len(frames), float(frames[-1].time - frames[0].time)


def test_clip_is_h264_with_input_frames_and_timing(tmp_path):
    src = synthetic_clip(tmp_path / "in.mp4")
    out = write_annotated(src, small_overlay(20), clip_path=tmp_path / "annotated.mp4",
                          stills=[StillSpec("contact", small_overlay(20).steps[0], "contact")], stills_dir=tmp_path / "stills")
    codec, pix, n, span = decoded(out.clip)
    codec_in, _, n_in, span_in = decoded(src)
    assert (codec, pix) == ("h264", "yuv420p")
    assert n == n_in == out.frames_written == 20
    assert span == pytest.approx(span_in, abs=1e-3)
    assert probe_video(out.clip).fps == pytest.approx(25.0, rel=1e-3)
    assert out.stills["contact"].is_file()
    assert not list(tmp_path.glob("*.partial*")) and not list((tmp_path / "stills").glob("*.partial*"))
    # the report's JPEG, made with the still, is the one the report would make from the PNG written
    from formcheck.stills import preview_jpeg

    assert out.previews == {"contact": preview_jpeg(cv2.imread(str(out.stills["contact"])))}


def test_slowmo_holds_each_contact_frame(tmp_path):
    src = synthetic_clip(tmp_path / "in.mp4")
    out = write_annotated(src, small_overlay(20, contacts=(5, 12)), clip_path=tmp_path / "slow.mp4", slowmo_contacts=3)
    _, _, n, span = decoded(out.clip)
    assert n == 20 + 2 * 3
    assert span == pytest.approx(25 / 25.0, abs=1e-3)  # 19 intervals + 6 held frames, 1/25 s each
    with av.open(str(out.clip)) as c:
        imgs = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    # frames 5..8 of the output are the same (held) picture, frame 9 is the next input frame
    assert all(np.abs(imgs[5].astype(int) - imgs[j]).mean() < 1 for j in (6, 7, 8))
    assert np.abs(imgs[5].astype(int) - imgs[9]).mean() > 2


def test_scale_option_resizes_clip(tmp_path):
    src = synthetic_clip(tmp_path / "in.mp4")
    out = write_annotated(src, small_overlay(20), clip_path=tmp_path / "half.mp4", scale=0.5)
    info = probe_video(out.clip)
    assert (info.width, info.height) == (SIZE // 8, SIZE // 8)


def test_no_partial_file_when_writing_fails(tmp_path):
    src = synthetic_clip(tmp_path / "in.mp4")

    class Boom:
        def annotate(self, image, ctx):
            if ctx.frame_index == 10:
                raise RuntimeError("boom")
            return image

    with pytest.raises(RuntimeError, match="boom"):
        write_annotated(src, small_overlay(20), clip_path=tmp_path / "annotated.mp4",
                        annotators=[Boom()])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_a_still_that_cannot_be_written_fails_the_run_and_leaves_no_image(tmp_path, monkeypatch):
    """Stills are compressed on a thread of their own: its failure still reaches the caller, and the clip is not kept.
    A full disk arrives as the OSError that says so (cv2.imwrite only said False: the CLI called it an internal error)."""
    import errno
    from pathlib import Path

    src = synthetic_clip(tmp_path / "in.mp4")

    def full_disk(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    spec = StillSpec("contact", small_overlay(20).steps[0], "contact")
    with pytest.raises(OSError, match="No space left on device") as failed:
        write_annotated(src, small_overlay(20), clip_path=tmp_path / "annotated.mp4", stills=[spec], stills_dir=tmp_path / "stills")
    assert failed.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "stills"]
    assert not list((tmp_path / "stills").iterdir())


def test_slow_motion_clip_is_annotated_over_its_whole_length(tmp_path):
    """A 240 fps capture saved as 8x slow motion, analysed without --fps: the analysis runs on the real time base
    (re-timed 7.8x), the annotated clip still covers every analysed frame of the file, and its stills are drawn (it
    covered the first 92 of 720 frames: the analysed track's clock was taken for the file's)."""
    from dataclasses import replace

    from formcheck.analysis import analyze_track
    from formcheck.annotated_clip import write_annotated_outputs
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    size, fps_file = (160, 120), 30.0
    gait = simulate_gait(GaitParams(fps=240.0, duration_s=3.0, image_size=size, cadence_spm=170.0, speed_m_s=3.0,
                                    facing="left", treadmill=True, seed=0))
    real = to_pose_track(gait, noise_px=0.2, seed=1)
    n = real.n_frames
    video = tmp_path / "slowmo.mp4"
    with H264Writer(video, fps_file, size, crf=35, preset="ultrafast") as w:
        for i in range(n):
            w.write(np.full((size[1], size[0], 3), 60, dtype=np.uint8), time_s=i / fps_file)
    stored = replace(real, timestamps_s=np.arange(n) / fps_file, fps=fps_file, source=str(video),
                     info={**real.info, "video_fps": fps_file})
    analysis = analyze_track(stored)
    assert any("slow motion" in w for w in analysis.quality["warnings"])
    out = write_annotated_outputs(video, analysis, tmp_path / "out")
    first, last = int(analysis.raw_track.frame_indices[0]), int(analysis.raw_track.frame_indices[-1])
    assert decoded(out.clip)[2] == last - first + 1 >= 0.9 * n
    assert {"contact", "toe_off"} <= set(out.stills)


# --------------------------------------------------------------------------- real clip, end to end
def test_treadmill_end_to_end(tmp_path, shared_videos, treadmill_track):
    from formcheck.analysis import analyze_track
    from formcheck.annotated_clip import write_annotated_outputs

    analysis = analyze_track(treadmill_track)
    video = shared_videos / "treadmill_side_01.mp4"
    out = write_annotated_outputs(video, analysis, tmp_path, scale=0.5)
    assert out.clip == tmp_path / "annotated.mp4"
    codec, pix, n, span = decoded(out.clip)
    _, _, n_in, span_in = decoded(video)
    assert (codec, pix, n) == ("h264", "yuv420p", n_in)
    assert span == pytest.approx(span_in, abs=1e-3)
    assert {"contact", "toe_off"} <= set(out.stills)
    for f in analysis.findings:
        if f.severity != "info" and f.code in ("overstride", "limited_hip_extension"):
            assert f"{f.code}_{f.side}" in out.stills
    import cv2

    still = cv2.imread(str(out.stills["contact"]))
    assert still.shape[:2] == (1280, 720)  # stills at full resolution
    preview = cv2.imdecode(np.frombuffer(out.previews["contact"], np.uint8), cv2.IMREAD_COLOR)
    assert preview.shape[:2] == (960, 540)  # the report's copy, 960 px on its long side


def test_contact_marker_at_the_measured_landing_point():
    """The contact bar ends where the analysis says the foot landed, not at the heel of the contact frame.

    Synthetic runner at 30 fps on a 3 m/s belt (one frame of heel travel = 11.6 % leg): the marker's distance
    ahead of that frame's COM is compared with the TRUE overstride at the continuous contact instant. Measured:
    within 0.8 % leg on every step; the heel drawn in the contact frame (what the bar used to end at) is 2-11 %
    leg behind it."""
    from formcheck.analysis import analyze_track
    from formcheck.overlay import overlay_from_analysis
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    gait = simulate_gait(GaitParams(fps=30.0, duration_s=6.0))
    analysis = analyze_track(to_pose_track(gait))
    data = overlay_from_analysis(analysis)
    leg_px = gait.truth["leg_length_px"]
    fwd = -1.0 if analysis.facing == "left" else 1.0
    n = gait.truth["n_frames"]
    marker_err, heel_err = [], []
    for st in gait.truth["steps"]:
        if not 5 <= st["contact_frame"] <= n - 6:
            continue
        mark = min((m for m in data.steps if m.side == st["side"]), key=lambda m: abs(m.contact_frame - st["contact_frame"]))
        row = data.row_of(mark.contact_frame)
        heel_x = data.keypoints[row, lm.LEG[mark.side]["heel"], 0]
        truth = st["overstride_pct_leg_exact"]
        marker_err.append(100 * fwd * (mark.foot_xy[0] - mark.com_x) / leg_px[mark.side] - truth)
        heel_err.append(100 * fwd * (heel_x - mark.com_x) / leg_px[mark.side] - truth)
    assert len(marker_err) >= 10
    assert np.max(np.abs(marker_err)) <= 1.0, marker_err
    assert np.max(np.abs(heel_err)) > 3.0, heel_err  # the frame's own heel really is off: the test has teeth


def test_steps_of_a_borderline_finding_get_no_red_flag():
    """A trimmed run's clip drew "! LONG CONTACT" on steps of a finding its report called borderline (a newcomer's
    test): a borderline finding is neither stated nor absent, so only stated findings flag their steps."""
    import dataclasses

    from formcheck.analysis import analyze_track
    from formcheck.overlay import overlay_from_analysis
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    a = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=6, overstride_pct_leg=30))))
    stated = [f for f in a.result.findings if f.code == "overstride" and not f.borderline]
    assert stated and any("overstride" in m.flags for m in overlay_from_analysis(a).steps)
    findings = tuple(dataclasses.replace(f, severity="borderline") if f.code == "overstride" else f for f in a.result.findings)
    doubted = dataclasses.replace(a, result=dataclasses.replace(a.result, findings=findings))
    assert not any("overstride" in m.flags for m in overlay_from_analysis(doubted).steps)


def test_a_step_left_out_of_the_medians_gets_no_flag_and_says_why():
    """The report greys a timing-uncertain step; the clip flagged it "! SHANK REACHING" like any other (a newcomer's
    test). It now gets no flag, and its panel says it was not counted."""
    import dataclasses

    from formcheck.analysis import analyze_track
    from formcheck.overlay import overlay_from_analysis
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    a = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=6, overstride_pct_leg=30))))
    flagged = [i for i, m in enumerate(overlay_from_analysis(a).steps) if m.flags]
    assert flagged
    steps = tuple(dataclasses.replace(s, timing_uncertain=True) if i == flagged[0] else s for i, s in enumerate(a.result.steps))
    doubted = overlay_from_analysis(dataclasses.replace(a, result=dataclasses.replace(a.result, steps=steps))).steps
    assert doubted[flagged[0]].flags == () and doubted[flagged[0]].timing_uncertain
    assert all(doubted[i].flags for i in flagged[1:])
    assert not doubted[flagged[0]].counted  # its leg has 3 or more certain steps left: out of the medians
    # every step of its leg uncertain: the medians take them all (formcheck.metrics.counted_steps), so none is "not counted"
    leg = a.result.steps[flagged[0]].side
    all_doubted = tuple(dataclasses.replace(s, timing_uncertain=True) if s.side == leg else s for s in a.result.steps)
    marks = overlay_from_analysis(dataclasses.replace(a, result=dataclasses.replace(a.result, steps=all_doubted))).steps
    assert all(m.timing_uncertain and m.counted for m in marks if m.side == leg)
