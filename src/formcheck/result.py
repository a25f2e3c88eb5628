"""The saved result of one analysis, typed: what ``analysis.json`` holds, computed or loaded alike.

:class:`AnalysisResult` is built at the end of :func:`formcheck.analysis.analyze_track` (and held
by its :class:`~formcheck.analysis.Analysis`, which adds the arrays for drawing) or read back
from a saved file with :meth:`AnalysisResult.load`; ``AnalysisResult.from_dict(d).to_dict() == d``
for every file formcheck writes, and ``to_json`` writes the same bytes as before the types existed.
The report, the comparison and the CLI read this one type.

Steps are held as they are saved (floats rounded to 3 decimals, :meth:`StepMetrics.to_dict`), so
a computed result and the same result loaded from its file are equal.

Summaries and quality also answer ``obj["key"]`` and ``obj.get("key")`` (read-only, the saved
names) for callers that still read them as the JSON dicts they used to be.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_path, write_text_atomic
from .findings import Finding
from .metrics import SAVED_STEP_FIELDS, StepMetrics

SCHEMA_VERSION = 1
HEEL_BACK = "back_of_heel"  # overstride to the back of the heel (formcheck 0.2 on)
HEEL_LANDMARK = "landmark"  # ... to MediaPipe's heel landmark itself (analysis.json files written before)
OVERSTRIDE_REACH = "reach"  # where the foot lands: its reach ahead of the COM around the contact (formcheck 0.4 on)
OVERSTRIDE_INSTANT = "instant"  # ... the heel where it was at the detected contact instant (files written before)
STEP_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(StepMetrics) if f.name in SAVED_STEP_FIELDS)
# fields added later have defaults: files written before them still load
_REQUIRED_STEP_FIELDS = tuple(f.name for f in dataclasses.fields(StepMetrics)
                              if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)


class ResultFormatError(ValueError):
    """A dict or file that is not a formcheck analysis result (message says what is missing)."""


class _ReadAsDict:
    """Read-only ``x["name"]`` / ``x.get("name")`` by saved name, for code written against the JSON dicts
    (tuples read as the lists they are saved as)."""

    def __getitem__(self, key: str) -> Any:
        extra = getattr(self, "extra", {})
        if key in extra:
            return extra[key]
        if key == "extra" or key.startswith("_") or not hasattr(self, key):
            raise KeyError(key)
        value = getattr(self, key)
        return list(value) if isinstance(value, tuple) else value

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def _known(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls) if f.name != "extra"}


def _unknown(cls: type, d: Mapping[str, Any]) -> dict[str, Any]:
    """Keys of ``d`` that ``cls`` has no field for (a newer writer's additions), in their order."""
    known = _known(cls)
    return {k: v for k, v in d.items() if k not in known}


def _need(d: Mapping[str, Any], key: str, what: str) -> Any:
    try:
        return d[key]
    except (KeyError, TypeError):
        raise ResultFormatError(f"{what}: no {key!r}") from None


# ------------------------------------------------------------------------------------------ summaries
@dataclass(frozen=True)
class MetricSummary(_ReadAsDict):
    """One metric over one side's steps: median, interquartile range, count, confidence, and the median's 95 %
    interval (:func:`formcheck.metrics.spread`: the steps' spread and the events' timing; None in files written before
    it, and then not saved)."""

    median: float | None = None
    iqr: tuple[float, float] | None = None
    n: int = 0
    confidence: str = "low"
    ci95: tuple[float, float] | None = None
    timing_pm: float | None = None  # how far the events' timing error moves the median; within ci95 (None: not computed)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"median": self.median, "iqr": None if self.iqr is None else list(self.iqr), "n": self.n,
                             "confidence": self.confidence}
        if self.ci95 is not None:
            d["ci95"] = list(self.ci95)
        if self.timing_pm is not None:
            d["timing_pm"] = self.timing_pm
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MetricSummary:
        iqr, ci = d.get("iqr"), d.get("ci95")
        return cls(d.get("median"), None if iqr is None else (iqr[0], iqr[1]), d.get("n", 0), d.get("confidence", "low"),
                   None if ci is None else (ci[0], ci[1]), d.get("timing_pm"))


_SIDE_SCALARS = ("n_steps", "visibility")


