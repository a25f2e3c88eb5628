"""Score detected gait events against hand labels or rendered ground truth.

One small :class:`EventLabels` holds either source (our label JSON, ``tests/fixtures/*_labels.json``,
or a rendered clip's ``*.truth.json``): per side the initial-contact (IC) and toe-off (TO) frames,
the clip's frame rates and, for rendered clips, each step's true overstride and contact time.

Detections are matched to labels one to one, nearest first, within half a step; a match is a
hit when its error is within the clip's tolerance: one REAL image (two container frames when
every frame is shown twice) or 17 ms of real time on slow-motion clips, whichever is larger.
Errors are signed, detected minus labelled (+ = late), in container frames and in ms of real
time. Unmatched labels are missed; unmatched detections inside the labelled span of that side
(and in frames the labels say were looked at) are spurious.

Frame numbers everywhere are 0-based decoded-frame numbers of the clip, the labels' convention
(contact = first frame with the foot down, toe-off = last frame with the foot down).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..geometry import SIDES

KINDS = ("ic", "to")
TOLERANCE_REAL_S = 0.017  # floor of the hit tolerance on slow-motion clips (17 ms of real time)
DEFAULT_STEP_S = 0.35  # step time used for the search window when the labels give no stride
COMPLETE_STRIDE_RANGE = (0.75, 1.25)  # label-to-label gaps within this x median are whole strides


@dataclass(frozen=True, eq=False)
class SideLabels:
    """One foot's labelled events (frames) and, when given, the labeller's uncertainty per event (frames)."""

    contact_frames: np.ndarray
    toe_off_frames: np.ndarray
    contact_confidence_frames: np.ndarray | None = None
    toe_off_confidence_frames: np.ndarray | None = None

    def frames(self, kind: str) -> np.ndarray:
        return self.contact_frames if kind == "ic" else self.toe_off_frames


@dataclass(frozen=True)
class TruthStep:
    """One stance with its true values: rendered, or a real contact whose shoe was digitised (overstride only)."""

    side: str
    contact_frame: int
    toe_off_frame: int | None
    overstride_pct_leg: float | None  # rendered: at the continuous contact instant; digitised: on the labelled frame
    contact_time_s: float | None


@dataclass(frozen=True, eq=False)
class EventLabels:
    """Labelled events of one clip and the rates needed to turn frames into real time.

    ``fps`` is the container rate; ``image_fps`` the rate of DISTINCT images in container time
    (half of ``fps`` when every frame is shown twice); ``capture_fps`` the real capture rate of
    slow-motion footage (None = plays in real time).
    """

    video: str
    fps: float
    image_fps: float
    capture_fps: float | None
    sides: dict[str, SideLabels]
    n_frames: int | None = None
    near_side: str | None = None
    facing: str | None = None
    in_view: np.ndarray | None = None  # (n_frames,) bool: frames that were labelled; None = all
    truth_steps: tuple[TruthStep, ...] = ()
    not_labelled: tuple[tuple[str, str, int], ...] = ()  # (side, "ic"/"to", approximate frame) of events seen but left out
    origin: str = "labels"  # "labels" (hand) | "truth" (rendered)
    extra: dict[str, Any] = field(default_factory=dict)  # method notes etc., carried as given

    @property
    def real_fps(self) -> float:
        """Container frames per second of REAL time (above ``fps`` for slow motion)."""
        if self.capture_fps is None:
            return self.fps
        return self.fps * self.capture_fps / self.image_fps

    @property
    def ms_per_frame(self) -> float:
        """Real milliseconds per container frame."""
        return 1000.0 / self.real_fps

    @property
    def tolerance_frames(self) -> float:
        """Hit tolerance, container frames: one real image or 17 ms of real time, the larger."""
        return max(self.fps / self.image_fps, TOLERANCE_REAL_S * self.real_fps)

    def step_frames(self) -> float:
        """Median labelled step (half the median whole stride of either foot), container frames."""
        strides = [s for side in self.sides.values() for s in _complete_strides(side.contact_frames)]
        if strides:
            return float(np.median(strides)) / 2.0
        return DEFAULT_STEP_S * self.real_fps

    def labelled_span(self, side: str) -> tuple[int, int] | None:
        """First and last labelled frame of this foot (any event), None when it has no label."""
        s = self.sides.get(side)
        if s is None:
            return None
        f = np.concatenate([s.contact_frames, s.toe_off_frames])
        return (int(f.min()), int(f.max())) if f.size else None

    def cadence_spm(self) -> float | None:
        """Steps per minute (real time) from whole labelled strides of each foot."""
        strides = [s for side in self.sides.values() for s in _complete_strides(side.contact_frames)]
        if not strides:
            return None
        return 120.0 * self.real_fps / float(np.mean(strides))

    def remapped(self, first_out: np.ndarray, repeat: int = 1, video: str | None = None) -> EventLabels:
        """Labels of a derived clip whose source frame f became output frames ``first_out[f]`` ..+repeat-1.

        ICs go to the first copy, TOs to the last (first and last frame with the foot down);
        events of dropped frames (``first_out`` -1 or out of range) are dropped.
        """
        first_out = np.asarray(first_out, dtype=int)

        def move(frames: np.ndarray, last: bool) -> tuple[np.ndarray, np.ndarray]:  # (moved frames, which were kept)
            f = np.asarray(frames, dtype=int)
            ok = (f >= 0) & (f < len(first_out))
            ok[ok] &= first_out[f[ok]] >= 0
            return first_out[f[ok]] + (repeat - 1 if last else 0), ok

        sides = {}
        for name, s in self.sides.items():
            ic, ic_ok = move(s.contact_frames, False)
            to, to_ok = move(s.toe_off_frames, True)
            sides[name] = SideLabels(
                ic, to,
                None if s.contact_confidence_frames is None else s.contact_confidence_frames[ic_ok] * repeat,
                None if s.toe_off_confidence_frames is None else s.toe_off_confidence_frames[to_ok] * repeat,
            )
        n_out = int(first_out.max()) + repeat if first_out.size and first_out.max() >= 0 else 0
        in_view = None
        if self.in_view is not None:
            in_view = np.zeros(n_out, dtype=bool)
            for f, j in enumerate(first_out[: len(self.in_view)]):
                if j >= 0 and self.in_view[f]:
                    in_view[j:j + repeat] = True
        truth = []
        for t in self.truth_steps:
            ic, ok = move(np.array([t.contact_frame]), False)
            if not ok[0]:
                continue
            to = None
            if t.toe_off_frame is not None:
                m, ok_to = move(np.array([t.toe_off_frame]), True)
                to = int(m[0]) if ok_to[0] else None
            truth.append(replace(t, contact_frame=int(ic[0]), toe_off_frame=to))
        skipped = []
        for side, kind, f in self.not_labelled:
            m, ok = move(np.array([f]), kind == "to")
            if ok[0]:
                skipped.append((side, kind, int(m[0])))
        return replace(self, video=video or self.video, fps=self.fps * repeat, sides=sides, n_frames=n_out,
                       in_view=in_view, truth_steps=tuple(truth), not_labelled=tuple(skipped))

    def to_json_dict(self) -> dict[str, Any]:
        """Our label format (readable by :func:`labels_from_dict`)."""
        d: dict[str, Any] = {
            "video": self.video, "frames": self.n_frames, "fps": self.fps, "image_fps": self.image_fps,
            "capture_fps": self.capture_fps, "facing": self.facing, "near_side": self.near_side, "origin": self.origin,
        }
        for name, s in self.sides.items():
            side: dict[str, Any] = {"contact_frames": s.contact_frames.tolist(), "toe_off_frames": s.toe_off_frames.tolist()}
            if s.contact_confidence_frames is not None:
                side["contact_confidence_frames"] = s.contact_confidence_frames.tolist()
            if s.toe_off_confidence_frames is not None:
                side["toe_off_confidence_frames"] = s.toe_off_confidence_frames.tolist()
            d[name] = side
        if self.in_view is not None:
            d["in_view_frames"] = np.flatnonzero(self.in_view).tolist()
        if self.truth_steps:
            d["truth_steps"] = [t.__dict__ for t in self.truth_steps]
        if self.not_labelled:
            d["not_labelled"] = [{"side": a, "event": "contact" if k == "ic" else "toe_off", "approx_frame": f} for a, k, f in self.not_labelled]
        return d

    @classmethod
    def from_json_dict(cls, d: dict[str, Any]) -> EventLabels:
        return labels_from_dict(d)


def _complete_strides(contact_frames: np.ndarray) -> list[float]:
    """Gaps between consecutive ICs of one foot that are whole strides (no label missing between)."""
    f = np.sort(np.asarray(contact_frames, dtype=float))
    if f.size < 2:
        return []
    d = np.diff(f)
    med = np.median(d)
    lo, hi = COMPLETE_STRIDE_RANGE
    return d[(d > lo * med) & (d < hi * med)].tolist()


def _in_view_mask(value: Any, n_frames: int | None) -> np.ndarray | None:
    """``in_view_frames`` as a bool mask: [first, last] (inclusive), a list of [first, last] ranges, or every frame listed."""
    if value is None:
        return None
    v = list(value)
    if not v:
        return np.zeros(n_frames or 0, dtype=bool)
    if all(isinstance(x, (list, tuple)) for x in v):
        ranges = [(int(a), int(b)) for a, b in v]
    elif len(v) == 2:
        ranges = [(int(v[0]), int(v[1]))]
    else:
        ranges = [(int(x), int(x)) for x in v]
    n = max(n_frames or 0, max(b for _, b in ranges) + 1)
    mask = np.zeros(n, dtype=bool)
    for a, b in ranges:
        mask[max(a, 0):b + 1] = True
    return mask


def labels_from_dict(d: dict[str, Any]) -> EventLabels:
    """Either format: rendered truth (``format == formcheck-synthetic-truth``) or our label JSON."""
    if d.get("format") == "formcheck-synthetic-truth":
        return _labels_from_truth(d)
    sides = {}
    for name in SIDES:
        s = d.get(name)
        if not s:
            continue
        conf = {k: (None if s.get(k) is None else np.asarray(s[k], dtype=float)) for k in ("contact_confidence_frames", "toe_off_confidence_frames")}
        sides[name] = SideLabels(np.asarray(s.get("contact_frames", []), dtype=int), np.asarray(s.get("toe_off_frames", []), dtype=int), **conf)
    fps = float(d["fps"])
    n = d.get("frames")
    truth = tuple(TruthStep(**t) for t in d.get("truth_steps", []))
    known = {"video", "frames", "fps", "image_fps", "capture_fps", "facing", "near_side", "origin", "left", "right", "in_view_frames",
             "truth_steps", "not_labelled"}
    skipped = tuple((str(x["side"]), "to" if "toe" in str(x.get("event", "")) else "ic", int(x["approx_frame"]))
                    for x in d.get("not_labelled", []) if x.get("approx_frame") is not None)
    return EventLabels(
        video=str(d.get("video", "")), fps=fps, image_fps=float(d.get("image_fps") or fps),
        capture_fps=None if d.get("capture_fps") is None else float(d["capture_fps"]), sides=sides,
        n_frames=None if n is None else int(n), near_side=d.get("near_side"), facing=d.get("facing"),
        in_view=_in_view_mask(d.get("in_view_frames"), None if n is None else int(n)), truth_steps=truth, not_labelled=skipped,
        origin=str(d.get("origin", "labels")), extra={k: v for k, v in d.items() if k not in known},
    )


def _labels_from_truth(d: dict[str, Any]) -> EventLabels:
    summ = d["summary"]
    fps = float(summ["fps"])
    n = int(summ["n_frames"])
    # hard-condition scenarios mark events of a foot outside the image or hidden: not to be counted
    def inside(f: Any) -> bool:
        return f is not None and 0 <= int(f) < n

    steps = [s for s in d["steps"] if inside(s["contact_frame"]) and s.get("contact_visible", True)]
    sides = {}
    hidden = []
    for name in SIDES:
        mine = [s for s in d["steps"] if s["side"] == name]
        ic = [int(s["contact_frame"]) for s in mine if inside(s["contact_frame"]) and s.get("contact_visible", True)]
        to = [int(s["toe_off_frame"]) for s in mine if inside(s.get("toe_off_frame")) and s.get("toe_off_visible", True)]
        hidden += [(name, "ic", int(s["contact_frame"])) for s in mine if inside(s["contact_frame"]) and not s.get("contact_visible", True)]
        hidden += [(name, "to", int(s["toe_off_frame"])) for s in mine if inside(s.get("toe_off_frame")) and not s.get("toe_off_visible", True)]
        for kind, frame, shown in _cut_stance_events(d, name, fps):  # the steps list only stances with a contact and toe-off in the clip
            if not any(abs(frame - f) <= 1 for f in (ic if kind == "ic" else to)):
                (ic if kind == "ic" else to).append(frame) if shown else hidden.append((name, kind, frame))
        sides[name] = SideLabels(np.asarray(sorted(ic), dtype=int), np.asarray(sorted(to), dtype=int))
    truth = tuple(
        TruthStep(
            side=s["side"], contact_frame=int(s["contact_frame"]),
            toe_off_frame=int(s["toe_off_frame"]) if s.get("toe_off_frame") is not None and int(s["toe_off_frame"]) < n else None,
            overstride_pct_leg=s.get("overstride_pct_leg_exact", s.get("overstride_pct_leg")),
            contact_time_s=s.get("contact_time_s"),
        )
        for s in steps
    )
    return EventLabels(video=str(d.get("video", "")), fps=fps, image_fps=fps, capture_fps=None, sides=sides, n_frames=n,
                       near_side=summ.get("near_side"), facing=summ.get("facing"), truth_steps=truth, not_labelled=tuple(hidden),
                       origin="truth")


def _cut_stance_events(d: dict[str, Any], side: str, fps: float) -> list[tuple[str, int, bool]]:
    """("ic"/"to", frame, visible) of the stances a rendered clip cuts, from its per-frame stance truth: the toe-off of a
    stance already under way on the first frame, the contact of one still going on the last. The truth's steps list
    only stances with both events in the clip; without these a detector's events there were neither hits nor spurious.
    Visible as the truth's own events (its foot in view within max(1, round(0.02 fps)) frames), when it says."""
    frames = d.get("frames") or {}
    stance = np.asarray(frames.get(f"stance_{side}") or [], dtype=int)
    if stance.size < 3 or stance.all() or not stance.any():
        return []
    seen = frames.get(f"foot_visible_{side}")
    k = max(1, int(round(0.02 * fps)))

    def shown(f: int) -> bool:
        if seen is None:
            return True
        lo, hi = max(0, f - k), min(len(seen) - 1, f + k)
        return bool(np.asarray(seen[lo:hi + 1]).all())

    out = []
    if stance[0]:
        f = int(np.flatnonzero(stance == 0)[0]) - 1  # the last frame of the first stance
        out.append(("to", f, shown(f)))
    if stance[-1]:
        f = int(np.flatnonzero(stance == 0)[-1]) + 1  # the first frame of the last stance
        out.append(("ic", f, shown(f)))
    return out


