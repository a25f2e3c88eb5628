"""Matplotlib figures for the HTML report, returned as PNG bytes.

Every plot here takes plain numbers (numpy arrays, lists), not an ``Analysis``, so that the report
and the before/after comparison can feed them from any source. The figures are made for a phone
screen: few lines, large fonts, a colour-blind-safe palette (Okabe & Ito 2008), and the same
left/right colours as the annotated clip when ``formcheck.annotate`` defines them.

Angle conventions follow docs/definitions.md: thigh angle = angle of hip->knee from the downward
vertical, positive when the knee is behind the hip (extension).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .geometry import SIDES
from .rounding import rounded


# Okabe-Ito palette: distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "purple": "#CC79A7",
    "black": "#000000",
}
DEFAULT_SIDE_COLORS = {"left": OKABE_ITO["blue"], "right": OKABE_ITO["vermillion"]}


def _hex(color: object) -> str | None:
    """'#rrggbb' from a hex string or an (r, g, b) tuple in 0-255 (RGB order) or 0-1 floats."""
    if isinstance(color, str) and color.startswith("#") and len(color) in (4, 7):
        return color
    try:
        vals = [float(v) for v in color]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    if len(vals) < 3:
        return None
    if max(vals[:3]) <= 1.0:
        vals = [v * 255 for v in vals]
    r, g, b = (int(round(min(255.0, max(0.0, v)))) for v in vals[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def side_colors(near_side: str | None = None) -> dict[str, str]:
    """Left/right colours, consistent with the annotated clip.

    The annotated clip (``formcheck.annotate.Style``) colours legs by NEAR/FAR (near = orange,
    far = blue); given ``near_side`` the same colours are used here. Without it (or without the
    annotate module) the Okabe-Ito blue/vermillion pair is used for left/right.
    """
    if near_side in SIDES:
        try:
            from .overlay import Style  # noqa: PLC0415 (drawing colours, imported only when asked)

            near_c, far_c = _hex(Style.near_leg), _hex(Style.far_leg)
        except Exception:  # pragma: no cover - depends on what exists in the tree
            near_c, far_c = OKABE_ITO["orange"], OKABE_ITO["blue"]
        if near_c and far_c:
            far_side = "right" if near_side == "left" else "left"
            return {near_side: near_c, far_side: far_c}
    return dict(DEFAULT_SIDE_COLORS)


def _side_label(side: str, near_side: str | None) -> str:
    if near_side not in SIDES:
        return side.capitalize()
    return f"{side.capitalize()} ({'near' if side == near_side else 'far'})"


_STYLE = {
    "font.size": 16,
    "axes.titlesize": 18,
    "axes.labelsize": 16,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 15,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.6,
    "figure.dpi": 100,
}


def _figure(figsize: tuple[float, float]) -> Figure:
    """A figure drawn by Agg (no display, no pyplot, no global backend switch: importing this module
    leaves the caller's matplotlib backend alone), and freed with its last reference."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _legend_below(ax: Axes) -> None:
    """Legend under the axes, side by side: never hides data on a narrow screen."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.26), ncol=1, frameon=False, handletextpad=0.3)


# ---------------------------------------------------------------- data helpers

def gait_cycle_curves(
    signal: np.ndarray,
    contacts: Sequence[float],
    toe_offs: Sequence[float | None] | None = None,
    n_points: int = 101,
) -> tuple[np.ndarray, np.ndarray]:
    """Time-normalise ``signal`` between consecutive contacts of one foot (0 % = contact, 100 % = next contact).

    ``contacts`` are (possibly fractional) track indices in time order; ``toe_offs[i]`` belongs to the
    stance that starts at ``contacts[i]``. Returns (curves (n_cycles, n_points), toe_off_pct (n_cycles,),
    NaN where unknown). Cycles with more than 20 % missing samples are dropped.
    """
    signal = np.asarray(signal, dtype=float)
    t = np.arange(len(signal), dtype=float)
    ok = np.isfinite(signal)
    curves, pcts = [], []
    c = [float(v) for v in contacts]
    for i in range(len(c) - 1):
        a, b = c[i], c[i + 1]
        if not (b > a + 2):
            continue
        lo, hi = int(np.floor(a)), int(np.ceil(b))
        if lo < 0 or hi >= len(signal):
            continue
        seg_ok = ok[lo:hi + 1]
        if seg_ok.mean() < 0.8 or seg_ok.sum() < 3:
            continue
        grid = np.linspace(a, b, n_points)
        curves.append(np.interp(grid, t[lo:hi + 1][seg_ok], signal[lo:hi + 1][seg_ok]))
        to = toe_offs[i] if toe_offs is not None and i < len(toe_offs) else None
        pcts.append(100.0 * (float(to) - a) / (b - a) if to is not None and a < float(to) < b else np.nan)
    if not curves:
        return np.empty((0, n_points)), np.empty(0)
    return np.vstack(curves), np.asarray(pcts, dtype=float)


# ---------------------------------------------------------------- figures

def thigh_cycle_plot(
    curves: Mapping[str, np.ndarray],
    toe_off_pct: Mapping[str, np.ndarray],
    *,
    colors: Mapping[str, str] | None = None,
    near_side: str | None = None,
    title: str = "Thigh angle over the stride",
    toe_off_deg: Mapping[str, float | None] | None = None,
) -> bytes:
    """Mean thigh angle per side over the gait cycle, band = ±1 SD over strides, toe-off marked.

    ``curves[side]`` is (n_cycles, n_points) as from :func:`gait_cycle_curves`; sides with no cycles are skipped.
    ``toe_off_deg``: the leg's reported hip extension at toe-off (median of its steps), which the toe-off's label then
    gives; the average curve at the median toe-off reads a degree or so from it, and the page said "+12°" in its card
    beside "toe-off +13°" here (a newcomer's test). Without it, the curve's value.
    """
    colors = dict(colors or side_colors(near_side))
    with matplotlib.rc_context(_STYLE):
        fig = _figure((5.2, 4.0))
        ax = fig.subplots()
        drawn = False
        # toe-off label placement: the earlier toe-off's label goes left of its line, the later one's right
        med_to = {}
        for side in SIDES:
            pct = np.asarray(toe_off_pct.get(side, []), dtype=float)
            pct = pct[np.isfinite(pct)]
            if pct.size:
                med_to[side] = float(np.median(pct))
        first = min(med_to, key=med_to.get) if len(med_to) == 2 else None
        for side in SIDES:
            cv = np.asarray(curves.get(side, np.empty((0, 0))), dtype=float)
            if cv.ndim != 2 or cv.shape[0] == 0:
                continue
            x = np.linspace(0, 100, cv.shape[1])
            mean = np.nanmean(cv, axis=0)
            col = colors[side]
            ax.plot(x, mean, color=col, label=f"{_side_label(side, near_side)}, {cv.shape[0]} strides")
            if cv.shape[0] >= 2:
                sd = np.nanstd(cv, axis=0)
                ax.fill_between(x, mean - sd, mean + sd, color=col, alpha=0.2, linewidth=0)
            pct = np.asarray(toe_off_pct.get(side, []), dtype=float)
            pct = pct[np.isfinite(pct)]
            if pct.size:
                p = float(np.median(pct))
                y = float(np.interp(p, x, mean))
                ax.axvline(p, color=col, linestyle="--", linewidth=1.6)
                ax.plot([p], [y], marker="o", markersize=11, color=col, markeredgecolor="white", markeredgewidth=1.5)
                # labels at the top, left leg's left of its line and right leg's right of it: never on top of each other
                left_label = side == first
                said = (toe_off_deg or {}).get(side)
                shown = rounded(said if said is not None and np.isfinite(said) else y, 0)  # the page's rounding
                ax.annotate(f"toe-off {shown:+.0f}°", (p, 0.97), xycoords=("data", "axes fraction"),
                            xytext=(-6 if left_label else 6, 0), textcoords="offset points", va="top",
                            ha="right" if left_label else "left", color=col, fontsize=14, fontweight="bold",
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
            drawn = True
        ax.axhline(0, color="0.4", linewidth=1)
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + 0.18 * (hi - lo))  # headroom for the toe-off labels
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of stride (0 = foot contact)")
        ax.set_ylabel("Thigh angle (°)\n+ = behind hip")
        ax.set_title(title)
        if drawn:
            _legend_below(ax)
        else:
            ax.text(50, 0, "not enough complete strides", ha="center", va="center")
        return _png(fig)


def foot_ahead_plot(
    times_s: Sequence[float],
    sides: Sequence[str],
    values_pct: Sequence[float | None],
    *,
    threshold_pct: float | None = None,
    colors: Mapping[str, str] | None = None,
    near_side: str | None = None,
    title: str = "Foot ahead of the body at contact",
    ylabel: str = "Heel ahead of COM\n(% leg length)",
) -> bytes:
    """Per-step foot position relative to the COM at initial contact, one marker per step, coloured by side.

    Positive = the foot lands ahead of the centre of mass. ``threshold_pct`` draws a dashed line (e.g. the
    overstride threshold the findings use).
    """
    colors = dict(colors or side_colors(near_side))
    t = np.asarray(times_s, dtype=float)
    v = np.asarray([np.nan if x is None else float(x) for x in values_pct], dtype=float)
    s = np.asarray(list(sides))
    with matplotlib.rc_context(_STYLE):
        fig = _figure((5.2, 4.0))
        ax = fig.subplots()
        for side, marker in (("left", "o"), ("right", "s")):
            m = (s == side) & np.isfinite(v) & np.isfinite(t)
            if m.any():
                ax.plot(t[m], v[m], linestyle="none", marker=marker, markersize=10, color=colors[side],
                        markeredgecolor="white", label=f"{_side_label(side, near_side)}: median {np.median(v[m]):.0f}%")
        ax.axhline(0, color="0.4", linewidth=1)
        if threshold_pct is not None and np.isfinite(threshold_pct):
            ax.axhline(threshold_pct, color="0.25", linestyle="--", linewidth=1.6)
            ax.annotate("overstride above", (0.01, threshold_pct), xycoords=("axes fraction", "data"),
                        xytext=(0, 4), textcoords="offset points", fontsize=14, color="0.25")
        ax.set_xlabel("Time in clip (s)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if np.isfinite(v).any():
            _legend_below(ax)
        else:
            ax.text(0.5, 0.5, "no contacts measured", transform=ax.transAxes, ha="center")
        return _png(fig)


def cadence_contact_plot(
    step_times_s: Sequence[float],
    cadence_spm: Sequence[float | None],
    contact_ms: Sequence[float | None],
    sides: Sequence[str] | None = None,
    *,
    colors: Mapping[str, str] | None = None,
    near_side: str | None = None,
    title: str = "Cadence and contact time",
) -> bytes:
    """Two stacked panels over clip time: step-to-step cadence (steps/min) and ground contact time (ms)."""
    colors = dict(colors or side_colors(near_side))
    t = np.asarray(step_times_s, dtype=float)
    cad = np.asarray([np.nan if x is None else float(x) for x in cadence_spm], dtype=float)
    ct = np.asarray([np.nan if x is None else float(x) for x in contact_ms], dtype=float)
    s = np.asarray(list(sides) if sides is not None else ["?"] * len(t))
    with matplotlib.rc_context(_STYLE):
        fig = _figure((5.2, 5.6))
        a1, a2 = fig.subplots(2, 1, sharex=True)
        m = np.isfinite(cad)
        if m.any():
            a1.plot(t[m], cad[m], color="0.2", linewidth=2.0, marker="o", markersize=7)
            med = float(np.median(cad[m]))
            a1.axhline(med, color=OKABE_ITO["green"], linestyle="--", linewidth=1.6)
            a1.annotate(f"median {med:.0f}", (0.01, 0.04), xycoords="axes fraction", ha="left", va="bottom",
                        color=OKABE_ITO["green"], fontsize=14, fontweight="bold",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
            lo, hi = np.nanmin(cad[m]), np.nanmax(cad[m])
            pad = max(5.0, 0.15 * (hi - lo))
            a1.set_ylim(lo - pad, hi + pad)
        else:
            a1.text(0.5, 0.5, "not enough steps", transform=a1.transAxes, ha="center")
        a1.set_ylabel("steps/min")
        a1.set_title(title)
        for side, marker in (("left", "o"), ("right", "s")):
            mm = (s == side) & np.isfinite(ct)
            if mm.any():
                a2.plot(t[mm], ct[mm], linestyle="none", marker=marker, markersize=9, color=colors[side],
                        markeredgecolor="white", label=_side_label(side, near_side))
        other = ~np.isin(s, SIDES) & np.isfinite(ct)
        if other.any():
            a2.plot(t[other], ct[other], linestyle="none", marker="o", color="0.3")
        if np.isfinite(ct).any():
            _legend_below(a2)
        else:
            a2.text(0.5, 0.5, "no toe-offs measured", transform=a2.transAxes, ha="center")
        a2.set_ylabel("contact (ms)")
        a2.set_xlabel("Time in clip (s)")
        fig.align_ylabels((a1, a2))
        return _png(fig)
