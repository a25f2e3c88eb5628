"""Borderline verdicts: a finding whose median's 95 % interval reaches across its threshold says so.

Known values: the order-statistic interval of the median is a textbook table (Conover 1999: n = 10 ->
2nd and 9th values, 97.9 %; n = 16 -> 4th and 13th, 97.9 %); the re-encoded copies of treadmill_side_01
are the same running, so their verdicts must not contradict each other.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from formcheck.findings import FINDING_SPECS, make_findings
from formcheck.metrics import median_ci95, spread
from formcheck.result import AnalysisResult


def test_median_interval_is_the_order_statistic_table():
    v = np.arange(1.0, 11.0)  # 1..10
    assert median_ci95(v) == (2.0, 9.0)
    assert median_ci95(np.arange(1.0, 17.0)) == (4.0, 13.0)
    assert median_ci95(np.array([3.0, 1.0, 2.0])) == (1.0, 3.0)  # too few for 95 %: the range
    assert spread([5.0, None, 1.0, 3.0])["ci95"] == [1.0, 5.0]


def _summary(side_values: dict[str, list[float]], metric: str = "overstride_pct_leg") -> dict:
    out = {}
    for side in ("left", "right"):
        d = {m: {"median": None, "iqr": None, "n": 0} for m in ("overstride_pct_leg", "shank_angle_deg", "peak_hip_extension_deg",
                                                                 "contact_time_s")}
        d[metric] = spread(side_values.get(side, []))
        out[side] = d
    return out


def _steps(side_values: dict[str, list[float]]):
    from formcheck.metrics import StepMetrics

    fields = {f: None for f in StepMetrics.__dataclass_fields__ if f not in ("side", "near", "contact_frame", "visibility",
                                                                             "toe_off_method", "timing_uncertain", "timing_note")}
    return [StepMetrics(side=side, near=side == "left", contact_frame=10 * i, visibility=0.9, toe_off_method="toe_lift",
                        **{**fields, "overstride_pct_leg": v})
            for side, values in side_values.items() for i, v in enumerate(values)]


def test_a_median_just_either_side_of_the_threshold_is_borderline_both_times():
    """The issue's case: the same footage re-encoded gave a left overstride median of 14.3 or 15.3 % leg against the 15 %
    threshold (these steps are treadmill_side_01's spread of 9-21 % leg around it). Before, the first read 'no finding'
    and the second 'mild overstride'; now both are 'borderline', with the interval."""
    spread_steps = [9.4, 10.2, 11.8, 12.6, 13.5, 14.0, 14.9, 15.1, 15.2, 15.7, 16.4, 17.0, 18.3, 19.9, 21.3, 24.0]
    verdicts = []
    for shift in (-0.8, 0.2):
        values = {"left": [v + shift for v in spread_steps], "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
        summary = _summary(values)
        median = summary["left"]["overstride_pct_leg"]["median"]
        assert (median < 15.0) == (shift < 0)
        found = [f for f in make_findings(_steps(values), summary, 170.0, walking=False) if f.code == "overstride"]
        assert [(f.side, f.severity) for f in found] == [("left", "borderline")]
        lo, hi = found[0].interval
        assert lo < 15.0 < hi and found[0].threshold == 15.0 and found[0].value == median
        assert "95 % interval" in found[0].note
        verdicts.append(found[0].severity)
    assert verdicts == ["borderline", "borderline"]


def test_a_borderline_finding_whose_median_is_short_of_the_threshold_gets_no_cue():
    """The same two runs: at 14.2 % leg (under the 15 % threshold) the borderline overstride says its median is on the
    normal side and gives no cue or drill, in the report as on the terminal; at 15.2 % it keeps its cue. A newcomer's
    coach had read treadmill_side_01's borderline shank (median 5 deg against 10) and its cue as something to fix."""
    from formcheck.findings import NORMAL_SIDE_NOTE, median_on_the_normal_side
    from formcheck.report_view import FindingView  # noqa: F401 (the view the report renders)

    spread_steps = [9.4, 10.2, 11.8, 12.6, 13.5, 14.0, 14.9, 15.1, 15.2, 15.7, 16.4, 17.0, 18.3, 19.9, 21.3, 24.0]
    normal = []
    for shift in (-0.8, 0.2):
        values = {"left": [v + shift for v in spread_steps], "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
        found = [f for f in make_findings(_steps(values), _summary(values), 170.0, walking=False) if f.code == "overstride"]
        assert found[0].borderline and found[0].cue
        normal.append(median_on_the_normal_side(found[0]))
    assert normal == [True, False]
    assert "normal side" in NORMAL_SIDE_NOTE


@pytest.mark.parametrize(("left", "name"), [([10.0, 13.0, 17.0, 20.0], "range of 4 steps"), ([10.0, 12.0, 13.0, 17.0, 18.0], "range of 5 steps"),
                                            ([10.0, 12.0, 13.0, 14.0, 17.0, 18.0, 20.0], "95 % interval")])
def test_under_six_steps_the_interval_is_called_the_range(left: list[float], name: str):
    """The review: with 4 steps the "95 % interval" is the steps' range, which covers the median 87.5 % of the time
    (1 - 2 / 2^4); 5 steps 94 %. It is called what it is on the CLI line, the report and the note, and nowhere
    "measurement error" (it is the step-to-step spread of the median)."""
    from formcheck.findings import interval_text
    from formcheck.report_view import _card_verdict, _evidence_text

    values = {"left": left, "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
    found = [f for f in make_findings(_steps(values), _summary(values), 170.0, walking=False) if f.code == "overstride"]
    assert [(f.side, f.severity) for f in found] == [("left", "borderline")]
    f = found[0]
    assert f.n_steps == len(left) and f.interval_name == name
    lo, hi = min(left), max(left)  # n = 7 is still the range, but it covers 1 - 2 / 2^7 = 98.4 %
    assert f.interval == (lo, hi)
    median = f"{f.value:.1f}" if f"{f.value:.0f}" == "15" else f"{f.value:.0f}"  # a decimal where it rounds to the threshold
    assert interval_text(f) == f"median {median} % of leg length, {name} {lo:.0f}-{hi:.0f} (threshold 15 % of leg length)"
    assert name in f.note and name in _evidence_text(f)
    assert ("95 %" in interval_text(f) + f.note + _evidence_text(f)) == (len(left) >= 6)
    card, _ = _card_verdict(False, f.value, f, " overstride", "ok")
    assert "measurement error" not in f.note + card and "borderline" in card.lower()


def test_clear_verdicts_stay_clear():
    """Far past the threshold (interval 26-31 % leg): moderate; far short of it (5-8): no finding."""
    values = {"left": [26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 28.5], "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
    found = [f for f in make_findings(_steps(values), _summary(values), 170.0, walking=False) if f.code == "overstride"]
    assert [(f.side, f.severity) for f in found] == [("left", "moderate")]
    assert found[0].interval == (26.0, 31.0)


def test_a_grade_the_interval_straddles_is_not_given():
    """Median 26.5 % leg with an interval of 24-29 straddles the moderate limit (25): the same footage re-encoded could
    read either grade, so it is the grade the whole interval supports, mild (a newcomer saw the bundled before.mp4's
    far leg called "moderate" at 25 %, interval 23-27, and the report's headline follow it)."""
    values = {"left": [24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 26.5], "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
    found = [f for f in make_findings(_steps(values), _summary(values), 170.0, walking=False) if f.code == "overstride"]
    assert [(f.side, f.severity) for f in found] == [("left", "mild")]
    assert found[0].interval == (24.0, 29.0)
    assert found[0].note.startswith("Between mild and moderate: the median's interval (24-29 % of leg length) reaches "
                                    "across the moderate threshold (25 % of leg length), so the grade is the one it all "
                                    "supports.")


def test_a_median_short_of_a_higher_grade_whose_interval_reaches_it_says_so():
    """Median 22.5 % leg, interval 18-27: mild, and it may be moderate. A newcomer's find: treadmill_side_01's left leg
    (23.1, interval 17-29) was called mild with no word of it; only a median past 25 had the note."""
    values = {"left": [18.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 27.0], "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
    found = [f for f in make_findings(_steps(values), _summary(values), 170.0, walking=False) if f.code == "overstride"]
    assert [(f.side, f.severity, f.value) for f in found] == [("left", "mild", 22.5)]
    assert found[0].interval == (18.0, 27.0)
    assert found[0].note.startswith("Between mild and moderate: the median's interval (18-27 % of leg length) reaches "
                                    "across the moderate threshold (25 % of leg length), so it may be moderate.")


def test_old_analysis_json_loads_and_saves_unchanged_and_new_fields_round_trip():
    """A file from before the interval (no ci95, no interval, severities without borderline) loads and saves unchanged;
    a new one keeps its interval and borderline severity."""
    old = {"facing": "left", "steps": [], "summary": {"left": {"overstride_pct_leg": {"median": 15.3, "iqr": [9.1, 19.9], "n": 16,
                                                                                      "confidence": "high"}}},
           "findings": [{"code": "overstride", "title": "t", "severity": "mild", "side": "left", "value": 15.3, "threshold": 15.0,
                         "evidence": {}, "cue": "", "drill": "", "note": ""}]}
    loaded = AnalysisResult.from_dict(old)
    again = loaded.to_dict()
    assert again["findings"] == old["findings"]
    assert again["summary"]["left"]["overstride_pct_leg"] == old["summary"]["left"]["overstride_pct_leg"]
    new = json.loads(json.dumps(again))
    new["findings"][0].update(severity="borderline", interval=[9.4, 21.3])
    new["summary"]["left"]["overstride_pct_leg"]["ci95"] = [9.4, 21.3]
    back = AnalysisResult.from_dict(new)
    assert back.findings[0].borderline and back.findings[0].interval == (9.4, 21.3)
    assert back.summary.left.metric("overstride_pct_leg").ci95 == (9.4, 21.3)
    assert back.to_dict() == new


# ------------------------------------------------------------------------------------------ re-encoded real clip
def reencode(src: Path, dst: Path, codec: str, bit_rate: int) -> Path:
    """``src`` decoded in display orientation and encoded again with PyAV (one thread: the same bytes every time)."""
    import av

    from formcheck.video import iter_frames, probe_video

    info = probe_video(src)
    with av.open(str(dst), "w") as out:
        stream = out.add_stream(codec, rate=Fraction(info.fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, "yuv420p"
        stream.bit_rate = bit_rate
        stream.options = {"threads": "1"} if codec == "libx264" else {"x265-params": "log-level=error:pools=1:frame-threads=1"}
        for frame in iter_frames(src):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame.rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return dst


def _has_encoder(name: str) -> bool:
    import av

    try:
        av.codec.Codec(name, "w")
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return False
    return True


def verdicts(result: AnalysisResult) -> dict[tuple[str, str | None], str]:
    """(code, side) -> "flagged" | "borderline" for every per-side finding."""
    return {(f.code, f.side): "borderline" if f.borderline else "flagged" for f in result.findings
            if f.code in FINDING_SPECS and FINDING_SPECS[f.code].per_side and f.severity != "info"}


@pytest.mark.slow
def test_re_encoded_copies_never_contradict_each_other(shared_videos, tmp_path):
    """treadmill_side_01 as filmed, and re-encoded as H.264 at 2 and 0.6 Mbit/s and as HEVC at 0.6 Mbit/s (the local
    PyAV has libx265). Its left overstride median read 15.3, 14.3, 12.8 and 15.0 % leg against the 15 % threshold
    (with MediaPipe's heel landmark as the heel; about 3.4 less since the heel is read behind it, formcheck.metrics):
    before, 'mild overstride' in two copies and nothing in the other two. Now no finding is flagged in one copy and
    absent in another: near the threshold it is borderline. Since overstride is read as the foot's reach ahead of the
    COM (formcheck.metrics.landing_reach_px), the left leg reads 22.3-23.6 % leg in all four copies (intervals from
    16.8 up; the digitised shoes say 19.4) and is flagged in every one: its contacts, timed 1-1.8 frames early, had
    read it 7.6 % leg short. (Measured: left overstride and left contact time flagged in every copy; right overstride
    (17.9-18.4, intervals from 13.1; digitised 19.9) and right contact time borderline in every copy; right shank angle
    flagged or, in the HEVC copy, borderline. Before: left overstride borderline everywhere, right flagged. So a verdict
    can move between borderline and flagged, or borderline and absent, but never further.)"""
    from formcheck.analysis import analyze_track
    from formcheck.evaluation.track_cache import cached_pose_track

    src = shared_videos / "treadmill_side_01.mp4"
    copies = [("libx264", 2_000_000), ("libx264", 600_000)]
    if _has_encoder("libx265"):
        copies.append(("libx265", 600_000))
    results = {"original": analyze_track(cached_pose_track(src)).result}
    for codec, rate in copies:
        path = reencode(src, tmp_path / f"{codec}_{rate}.mp4", codec, rate)
        results[f"{codec} {rate}"] = analyze_track(cached_pose_track(path)).result
    all_v = {name: verdicts(r) for name, r in results.items()}
    keys = set().union(*all_v.values())
    for key in keys:
        seen = {name: v.get(key, "absent") for name, v in all_v.items()}
        assert not ("flagged" in seen.values() and "absent" in seen.values()), (key, seen)
    for name, v in all_v.items():
        assert v[("overstride", "left")] == "flagged", name
    if not _has_encoder("libx265"):
        pytest.skip("PyAV here has no libx265: the HEVC copy was not checked")


def test_a_shared_timing_error_can_make_a_finding_borderline_and_says_so():
    """Seven steps at 12.0-13.2 % leg: the steps' interval (12.0-13.2) is short of the 15 % threshold, so no finding;
    with a timing error of +-3 % leg (half a frame of belt travel at 30 fps) the interval is 12.5 - hypot(0.5, 3) to
    12.5 + hypot(0.7, 3), 9.5-15.6, which reaches across: borderline, and the note says a higher frame rate, not more
    steps, would tell. Under 6 steps the interval is called the range of the steps and their timing."""
    left = [12.0, 12.2, 12.5, 12.8, 12.4, 13.2, 12.6]
    values = {"left": left, "right": [5.0, 6.0, 7.0, 8.0, 6.5, 7.5]}
    plain = _summary(values)
    assert plain["left"]["overstride_pct_leg"]["ci95"] == [12.0, 13.2]
    assert not [f for f in make_findings(_steps(values), plain, 170.0, walking=False) if f.code == "overstride"]
    timed = _summary(values)
    timed["left"]["overstride_pct_leg"] = spread(left, timing_pm=3.0)
    found = [f for f in make_findings(_steps(values), timed, 170.0, walking=False, fps=30.0) if f.code == "overstride"]
    assert [(f.side, f.severity) for f in found] == [("left", "borderline")]
    assert "by 3 % of leg length either way; film at 60 fps or more" in found[0].note
    lo, hi = found[0].interval
    assert lo == pytest.approx(12.5 - np.hypot(0.5, 3.0), abs=1e-3) and hi == pytest.approx(12.5 + np.hypot(0.7, 3.0), abs=1e-3)
    assert found[0].timing_pm == 3.0 and "more steps" not in found[0].note
    assert AnalysisResult.from_dict(json.loads(json.dumps({"facing": "left", "steps": [], "summary": {},
                                                             "findings": [found[0].to_dict()]}))).findings[0] == found[0]
    few = {"left": left[:4], "right": values["right"]}
    few_summary = _summary(few)
    few_summary["left"]["overstride_pct_leg"] = spread(left[:4], timing_pm=3.0)
    found = [f for f in make_findings(_steps(few), few_summary, 170.0, walking=False) if f.code == "overstride"]
    assert found[0].interval_name == "range of 4 steps and their timing"


@pytest.mark.parametrize(("metric", "code", "values", "timing_pm", "fps", "said"), [
    ("shank_angle_deg", "shank_reaching", [8.0, 8.5, 9.0, 9.2, 9.4, 9.0, 8.8], 3.0, 60.0,
     "a leg's contacts and toe-offs can all sit up to a frame (at least 25 ms) off, which moves this value by 3° either "
     "way; a higher frame rate would not time them closer"),
    ("contact_time_s", "long_contact", [0.28, 0.285, 0.29, 0.29, 0.292, 0.288, 0.286], 0.033, 30.0,
     "the contacts and the toe-offs can each sit up to a frame (at least 25 ms) off, partly together, which moves this "
     "value by 33 ms either "
     "way; film at 60 fps or more to tell"),
    ("overstride_pct_leg", "overstride", [12.0, 12.2, 12.5, 12.8, 12.4, 13.2, 12.6], 3.0, 60.0,
     "the frames can miss the foot's farthest reach by up to half a frame of its travel, which moves this value by 3 % of "
     "leg length either way; film at 120 fps (a phone's slow motion) to tell"),
])
def test_a_timing_led_note_names_its_cause_and_the_rate_that_would_tell(metric, code, values, timing_pm, fps, said):
    """A reviewer: the note said "the contacts and toe-offs are timed to about half a frame" of every metric, overstride
    too (read at the foot's reach), and a duration's note said the events "all sit" off together, a shift that would
    cancel out of it. Each names its own cause, and the advice follows it (events: no closer at 120 fps than at 60)."""
    side_values = {"left": values, "right": [v * 0.5 for v in values[:6]]}
    summary = _summary(side_values, metric)
    summary["left"][metric] = spread(values, timing_pm=timing_pm)
    steps = _steps(side_values)
    steps = [s.__class__(**{**s.__dict__, metric: v}) for s, v in
             zip(steps, [*values, *[v * 0.5 for v in values[:6]]])]
    found = [f for f in make_findings(steps, summary, 170.0, walking=False, fps=fps) if f.code == code]
    assert [(f.side, f.severity) for f in found] == [("left", "borderline")]
    assert said in found[0].note, found[0].note


@pytest.mark.parametrize(("fps", "advice"), [
    (25.0, "film at 60 fps or more to tell"), (30.0, "film at 60 fps or more to tell"),  # 33 ms -> 25 ms
    (30.01, "film at 60 fps or more to tell"), (29.97, "film at 60 fps or more to tell"),  # no float tie
    (50.0, "a higher frame rate would not time them closer"),  # 25 ms at 50, 60 and 120 fps alike
    (60.0, "a higher frame rate would not time them closer"),
    (100.0, "a higher frame rate would not time them closer"),
    (240.0, "a higher frame rate would not time them closer"),
])
def test_a_timing_led_note_asks_for_a_frame_rate_that_would_tell(fps: float, advice: str) -> None:
    """The review: at 240 fps the note said "film at more than 240 fps, e.g. a phone's 120 or 240 fps slow motion".
    The advice is the next rate a phone films at that times the events at least a quarter closer (a frame, no less
    than 25 ms: on randomised renders a leg's events sit as far off at 120 fps as at 60, about 25 ms), or none."""
    from formcheck.findings import _faster_advice

    assert _faster_advice(fps) == advice


@pytest.mark.parametrize(("fps", "advice"), [(30.0, "film at 60 fps or more to tell"),
                                             (60.0, "film at 120 fps (a phone's slow motion) to tell"),
                                             (120.0, "film at 240 fps (a phone's slow motion) to tell")])
def test_overstrides_note_asks_for_any_faster_rate(fps: float, advice: str) -> None:
    """Overstride is read at the foot's farthest reach, which the frames miss by up to half a frame of its travel:
    any faster rate narrows that, unlike the events' timing (25 ms at 50 fps and up)."""
    from formcheck.findings import _faster_advice

    assert _faster_advice(fps, frame_bound=True) == advice


def test_a_notes_interval_with_a_negative_end_reads_as_a_range():
    """A reviewer's reading: the borderline note wrote an interval as "lo-hi", so a shank interval of -3 to 12 deg
    would read "(-3-12°)"; the report's evidence line says "to" for just that."""
    values = {"left": [-3.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0], "right": [1.0, 2.0, 3.0, 4.0, 5.0, 3.5]}
    found = [f for f in make_findings(_steps(values), _summary(values, "shank_angle_deg"), 170.0, walking=False)
             if f.code == "shank_reaching"]
    assert [(f.side, f.severity) for f in found] == [("left", "borderline")]
    assert "(-3 to 12°) reaches across the threshold (10°)" in found[0].note, found[0].note


def test_the_most_marked_step_named_is_the_one_the_still_shows():
    """A trimmed treadmill run's long-contact finding said "most marked at frame 0 (350 ms)" while its still showed the
    step at frame 10 (351 ms): the evidence kept values to 0.01, so 0.347 and 0.351 s tied and the first won (a
    newcomer's test). The evidence keeps 4 decimals, and the report names the step the still is made of."""
    from formcheck.findings import Finding, _evidence
    from formcheck.report_view import _evidence_text
    from formcheck.stills import choose_stills

    steps = _steps({"left": [1.0, 2.0, 3.0]})
    steps = [s.__class__(**{**s.__dict__, "contact_time_s": v}) for s, v in zip(steps, (0.347, 0.351, 0.330))]
    finding = Finding("long_contact", "Long ground contact", "mild", "left", 0.347, 0.3, evidence=_evidence(steps, "contact_time_s"))
    still = choose_stills(steps, [finding], "left")[0]
    assert steps[still.step_index].contact_frame == 10
    assert "most marked at frame 10 (351 ms)" in _evidence_text(finding)


def test_a_borderline_findings_still_says_why_its_step_is_not_flagged():
    """A newcomer's test: "Worst step: Overstriding, right leg" showed +22 % leg in yellow and no "! OVERSTRIDE" flag,
    while the left leg's stills flagged theirs: the right leg's finding was borderline, whose steps are not flagged.
    Its still says it is borderline and why; a stated finding's still does not."""
    from formcheck.findings import Finding, _evidence
    from formcheck.stills import choose_stills

    steps = _steps({"left": [14.0, 16.0, 22.0]})
    for severity, borderline in (("borderline", True), ("mild", False)):
        finding = Finding("overstride", "Overstriding: the foot lands well ahead", severity, "left", 16.0, 15.0,
                          evidence=_evidence(steps, "overstride_pct_leg"))
        still = choose_stills(steps, [finding], "left")[0]
        assert steps[still.step_index].overstride_pct_leg == 22.0
        assert still.title == "Worst step: Overstriding, left leg" + (" (borderline)" if borderline else "")
        assert ("no step is flagged" in still.caption) == borderline


def test_the_hip_extension_finding_names_the_peak_it_is_judged_on():
    """Its median is the thigh's PEAK angle behind vertical: beside the table's "Hip extension at toe-off" 6.8 / 5.5,
    a bare "median 8°" could not be placed (a newcomer's test)."""
    from formcheck.findings import FINDING_SPECS, _finding, interval_text

    f = _finding(FINDING_SPECS["limited_hip_extension"], 1, "right", 8.0, {}, "", interval=(6.0, 9.0))
    assert interval_text(f) == "peak thigh angle behind vertical: median 8°, 95 % interval 6-9 (threshold 10°)"


def test_an_interval_below_zero_reads_as_a_range_not_a_subtraction():
    """A shank interval from -6 to 11 deg printed "-6-11" (a newcomer's test)."""
    from formcheck.findings import FINDING_SPECS, _finding, interval_text

    f = _finding(FINDING_SPECS["shank_reaching"], 1, "right", 2.0, {}, "", interval=(-6.0, 11.0))
    assert interval_text(f).endswith("median 2°, 95 % interval -6 to 11 (threshold 10°)")


def test_too_few_steps_says_how_many_steps_not_a_median():
    """Its figures are step counts: the report read "median 2.0 (threshold 3.0)" (a newcomer's test)."""
    from formcheck.findings import Finding
    from formcheck.report_view import _evidence_text

    one = Finding("insufficient_steps", "Too few steps for findings", "info", "left", 1.0, 3.0)
    two = Finding("insufficient_steps", "Too few steps for findings", "info", "left", 2.0, 3.0)
    assert _evidence_text(one) == "1 step of this leg measured; a finding needs 3"
    assert _evidence_text(two) == "2 steps of this leg measured; a finding needs 3"


def test_a_cards_middle_half_of_alike_steps_keeps_a_decimal():
    """A newcomer read "middle half 15 to 15 %" on the sample's card (14.6 to 14.9): told nothing. Ends that round
    alike keep a decimal; ends that differ stay whole."""
    from formcheck.report_view import _side_lines
    from formcheck.result import ClipSummary

    def summary(iqr: list[float]) -> ClipSummary:
        leg = {"overstride_pct_leg": {"median": 14.9, "iqr": iqr, "n": 11, "confidence": "high"}}
        return ClipSummary.from_dict({"left": leg, "right": leg})

    assert "(middle half 14.6 to 14.9 %)" in _side_lines(summary([14.6, 14.9]), "left", "overstride_pct_leg", " %", signed=False)[0]
    assert "(middle half 12 to 17 %)" in _side_lines(summary([12.2, 17.4]), "left", "overstride_pct_leg", " %", signed=False)[0]


def test_a_median_that_rounds_to_its_threshold_keeps_a_decimal():
    """The sample's overstride, 14.85 % leg against 15: "median 15 ... (threshold 15)" told no side, beside a note
    that its median is on the normal side. It reads 14.9 now; 13.2 stays "13"."""
    from formcheck.findings import Finding, interval_text

    def text(value):
        return interval_text(Finding("overstride", "Overstriding", "borderline", "left", value, 15.0, interval=(13.0, 17.0)))

    assert "median 14.9 % of leg length" in text(14.85) and "median 13 % of leg length" in text(13.2)
    from formcheck.report_view import _evidence_text  # the report's evidence line alike

    def evidence(value):
        return _evidence_text(Finding("overstride", "Overstriding", "borderline", "left", value, 15.0, interval=(13.0, 17.0)))

    assert evidence(14.85).startswith("median 14.9") and evidence(13.2).startswith("median 13%")
