"""formcheck history: each runner's recordings judged with compare's rules, the squad view, history.html.

Fast tier: a batch of synthetic runners (formcheck.synth pose tracks, no video): Ana improves
(overstride 30 -> 12 % leg), Cara is Ana's two recordings in the opposite order (so gets worse),
Ben has one recording. Slow tier: the rendered before/after sample pair as two dated
recordings of one runner says overstride improved.
"""

from __future__ import annotations

import concurrent.futures as cf
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck import batch
from formcheck.compare import METRICS, compare_metric
from formcheck.findings import FINDING_SPECS
from formcheck.history import build_history, write_history
from formcheck.history_html import bands
from formcheck.result import AnalysisResult

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"
OVERSTRIDE = next(m for m in METRICS if m.key == "overstride_pct_leg")


@pytest.fixture(scope="module")
def squad_out(tmp_path_factory) -> Path:
    from test_batch import synthetic_squad

    manifest = synthetic_squad(tmp_path_factory.mktemp("squad"))
    out = tmp_path_factory.mktemp("history") / "out"
    with cf.ThreadPoolExecutor(2) as pool:
        report = batch.run([manifest], out, executor=pool)
    assert [r.status for r in report.rows] == ["done", "done", "done", "failed"]
    # Cara: Ana's recordings copied with their dates swapped (the same analyses, the other way round)
    for src, date in (("2026-01-05_week1", "2026-02-02"), ("2026-02-02_week2", "2026-01-05")):
        dst = out / "runner=Cara" / f"{date}_{src.split('_')[1]}"
        shutil.copytree(out / "runner=Ana" / src, dst)
        meta = json.loads((dst / "batch.json").read_text())
        meta.update(runner="Cara", date=date, recorded_at=date)
        (dst / "batch.json").write_text(json.dumps(meta))
    return out


@pytest.fixture(scope="module")
def squad_page(squad_out, tmp_path_factory) -> tuple[Path, object]:
    """history.html written away from OUTDIR (links must work from wherever the page is)."""
    history = build_history(squad_out)
    page = tmp_path_factory.mktemp("elsewhere") / "squad.html"
    written = write_history(history, page)
    assert written["json"].is_file()
    return page, history


def _steps(folder: Path, key: str, side: str | None = None) -> np.ndarray:
    steps = json.loads((folder / "analysis.json").read_text())["steps"]
    return np.array([s[key] for s in steps if s[key] is not None and side in (None, s["side"])], dtype=float)


def _both_legs(folder: Path, key: str) -> float:
    """Both legs as compare takes them: each leg's median (its 3 or more steps), averaged."""
    medians = [np.median(v) for v in (_steps(folder, key, side) for side in ("left", "right")) if v.size >= 3]
    return float(np.mean(medians))


def test_recordings_in_date_order_with_medians_and_compares_verdicts(squad_out):
    history = build_history(squad_out)
    assert [r.runner for r in history.runners] == ["Ana", "Ben", "Cara"]
    ana = history.runner("Ana")
    assert [rec.name for rec in ana.recordings] == ["2026-01-05_week1", "2026-02-02_week2"]
    first, latest = (squad_out / "runner=Ana" / n for n in ("2026-01-05_week1", "2026-02-02_week2"))
    trend = ana.trend("overstride_pct_leg")
    assert [p.median for p in trend.points] == pytest.approx([_both_legs(first, "overstride_pct_leg"),
                                                              _both_legs(latest, "overstride_pct_leg")], abs=1e-3)
    expected = compare_metric(AnalysisResult.load(first / "analysis.json"), AnalysisResult.load(latest / "analysis.json"), OVERSTRIDE, "both")
    assert trend.latest.since_previous == expected and trend.latest.since_first == expected
    assert expected.verdict == "improved"  # 30 -> 12 % leg: far past the 3 % leg SDC
    assert trend.points[0].since_previous is None
    ben = history.runner("Ben")
    assert len(ben.recordings) == 1 and ben.trend("overstride_pct_leg").latest.since_previous is None


