"""Rendered runners under the hard conditions of real phone clips, to measure the event detector.

Each scenario is a short synthetic clip (:mod:`formcheck.synth.gait` + :mod:`formcheck.synth.render`)
with exact ground truth, rendered small so that one takes seconds to tens of seconds on one core:

belt_height_60fps  treadmill filmed from belt height (phone on the floor, 1.5x-zoom focal length,
                   pitched 15 deg up): portrait 540x960, 60 fps, the belt seen edge-on near the
                   bottom of the frame, a small runner (hip to ankle ~ a quarter of the frame height).
motion_blur_60fps  treadmill, 60 fps with a 1/60 s shutter: each frame is the mean of 7 sub-frame
                   renders spread over the exposure, centred on the frame time (the swinging feet
                   smear over ~10 cm). The truth says which instant a frame represents (its centre).
fps240             treadmill, 240 fps slow-motion capture (640x360).
overground_pass    track, static camera, the runner enters at the right edge and leaves at the left
                   (facing left; ~8 m of track in view, 3-4 contacts of each foot in view).
far_foot_hidden    treadmill with an occluder standing between the legs' planes ahead of the runner:
                   the far foot disappears behind it around each of its contacts and in late swing;
                   the near leg passes in front of it.
gym_60fps          the gym clip of issue 14 as a whole: belt_height_60fps's camera (phone on the floor,
                   pitched up, portrait, small runner) with motion_blur_60fps's 1/60 s shutter.
portrait_25fps     treadmill, 25 fps (the European phones' rate), portrait 540x960 at hip height, the
                   runner filling most of the frame's height: the fewest frames per stride of any
                   clip formcheck is asked to time (benchmarks/eval_events.py also scores it with a
                   watermark burnt in over the landing zone, as such clips come from social apps).
lab_slowmo_240fps  the lab clip of issue 14: a treadmill filmed from belt height at 240 fps, 480x360
                   (benchmarks/eval_events.py also scores it exported as 8x slow motion, a 30 fps file
                   that does not say its real rate).

The truth JSON beside each clip (``formcheck.synth.render.truth_path_for``) is the usual
``formcheck-synthetic-truth`` (event frames: contact = first frame with the foot down, toe-off =
last frame with the foot down; per-step truth values), plus per-frame foot visibility and per-step
``contact_visible`` / ``toe_off_visible`` (a foot outside the image or behind the occluder: its
events are not to be counted), a ``scenario`` block and, for the shuttered clip, ``exposure``.

    from formcheck.synth.scenarios import SCENARIOS, render_scenario
    for name in SCENARIOS:
        video = render_scenario(name, Path("/tmp/scenarios"))
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .gait import GaitParams, SyntheticGait, simulate_gait
from .render import Occluder, RenderStyle, render_video, truth_path_for

SCENARIO_FORMAT = 2  # bump to invalidate renderings made by an older version of this module (2: repeatable H.264)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    params: GaitParams
    style: RenderStyle
    crf: int = 23
    preset: str = "veryfast"

    def fingerprint(self) -> str:
        payload = {"format": SCENARIO_FORMAT, "name": self.name, "params": asdict(self.params), "style": asdict(self.style),
                   "crf": self.crf, "preset": self.preset}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


_RUNNER = dict(cadence_spm=170.0, speed_m_s=3.0, facing="left", hip_extension_deg=12.0)
# a phone on the floor beside the treadmill, pitched up, portrait, the runner small (belt_height_60fps, gym_60fps)
_GYM_FLOOR_PHONE = dict(image_size=(540, 960), fps=60.0, duration_s=4.0, treadmill=True, overstride_pct_leg=15.0,
                        camera_height_m=0.02, camera_tilt_deg=15.0, camera_focal_px=1170.0, camera_distance_m=4.0)

_SPECS: tuple[Scenario, ...] = (
    Scenario(
        "belt_height_60fps",
        "treadmill, phone on the floor at belt height pitched 15 deg up, portrait 540x960, 60 fps, small runner",
        GaitParams(**_GYM_FLOOR_PHONE, **_RUNNER),
        RenderStyle(seed=11),
    ),
    Scenario(
        "motion_blur_60fps",
        "treadmill, 60 fps, 1/60 s shutter (each frame the mean of 7 sub-frames over the exposure, centred on the frame time)",
        GaitParams(image_size=(640, 360), fps=60.0, duration_s=3.0, treadmill=True, overstride_pct_leg=12.0, **_RUNNER),
        RenderStyle(seed=12, shutter_s=1.0 / 60.0, shutter_subframes=7),
    ),
    Scenario(
        "fps240",
        "treadmill, 240 fps slow-motion capture, 640x360",
        GaitParams(image_size=(640, 360), fps=240.0, duration_s=3.0, treadmill=True, overstride_pct_leg=12.0, **_RUNNER),
        RenderStyle(seed=13),
    ),
    Scenario(
        "overground_pass",
        "track, static level camera 5.75 m away (~8 m in view), the runner enters at one edge and leaves at the other, 854x480, 60 fps",
        GaitParams(image_size=(854, 480), fps=60.0, duration_s=3.6, treadmill=False, overstride_pct_leg=12.0,
                   camera_height_m=1.0, camera_distance_m=5.75, camera_focal_px=615.0, **_RUNNER),
        RenderStyle(seed=14),
    ),
    Scenario(
        "far_foot_hidden",
        "treadmill, an occluder between the legs' planes ahead of the runner hides the far foot around its contacts, 640x360, 60 fps",
        GaitParams(image_size=(640, 360), fps=60.0, duration_s=4.0, treadmill=True, overstride_pct_leg=15.0, **_RUNNER),
        RenderStyle(seed=15, occluder=Occluder(x_m=(0.0, 0.6), height_m=0.42, lateral_m=0.04)),
    ),
    Scenario(
        "gym_60fps",
        "treadmill, phone on the floor at belt height pitched 15 deg up, portrait 540x960, 60 fps, 1/60 s shutter, small runner",
        GaitParams(**_GYM_FLOOR_PHONE, **_RUNNER),
        RenderStyle(seed=16, shutter_s=1.0 / 60.0, shutter_subframes=7),
    ),
    Scenario(
        "portrait_25fps",
        "treadmill, 25 fps, portrait 540x960, camera at hip height, the runner filling most of the frame's height",
        GaitParams(image_size=(540, 960), fps=25.0, duration_s=6.0, treadmill=True, overstride_pct_leg=15.0,
                   camera_distance_m=3.0, runner_height_frac=0.75, **_RUNNER),
        RenderStyle(seed=17),
    ),
    Scenario(
        "lab_slowmo_240fps",
        "lab treadmill, camera at belt height pitched 10 deg up, 240 fps slow-motion capture, 480x360",
        GaitParams(image_size=(480, 360), fps=240.0, duration_s=3.0, treadmill=True, overstride_pct_leg=18.0,
                   camera_height_m=0.03, camera_tilt_deg=10.0, camera_focal_px=620.0, camera_distance_m=4.0, **_RUNNER),
        RenderStyle(seed=18),
    ),
)

SCENARIOS: tuple[str, ...] = tuple(s.name for s in _SPECS)
_BY_NAME = {s.name: s for s in _SPECS}


def scenario(name: str) -> Scenario:
    """The scenario's gait parameters, render style and encoding."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None


