"""Whole analysis: schema, writers, refusals, real-clip figures."""

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import AnalysisError, analyze_track
from formcheck.result import AnalysisResult, ResultFormatError
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

SCHEMA = json.loads((Path(__file__).parents[1] / "src/formcheck/schema/analysis.schema.json").read_text())
_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None)}


def validate(obj, schema, path="$"):
    """Tiny JSON-schema subset: type, enum, required, properties, items."""
    if "enum" in schema:
        assert obj in schema["enum"], f"{path}: {obj!r} not in {schema['enum']}"
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(obj, _TYPES[t]) and not (t in ("integer", "number") and isinstance(obj, bool)) for t in types)
        assert ok, f"{path}: {obj!r} is not {types}"
    if isinstance(obj, dict):
        for key in schema.get("required", []):
            assert key in obj, f"{path}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in obj:
                validate(obj[key], sub, f"{path}.{key}")
    if isinstance(obj, list) and "items" in schema:
        for i, item in enumerate(obj):
            validate(item, schema["items"], f"{path}[{i}]")


def test_validator_rejects_bad_output():
    with pytest.raises(AssertionError):
        validate({"facing": "up"}, SCHEMA)


@pytest.fixture(scope="module")
def synthetic_analysis():
    g = simulate_gait(GaitParams(fps=60, duration_s=6, overstride_pct_leg=30, hip_extension_deg=12))
    return g, analyze_track(to_pose_track(g, noise_px=1.0), height_cm=175)


def test_synthetic_output_validates_and_writes(synthetic_analysis, tmp_path):
    _, a = synthetic_analysis
    validate(json.loads(a.to_json()), SCHEMA)
    paths = a.write(tmp_path)
    assert json.loads(paths["json"].read_text())["facing"] == "left"
    assert len(paths["csv"].read_text().splitlines()) == len(a.steps) + 1
    assert not list(tmp_path.glob("*.partial"))


def assert_round_trip(a, tmp_path):
    """The saved file reads back to the same dict, and to a result equal to the computed one."""
    path = a.write(tmp_path)["json"]
    with open(path) as f:
        saved = json.load(f)
    loaded = AnalysisResult.from_dict(saved)
    assert loaded.to_dict() == saved
    assert loaded == a.result == AnalysisResult.load(path)
    assert loaded.to_json() + "\n" == path.read_text()


def test_saved_result_round_trips(synthetic_analysis, tmp_path):
    _, a = synthetic_analysis
    assert_round_trip(a, tmp_path)
    assert a.summary.left.metric("overstride_pct_leg").n == a.summary.to_dict()["left"]["overstride_pct_leg"]["n"]
    assert a.summary["left"]["overstride_pct_leg"]["median"] == a.summary.left.metric("overstride_pct_leg").median


def test_loading_something_else_fails_clearly(tmp_path):
    with pytest.raises(ResultFormatError, match="steps"):
        AnalysisResult.from_dict({"facing": "left", "summary": {}})
    (tmp_path / "x.json").write_text("[1, 2]")
    with pytest.raises(ResultFormatError):
        AnalysisResult.load(tmp_path / "x.json")


@pytest.mark.parametrize(("edit", "said"), [
    ({"schema_version": 99}, "written by a newer formcheck (schema_version 99"),
    ({"schema_version": "1"}, "is not a version number"),
    ({"facing": 42}, "facing is 42, not 'left' or 'right'"),
    ({"steps": None}, "steps is not a list of step records"),
    ({"steps": ["a"]}, "steps is not a list of step records"),
    ({"summary": "x"}, "summary is not a JSON object"),
    ({"findings": [5]}, "a field holds the wrong kind of value"),
])
def test_a_hand_edited_analysis_says_what_is_wrong_in_plain_words(synthetic_analysis, edit, said):
    """A newcomer's test: these gave "'NoneType' object is not iterable", "'str' object has no attribute 'get'",
    a 30-field list, or were accepted (a schema from the future, facing 42)."""
    _, a = synthetic_analysis
    d = {**json.loads(a.result.to_json()), **edit}
    with pytest.raises(ResultFormatError) as exc:
        AnalysisResult.from_dict(d)
    assert said in str(exc.value) and "object" not in str(exc.value).replace("JSON object", "")


