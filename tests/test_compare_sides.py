"""compare refuses runs that cannot be compared (unless forced) and compares legs right when the camera side differs.

Known cases: a clip compared with its own mirror image is the same running (the mirror's near leg is labelled
"right" by MediaPipe, as measured on treadmill_side_01 flipped with PyAV: every near/far and pooled row equal within
noise); a synthetic runner at 150 against 185 steps/min, or filmed at a third of the size, is a different pace or a
different camera by construction; a result marked walking is walking.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import analyze_track
from formcheck.compare import NotComparableError, compare
from formcheck.pose_track import PoseTrack
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track


def mirrored(track: PoseTrack) -> PoseTrack:
    """The track of the clip flipped left-right: x mirrored, and left/right labels exchanged as MediaPipe does for the
    mirror image (a runner facing the other way, whose near leg is their right)."""
    w, _ = track.image_size
    names = lm.LANDMARK_NAMES
    perm = [names.index(n.replace("left", "@").replace("right", "left").replace("@", "right")) for n in names]
    k = track.keypoints_px.copy()
    k[..., 0] = w - 1 - k[..., 0]
    world = track.world_m.copy()
    world[..., 0] *= -1
    return dataclasses.replace(track, keypoints_px=k[:, perm], world_m=world[:, perm], depth_px=track.depth_px[:, perm],
                               visibility=track.visibility[:, perm], presence=track.presence[:, perm])


@pytest.fixture(scope="module")
def runner():
    return analyze_track(to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=6, overstride_pct_leg=18)), noise_px=1.0)).result


def test_a_mirrored_clip_compares_as_no_change_near_with_near(runner):
    """Before: only left/right/both rows, so the near leg (left) was compared with the mirror's far leg. Now, filmed
    from opposite sides, 'near' and 'far' rows compare like with like: no change, difference 0; 'left'/'right' still
    compare the anatomical legs, which in a mirror image are the other leg."""
    track = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=6, overstride_pct_leg=18)), noise_px=1.0)
    flipped = analyze_track(mirrored(track)).result
    assert (runner.facing, flipped.facing, runner.near_side, flipped.near_side) == ("left", "right", "left", "right")
    c = compare(runner, flipped)
    for metric in ("overstride_pct_leg", "hip_extension_deg", "peak_hip_extension_deg", "shank_angle_deg"):
        for side in ("near", "far", "both"):
            ch = c.change(metric, side)
            assert ch.verdict == "no clear change" and ch.difference == pytest.approx(0.0, abs=1e-6), (metric, side)
        assert c.change(metric, "left").before_median == c.change(metric, "near").before_median
        assert c.change(metric, "left").after_median == c.change(metric, "far").after_median
        # the left leg near before and far after: its difference is the view's, so no verdict (a newcomer's mirror
        # copy of treadmill_side_01 read the left leg "improved" and the right "worse")
        assert c.change(metric, "left").verdict == c.change(metric, "right").verdict == "view differs"
    assert any("'near' and 'far' compare like with like" in w for w in c.comparability)
    # nor is a leg's finding new or resolved between the views (the mirror copy had "shank reaching (left)" new)
    seen = compare(_with_findings(runner, ("overstride", "left", None)), _with_findings(flipped, ("overstride", "left", "moderate")))
    assert seen.findings_appeared == [] and seen.findings_resolved == []
    # ... while one found in both clips is still there (a reviewer's catch: it had vanished too)
    both = compare(_with_findings(runner, ("overstride", "left", "mild")), _with_findings(flipped, ("overstride", "left", "moderate")))
    assert both.findings_persisting == ["overstride (left)"]


def test_same_side_runs_get_no_near_far_rows(runner):
    assert {ch.side for ch in compare(runner, runner).changes} == {"left", "right", "both"}


def _with_findings(result, *severities_by_code):
    """``result`` with its findings replaced: (code, side, severity) each; severity None leaves it out."""
    from formcheck.findings import Finding

    findings = [Finding(code, code, sev, side, 15.0, 15.0, interval=(12.0, 18.0) if sev == "borderline" else None)
                for code, side, sev in severities_by_code if sev is not None]
    return dataclasses.replace(result, findings=findings)


@pytest.mark.parametrize(("before", "after", "new", "resolved", "persisting", "borderline"), [
    ("borderline", None, [], [], [], ["overstride (left)"]),  # the review: this was "resolved"
    (None, "borderline", [], [], [], ["overstride (left)"]),  # ... and this "new"
    ("borderline", "mild", [], [], [], ["overstride (left)"]),
    ("mild", "borderline", [], [], [], ["overstride (left)"]),
    ("mild", None, [], ["overstride (left)"], [], []),  # clear changes are still counted
    (None, "moderate", ["overstride (left)"], [], [], []),
    ("mild", "moderate", [], [], ["overstride (left)"], []),
])
def test_borderline_findings_are_not_counted_as_new_or_resolved(runner, before, after, new, resolved, persisting, borderline):
    b = _with_findings(runner, ("overstride", "left", before), ("low_cadence", None, "mild"))
    a = _with_findings(runner, ("overstride", "left", after), ("low_cadence", None, "mild"))
    c = compare(b, a)
    assert (c.findings_appeared, c.findings_resolved, c.findings_borderline) == (new, resolved, borderline)
    assert c.findings_persisting == sorted(persisting + ["low_cadence"])
    assert c.to_dict()["findings"]["borderline"] == borderline
    # what each was in either run, which the name alone hid (a newcomer: borderline before, mild after)
    states = {name: {"before": before or "none", "after": after or "none"} for name in borderline}
    assert c.to_dict()["findings"]["borderline_states"] == states
    assert c.borderline_shown() == [f"{name}: {before or 'none'} before, {after or 'none'} after" for name in borderline]


def _walking(result):
    return dataclasses.replace(result, summary=dataclasses.replace(result.summary, walking=True, cadence_spm=113.0))


def test_walking_against_running_is_refused_unless_forced(runner):
    """The issue: a walk (113 steps/min) against a run (169) came out 'improved' six times under a warning."""
    with pytest.raises(NotComparableError, match="walking and running form cannot be compared") as exc:
        compare(_walking(runner), runner)
    assert "cadence 113 vs" in str(exc.value) and "--force" in str(exc.value)
    forced = compare(_walking(runner), runner, force=True)
    assert forced.comparability[0].startswith("compared although before is walking")


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_a_different_pace_and_a_different_scale_are_refused():
    slow = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=6, cadence_spm=150, speed_m_s=2.3)))).result
    fast = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=6, cadence_spm=185, speed_m_s=4.5)))).result
    with pytest.raises(NotComparableError, match=r"cadence 150 vs 185 steps/min \(the higher 23% above the lower\)"):
        compare(slow, fast)
    with pytest.raises(NotComparableError, match=r"cadence 185 vs 150 steps/min \(the higher 23% above the lower\)"):
        compare(fast, slow)
    near = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=6, runner_height_frac=0.7)))).result
    far = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=6, runner_height_frac=0.25)))).result
    ratio = near.quality.leg_height_fraction / far.quality.leg_height_fraction
    assert ratio == pytest.approx(0.7 / 0.25, rel=0.05)
    with pytest.raises(NotComparableError, match="the runner's leg is 235 vs 84 px tall as the pose model saw it"):
        compare(near, far)  # the leg's size in the pixels the model saw (the share of the frame only without them)
    compare(near, near)  # the same clip is comparable


def _at_cadence(result, cadence_spm):
    return dataclasses.replace(result, summary=dataclasses.replace(result.summary, cadence_spm=cadence_spm))


@pytest.mark.parametrize(("before", "after", "refused"), [
    (147.0, 170.0, False), (170.0, 147.0, False),  # the review: refused one way (15.6 % of 147), not the other (13.5 % of 170)
    (150.0, 165.0, False), (165.0, 150.0, False),  # a runner who took the low-cadence cue's +10 %
    (150.0, 180.5, True), (180.5, 150.0, True),  # 1.203: past 1.20 either way
])
def test_the_cadence_rule_is_symmetric_and_lets_the_cue_through(runner, before, after, refused):
    b, a = _at_cadence(runner, before), _at_cadence(runner, after)
    if refused:
        with pytest.raises(NotComparableError, match="a different pace"):
            compare(b, a)
    else:
        c = compare(b, a)
        assert any(w.startswith(f"cadence differs by {max(before, after) / min(before, after) - 1:.0%}") for w in c.comparability)


def test_a_moving_camera_against_a_still_one_is_refused(runner):
    still = dataclasses.replace(runner, quality=dataclasses.replace(runner.quality, camera_motion={"checked": True, "warning": None}))
    moving = dataclasses.replace(runner, quality=dataclasses.replace(runner.quality, camera_motion={
        "checked": True, "warning": "the camera moves (background shifts 9 % of the runner's height a second)"}))
    with pytest.raises(NotComparableError, match="after clip was filmed with a moving camera"):
        compare(still, moving)
    compare(moving, moving)


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_cli_compare_refuses_with_exit_4_and_forces(runner, tmp_path):
    from formcheck.cli import EXIT_NOTHING_TO_ANALYSE

    walk = _walking(runner).write(tmp_path / "walk")["json"]
    run = runner.write(tmp_path / "run")["json"]
    base = [sys.executable, "-m", "formcheck", "compare", str(walk), str(run), "--no-video", "--no-report", "-q"]
    r = subprocess.run([*base, "-o", str(tmp_path / "refused")], capture_output=True, text=True, timeout=300, check=False)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == EXIT_NOTHING_TO_ANALYSE and len(lines) == 1 and "walking" in lines[0], r.stderr
    r = subprocess.run([*base, "--force", "-o", str(tmp_path / "forced")], capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "forced" / "compare.json").is_file()


def test_cli_compare_of_walks_from_pose_tracks(shared_videos, pose_track_of, tmp_path):
    """The review: compare loaded its runs refusing walking (and told the user to add --allow-walking, which compare
    lacks), so its own walking-vs-running rule was unreachable from videos and pose tracks. Now two walks compare,
    a walk against a run is refused by compare's rule (exit 4) unless --force."""
    from typer.testing import CliRunner

    from formcheck.cli import EXIT_NOTHING_TO_ANALYSE, app

    walk = pose_track_of(shared_videos / "walk_side_outdoor_60fps_04.mp4").save(tmp_path / "walk.npz")
    run = pose_track_of(shared_videos / "treadmill_side_01.mp4").save(tmp_path / "run.npz")

    def cli(*args):
        r = CliRunner().invoke(app, ["compare", *args, "--no-video", "--no-report", "-q"])
        return r.exit_code, r.stderr

    code, err = cli(str(walk), str(walk), "-o", str(tmp_path / "walks"))
    assert code == 0, err
    assert (tmp_path / "walks" / "compare.json").is_file()
    code, err = cli(str(walk), str(run), "-o", str(tmp_path / "refused"))
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == EXIT_NOTHING_TO_ANALYSE and len(lines) == 1, err
    assert "before is walking and after is running" in lines[0] and "--force" in lines[0] and "--allow-walking" not in lines[0]
    code, err = cli(str(walk), str(run), "--force", "-o", str(tmp_path / "forced"))
    assert code == 0, err


