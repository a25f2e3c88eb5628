"""Video reading/writing: orientation, real timestamps, trimming, slow-motion override, atomic writes."""

import re
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.video import H264Writer, VideoReadError, iter_frames, probe_video, rgb_to_i420


def _marker_frame(width: int = 128, height: int = 64) -> np.ndarray:
    """Black frame with a white block in the top-left corner: shows any rotation or flip."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:8, :16] = 255
    return image


def _bright_centroid(rgb: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(rgb.mean(axis=2) > 128)
    return float(xs.mean()), float(ys.mean())


@pytest.mark.parametrize(
    ("display_rotation", "expected_size", "expected_corner"),
    [
        # FFmpeg display-matrix angles are counter-clockwise; a phone held in portrait stores
        # landscape frames plus a rotation the player applies.
        (90, (64, 128), "bottom-left"),
        (-90, (64, 128), "top-right"),
        (180, (128, 64), "bottom-right"),
        (0, (128, 64), "top-left"),
    ],
)
def test_frames_come_out_in_display_orientation(tmp_path: Path, display_rotation: int, expected_size, expected_corner) -> None:
    path = tmp_path / "rotated.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 128, 64, "yuv420p"
        stream.set_display_rotation(display_rotation)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(_marker_frame(), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

    info = probe_video(path)
    assert (info.width, info.height) == expected_size
    rgb = next(iter_frames(path)).rgb
    assert (rgb.shape[1], rgb.shape[0]) == expected_size
    x, y = _bright_centroid(rgb)
    horizontal = "left" if x < rgb.shape[1] / 2 else "right"
    vertical = "top" if y < rgb.shape[0] / 2 else "bottom"
    assert f"{vertical}-{horizontal}" == expected_corner


@pytest.mark.parametrize(("aspect", "stored_size", "shown_size"), [(Fraction(4, 3), (96, 64), (128, 64)),
                                                                  (Fraction(2, 3), (96, 64), (96, 96))])
def test_frames_come_out_with_square_pixels(tmp_path: Path, aspect: Fraction, stored_size, shown_size) -> None:
    """A frame stored with non-square pixels comes out as a player shows it: the squeezed side stretched by the sample
    aspect ratio. A 24x32 block of stored pixels is a square of 32x32 (4:3) or 24x48 (2:3) on screen."""
    path = tmp_path / "squeezed.mp4"
    w, h = stored_size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.sample_aspect_ratio = aspect
        image = np.zeros((h, w, 3), np.uint8)
        image[16:48, 36:60] = 255
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

    info = probe_video(path)
    assert (info.width, info.height) == shown_size and info.pixel_aspect == pytest.approx(float(aspect))
    rgb = next(iter_frames(path)).rgb
    assert (rgb.shape[1], rgb.shape[0]) == shown_size
    ys, xs = np.nonzero(rgb.mean(axis=2) > 128)
    block = (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    expected = (24 * max(aspect, 1), 32 / min(aspect, 1))
    assert block == pytest.approx(expected, abs=2)
    small = next(iter_frames(path, max_side=64)).rgb  # shrunk to a working size: the shape it is shown in, kept
    assert max(small.shape[:2]) == 64 and small.shape[1] / small.shape[0] == pytest.approx(shown_size[0] / shown_size[1], abs=0.05)


def test_variable_frame_rate_timestamps_survive_a_round_trip(tmp_path: Path) -> None:
    times = [0.0, 0.033, 0.050, 0.100, 0.1167, 0.200]  # irregular, as phones record
    path = tmp_path / "vfr.mp4"
    with H264Writer(path, fps=30, size=(64, 48)) as writer:
        for t in times:
            writer.write(np.full((48, 64, 3), 90, np.uint8), time_s=t)
    read = [frame.time_s for frame in iter_frames(path)]
    assert read == pytest.approx(times, abs=1e-3)
    assert [frame.index for frame in iter_frames(path)] == list(range(len(times)))


def _constant_rate_clip(path: Path, n: int = 30, fps: float = 30.0) -> Path:
    with H264Writer(path, fps=fps, size=(64, 48)) as writer:
        for i in range(n):
            writer.write(np.full((48, 64, 3), i * 8 % 256, np.uint8))
    return path


def test_trim_and_slow_motion_override(tmp_path: Path) -> None:
    path = _constant_rate_clip(tmp_path / "cfr.mp4", n=30, fps=30)
    trimmed = list(iter_frames(path, start_s=0.5, end_s=0.8))
    assert [f.index for f in trimmed] == list(range(15, 25))
    assert trimmed[0].time_s == pytest.approx(0.5, abs=1e-3)
    # 240 fps footage stored at 30 fps: frame k really happened at k/240 s.
    slowmo = list(iter_frames(path, fps_override=240))
    assert slowmo[8].time_s == pytest.approx(8 / 240, abs=1e-4)


def test_writer_is_h264_yuv420p_and_crops_odd_sizes(tmp_path: Path) -> None:
    path = tmp_path / "odd.mp4"
    with H264Writer(path, fps=25, size=(65, 49)) as writer:
        for _ in range(5):
            writer.write(np.zeros((49, 65, 3), np.uint8))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (64, 48)
        assert sum(1 for _ in container.decode(stream)) == 5


def test_writer_keeps_colours(tmp_path: Path) -> None:
    """Flat patches of the overlay's colours (and grey levels) decode back as written: the RGB -> YUV conversion
    uses the BT.601 limited-range matrix a player assumes for an untagged clip (a wrong matrix or range shifts
    saturated colours by 10-40 levels)."""
    colours = [(255, 255, 255), (0, 0, 0), (128, 128, 128), (230, 40, 40), (40, 200, 80), (40, 90, 230), (250, 200, 20)]
    image = np.zeros((64, 32 * len(colours), 3), np.uint8)
    for i, c in enumerate(colours):
        image[:, 32 * i : 32 * (i + 1)] = c
    path = tmp_path / "colours.mp4"
    with H264Writer(path, fps=25, size=(image.shape[1], image.shape[0]), crf=18) as writer:
        for _ in range(3):
            writer.write(image)
    decoded = next(iter_frames(path)).rgb.astype(int)
    for i, c in enumerate(colours):
        patch = decoded[16:48, 32 * i + 8 : 32 * i + 24].reshape(-1, 3)  # the patch's centre, away from chroma edges
        assert np.abs(np.median(patch, axis=0) - c).max() <= 4, (c, np.median(patch, axis=0))


def test_chroma_is_each_2x2_blocks_mean_colour() -> None:
    """One red pixel in every 2x2 block of blue: the block's chroma is that of its mean colour, wherever the red
    pixel sits (point-sampled chroma would give all red or all blue), by the BT.601 limited-range equations."""
    blue, red = np.array([40, 90, 230]), np.array([230, 40, 40])
    mean = (3 * blue + red) / 4
    u_true = 128 + (-38 * mean[0] - 74 * mean[1] + 112 * mean[2]) / 256
    v_true = 128 + (112 * mean[0] - 94 * mean[1] - 18 * mean[2]) / 256
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        image = np.tile(blue.astype(np.uint8), (8, 8, 1))  # (U, V planes 4x4 each after the 64 Y values)
        image[dy::2, dx::2] = red
        yuv = rgb_to_i420(image).ravel()
        u, v = yuv[64:80], yuv[80:]
        assert np.abs(u.astype(float) - u_true).max() <= 1.5 and np.abs(v.astype(float) - v_true).max() <= 1.5, (dy, dx, u, v)
    odd_half = rgb_to_i420(np.tile(red.astype(np.uint8), (6, 10, 1)))  # 10x6: chroma planes of 3x5
    assert odd_half.shape == (9, 10) and np.ptp(odd_half.ravel()[60:75]) == 0 and np.ptp(odd_half.ravel()[75:]) == 0


def test_writer_leaves_nothing_behind_on_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError), H264Writer(path, fps=30, size=(64, 48)) as writer:
        writer.write(np.zeros((48, 64, 3), np.uint8))
        raise RuntimeError("simulated failure mid-clip")
    assert list(tmp_path.iterdir()) == []


def test_truncated_fast_start_clip_is_reported(tmp_path: Path) -> None:
    """With the index at the front (+faststart), a cut file still opens: its missing frames must be noticed."""
    full = _constant_rate_clip(tmp_path / "full.mp4", n=120)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(VideoReadError, match="truncated|corrupt"):
        list(iter_frames(cut))


def _cut_noise_clip(folder: Path, seed: int) -> Path:
    """4 s of noise frames (30 fps, 96x64) cut at half their bytes: a file whose second half is missing."""
    rng = np.random.default_rng(seed)
    full = folder / "full.mp4"
    with H264Writer(full, fps=30, size=(96, 64)) as writer:
        for _ in range(120):
            writer.write(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8))
    cut = folder / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return cut


def test_a_truncated_clip_says_what_to_do_and_its_advice_works(tmp_path: Path) -> None:
    """A newcomer's copy cut at 60 % of its bytes was refused with "video is truncated: 220 of 360 frames could be
    decoded" and nothing more. The message now says to copy it again, or to analyse the seconds that play with
    --end, and that --end reads them (4 s of noise frames cut at half their bytes: 57 of 120 play, to 1.9 s)."""
    cut = _cut_noise_clip(tmp_path, seed=0)
    with pytest.raises(VideoReadError, match="video is truncated") as caught:
        list(iter_frames(cut))
    played = re.search(r"(\d+) of 120 frames could be decoded \(copy or export it from the phone again; or analyse the "
                       r"([\d.]+) s that play with --end ([\d.]+)\)$", str(caught.value))
    assert played and played.group(2) == played.group(3), caught.value
    decoded = list(iter_frames(cut, end_s=float(played.group(3))))
    assert abs(len(decoded) - int(played.group(1))) <= 3 and decoded[-1].time_s <= float(played.group(3)) + 1e-6


def test_a_clip_trimmed_by_an_edit_list_is_not_called_truncated(tmp_path: Path) -> None:
    """A phone's trim without re-encoding keeps the frames before the cut and an edit list that skips them: a
    newcomer's ``ffmpeg -ss 2.3 -c copy`` MOV (360 frames stored, 291 playing) was refused as truncated. Here 120
    counting frames are stored with the first 30 before the clip's start (negative times, which the MOV muxer turns
    into an edit list): the 90 after it are the clip, and they decode whole, in order, from time 0."""
    full = tmp_path / "full.mp4"
    with H264Writer(full, fps=30, size=(96, 64)) as writer:
        for i in range(120):
            writer.write(np.full((64, 96, 3), 2 * i, np.uint8))
    trimmed = tmp_path / "trimmed.mov"
    with av.open(str(full)) as source, av.open(str(trimmed), "w") as target:
        stream = source.streams.video[0]
        copy = target.add_stream_from_template(stream)
        skip = round(30 / (30 * stream.time_base))  # 30 frames in the stream's time units
        for packet in source.demux(stream):
            if packet.dts is None:
                continue
            packet.pts, packet.dts, packet.stream = packet.pts - skip, packet.dts - skip, copy
            target.mux(packet)
    with av.open(str(trimmed)) as check:
        assert check.streams.video[0].frames == 120  # all stored: the edit list, not the file, skips the 30

    assert probe_video(trimmed).n_frames == 90
    frames = list(iter_frames(trimmed))
    assert len(frames) == 90 and frames[0].time_s == pytest.approx(0.0)
    assert [round(float(f.rgb.mean()) / 2) for f in frames[::30]] == [30, 60, 90]  # grey 2 * i: frames 30, 60, 90


def _counting_frames(n: int = 12, size: tuple[int, int] = (96, 64)) -> list[np.ndarray]:
    """Frames whose brightness encodes their number (10 grey levels apart): order survives compression."""
    w, h = size
    return [np.full((h, w, 3), 10 * i + 5, np.uint8) for i in range(n)]


def test_background_writer_writes_the_same_clip(tmp_path: Path) -> None:
    """Encoding on the writer's thread: same frames, order and timestamps as writing in the caller's thread."""
    frames = _counting_frames()
    times = [0.0, 0.04, 0.1, 0.13, 0.2, 0.21, 0.3, 0.33, 0.4, 0.5, 0.52, 0.6]  # variable frame rate
    for background in (False, True):
        with H264Writer(tmp_path / f"bg{background}.mp4", fps=25, size=(96, 64), background=background) as writer:
            for rgb, t in zip(frames, times):
                writer.write(rgb, time_s=t)
    plain, threaded = (list(iter_frames(tmp_path / f"bg{b}.mp4")) for b in (False, True))
    assert len(plain) == len(threaded) == len(frames)
    assert [f.time_s for f in threaded] == pytest.approx(times, abs=1e-4)
    levels = [float(f.rgb.mean()) for f in threaded]
    assert levels == pytest.approx([10 * i + 5 for i in range(len(frames))], abs=1.5)
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(plain, threaded))


def test_background_writer_error_is_raised_and_leaves_nothing(tmp_path: Path) -> None:
    """An encoder error on the writer's thread (here a frame of the wrong depth) reaches the caller; no file stays."""
    path = tmp_path / "bad.mp4"
    with pytest.raises(ValueError), H264Writer(path, fps=25, size=(96, 64), background=True) as writer:
        writer.write(np.zeros((64, 96, 3), np.uint8))
        writer.write(np.zeros((64, 96, 3), np.float64))  # from_ndarray refuses float frames
        for _ in range(10):
            writer.write(np.zeros((64, 96, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_only_yields_the_asked_frames_unchanged(tmp_path: Path) -> None:
    """``only``: the listed frames come out with the same pixels and times as in a full decode, the rest not at all."""
    path = tmp_path / "count.mp4"
    with H264Writer(path, fps=25, size=(96, 64)) as writer:
        for rgb in _counting_frames():
            writer.write(rgb)
    everything = {f.index: f for f in iter_frames(path)}
    picked = list(iter_frames(path, only={2, 7, 11}))
    assert [f.index for f in picked] == [2, 7, 11]
    for f in picked:
        assert f.time_s == everything[f.index].time_s and np.array_equal(f.rgb, everything[f.index].rgb)


def test_only_stops_decoding_after_its_last_frame(tmp_path: Path) -> None:
    """The stills pass asks for a few frames: decoding stops right after the last (it used to go on to the end of the
    file, 0.2 s of a 720p clip, after the consumer had stopped). Seen from outside: a file cut after the last frame
    asked for reads without error, one cut before it is still reported as truncated."""
    cut = _cut_noise_clip(tmp_path, seed=1)
    playing = sum(1 for _ in iter_frames(cut, end_s=10.0))  # the frames the cut file still holds
    assert 10 < playing < 100
    assert [f.index for f in iter_frames(cut, only={3, playing - 5})] == [3, playing - 5]
    with pytest.raises(VideoReadError, match="truncated|corrupt"):
        list(iter_frames(cut, only={3, playing + 5}))


def test_derive_runs_on_each_frame_and_keep_rgb_drops_the_frame(tmp_path: Path) -> None:
    path = tmp_path / "count.mp4"
    with H264Writer(path, fps=25, size=(96, 64)) as writer:
        for rgb in _counting_frames(5):
            writer.write(rgb)
    means = [f.derived for f in iter_frames(path, derive=lambda rgb: float(rgb.mean()), keep_rgb=False)]
    full = [float(f.rgb.mean()) for f in iter_frames(path)]
    assert means == full and len(means) == 5
    assert all(f.rgb is None and f.playback_s == f.time_s for f in iter_frames(path, keep_rgb=False))


def test_max_side_shrinks_big_frames_in_the_decoder(tmp_path: Path) -> None:
    """A frame longer than ``max_side`` comes out shrunk to it (area average from the decoder's YUV), like a resize of
    the full frame; ``derive`` sees the shrunk frame; smaller clips come out untouched."""
    import cv2

    path = tmp_path / "big.mp4"
    rng = np.random.default_rng(2)
    scene = cv2.GaussianBlur((rng.random((1200, 2000, 3)) * 255).astype(np.uint8), (0, 0), 6.0)
    with H264Writer(path, fps=25, size=(2000, 1200), crf=12) as writer:
        for _ in range(3):
            writer.write(scene)
    full = next(iter_frames(path)).rgb
    small = next(iter_frames(path, max_side=1000, derive=lambda rgb: rgb.shape))
    assert small.rgb.shape == (600, 1000, 3) and small.derived == (600, 1000, 3)
    expected = cv2.resize(full, (1000, 600), interpolation=cv2.INTER_AREA)
    assert np.abs(small.rgb.astype(int) - expected).mean() < 2.0
    assert next(iter_frames(path, max_side=2000)).rgb.shape == (1200, 2000, 3)


def _shaking_frames(n: int = 30, size: tuple[int, int] = (320, 240)) -> list[np.ndarray]:
    """The sample's first frame filmed by a shaking, panning camera: whole-frame motion, as in a handheld clip."""
    import cv2

    texture = next(iter(iter_frames(Path(__file__).parents[1] / "sample_videos" / "sample_run.mp4"))).rgb
    frames = []
    for i in range(n):
        dx, dy = 40 + 12 * np.sin(i / 3.0) + i, 30 + 8 * np.cos(i / 2.3)
        shift = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]])
        frames.append(cv2.warpAffine(texture, shift, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    return frames


def test_writer_repeats_its_bytes_exactly(tmp_path: Path) -> None:
    """The same frames give the same file, whatever the process did with its memory in between.

    Clips made at test time (degraded copies, rendered runners) are inputs to floors; with x264's
    macroblock-tree on, these 30 frames gave 4 different files in 4 encodes in one process.
    The allocations between frames stir the heap the way a real pipeline does."""
    frames = _shaking_frames()
    rng = np.random.default_rng(0)
    digests = set()
    for k in range(4):
        path = tmp_path / f"take{k}.mp4"
        with H264Writer(path, fps=60, size=(320, 240), crf=17, preset="veryfast") as writer:
            for i, rgb in enumerate(frames):
                writer.write(rgb, i / 60)
                _stir = [rng.bytes(int(rng.integers(1_000, 400_000))) for _ in range(10)]
        digests.add(path.read_bytes())
    assert len(digests) == 1


def test_a_variable_rate_clips_own_camera_rate_keeps_it_in_real_time(tmp_path: Path) -> None:
    """A phone filming at 30 fps in dim light drops frames: the file states 30 and averages 25, its frames at their
    real times. ``--fps 30`` (the camera's rate, which a runner knows) must not squeeze the clip as slow motion
    played back at the average rate would be (5.0 s read as 4.3 s and 196 steps/min for 168: a newcomer's test)."""
    times = [k / 30 for k in range(60) if k % 6 != 3]  # one frame in six dropped
    path = tmp_path / "phone_vfr.mp4"
    with H264Writer(path, fps=30, size=(64, 48)) as writer:
        for t in times:
            writer.write(np.full((48, 64, 3), 90, np.uint8), time_s=t)
    info = probe_video(path)
    assert info.stated_fps == pytest.approx(30.0) and info.fps == pytest.approx(25.0, abs=0.6)
    for given in (30.0, 25.0):  # the camera's rate, or the average the tool printed
        assert [f.time_s for f in iter_frames(path, fps_override=given)] == pytest.approx(times, abs=1e-3)
    # a rate above the camera's is slow motion, scaled from the camera's rate: no jump in time just above it
    slow = [f.time_s for f in iter_frames(path, fps_override=240.0)]
    assert slow == pytest.approx([t * 30.0 / 240.0 for t in times], abs=1e-4)
    assert list(iter_frames(path, fps_override=30.4))[-1].time_s == pytest.approx(times[-1] * 30 / 30.4, abs=1e-4)
    # a constant-rate clip states what it averages: --fps scales it as before
    cfr = _constant_rate_clip(tmp_path / "cfr.mp4", n=30, fps=30)
    assert probe_video(cfr).stated_fps == pytest.approx(30.0)
    assert list(iter_frames(cfr, fps_override=60.0))[10].time_s == pytest.approx(10 / 60, abs=1e-4)
