"""The HTML report: content equals the analysis, self-contained, escaped, atomic, and it renders in a browser.

The browser test loads the report in headless Chromium (Debian package ``chromium``; CI's
.ci/run installs it) at phone size (412 x 915) and desktop size (1280 x 900). A copy of the page
gets a small probe script that hooks ``console.*``, ``window`` error events (which also fire
for images that fail to decode or load) and, after load, measures the main elements; it writes
its findings as JSON into the DOM, which ``--dump-dom`` returns. Chromium's own ``CONSOLE``
log lines for the page are checked too. A broken control page proves the probe can fail.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import report
from formcheck.analysis import analyze_track
from formcheck.findings import Finding
from formcheck.result import AnalysisResult
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
]

PROBE = r"""
<script>
(function(){
  var R = window.__probe = {console: [], errors: []};
  ['error','warn','log','info'].forEach(function(level){
    var orig = console[level];
    console[level] = function(){ R.console.push(level + ': ' + Array.prototype.join.call(arguments, ' ')); return orig.apply(console, arguments); };
  });
  window.addEventListener('error', function(e){
    var t = e.target && e.target !== window ? (e.target.tagName + ' ' + String(e.target.src || e.target.href || '').slice(0, 60)) : '';
    R.errors.push((e.message || 'resource error') + ' ' + t);
  }, true);
  window.addEventListener('load', function(){
    function vis(el){
      if (!el) return false;
      var r = el.getBoundingClientRect(), s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0;
    }
    function all(sel){ return Array.prototype.slice.call(document.querySelectorAll(sel)); }
    var imgs = all('main img');
    R.h1 = vis(document.querySelector('h1'));
    R.cards = all('#headline .card').filter(vis).length;
    R.findings = all('#findings .finding').filter(vis).length;
    R.images = imgs.length;
    R.images_loaded = imgs.filter(function(i){ return i.complete && i.naturalWidth > 0 && vis(i); }).length;
    R.image_min_width = imgs.length ? Math.min.apply(null, imgs.map(function(i){ return i.getBoundingClientRect().width; })) : 0;
    R.table_rows = all('#steps tbody tr').length;
    R.table_visible = vis(document.querySelector('#steps table'));
    R.quality = vis(document.querySelector('#quality'));
    R.body_font_px = parseFloat(getComputedStyle(document.body).fontSize);
    R.viewport = window.innerWidth;
    R.page_width = document.documentElement.scrollWidth;
    R.resources = performance.getEntriesByType('resource').map(function(e){ return e.name.slice(0, 80); });
    parent.postMessage(JSON.stringify(R), '*');
  });
})();
</script>
"""


def _chromium(args: list[str], tmp: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def probe_page(page: Path, tmp: Path, size: tuple[int, int]) -> dict:
    """Load ``page`` (with the probe script added) in a frame of exactly ``size`` CSS px; return the probe's JSON.

    The frame is needed because headless Chromium will not make its window narrower than 500 px;
    the probe posts its result to the wrapper page, which ``--dump-dom`` prints.
    """
    text = page.read_text(encoding="utf-8")
    probed = tmp / f"probed-{size[0]}-{page.name}"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    wrapper = tmp / f"wrapper-{size[0]}-{page.name}"
    wrapper.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">'
        f'<iframe src="{probed.name}" style="border:0;display:block;width:{size[0]}px;height:{size[1]}px"></iframe>'
        '<pre id="__probe"></pre><script>addEventListener("message", function(e){'
        'document.getElementById("__probe").textContent = e.data; });</script></body></html>', encoding="utf-8")
    proc = _chromium([f"--window-size={max(size[0], 500) + 20},{size[1] + 100}", "--dump-dom", wrapper.as_uri()], tmp)
    m = re.search(r'<pre id="__probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"probe produced no result (rc={proc.returncode}); stderr tail: {proc.stderr[-800:]}"
    result = json.loads(html.unescape(m.group(1)))
    # Chromium logs the page's console messages as "...:CONSOLE:..." lines on stderr
    result["chromium_console"] = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln and probed.name in ln]
    return result


def assert_clean_render(result: dict, *, cards: int, findings: int, images: int, rows: int) -> None:
    assert result["chromium_console"] == [], result["chromium_console"]
    assert result["console"] == [], result["console"]
    assert result["errors"] == [], result["errors"]
    assert result["resources"] == [], f"page fetched resources: {result['resources']}"
    assert result["h1"] and result["quality"] and result["table_visible"]
    assert result["cards"] == cards
    assert result["findings"] == findings
    assert result["images"] == images and result["images_loaded"] == images
    assert result["table_rows"] == rows
    assert result["body_font_px"] >= 16
    # no sideways scrolling of the page (the step table scrolls inside its own box)
    assert result["page_width"] <= result["viewport"], result


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def raw_synthetic_analysis():
    """Analysis of a synthetic runner (formcheck.synth), whatever the pipeline makes of it."""
    g = simulate_gait(GaitParams(overstride_pct_leg=30, hip_extension_deg=3, duration_s=5, fps=30, image_size=(640, 360)))
    return analyze_track(to_pose_track(g, noise_px=1.0))


def _finding(code: str, side: str | None, severity: str, value: float, threshold: float, title: str, cue: str, drill: str) -> Finding:
    return Finding(code, title, severity, side, value, threshold, {"steps": [{"contact_frame": 10, "value": value}]},
                   cue=cue, drill=drill, note="")


@pytest.fixture(scope="module")
def synthetic_analysis(raw_synthetic_analysis):
    """The synthetic analysis with a fixed set of findings, so the report tests do not hang on the
    detector's verdicts (those are tested in test_analysis/test_findings): overstride (moderate) and
    shank reaching on the left, limited hip extension (mild) on the left, low cadence."""
    a = raw_synthetic_analysis
    left = a.summary.left
    findings = [
        _finding("overstride", "left", "moderate", left.metric("overstride_pct_leg").median or 30.0, 25.0,
                 "Overstriding: the foot lands well ahead of the body", "Land with the foot under your centre of mass.",
                 "Cadence +5-10% with a metronome; 'quiet feet' strides."),
        _finding("shank_reaching", "left", "mild", 12.0, 10.0, "Shank reaching forward at contact",
                 "Let the shin land near vertical.", "A-skips, landing under the knee."),
        _finding("limited_hip_extension", "left", "mild", left.metric("peak_hip_extension_deg").median or 5.0, 10.0,
                 "Limited hip extension: the thigh reaches little behind the body", "Drive the thigh back.", "Glute bridges & B-skips."),
        _finding("low_cadence", None, "mild", 160.0, 165.0, "Low cadence", "Quicker, shorter steps.", "Metronome runs."),
    ]
    return a.with_result(findings=tuple(findings), summary=dataclasses.replace(a.summary, walking=False),
                         quality=dataclasses.replace(a.quality, warnings=()))


@pytest.fixture(scope="module")
def fake_stills(tmp_path_factory) -> dict[str, Path]:
    """Stills named as formcheck.stills.choose_stills names them; two findings share one worst frame."""
    d = tmp_path_factory.mktemp("stills")
    out = {}
    for name, color in (("overstride_left", (0, 0, 255)), ("shank_reaching_left", (0, 0, 255)),
                        ("contact", (255, 0, 0)), ("toe_off", (0, 200, 0))):
        img = np.full((640, 360, 3), 40, np.uint8)
        cv2.circle(img, (180, 320), 60, color, -1)
        p = d / f"{name}.png"
        cv2.imwrite(str(p), img)
        out[name] = p
    return out


def test_stills_from_their_previews_are_the_stills_from_their_pngs(fake_stills, tmp_path):
    """The report takes a still's JPEG made when it was drawn instead of decoding its PNG: the same images either way,
    and with previews the PNGs are not read at all (here they do not exist)."""
    from formcheck.report_view import load_stills
    from formcheck.stills import preview_jpeg

    previews = {name: preview_jpeg(cv2.imread(str(p))) for name, p in fake_stills.items()}
    from_pngs, problems = load_stills(fake_stills)
    assert not problems and len(from_pngs) == 3  # two findings share one frame
    assert {im.data for im in from_pngs} == set(previews.values())
    assert load_stills(fake_stills, previews=previews) == (from_pngs, [])
    missing = {name: tmp_path / "gone" / f"{name}.png" for name in fake_stills}
    assert load_stills(missing, previews=previews) == (from_pngs, [])
    assert len(load_stills(missing)[1]) == 4  # without them, each missing PNG is a problem


@pytest.fixture(scope="module")
def synthetic_report(synthetic_analysis, fake_stills, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    report.write_report(synthetic_analysis, out, stills=fake_stills)
    return out


def _card_value(text: str, key: str) -> str:
    m = re.search(rf'data-key="{key}">.*?<div class="value">(.*?)</div>', text, re.S)
    assert m, f"no {key} card"
    return html.unescape(m.group(1))


# ---------------------------------------------------------------- content
def test_headline_numbers_equal_summary(synthetic_analysis, synthetic_report):
    a = synthetic_analysis
    text = synthetic_report.read_text(encoding="utf-8")
    side = "left"  # both sides flagged alike: the near leg (left, facing left) is the headline
    assert a.near_side == side
    os_med = a.summary.side(side).metric("overstride_pct_leg").median
    assert _card_value(text, "overstride") == f"{os_med:+.0f} % leg"
    he_med = a.summary.side(side).metric("peak_hip_extension_deg").median
    assert _card_value(text, "hip_extension") == f"{he_med:+.0f}°"
    assert _card_value(text, "cadence") == f"{a.summary.cadence_spm:.0f} steps/min"
    assert re.search(r'data-key="overstride"><div class="label">Overstride</div><div class="verdict">Moderate overstride<', text)
    assert re.search(r'data-key="hip_extension">.*?<div class="verdict">Mild: limited hip extension<', text, re.S)
    assert re.search(r'data-key="cadence">.*?<div class="verdict">Mild: low cadence<', text, re.S)


def test_walking_clip_verdict(raw_synthetic_analysis, tmp_path):
    from formcheck.findings import Finding as F  # noqa: N817

    a = raw_synthetic_analysis.with_result(
        summary=dataclasses.replace(raw_synthetic_analysis.summary, walking=True),
        findings=(F("no_flight_phase", "No flight phase: this looks like walking", "info", None, None, None,
                    note="Running findings are not given for walking; film a run."),))
    text = report.write_report(a, tmp_path / "r.html").read_text(encoding="utf-8")
    assert text.count("Not a run: no flight phase") == 2  # overstride and hip extension cards
    assert "Running findings are not given for walking; film a run." in text
    assert "Your walking form" in text and "walking toward image" in text and "running toward" not in text


def test_too_few_steps_is_not_judged_ok(raw_synthetic_analysis, tmp_path):
    """A leg with too few steps for a finding (a runner crossing the frame in one stride) showed "No overstride"
    at +30 % leg and "No form issue found" in the report: its cards now say it is not judged."""
    from formcheck.findings import make_findings

    steps = [s for s in raw_synthetic_analysis.steps][:2]
    findings = make_findings(steps, raw_synthetic_analysis.summary.to_dict(), None, walking=False)
    assert [f.code for f in findings] == ["insufficient_steps", "insufficient_steps"]
    a = raw_synthetic_analysis.with_result(findings=tuple(findings))
    text = report.write_report(a, tmp_path / "r.html").read_text(encoding="utf-8")
    assert text.count("Too few steps to judge") == 2  # overstride and hip extension cards
    assert "No overstride" not in text and "Good hip extension" not in text and "No form issue found" not in text
    assert "Too few steps for findings" in text and "Too few left steps" not in text  # the side is shown beside it


def test_every_finding_with_cue_and_drill(synthetic_analysis, synthetic_report):
    text = synthetic_report.read_text(encoding="utf-8")
    assert len(synthetic_analysis.findings) >= 2
    assert text.count('<div class="finding ') == len(synthetic_analysis.findings)
    for f in synthetic_analysis.findings:
        assert html.escape(f.cue) in text and html.escape(f.drill) in text and html.escape(f.title) in text


def test_self_contained_and_counts(synthetic_analysis, synthetic_report):
    text = synthetic_report.read_text(encoding="utf-8")
    srcs = re.findall(r'<img [^>]*src="([^"]*)"', text)
    assert len(srcs) == 3 + 3  # three distinct stills + three plots
    captions = re.findall(r"<figcaption><b>([^<]*)</b>", text)
    assert captions[0] == "Worst step: Overstriding, left leg; Shank reaching forward at contact, left leg"
    assert captions[1:3] == ["Typical landing", "Typical push-off (toe-off)"]
    assert all(s.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")) for s in srcs)
    assert not re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', text, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text, re.I)
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert text.count("<tbody><tr") == 1 and text.count("<tr class=") == len(synthetic_analysis.steps)


def test_text_is_escaped(synthetic_analysis, fake_stills, tmp_path):
    evil = "<script>alert('x')</script> & <b>"
    f0 = dataclasses.replace(synthetic_analysis.findings[0], cue=evil, title="T<i>")
    a = synthetic_analysis.with_result(findings=(f0, *synthetic_analysis.findings[1:]),
                                       quality=dataclasses.replace(synthetic_analysis.quality, warnings=("<img src=x onerror=alert(1)>",)))
    out = report.write_report(a, tmp_path / "r.html", stills=fake_stills)
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text and "<img src=x" not in text and "<i>" not in text
    assert html.escape(evil) in text and "T&lt;i&gt;" in text


def test_low_quality_shows_warnings_and_filming_guide(synthetic_analysis, synthetic_report, tmp_path):
    good = synthetic_report.read_text(encoding="utf-8")
    assert 'id="quality-banner"' not in good and '<details id="filming">' in good  # guide folded away
    a = synthetic_analysis.with_result(quality=dataclasses.replace(synthetic_analysis.quality,
                                                                   warnings=("runner small in the frame: film closer",)))
    text = report.write_report(a, tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="quality-banner"' in text and "runner small in the frame: film closer" in text
    # notes beside sure numbers are not called a clip "hard to read" (a newcomer's slow-motion report said so beside
    # "confidence: high"); all numbers low, or none with a confidence, are
    assert "Read these notes on the clip before the numbers." in text and "hard to read" not in text
    from formcheck.report_model import Card
    from formcheck.report_view import _banner_heading

    cards = [Card("overstride", "Overstride", "Mild", "+19 %", confidence=c) for c in ("low", "high")]
    assert _banner_heading(cards[:1]).startswith("This clip is hard to read")
    assert _banner_heading([Card("cadence", "Cadence", "-", "-")]).startswith("This clip is hard to read")
    assert _banner_heading(cards).startswith("Read these notes")
    assert '<details id="filming" open>' in text and html.escape(report.FILMING_TIPS[0]) in text
    # no stills given: the section says so, and why, instead of showing broken images
    assert "No key frames: the annotated stills were not produced for this run." in text
    assert len(re.findall(r"<img ", text)) == 3


def test_atomic_write_keeps_old_report_on_failure(synthetic_analysis, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("old report")

    def boom(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(report, "render_html", boom)
    with pytest.raises(RuntimeError):
        report.write_report(synthetic_analysis, out)
    assert out.read_text() == "old report"
    monkeypatch.undo()
    report.write_atomic(out, "new")
    assert out.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_compare_report_side_by_side(synthetic_analysis, fake_stills, tmp_path):
    better = simulate_gait(GaitParams(overstride_pct_leg=8, hip_extension_deg=14, duration_s=5, fps=30, image_size=(640, 360)))
    after = analyze_track(to_pose_track(better, noise_px=1.0))
    from formcheck.compare import compare

    comparison = compare(synthetic_analysis.result, after.result)
    saved = AnalysisResult.from_dict(json.loads(after.to_json()))  # as loaded from its analysis.json
    out = report.write_compare_report(comparison, tmp_path / "compare.html", before=synthetic_analysis,
                                      after=saved, before_stills=fake_stills)
    text = out.read_text(encoding="utf-8")
    assert 'id="before"' in text and 'id="after"' in text and 'id="changes"' in text
    b = synthetic_analysis.summary.left.metric("overstride_pct_leg").median
    assert _card_value(text, "overstride") == f"{b:+.0f} % leg"  # first card = before
    assert text.count('data-key="overstride"') == 2
    both = [c for c in comparison.changes if c.side == "both"]
    changes_table = text.split('id="changes"')[1].split("</table>")[0]
    assert len(re.findall(r"<tr><td>", changes_table)) == 3 * len(both) - 2  # both legs pooled, then each leg (cadence pooled only)
    assert changes_table.count("· left leg") == changes_table.count("· right leg") == len(both) - 1  # step cadence pooled only
    said = re.search(r'id="compare-summary">Both legs together: (\d+) measures? improved, (\d+) got worse, (\d+) show no change'
                     r"[^<]*?(?:, (\d+) changed[^<]*?)?(?:, (\d+) could not be measured[^<]*)?\.", text)
    verdicts = [c.verdict for c in both]
    assert said is not None and [int(n or 0) for n in said.groups()] == [verdicts.count(v) for v in (
        "improved", "worse", "no clear change", "changed", "not measurable")]
    for c in both:
        assert re.search(rf"<td>{re.escape(html.escape(c.label))}</td><td>[^<]* → [^<]*</td><td>{c.verdict}[ <]", text)
    # before: three stills + three plots; after from its analysis.json: no keypoints, so no thigh plot, no stills
    assert len(re.findall(r"<img ", text)) == 3 + 3 + 2
    assert "<script" not in text.lower()


# ---------------------------------------------------------------- real clip
def test_real_clip_report(treadmill_track, tmp_path):
    a = analyze_track(treadmill_track)
    out = report.write_report(a, tmp_path / "report.html")
    text = out.read_text(encoding="utf-8")
    for key, metric, unit in (("overstride", "overstride_pct_leg", " % leg"), ("hip_extension", "peak_hip_extension_deg", "°")):
        value = _card_value(text, key)
        side = re.search(rf'data-key="{key}">.*?, (left|right) leg \(median\)', text, re.S).group(1)
        assert value == f"{a.summary.side(side).metric(metric).median:+.0f}{unit}"
    assert text.count('<div class="finding ') == len(a.findings)
    assert text.count("<tr class=") == len(a.steps)


# ---------------------------------------------------------------- browser
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (/usr/bin/chromium; apt-get install chromium)")


@pytest.mark.slow  # end to end (whole CLI runs, clips written, or the browser): kept out of the fast tier
@needs_chromium
@pytest.mark.parametrize("size", [(412, 915), (1280, 900)], ids=["phone", "desktop"])
def test_renders_in_chromium(synthetic_analysis, synthetic_report, tmp_path, size):
    result = probe_page(synthetic_report, tmp_path, size)
    assert_clean_render(result, cards=3, findings=len(synthetic_analysis.findings), images=6,
                        rows=len(synthetic_analysis.steps))
    assert result["viewport"] == size[0]
    # phone: every image spans the screen (one column); desktop: stills three to a row, plots two
    assert result["image_min_width"] >= (360 if size[0] < 600 else 250)
    shot = tmp_path / f"shot-{size[0]}.png"
    _chromium([f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", synthetic_report.as_uri()], tmp_path)
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (size[1], size[0])
    assert img.std() > 10  # not a blank page


@needs_chromium
def test_probe_catches_a_broken_page(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><h1>x</h1>'
                   '<img src="data:image/png;base64,AAAA"><div style="width:3000px">wide</div>'
                   "<script>console.error('oops')</script></body></html>")
    result = probe_page(bad, tmp_path, (412, 915))
    assert result["console"] == ["error: oops"]
    assert result["errors"] and result["images_loaded"] == 0
    assert result["page_width"] > result["viewport"]
    assert result["chromium_console"]
    with pytest.raises(AssertionError):
        assert_clean_render(result, cards=0, findings=0, images=1, rows=0)


def test_plots_made_beforehand_are_the_report_plots(synthetic_analysis):
    """formcheck.outputs draws the plots on a thread while the clip is written and hands them in: the same plots."""
    from formcheck.report_view import analysis_plots, model_from_analysis

    made = model_from_analysis(synthetic_analysis).plots
    assert made and model_from_analysis(synthetic_analysis, plot_images=analysis_plots(synthetic_analysis)).plots == made


def test_steps_of_uncertain_timing_say_so_and_are_not_the_typical_ones(synthetic_analysis):
    """A newcomer's test: on a short pass, steps whose timing the analysis doubted (a thigh at toe-off of -7 deg) looked
    like every other row of the step table, and one was the report's "Typical landing"."""
    from formcheck.report_view import step_table
    from formcheck.stills import choose_stills

    result = synthetic_analysis.result
    near = [i for i, s in enumerate(result.steps) if s.side == result.near_side and s.overstride_pct_leg is not None]
    by_value = sorted(near, key=lambda i: result.steps[i].overstride_pct_leg)
    typical_before = next(c for c in choose_stills(result.steps, (), result.near_side) if c.kind == "contact").step_index
    assert typical_before == by_value[len(by_value) // 2]  # the near leg's median landing
    doubted = {typical_before, by_value[0]}
    steps = tuple(dataclasses.replace(s, timing_uncertain=i in doubted) for i, s in enumerate(result.steps))
    _, rows, classes = step_table(dataclasses.replace(result, steps=steps), [0.0] * len(steps))
    for i, (row, cls) in enumerate(zip(rows, classes)):
        assert ("timing uncertain" in row[1]) == (i in doubted) and ("uncertain" in cls.split()) == (i in doubted)
    sure = [i for i in by_value if i not in doubted]
    typical = next(c for c in choose_stills(steps, (), result.near_side) if c.kind == "contact").step_index
    assert typical == sure[len(sure) // 2]


def test_a_value_that_rounds_to_zero_has_no_minus():
    from formcheck.report_model import fmt

    assert (fmt(-0.3), fmt(-0.3, signed=True), fmt(-0.04, 1), fmt(-0.06, 1)) == ("0", "+0", "0.0", "-0.1")
    assert (fmt(None), fmt(12.5, 0, " ms"), fmt(-1.5, signed=True)) == ("–", "13 ms", "-2")


def test_a_half_rounds_the_same_way_wherever_it_is_printed():
    """A median ending in a half (of an even count of steps) read 214 ms in the report and 213 in compare, 343 and
    344 (a newcomer's test): Python rounds an exact half to even, and x 1000 a half can land a hair under it in floats.
    Halves go away from zero, after the float's own error, in the report's figures and the terminal tables alike."""
    from formcheck.cli import _plain, _signed
    from formcheck.report_model import fmt, rounded

    assert round(212.5) == 212 and 0.5005 * 1000 < 500.5  # the premises: halves to even, and float error
    assert (fmt(0.5005 * 1000), _plain(0.5005 * 1000, 0), fmt(0.3435 * 1000)) == ("501", "501", "344")
    assert (fmt(212.5), fmt(-2.5), _signed(-2.5, 0), _signed(0.25, 1), fmt(0.15, 1)) == ("213", "-3", "-3", "+0.3", "0.2")
    assert rounded(213.4999, 0) == 213.0  # a value truly under the half stays under


def test_a_trimmed_run_says_where_in_the_file_it_starts() -> None:
    """`--start 6 --end 12`: the step table lists the file's frames (185) while the annotated clip starts at 0, and the
    header only said "6.0 s at 30 fps" (a newcomer's test); it now gives the analysed part's frames in the file."""
    from formcheck.report_view import _subtitle
    from formcheck.result import VideoInfo

    trimmed = AnalysisResult(video=VideoInfo(fps=30.0, frame_count=180, duration_s=6.0, first_frame=180))
    said = "frames 180-359 of the file (the analysis, and any annotated clip of it, start at frame 180; the table gives the file's frames)"
    assert f"6.0 s at 30 fps, {said}" in _subtitle(trimmed)[0]
    # with --fps 240 (8x slow motion) the rate saved is the real one: frame 180 of the file is not 0.75 s into it
    slow = AnalysisResult(video=VideoInfo(fps=240.0, frame_count=180, duration_s=0.75, first_frame=180))
    assert said in _subtitle(slow)[0] and "into the file" not in _subtitle(slow)[0]
    whole = AnalysisResult(video=VideoInfo(fps=30.0, frame_count=180, duration_s=6.0))
    assert "of the file" not in _subtitle(whole)[0]


def test_the_thigh_plot_marks_toe_off_where_the_steps_put_it():
    """The plot's toe-off sits at the stance's share of the stride measured between the events' instants: cut at
    their frames it sat 43 % into treadmill_side_01's left stride against 48 %, and read +10° beside the card's
    +14° (a newcomer's test). A synthetic runner at 30 fps, duty factor 0.36, contact and toe-off between frames."""
    from formcheck.analysis import analyze_track
    from formcheck.report_view import thigh_cycle_curves
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    analysis = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8, cadence_spm=170)), noise_px=0.5))
    _, pcts = thigh_cycle_curves(analysis.result, analysis)
    for side in ("left", "right"):
        st = analysis.events.for_side(side)
        share = [100 * (a.toe_off_at_s - a.contact_at_s) / (b.contact_at_s - a.contact_at_s) for a, b in zip(st, st[1:])]
        assert np.nanmedian(pcts[side]) == pytest.approx(np.median(share), abs=0.5)