def simulate_scenario(name: str) -> tuple[SyntheticGait, RenderStyle]:
    """The simulated runner (truth, landmarks, camera) of a scenario and its render style, without rendering."""
    s = scenario(name)
    return simulate_gait(s.params), s.style


def _complete(video: Path, fingerprint: str) -> bool:
    """The video and its truth exist, the truth is this version of the scenario and the video has all its frames."""
    truth_file = truth_path_for(video)
    if not (video.is_file() and truth_file.is_file()):
        return False
    try:
        truth = json.loads(truth_file.read_text())
        if truth.get("scenario", {}).get("fingerprint") != fingerprint:
            return False
        from ..video import probe_video

        return probe_video(video).n_frames == int(truth["summary"]["n_frames"])
    except Exception:  # noqa: BLE001 - unreadable / truncated: render again
        return False


def render_scenario(name: str, out_dir: Path) -> Path:
    """Render scenario ``name`` to ``<out_dir>/<name>.mp4`` with its truth JSON beside it; deterministic.

    An existing rendering of the same scenario version with all its frames and its truth is reused.
    """
    s = scenario(name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{name}.mp4"
    fp = s.fingerprint()
    if _complete(video, fp):
        return video
    gait = simulate_gait(s.params)
    extra: dict[str, Any] = {"scenario": {"name": name, "description": s.description, "fingerprint": fp, "format": SCENARIO_FORMAT}}
    truth_path_for(video).unlink(missing_ok=True)  # a stale truth must not pair with the new video if rendering fails
    render_video(gait, video, style=s.style, crf=s.crf, preset=s.preset, visibility=True, truth_extra=extra)
    return video


__all__ = ["SCENARIOS", "Scenario", "render_scenario", "scenario", "simulate_scenario"]