@dataclass(frozen=True)
class SideSummary(_ReadAsDict):
    """One leg: every per-step metric's summary (in :data:`formcheck.metrics.BILATERAL` order), steps, visibility."""

    metrics: dict[str, MetricSummary] = field(default_factory=dict)
    n_steps: int = 0
    visibility: float = 0.0

    def metric(self, name: str) -> MetricSummary:
        """The summary of ``name``; an empty one (median None) when it was not summarised."""
        return self.metrics.get(name) or MetricSummary()

    def __getitem__(self, key: str) -> Any:
        return self.metrics[key] if key in self.metrics else super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self.metrics[key] if key in self.metrics else super().get(key, default)

    def to_dict(self) -> dict[str, Any]:
        return {**{k: m.to_dict() for k, m in self.metrics.items()}, "n_steps": self.n_steps, "visibility": self.visibility}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SideSummary:
        metrics = {k: MetricSummary.from_dict(v) for k, v in d.items() if k not in _SIDE_SCALARS}
        return cls(metrics, d.get("n_steps", 0), d.get("visibility", 0.0))


@dataclass(frozen=True)
class Asymmetry(_ReadAsDict):
    left_minus_right: float
    pct: float | None  # of the mean of the two medians' magnitudes; None unless both are of one sign

    def to_dict(self) -> dict[str, Any]:
        return {"left_minus_right": self.left_minus_right, "pct": self.pct}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Asymmetry:
        return cls(d["left_minus_right"], d.get("pct"))


@dataclass(frozen=True)
class VerticalOscillation(_ReadAsDict):
    """Peak-to-peak COM height per stride of the near foot (median)."""

    median_px: float | None = None
    pct_leg: float | None = None
    cm: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"median_px": self.median_px, "pct_leg": self.pct_leg, "cm": self.cm}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> VerticalOscillation:
        d = d or {}
        return cls(d.get("median_px"), d.get("pct_leg"), d.get("cm"))


@dataclass(frozen=True)
class ClipSummary(_ReadAsDict):
    """The clip: each leg's summaries, left-right asymmetry, and the whole-clip figures."""

    left: SideSummary = field(default_factory=SideSummary)
    right: SideSummary = field(default_factory=SideSummary)
    asymmetry: dict[str, Asymmetry | None] = field(default_factory=dict)
    cadence_spm: float | None = None
    step_time_s: float | None = None
    stride_time_s: float | None = None
    duty_factor: float | None = None
    contact_time_s: float | None = None  # median over both feet
    flight_time_s: float | None = None
    trunk_lean_deg: float | None = None
    vertical_oscillation: VerticalOscillation = field(default_factory=VerticalOscillation)
    walking: bool = False
    n_steps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know, kept as read

    def side(self, side: str) -> SideSummary:
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', not {side!r}")
        return self.left if side == "left" else self.right

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left.to_dict(),
            "right": self.right.to_dict(),
            "asymmetry": {k: None if a is None else a.to_dict() for k, a in self.asymmetry.items()},
            "cadence_spm": self.cadence_spm,
            "step_time_s": self.step_time_s,
            "stride_time_s": self.stride_time_s,
            "duty_factor": self.duty_factor,
            "contact_time_s": self.contact_time_s,
            "flight_time_s": self.flight_time_s,
            "trunk_lean_deg": self.trunk_lean_deg,
            "vertical_oscillation": self.vertical_oscillation.to_dict(),
            "walking": self.walking,
            "n_steps": self.n_steps,
            **self.extra,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClipSummary:
        return cls(
            left=SideSummary.from_dict(d.get("left") or {}),
            right=SideSummary.from_dict(d.get("right") or {}),
            asymmetry={k: None if a is None else Asymmetry.from_dict(a) for k, a in (d.get("asymmetry") or {}).items()},
            cadence_spm=d.get("cadence_spm"),
            step_time_s=d.get("step_time_s"),
            stride_time_s=d.get("stride_time_s"),
            duty_factor=d.get("duty_factor"),
            contact_time_s=d.get("contact_time_s"),
            flight_time_s=d.get("flight_time_s"),
            trunk_lean_deg=d.get("trunk_lean_deg"),
            vertical_oscillation=VerticalOscillation.from_dict(d.get("vertical_oscillation")),
            walking=bool(d.get("walking", False)),
            n_steps=d.get("n_steps", 0),
            extra=_unknown(cls, d),
        )