def test_who_needs_attention(squad_out):
    history = build_history(squad_out)
    cara, ana = history.runner("Cara"), history.runner("Ana")
    assert cara.trend("overstride_pct_leg").latest.since_previous.verdict == "worse"
    assert "Overstride (heel ahead of COM) worse since 2026-01-05" in cara.attention
    latest = AnalysisResult.load(ana.latest.folder / "analysis.json")
    serious = [f for f in latest.findings if f.severity in ("moderate", "marked")]
    assert not [a for a in ana.attention if "worse" in a]
    assert len(ana.attention) == len(serious)


def test_one_runner_only(squad_out):
    history = build_history(squad_out, runner="Ben")
    assert [r.runner for r in history.runners] == ["Ben"]
    with pytest.raises(Exception, match="no runner 'Zed'.*Ana, Ben, Cara"):
        build_history(squad_out, runner="Zed")


def test_a_clip_the_batch_could_not_analyse_is_said_not_silently_left_out(squad_out, squad_page):
    """Ben's second clip is not a video: the batch failed it. A newcomer's history said "Sam: 2 recordings" of a
    three-week manifest, the failed week not mentioned. It is listed, with its date and the batch's reason, in the
    history (for Ben, not for Ana), its JSON, the page, and the terminal."""
    from formcheck.history import NotAnalysed

    said = "x.mp4 (Ben, 2026-01-07), not in the trends: failed: "
    ben = build_history(squad_out, runner="Ben")
    assert [(n.runner, n.date, n.clip, n.status) for n in ben.not_analysed] == [("Ben", "2026-01-07", "x.mp4", "failed")]
    assert "x.mp4: not a readable video" in ben.not_analysed[0].message  # the batch's own reason (formcheck.video)
    assert build_history(squad_out, runner="Ana").not_analysed == ()
    page, history = squad_page
    assert [NotAnalysed(**n) for n in history.to_dict()["not_analysed"]] == list(ben.not_analysed)
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert said in text and text.index(said) < text.index('id="squad-table"')  # above the tables, not at the foot
    assert "(1 clip(s) not analysed: below)" in text
    result = subprocess.run([sys.executable, "-m", "formcheck", "history", str(squad_out), "--runner", "Ben", "-o",
                             str(page.parent / "ben.html")], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0 and f"not analysed in the last batch: {said}" in result.stdout, result.stdout


def test_a_failed_rerun_of_a_clip_with_an_earlier_recording_says_the_earlier_one_is_shown(squad_out, tmp_path):
    """A batch run again after a clip went bad keeps the clip's earlier folder, and the history shows it: the clip
    was listed as failed and "so not in the trends" while its recording was in them (a reviewer's case). It now says
    the earlier analysis is shown; a clip with no folder says it is not in the trends. With no recording at all, the
    refusal says the batch failed on clips."""
    import csv

    out = tmp_path / "out"
    shutil.copytree(squad_out, out)
    rows = list(csv.DictReader((out / "batch.csv").open(encoding="utf-8")))
    week1 = next(r for r in rows if r["path"].endswith("week1.npz"))
    week1.update(status="failed", exit_code="3", message="week1.npz: not a readable video")
    with (out / "batch.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    history = build_history(out)
    said = {n.clip: n for n in history.not_analysed}
    assert said["week1.npz"].earlier_shown and not said["x.mp4"].earlier_shown
    assert "2026-01-05_week1" in [rec.name for rec in history.runner("Ana").recordings]
    from formcheck.history import not_analysed_text

    assert not_analysed_text(said["week1.npz"]).startswith("week1.npz (Ana, 2026-01-05), an earlier analysis of it is shown: failed")
    assert not_analysed_text(said["x.mp4"]).startswith("x.mp4 (Ben, 2026-01-07), not in the trends: failed: ")
    zed = dict(rows[0], runner="Zed", path="zed.mp4", status="failed", output="runner=Zed/2026-01-09_zed")
    with (out / "batch.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=list(rows[0])).writerow(zed)
    with pytest.raises(Exception, match="no runner 'Zed'.*could not analyse 1 of their clip"):
        build_history(out, runner="Zed")  # every clip of theirs failed: said, not just "no runner" (a reviewer)
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(out / "batch.csv", empty / "batch.csv")
    with pytest.raises(Exception, match="no finished recordings.*could not analyse 3 clip"):
        build_history(empty)


def test_threshold_bands_follow_the_findings():
    assert bands(FINDING_SPECS["overstride"]) == [(15.0, 25.0, "mild"), (25.0, 35.0, "moderate"), (35.0, np.inf, "marked")]
    assert bands(FINDING_SPECS["limited_hip_extension"]) == [(5.0, 10.0, "mild"), (-np.inf, 5.0, "moderate")]


def test_page_is_self_contained_and_links_each_recording_to_its_report(squad_page):
    page, history = squad_page
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text
    plotted = sum(1 for r in history.runners for t in r.trends if any(p.median is not None for p in t.points))
    assert len(re.findall(r'<img src="data:image/png;base64,', text)) == plotted
    links = [html.unescape(h) for h in re.findall(r'href="([^"#][^"]*)"', text)]
    assert len(links) == sum(len(r.recordings) for r in history.runners)
    assert all((page.parent / link).resolve().name == "report.html" and (page.parent / link).is_file() for link in links)
    squad_rows = re.search(r'<table id="squad-table">.*?<tbody>(.*?)</tbody>', text, re.DOTALL).group(1)
    order = [re.search(r">([^<]+)</a>", row).group(1) for row in squad_rows.split("</tr>")[:-1]]
    needing = [r.runner for r in history.runners if r.attention]
    assert "Cara" in needing and "Ben" not in needing
    assert order[:len(needing)] == sorted(needing) and sorted(order) == ["Ana", "Ben", "Cara"]  # who needs attention first
    heads = re.findall(r"<th[^>]*>([^<]+)</th>", re.search(r'<table id="squad-table">.*?</thead>', text, re.DOTALL).group(0))
    assert heads[:2] == ["Runner", "Needs attention"]  # beside the name, not off-screen behind the scrollbar


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_renders_in_chromium_at_phone_and_desktop_widths(squad_page, tmp_path):
    from test_report import CHROMIUM, _chromium, probe_page

    if not CHROMIUM.exists():
        pytest.skip("headless Chromium not installed (/usr/bin/chromium; apt-get install chromium)")
    page, history = squad_page
    plotted = sum(1 for r in history.runners for t in r.trends if any(p.median is not None for p in t.points))
    for size in ((390, 844), (1280, 900)):
        result = probe_page(page, tmp_path, size)
        assert result["chromium_console"] == [] and result["console"] == [] and result["errors"] == [], result
        assert result["resources"] == []
        assert result["h1"] and result["images"] == plotted and result["images_loaded"] == plotted
        assert result["page_width"] <= result["viewport"] == size[0], result  # tables scroll inside their own box
        assert result["image_min_width"] >= (300 if size[0] < 600 else 380)
        shot = tmp_path / f"history-{size[0]}.png"
        _chromium([f"--window-size={max(size[0], 500)},{size[1]}", f"--screenshot={shot}", page.as_uri()], tmp_path)
        assert shot.stat().st_size > 10_000


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
def test_cli_history_prints_the_runner_and_writes_the_page(squad_out):
    result = subprocess.run([sys.executable, "-m", "formcheck", "history", str(squad_out), "--runner", "Ana"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "Overstride" in line)
    assert line.count("improved") == 2  # since previous and since first
    assert (squad_out / "history.html").is_file()
    # contact time's changes in ms, as its values (a newcomer read "317 -> 307 (+0.01)": the change in s)
    ana = build_history(squad_out).runner("Ana").trend("contact_time_s").latest.since_previous
    row = next(line for line in result.stdout.splitlines() if "Contact time (ms)" in line)
    assert ana.difference is not None and f"({1000 * ana.difference:+.0f})" in row.replace(" ", ""), row


@pytest.mark.slow
def test_before_after_pair_as_two_recordings_says_overstride_improved(pose_track_of, tmp_path):
    """The rendered pair (pose tracks cached by the other sample tests; the clips beside them for the camera check)."""
    for name in ("before", "after"):
        pose_track_of(SAMPLES / f"{name}.mp4").save(tmp_path / f"{name}.npz")
    manifest = tmp_path / "pair.csv"
    manifest.write_text(f"path,runner,date\n{tmp_path / 'after.npz'},Sam,2026-03-02\n{tmp_path / 'before.npz'},Sam,2026-02-02\n")
    out = tmp_path / "out"
    with cf.ThreadPoolExecutor(2) as pool:
        report = batch.run([manifest], out, executor=pool, options=batch.Options(annotated_video=False, report=False))
    assert report.exit_code == 0, report.rows
    result = subprocess.run([sys.executable, "-m", "formcheck", "history", str(out)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "improved" in next(line for line in result.stdout.splitlines() if "Overstride" in line)
    sam = build_history(out).runner("Sam")
    assert [rec.clip for rec in sam.recordings] == ["before.npz", "after.npz"]
    assert sam.trend("overstride_pct_leg").latest.since_previous.verdict == "improved"


def test_trend_captions_give_the_smallest_change_the_comparisons_counted(squad_page):
    """The page said contact-time changes 'under 0.02 s' are not counted while 60 fps clips were judged on 1.5 frames,
    0.025 s (a newcomer's test)."""
    page, history = squad_page
    text = html.unescape(page.read_text(encoding="utf-8"))
    rates = {rec.result.video.fps for r in history.runners for rec in r.recordings}
    assert len(rates) == 1
    smallest = max(0.02, 1.5 / rates.pop())  # contact time is timed to a fraction of a frame
    assert f"Contact time</b> – lower is better; changes under {round(1000 * smallest, 1):g} ms are not counted" in text


def test_a_runner_named_in_another_case_is_found(squad_out):
    """`--runner tom` for Tom was refused (a newcomer's test): a name that matches one runner whatever the case is that
    runner; one that matches none is still refused, naming the runners."""
    from formcheck.history import HistoryError

    assert [r.runner for r in build_history(squad_out, runner="ana").runners] == ["Ana"]
    assert [r.runner for r in build_history(squad_out, runner="ANA").runners] == ["Ana"]
    with pytest.raises(HistoryError, match="no runner 'Anna'"):
        build_history(squad_out, runner="Anna")


def test_contact_time_is_given_in_ms_as_the_reports_give_it(squad_page):
    """The page gave contact time as "0.32" (s) beside reports and terminal tables giving "317 ms" (a newcomer's
    test): its row, values and change are in ms."""
    page, history = squad_page
    text = html.unescape(page.read_text(encoding="utf-8"))
    ana = history.runner("Ana")
    trend = ana.trend("contact_time_s")
    first, latest, change = trend.points[0].median, trend.latest.median, trend.latest.since_previous
    assert None not in (first, latest) and change is not None and change.difference is not None
    row = re.search(r"Contact time \(ms\)</td><td>([^<]*)</td><td>([^<]*)</td><td>(.*?)</td>", text)
    assert row is not None, "no contact-time row in ms"
    assert row.group(1) == f"{1000 * first:.0f}" and row.group(2) == f"{1000 * latest:.0f}"
    assert f"({1000 * change.difference:+.0f} [" in row.group(3).replace(" ", "").replace("[", " [")
    assert "Contact time (s)" not in text


def test_recordings_of_one_day_keep_the_order_they_were_given_in(squad_out, tmp_path):
    """A coach's manifest listed "pre_drill" then "post_drill", both on one day with no time: sorted by name, the
    post-drill recording came first and overstride read "worse" for "improved" (a newcomer's test). Ana's two
    recordings are copied as such a pair, named so that name order is the wrong one."""
    out = tmp_path / "out"
    for src, name, order in (("2026-01-05_week1", "2026-03-01_zz_pre_drill", 0), ("2026-02-02_week2", "2026-03-01_aa_post_drill", 1)):
        dst = out / "runner=Dee" / name
        shutil.copytree(squad_out / "runner=Ana" / src, dst)
        meta = json.loads((dst / "batch.json").read_text())
        meta.update(runner="Dee", date="2026-03-01", recorded_at="2026-03-01", order=order)
        (dst / "batch.json").write_text(json.dumps(meta))
    dee = build_history(out).runner("Dee")
    assert [rec.name for rec in dee.recordings] == ["2026-03-01_zz_pre_drill", "2026-03-01_aa_post_drill"]
    assert dee.trend("overstride_pct_leg").latest.since_previous.verdict == "improved"


def test_batch_marks_each_clip_with_its_place_in_the_manifest(tmp_path):
    clips = [tmp_path / f"{name}.mp4" for name in ("zz_pre", "aa_post")]
    for c in clips:
        c.write_bytes(b"")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,runner,date\n" + "".join(f"{c},Dee,2026-03-01\n" for c in clips))
    assert [(Path(c.path).name, c.order) for c in batch.collect_clips([manifest], tmp_path / "out")] == [("zz_pre.mp4", 0), ("aa_post.mp4", 1)]


def test_each_leg_has_its_own_trend_as_in_compare(squad_out, tmp_path):
    """History gave both legs pooled only, where a leg's change can hide (a newcomer's test: the bundled pair's left
    leg 6.8 -> 16.4 deg "improved" read "no clear change" pooled). Each leg's changes are compare's for that leg;
    between recordings filmed from opposite sides they carry "view differs", as in compare."""
    history = build_history(squad_out)
    ana = history.runner("Ana")
    first, latest = (AnalysisResult.load(squad_out / "runner=Ana" / n / "analysis.json") for n in ("2026-01-05_week1", "2026-02-02_week2"))
    for side in ("left", "right"):
        leg = ana.trend("overstride_pct_leg", side)
        assert leg.latest.since_previous == compare_metric(first, latest, OVERSTRIDE, side)
        assert leg.latest.since_previous.verdict == "improved"
    assert {t.side for t in ana.leg_trends} == {"left", "right"}
    assert not any(t.key == "step_cadence_spm" for t in ana.leg_trends)  # pooled only, as in compare
    assert set(history.to_dict()["runners"][0]["legs"]["left"]) == {t.key for t in ana.leg_trends if t.side == "left"}
    # Ana's second recording as if filmed from the other side
    out = tmp_path / "out"
    for src in ("2026-01-05_week1", "2026-02-02_week2"):
        shutil.copytree(squad_out / "runner=Ana" / src, out / "runner=Ana" / src)
    saved = out / "runner=Ana" / "2026-02-02_week2" / "analysis.json"
    data = json.loads(saved.read_text())
    data["facing"] = "left" if data["facing"] == "right" else "right"
    saved.write_text(json.dumps(data))
    turned = build_history(out).runner("Ana")
    assert turned.trend("overstride_pct_leg", "left").latest.since_previous.verdict == "view differs"
    assert turned.trend("overstride_pct_leg").latest.since_previous.verdict == "improved"  # both legs: like with like


def test_a_leg_worse_with_both_legs_is_said_once(squad_out):
    """Cara got worse on both legs: her attention says so once for both legs, not again for each leg."""
    cara = build_history(squad_out).runner("Cara")
    assert cara.trend("overstride_pct_leg", "left").latest.since_previous.verdict == "worse"
    assert [a for a in cara.attention if a.startswith("Overstride")] == ["Overstride (heel ahead of COM) worse since 2026-01-05"]


def test_trend_plots_draw_each_legs_median_beside_both_legs():
    """A leg's change can hide in the pooled median (the changes table gives each leg; the plots gave both legs only).
    Each leg's line is drawn in its colour (left blue, right vermillion), and only when given."""
    import datetime as dt

    import cv2

    from formcheck.history_html import trend_plot
    from formcheck.plots import side_colors

    dates = [dt.date(2026, 1, 5), dt.date(2026, 2, 2), dt.date(2026, 3, 2)]
    pooled = dict(medians=[20.0, 15.0, 12.0], iqrs=[(18.0, 22.0), (13.0, 17.0), (10.0, 14.0)], title="Overstride", unit="% leg",
                  spec=None)

    def pixels_of(png: bytes, hex_colour: str) -> int:
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).astype(int)
        bgr = [int(hex_colour[i : i + 2], 16) for i in (5, 3, 1)]
        return int((np.abs(image - bgr).max(axis=2) < 30).sum())

    colours = side_colors(None)
    alone = trend_plot(dates, **pooled)
    with_legs = trend_plot(dates, **pooled, legs={"left": [24.0, 16.0, 13.0], "right": [16.0, 14.0, None]})
    for side in ("left", "right"):
        assert pixels_of(alone, colours[side]) == 0
        assert pixels_of(with_legs, colours[side]) > 200
    # the far leg's points are hollow: less of the leg's colour where it was the far one
    all_near = trend_plot(dates, **pooled, legs={"left": [24.0, 16.0, 13.0]}, near_sides=["left"] * 3)
    all_far = trend_plot(dates, **pooled, legs={"left": [24.0, 16.0, 13.0]}, near_sides=["right"] * 3)
    assert pixels_of(all_far, colours["left"]) < pixels_of(all_near, colours["left"]) - 90  # 3 hollow markers


def test_a_change_bound_that_rounds_to_zero_has_no_minus():
    """history.html printed a cadence change "+3 [-0, +5]" (a reviewer's catch): -0 reads as a direction."""
    from formcheck.compare import MetricChange
    from formcheck.history_html import _verdict_html

    change = MetricChange(metric="step_cadence_spm", label="Step cadence", unit="steps/min", side="both", before_median=167.0,
                          before_iqr=None, n_before=8, after_median=170.0, after_iqr=None, n_after=8, difference=3.0,
                          ci95=(-0.3, 5.2), sdc=6.0, sdc_source="", better="higher", verdict="no clear change")
    assert "(+3 [+0, +5])" in _verdict_html(change)


def test_both_legs_points_and_changes_take_the_same_legs_and_sit_in_their_iqr(tmp_path):
    """A reviewer's cases. (1) Knee flexion left ~29 deg on 10 steps, right ~7 on 3: the legs' medians averaged (18)
    lay outside the pooled steps' IQR (28.5-29.0) and the trend plot refused a negative error bar; the IQR is now each
    leg's, averaged. (2) Overstride left 10 and right 30 % leg on 4 steps each, then the right leg on 2 steps only: the
    second point took the left leg alone (20 -> 10, across the 15 % band) while the change, over the legs both had,
    read 0. Points and changes now average the legs measured in every recording: 10 -> 10, a change of 0."""
    from test_compare import _analysis, _steps

    from formcheck.history import Recording, _runner_history
    from formcheck.history_html import trend_plot

    knee = next(m for m in METRICS if m.key == "knee_flexion_contact_deg")
    spread = [-0.5, 0.5, 0.0, 0.25, -0.25, 0.1, -0.1, 0.3, -0.3, 0.0]
    lopsided = _analysis(_steps({"knee_flexion_contact_deg": [29 + d for d in spread]}, "left")
                         + _steps({"knee_flexion_contact_deg": [7 + d for d in spread[:3]]}, "right"))
    change = compare_metric(lopsided, lopsided, knee, "both")
    assert change.after_median == pytest.approx((29 + 7) / 2, abs=0.01)
    assert change.after_iqr[0] <= change.after_median <= change.after_iqr[1]
    assert change.after_iqr == pytest.approx((np.mean([29 - 0.2125, 7 - 0.25]), np.mean([29 + 0.2125, 7 + 0.25])), abs=1e-3)
    import datetime as dt

    assert trend_plot([dt.date(2026, 1, 5)], [change.after_median], [change.after_iqr], title="Knee", unit="deg", spec=None)

    def run(n_right: int) -> AnalysisResult:
        return _analysis(_steps({"overstride_pct_leg": [9.0, 10.0, 10.0, 11.0]}, "left")
                         + _steps({"overstride_pct_leg": [29.0, 30.0, 30.0, 31.0][:n_right]}, "right"))

    recordings = [Recording("Ana", date, date, "clip.mp4", tmp_path / date, run(n), i)
                  for i, (date, n) in enumerate((("2026-01-05", 4), ("2026-02-02", 2)))]
    trend = _runner_history("Ana", recordings).trend("overstride_pct_leg")
    assert [p.median for p in trend.points] == pytest.approx([10.0, 10.0])
    assert trend.latest.since_previous.difference == pytest.approx(0.0) and trend.latest.since_previous.verdict == "no clear change"
    # (3) a third, short recording (2 steps a leg: no leg measured) keeps the legs of the others, and no change to
    # it is judged (a reviewer: it had emptied the legs, points 20 -> 10 -> 19.5 beside changes of 0, and pooled)
    short = _analysis(_steps({"overstride_pct_leg": [10.0, 10.0]}, "left") + _steps({"overstride_pct_leg": [29.0, 30.0]}, "right"))
    recordings.append(Recording("Ana", "2026-03-02", "2026-03-02", "clip.mp4", tmp_path / "3", short, 2))
    trend = _runner_history("Ana", recordings).trend("overstride_pct_leg")
    assert [p.median for p in trend.points[:2]] == pytest.approx([10.0, 10.0])
    assert [trend.latest.since_previous.verdict, trend.latest.since_first.verdict] == ["not measurable"] * 2


def test_each_recordings_own_warnings_sit_in_its_own_row(squad_page):
    """compare's list of what keeps two clips apart repeats each clip's own warnings as "before clip: ..." and "after
    clip: ...": the page put a recording's warnings in the next recording's row and none in its own (a newcomer's
    test). Each row now gives its own clip's warnings, then what sets it apart from the previous. (The squad's clips
    give no warning: a runner's first recording is given one, and the comparison lists it as compare does.)"""
    import dataclasses

    from formcheck.history_html import render_history_html

    page, history = squad_page
    runner = next(r for r in history.runners if len(r.recordings) >= 2)
    said = "the camera moves during part of the clip (for 1.5 s in one go)"
    recs = list(runner.recordings)
    recs[0] = dataclasses.replace(recs[0], result=dataclasses.replace(
        recs[0].result, quality=dataclasses.replace(recs[0].result.quality, warnings=(said,))))
    notes = list(runner.comparability)
    notes[1] = (*notes[1], f"before clip: {said}", "cadence differs by 9%")
    told = dataclasses.replace(history, runners=(dataclasses.replace(runner, recordings=tuple(recs), comparability=tuple(notes)),))
    text = html.unescape(render_history_html(told, page.parent))
    rows = {rec.name: next(row for row in re.findall(r"<tr>(.*?)</tr>", text, flags=re.S) if f">{rec.name}</a>" in row)
            for rec in recs}
    assert said in rows[recs[0].name] and "Against the previous:</b> cadence differs by 9%" in rows[recs[1].name]
    assert said not in rows[recs[1].name]
    assert "before clip: " not in text and "after clip: " not in text


def test_both_legs_leave_out_a_leg_timed_roughly_as_compare_does(tmp_path):
    """A newcomer's find: history averaged a leg timed roughly (most steps timing-uncertain) into its both-legs row,
    20.7 -> 15.2 "timing uncertain", where compare of the same pair left it out: 23.3 -> 21.7 "no clear change"."""
    from dataclasses import replace

    from test_compare import _analysis, _steps

    from formcheck.history import Recording, _runner_history

    steady = [19.0, 20.0, 20.0, 21.0]
    rough_right = [replace(s, timing_uncertain=True) for s in _steps({"overstride_pct_leg": [39.0, 40.0, 40.0, 41.0]}, "right")]
    before = _analysis(_steps({"overstride_pct_leg": steady}, "left") + rough_right)
    after = _analysis(_steps({"overstride_pct_leg": steady}, "left") + _steps({"overstride_pct_leg": [9.0, 10.0, 10.0, 11.0]}, "right"))
    compared = compare_metric(before, after, OVERSTRIDE, "both")
    assert (compared.before_median, compared.after_median, compared.verdict) == (20.0, 20.0, "no clear change")
    recordings = [Recording("Ana", date, date, "clip.mp4", tmp_path / date, run, i)
                  for i, (date, run) in enumerate((("2026-01-05", before), ("2026-02-02", after)))]
    trend = _runner_history("Ana", recordings).trend("overstride_pct_leg")
    assert [p.median for p in trend.points] == pytest.approx([20.0, 20.0])
    assert trend.latest.since_previous.verdict == "no clear change"
    assert trend.latest.since_previous.difference == pytest.approx(compared.difference)


def test_a_leg_left_out_for_another_recording_is_said_on_the_pairs_that_timed_it_well(tmp_path):
    """A reviewer's case: the right leg timed roughly in the first of three recordings is left out of every both-legs
    point and change, so that they take the same legs; between the second and third, where compare would take it
    (20 -> 30 "worse"), history read 20 -> 20 with nothing said. That pair now says the leg is left out and why."""
    from dataclasses import replace

    from test_compare import _analysis, _steps

    from formcheck.history import Recording, _runner_history

    steady = [19.0, 20.0, 20.0, 21.0]
    rough = [replace(s, timing_uncertain=True) for s in _steps({"overstride_pct_leg": steady}, "right")]
    runs = [_analysis(_steps({"overstride_pct_leg": steady}, "left") + right)
            for right in (rough, _steps({"overstride_pct_leg": steady}, "right"),
                          _steps({"overstride_pct_leg": [39.0, 40.0, 40.0, 41.0]}, "right"))]
    assert compare_metric(runs[1], runs[2], OVERSTRIDE, "both").verdict == "worse"
    dates = ("2026-01-05", "2026-02-02", "2026-03-02")
    history = _runner_history("Ana", [Recording("Ana", d, d, "clip.mp4", tmp_path / d, run, i)
                                      for i, (d, run) in enumerate(zip(dates, runs))])
    trend = history.trend("overstride_pct_leg")
    assert [p.median for p in trend.points] == pytest.approx([20.0, 20.0, 20.0])
    assert history.trend("overstride_pct_leg", "right").latest.since_previous.verdict == "worse"
    said = [n for n in history.comparability[2] if "leave out the right leg" in n]
    assert said == ["both legs' rows leave out the right leg in every recording: its timing is uncertain in 2026-01-05; "
                    "its own row has its changes"]
    assert not any("leave out the right leg in every" in n for n in history.comparability[1])  # compare's own warning there


def test_when_every_leg_is_timed_roughly_somewhere_each_pair_takes_its_legs_as_compare_does(tmp_path):
    """A reviewer's cases. (1) The left leg rough in the first of three recordings and the right in the third: both legs
    had been averaged back into every point (the first read 30 where compare of the first two reads 20, under compare's
    warning that both legs' rows leave the rough leg out). Each pair now takes its legs as compare does. (2) The right
    leg rough in the first and the left measured on 2 steps in the second: no leg is left out for its timing in every
    recording, so no pair says one is."""
    from dataclasses import replace

    from test_compare import _analysis, _steps

    from formcheck.history import Recording, _runner_history

    def leg(side: str, values: list[float], rough: bool = False) -> list:
        steps = _steps({"overstride_pct_leg": values}, side)
        return [replace(s, timing_uncertain=True) for s in steps] if rough else steps

    twenty, forty = [19.0, 20.0, 20.0, 21.0], [39.0, 40.0, 40.0, 41.0]
    runs = [_analysis(leg("left", forty, rough=True) + leg("right", twenty)),
            _analysis(leg("left", twenty) + leg("right", twenty)),
            _analysis(leg("left", twenty) + leg("right", forty, rough=True))]
    dates = ("2026-01-05", "2026-02-02", "2026-03-02")
    history = _runner_history("Ana", [Recording("Ana", d, d, "clip.mp4", tmp_path / d, run, i)
                                      for i, (d, run) in enumerate(zip(dates, runs))])
    trend = history.trend("overstride_pct_leg")
    compared = compare_metric(runs[0], runs[1], OVERSTRIDE, "both")
    assert trend.points[1].since_previous.before_median == compared.before_median == 20.0
    assert not any("in every recording" in n for notes in history.comparability for n in notes)

    runs = [_analysis(leg("left", twenty) + leg("right", forty, rough=True)),
            _analysis(leg("left", twenty[:2]) + leg("right", twenty)),
            _analysis(leg("left", twenty) + leg("right", twenty))]
    history = _runner_history("Ana", [Recording("Ana", d, d, "clip.mp4", tmp_path / d, run, i)
                                      for i, (d, run) in enumerate(zip(dates, runs))])
    assert not any("in every recording" in n for notes in history.comparability for n in notes)