def test_the_thigh_plots_toe_off_label_gives_the_cards_figure(monkeypatch):
    """The card said "At toe-off: +12°" and the plot beside it "toe-off +13°": the average curve at the median
    toe-off is not the median of the steps' values (a newcomer's test). The label gives the leg's reported median,
    rounded as the card rounds it; the curve's value only when the leg has none."""
    from matplotlib.axes import Axes

    from formcheck import plots
    from formcheck.report_model import fmt
    from formcheck.report_view import report_plots

    from formcheck.result import MetricSummary, SideSummary

    analysis = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8, hip_extension_deg=12.5)), noise_px=1.0))
    summary = analysis.result.summary
    # the legs' reported medians made to differ (the model runner's are alike), so a label given to the wrong leg shows
    legs = {side: SideSummary({**summary.side(side).metrics, "hip_extension_deg": MetricSummary(value, (value - 1, value + 1), 8)})
            for side, value in (("left", 12.4), ("right", 17.6))}
    result = dataclasses.replace(analysis.result, summary=dataclasses.replace(summary, **legs))
    said: list[tuple[str, str]] = []
    real = Axes.annotate
    monkeypatch.setattr(Axes, "annotate", lambda self, text, *a, **k: (said.append((text, k.get("color"))), real(self, text, *a, **k))[1])
    colours = plots.side_colors(result.near_side)
    report_plots(result, analysis, colours)
    assert sorted((t, c) for t, c in said if t.startswith("toe-off")) == sorted(
        [(f"toe-off {fmt(12.4, 0, signed=True)}°", colours["left"]), (f"toe-off {fmt(17.6, 0, signed=True)}°", colours["right"])])


@pytest.mark.parametrize(("counts", "said"), [((8, 8), "both feet: each foot's median, averaged"), ((8, 2), "left foot's median"),
                                              ((2, 2), "both feet: each foot's median, averaged"), ((2, 0), "left foot's median")])
def test_the_contact_time_card_says_whose_median_it_is(raw_synthetic_analysis, counts, said):
    """Both feet's contact time averages the feet with 3 or more contact times, else those with any
    (formcheck.analysis.both_feet); the card said "each foot's median, averaged" of one foot, or of none (reviewers'
    catches)."""
    from formcheck.report_view import headline_cards
    from formcheck.result import MetricSummary, SideSummary

    summary = raw_synthetic_analysis.summary
    sides = {side: SideSummary({**summary.side(side).metrics, "contact_time_s": MetricSummary(0.25, (0.24, 0.26), n)})
             for side, n in zip(("left", "right"), counts)}
    result = dataclasses.replace(raw_synthetic_analysis.result, summary=dataclasses.replace(summary, **sides))
    card = next(c for c in headline_cards(result) if c.key == "cadence")
    assert any(f"({said})" in d for d in card.details), card.details