# ------------------------------------------------------------------------------------------ quality
@dataclass(frozen=True)
class Quality(_ReadAsDict):
    """How readable the clip is (:func:`formcheck.quality.quality_checks`), and the warnings shown to the runner.

    ``view``, ``gait``, ``direction`` and ``camera_motion`` are the checks' own diagnostics, kept as
    they come (see :mod:`formcheck.quality`).
    """

    detection_rate: float = 1.0
    leg_height_fraction: float = 0.0  # hip-to-ankle length / image height (median)
    side_view_ratio: float | None = None
    view: dict[str, Any] = field(default_factory=dict)
    gait: dict[str, Any] = field(default_factory=dict)
    direction: dict[str, Any] = field(default_factory=dict)
    leg_visibility: dict[str, float] = field(default_factory=dict)
    swapped_frames: int = 0  # frames whose leg labels the cleaning exchanged (whole legs, lower legs or knees)
    filled_points: int = 0
    smoothing_cutoff_hz: float | None = None
    n_steps: int = 0
    stances_at_bottom_edge: int = 0  # stances not timed: the foot at the picture's bottom edge (framing)
    camera_motion_checked: bool = False
    camera_motion: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # checks this version does not know, kept as read

    def with_camera_motion(self, motion: Mapping[str, Any]) -> Quality:
        """A copy with a :func:`formcheck.camera.motion_summary` result and its warning (if new) added."""
        w = motion.get("warning")
        warnings = self.warnings + (w,) if w and w not in self.warnings else self.warnings
        return dataclasses.replace(self, camera_motion_checked=bool(motion.get("checked")), camera_motion=dict(motion),
                                   warnings=warnings)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        d["warnings"] = list(self.warnings)
        return {**d, **self.extra}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Quality:
        known = _known(cls)
        d = {("leg_height_fraction" if k == "person_height_fraction" else k): v for k, v in d.items()}  # its name in files written before 2026-12
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["warnings"] = tuple(str(w) for w in d.get("warnings") or ())
        return cls(**kwargs, extra=_unknown(cls, d))


# ------------------------------------------------------------------------------------------ the result
@dataclass(frozen=True)
class VideoInfo(_ReadAsDict):
    """The analysed clip: source path, frame rate (real capture rate), size, length, first decoded frame."""

    source: str = ""
    fps: float = 0.0
    frame_count: int = 0
    width: int = 0
    height: int = 0
    duration_s: float = 0.0
    first_frame: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VideoInfo:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def step_from_dict(d: Mapping[str, Any]) -> StepMetrics:
    """A saved step (a row of ``analysis.json``'s ``steps``) as :class:`~formcheck.metrics.StepMetrics`."""
    missing = [k for k in _REQUIRED_STEP_FIELDS if k not in d]
    if missing:
        raise ResultFormatError(f"step without {', '.join(missing)}")
    return StepMetrics(**{k: d[k] for k in STEP_FIELDS if k in d})


def saved_step(step: StepMetrics) -> StepMetrics:
    """The step as it is saved (floats rounded as :meth:`StepMetrics.to_dict` rounds them)."""
    return StepMetrics(**step.to_dict())


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    known = {f.name for f in dataclasses.fields(Finding)}
    kwargs = {k: v for k, v in d.items() if k in known}
    if kwargs.get("interval") is not None:
        kwargs["interval"] = tuple(kwargs["interval"])
    try:
        return Finding(**kwargs)
    except TypeError as exc:
        raise ResultFormatError(f"finding: {exc}") from None


