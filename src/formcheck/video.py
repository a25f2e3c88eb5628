"""Video in and out: decode a phone clip frame by frame, and write H.264 MP4s that play anywhere.

Reading uses PyAV (FFmpeg): frames come out in display orientation (the rotation phones store
as metadata is applied) with square pixels (a squeezed frame is stretched as a player shows it),
with their real presentation timestamps (phones record variable frame rate), streamed one at a
time so memory does not grow with clip length. Decoding runs on a background thread a few frames
ahead, so it overlaps with the pose model.

Writing uses PyAV's bundled libx264 (OpenCV's pip wheels have no H.264 encoder): yuv420p,
``+faststart``, to a temporary file renamed into place only when the clip is complete.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import av
import numpy as np

# Containers FFmpeg opens as a "video" but that hold a single still picture.
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif", "apng")
_ANIMATED_IMAGE_FORMATS = ("gif", "apng")


def _big_buffers_back_to_the_os() -> None:
    """Have glibc map every block of 1 MB or more (a frame) on its own and give it back when freed.

    By default glibc raises that threshold to the largest block freed so far (up to 32 MB), after which
    frames are carved out of per-thread heaps that rarely shrink: with frames made and freed on the
    decoding, camera and encoding threads, the peak memory of the same run varied by 100 MB (484-592
    MB on treadmill_side_01) and grew with resolution. Fixed at 1 MB it is 466-468 MB, run after run.
    The price is kernel time: every frame buffer is a fresh mapping, faulted in page by page (2026-12-03,
    ``analyze --no-video``, peak MB for 720p / its 4K copy / looped 10x, and system CPU on 720p): fixed at 1 MB
    401 / 464 / 394 MB, 2.1 s; glibc's default 410 / 529 / 450 MB, 0.9 s; fixed at 4 MB 413 / 469 / 612 MB, 0.9 s.
    Only the 1 MB setting keeps a long clip's peak at a short one's, so it stays.
    Linux/glibc only; elsewhere nothing is done. Called when decoding starts (:func:`iter_frames`), not on
    import: importing formcheck leaves a host program's allocator alone until formcheck decodes a clip.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


# The pose model and the camera check look at frames shrunk to this long side at most (a 4K frame, 3840 px,
# is halved). MediaPipe resizes whatever it gets to 224x224 to find the person and to 256x256 around them
# for the landmarks, and the camera check works at 640 px: a runner more than ~1/4 of the frame tall loses
# no detail the model uses. A 4K frame at full size cost ~250 MB of memory in the landmarker alone, and
# ~170 MB more in RGB copies. Clips up to 1920 px (1080p) are looked at as they are.
WORKING_MAX_SIDE_PX = 1920


class VideoReadError(Exception):
    """The input cannot be read as a video (missing, not a video, corrupt, empty)."""


