"""How well formcheck times every contact and toe-off: one table over all clips with known events.

Clips: the hand-labelled real clips in ../shared/videos (skipped with a note when absent), each of
them degraded by code (motion blur, 480p, small runner in portrait, doubled frames, crf 40; labels
carried over), moving-camera versions of them and of the rendered sample_run (a crop window that
pans and shakes, a handheld one, a scene cut from another clip), the rendered samples in sample_videos/ and, when formcheck.synth.scenarios is
importable, its hard-condition scenarios (fps240 and lab_slowmo_240fps also exported as 8x slow motion,
overground_pass as 2.4x slow motion conformed to 25 fps with every frame then doubled, all analysed without
--fps; portrait_25fps also with a watermark over the landing zone). Pose tracks come from the disk cache
(formcheck.evaluation.track_cache): MediaPipe runs once per clip and machine.

    .venv/bin/python benchmarks/eval_events.py [--only NAME] [--json PATH] [--details] [--no-camera] [--encodings N]

Every clip goes through formcheck.camera.prepare_track as formcheck.analysis.analyze does (longest
stretch between cuts, ground-referenced track when the camera moved; on a still clip it must change
nothing, and twice it did: false scene cuts on a grainy plain wall, a drifting estimate at 240 fps);
--no-camera scores the raw pose tracks instead (moving-camera clips before stabilisation). --encodings 3 scores every copy made by
code at crf-1, crf and crf+1 as well (formcheck.evaluation.degrade.reencoded: the same frames, encodings nobody can
tell apart, which move single figures by several events); the total then pools them, which is the steadier
figure to compare a detector change by.

Columns: IC / TO = events within tolerance / labelled (left, right, both); err = median signed
error (detected - labelled, container frames; + = late); miss / spur = missed labels / spurious
detections; cad% = cadence error; over = median overstride error (% leg) and ct = median
contact-time error (ms) of the leg further off, rendered clips (and overstride on real clips whose shoes were
digitised at their contacts, tests/fixtures/<name>_heels.json, and their copies). tol = tolerance in container
frames.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from formcheck.evaluation.degrade import (
    Degradation, conformed_doubled, degraded_clip, following_camera, handheld, reencoded, runner_extent, scene_cut,
    slow_motion_export, standard_degradations, watermark_over_landing,
)
from formcheck.evaluation.events import ClipScore, EventLabels, load_labels, score_detection, score_track
from formcheck.evaluation.landmarks import digitised_overstride_steps
from formcheck.evaluation.track_cache import cached_pose_track, default_cache_dir
from formcheck.pose_track import PoseTrack
from formcheck.synth.render import truth_path_for
from formcheck.video import probe_video

REPO = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = Path(os.environ.get("FORMCHECK_SHARED_VIDEOS", REPO.parent / "shared" / "videos"))
FIXTURES = REPO / "tests" / "fixtures"
REAL_CLIPS = ("treadmill_side_01", "track_side_short_02")  # labelled as tests/fixtures/<name>_labels.json
SAMPLES = ("sample_run", "before", "after")
MOVING_SAMPLES = ("sample_run",)  # rendered samples that also get moving-camera versions
CUT_SOURCE = "walk_side_indoor_03"  # ../shared clip whose first 3 s are joined before a real clip (a scene cut)
CUT_FRAMES = 90
SLOW_MOTION_SCENARIOS = ("fps240", "lab_slowmo_240fps")  # also scored as exported slow motion (30 fps container), analysed without --fps
CONFORMED_DOUBLED_SCENARIOS = ("overground_pass",)  # also as 2.4x slow motion conformed to 25 fps, every frame doubled to 50
WATERMARK_SCENARIOS = ("portrait_25fps",)  # also scored with an app's handle burnt in over the landing zone


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    labels: EventLabels
    moving: bool = False  # a moving-camera version (made by code with a crop window that pans or shakes)
    fps_given: bool = True  # False: analysed without the real rate of a slow-motion clip (formcheck estimates it)


def real_clips(notes: list[str]) -> Iterator[Clip]:
    """Each hand-labelled real clip that is present (a note for each one that is not)."""
    for name in REAL_CLIPS:
        video, label_file = SHARED_VIDEOS / f"{name}.mp4", FIXTURES / f"{name}_labels.json"
        if not label_file.is_file():
            notes.append(f"{name}: no labels yet ({label_file.relative_to(REPO)}), skipped")
            continue
        if not video.is_file():
            notes.append(f"{name}: clip not found in {SHARED_VIDEOS}, skipped with its degraded versions")
            continue
        labels = load_labels(label_file)
        heels = FIXTURES / f"{name}_heels.json"  # shoes digitised at its contacts: where the foot landed
        if heels.is_file():
            from formcheck.camera import prepare_track

            track = prepare_track(_track(Clip(name, video, labels)), video).track  # as evaluate() analyses it
            truth = digitised_overstride_steps(json.loads(heels.read_text()), track, str(labels.facing))
            labels = replace(labels, truth_steps=truth)
        yield Clip(name, video, labels)


def encoded_copies(clip: Clip, d: Degradation, encodings: int, *, moving: bool = False) -> Iterator[Clip]:
    """``clip`` degraded by ``d`` (made once, then from the cache), at ``encodings`` neighbouring crf values."""
    for e in reencoded(d, encodings):
        out = degraded_clip(clip.path, clip.labels, e)
        suffix = "" if e.crf == d.crf else f"@crf{e.crf}"
        yield Clip(f"{clip.name}/{d.name}{suffix}", out.path, out.labels, moving=moving)


def degraded_versions(clip: Clip, notes: list[str], wanted: str | None, encodings: int = 1) -> Iterator[Clip]:
    """Each standard degradation of a real clip (made once, then from the cache) with its labels carried over."""
    info = probe_video(clip.path)
    size = (info.width, info.height)
    try:
        extent = runner_extent(_track(clip))
    except ValueError as exc:
        notes.append(f"{clip.name}: no portrait framing ({exc})")
        extent = None
    for d in standard_degradations(size, extent):
        name = f"{clip.name}/{d.name}"
        if wanted and wanted not in name:
            continue
        yield from encoded_copies(clip, d, encodings)
    yield from moving_versions(clip, notes, wanted, cut=True, encodings=encodings)


def moving_versions(clip: Clip, notes: list[str], wanted: str | None, *, cut: bool, encodings: int = 1) -> Iterator[Clip]:
    """A panning crop window, a handheld one and (``cut``) a scene cut from CUT_SOURCE, labels carried over."""
    info = probe_video(clip.path)
    size = (info.width, info.height)
    versions = []
    try:
        versions += [following_camera(size, _track(clip)), handheld(size, _track(clip))]
    except ValueError as exc:
        notes.append(f"{clip.name}: no moving-camera framing ({exc})")
    other = SHARED_VIDEOS / f"{CUT_SOURCE}.mp4"
    if cut and other.is_file():
        versions.append(scene_cut(other, min(CUT_FRAMES, info.n_frames // 3)))  # the labelled part stays the longer one
    elif cut:
        notes.append(f"{clip.name}: {other} not found, no scene-cut version")
    for d in versions:
        name = f"{clip.name}/{d.name}"
        if wanted and wanted not in name:
            continue
        yield from encoded_copies(clip, d, encodings, moving=True)


def rendered_samples(notes: list[str]) -> Iterator[Clip]:
    for name in SAMPLES:
        video = REPO / "sample_videos" / f"{name}.mp4"
        truth = truth_path_for(video)
        if not (video.is_file() and truth.is_file()):
            notes.append(f"{name}: sample or its truth missing, skipped")
            continue
        yield Clip(f"synth/{name}", video, load_labels(truth))


def rendered_moving(notes: list[str], wanted: str | None, encodings: int = 1) -> Iterator[Clip]:
    for name in MOVING_SAMPLES:
        video = REPO / "sample_videos" / f"{name}.mp4"
        truth = truth_path_for(video)
        if video.is_file() and truth.is_file():
            yield from moving_versions(Clip(f"synth/{name}", video, load_labels(truth)), notes, wanted, cut=False,
                                       encodings=encodings)


def scenario_clips(notes: list[str], wanted: str | None) -> Iterator[Clip]:
    """Hard-condition scenarios (formcheck.synth.scenarios), rendered once into the cache folder."""
    try:
        scenarios = importlib.import_module("formcheck.synth.scenarios")
    except ImportError:
        notes.append("formcheck.synth.scenarios not importable yet: no hard-condition scenarios")
        return
    for name in scenarios.SCENARIOS:
        label = f"scenario/{name}"
        export = slow_motion_export(scenarios.scenario(name).params.fps) if name in SLOW_MOTION_SCENARIOS else None
        if name in CONFORMED_DOUBLED_SCENARIOS:  # issue 14's street clip: 60 fps played at 25, then each frame twice
            export = conformed_doubled(scenarios.scenario(name).params.fps)
        names = [label] + ([f"{label}/{export.name}"] if export is not None else []) + \
            ([f"{label}/watermark"] if name in WATERMARK_SCENARIOS else [])
        if wanted and not any(wanted in n for n in names):
            continue
        try:  # render_scenario reuses a complete rendering of the same scenario version
            video = Path(scenarios.render_scenario(name, default_cache_dir() / "scenarios"))
        except Exception as exc:  # noqa: BLE001 - a scenario that cannot render is reported, not fatal
            notes.append(f"{label}: could not render ({type(exc).__name__}: {exc})")
            continue
        clip = Clip(label, video, load_labels(truth_path_for(video)))
        if not wanted or wanted in label:
            yield clip
        if export is not None and (not wanted or wanted in names[1]):  # as a phone saves it: 30 fps, no real rate in the file
            out = degraded_clip(video, clip.labels, export)
            yield Clip(f"{label}/{out.degradation.name}", out.path, out.labels, fps_given=False)
        if name in WATERMARK_SCENARIOS and (not wanted or wanted in f"{label}/watermark"):
            info = probe_video(video)
            mark = watermark_over_landing((info.width, info.height), runner_extent(_track(clip)))
            out = degraded_clip(video, clip.labels, mark)
            yield Clip(f"{label}/{mark.name}", out.path, out.labels)


def _track(clip: Clip):
    options = {"fps_override": clip.labels.real_fps} if clip.labels.capture_fps and clip.fps_given else {}
    return cached_pose_track(clip.path, **options)


def evaluate(clip: Clip, camera: bool = True, transform: Callable[[PoseTrack], PoseTrack] | None = None) -> ClipScore:
    """The clip's events scored; ``transform`` changes its pose track first (benchmarks/eval_jitter.py adds noise)."""
    try:
        track = _track(clip)
    except Exception as exc:  # noqa: BLE001 - unreadable clip or no pose: scored all missed, reason kept
        return score_detection(clip.name, clip.labels, None, error=f"pose: {type(exc).__name__}: {exc}")
    if transform is not None:
        track = transform(track)
    if camera:
        from formcheck.analysis import AnalysisError
        from formcheck.camera import prepare_track

        try:
            track = prepare_track(track, clip.path).track
        except AnalysisError as exc:
            return score_detection(clip.name, clip.labels, None, error=str(exc))
    return score_track(clip.name, clip.labels, track, clip.path)