def load_labels(path: str | os.PathLike[str]) -> EventLabels:
    """Labels from a label JSON or a rendered clip's truth JSON."""
    labels = labels_from_dict(json.loads(Path(path).read_text()))
    return labels if labels.video else replace(labels, video=Path(path).name)


# ----------------------------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class MatchedEvent:
    """One labelled event and the detection matched to it (None = missed)."""

    side: str
    kind: str  # "ic" | "to"
    label_frame: int
    detected_frame: int | None
    error_frames: float | None  # detected - labelled (+ = late)
    error_ms: float | None  # same, real time
    hit: bool
    flagged: bool = False  # the analysis marked the detected step's timing uncertain (left out of its medians)


@dataclass(frozen=True)
class EventMatch:
    """Result of matching one foot's detections of one event kind to its labels."""

    events: list[MatchedEvent]  # one per label, in label order
    spurious_frames: list[int]  # unmatched detections that count as spurious
    ignored_frames: list[int]  # unmatched detections outside the labelled span / view


def match_events(
    label_frames: np.ndarray,
    detected_frames: np.ndarray,
    *,
    window_frames: float,
    tolerance_frames: float,
    ms_per_frame: float,
    side: str = "",
    kind: str = "",
    span: tuple[int, int] | None = None,
    in_view: np.ndarray | None = None,
    not_labelled: np.ndarray | None = None,
) -> EventMatch:
    """One-to-one nearest matching (closest pairs first) within ``window_frames``.

    An unmatched detection is spurious only inside ``span`` (first..last labelled frame of the
    foot; None = no labels, nothing spurious), in a frame ``in_view`` marks as labelled, and not
    within the window of an event the labeller saw but left out (``not_labelled`` frames).
    """
    lab = np.asarray(label_frames, dtype=int)
    det = np.asarray(detected_frames, dtype=int)
    pairs = sorted(
        ((abs(int(d) - int(l)), i, j) for i, l in enumerate(lab) for j, d in enumerate(det) if abs(int(d) - int(l)) <= window_frames),
    )
    label_to_det: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in pairs:
        if i in label_to_det or j in used:
            continue
        label_to_det[i] = j
        used.add(j)
    events = []
    for i, l in enumerate(lab):
        j = label_to_det.get(i)
        if j is None:
            events.append(MatchedEvent(side, kind, int(l), None, None, None, False))
            continue
        err = float(det[j] - l)
        events.append(MatchedEvent(side, kind, int(l), int(det[j]), err, err * ms_per_frame, abs(err) <= tolerance_frames + 1e-9))
    spurious, ignored = [], []
    for j, d in enumerate(det):
        if j in used:
            continue
        counted = span is not None and span[0] <= d <= span[1]
        if counted and in_view is not None:
            counted = bool(0 <= d < len(in_view) and in_view[d])
        if counted and not_labelled is not None and len(not_labelled):
            counted = bool(np.min(np.abs(np.asarray(not_labelled) - d)) > window_frames)
        (spurious if counted else ignored).append(int(d))
    return EventMatch(events, spurious, ignored)


