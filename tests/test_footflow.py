"""formcheck.evaluation.footflow: shoe and ground motion from pixels, and the contact evidence built on it.

The fast tests render a small clip with known motion: a textured "belt" scrolling at a constant
speed and a textured "shoe" patch that comes down and forwards, lands (joins the belt's motion)
at a known frame and lifts off at another, with landmarks placed on it exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.evaluation.footflow import (EvidenceParams, FlowParams, contact_evidence, measure_foot_flow, pixel_events,
                                refine_contact, refine_toe_off)
from formcheck.pose_track import PoseTrack
from formcheck.video import H264Writer

W, H, FPS, N = 320, 160, 30.0, 60
BELT_TOP_PX = 96  # rows from here down are belt
BELT_V = np.array([3.0, 0.0])  # px per frame
SWING_V = np.array([-4.0, 2.0])  # forwards (left) and down, before landing
LIFT_V = np.array([2.0, -3.0])  # backwards and up, after toe-off
LAND, TOE_OFF = 14, 40  # first and last frame with the shoe on the belt
SHOE_LEN_PX = 40  # heel-toe landmark distance
SOLE_AT_LAND = np.array([120.0, 100.0])  # heel (sole) position at the landing frame


def _texture(rng: np.random.Generator, h: int, w: int, lo: int, hi: int) -> np.ndarray:
    t = rng.uniform(0, 1, (h, w)).astype(np.float32)
    t = cv2.GaussianBlur(t, (0, 0), 1.2)
    t = (t - t.min()) / (t.max() - t.min())
    return (lo + (hi - lo) * t).astype(np.uint8)


def heel_positions() -> np.ndarray:
    """(N, 2) heel landmark per frame: swing, then with the belt from LAND to TOE_OFF, then lifting."""
    f = np.arange(N, dtype=float)[:, None]
    at_to = SOLE_AT_LAND + (TOE_OFF - LAND) * BELT_V
    return np.where(f <= LAND, SOLE_AT_LAND + (f - LAND) * SWING_V,
                    np.where(f <= TOE_OFF, SOLE_AT_LAND + (f - LAND) * BELT_V, at_to + (f - TOE_OFF) * LIFT_V))


def write_clip(path: Path) -> np.ndarray:
    """Render the clip; returns the heel positions."""
    rng = np.random.default_rng(3)
    background = _texture(rng, H, W, 60, 140)
    belt = _texture(rng, H - BELT_TOP_PX, W + 400, 20, 110)
    # the shoe patch reaches a little beyond the landmarks' box on every side (heel at local (8, 28))
    shoe = _texture(rng, 36, SHOE_LEN_PX + 16, 150, 255)
    heels = heel_positions()
    with H264Writer(path, FPS, (W, H), crf=8) as out:
        for i in range(N):
            img = background.copy()
            shift = int(round(i * BELT_V[0]))
            img[BELT_TOP_PX:] = belt[:, 400 - shift: 400 - shift + W]
            x0, y0 = int(heels[i, 0]) - 8, int(heels[i, 1]) - 28
            img[y0:y0 + shoe.shape[0], x0:x0 + shoe.shape[1]] = shoe
            out.write(np.repeat(img[:, :, None], 3, axis=2))
    return heels


def synthetic_track(heels: np.ndarray) -> PoseTrack:
    """Only the left foot's heel, ankle and toe are placed (exactly on the patch); the rest is NaN."""
    k = np.full((N, lm.N_LANDMARKS, 2), np.nan)
    leg = lm.LEG["left"]
    k[:, leg["heel"]] = heels
    k[:, leg["foot_index"]] = heels + [SHOE_LEN_PX, 0]
    k[:, leg["ankle"]] = heels + [6, -14]
    return PoseTrack(
        keypoints_px=k, depth_px=np.zeros((N, lm.N_LANDMARKS)), visibility=np.ones((N, lm.N_LANDMARKS)),
        presence=np.ones((N, lm.N_LANDMARKS)), world_m=np.zeros((N, lm.N_LANDMARKS, 3)),
        timestamps_s=np.arange(N) / FPS, frame_indices=np.arange(N), fps=FPS, image_size=(W, H),
    )


