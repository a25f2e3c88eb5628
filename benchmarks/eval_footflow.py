"""Pixel evidence for ground contact (formcheck.evaluation.footflow) against hand labels and rendered truth.

For every clip of benchmarks/eval_events.py (real clips, their degraded versions, the rendered
samples, the hard-condition scenarios) this prints, per event kind (IC / TO), events within
tolerance / labelled for:

    det   the landmark detector (formcheck.events, through analyze_track), as eval_events.py
    pix   the pixel evidence ALONE (footflow.pixel_events: runs of "shoe moves with the ground")
    anch  the pixel evidence anchored on each detector event (refine_* within +-0.1 stride, always taken)
    fuse  the fusion: the pixel event replaces the detector's when its confidence >= --min-conf
          and it lies within +-0.1 stride (else the detector's event stands)

plus the median signed error (frames, + = late) of pix and anch, and the time per frame of the
flow measurement. Pose tracks come from the disk cache; flows are cached in
$FORMCHECK_CACHE/footflow (keyed by the clip's bytes, the track's frames and FlowParams).

    .venv/bin/python benchmarks/eval_footflow.py [--only NAME] [--min-conf 0.5] [--details]
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_events as ee  # noqa: E402  (the clip list and pose-track options of the event benchmark)

from formcheck.analysis import AnalysisError, analyze_track  # noqa: E402
from formcheck.clean import clean_track  # noqa: E402
from formcheck.evaluation.events import ClipScore, Detection, detection_from_analysis, score_detection  # noqa: E402
from formcheck.evaluation.track_cache import default_cache_dir, file_digest  # noqa: E402
from formcheck.gait_cycle import stride_period  # noqa: E402
from formcheck.evaluation.footflow import (EvidenceParams, FlowParams, FootFlow, contact_evidence, measure_foot_flow,  # noqa: E402
                                pixel_events, refine_contact, refine_toe_off)
from formcheck.pose_track import PoseTrack  # noqa: E402

SIDES = ("left", "right")
FUSION_WINDOW_STRIDE = 0.1


def cached_flow(clip: ee.Clip, track: PoseTrack, params: FlowParams = FlowParams()) -> FootFlow:
    """measure_foot_flow, kept on disk: the flow is the slow part, the evidence rules are cheap to rerun."""
    key = hashlib.sha256(
        (file_digest(clip.path) + repr(params) + hashlib.sha256(np.asarray(track.frame_indices).tobytes()).hexdigest()
         + hashlib.sha256(np.ascontiguousarray(track.keypoints_px, dtype=np.float32).tobytes()).hexdigest()).encode()
    ).hexdigest()[:20]
    folder = default_cache_dir() / "footflow"
    entry = folder / f"{Path(clip.path).stem}-{key}.pkl"
    if entry.is_file():
        try:
            with open(entry, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a damaged entry is recomputed
            entry.unlink(missing_ok=True)
    flow = measure_foot_flow(clip.path, track, params)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(entry.name + ".partial")
    with open(tmp, "wb") as fh:
        pickle.dump(flow, fh)
    tmp.replace(entry)
    return flow


@dataclass(frozen=True)
class ClipResult:
    name: str
    det: ClipScore
    pix: ClipScore
    anch: ClipScore
    fuse: ClipScore
    seconds_per_frame: float
    replaced: int  # detector events the fusion replaced
    moved: int  # ... of which to another frame


def _detection(frames: dict[tuple[str, str], list[int]], fi: np.ndarray) -> Detection:
    return Detection({k: np.asarray(sorted(int(fi[i]) for i in v if 0 <= i < len(fi)), dtype=int) for k, v in frames.items()}, None, [])


def evaluate(clip: ee.Clip, min_conf: float, ev_params: EvidenceParams) -> ClipResult | None:
    try:
        raw = ee._track(clip)
    except Exception as exc:  # noqa: BLE001
        print(f"{clip.name}: no pose track ({type(exc).__name__}: {exc})")
        return None
    analysis = None
    try:
        analysis = analyze_track(raw)
        track = analysis.track
        stride = float(analysis.events.stride_period_frames)
    except AnalysisError:
        track = clean_track(raw).track
        stride = float("nan")
    flow = cached_flow(clip, track)
    ev = contact_evidence(flow, ev_params)
    if not np.isfinite(stride):
        fwd = track.keypoints_px[:, 31, 0] - track.keypoints_px[:, 23, 0]
        stride = stride_period(fwd, float(track.fps))
    fi = np.asarray(track.frame_indices)
    pix: dict[tuple[str, str], list[int]] = {(s, k): [] for s in SIDES for k in ("ic", "to")}
    for s in SIDES:
        ic, to = pixel_events(ev[s], stride, ev_params)
        pix[(s, "ic")], pix[(s, "to")] = list(ic), list(to)
    anch = {k: [] for k in pix}
    fuse = {k: [] for k in pix}
    replaced = moved = 0
    window = FUSION_WINDOW_STRIDE * stride if np.isfinite(stride) else 2.0
    det_score = score_detection(clip.name, clip.labels, detection_from_analysis(analysis) if analysis else None,
                                error=None if analysis else "refused")
    if analysis is not None:
        for st in analysis.events.steps:
            for kind, idx, fn in (("ic", st.contact_index, refine_contact), ("to", st.toe_off_index, refine_toe_off)):
                if idx is None or idx < 0:
                    continue
                px = fn(ev[st.side], idx, window, stride, ev_params)
                if px.index is not None:
                    anch[(st.side, kind)].append(px.index)
                take = px.index is not None and px.confidence >= min_conf and abs(px.index - idx) <= window
                fuse[(st.side, kind)].append(px.index if take else idx)
                replaced += take
                moved += bool(take and px.index != idx)
    return ClipResult(
        clip.name, det_score, score_detection(clip.name, clip.labels, _detection(pix, fi)),
        score_detection(clip.name, clip.labels, _detection(anch, fi)), score_detection(clip.name, clip.labels, _detection(fuse, fi)),
        flow.seconds_per_frame, replaced, moved,
    )


def _hits(s: ClipScore, kind: str) -> tuple[int, int]:
    sc = s.scores[(kind, "both")]
    return sc.hits, sc.n_labels


def _err(s: ClipScore, kind: str) -> str:
    e = s.scores[(kind, "both")].median_error_frames
    return "-" if e is None else f"{e:+.1f}"


HEADER = (f"{'clip':34s} {'IC det':>7s} {'pix':>7s} {'anch':>7s} {'fuse':>7s}  {'TO det':>7s} {'pix':>7s} {'anch':>7s} {'fuse':>7s}"
          f"  {'pIC':>5s} {'aIC':>5s} {'pTO':>5s} {'aTO':>5s}  {'moved':>5s} {'ms/fr':>5s}")


def line(r: ClipResult) -> str:
    cells = []
    for kind in ("ic", "to"):
        for s in (r.det, r.pix, r.anch, r.fuse):
            h, n = _hits(s, kind)
            cells.append(f"{h:>3d}/{n:<3d}")
    errs = [_err(r.pix, "ic"), _err(r.anch, "ic"), _err(r.pix, "to"), _err(r.anch, "to")]
    return (f"{r.name[:34]:34s} " + " ".join(cells[:4]) + "  " + " ".join(cells[4:]) + "  "
            + " ".join(f"{e:>5s}" for e in errs) + f"  {r.moved:>5d} {1000 * r.seconds_per_frame:5.1f}")


def total(results: list[ClipResult]) -> str:
    cells = []
    for kind in ("ic", "to"):
        for attr in ("det", "pix", "anch", "fuse"):
            h = sum(_hits(getattr(r, attr), kind)[0] for r in results)
            n = sum(_hits(getattr(r, attr), kind)[1] for r in results)
            cells.append(f"{h:>3d}/{n:<3d}")
    return f"{'TOTAL (' + str(len(results)) + ' clips)':34s} " + " ".join(cells[:4]) + "  " + " ".join(cells[4:]) + \
        f"  {'':23s}  {sum(r.moved for r in results):>5d}"


def details(r: ClipResult) -> list[str]:
    out = [f"  {r.name}"]
    for kind in ("ic", "to"):
        rows = {}
        for tag, s in (("det", r.det), ("pix", r.pix), ("anch", r.anch), ("fuse", r.fuse)):
            for e in s.events:
                if e.kind == kind:
                    rows.setdefault((e.side, e.label_frame), {})[tag] = "-" if e.error_frames is None else f"{e.error_frames:+.0f}"
        for (side, lf), d in sorted(rows.items()):
            out.append(f"    {kind.upper()} {side:5s} {lf:5d}  " + "  ".join(f"{t}={d.get(t, '-'):>3s}" for t in ("det", "pix", "anch", "fuse")))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="only clips whose name contains this")
    ap.add_argument("--min-conf", type=float, default=0.5, help="fusion: smallest pixel-evidence confidence that replaces a detector event")
    ap.add_argument("--ground", default=EvidenceParams.ground_source, choices=("stance_mode", "strip"))
    ap.add_argument("--details", action="store_true", help="every labelled event's error per method")
    args = ap.parse_args(argv)
    ev_params = replace(EvidenceParams(), ground_source=args.ground)
    notes: list[str] = []
    results = []
    print(HEADER)
    for clip in ee.all_clips(args.only, notes):
        r = evaluate(clip, args.min_conf, ev_params)
        if r is None:
            continue
        results.append(r)
        print(line(r), flush=True)
        if args.details:
            print("\n".join(details(r)), flush=True)
    if results:
        print(total(results))
    for n in notes:
        print(f"note: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