# ----------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Detection:
    """What the analysis found, as decoded-frame numbers, and the per-step values to check."""

    frames: dict[tuple[str, str], np.ndarray]  # (side, kind) -> frames
    cadence_spm: float | None
    # side, contact frame, overstride % leg, contact time s, timing uncertain (a leg's medians leave those out, as the
    # analysis's do, when enough others remain: formcheck.metrics.counted_steps)
    step_values: list[tuple[str, int, float | None, float | None, bool]]
    uncertain: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)  # (side, kind) -> frames of steps marked uncertain


def detection_from_analysis(analysis: Any) -> Detection:
    """Events as formcheck reports them (decoded frames): the result's ``events``, every contact and toe-off the clip
    shows, measured stance or not; from a file written before formcheck 0.3, each step's ``contact_frame`` /
    ``toe_off_frame``."""
    frames: dict[tuple[str, str], list[int]] = {(s, k): [] for s in SIDES for k in KINDS}
    uncertain: dict[tuple[str, str], set[int]] = {(s, k): set() for s in SIDES for k in KINDS}
    timed = getattr(getattr(analysis, "result", analysis), "events", None)
    if timed is not None:
        listed = [(e.side, "ic" if e.kind == "contact" else "to", int(e.frame), e.timing_uncertain) for e in timed]
    else:
        listed = [(st.side, kind, int(frame), getattr(st, "timing_uncertain", False)) for st in analysis.steps
                  for kind, frame in (("ic", st.contact_frame), ("to", st.toe_off_frame)) if frame is not None]
    for side, kind, frame, doubt in listed:
        frames[(side, kind)].append(frame)
        if doubt:
            uncertain[(side, kind)].add(frame)
    summary = getattr(analysis, "summary", None) or {}
    cad = summary.get("cadence_spm")
    values = [(m.side, int(m.contact_frame), m.overstride_pct_leg, m.contact_time_s, bool(getattr(m, "timing_uncertain", False)))
              for m in analysis.steps]
    return Detection({k: np.asarray(sorted(v), dtype=int) for k, v in frames.items()}, None if cad is None else float(cad), values,
                     {k: frozenset(v) for k, v in uncertain.items()})


