"""Write the reference landmarks that tests/test_pose_model.py compares the bundled model with.

Runs mediapipe 0.10.21's legacy ``solutions.pose`` (model_complexity=1, the "full" model, static
image mode) on one frame of ../shared/videos/treadmill_side_01.mp4 and stores its 33 normalised
landmarks in tests/fixtures/legacy_pose_frame100.json. Run it with a Python that has
mediapipe==0.10.21 and numpy<2 (e.g. the throwaway venv scripts/build_pose_model.py makes):

    /path/to/venv-0.10.21/bin/python scripts/legacy_pose_reference.py
"""

import json
from pathlib import Path

import cv2
import mediapipe as mp

REPO = Path(__file__).resolve().parents[1]
VIDEO = REPO.parent / "shared" / "videos" / "treadmill_side_01.mp4"
FRAME = 100

capture = cv2.VideoCapture(str(VIDEO))
capture.set(cv2.CAP_PROP_POS_FRAMES, FRAME)
ok, bgr = capture.read()
assert ok, "could not read the frame"
with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
    result = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
landmarks = [[p.x, p.y, p.visibility] for p in result.pose_landmarks.landmark]
out = REPO / "tests" / "fixtures" / "legacy_pose_frame100.json"
out.write_text(json.dumps({
    "video": "treadmill_side_01.mp4", "frame": FRAME, "mediapipe": mp.__version__,
    "solution": "solutions.pose, static_image_mode=True, model_complexity=1",
    "landmarks_xy_visibility": landmarks,
}, indent=1))
print(f"wrote {out}")
