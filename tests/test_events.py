"""Event detection: real treadmill clip vs hand labels, and the synthetic gait model."""

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.clean import clean_track
from formcheck.events import detect_direction, detect_events
from formcheck.metrics import cadence_spm
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

LABELS = json.loads((Path(__file__).parent / "fixtures" / "treadmill_side_01_labels.json").read_text())


def _within_one(detected, labelled):
    detected = np.asarray(detected)
    return [bool(np.min(np.abs(detected - f)) <= 1) for f in labelled]


@pytest.fixture(scope="module")
def real_events(treadmill_track):
    c = clean_track(treadmill_track).track
    return c, detect_events(c, detect_direction(c).facing)


def test_real_direction(treadmill_track):
    d = detect_direction(clean_track(treadmill_track).track)
    assert d.facing == "left" and d.mode == "treadmill"


def test_real_cadence_within_1pct(real_events):
    _, ev = real_events
    assert abs(cadence_spm(ev) - 168.9) / 168.9 < 0.01


def test_real_near_contacts_match_hand_labels(real_events):
    c, ev = real_events
    det = c.frame_indices[ev.contact_indices("left")]
    ok = _within_one(det, LABELS["left"]["contact_frames"])
    assert np.mean(ok) >= 0.9, ok


def test_real_near_toe_offs_match_hand_labels(real_events):
    c, ev = real_events
    det = c.frame_indices[ev.toe_off_indices("left")]
    ok = _within_one(det, LABELS["left"]["toe_off_frames"][1:])  # the first toe-off precedes any detected contact
    assert np.mean(ok) >= 0.85, ok


def test_real_far_contacts_match_hand_labels(real_events):
    c, ev = real_events
    det = c.frame_indices[ev.contact_indices("right")]
    assert np.mean(_within_one(det, LABELS["right"]["contact_frames"])) >= 0.85


def _synthetic_errors(**kw):
    noise = kw.pop("noise_px", 0.0)
    swaps = kw.pop("swap_frames", ())
    g = simulate_gait(GaitParams(**kw))
    tr = to_pose_track(g, noise_px=noise, swap_frames=swaps, seed=3)
    c = clean_track(tr).track
    ev = detect_events(c, detect_direction(c).facing)
    ce, te = [], []
    margin = 0.3 * g.truth["stride_time_s"] * g.params.fps  # peaks at the clip edges cannot be seen
    for st in g.truth["steps"]:
        if not margin <= st["contact_frame"] <= g.truth["n_frames"] - 1 - margin:
            continue
        cand = ev.for_side(st["side"])
        s = min(cand, key=lambda s: abs(s.contact_index - st["contact_frame"]))
        ce.append(s.contact_index - st["contact_frame"])
        if s.toe_off_index is not None:
            te.append(s.toe_off_index - st["toe_off_frame"])
    return np.array(ce), np.array(te)


VARIATIONS = [
    dict(fps=30), dict(fps=60), dict(fps=120, duration_s=4), dict(fps=240, duration_s=3),
    dict(facing="right"), dict(cadence_spm=155, speed_m_s=2.6), dict(noise_px=2.0),
    dict(swap_frames=tuple(range(100, 105)) + tuple(range(250, 253))),
]


@pytest.mark.parametrize("kw", VARIATIONS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items() if k != "swap_frames") or "swaps")
def test_synthetic_step_count_and_sides(kw):
    ce, _ = _synthetic_errors(**dict(kw))
    assert np.all(np.abs(ce) <= 0.1 * dict(kw).get("fps", 60))  # every true step found (within 0.1 s)


@pytest.mark.xfail(strict=True, reason=(
    "KNOWN GAP: the synthetic runner retracts the leg before touchdown, so its foot is most anterior "
    "~40 ms BEFORE contact; on the real clip (hand labels) the most-anterior rule is within a frame. "
    "A foot-landing rule fits the model but lands 3-4 frames late on the real clip. Unresolved."))
@pytest.mark.parametrize("kw", [dict(fps=30), dict(fps=60), dict(fps=240, duration_s=3)], ids=["30fps", "60fps", "240fps"])
def test_synthetic_contact_within_one_frame(kw):
    ce, _ = _synthetic_errors(**kw)
    assert np.all(np.abs(ce) <= 1), ce


def test_synthetic_toe_off_within_two_frames_at_30fps():
    _, te = _synthetic_errors(fps=30)
    assert np.all(np.abs(te) <= 2), te