@dataclass(frozen=True)
class EventScore:
    """One event kind on one foot (or both): counts and signed errors of the matched events."""

    n_labels: int
    hits: int
    missed: int
    spurious: int
    median_error_frames: float | None
    median_error_ms: float | None

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.n_labels if self.n_labels else None

    @staticmethod
    def of(events: list[MatchedEvent], spurious: int) -> EventScore:
        errs = [e.error_frames for e in events if e.error_frames is not None]
        errs_ms = [e.error_ms for e in events if e.error_ms is not None]
        return EventScore(
            n_labels=len(events), hits=sum(e.hit for e in events), missed=sum(e.detected_frame is None for e in events),
            spurious=spurious, median_error_frames=float(np.median(errs)) if errs else None,
            median_error_ms=float(np.median(errs_ms)) if errs_ms else None,
        )


@dataclass(frozen=True)
class ClipScore:
    """Everything the harness reports for one clip."""

    name: str
    tolerance_frames: float
    window_frames: float
    scores: dict[tuple[str, str], EventScore]  # (kind, side or "both") -> score
    events: list[MatchedEvent]
    spurious: dict[tuple[str, str], list[int]]  # (kind, side) -> frames
    cadence_labelled_spm: float | None
    cadence_detected_spm: float | None
    overstride_error_pct_leg: float | None  # the leg further off: its median over matched steps, detected - truth
    contact_time_error_s: float | None  # the same for contact time (rendered clips)
    error: str | None = None  # AnalysisError message: everything counted missed

    def flag_counts(self) -> dict[str, int]:
        """How well the analysis said how sure it was: of the events it timed outside the tolerance, how many it
        marked uncertain (``off_flagged`` of ``off``), and how many of its on-time events it marked all the same."""
        off = [e for e in self.events if e.detected_frame is not None and not e.hit]
        hits = [e for e in self.events if e.hit]
        return {"off": len(off), "off_flagged": sum(e.flagged for e in off),
                "hits": len(hits), "hits_flagged": sum(e.flagged for e in hits)}

    @property
    def cadence_error_pct(self) -> float | None:
        if self.cadence_labelled_spm is None or self.cadence_detected_spm is None:
            return None
        return 100.0 * (self.cadence_detected_spm - self.cadence_labelled_spm) / self.cadence_labelled_spm

    def row(self) -> dict[str, Any]:
        """Flat JSON-ready summary (the benchmark table's columns)."""
        r: dict[str, Any] = {"clip": self.name, "tolerance_frames": round(self.tolerance_frames, 2)}
        for kind in KINDS:
            for side in (*SIDES, "both"):
                s = self.scores[(kind, side)]
                r[f"{kind}_{side}_hits"] = s.hits
                r[f"{kind}_{side}_labels"] = s.n_labels
            both = self.scores[(kind, "both")]
            r[f"{kind}_median_error_frames"] = _round(both.median_error_frames, 2)
            r[f"{kind}_median_error_ms"] = _round(both.median_error_ms, 1)
            r[f"{kind}_missed"] = both.missed
            r[f"{kind}_spurious"] = both.spurious
        r.update({
            "cadence_labelled_spm": _round(self.cadence_labelled_spm, 2), "cadence_detected_spm": _round(self.cadence_detected_spm, 2),
            "cadence_error_pct": _round(self.cadence_error_pct, 2), "overstride_error_pct_leg": _round(self.overstride_error_pct_leg, 2),
            "contact_time_error_s": _round(self.contact_time_error_s, 4), "error": self.error,
        })
        r.update({f"events_{k}": v for k, v in self.flag_counts().items()})
        return r