def test_a_report_from_the_saved_file_gives_the_steps_the_same_times(synthetic_analysis, tmp_path):
    """compare's report, made from analysis.json, gave each step its frame over the fps (0.47 s) where the analysis'
    report gave its contact instant (0.45 s); the file's timed events carry the instants."""
    from formcheck.report_view import step_times

    _, a = synthetic_analysis
    loaded = AnalysisResult.load(a.write(tmp_path)["json"])
    from_arrays, from_file = step_times(a.result, a), step_times(loaded)
    assert from_file == pytest.approx(from_arrays, abs=1e-3)
    fps = a.result.video.fps
    assert any(abs(t - s.contact_frame / fps) > 1e-3 for t, s in zip(from_file, loaded.steps))  # not the frames' times


def test_camera_motion_makes_a_new_result(synthetic_analysis):
    _, a = synthetic_analysis
    motion = {"checked": True, "warning": "the camera moves"}
    b = a.with_result(quality=a.quality.with_camera_motion(motion))
    assert b.quality.camera_motion_checked and b.quality.warnings[-1] == "the camera moves"
    assert not a.quality.camera_motion_checked and "the camera moves" not in a.quality.warnings
    assert b.quality.with_camera_motion(motion).warnings.count("the camera moves") == 1  # not added twice
    assert b.track is a.track and b.steps == a.steps


def test_synthetic_cadence(synthetic_analysis):
    g, a = synthetic_analysis
    assert abs(a.summary.cadence_spm - g.params.cadence_spm) < 0.01 * g.params.cadence_spm


def test_both_feet_contact_time_is_what_compare_calls_both_legs(synthetic_analysis):
    """The report's card gives both feet's contact time, compare's table both legs': one run's card read 322 ms beside
    the table's 323 (a newcomer's test). Both are each foot's median, averaged; the simulated runner's contact time,
    its own truth, is within a frame of it."""
    from formcheck.compare import METRICS, compare_metric

    g, a = synthetic_analysis
    result = a.result
    feet = [np.median([s.contact_time_s for s in result.steps if s.side == side and s.contact_time_s]) for side in ("left", "right")]
    assert result.summary.contact_time_s == pytest.approx(np.mean(feet), abs=1e-4)
    contact = next(spec for spec in METRICS if spec.key == "contact_time_s")
    assert compare_metric(result, result, contact, "both").after_median == pytest.approx(result.summary.contact_time_s, abs=1e-3)
    assert abs(result.summary.contact_time_s - g.truth["contact_time_s"]) <= 1 / 60


def test_synthetic_far_side_overstride_finding(synthetic_analysis):
    _, a = synthetic_analysis
    assert any(f.code == "overstride" and f.side == "right" for f in a.findings)


def test_synthetic_near_side_overstride_finding(synthetic_analysis):
    _, a = synthetic_analysis
    assert any(f.code == "overstride" and f.side == "left" for f in a.findings)


def test_arrays_for_drawing(synthetic_analysis):
    _, a = synthetic_analysis
    assert a.com_px.shape == (a.track.n_frames, 2)
    assert a.events.contact_indices("left").dtype.kind == "i" and len(a.events.contact_indices("left")) >= 5


def test_a_facing_the_clip_contradicts_is_refused(synthetic_analysis):
    """The runner faces left (GaitParams' default); told "right", the feet would land behind the body."""
    g, a = synthetic_analysis
    assert g.params.facing == "left" and a.facing == "left" and a.facing_source == "detected"
    with pytest.raises(AnalysisError, match="--facing right contradicts the clip: the runner faces left"):
        analyze_track(to_pose_track(g, noise_px=1.0), facing="right")
    assert analyze_track(to_pose_track(g, noise_px=1.0), facing="left").facing_source == "given"