@pytest.fixture(scope="module")
def sliding_shoe(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("footflow") / "sliding_shoe.mp4"
    heels = write_clip(path)
    track = synthetic_track(heels)
    return path, track, measure_foot_flow(path, track, FlowParams())


def test_measured_velocities_match_the_construction(sliding_shoe) -> None:
    _, _, flow = sliding_shoe
    foot = flow.feet["left"]
    stance = np.arange(LAND + 1, TOE_OFF - 1)  # intervals fully on the belt
    swing = np.arange(4, LAND - 2)
    lift = np.arange(TOE_OFF + 2, N - 4)
    for part in ("shoe", "heel", "toe"):
        v = getattr(foot, part).velocity_px
        assert np.nanmedian(np.abs(v[stance] - BELT_V), axis=0).max() < 0.3, part
        assert np.nanmedian(np.abs(v[swing] - SWING_V), axis=0).max() < 0.3, part
        assert np.nanmedian(np.abs(v[lift] - LIFT_V), axis=0).max() < 0.3, part
        assert np.isfinite(v[stance]).mean() > 0.9
    # the strip under the shoe sees the belt while the shoe is on it
    g = foot.ground.velocity_px[stance]
    assert np.nanmedian(np.abs(g - BELT_V), axis=0).max() < 0.3
    assert np.isnan(foot.shoe.velocity_px[-1]).all()  # no frame after the last
    assert not flow.feet["right"].shoe.valid.any()  # a foot without landmarks is not measured
    assert flow.seconds_per_frame > 0


def test_contact_and_toe_off_frames_match_the_construction(sliding_shoe) -> None:
    _, _, flow = sliding_shoe
    ev = contact_evidence(flow)["left"]
    assert np.allclose(ev.ground_velocity_px[LAND], BELT_V, atol=0.3)  # the stance mode is the belt
    assert np.nanmin(ev.p_contact[LAND + 1:TOE_OFF - 1]) > 0.5
    assert np.nanmax(ev.p_contact[4:LAND - 2]) < 0.1
    stride = 2.5 * (TOE_OFF - LAND)
    for offset in (-3, -1, 0, 2, 3):  # a landmark candidate a few frames off is moved to the true frame
        ic = refine_contact(ev, LAND + offset, 4, stride)
        assert ic.index == LAND and ic.confidence > 0.8, offset
        to = refine_toe_off(ev, TOE_OFF + offset, 4, stride)
        assert to.index == TOE_OFF and to.confidence > 0.8, offset
    ics, tos = pixel_events(ev, stride)
    assert ics.tolist() == [LAND] and tos.tolist() == [TOE_OFF]


def test_no_switch_means_no_event(sliding_shoe) -> None:
    """Far from the stance's edges the evidence does not change: no event, zero confidence."""
    _, _, flow = sliding_shoe
    ev = contact_evidence(flow)["left"]
    mid = (LAND + TOE_OFF) // 2
    assert refine_contact(ev, mid, 2, 40).index is None
    assert refine_toe_off(ev, 8, 2, 40, EvidenceParams()).confidence == 0.0


@pytest.mark.slow
@pytest.mark.shared
def test_treadmill_clip_toe_off_and_belt(shared_videos: Path) -> None:
    """Real clip: the stance mode is the belt (backwards = +x, the runner faces left) and the toe's
    last frame moving with it matches the hand-labelled near-foot toe-offs."""
    from formcheck.clean import clean_track
    from formcheck.evaluation.track_cache import cached_pose_track

    video = shared_videos / "treadmill_side_01.mp4"
    labels = json.loads((Path(__file__).parent / "fixtures" / "treadmill_side_01_labels.json").read_text())
    track = clean_track(cached_pose_track(video)).track
    flow = measure_foot_flow(video, track)
    assert flow.seconds_per_frame < 0.1
    ev = contact_evidence(flow)
    belt = ev["left"].ground_velocity_px[0]
    assert 20 < belt[0] < 40 and abs(belt[1]) < 3
    hits = 0
    labelled = [f for f in labels["left"]["toe_off_frames"] if 10 < f < track.n_frames - 10]
    for f in labelled:
        got = refine_toe_off(ev["left"], f + 2, 3, 21.3)
        hits += got.index is not None and abs(got.index - f) <= 1
    assert hits >= 0.8 * len(labelled)