def _round(v: float | None, n: int) -> float | None:
    return None if v is None else round(float(v), n)


def score_detection(name: str, labels: EventLabels, detection: Detection | None, error: str | None = None) -> ClipScore:
    """Match, count and compare one clip's detections (None = the analysis refused: all missed)."""
    window = 0.5 * labels.step_frames()
    tol = labels.tolerance_frames
    events: list[MatchedEvent] = []
    spurious: dict[tuple[str, str], list[int]] = {}
    scores: dict[tuple[str, str], EventScore] = {}
    for kind in KINDS:
        per_kind: list[MatchedEvent] = []
        n_spurious = 0
        for side in SIDES:
            lab = labels.sides[side].frames(kind) if side in labels.sides else np.zeros(0, dtype=int)
            det = detection.frames[(side, kind)] if detection is not None else np.zeros(0, dtype=int)
            m = match_events(lab, det, window_frames=window, tolerance_frames=tol, ms_per_frame=labels.ms_per_frame,
                             side=side, kind=kind, span=labels.labelled_span(side), in_view=labels.in_view,
                             not_labelled=np.array([f for a, k, f in labels.not_labelled if a == side and k == kind], dtype=int))
            flagged = detection.uncertain.get((side, kind), frozenset()) if detection is not None else frozenset()
            m = replace(m, events=[replace(e, flagged=e.detected_frame in flagged) for e in m.events])
            scores[(kind, side)] = EventScore.of(m.events, len(m.spurious_frames))
            spurious[(kind, side)] = m.spurious_frames
            per_kind.extend(m.events)
            n_spurious += len(m.spurious_frames)
        scores[(kind, "both")] = EventScore.of(per_kind, n_spurious)
        events.extend(per_kind)
    over_err, ct_err = _truth_errors(labels, detection, events)
    return ClipScore(
        name=name, tolerance_frames=tol, window_frames=window, scores=scores, events=events, spurious=spurious,
        cadence_labelled_spm=labels.cadence_spm(), cadence_detected_spm=None if detection is None else detection.cadence_spm,
        overstride_error_pct_leg=over_err, contact_time_error_s=ct_err, error=error,
    )