@pytest.mark.parametrize("height_cm", [1.78, 5.9, -5.0, 5000.0])
def test_the_api_refuses_a_height_not_in_cm_before_any_work(synthetic_analysis, height_cm, tmp_path):
    """The CLI refused --height 1.78; the API took it and gave overstride in cm ~100x too small (0.19 cm; 5000:
    532 cm), a newcomer's test. analyze refuses it before the pose model runs (the file is not even opened), as
    analyze_track does."""
    from formcheck import analyze

    g, _ = synthetic_analysis
    with pytest.raises(ValueError, match=r"is not a height in cm \(80-250\): give it in centimetres"):
        analyze_track(to_pose_track(g, noise_px=1.0), height_cm=height_cm)
    with pytest.raises(ValueError, match="not a height in cm"):
        analyze(tmp_path / "no such clip.mp4", height_cm=height_cm)
    with pytest.raises(ValueError, match="facing must be 'left' or 'right'"):
        analyze(tmp_path / "no such clip.mp4", facing="up")


@pytest.mark.parametrize(("counts", "expected"), [((6, 5), 0.065), ((6, 2), 0.1), ((2, 2), 0.065), ((0, 2), 0.03), ((0, 0), None)])
def test_both_feet_flight_and_contact_time_average_each_foots_median(counts, expected):
    """Flight after one foot's toe-off ran 67-114 ms and after the other's 0-36 ms in a newcomer's cuts of one running;
    pooled, the figure jumped between 33 and 70 ms with each foot's step count. Both feet's contact and flight time
    are each foot's median averaged, over the feet with 3 or more values, else those with any (as compare takes both
    legs)."""
    from formcheck.analysis import both_feet

    summary = {side: {"flight_time_s": {"median": m if n else None, "n": n}} for side, m, n in
               (("left", 0.1, counts[0]), ("right", 0.03, counts[1]))}
    got = both_feet(summary, "flight_time_s")
    assert got == (None if expected is None else pytest.approx(expected))


def test_too_short_clip_is_refused():
    g = simulate_gait(GaitParams(fps=30, duration_s=1.0))
    with pytest.raises(AnalysisError, match="steps"):
        analyze_track(to_pose_track(g))


def test_an_fps_that_makes_the_runner_impossibly_fast_is_refused():
    """--fps 60 on a clip that plays in real time at 30 fps (a newcomer's test on treadmill_side_01): strides of 0.35 s,
    which the analysis had read as 0.7 s ones (every other step) with exit 0. A real 2x slow motion given --fps 60 is
    analysed at its real cadence."""
    from dataclasses import replace

    def given(track, fps):
        scale = float(track.fps) / fps
        return replace(track, fps=fps, timestamps_s=track.timestamps_s * scale,
                       info={**track.info, "fps_override": fps, "video_fps": float(track.fps)})

    real_time = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8, cadence_spm=170)))
    with pytest.raises(AnalysisError, match=r"--fps 60 does not fit this clip: at that rate a stride lasts 0.35 s \(34\d steps/min\)"):
        analyze_track(given(real_time, 60.0))
    # a stride shorter than the stride finder's 0.3 s floor on the given clock was read as a multiple (0.35 s again)
    with pytest.raises(AnalysisError, match=r"--fps 240 does not fit this clip: at that rate a stride lasts 0.09 s"):
        analyze_track(given(real_time, 240.0))
    filmed_at_60 = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=8, cadence_spm=170)))
    slow_motion = replace(filmed_at_60, fps=30.0, timestamps_s=filmed_at_60.timestamps_s * 2.0)  # stored at 30 fps: plays 2x slow
    assert analyze_track(given(slow_motion, 60.0)).summary.cadence_spm == pytest.approx(170, rel=0.03)


def test_a_clip_of_a_few_frames_is_said_to_be_too_short():
    """A one-frame clip of a plainly visible runner was refused as "no runner found" (a newcomer's test)."""
    import numpy as np

    track = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=1.0)))
    with pytest.raises(AnalysisError, match=r"it has 1 frame \(0.03 s\); film 10 s or more"):
        analyze_track(track.take(np.array([0])))


def test_real_clip(treadmill_track, tmp_path):
    a = analyze_track(treadmill_track, height_cm=175)
    validate(json.loads(a.to_json()), SCHEMA)
    assert a.facing == "left" and a.near_side == "left"
    assert abs(a.summary.cadence_spm - 168.9) / 168.9 < 0.01
    assert not a.summary.walking
    assert a.summary.left.n_steps >= 15
    assert_round_trip(a, tmp_path)