VARIABLE_RATE_MAX_RATIO = 2.5  # a stated rate up to this x the average is a variable-rate clip's camera rate


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the clip (display orientation)."""

    path: str
    width: int
    height: int
    fps: float  # nominal (average) frame rate as stored in the file
    n_frames: int  # frames that play (stored, fewer when an edit list skips some); 0 when the container does not say
    duration_s: float
    codec: str
    rotation_deg: int  # rotation applied to reach display orientation (0, 90, 180, 270)
    pixel_aspect: float = 1.0  # the file's sample aspect ratio (stored pixel width / height); frames come out square
    stated_fps: float = 0.0  # the rate the file states (r_frame_rate); above ``fps`` on a phone's variable-rate clip


def slow_motion_timing(fps_override: float | None, info: VideoInfo) -> tuple[float | None, float]:
    """``--fps`` as the decoder applies it, and the file's rate it rescales from: frame times are scaled by
    (file rate / applied rate). A phone's variable-frame-rate clip states its camera's rate (30, 60) and averages
    less, frames dropped in dim light; its frames keep their real times. A rate up to the stated one is the camera's
    own, not slow motion: the clip plays in real time, and its average rate stands for it (timed by the average,
    ``--fps 30`` on a clip averaging 26 fps squeezed 5.0 s into 4.3 and read 196 steps/min for 168: a newcomer's
    test). Above it, slow motion scales from the stated rate, so that time does not jump at it (a reviewer's test:
    30.4 on such a clip squeezed it 17 %). A constant-rate clip states what it averages."""
    if fps_override is None or not info.stated_fps or info.stated_fps <= info.fps * 1.01:
        return fps_override, info.fps
    if fps_override <= info.stated_fps * 1.01:
        return info.fps, info.fps
    return fps_override, info.stated_fps


@dataclass(frozen=True)
class Frame:
    index: int  # 0-based index among all decoded frames of the file
    time_s: float  # presentation time from the start of the clip (after any slow-motion override)
    rgb: np.ndarray | None  # (H, W, 3) uint8, display orientation (None when iter_frames was told not to keep it)
    playback_s: float | None = None  # presentation time as the file plays (no slow-motion override)
    derived: Any = None  # what iter_frames' ``derive`` made of the frame on the decoding thread


def _saved_result_hint(path: Path) -> str:
    """What to do with one of formcheck's own files given where a video goes (a newcomer passed analysis.json to
    analyze, and a pose track to the Python analyze(), and was told only that it is not a readable video)."""
    if path.suffix.lower() == ".json":
        return ": a .json file, such as a saved analysis (`formcheck compare` takes two of those); analyze a video"
    if path.suffix.lower() == ".npz":  # formcheck.analyze("run.pose.npz") from Python (a newcomer's test)
        return (": a .npz file, such as a saved pose track: `formcheck analyze` takes one, and from Python "
                "formcheck.outputs.load_run or analyze_track(PoseTrack.load(path))")
    return ""


def _open(path: str | os.PathLike[str]) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise VideoReadError(f"{path}: no such file")
    if path.is_dir():
        raise VideoReadError(f"{path}: is a directory, not a video")
    if path.stat().st_size == 0:
        raise VideoReadError(f"{path}: file is empty (0 bytes)")
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        hint = _cut_short_hint(path) or _saved_result_hint(path)
        raise VideoReadError(f"{path}: not a readable video ({_ffmpeg_reason(exc)}){hint}") from exc
    names = container.format.name.split(",")
    if any(n in _IMAGE_FORMATS for n in names):
        container.close()
        if any(n in _ANIMATED_IMAGE_FORMATS for n in names):  # a GIF of 180 frames was called a still image
            raise VideoReadError(f"{path}: is an animated image ({names[0].upper()}), not a video: its frames carry no "
                                 "reliable timing; analyse the original clip, or save it as an MP4")
        raise VideoReadError(f"{path}: is a still image, not a video")
    if not container.streams.video:
        kind = "audio-only file" if container.streams.audio else "file with no video stream"
        container.close()
        raise VideoReadError(f"{path}: {kind}, no video to analyse")
    return container


_STILL_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}  # HEIF/AVIF photos start with ftyp too


def _cut_short_hint(path: Path) -> str:
    """What to do about an MP4/MOV that starts as one but will not open: a phone writes the index (the 'moov' box)
    last, so a copy or upload that stopped early leaves a file that starts right and has none (a newcomer's test: the
    first 30 % of a phone clip said only "Invalid data found when processing input")."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return ""
    if head[4:8] != b"ftyp" or head[8:12] in _STILL_IMAGE_BRANDS:
        return ""
    return ": the file starts as an MP4/MOV but looks cut short or damaged, as when a copy or upload stops early; copy it from the phone again"


def _ffmpeg_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() if ":" in text else text


def _rotation_deg(stream: av.video.stream.VideoStream, first_frame: av.VideoFrame | None) -> int:
    """Clockwise rotation (0/90/180/270) that turns stored frames into display orientation."""
    rotation = 0.0
    if first_frame is not None:
        rotation = float(first_frame.rotation or 0.0)
    # FFmpeg's display-matrix angle is counter-clockwise; the frame must be turned back by it.
    return round(-rotation / 90.0) % 4 * 90


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Read the header and the first frame; raise VideoReadError with a one-line reason."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        try:
            first = next(container.decode(stream), None)
        except av.FFmpegError as exc:
            raise VideoReadError(f"{path}: video is corrupt, no frame could be decoded ({_ffmpeg_reason(exc)})") from exc
        if first is None:
            raise VideoReadError(f"{path}: video has no frames")
        rotation = _rotation_deg(stream, first)
        aspect = _pixel_aspect(stream)
        width, height = _square_pixel_size(first.width, first.height, aspect)
        if rotation in (90, 270):
            width, height = height, width
        fps = float(stream.average_rate or stream.guessed_rate or stream.base_rate or 0.0)
        stated = float(stream.base_rate or 0.0)  # r_frame_rate; a timebase-like figure (1000, 90000) is no camera's
        stated = stated if fps > 0 and fps <= stated <= VARIABLE_RATE_MAX_RATIO * fps else fps
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = 0.0
        n_frames = _frames_that_play(int(stream.frames or 0), duration, fps)
        return VideoInfo(str(path), width, height, fps, n_frames, duration, stream.codec_context.name, rotation,
                         float(aspect), stated)
    finally:
        container.close()


