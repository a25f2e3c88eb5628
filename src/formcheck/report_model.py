"""The report's view model: what the page shows, as plain data (no analysis, no HTML).

:class:`ReportModel` holds the headline :class:`Card` s, the :class:`FindingView` s, the stills and
plots (:class:`Image`), the per-step table, the warnings and the footer, all as display text.
:mod:`formcheck.report_view` builds it from an analysis; :mod:`formcheck.report_html` renders it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .rounding import rounded

FILMING_TIPS: tuple[str, ...] = (
    "Side view: camera at right angles to the running direction, level, at hip height, 3-5 m away, "
    "so your whole body (head to shoes, with some floor below them) fills about half the frame height.",
    "Steady: a tripod or a phone propped on something; no panning or zooming.",
    "Frame rate: 60 fps or more if your phone offers it (a foot contact lasts about 0.2 s: at 30 fps that is 6 frames). "
    "Slow-motion clips work; give the real rate with --fps.",
    "Enough steps: 10 s of steady running (at least 6 steps per leg, 7 or more for full confidence), after warming up.",
    "Light and clothing: even light, no strong backlight, and bright enough that a paused frame shows the shoes sharp, "
    "not smeared (dim light means a slow shutter); shorts or tights and shoes that stand out from the floor.",
    "On a treadmill, film from the side the console does not hide.",
    "Film with the back camera, or turn mirroring off: a selfie camera's mirrored video (or a 'flip' edit) swaps "
    "left and right, and nothing in the picture can tell.",
)

SEVERITY_ORDER = {"marked": 0, "moderate": 1, "mild": 2, "borderline": 3, "info": 4, "ok": 5}


@dataclass(frozen=True)
class Image:
    """A PNG (or JPEG) to embed, with a title and a caption."""

    title: str
    data: bytes
    caption: str = ""
    mime: str = "image/png"
    alt: str = ""
    kind: str = "plot"  # "plot" | "still"
    portrait: bool = False  # taller than wide (phone videos): laid out three to a row on wide screens


@dataclass(frozen=True)
class Card:
    """One headline verdict: e.g. Overstride - 'Mild overstride' - '+19 % of leg length'."""

    key: str  # "overstride" / "hip_extension" / "cadence"
    label: str
    verdict: str
    value: str
    status: str = "info"  # "ok" | "borderline" | "mild" | "moderate" | "marked" | "info" (colour of the card)
    confidence: str = ""  # "high" / "medium" / "low" / ""
    details: tuple[str, ...] = ()  # short lines: per side values, spread


@dataclass(frozen=True)
class FindingView:
    title: str
    severity: str
    side: str | None = None
    evidence: str = ""
    cue: str = ""
    drill: str = ""
    note: str = ""
    confidence: str = ""


@dataclass
class ReportModel:
    title: str
    source: str = ""
    subtitle: tuple[str, ...] = ()  # e.g. "12.0 s, 30 fps, facing left, treadmill"
    cards: list[Card] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    stills: list[Image] = field(default_factory=list)
    stills_note: str = ""  # shown when there are no stills
    plots: list[Image] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    table_row_classes: list[str] = field(default_factory=list)  # "left"/"right" per row, + " uncertain" (timing)
    warnings: list[str] = field(default_factory=list)
    low_quality: bool = False
    banner_heading: str = "This clip is hard to read: take the numbers as rough."  # above the warnings
    footer: tuple[str, ...] = ()
    colors: dict[str, str] = field(default_factory=dict)  # side -> "#rrggbb" (table row marks)


# ------------------------------------------------------------------ formatting
def num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(x: Any, digits: int = 0, unit: str = "", signed: bool = False) -> str:
    """Number for the page; an en dash when missing. A value that rounds to zero shows no minus ("-0" read as a
    direction in a newcomer's test)."""
    v = num(x)
    if v is None:
        return "–"
    v = rounded(v, digits)
    s = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    return s + unit