@dataclass(frozen=True)
class TimedEvent(_ReadAsDict):
    """One contact or toe-off as formcheck timed it: every one the clip shows, whether or not its stance is measured.

    ``steps`` holds the stances the clip shows whole, with their metrics; a clip also cuts a stance at each
    end (a toe-off whose contact came before the first frame, a contact whose toe-off comes after the last).
    Their events are timed all the same and listed here with ``measured`` False.
    """

    side: str
    kind: str  # "contact" | "toe_off"
    frame: int  # decoded frame: a contact's first frame with the foot down, a toe-off's last
    time_s: float  # the sub-frame instant, s on the analysed time base: the file's time, rescaled to real time on slow motion
    method: str  # what timed it (formcheck.events: landing, zeni, toe_lift, knee_extension, template, ...)
    measured: bool  # its stance is in ``steps``
    timing_uncertain: bool = False  # the evidence for its stance's timing disagrees, or it was placed for a cut stance (template, edge)

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in dataclasses.asdict(self).items()}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> TimedEvent:
        try:
            if d.get("kind") not in ("contact", "toe_off") or d.get("side") not in ("left", "right"):
                raise ValueError(f"kind {d.get('kind')!r}, side {d.get('side')!r}")
            return TimedEvent(side=str(d["side"]), kind=str(d["kind"]), frame=int(d["frame"]), time_s=float(d["time_s"]),
                              method=str(d["method"]), measured=bool(d["measured"]),
                              timing_uncertain=bool(d.get("timing_uncertain", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultFormatError(f"event: {exc}") from None


@dataclass(frozen=True)
class AnalysisResult:
    """Everything ``analysis.json`` holds, typed.

    ``overstride_heel`` says which point overstride was measured to: ``"back_of_heel"`` (formcheck 0.2 on, the
    heel read behind MediaPipe's heel landmark, :func:`formcheck.metrics.heel_shift_px`) or ``"landmark"``
    (files written before, which lack the key): their overstride reads about 3 % of leg length more.
    ``overstride_read`` says how the foot's place was read: ``"reach"`` (formcheck 0.4 on, its farthest reach ahead of
    the COM around the contact, :func:`formcheck.metrics.landing_reach_px`) or ``"instant"`` (files written before,
    which lack the key: where the heel was at the detected contact instant, which a contact timed a frame off moved
    by up to about 10 % of leg length at 30 fps).
    """

    video: VideoInfo = field(default_factory=VideoInfo)
    facing: str = "left"
    facing_source: str = "detected"  # "detected" | "given"
    mode: str = "overground"  # "treadmill" | "overground"
    near_side: str = "left"
    height_cm: float | None = None
    steps: tuple[StepMetrics, ...] = ()
    summary: ClipSummary = field(default_factory=ClipSummary)
    findings: tuple[Finding, ...] = ()
    quality: Quality = field(default_factory=Quality)
    overstride_heel: str = HEEL_BACK
    overstride_read: str = OVERSTRIDE_REACH
    events: tuple[TimedEvent, ...] | None = None  # None: not listed (a file written before formcheck 0.3)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "overstride_heel": self.overstride_heel,
            "overstride_read": self.overstride_read,
            "video": self.video.to_dict(),
            "facing": self.facing,
            "facing_source": self.facing_source,
            "mode": self.mode,
            "near_side": self.near_side,
            "height_cm": self.height_cm,
            "steps": [s.to_dict() for s in self.steps],
            "events": None if self.events is None else [e.to_dict() for e in self.events],
            "summary": self.summary.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "quality": self.quality.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AnalysisResult:
        """From a saved analysis.json dict; raises :class:`ResultFormatError` when it is not one."""
        if not isinstance(d, Mapping):
            raise ResultFormatError("not a JSON object")
        what = "analysis"
        version = d.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ResultFormatError(f"schema_version {version!r} is not a version number")
        if version > SCHEMA_VERSION:
            raise ResultFormatError(f"written by a newer formcheck (schema_version {version}; this one reads up to "
                                    f"{SCHEMA_VERSION}): update formcheck")
        facing = _need(d, "facing", what)
        if facing not in ("left", "right"):
            raise ResultFormatError(f"facing is {facing!r}, not 'left' or 'right'")
        steps = _need(d, "steps", what)
        if not isinstance(steps, list) or not all(isinstance(s, Mapping) for s in steps):
            raise ResultFormatError("steps is not a list of step records")
        events = d.get("events")
        if events is not None and (not isinstance(events, list) or not all(isinstance(e, Mapping) for e in events)):
            raise ResultFormatError("events is not a list of event records")
        for key in ("summary", "video", "quality"):
            if key in d and d[key] is not None and not isinstance(d[key], Mapping):
                raise ResultFormatError(f"{key} is not a JSON object")
        try:
            return cls(
                video=VideoInfo.from_dict(d.get("video") or {}),
                facing=facing,
                facing_source=d.get("facing_source", "detected"),
                mode=d.get("mode", "overground"),
                near_side=d.get("near_side") or ("left" if facing == "left" else "right"),
                height_cm=d.get("height_cm"),
                steps=tuple(step_from_dict(s) for s in steps),
                summary=ClipSummary.from_dict(_need(d, "summary", what)),
                findings=tuple(finding_from_dict(f) for f in d.get("findings") or ()),
                quality=Quality.from_dict(d.get("quality") or {}),
                overstride_heel=str(d.get("overstride_heel", HEEL_LANDMARK)),
                overstride_read=str(d.get("overstride_read", OVERSTRIDE_INSTANT)),
                events=None if events is None else tuple(TimedEvent.from_dict(e) for e in events),
                schema_version=version,
            )
        except (TypeError, AttributeError, KeyError, IndexError) as exc:  # a field of the right name holding the wrong kind of value
            raise ResultFormatError("a field holds the wrong kind of value (hand-edited?)") from exc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=_json_default)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AnalysisResult:
        """Read a saved ``analysis.json``; :class:`ResultFormatError` (or OSError) when it cannot."""
        try:
            data = json.loads(Path(path).read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ResultFormatError(str(exc)) from exc
        return cls.from_dict(data)

    def write(self, outdir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write OUTDIR/analysis.json and OUTDIR/steps.csv atomically (temp file, then rename)."""
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        paths = {"json": outdir / "analysis.json", "csv": outdir / "steps.csv"}
        write_text_atomic(paths["json"], self.to_json() + "\n")
        with atomic_path(paths["csv"]) as tmp, open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(STEP_FIELDS))
            w.writeheader()
            for s in self.steps:
                r = s.to_dict()
                w.writerow({k: ("" if r[k] is None else r[k]) for k in STEP_FIELDS})
        return paths


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))