def _truth_errors(labels: EventLabels, detection: Detection | None, events: list[MatchedEvent]) -> tuple[float | None, float | None]:
    """Overstride (% leg) and contact-time (s) errors of steps whose contact matched a true one: each leg's median
    error, and of the two the one further off (signed). A runner is told each leg's median; pooled, a leg read 7.6 %
    leg short and one read 1.9 long made +0.2 (treadmill_side_01 before overstride was read as the foot's reach).
    The steps are those the leg's medians are taken over (:func:`formcheck.metrics.counted_steps`): the uncertain ones
    are left out when MIN_CERTAIN_STEPS others remain, so the figure is the error of the median the runner reads."""
    from ..metrics import MIN_CERTAIN_STEPS

    if detection is None or not labels.truth_steps:
        return None, None
    truth = {(t.side, t.contact_frame): t for t in labels.truth_steps}
    label_of = {(e.side, e.detected_frame): e.label_frame for e in events if e.kind == "ic" and e.detected_frame is not None}
    certain = {side: sum(not v[4] for v in detection.step_values if v[0] == side) for side in SIDES}
    over: dict[str, list[float]] = {}
    ct: dict[str, list[float]] = {}
    for side, frame, overstride, contact_s, doubt in detection.step_values:
        if doubt and certain[side] >= MIN_CERTAIN_STEPS:
            continue  # left out of the leg's medians the runner is told
        lf = label_of.get((side, frame))
        t = truth.get((side, lf)) if lf is not None else None
        if t is None:
            continue
        if overstride is not None and t.overstride_pct_leg is not None:
            over.setdefault(side, []).append(overstride - t.overstride_pct_leg)
        if contact_s is not None and t.contact_time_s is not None:
            ct.setdefault(side, []).append(contact_s - t.contact_time_s)
    return _worst_leg(over), _worst_leg(ct)


def _worst_leg(errors: dict[str, list[float]]) -> float | None:
    """Of each leg's median error, the one further from zero; None without any."""
    medians = [float(np.median(e)) for e in errors.values() if e]
    return max(medians, key=abs) if medians else None


def score_track(name: str, labels: EventLabels, track: Any, video: Any = None) -> ClipScore:
    """Analyse a pose track (:func:`formcheck.analysis.analyze_track`, given the ``video`` it came from as ``analyze``
    gives it) and score it; a refusal scores all missed."""
    from ..analysis import AnalysisError, analyze_track

    try:
        analysis = analyze_track(track, video=video)
    except AnalysisError as exc:
        return score_detection(name, labels, None, error=str(exc))
    return score_detection(name, labels, detection_from_analysis(analysis))


__all__ = [
    "ClipScore", "Detection", "EventLabels", "EventMatch", "EventScore", "MatchedEvent", "SideLabels", "TruthStep",
    "detection_from_analysis", "labels_from_dict", "load_labels", "match_events", "score_detection", "score_track",
]
