"""MediaPipe's hip, knee and ankle on the committed rendered samples, against the rendered joint centres.

Measured with formcheck.evaluation.landmarks (scripts/measure_synthetic_landmarks.py prints it: median over
frames of the distance in % of the side's true leg length, legs compared both ways round per frame). Two sets of
landmarks from the same model on the same clips:

* unfiltered: the two-pose landmarker, which MediaPipe does not filter over time; this is the
  model's own placement of each joint on each frame, i.e. how human the rendered figure looks to it;
* filtered: the single-pose VIDEO-mode landmarker that ``formcheck analyze`` uses, whose landmarks
  MediaPipe passes through a one-euro filter; moving joints lag by up to about a frame at 60 fps
  (against the truth one frame earlier, the near knee goes from 3.6-3.7 to 2.3-2.9 % leg; the
  ankle, lagging less, gets worse).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.evaluation.landmarks import landmark_errors

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
NAMES = ("sample_run", "before", "after")
JOINTS = ("hip", "knee", "ankle")

pytestmark = pytest.mark.skipif(not (SAMPLES / "sample_run.mp4").exists(), reason="sample clips not rendered")


def _medians(track, name: str) -> dict[tuple[str, str], float]:
    truth = json.loads((SAMPLES / f"{name}.truth.json").read_text())
    errors = landmark_errors(track, truth)["errors"]
    return {(role, j): float(np.nanmedian(errors[(role, j)]["err"])) for role in ("near", "far") for j in JOINTS}


@pytest.mark.parametrize("name", NAMES)
def test_unfiltered_landmarks_within_3pct_leg(pose_track_of, name):
    """Measured (near/far, % leg): sample_run hip 2.25/1.91, knee 1.70/2.23, ankle 1.98/2.55; before 2.40/1.51,
    1.64/2.27, 1.67/2.11; after 2.21/2.12, 1.76/2.25, 2.35/2.90."""
    track = pose_track_of(SAMPLES / f"{name}.mp4", max_people=2, scan_s=float("inf"))
    med = _medians(track, name)
    assert max(med.values()) < 3.0, med


@pytest.mark.xfail(strict=True, reason=(
    "TARGET NOT MET for the landmarks formcheck analyses (MediaPipe's time-filtered single-pose output): knee "
    "3.68/3.50, 3.63/3.07, 3.56/3.58 % leg (near/far; sample_run, before, after), after's far ankle 3.85. The lag of "
    "MediaPipe's filter, not the figure: the same clips' unfiltered landmarks are within 2.9 % (test above). Analysing "
    "the unfiltered landmarks instead (tried: MediaPipe's filter switched off by spacing the landmarker's timestamps "
    "1000 s apart, same speed) would meet this but costs more than it gains: on treadmill_side_01 near contacts within "
    "a frame of the hand labels fall from 16/17 to 14/17 and toe-offs from 15/16 to 10/16 (MediaPipe's unfiltered toe "
    "rises 1-2 frames before the labelled toe-off; the filter's lag had hidden it), and after.mp4's overstride at the "
    "true contact instants gets worse (+2.8 -> +3.9 % leg, two-pose landmarker)."))
@pytest.mark.parametrize("name", NAMES)
def test_analysed_landmarks_within_3pct_leg(pose_track_of, name):
    med = _medians(pose_track_of(SAMPLES / f"{name}.mp4"), name)
    assert max(med.values()) < 3.0, med