def _pixel_aspect(stream: av.video.stream.VideoStream) -> Fraction:
    """The stream's sample aspect ratio (a stored pixel's width / height); 1 when unset or nonsense."""
    aspect = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if aspect is None or aspect <= 0 or not 0.1 <= aspect <= 10:
        return Fraction(1)
    return Fraction(aspect)


def _square_pixel_size(width: int, height: int, aspect: Fraction) -> tuple[int, int]:
    """(width, height) of a stored frame once its pixels are made square, as a player shows it.

    Some cameras and apps store a frame squeezed with non-square pixels (HDV's 1440x1080 at 4:3 shows as 1920x1080; a
    newcomer's 540x1280 at 4:3 showed as 720x1280). Measured in stored pixels, every horizontal distance is off by
    that ratio: the newcomer's copy read the same running's overstride 17 / 10 % leg against the original's 23 / 18,
    with no warning, and a 2:1 copy was refused for too few steps. The squeezed side is stretched, never the other
    shrunk, so no detail is lost.
    """
    if aspect == 1:
        return width, height
    if aspect > 1:
        return max(2, round(width * aspect)), height
    return width, max(2, round(height / aspect))


def _frames_that_play(stored: int, duration_s: float, fps: float) -> int:
    """How many frames the clip plays: the stored count, or fewer when the duration says so.

    A clip trimmed without re-encoding (a phone's or an app's trim, ``ffmpeg -ss ... -c copy``) keeps the frames
    before the cut and an edit list that skips them: the container counts all it stores while only the ones after
    the cut play and decode. Taken as stored, a trimmed MOV (360 stored, 291 playing for its 9.7 s) was refused as
    truncated after its whole pose pass (a newcomer's test). The duration, which the edit list sets, counts the
    frames that play; a file cut short in the copy keeps its full duration in its header, and stays refused.
    """
    by_duration = round(duration_s * fps) if duration_s > 0 and fps > 0 else 0
    if stored and by_duration:
        return min(stored, by_duration)
    return stored or by_duration