@pytest.mark.slow
def test_treadmill_clip_against_its_mirror_image(treadmill_track):
    """treadmill_side_01 against its mirrored track: every near, far and pooled row 'no clear change'."""
    a, b = analyze_track(treadmill_track).result, analyze_track(mirrored(treadmill_track)).result
    c = compare(a, b)
    assert all(ch.verdict in ("no clear change", "not measurable") for ch in c.changes if ch.side in ("near", "far", "both"))
    assert np.isclose(c.change("hip_extension_deg", "both").difference, 0.0, atol=1e-6)


def test_the_report_gives_no_cue_for_a_borderline_finding_on_the_normal_side(runner):
    """finding_views: a borderline overstride whose median (14 % leg) is short of its 15 % threshold shows the note and
    no cue or drill; one at 16 % keeps both (a newcomer's test of treadmill_side_01's report)."""
    from formcheck.findings import Finding
    from formcheck.report_view import finding_views

    def view(median):
        f = Finding("overstride", "Overstriding", "borderline", "left", median, 15.0, cue="Land under", drill="Strides",
                    interval=(11.0, 19.0))
        return finding_views(dataclasses.replace(runner, findings=[f]))[0]

    normal, over = view(14.0), view(16.0)
    assert (normal.cue, normal.drill) == ("", "") and normal.note.startswith("Its median is on the normal side")
    assert (over.cue, over.drill) == ("Land under", "Strides")
