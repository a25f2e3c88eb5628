"""Each runner's recordings over time, from the folder ``formcheck batch`` wrote, and who needs attention.

Python API::

    from formcheck.history import build_history, write_history
    history = build_history("out/")                 # every runner; runner="Ana" for one
    ana = history.runner("Ana")
    ana.trend("overstride_pct_leg").points[-1].since_previous.verdict   # "improved" / "worse" / "no clear change"
    write_history(history, "out/history.html")      # and out/history.json

A recording is a clip folder the batch finished (``OUTDIR/runner=NAME/DATE_CLIP/`` with its
``batch.json``); a runner's recordings are taken in date order. For each metric of
:data:`formcheck.compare.METRICS` (both legs together, as ``formcheck compare``'s headline
table), every recording gets its median and interquartile range, and, from the second on, the
change since the previous recording and since the first, judged by
:func:`formcheck.compare.compare_metric`: "improved" or "worse" only when the 95 % bootstrap
interval excludes zero and the change reaches the metric's smallest detectable change, else
"no clear change". Reasons two recordings may not be comparable (facing, treadmill vs overground,
cadence, frame rate) come from :func:`formcheck.compare.comparability_warnings`.

Each leg alone gets its trends too (``RunnerHistory.leg_trends``, ``trend(metric, "left")``), as compare's rows under
each metric: a leg's change can hide in both legs together. Between recordings filmed from opposite sides a leg's
changes carry the verdict "view differs", as in compare.

A runner needs attention when their latest recording has a moderate or marked finding, or a
metric (both legs, or one leg) got worse since the previous recording or since the first.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compare import (
    METRICS,
    POOLED_ONLY,
    MetricChange,
    MetricSpec,
    comparability_warnings,
    compare_metric,
    legs_measured_in_all,
    seen_differently,
    timing_doubtful_legs,
)
from .result import AnalysisResult

ATTENTION_SEVERITIES = ("moderate", "marked")
SIDE = "both"  # both legs together (each leg's median, averaged), as compare's headline
LEGS = ("left", "right")  # ... and each leg alone, as compare's rows under it


class HistoryError(Exception):
    """No history can be made: not a batch's folder, no finished recordings, no such runner."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Recording:
    """One finished clip of a runner."""

    runner: str
    date: str
    recorded_at: str
    clip: str
    folder: Path
    result: AnalysisResult
    order: int = 0  # its place in the batch's inputs (formcheck.batch.Clip.order)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def page(self) -> Path:
        """What a link to this recording opens: its report, else its analysis.json (``--no-report``)."""
        report = self.folder / "report.html"
        return report if report.is_file() else self.folder / "analysis.json"


@dataclass(frozen=True)
class Point:
    """One metric in one recording, and how it changed."""

    median: float | None
    iqr: tuple[float, float] | None
    n: int
    since_previous: MetricChange | None = None  # None for the first recording
    since_first: MetricChange | None = None


@dataclass(frozen=True)
class Trend:
    """One metric over a runner's recordings (``points`` in recording order)."""

    spec: MetricSpec
    points: tuple[Point, ...]
    side: str = SIDE  # "both", or one leg ("left" / "right", anatomical)

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def latest(self) -> Point:
        return self.points[-1]


@dataclass(frozen=True)
class RunnerHistory:
    runner: str
    recordings: tuple[Recording, ...]
    trends: tuple[Trend, ...]
    comparability: tuple[tuple[str, ...], ...]  # per recording: why it may not compare with the previous one
    attention: tuple[str, ...]
    leg_trends: tuple[Trend, ...] = ()  # each leg alone (not step cadence, pooled only as in compare)

    def trend(self, metric: str, side: str = SIDE) -> Trend:
        return next(t for t in (self.trends if side == SIDE else self.leg_trends) if t.key == metric and t.side == side)

    @property
    def latest(self) -> Recording:
        return self.recordings[-1]


@dataclass(frozen=True)
class NotAnalysed:
    """A clip the last batch into OUTDIR could not analyse (a row of its batch.csv), so no recording of it: a coach
    reading "2 recordings" was not told the third had failed (a newcomer's test)."""

    runner: str
    date: str
    clip: str  # the clip's file name
    status: str  # "failed" or "interrupted"
    message: str  # why, as formcheck analyze would say it
    earlier_shown: bool = False  # its folder holds an earlier run's finished recording, which the trends show