def _to_display_rgb(frame: av.VideoFrame, rotation_deg: int) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")  # may carry row padding (non-contiguous)
    if rotation_deg:
        rgb = np.rot90(rgb, k=-(rotation_deg // 90))
    return np.ascontiguousarray(rgb)


def _decode(
    path: str | os.PathLike[str],
    start_s: float | None,
    end_s: float | None,
    time_scale: float,
    declared_frames: int,
    derive: Callable[[np.ndarray], Any] | None = None,
    keep_rgb: bool = True,
    only: Collection[int] | None = None,
    max_side: int | None = None,
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[Frame]:
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if (stream.codec_context.width or 0) * (stream.codec_context.height or 0) > _BIG_FRAME_PX:
            stream.codec_context.thread_count = 2  # each frame thread holds 4K frames of its own (a 4K clip: -25 MB)
        origin: float | None = None
        rotation: int | None = None
        aspect = _pixel_aspect(stream)
        index = -1
        # with ``only``, decoding stops one frame past its last (and what the decoder's threads had begun): the
        # consumer stops there, but a producer that yields nothing more never hears of it, and decoded on to the
        # end of the file (0.2 s of a 720p clip's stills pass)
        last_wanted = max(only, default=-1) if only is not None else None
        try:
            for frame in container.decode(stream):
                index += 1
                if last_wanted is not None and index > last_wanted:
                    return
                if frame.time is None:
                    continue
                if origin is None:
                    origin = float(frame.time)
                    rotation = _rotation_deg(stream, frame)
                clip_time = float(frame.time) - origin  # time as played back
                if start_s is not None and clip_time < start_s - 1e-6:
                    continue
                if end_s is not None and clip_time > end_s + 1e-6:
                    break
                if only is not None and index not in only:
                    continue  # decoded (later frames need it) but not converted
                width, height = _square_pixel_size(frame.width, frame.height, aspect)
                if max_side is not None and max(width, height) > max_side:
                    sc = max_side / max(width, height)  # shrunk by swscale: no full-size RGB copy
                    width, height = max(2, round(width * sc)), max(2, round(height * sc))
                if (width, height) != (frame.width, frame.height):
                    shrunk = width <= frame.width and height <= frame.height
                    frame = frame.reformat(width=width, height=height, format="rgb24",
                                           interpolation="AREA" if shrunk else "BILINEAR")
                rgb = _to_display_rgb(frame, rotation or 0)
                if prepare is not None:
                    rgb = prepare(rgb)
                derived = None if derive is None else derive(rgb)
                yield Frame(index, clip_time * time_scale, rgb if keep_rgb else None, clip_time, derived)
            decoded = index + 1
            if end_s is None and declared_frames > 10 and decoded < 0.9 * declared_frames:
                played = "" if origin is None else f"; or analyse the {clip_time:.1f} s that play with --end {clip_time:.1f}"
                raise VideoReadError(f"{path}: video is truncated: {decoded} of {declared_frames} frames could be decoded "
                                     f"(copy or export it from the phone again{played})")
        except av.FFmpegError as exc:
            if index <= 0:
                raise VideoReadError(f"{path}: video is corrupt, no frame could be decoded ({_ffmpeg_reason(exc)})") from exc
            raise VideoReadError(f"{path}: video is corrupt or truncated after frame {index} ({_ffmpeg_reason(exc)})") from exc
    finally:
        container.close()


_END = object()
_BIG_FRAME_PX = 2560 * 1440  # above this, two decoding threads (they keep up with the model; each holds frames)


def iter_frames(
    path: str | os.PathLike[str],
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    fps_override: float | None = None,
    prefetch: int = 4,
    derive: Callable[[np.ndarray], Any] | None = None,
    keep_rgb: bool = True,
    only: Collection[int] | None = None,
    max_side: int | None = None,
    info: VideoInfo | None = None,
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[Frame]:
    """Yield frames in display orientation with real timestamps, decoded ahead on a thread.

    ``start_s``/``end_s`` trim in seconds of the clip as it plays. ``fps_override`` is for
    slow-motion exports (e.g. 240 fps footage stored at 30 fps): times are rescaled so that
    the stored frame rate becomes ``fps_override``. ``derive(rgb)`` runs on the decoding thread
    (so it overlaps with the consumer's work) and lands in ``Frame.derived``, e.g. the small grey
    image another stage needs; ``keep_rgb=False`` then drops the full frame (``Frame.rgb`` None).
    ``only``: yield just these decoded-frame numbers (the others are decoded but not converted to RGB,
    about half the cost of a frame); the consumer stops when it has what it wants. ``max_side``:
    frames larger than this (long side, px) come out shrunk to it (area average, in the conversion
    from the decoder's YUV), so a 4K clip never holds a 4K RGB frame (see WORKING_MAX_SIDE_PX).
    ``info``: the file's :func:`probe_video`, when the caller has it (a probe decodes a frame: ~20 ms of 720p).
    ``prepare(rgb)``: each frame as the consumer and ``derive`` get it (on the decoding thread; the pose pass paints
    out what an app drew over the feet, :class:`formcheck.foot_overlay.OverlayMask`).
    """
    _big_buffers_back_to_the_os()
    info = probe_video(path) if info is None else info
    fps_override, file_fps = slow_motion_timing(fps_override, info)
    time_scale = file_fps / fps_override if fps_override else 1.0
    if start_s is not None and end_s is not None and end_s <= start_s:
        raise VideoReadError(f"{path}: --end ({end_s}s) must be after --start ({start_s}s)")

    buffer: queue.Queue[object] = queue.Queue(maxsize=max(1, prefetch))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in _decode(path, start_s, end_s, time_scale, info.n_frames, derive, keep_rgb, only, max_side, prepare):
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="formcheck-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


# OpenCV's YCrCb is BT.601 at full range (JPEG's); a player takes an untagged clip as limited range (libswscale's
# default too), where chroma spans 16-240: 128 + (c - 128) * 224 / 255
_FULL_TO_LIMITED_CHROMA = np.clip(np.round(128 + (np.arange(256) - 128) * 224 / 255), 0, 255).astype(np.uint8)


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """(H*3/2, W) uint8 I420 (yuv420p, BT.601 limited range) of an (H, W, 3) uint8 RGB image with even sides.

    Y from OpenCV's I420 conversion; U and V from each 2x2 block's mean colour (OpenCV's own I420 takes a block's
    chroma from one of its pixels, which makes thin coloured lines shimmer as they move). ~2.3 ms a 720x1280
    frame, where libswscale inside PyAV takes 6.0 ms for the same levels.
    """
    import cv2

    h, w = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb)
    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    ycrcb = cv2.cvtColor(cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2YCrCb)
    chroma = cv2.LUT(ycrcb, _FULL_TO_LIMITED_CHROMA)
    flat, q = yuv.reshape(-1), (h // 2) * (w // 2)  # I420: the Y plane, then U and V planes of (h/2, w/2) each
    flat[h * w : h * w + q] = chroma[..., 2].ravel()  # U = Cb
    flat[h * w + q :] = chroma[..., 1].ravel()  # V = Cr
    return yuv


class H264Writer:
    """Write RGB frames to an H.264 (yuv420p) MP4, atomically.

    Frames go to ``<name>.partial.mp4`` beside the target, renamed onto the target when the
    writer closes without error; on error the partial file is removed. Odd frame sizes are
    cropped by one pixel (yuv420p needs even sizes). Pass each frame's ``time_s`` to keep the
    input's timing (variable frame rate included); without it frames are spaced 1/fps.

    libx264 runs on its own threads (PyAV's default: slices of each frame in parallel; frame-parallel
    threads were not faster on 2 cores and encode a held frame visibly less like its original).
    Macroblock-tree rate control is off: with it, the same frames gave different bytes from one run
    to the next (7 distinct clips in 8 encodes of the same frames in one process, also with one
    encoder thread; none with ``asm=0``, so x264's SIMD reads memory it never wrote). Clips made for
    tests and the evaluation must repeat exactly. The superfast and ultrafast presets (the annotated
    clip's) have it off anyway.
    ``background=True`` also moves the RGB -> YUV conversion and the calls into the encoder to a
    thread of this writer, so the caller can draw the next frame meanwhile; ``write`` then blocks
    only when ``queue_frames`` frames are waiting (memory stays bounded), and an encoder error is
    raised by the next ``write`` or by ``close``.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float, size: tuple[int, int], *, crf: int = 23,
                 preset: str = "veryfast", background: bool = False, queue_frames: int = 3) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.stem + ".partial.mp4")
        self.width, self.height = size[0] - size[0] % 2, size[1] - size[1] % 2
        self._rate = Fraction(fps).limit_denominator(1001)
        self._container = av.open(str(self.partial), mode="w", options={"movflags": "+faststart"})
        self._stream = self._container.add_stream("libx264", rate=self._rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": preset, "x264-params": "mbtree=0"}
        self._stream.codec_context.time_base = Fraction(1, 90000)
        self._count = 0
        self._last_pts = -1
        self._queue: queue.Queue[object] | None = None
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None
        if background:
            self._queue = queue.Queue(maxsize=max(1, queue_frames))
            self._worker = threading.Thread(target=self._drain, name="formcheck-encode", daemon=True)
            self._worker.start()

    def write(self, rgb: np.ndarray, time_s: float | None = None) -> None:
        if time_s is None:
            time_s = self._count / float(self._rate)
        pts = max(round(time_s * 90000), self._last_pts + 1)
        self._last_pts = pts
        self._count += 1
        if self._queue is None:
            self._encode(rgb, pts)
            return
        if self._error is not None:
            raise self._error
        self._queue.put((rgb, pts))

    def _encode(self, rgb: np.ndarray, pts: int) -> None:
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] < 3 or rgb.shape[0] < self.height or rgb.shape[1] < self.width:
            raise ValueError(f"frames must be uint8 RGB arrays of {self.height}x{self.width}x3, not {rgb.dtype} {rgb.shape}")
        frame = av.VideoFrame.from_ndarray(rgb_to_i420(rgb[: self.height, : self.width, :3]), format="yuv420p")
        frame.pts, frame.time_base = pts, Fraction(1, 90000)
        self._container.mux(self._stream.encode(frame))

    def _drain(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not _END:
            if self._error is None:
                try:
                    self._encode(*item)  # type: ignore[misc]
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                    self._error = exc

    @property
    def frames_written(self) -> int:
        return self._count

    def close(self, success: bool = True) -> None:
        if self._container is None:
            return
        ok = success
        try:
            if self._worker is not None:
                self._queue.put(_END)  # type: ignore[union-attr]
                self._worker.join()
                self._worker = None
                if self._error is not None:
                    ok = False
                    if success:
                        raise self._error
            if ok:
                self._container.mux(self._stream.encode(None))
        except BaseException:
            ok = False
            raise
        finally:
            self._container.close()
            self._container = None  # type: ignore[assignment]
            if ok and self._count > 0:
                self.partial.replace(self.path)
            else:
                self.partial.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close(success=exc_type is None)
