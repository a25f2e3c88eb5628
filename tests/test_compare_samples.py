"""End to end on the bundled rendered pair: before.mp4 overstrides with little hip extension,
after.mp4 lands near the centre of mass with more extension (their .truth.json say by how much)."""

import json
from pathlib import Path

import pytest

from formcheck.analysis import analyze_track
from formcheck.outputs import LoadedRun, write_compare_outputs
from formcheck.video import probe_video

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


@pytest.mark.slow
def test_before_after_pair_gives_the_verdicts_it_was_rendered_for(pose_track_of, tmp_path: Path) -> None:
    truth = {name: json.loads((SAMPLES / f"{name}.truth.json").read_text())["params"] for name in ("before", "after")}
    # The pair was rendered with these knobs; the verdicts below follow from them.
    assert truth["before"]["overstride_pct_leg"] - truth["after"]["overstride_pct_leg"] >= 15
    assert truth["after"]["hip_extension_deg"] - truth["before"]["hip_extension_deg"] >= 8

    runs = [
        LoadedRun(analyze_track(pose_track_of(SAMPLES / f"{name}.mp4")), SAMPLES / f"{name}.mp4", name)
        for name in ("before", "after")
    ]
    comparison, written = write_compare_outputs(runs[0], runs[1], tmp_path)
    assert comparison.change("overstride_pct_leg").verdict == "improved"
    assert comparison.change("peak_hip_extension_deg").verdict == "improved"
    for side in ("left", "right"):
        assert comparison.change("peak_hip_extension_deg", side).verdict == "improved"
    assert comparison.change("step_cadence_spm").verdict == "no clear change"  # both rendered at the same cadence
    assert comparison.comparability == []
    assert "overstride (left)" in comparison.findings_resolved or "overstride (right)" in comparison.findings_resolved
    # formcheck's own list of what it wrote (.formcheck-files.json) sits beside them, hidden
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["compare.json", "compare.mp4", "report.html"]
    assert (tmp_path / ".formcheck-files.json").is_file()
    clip = probe_video(written.paths["side_by_side"])
    assert clip.codec == "h264" and clip.width > clip.height
    saved = json.loads((tmp_path / "compare.json").read_text())
    assert {c["verdict"] for c in saved["changes"] if c["metric"] == "overstride_pct_leg" and c["side"] == "both"} == {"improved"}


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="KNOWN GAP: the FAR leg's hip extension AT TOE-OFF reads 'no clear change' (5.5 -> 5.8 deg, 95% CI -8.2..+9.0 "
    "with each run's events' timing error of a frame, SDC 5) although the pair was rendered 5 -> 15 deg: its toe-offs come "
    "out 1-5 frames early on MediaPipe's far-foot traces (hip-extension errors -5..-24 deg, median -9, on after.mp4). The "
    "near leg improves clearly (6.8 -> 16.4). Both legs, each leg's median averaged, read 'no clear change' (6.1 -> 11.1, "
    "CI -1.1..+11.1). Peak hip extension improves on both legs.",
)
def test_far_leg_hip_extension_at_toe_off_improves_on_the_rendered_pair(pose_track_of) -> None:
    before, after = (analyze_track(pose_track_of(SAMPLES / f"{name}.mp4")) for name in ("before", "after"))
    from formcheck.compare import compare

    assert compare(before.result, after.result).change("hip_extension_deg", "right").verdict == "improved"


@pytest.mark.slow
def test_near_leg_hip_extension_at_toe_off_improves_on_the_rendered_pair(pose_track_of) -> None:
    """The near (left) leg, the one the findings lean on: measured 6.8 -> 16.4 deg (rendered 5 -> 15), CI +1.0..+18.1
    (the steps' spread and each run's events' timing error of a frame)."""
    before, after = (analyze_track(pose_track_of(SAMPLES / f"{name}.mp4")) for name in ("before", "after"))
    from formcheck.compare import compare

    assert compare(before.result, after.result).change("hip_extension_deg", "left").verdict == "improved"