@dataclass(frozen=True)
class History:
    outdir: Path
    runners: tuple[RunnerHistory, ...]
    unreadable: tuple[str, ...] = ()  # recording folders whose analysis.json could not be read
    not_analysed: tuple[NotAnalysed, ...] = ()  # clips the last batch could not analyse

    def runner(self, name: str) -> RunnerHistory:
        for r in self.runners:
            if r.runner == name:
                return r
        raise KeyError(name)

    def to_dict(self, page_dir: Path | None = None) -> dict[str, Any]:
        """Everything, JSON-ready; recording links relative to ``page_dir`` (default OUTDIR)."""
        base = page_dir or self.outdir
        return {
            "outdir": str(self.outdir),
            "side": SIDE,
            "runners": [_runner_dict(r, base) for r in self.runners],
            "unreadable": list(self.unreadable),
            "not_analysed": [dataclasses.asdict(n) for n in self.not_analysed],
        }


def _runner_dict(r: RunnerHistory, base: Path) -> dict[str, Any]:
    return {
        "runner": r.runner,
        "attention": list(r.attention),
        "recordings": [
            {"name": rec.name, "date": rec.date, "recorded_at": rec.recorded_at, "clip": rec.clip,
             "page": relative_link(rec.page, base), "steps": rec.result.summary.n_steps,
             "findings": [finding_text(f) for f in rec.result.findings], "not_comparable_with_previous": list(notes)}
            for rec, notes in zip(r.recordings, r.comparability, strict=True)
        ],
        "metrics": {
            t.key: {
                "label": t.spec.label, "unit": t.spec.unit, "better": t.spec.better, "sdc": t.spec.sdc,
                "points": [{"median": p.median, "iqr": None if p.iqr is None else list(p.iqr), "n": p.n,
                            "since_previous": None if p.since_previous is None else dataclasses.asdict(p.since_previous),
                            "since_first": None if p.since_first is None else dataclasses.asdict(p.since_first)}
                           for p in t.points],
            }
            for t in r.trends
        },
        # each leg alone: a leg's change can hide in both legs pooled (a newcomer's test: the bundled pair's left leg
        # 6.8 -> 16.4 deg hip extension at toe-off "improved" read "no clear change" pooled)
        "legs": {side: {t.key: {"points": [{"median": p.median, "iqr": None if p.iqr is None else list(p.iqr), "n": p.n,
                                            "since_previous": None if p.since_previous is None else dataclasses.asdict(p.since_previous),
                                            "since_first": None if p.since_first is None else dataclasses.asdict(p.since_first)}
                                           for p in t.points]}
                        for t in r.leg_trends if t.side == side}
                 for side in LEGS},
    }


def relative_link(target: Path, page_dir: Path) -> str:
    """``target`` as a link from a page in ``page_dir`` (POSIX separators)."""
    return Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()


def finding_text(f: Any) -> str:
    """``"overstride (moderate, left)"``: the finding's short label, its severity and leg."""
    from .findings import FINDING_SPECS

    spec = FINDING_SPECS.get(f.code)
    return f"{spec.flag_label if spec else f.title} ({f.severity}{', ' + f.side if f.side else ''})"


# ------------------------------------------------------------------------------------------ loading
def load_recordings(outdir: str | os.PathLike[str]) -> tuple[list[Recording], list[str]]:
    """(every finished recording under OUTDIR, the folders that could not be read)."""
    from .batch import MARKER, PARTITION, finished_key

    outdir = Path(outdir)
    found, unreadable = [], []
    for marker in sorted(outdir.glob(f"{PARTITION}=*/*/{MARKER}")):
        folder = marker.parent
        if folder.name.startswith(".") or finished_key(folder) is None:
            continue
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
            result = AnalysisResult.load(folder / "analysis.json")
        except Exception:  # noqa: BLE001 - one damaged folder is listed, not fatal
            unreadable.append(str(folder))
            continue
        runner = str(meta.get("runner") or folder.parent.name.partition("=")[2])
        found.append(Recording(runner, str(meta.get("date", "")), str(meta.get("recorded_at") or meta.get("date", "")),
                               Path(str(meta.get("clip", ""))).name, folder, result, int(meta.get("order", 0))))
    return found, unreadable


def not_analysed_text(n: NotAnalysed) -> str:
    """One line for a clip the batch could not analyse: whose, when, which, and why."""
    who = ", ".join(x for x in (n.runner, n.date) if x)
    shown = "an earlier analysis of it is shown" if n.earlier_shown else "not in the trends"
    return f"{n.clip}{f' ({who})' if who else ''}, {shown}: {n.status}{f': {n.message}' if n.message else ''}"


