"""Before/after comparison: did the runner's form really change, beyond step-to-step noise?

For every metric and side: the median and IQR over steps before and after, the difference of
the medians with a 95% bootstrap interval (steps resampled within each clip), and a verdict in
the metric's own direction of good. A difference is only called "improved" or "worse" when the
interval excludes zero AND the difference is at least the metric's smallest detectable
change (SDC, table below); otherwise it is "no clear change". The SDCs and their sources are in
:data:`METRICS` and docs/compare.md.

Inputs are :class:`formcheck.result.AnalysisResult` s, computed (``Analysis.result``) or loaded
from a saved ``analysis.json`` (:func:`load_analysis_json`): the comparison itself only needs
per-step values, so a past run need not be re-processed.

Two runs that cannot be compared (:func:`comparability_refusals`: walking against running, very
different speeds, one camera moving and the other still, very different scale) raise
:class:`NotComparableError` unless ``force``; then the reasons head the comparability warnings.
Legs are compared by anatomical side ("left", "right"), both together ("both": each leg's median,
averaged), and, when the clips were filmed from opposite sides, also by their place relative to the
camera ("near", "far"):
the near leg is seen and measured better, so near against near is the like-for-like comparison
(and the one under which a mirrored copy of a clip shows no change).

Findings are new, resolved or still there only when clearly stated in the runs concerned: a
borderline finding (its median's interval reaches across the threshold) is neither present nor
absent, so a finding borderline in either run is listed as borderline instead (``findings_borderline``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .atomic import write_text_atomic
from .metrics import counted_steps
from .result import HEEL_BACK, OVERSTRIDE_REACH, AnalysisResult, ResultFormatError
from .rounding import rounded

Better = Literal["lower", "higher", "none", "vertical"]  # which way a metric improves ("vertical": nearer 0 deg, verdict())
Verdict = Literal["improved", "worse", "no clear change", "changed", "not measurable", "view differs", "timing uncertain"]


@dataclass(frozen=True)
class MetricSpec:
    """One compared metric: where it is in a step, which way is better, and its SDC."""

    key: str
    label: str
    unit: str
    better: Better
    sdc: float  # smallest detectable change, in the metric's unit
    sdc_source: str


_DINGENEN = "Dingenen et al. 2018, Phys Ther Sport 33:40-47 (2-D video running, test-retest SDD 1.3-4.8 deg)"
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("overstride_pct_leg", "Overstride (heel ahead of COM)", "% leg", "lower", 3.0,
               "formcheck's landmark error on rendered runners with known joint centres (median <= 3% of leg length, scripts/measure_synthetic_landmarks.py)"),
    MetricSpec("shank_angle_deg", "Shank angle at contact", "deg", "vertical", 4.8, _DINGENEN + ": tibia inclination at contact, SDD up to 4.8 deg"),
    MetricSpec("hip_extension_deg", "Hip extension at toe-off", "deg", "higher", 5.0,
               "Damsted et al. 2015, Int J Sports Phys Ther (2-D hip angle in running, within-day 95% limits 3-7 deg) and markerless "
               "hip angles' treadmill RMSE of ~5-6 deg vs markers"),
    MetricSpec("peak_hip_extension_deg", "Peak hip extension", "deg", "higher", 5.0,
               "as for hip extension at toe-off (Damsted et al. 2015; markerless hip RMSE ~5-6 deg)"),
    MetricSpec("hip_extension_velocity_deg_s", "Hip drive (extension speed in stance)", "deg/s", "higher", 20.0,
               "5 deg hip-angle SDC spread over a ~0.25 s stance"),
    MetricSpec("knee_flexion_contact_deg", "Knee flexion at contact", "deg", "none", 3.8, _DINGENEN + ": knee flexion, SDD up to 3.8 deg"),
    MetricSpec("contact_time_s", "Contact time", "s", "lower", 0.02,
               "one frame at 50-60 fps; larger (1.5 frames) for slower clips"),
    MetricSpec("step_cadence_spm", "Step cadence", "steps/min", "higher", 3.0,
               "about 2% of a typical 170 steps/min at 60 fps, scaled with the frame period below it (6 at 30 fps): "
               "each step timed to within a frame, the difference of two ~8-step medians"),
)
COMPARED_SIDES = ("left", "right", "both")  # plus "near" and "far" when the camera sides differ
SHOWN_SIDE_ORDER = ("both", "left", "right")  # Comparison.shown_changes: both legs first, then each leg
WARN_LEG_PX_RATIO = 1.4  # the runner's leg this many times longer in pixels in one clip: said (720p against 480p is 1.5)
MIN_STEPS = 3  # steps with a value a leg needs in each run to be compared (fewer: "not measurable")
POOLED_ONLY = frozenset({"step_cadence_spm"})  # shown for both legs together only (Comparison.shown_changes)

# Refusals (docs/compare.md): beyond these the two runs are not the same kind of run, filmed the same way.
REFUSE_CADENCE_RATIO = 1.20  # the larger cadence over the smaller (either order): beyond it a different pace. Well above
# the +5-10 % the low-cadence cue asks a runner for, so a run that followed it still compares
WARN_CADENCE_RATIO = 1.08  # beyond it a warning: probably a different speed
# (speed itself is not used: the feet's ground speed read from MediaPipe on the rendered samples, all at 3.0 m/s,
# came out 2.1-3.8 leg lengths/s)
REFUSE_SCALE_RATIO = 2.0  # the leg fills over twice the share of the frame height in one clip


class NotComparableError(Exception):
    """Two runs that cannot be compared (message says why, and that ``force`` compares them anyway)."""


@dataclass(frozen=True)
class MetricChange:
    metric: str
    label: str
    unit: str
    side: str
    before_median: float | None  # "both": the legs' medians averaged (_balanced_legs)
    before_iqr: tuple[float, float] | None
    n_before: int
    after_median: float | None
    after_iqr: tuple[float, float] | None
    n_after: int
    difference: float | None  # after - before (medians)
    ci95: tuple[float, float] | None  # bootstrap interval of the difference
    sdc: float
    sdc_source: str
    better: str
    verdict: str

    def change_digits(self, digits: int, scale: float = 1.0) -> int:
        """Decimals to print the difference (x ``scale``) with: ``digits``, or as many more (up to 3) as it takes not to
        read as the SDC it falls short of (4.996 deg shown "+5.0" beside an SDC of 5 and "no clear change", a
        newcomer's test)."""
        if self.difference is None:
            return digits
        diff, sdc = abs(self.difference * scale), self.sdc * scale
        shown = digits
        while diff < sdc and rounded(diff, shown) >= sdc and shown < digits + 3:
            shown += 1
        return shown


@dataclass(frozen=True)
class Comparison:
    """What changed between two runs of the same runner."""

    before_source: str
    after_source: str
    changes: list[MetricChange]
    findings_appeared: list[str]
    findings_resolved: list[str]
    findings_persisting: list[str]
    comparability: list[str]  # warnings: why the two clips may not be comparable
    before_summary: dict[str, Any] = field(default_factory=dict)
    after_summary: dict[str, Any] = field(default_factory=dict)
    findings_borderline: list[str] = field(default_factory=list)  # borderline in either run: not counted as new or resolved
    # ... and what each was in either run: name -> (before, after), each its grade, "borderline" or "none"
    findings_borderline_states: dict[str, tuple[str, str]] = field(default_factory=dict)

    def borderline_shown(self) -> list[str]:
        """``"overstride (left): borderline before, mild after"`` for each borderline finding: the name alone had hidden
        one gone from borderline to mild (a newcomer's test)."""
        return [name + (f": {states[0]} before, {states[1]} after" if (states := self.findings_borderline_states.get(name)) else "")
                for name in self.findings_borderline]

    def change(self, metric: str, side: str = "both") -> MetricChange:
        return next(c for c in self.changes if c.metric == metric and c.side == side)

    def shown_changes(self) -> list[MetricChange]:
        """The rows a person reads: each metric with both legs together, then each leg alone (anatomical side). Both
        alone hid the legs: a shank of -8 deg on one leg and +12 on the other read +2, and the bundled before/after
        pair's left leg, whose hip extension at toe-off went from 7 to 16 deg ("improved"), read "no clear change"
        together with a far leg that MediaPipe reads low (a newcomer's test).

        Clips filmed from opposite sides also get each leg by its place ("near", "far": like with like). Step cadence
        is shown pooled only: a leg's steps are timed between the two feet's markers, whose alternation is no
        asymmetry to act on (docs/definitions.md), and the bundled pair, rendered at 170 steps/min on both legs,
        read "worse" on one leg (176 -> 172)."""
        order = {spec.key: i for i, spec in enumerate(METRICS)}
        sides = SHOWN_SIDE_ORDER + tuple(side for side in ("near", "far") if any(c.side == side for c in self.changes))
        shown = [c for c in self.changes if c.side in sides and (c.side == "both" or c.metric not in POOLED_ONLY)]
        return sorted(shown, key=lambda c: (order.get(c.metric, len(order)), sides.index(c.side)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before_source,
            "after": self.after_source,
            "comparability_warnings": self.comparability,
            "changes": [asdict(c) for c in self.changes],
            "findings": {"appeared": self.findings_appeared, "resolved": self.findings_resolved, "persisting": self.findings_persisting,
                         "borderline": self.findings_borderline,
                         "borderline_states": {name: {"before": b, "after": a} for name, (b, a) in self.findings_borderline_states.items()}},
            "before_summary": self.before_summary,
            "after_summary": self.after_summary,
        }

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")


def load_analysis_json(path: str | os.PathLike[str]) -> AnalysisResult:
    """A saved analysis.json; :class:`formcheck.analysis.AnalysisError` when it is not one."""
    from .analysis import AnalysisError

    try:
        return AnalysisResult.load(path)
    except (OSError, ResultFormatError) as exc:
        raise AnalysisError(f"{path}: not a formcheck analysis.json ({exc})") from exc


def _anatomical(analysis: AnalysisResult, side: str) -> str:
    """"near"/"far" as the anatomical leg of this clip (the near leg faces the camera); others as they are."""
    if side == "near":
        return analysis.near_side
    if side == "far":
        return "right" if analysis.near_side == "left" else "left"
    return side


def _leg_values(analysis: AnalysisResult, spec: MetricSpec, side: str) -> dict[str, np.ndarray]:
    """Each leg's values (anatomical side; "both": the two legs) over the steps the analysis' own medians are taken
    over (formcheck.metrics.counted_steps: each leg's certain steps when enough remain). All steps had counted here, so
    compare and history gave a leg other medians than its report (a newcomer's test: 21.1 against the report's 22.3 %
    leg, two timing-uncertain steps in)."""
    leg = _anatomical(analysis, side)
    out = {}
    for each in ("left", "right") if leg == "both" else (leg,):
        steps = counted_steps([t for t in analysis.steps if t.side == each])
        if spec.key == "step_cadence_spm":
            values = [60.0 / s.step_time_s for s in steps if s.step_time_s]
        else:
            values = [getattr(s, spec.key) for s in steps]
        out[each] = np.array([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    return out


def timing_doubtful_legs(analysis: AnalysisResult) -> list[str]:
    """The legs whose medians rest mostly on timing-uncertain steps (too few certain ones to leave those out: the report
    calls such a leg's medians rough). A change read on them is not judged: a newcomer's copy of one running with frames
    dropped at steady intervals read the far leg's contact time 351 ms against 274 and was called worse."""
    out = []
    for leg in ("left", "right"):
        steps = counted_steps([t for t in analysis.steps if t.side == leg])
        if steps and sum(bool(t.timing_uncertain) for t in steps) > DOUBTFUL_SHARE * len(steps):
            out.append(leg)
    return out


DOUBTFUL_SHARE = 0.5  # a leg's counted steps more than this share timing-uncertain: its changes are not judged


def _step_values(analysis: AnalysisResult, spec: MetricSpec, side: str) -> np.ndarray:
    """All the values :func:`_leg_values` gives, the legs' together."""
    return np.concatenate(list(_leg_values(analysis, spec, side).values()))


def legs_measured_in_all(results: list[AnalysisResult], spec: MetricSpec) -> tuple[str, ...]:
    """The legs with MIN_STEPS or more values of ``spec`` in every one of ``results`` that has a leg so measured: those
    "both" averages over a runner's recordings (formcheck.history), so that each recording's point and every change
    take the same legs."""
    values = [v for v in (_leg_values(r, spec, "both") for r in results) if any(x.size >= MIN_STEPS for x in v.values())]
    # a recording with no leg measured (a short pass) has no both-legs value to agree with: it does not empty the set
    return tuple(leg for leg in ("left", "right") if values and all(v[leg].size >= MIN_STEPS for v in values))


def _balanced_legs(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> list[str]:
    """The legs "both" is taken over: each with MIN_STEPS or more values in both runs.

    Both legs are each leg's median averaged, each leg counting once whatever its number of steps. Pooled, the steps'
    median jumps between the legs when they differ and their step counts do: a newcomer's runs had knee flexion at
    contact 29 deg on the near leg and 7 on the far one, and "both" went 19.2 -> 23.6 while the left leg moved -0.3
    and the right -0.5 (the uncertain steps the medians leave out differed). A leg with fewer steps in either run is
    left out of both numbers, so that the two compare the same legs."""
    return [leg for leg in before if before[leg].size >= MIN_STEPS and after.get(leg, np.empty(0)).size >= MIN_STEPS]


def _iqr(values: np.ndarray) -> tuple[float, float]:
    q1, q3 = np.percentile(values, [25, 75])
    return round(float(q1), 6), round(float(q3), 6)


def bootstrap_median_difference(before: np.ndarray, after: np.ndarray, *, n_resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of median(after) - median(before), steps resampled within each clip."""
    return bootstrap_balanced_difference([before], [after], n_resamples=n_resamples, seed=seed)


def bootstrap_balanced_difference(before: list[np.ndarray], after: list[np.ndarray], *, n_resamples: int = 2000,
                                  seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the legs' mean median after minus before (``before[i]`` and ``after[i]``: one leg's
    steps), steps resampled within each leg of each clip."""
    rng = np.random.default_rng(seed)
    b = np.mean([np.median(rng.choice(x, size=(n_resamples, x.size), replace=True), axis=1) for x in before], axis=0)
    a = np.mean([np.median(rng.choice(x, size=(n_resamples, x.size), replace=True), axis=1) for x in after], axis=0)
    low, high = np.percentile(a - b, [2.5, 97.5])
    return float(low), float(high)


def verdict(difference: float, ci95: tuple[float, float], sdc: float, better: Better,
            before_median: float | None = None, after_median: float | None = None) -> Verdict:
    """Improved/worse only if the interval excludes zero and the change reaches the SDC.

    ``better="vertical"`` (the shank at contact, Souza 2016: a tibia near vertical is the target) needs the medians:
    improved when the after median is nearer 0 deg by the SDC, worse when the shin reaches forward (ahead of
    vertical) by the SDC more, else "changed" (it crossed vertical, or ends further behind it). "Lower is better" had
    called a shank going from +2.9 to -8.6 deg (from near vertical to well behind it) "improved"; and a change across
    vertical must move the distance from it by the SDC too (-4 -> +3.5 deg is no nearer vertical)."""
    real = (ci95[0] > 0 or ci95[1] < 0) and abs(difference) >= sdc
    if not real:
        return "no clear change"
    if better == "none":
        return "changed"
    if better == "vertical":
        if before_median is None or after_median is None:
            raise ValueError("a 'vertical' metric's verdict needs both medians")
        if abs(after_median) <= abs(before_median) - sdc:
            return "improved"
        return "worse" if max(after_median, 0.0) - max(before_median, 0.0) >= sdc else "changed"
    good = difference < 0 if better == "lower" else difference > 0
    return "improved" if good else "worse"


def sdc_for(spec: MetricSpec, fps: float) -> float:
    """Timing metrics are timed to a fraction of a frame: their SDC grows with the frame period."""
    if spec.key == "contact_time_s" and fps > 0:
        return max(spec.sdc, 1.5 / fps)
    if spec.key == "step_cadence_spm" and fps > 0:
        return max(spec.sdc, spec.sdc * 60.0 / fps)
    return spec.sdc


def compare_metric(before: AnalysisResult, after: AnalysisResult, spec: MetricSpec, side: str, *, seed: int = 0,
                   legs: tuple[str, ...] | None = None) -> MetricChange:
    """One metric of one side judged between two runs. ``legs``: the legs "both" averages (default
    :func:`_balanced_legs` of the two runs; history gives those measured in every recording of a runner, so that its
    points and its changes take the same legs)."""
    b_legs, a_legs = _leg_values(before, spec, side), _leg_values(after, spec, side)
    cadence = spec.key == "step_cadence_spm" and side == "both"  # each clip's own, from whole strides
    rough = set() if cadence else set(timing_doubtful_legs(before)) | set(timing_doubtful_legs(after))
    balanced = (list(legs) if legs is not None else _balanced_legs(b_legs, a_legs)) if side == "both" else []
    if legs is None and len(set(balanced) - rough) < len(balanced) and set(balanced) - rough:
        balanced = [leg for leg in balanced if leg not in rough]  # both legs: those timed well enough in both runs
    if balanced:  # both legs: each leg once, the same legs in both runs
        b_legs, a_legs = ({leg: values[leg] for leg in balanced} for values in (b_legs, a_legs))
    b, a = np.concatenate(list(b_legs.values())), np.concatenate(list(a_legs.values()))
    fps = min(float(before.video.fps or 0), float(after.video.fps or 0))
    sdc = sdc_for(spec, fps)
    common: dict[str, Any] = {"metric": spec.key, "label": spec.label, "unit": spec.unit, "side": side, "n_before": int(b.size),
                              "n_after": int(a.size), "sdc": sdc, "sdc_source": spec.sdc_source, "better": spec.better}
    # both legs need each leg averaged measured in both runs: 3 steps of a clip too short for findings, 1 of one leg and
    # 2 of the other, had called contact time "improved" while no leg could be compared (a newcomer's test)
    unmeasured = side == "both" and (not balanced or any(x.size < MIN_STEPS for x in (*b_legs.values(), *a_legs.values())))
    # a clip whose report states no cadence (a short pass) has none here either: the steps' median had read 168 steps/min
    # of a clip its report calls "cadence unknown" (a newcomer's test)
    unstated = spec.key == "step_cadence_spm" and side == "both" and not (before.summary.cadence_spm and after.summary.cadence_spm)
    if b.size < MIN_STEPS or a.size < MIN_STEPS or unmeasured or unstated:
        (median_b, iqr_b), (median_a, iqr_a) = (_shown_alone(before, spec, side), _shown_alone(after, spec, side))
        return MetricChange(before_median=median_b, before_iqr=iqr_b, after_median=median_a, after_iqr=iqr_a,
                            difference=None, ci95=None, verdict="not measurable", **common)
    if balanced:
        (median_b, iqr_b), (median_a, iqr_a) = _legs_average(b_legs), _legs_average(a_legs)
        ci = bootstrap_balanced_difference(list(b_legs.values()), list(a_legs.values()), seed=seed)
    else:
        (median_b, iqr_b), (median_a, iqr_a) = (float(np.median(b)), _iqr(b)), (float(np.median(a)), _iqr(a))
        ci = bootstrap_median_difference(b, a, seed=seed)
    difference = median_a - median_b
    if spec.key in READ_AT_AN_EVENT:  # the events' timing error, which a leg's steps share and the bootstrap cannot see
        shared = _timing_error(before, spec, list(b_legs)) + _timing_error(after, spec, list(a_legs))
        ci = (ci[0] - np.sqrt(shared), ci[1] + np.sqrt(shared))
    judged = verdict(difference, ci, sdc, spec.better, median_b, median_a)
    used = set(balanced) if balanced else {_anatomical(before, side), _anatomical(after, side)}
    if used & rough:
        judged = "timing uncertain"  # read on a leg timed roughly in one of the runs: comparability_warnings says so
    if cadence:
        # each clip's own cadence (whole strides) where its report states one: the steps' median had read 168 beside
        # the report's 169 on one page (a newcomer's test). The steps' IQR and interval are moved with it.
        stated_b, stated_a = before.summary.cadence_spm, after.summary.cadence_spm
        shift_b, shift_a = (stated_b - median_b if stated_b else 0.0), (stated_a - median_a if stated_a else 0.0)
        iqr_b, iqr_a = (iqr_b[0] + shift_b, iqr_b[1] + shift_b), (iqr_a[0] + shift_a, iqr_a[1] + shift_a)
        ci = (ci[0] + shift_a - shift_b, ci[1] + shift_a - shift_b)
        median_b, median_a = median_b + shift_b, median_a + shift_a
        difference = median_a - median_b
    return MetricChange(
        before_median=round(median_b, 6), before_iqr=(round(iqr_b[0], 6), round(iqr_b[1], 6)),
        after_median=round(median_a, 6), after_iqr=(round(iqr_a[0], 6), round(iqr_a[1], 6)),
        difference=round(difference, 6), ci95=(round(ci[0], 6), round(ci[1], 6)),
        verdict=judged if not cadence else verdict(difference, ci, sdc, spec.better, median_b, median_a), **common,
    )


# Metrics read at a contact or toe-off instant (or between the two), which move with a leg's timing: overstride is read
# at the foot's reach around the contact, which a contact timed a frame off does not move, and its timing_pm holds the
# frames' sampling of that reach, which differs step to step (the bootstrap sees it); the peak hip extension is a peak.
READ_AT_AN_EVENT = frozenset({"shank_angle_deg", "knee_flexion_contact_deg", "hip_extension_deg", "hip_extension_velocity_deg_s",
                              "contact_time_s"})


def _timing_error(run: AnalysisResult, spec: MetricSpec, legs: list[str]) -> float:
    """The variance of a run's median of ``spec`` over ``legs`` (each leg's median averaged) that the events' timing
    error makes: each leg's ``timing_pm`` (formcheck.metrics.spread: how far the leg's values move together when its
    events move by the timing error) squared, over the legs' count squared. A leg's steps share that error, so the
    steps' bootstrap cannot see it: the same running with 2.5 s of a still picture before it had its far leg's contacts
    a frame later (both within a frame of the labels), and the far shank called worse by 6.4 deg [1.7, 11.8] against an
    SDC of 4.8 (a newcomer's test). 0 where a file has no timing_pm (written before it)."""
    pms = [run.summary.side(leg).metric(spec.key).timing_pm for leg in legs if leg in ("left", "right")]
    return float(sum((pm or 0.0) ** 2 for pm in pms)) / max(1, len(pms)) ** 2


def _shown_alone(run: AnalysisResult, spec: MetricSpec, side: str) -> tuple[float | None, tuple[float, float] | None]:
    """A run's median and IQR of ``spec`` where no change can be judged, as the run gives them whatever it is compared
    with: for both legs, each leg's median averaged over the legs with MIN_STEPS or more values (else over those with
    any), as a measurable row averages them; a cadence as the run's report states it (None when it states none).
    The pooled steps' median had shown the same run's overstride at 20.4 beside a clip too short to compare and 20.6
    beside another (a newcomer's test)."""
    legs = _leg_values(run, spec, side)
    if spec.key == "step_cadence_spm" and side == "both":
        stated, steps = run.summary.cadence_spm, np.concatenate(list(legs.values()))
        if not stated:
            return None, None
        shift = float(stated) - float(np.median(steps)) if steps.size else 0.0  # the steps' IQR moved onto it, as judged
        q1, q3 = _iqr(steps) if steps.size else (float(stated), float(stated))
        return round(float(stated), 6), (round(q1 + shift, 6), round(q3 + shift, 6))
    if side == "both":
        # without the run's legs timed roughly while another leg has values, as the measurable rows and the warnings
        # say (a newcomer's compare: "1.2 -> 19.5" both legs, 1.2 the mean of a rough -18.1 and 20.5)
        rough = set(timing_doubtful_legs(run))
        if any(x.size for leg, x in legs.items() if leg not in rough):
            legs = {leg: x for leg, x in legs.items() if leg not in rough}
        taken = {leg: x for leg, x in legs.items() if x.size >= MIN_STEPS} or {leg: x for leg, x in legs.items() if x.size}
        if not taken:
            return None, None
        median, (q1, q3) = _legs_average(taken)
        return round(median, 6), (round(q1, 6), round(q3, 6))
    values = np.concatenate(list(legs.values()))
    return (round(float(np.median(values)), 6), _iqr(values)) if values.size else (None, None)


def _legs_average(legs: dict[str, np.ndarray]) -> tuple[float, tuple[float, float]]:
    """Both legs' median and IQR: each leg's median, and each end of its IQR, averaged (the median stays inside the IQR,
    as each leg's does; the pooled steps' IQR, beside the averaged median, had put 18.0 outside 28.5-29.0)."""
    quartiles = np.array([np.percentile(x, [25, 50, 75]) for x in legs.values()]).mean(axis=0)
    return float(quartiles[1]), (float(quartiles[0]), float(quartiles[2]))


def _camera_moved(analysis: AnalysisResult) -> bool | None:
    """Whether the camera moved through the clip (None: not checked). One still for the most part that moved for a while
    (``moving_run_s``: a shake, then still) counts as still: it was not followed on a moving camera (a review's catch)."""
    motion = analysis.quality.camera_motion or {}
    return bool(motion.get("warning")) and "moving_run_s" not in motion if motion.get("checked") else None


def comparability_refusals(before: AnalysisResult, after: AnalysisResult) -> list[str]:
    """Why the two runs cannot be compared at all (empty: they can). Thresholds: docs/compare.md."""
    reasons = []
    walk_b, walk_a = bool(before.summary.walking), bool(after.summary.walking)
    if walk_b != walk_a:
        kinds = ("walking" if walk_b else "running", "walking" if walk_a else "running")
        reasons.append(f"before is {kinds[0]} and after is {kinds[1]}: walking and running form cannot be compared")
    ratio = _cadence_ratio(before, after)
    if ratio is not None and ratio > REFUSE_CADENCE_RATIO:
        pair, note = _cadence_pair(before, after)
        reasons.append(f"cadence {pair} (the higher {ratio - 1:.0%} above the lower{note}): a different pace; film both at "
                       "the same speed")
    moved_b, moved_a = _camera_moved(before), _camera_moved(after)
    if moved_b is not None and moved_a is not None and moved_b != moved_a:
        which = "before" if moved_b else "after"
        reasons.append(f"the {which} clip was filmed with a moving camera and the other with a still one: film both from a tripod")
    scale = _scale_refusal(before, after)
    if scale:
        reasons.append(scale)
    return reasons


def _scale_refusal(before: AnalysisResult, after: AnalysisResult) -> str | None:
    """Why the runner's sizes in the two clips are too far apart to compare, or None.

    The landmarks' error, in % of leg length, follows the leg's size in the pixels the model saw; the share of the
    frame only where those are unknown (a crop doubles the share and changes nothing, a reviewer's catch)."""
    leg_b, leg_a = _leg_fraction_of_frame(before), _leg_fraction_of_frame(after)
    px_b, px_a = _leg_px_seen(before), _leg_px_seen(after)
    if px_b and px_a:
        if max(px_a, px_b) / min(px_a, px_b) > REFUSE_SCALE_RATIO:
            return (f"the runner's leg is {px_b:.0f} vs {px_a:.0f} px tall as the pose model saw it: film both from "
                    "the same distance and at the same resolution")
    elif leg_b and leg_a and max(leg_a, leg_b) / min(leg_a, leg_b) > REFUSE_SCALE_RATIO:
        return f"the runner fills {leg_b:.0%} vs {leg_a:.0%} of the frame height (leg): film both from the same distance"
    return None


# How analysis.json says overstride was measured: (field, what formcheck writes now, since which version, what older
# files measured instead). Two clips measured differently cannot be compared on overstride.
OVERSTRIDE_MEASURES = (
    ("overstride_heel", HEEL_BACK, "0.2", "which measured overstride to MediaPipe's heel landmark, about 3 % of leg "
     "length ahead of the back of the heel measured now"),
    ("overstride_read", OVERSTRIDE_REACH, "0.4", "which read overstride where the heel was at the detected contact "
     "instant (a contact timed a frame off moved it by up to about 10 % of leg length at 30 fps; now it is the foot's "
     "reach ahead of the body as it lands)"),
)


def comparability_warnings(before: AnalysisResult, after: AnalysisResult, *, refused_too: bool = True) -> list[str]:
    """Reasons the two clips may not be comparable, and how each limits the verdicts."""
    warnings = []
    if before.facing != after.facing:
        warnings.append(
            f"filmed from different sides (facing {before.facing} vs {after.facing}): the near leg is the {before.near_side} "
            f"before and the {after.near_side} after; 'left' and 'right' compare the same leg (anatomical side), seen better "
            "in one clip than in the other, so their rows get no verdict and no leg's finding is called new or resolved; "
            "'near' and 'far' compare like with like"
        )
    if before.mode != after.mode:
        warnings.append(f"{before.mode} vs {after.mode} running: treadmill and overground form differ")
    heights = (before.height_cm, after.height_cm)
    if None not in heights and abs(heights[0] - heights[1]) > 0.5:
        # a saved analysis.json keeps the height it was made with; --height sets only the runs analysed now (a
        # newcomer's compare read "+20 cm" before and "+17 cm" after on one scale each, with no word of it)
        warnings.append(f"the runner's height was {heights[0]:g} cm before and {heights[1]:g} cm after: each report's overstride "
                        "in cm is on its own scale; the % leg figures compare")
    for key, now, since, then in OVERSTRIDE_MEASURES:
        if getattr(before, key) != getattr(after, key):
            old = "before" if getattr(before, key) != now else "after"
            warnings.append(f"the {old} clip was analysed by a formcheck older than {since}, {then}: analyse it again "
                            "before comparing overstride")
    ratio = _cadence_ratio(before, after)
    if ratio is not None and ratio > WARN_CADENCE_RATIO and (refused_too or ratio <= REFUSE_CADENCE_RATIO):
        pair, note = _cadence_pair(before, after)
        warnings.append(f"cadence differs by {ratio - 1:.0%} ({pair}{note}): probably a different speed; overstride and "
                        "hip extension grow with speed")
    for name, run in (("before", before), ("after", after)):
        rough = timing_doubtful_legs(run)
        if rough:
            legs = " and ".join(rough)
            warnings.append(f"the {name} clip's {legs} leg{'s' if len(rough) > 1 else ''}: contact or toe-off timing is uncertain "
                            "on most steps (frames dropped, blur, a hidden foot), so its changes are not judged "
                            "(\"timing uncertain\"), and both legs' rows leave it out")
    fps_b, fps_a = before.video.fps, after.video.fps
    if fps_b and fps_a and abs(fps_a - fps_b) / fps_b > 0.05:
        warnings.append(f"different frame rates ({fps_b:.0f} vs {fps_a:.0f} fps): event timing and contact time are less comparable")
    leg_b, leg_a = _leg_fraction_of_frame(before), _leg_fraction_of_frame(after)
    px_b, px_a = _leg_px_seen(before), _leg_px_seen(after)
    refused_scale = not refused_too and _scale_refusal(before, after) is not None  # listed there when forced
    if px_b and px_a and max(px_b, px_a) / min(px_b, px_a) > WARN_LEG_PX_RATIO and not refused_scale:
        warnings.append(
            f"the runner's leg is {px_b:.0f} px tall in one clip and {px_a:.0f} px in the other (a lower resolution, or "
            "filmed from further away): the landmarks are less precise in the smaller, on the far leg most (the same "
            "running saved at 480p moved the far leg's contact time by 0.05 s); trust a change seen on the near leg"
        )
    if leg_b and leg_a and abs(leg_a - leg_b) / leg_b > 0.25 and (not (px_b and px_a) or abs(px_a - px_b) / px_b > 0.25) \
            and not refused_scale:
        # the share of the frame alone changes with a crop, which moves nothing (a newcomer's crop was warned about)
        warnings.append(
            f"the runner fills a different share of the frame ({leg_b:.0%} vs {leg_a:.0%} of the height for the leg): "
            "different zoom or distance; % leg-length figures stay comparable, lens distortion may not"
        )
    for label, data in (("before", before), ("after", after)):
        for warning in data.quality.warnings:
            warnings.append(f"{label} clip: {warning}")
    return warnings


def _cadence_of(run: AnalysisResult) -> float | None:
    """The clip's cadence (from whole strides), else the median of its steps' own (a short pass states no cadence: a
    1 s pass at 203 steps/min against a 169 treadmill run escaped the pace refusal, a newcomer's test)."""
    if run.summary.cadence_spm:
        return float(run.summary.cadence_spm)
    steps = _step_values(run, next(spec for spec in METRICS if spec.key == "step_cadence_spm"), "both")
    return float(np.median(steps)) if steps.size >= 2 else None


def _cadence_pair(before: AnalysisResult, after: AnalysisResult) -> tuple[str, str]:
    """('169 vs ~203 steps/min', what the ~ means): a cadence the run's report does not state is marked as read from
    its steps (a newcomer saw 203 for a clip whose report says the cadence is unknown)."""
    pair = " vs ".join(("" if run.summary.cadence_spm else "~") + f"{rounded(_cadence_of(run), 0):.0f}" for run in (before, after))
    unstated = [label for label, run in (("before", before), ("after", after)) if not run.summary.cadence_spm]
    whose = "each clip's steps' median, both clips too short" if len(unstated) == 2 else \
        f"the {unstated[0]} clip's steps' median, too short a clip" if unstated else ""
    note = f"; ~: {whose} for a stated cadence" if unstated else ""
    return f"{pair} steps/min", note


def _cadence_ratio(before: AnalysisResult, after: AnalysisResult) -> float | None:
    """The larger cadence over the smaller: the same for before -> after as for after -> before."""
    cadence_b, cadence_a = _cadence_of(before), _cadence_of(after)
    if not cadence_b or not cadence_a:
        return None
    return max(cadence_a, cadence_b) / min(cadence_a, cadence_b)


def _leg_px_seen(analysis: AnalysisResult) -> float | None:
    """The runner's leg length in the pixels the pose model saw (frames over WORKING_MAX_SIDE_PX are shrunk to it: a 4K
    clip and its 1080p copy show the model the same runner); None when the file's size is not known."""
    from .video import WORKING_MAX_SIDE_PX  # here: comparing saved analyses needs no video decoder

    fraction, w, h = _leg_fraction_of_frame(analysis), analysis.video.width, analysis.video.height
    if not (fraction and w and h):
        return None
    return fraction * h * min(1.0, WORKING_MAX_SIDE_PX / max(w, h))


def _leg_fraction_of_frame(analysis: AnalysisResult) -> float | None:
    fraction = analysis.quality.leg_height_fraction
    return float(fraction) if fraction else None


def _too_few_steps_warnings(before: AnalysisResult, after: AnalysisResult) -> list[str]:
    """One warning per leg with too few steps for findings in either run: its findings are neither new nor resolved."""
    out = []
    for side in sorted(_unjudged_sides(before) | _unjudged_sides(after)):
        runs = [name for name, run in (("before", before), ("after", after)) if side in _unjudged_sides(run)]
        clips = "clip" if len(runs) == 1 else "clips"
        out.append(f"too few steps of the {side} leg for findings in the {' and '.join(runs)} {clips}: its findings are "
                   "neither new nor resolved")
    return out


INSUFFICIENT_STEPS = "insufficient_steps"  # formcheck.findings' notice that a leg had too few steps for findings


def _unjudged_sides(analysis: AnalysisResult) -> set[str]:
    """The legs the run had too few steps of to state findings about (its "Too few steps for findings" notices)."""
    return {f.side for f in analysis.findings if f.code == INSUFFICIENT_STEPS and f.side}


Stated = tuple[str, str | None]  # a finding as compare weighs it: (code, side or None)


def _findings(analysis: AnalysisResult, *, borderline: bool = False, skip_sides: set[str] = frozenset()) -> set[Stated]:
    """Each finding stated (``borderline``: each borderline one) in the run, leaving out notices that are no finding
    (too few steps) and the legs in ``skip_sides``."""
    return {(f.code, f.side) for f in analysis.findings
            if f.borderline == borderline and f.code != INSUFFICIENT_STEPS and f.side not in skip_sides}


def _stated_name(finding: Stated) -> str:
    """``"overstride (left)"``: how Comparison names a finding."""
    code, side = finding
    return code + (f" ({side})" if side else "")


def _borderline_states(before: AnalysisResult, after: AnalysisResult, findings: set[Stated]) -> dict[str, tuple[str, str]]:
    """What each finding borderline in either run was in each: its grade, "borderline" or "none"."""
    def state(run: AnalysisResult, finding: Stated) -> str:
        return next((f.severity for f in run.findings if (f.code, f.side) == finding), "none")

    return {_stated_name(f): (state(before, f), state(after, f)) for f in sorted(findings, key=_stated_name)}


def _named(findings: set[Stated]) -> list[str]:
    """``"overstride (left)"`` for each, sorted: how Comparison lists them."""
    return sorted(_stated_name(f) for f in findings)


def seen_differently(change: MetricChange) -> MetricChange:
    """A leg's row (anatomical side) between clips filmed from opposite sides, with its difference but no verdict:
    the leg is the near one in one clip and the far one in the other, and MediaPipe reads the two differently (on
    treadmill_side_01 knee flexion at contact 29 deg near, 7 deg far). A newcomer's mirrored copy of one clip read
    "improved" on the left leg, "worse" on the right and a new finding, for no change at all. The near and far rows
    compare like with like."""
    if change.side not in ("left", "right") or change.verdict == "not measurable":
        return change
    return replace(change, verdict="view differs")


def _judged(run: AnalysisResult, finding: Stated) -> bool:
    """Whether ``run`` measured what ``finding`` is judged on: the leg's median of the finding's metric, or the clip's
    for a finding of no leg."""
    from .findings import FINDING_SPECS

    code, side = finding
    spec = FINDING_SPECS.get(code)
    if spec is None:
        return True
    if side in ("left", "right"):
        return getattr(run.summary, side).metric(spec.metric).median is not None
    return run.summary.get(spec.metric) is not None


def _without_cm(steps: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The steps' values without those in cm, which --height alone sets."""
    return [{k: v for k, v in asdict(s).items() if not k.endswith("_cm")} for s in steps]


def _same_run_warning(before: AnalysisResult, after: AnalysisResult, before_source: str, after_source: str) -> list[str]:
    """A warning when BEFORE and AFTER are one run (the same source, or the same steps, --height aside): nothing can
    have changed."""
    same_source = before_source == after_source or (os.path.exists(before_source) and os.path.exists(after_source)
                                                     and os.path.samefile(before_source, after_source))
    if same_source or (before.steps and _without_cm(before.steps) == _without_cm(after.steps)):
        return ["before and after are the same run: every difference is zero by construction; compare two clips"]
    return []


def compare(before: AnalysisResult, after: AnalysisResult, *, before_source: str = "before", after_source: str = "after",
            seed: int = 0, force: bool = False) -> Comparison:
    """Compare two analysis results (``Analysis.result``, or loaded with :func:`load_analysis_json`).

    Raises :class:`NotComparableError` when :func:`comparability_refusals` finds a reason, unless ``force``.
    """
    b, a = before, after
    refusals = comparability_refusals(b, a)
    if refusals and not force:
        raise NotComparableError("cannot compare these runs: " + "; ".join(refusals) + " (--force compares them anyway)")
    sides = COMPARED_SIDES + (("near", "far") if b.facing != a.facing else ())
    # a metric compared pooled only has no leg's rows at all, in compare.json either (a false "worse" there otherwise)
    changes = [compare_metric(b, a, spec, side, seed=seed) for spec in METRICS for side in sides
               if side == "both" or spec.key not in POOLED_ONLY]
    # a leg with too few steps for findings in either run has no finding to lose or gain; nor has a leg timed roughly
    unjudged = _unjudged_sides(b) | _unjudged_sides(a) | set(timing_doubtful_legs(b)) | set(timing_doubtful_legs(a))
    found_b, found_a = (_findings(r, skip_sides=unjudged) for r in (b, a))
    near_b, near_a = (_findings(r, borderline=True, skip_sides=unjudged) for r in (b, a))
    changed_b, changed_a = found_b, found_a  # the findings that may be new or resolved
    if b.facing != a.facing:  # a leg seen near in one clip and far in the other: its findings persist or not, no more
        changes = [seen_differently(c) for c in changes]
        changed_b, changed_a = ({f for f in found if f[1] not in ("left", "right")} for found in (found_b, found_a))
    keys = ("cadence_spm", "contact_time_s", "duty_factor", "flight_time_s", "trunk_lean_deg")
    return Comparison(
        before_source=before_source,
        after_source=after_source,
        changes=changes,
        # absent before, not merely not past the threshold, and measured there (a leg's heel out of view has no
        # overstride median, hence no finding: nothing resolved)
        findings_appeared=_named({f for f in changed_a - found_b - near_b if _judged(b, f)}),
        findings_resolved=_named({f for f in changed_b - found_a - near_a if _judged(a, f)}),
        findings_persisting=_named(found_a & found_b),
        comparability=[f"compared although {r}" for r in refusals] + _same_run_warning(b, a, before_source, after_source)
        + _too_few_steps_warnings(b, a) + comparability_warnings(b, a, refused_too=False),
        before_summary={k: getattr(b.summary, k) for k in keys},
        after_summary={k: getattr(a.summary, k) for k in keys},
        findings_borderline=_named(near_b | near_a),
        findings_borderline_states=_borderline_states(b, a, near_b | near_a),
    )