def all_clips(wanted: str | None, notes: list[str], encodings: int = 1) -> Iterator[Clip]:
    for clip in real_clips(notes):
        if not wanted or wanted in clip.name:
            yield clip
        yield from degraded_versions(clip, notes, wanted, encodings)
    for clip in rendered_samples(notes):
        if not wanted or wanted in clip.name:
            yield clip
    yield from rendered_moving(notes, wanted, encodings)
    yield from scenario_clips(notes, wanted)


# ------------------------------------------------------------------------------------------------ table


def _frac(s: ClipScore, kind: str) -> str:
    sc = s.scores
    return f"{sc[(kind, 'left')].hits}/{sc[(kind, 'left')].n_labels} {sc[(kind, 'right')].hits}/{sc[(kind, 'right')].n_labels} " \
           f"{sc[(kind, 'both')].hits}/{sc[(kind, 'both')].n_labels}"


def _num(v: float | None, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


HEADER = f"{'clip':46s} {'tol':>4s}  {'IC L R both':>17s}  {'TO L R both':>17s}  {'ICerr':>5s} {'TOerr':>5s} " \
         f"{'miss':>5s} {'spur':>5s} {'cad%':>6s} {'over':>5s} {'ct ms':>6s} {'flagged off|ok':>14s}"


def _flags(c: dict[str, int]) -> str:
    """Events timed outside the tolerance that the analysis marked uncertain, and on-time events it marked all the same."""
    return f"{c['off_flagged']}/{c['off']}|{c['hits_flagged']}/{c['hits']}"


def table_line(s: ClipScore) -> str:
    ic, to = s.scores[("ic", "both")], s.scores[("to", "both")]
    ct_ms = None if s.contact_time_error_s is None else 1000 * s.contact_time_error_s
    line = (f"{s.name[:46]:46s} {s.tolerance_frames:4.1f}  {_frac(s, 'ic'):>17s}  {_frac(s, 'to'):>17s}  "
            f"{_num(ic.median_error_frames, '+.1f'):>5s} {_num(to.median_error_frames, '+.1f'):>5s} "
            f"{f'{ic.missed}/{to.missed}':>5s} {f'{ic.spurious}/{to.spurious}':>5s} {_num(s.cadence_error_pct, '+.2f'):>6s} "
            f"{_num(s.overstride_error_pct_leg, '+.1f'):>5s} {_num(ct_ms, '+.0f'):>6s} {_flags(s.flag_counts()):>14s}")
    if s.error:
        line += f"  REFUSED: {s.error}"
    return line


def total_row(scores: list[ClipScore]) -> dict[str, object]:
    """Pooled counts over all clips; pooled median event errors; mean |error| of the per-clip figures."""
    out: dict[str, object] = {"clip": "TOTAL", "clips": len(scores)}
    for kind in ("ic", "to"):
        for side in ("left", "right", "both"):
            out[f"{kind}_{side}_hits"] = sum(s.scores[(kind, side)].hits for s in scores)
            out[f"{kind}_{side}_labels"] = sum(s.scores[(kind, side)].n_labels for s in scores)
        errs = [e.error_frames for s in scores for e in s.events if e.kind == kind and e.error_frames is not None]
        out[f"{kind}_median_error_frames"] = round(float(np.median(errs)), 2) if errs else None
        out[f"{kind}_missed"] = sum(s.scores[(kind, "both")].missed for s in scores)
        out[f"{kind}_spurious"] = sum(s.scores[(kind, "both")].spurious for s in scores)
    for key, vals in (("mean_abs_cadence_error_pct", [s.cadence_error_pct for s in scores]),
                      ("mean_abs_overstride_error_pct_leg", [s.overstride_error_pct_leg for s in scores]),
                      ("mean_abs_contact_time_error_s", [s.contact_time_error_s for s in scores])):
        v = [abs(x) for x in vals if x is not None]
        out[key] = round(float(np.mean(v)), 4) if v else None
    out["refused"] = sum(s.error is not None for s in scores)
    for key in ("off", "off_flagged", "hits", "hits_flagged"):
        out[f"events_{key}"] = sum(s.flag_counts()[key] for s in scores)
    return out


def total_line(t: dict[str, object]) -> str:
    def frac(kind: str) -> str:
        return " ".join(f"{t[f'{kind}_{side}_hits']}/{t[f'{kind}_{side}_labels']}" for side in ("left", "right", "both"))

    ct = t["mean_abs_contact_time_error_s"]
    return (f"{'TOTAL (' + str(t['clips']) + ' clips)':46s} {'':4s}  {frac('ic'):>17s}  {frac('to'):>17s}  "
            f"{_num(t['ic_median_error_frames'], '+.1f'):>5s} {_num(t['to_median_error_frames'], '+.1f'):>5s} "
            f"{str(t['ic_missed']) + '/' + str(t['to_missed']):>5s} {str(t['ic_spurious']) + '/' + str(t['to_spurious']):>5s} "
            f"{_num(t['mean_abs_cadence_error_pct'], '.2f'):>6s} {_num(t['mean_abs_overstride_error_pct_leg'], '.1f'):>5s} "
            f"{_num(None if ct is None else 1000 * ct, '.0f'):>6s} "
            f"{_flags({k: int(t[f'events_{k}']) for k in ('off', 'off_flagged', 'hits', 'hits_flagged')}):>14s}"
            "   (|cad%|, |over|, |ct| = mean abs of the clip figures; flagged: marked timing-uncertain)")


def details(s: ClipScore) -> list[str]:
    lines = [f"  {s.name}: tolerance {s.tolerance_frames:.2f} frames, window +-{s.window_frames:.1f}"]
    for e in s.events:
        if e.detected_frame is None:
            lines.append(f"    {e.side:5s} {e.kind.upper()} label {e.label_frame:5d}  MISSED")
        else:
            lines.append(f"    {e.side:5s} {e.kind.upper()} label {e.label_frame:5d}  detected {e.detected_frame:5d}  "
                         f"{e.error_frames:+4.0f} fr {e.error_ms:+6.1f} ms  {'ok' if e.hit else 'OFF'}"
                         f"{'  (marked uncertain)' if e.flagged else ''}")
    for (kind, side), frames in s.spurious.items():
        if frames:
            lines.append(f"    {side:5s} {kind.upper()} spurious at {frames}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="only clips whose name contains this (e.g. treadmill, doubled, synth)")
    ap.add_argument("--json", type=Path, help="save the table (and every event) as JSON")
    ap.add_argument("--details", action="store_true", help="print every event's error")
    ap.add_argument("--no-camera", action="store_true", help="score every clip without the camera stage (moving-camera clips before stabilisation)")
    ap.add_argument("--encodings", type=int, default=1, metavar="N",
                    help="score each copy made by code at N neighbouring crf values (odd; 3 = crf-1, crf, crf+1), pooled in the total")
    args = ap.parse_args(argv)
    if args.encodings < 1 or args.encodings % 2 == 0:
        ap.error("--encodings must be odd and at least 1")

    notes: list[str] = []
    scores: list[ClipScore] = []
    print(HEADER)
    for clip in all_clips(args.only, notes, args.encodings):
        s = evaluate(clip, camera=not args.no_camera)
        scores.append(s)
        print(table_line(s), flush=True)
        if args.details:
            print("\n".join(details(s)), flush=True)
    if not scores:
        print("(no clip)")
        total = None
    else:
        total = total_row(scores)
        print(total_line(total))
    for n in notes:
        print(f"note: {n}")
    if args.json:
        payload = {
            "rows": [s.row() for s in scores],
            "total": total,
            "notes": notes,
            "events": {s.name: [e.__dict__ for e in s.events] for s in scores},
            "spurious": {s.name: {f"{k}_{side}": v for (k, side), v in s.spurious.items()} for s in scores},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_name(args.json.name + ".partial")
        tmp.write_text(json.dumps(payload, indent=1))
        tmp.replace(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