def load_not_analysed(outdir: str | os.PathLike[str], shown: set[Path] = frozenset()) -> list[NotAnalysed]:
    """The clips OUTDIR/batch.csv (the last batch run into OUTDIR) lists as failed or interrupted; none without it.
    ``shown``: the recording folders the history shows (a failed re-run leaves an earlier run's folder in place)."""
    from .batch import BATCH_CSV, FAILED, INTERRUPTED

    outdir = Path(outdir)
    try:
        with open(outdir / BATCH_CSV, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return [NotAnalysed(str(r.get("runner") or ""), str(r.get("date") or ""), Path(str(r.get("path") or "")).name,
                        str(r["status"]), str(r.get("message") or ""),
                        bool(r.get("output")) and (outdir / str(r["output"])).resolve() in shown)
            for r in rows if r.get("status") in (FAILED, INTERRUPTED)]


def _own(result: AnalysisResult, spec: MetricSpec, side: str = SIDE, legs: tuple[str, ...] | None = None) -> Point:
    """A recording's own median and IQR, taken over the steps (and for both legs, the legs) compare takes."""
    c = compare_metric(result, result, spec, side, legs=legs)
    return Point(c.after_median, c.after_iqr, c.n_after)


def _change(before: AnalysisResult, after: AnalysisResult, spec: MetricSpec, side: str,
            legs: tuple[str, ...] | None = None) -> MetricChange:
    """compare's judgement of one metric between two recordings; a leg seen near in one and far in the other (filmed
    from opposite sides) gets its difference but no verdict, as in compare ("view differs")."""
    change = compare_metric(before, after, spec, side, legs=legs)
    return seen_differently(change) if side != SIDE and before.facing != after.facing else change


def _legs_taken(results: list[AnalysisResult], spec: MetricSpec) -> tuple[str, ...] | None:
    """The legs a runner's both-legs points and changes average: those measured in every recording, less the legs
    timed roughly in any of them when a leg remains (None: no leg so measured, or every one timed roughly somewhere;
    then compare's own choice per pair)."""
    measured = legs_measured_in_all(results, spec)
    rough = set() if spec.key == "step_cadence_spm" else {leg for result in results for leg in timing_doubtful_legs(result)}
    if measured and not set(measured) - rough:
        return None  # every leg timed roughly somewhere: compare's own choice per pair, which its warnings describe
    return tuple(leg for leg in measured if leg not in rough) or None


def _trend(recs: list[Recording], spec: MetricSpec, side: str) -> Trend:
    first = recs[0].result
    # both legs over the legs measured in every recording that has one (compare.legs_measured_in_all): a leg with 2
    # steps in one recording had left it out of that point (20 -> 10 % leg across the mild band) while the change, over
    # the legs both had, read 0 (a reviewer's case)
    # and, as compare's both-legs rows do, without a leg timed roughly in any recording while another leg remains: it
    # had averaged a rough leg in, 20.7 -> 15.2 "timing uncertain", where compare of the same pair read 23.3 -> 21.7
    # "no clear change" (a newcomer's test)
    legs = _legs_taken([rec.result for rec in recs], spec) if side == SIDE else None
    points = []
    for i, rec in enumerate(recs):
        own = _own(rec.result, spec, side, legs)
        if i == 0:
            points.append(own)
            continue
        previous = _change(recs[i - 1].result, rec.result, spec, side, legs)
        since_first = previous if i == 1 else _change(first, rec.result, spec, side, legs)
        points.append(dataclasses.replace(own, since_previous=previous, since_first=since_first))
    return Trend(spec, tuple(points), side)


def _legs_left_out(results: list[AnalysisResult]) -> set[str]:
    """The legs the both-legs rows leave out of every point and change for a metric (:func:`_legs_taken`, any metric):
    timed roughly in some recording while another leg remains."""
    left_out: set[str] = set()
    for spec in METRICS:
        taken = _legs_taken(results, spec)
        if taken is not None:
            left_out |= set(legs_measured_in_all(results, spec)) - set(taken)
    return left_out


def _left_out_elsewhere(recs: list[Recording], i: int, left_out: set[str], rough: list[set[str]]) -> tuple[str, ...]:
    """A note for recording ``i`` against the previous one when the both-legs rows leave out a leg (``left_out``,
    :func:`_legs_left_out`) for its rough timing in another recording (``rough``: each recording's timing-doubtful
    legs) while this pair timed it well: it is left out of every point and change, so that they take the same legs,
    where compare of this pair alone would have taken it (a reviewer: 20 -> 30 "worse" in compare, 20 -> 20 in
    history, unexplained). The pairs that timed it roughly carry compare's own warning."""
    if i == 0:
        return ()
    notes = []
    for leg in sorted(left_out - rough[i - 1] - rough[i]):
        where = ", ".join(rec.name for rec, r in zip(recs, rough) if leg in r)
        notes.append(f"both legs' rows leave out the {leg} leg in every recording: its timing is uncertain in {where}; "
                     f"its own row has its changes")
    return tuple(notes)


def _runner_history(runner: str, recordings: list[Recording]) -> RunnerHistory:
    # recordings of one day given no time keep the order the batch was given them in (a manifest's rows): by clip
    # name, a coach's "pre_drill" and "post_drill" of one day came out the wrong way round, "worse" for "improved"
    recs = sorted(recordings, key=lambda r: (r.date, r.recorded_at, r.order, r.name))
    trends = [_trend(recs, spec, SIDE) for spec in METRICS]
    legs = [_trend(recs, spec, side) for spec in METRICS if spec.key not in POOLED_ONLY for side in LEGS]
    results = [rec.result for rec in recs]
    left_out, rough = _legs_left_out(results), [set(timing_doubtful_legs(r)) for r in results]  # once, not per pair
    comparability = tuple(() if i == 0 else tuple(comparability_warnings(recs[i - 1].result, rec.result))
                                                + _left_out_elsewhere(recs, i, left_out, rough)
                          for i, rec in enumerate(recs))
    return RunnerHistory(runner, tuple(recs), tuple(trends), comparability, _attention(recs, trends + legs), tuple(legs))


def _attention(recs: list[Recording], trends: list[Trend]) -> tuple[str, ...]:
    """Why this runner needs a look now (empty: nothing)."""
    reasons = [f"{finding_text(f)} in the latest recording" for f in recs[-1].result.findings if f.severity in ATTENTION_SEVERITIES]
    said: set[tuple[str, str]] = set()  # (metric, "previous" / "first") already said for both legs: not again per leg
    for t in trends:  # both legs' trends come first
        p = t.latest
        label = t.spec.label if t.side == SIDE else f"{t.spec.label}, {t.side} leg"
        if p.since_previous is not None and p.since_previous.verdict == "worse":
            key = (t.key, "previous")
            since = (f"the earlier recording of {recs[-2].date} ({recs[-2].clip})" if recs[-2].date == recs[-1].date
                     else recs[-2].date)
        elif p.since_first is not None and p.since_first.verdict == "worse":
            key, since = (t.key, "first"), f"the first recording ({recs[0].date})"
        else:
            continue
        if key not in said:
            reasons.append(f"{label} worse since {since}")
        if t.side == SIDE:
            said.add(key)
    return tuple(reasons)


def build_history(outdir: str | os.PathLike[str], runner: str | None = None) -> History:
    """Every runner's history (or ``runner``'s) from a batch's OUTDIR; HistoryError when there is none."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise HistoryError(f"{outdir}: no such folder (give the -o folder of `formcheck batch`)")
    recordings, unreadable = load_recordings(outdir)
    not_analysed = load_not_analysed(outdir, {rec.folder.resolve() for rec in recordings})
    if not recordings:
        failed = f"; the last batch could not analyse {len(not_analysed)} clip(s) (see {outdir / 'batch.csv'})" if not_analysed else ""
        raise HistoryError(f"{outdir}: no finished recordings of `formcheck batch` here (OUTDIR/runner=NAME/DATE_CLIP/){failed}")
    by_runner: dict[str, list[Recording]] = {}
    for rec in recordings:
        by_runner.setdefault(rec.runner, []).append(rec)
    if runner is not None:
        # "--runner tom" for Tom: the name as typed when it matches one runner whatever the case (a newcomer's test)
        same = [name for name in by_runner if name.casefold() == runner.casefold()]
        runner = runner if runner in by_runner or len(same) != 1 else same[0]
        if runner not in by_runner:
            failed = [n for n in not_analysed if n.runner == runner]  # a runner whose every clip failed (a reviewer)
            said = f"; the last batch could not analyse {len(failed)} of their clip(s) (see {outdir / 'batch.csv'})" if failed else ""
            raise HistoryError(f"no runner {runner!r} in {outdir} (runners: {', '.join(sorted(by_runner))}){said}", 2)
        by_runner = {runner: by_runner[runner]}
    runners = tuple(_runner_history(name, recs) for name, recs in sorted(by_runner.items(), key=lambda kv: kv[0].lower()))
    missing = tuple(n for n in not_analysed if runner is None or n.runner == runner)
    return History(outdir, runners, tuple(unreadable), missing)


def write_history(history: History, path: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Write history.html (default OUTDIR/history.html) and history.json beside it; atomic each."""
    from .atomic import write_text_atomic
    from .history_html import render_history_html

    page = Path(path) if path is not None else history.outdir / "history.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    data = page.with_suffix(".json")
    write_text_atomic(page, render_history_html(history, page.parent))
    write_text_atomic(data, json.dumps(history.to_dict(page.parent), indent=1) + "\n")
    return {"html": page, "json": data}
