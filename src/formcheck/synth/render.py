"""Render a simulated runner (:mod:`formcheck.synth.gait`) as side-view video frames.

The figure is drawn with numpy/OpenCV as lit 3-D volumes seen through the same pinhole camera
that projects the ground-truth landmarks: limbs are tapered "swept spheres" whose radius follows a
muscle profile along the bone, shaded per pixel with a Lambert + specular model from their
cylindrical/spherical normals, with soft (anti-aliased) edges. Clothing (shirt with sleeves,
shorts, socks, running shoes with a sole and toe box), a head with a face side (eye, brow,
nose, mouth, ear, hair) and fists. Far-side limbs are darker and drawn behind the body, near-side
limbs in front. The scene is a treadmill in a room (moving belt, deck, motor hood, console,
handrails) or a running track (overground).

Every drawn shape is placed from the simulated 3-D joints, so the true joint centres in the
ground truth are exactly where the drawn joints are.

Harder conditions (all off by default; :mod:`formcheck.synth.scenarios` uses them): any camera
from the gait parameters (height, pitch ``camera_tilt_deg``, focal length ``camera_focal_px``); a
shutter (``RenderStyle.shutter_s`` / ``shutter_subframes``: each frame the mean of sub-frame
renders over an exposure centred on the frame time); an :class:`Occluder` drawn in depth order
with the figure; runners partly or wholly outside the image (overground). :func:`foot_visibility`
and ``truth_dict(..., visibility=True)`` say which feet and events a detector can see.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .. import landmarks as lm
from .gait import SyntheticGait

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Occluder:
    """An opaque upright panel standing on the running surface (a console stand, a post, a bag...).

    It is a rectangle in the vertical plane at ``lateral_m`` from the runner's mid-plane toward the
    runner's FAR side, spanning ``x_m`` along the running direction (metres, forward +, relative
    to the camera's x: on a treadmill the runner's mean position) and ``height_m`` up from the
    running surface. It is drawn in depth order with the figure: between the legs' planes
    (0 < lateral_m < the hip half width, the default) it hides the far foot and leg only and the
    near leg passes in front of it, as the near leg, a near upright or a handrail hide the far
    foot in real side-view clips.
    """

    x_m: tuple[float, float] = (0.0, 0.6)
    height_m: float = 0.42
    lateral_m: float = 0.04
    colour: RGB = (58, 60, 68)

    def corners(self, gait: SyntheticGait) -> np.ndarray:
        """(4, 3) world corners: bottom-rear, bottom-front, top-front, top-rear."""
        cx = gait.camera.position[0]
        far_sign = 1.0 if gait.params.near_side == "left" else -1.0  # +z is the runner's right
        z = far_sign * self.lateral_m
        x0, x1 = cx + self.x_m[0], cx + self.x_m[1]
        return np.array([[x0, 0.0, z], [x1, 0.0, z], [x1, self.height_m, z], [x0, self.height_m, z]])


@dataclass(frozen=True)
class RenderStyle:
    """Look of the runner and the scene (RGB colours 0-255)."""

    skin: RGB = (214, 160, 125)
    hair: RGB = (55, 38, 28)
    shirt: RGB = (30, 95, 200)
    shorts: RGB = (35, 35, 45)
    socks: RGB = (60, 60, 75)
    shoe: RGB = (225, 70, 40)
    sole: RGB = (240, 240, 235)
    far_shade: float = 0.72  # colour multiplier of the far-side limbs
    light: tuple[float, float, float] = (-0.2, 0.6, 0.77)  # (image right, up, toward camera) for a runner facing left; mirrored otherwise
    ambient: float = 0.38
    scene: str = "auto"  # "treadmill", "track" or "auto" (treadmill if the gait is on a treadmill)
    wall: RGB = (196, 200, 205)
    floor: RGB = (120, 110, 100)
    belt: RGB = (45, 45, 48)
    deck: RGB = (70, 72, 78)
    grain: float = 1.5  # sd of per-pixel noise (camera sensor look)
    blur_sigma: float = 0.5
    sleeve_frac: float = 0.45  # sleeve covers this fraction of the upper arm
    shorts_frac: float = 0.38  # shorts cover this fraction of the thigh
    sock_frac: float = 0.1  # socks cover this fraction of the shank (from the ankle)
    body_scale: float = 1.0  # girth multiplier
    collar_m: float = -0.01  # raise (+) or lower (-) the shoe collar (m, for a 1.75 m runner)
    glute: float = 0.95  # size of the buttocks (0: none)
    seed: int = 0
    # Added later (written to the truth JSON only when set).
    # Shutter: each frame is the mean of shutter_subframes renders at instants spread evenly over an
    # exposure of shutter_s seconds CENTRED on the frame time (sub-frame k of n at
    # t + ((k + 0.5) / n - 0.5) * shutter_s), then blurred and grained once; 0 / 1 = instantaneous.
    shutter_s: float = 0.0
    shutter_subframes: int = 1
    occluder: Occluder | None = None


_ADDED_PARAM_DEFAULTS: dict[str, Any] = {"camera_tilt_deg": 0.0, "camera_focal_px": None}
_ADDED_STYLE_DEFAULTS: dict[str, Any] = {"shutter_s": 0.0, "shutter_subframes": 1, "occluder": None}


def _without_unset(d: dict[str, Any], added: dict[str, Any]) -> dict[str, Any]:
    """Drop fields added after truth format version 1 while they hold their defaults (old truth files stay byte-identical)."""
    return {k: v for k, v in d.items() if not (k in added and v == added[k])}


# radius profiles (metres, for a 1.75 m runner) along the bone, proximal -> distal
_THIGH = ((0.0, 0.090), (0.25, 0.082), (0.6, 0.068), (0.9, 0.056), (1.0, 0.054))
_SHANK = ((0.0, 0.053), (0.25, 0.058), (0.5, 0.048), (0.8, 0.036), (1.0, 0.032))
_UPPER_ARM = ((0.0, 0.050), (0.4, 0.045), (1.0, 0.036))
_FOREARM = ((0.0, 0.037), (0.4, 0.036), (1.0, 0.027))
_TORSO = ((0.0, 0.125), (0.22, 0.118), (0.5, 0.105), (0.8, 0.12), (1.0, 0.11))
_NECK = ((0.0, 0.058), (1.0, 0.05))


# --------------------------------------------------------------------------------------------- drawing
class _Canvas:
    """Float RGB image with soft-edged, shaded primitives composited in painter's order."""

    def __init__(self, image: np.ndarray, light: tuple[float, float, float], ambient: float):
        self.img = image.astype(np.float32)
        h, w = image.shape[:2]
        self.h, self.w = h, w
        L = np.asarray(light, np.float32)
        self.L = L / np.linalg.norm(L)
        self.ambient = ambient
        # half vector for a camera looking along +z (toward-camera axis = +z in shading frame)
        H = self.L + np.array([0, 0, 1], np.float32)
        self.H = H / np.linalg.norm(H)

    def _box(self, pts: np.ndarray, pad: float) -> tuple[int, int, int, int] | None:
        x0 = int(max(0, math.floor(pts[:, 0].min() - pad)))
        x1 = int(min(self.w, math.ceil(pts[:, 0].max() + pad) + 1))
        y0 = int(max(0, math.floor(pts[:, 1].min() - pad)))
        y1 = int(min(self.h, math.ceil(pts[:, 1].max() + pad) + 1))
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, x1, y0, y1

    def _shade(self, nx: np.ndarray, ny_up: np.ndarray, nz: np.ndarray, base: np.ndarray, gloss: float) -> np.ndarray:
        diff = np.clip(nx * self.L[0] + ny_up * self.L[1] + nz * self.L[2], 0.0, 1.0)
        spec = np.clip(nx * self.H[0] + ny_up * self.H[1] + nz * self.H[2], 0.0, 1.0) ** 24 * gloss
        k = self.ambient + (1.0 - self.ambient) * diff
        return base * k[..., None] + 255.0 * spec[..., None]

    def _composite(self, box: tuple[int, int, int, int], alpha: np.ndarray, colour: np.ndarray) -> None:
        x0, x1, y0, y1 = box
        region = self.img[y0:y1, x0:x1]
        a = alpha[..., None]
        region *= 1.0 - a
        region += a * colour

    def limb(
        self,
        a: np.ndarray,
        b: np.ndarray,
        profile: tuple[tuple[float, float], ...],
        scale_px: float,
        colours: list[tuple[float, np.ndarray]],
        gloss: float = 0.08,
    ) -> None:
        """Tapered swept-sphere from a to b (pixels). profile: (s, radius_m); colours: (s_end, rgb) bands."""
        ctrl_s = np.array([p[0] for p in profile], np.float32)
        ctrl_r = np.array([p[1] for p in profile], np.float32) * scale_px
        box = self._box(np.stack([a, b]), float(ctrl_r.max()) + 2)
        if box is None:
            return
        x0, x1, y0, y1 = box
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        v = (b - a).astype(np.float32)
        len2 = float(v @ v) + 1e-9
        px, py = xx + 0.5 - a[0], yy + 0.5 - a[1]
        s = np.clip((px * v[0] + py * v[1]) / len2, 0.0, 1.0)
        ox, oy = px - s * v[0], py - s * v[1]
        dist = np.sqrt(ox * ox + oy * oy)
        r = np.interp(s, ctrl_s, ctrl_r).astype(np.float32)
        alpha = np.clip(0.5 - (dist - r), 0.0, 1.0)
        if not alpha.any():
            return
        nx, ny = ox / np.maximum(r, 1e-3), oy / np.maximum(r, 1e-3)
        n2 = np.clip(nx * nx + ny * ny, 0.0, 1.0)
        nz = np.sqrt(1.0 - n2)
        base = np.empty(s.shape + (3,), np.float32)
        base[:] = colours[-1][1]
        for s_end, col in reversed(colours[:-1]):
            w = np.clip((s_end - s) * math.sqrt(len2) + 0.5, 0.0, 1.0)[..., None]  # 1-px soft band edge
            base = base * (1 - w) + np.asarray(col, np.float32) * w
        col = self._shade(nx, -ny, nz, base, gloss)
        self._composite(box, alpha, col)

    def ellipse(self, c: np.ndarray, rx: float, ry: float, angle: float, rgb_fn, gloss: float = 0.1) -> None:
        """Shaded ellipsoid seen side-on. rgb_fn(qx, qy) -> base colours, q in the ellipse frame (unit)."""
        rmax = max(rx, ry)
        box = self._box(c[None, :], rmax + 2)
        if box is None:
            return
        x0, x1, y0, y1 = box
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        dx, dy = xx + 0.5 - c[0], yy + 0.5 - c[1]
        ca, sa = math.cos(angle), math.sin(angle)
        qx = (ca * dx + sa * dy) / rx
        qy = (-sa * dx + ca * dy) / ry
        e = np.sqrt(qx * qx + qy * qy)
        alpha = np.clip(0.5 - (e - 1.0) * min(rx, ry), 0.0, 1.0)
        if not alpha.any():
            return
        nqx, nqy = qx / np.maximum(e, 1.0), qy / np.maximum(e, 1.0)
        nz = np.sqrt(np.clip(1.0 - nqx * nqx - nqy * nqy, 0.0, 1.0))
        nx = ca * nqx - sa * nqy
        ny = sa * nqx + ca * nqy
        base = rgb_fn(qx, qy)
        col = self._shade(nx, -ny, nz, base, gloss)
        self._composite(box, alpha, col)

    def polygon(self, pts: np.ndarray, top_rgb: np.ndarray, bottom_rgb: np.ndarray | None = None) -> None:
        """Anti-aliased filled polygon with an optional vertical colour gradient."""
        box = self._box(pts, 2)
        if box is None:
            return
        x0, x1, y0, y1 = box
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        local = np.round((pts - [x0, y0]) * 16).astype(np.int32)
        cv2.fillPoly(mask, [local], 255, lineType=cv2.LINE_AA, shift=4)
        alpha = mask.astype(np.float32) / 255.0
        if bottom_rgb is None:
            colour = np.asarray(top_rgb, np.float32)[None, None, :]
        else:
            t = np.linspace(0, 1, y1 - y0, dtype=np.float32)[:, None, None]
            colour = np.asarray(top_rgb, np.float32) * (1 - t) + np.asarray(bottom_rgb, np.float32) * t
            colour = np.broadcast_to(colour, (y1 - y0, x1 - x0, 3))
        self._composite(box, alpha, colour)

    def line(self, a: np.ndarray, b: np.ndarray, rgb: np.ndarray, width: float) -> None:
        img = np.ascontiguousarray(self.img)
        cv2.line(img, tuple(np.round(a * 16).astype(int)), tuple(np.round(b * 16).astype(int)),
                 tuple(float(c) for c in rgb), max(1, int(round(width))), cv2.LINE_AA, shift=4)
        self.img = img


# --------------------------------------------------------------------------------------------- scene
def _light(gait: SyntheticGait, style: RenderStyle) -> tuple[float, float, float]:
    """style.light is given for a runner facing left; mirrored for one facing right."""
    x, y, z = style.light
    return (x if gait.params.facing == "left" else -x, y, z)


def _scene_name(gait: SyntheticGait, style: RenderStyle) -> str:
    if style.scene != "auto":
        return style.scene
    return "treadmill" if gait.params.treadmill else "track"


def _treadmill_geometry(gait: SyntheticGait) -> dict[str, float]:
    s = gait.params.height_m / 1.75
    cx = gait.camera.position[0]  # the runner's mean position
    return {"x_rear": cx - 0.95 * s, "x_front": cx + 0.85 * s, "half_width": 0.27 * s, "deck_h": 0.19 * s, "s": s}


def render_background(gait: SyntheticGait, style: RenderStyle = RenderStyle()) -> np.ndarray:
    """The static part of the scene (float32 RGB)."""
    cam = gait.camera
    w, h = cam.image_size
    img = np.zeros((h, w, 3), np.float32)
    scene = _scene_name(gait, style)
    P = cam.project
    if scene == "treadmill":
        g = _treadmill_geometry(gait)
        floor_y = -g["deck_h"]
        wall_z = 2.2 if gait.params.facing == "left" else -2.2  # wall behind the runner
        # wall: vertical gradient; floor below the wall/floor line
        horizon = P(np.array([[cam.position[0], floor_y, wall_z]]))[0, 1]
        yy = np.arange(h, dtype=np.float32)[:, None]
        wall = np.asarray(style.wall, np.float32)
        img[:] = wall * (0.92 + 0.1 * (yy / h))[..., None]
        floor = np.asarray(style.floor, np.float32)
        below = yy >= horizon
        img[:] = np.where(below[..., None], floor * (0.85 + 0.25 * (yy - horizon) / max(h - horizon, 1))[..., None], img)
        c = _Canvas(img, _light(gait, style), style.ambient)
        # skirting board and a couple of wall panels for texture
        c.polygon(np.array([[0, horizon - 0.012 * h], [w, horizon - 0.012 * h], [w, horizon], [0, horizon]], np.float32), np.array([150, 150, 155]))
        for k, xp in enumerate(np.linspace(-6, 6, 7)):
            xw = cam.position[0] + xp
            top = P(np.array([[xw, 2.6, wall_z]]))[0]
            bot = P(np.array([[xw, floor_y, wall_z]]))[0]
            c.line(top, bot, wall * 0.85, 2)
        xr, xf, hw, dh, s = g["x_rear"], g["x_front"], g["half_width"], g["deck_h"], g["s"]
        near_z = -hw if gait.params.facing == "left" else hw
        far_z = -near_z
        sign = 1.0 if near_z < 0 else -1.0  # toward the camera in z
        # uprights and console (front), far handrail
        for z, shade in ((far_z * 1.25, 0.75), (near_z * 1.25, 1.0)):
            base = P(np.array([[xf + 0.1 * s, 0.05 * s, z], [xf + 0.16 * s, 0.05 * s, z], [xf + 0.05 * s, 1.1 * s, z], [xf - 0.01 * s, 1.1 * s, z]]))
            c.polygon(base, np.array(style.deck) * 0.9 * shade)
            rail = P(np.array([[xf + 0.02 * s, 1.02 * s, z], [xf - 0.4 * s, 1.0 * s, z], [xf - 0.4 * s, 0.97 * s, z], [xf + 0.02 * s, 0.99 * s, z]]))
            c.polygon(rail, np.array([170, 172, 178]) * shade)
        console = P(np.array([[xf - 0.08 * s, 1.08 * s, 0], [xf + 0.18 * s, 1.12 * s, 0], [xf + 0.14 * s, 1.36 * s, 0], [xf - 0.14 * s, 1.3 * s, 0]]))
        c.polygon(console, np.array([60, 62, 70]), np.array([35, 36, 40]))
        screen = P(np.array([[xf - 0.08 * s, 1.16 * s, -sign * 0.01], [xf + 0.1 * s, 1.19 * s, -sign * 0.01], [xf + 0.08 * s, 1.29 * s, -sign * 0.01], [xf - 0.1 * s, 1.26 * s, -sign * 0.01]]))
        c.polygon(screen, np.array([40, 90, 110]), np.array([25, 50, 60]))
        # motor hood
        hood = P(np.array([[xf - 0.05 * s, 0.0, near_z * 1.1], [xf + 0.22 * s, 0.0, near_z * 1.1], [xf + 0.22 * s, -dh, near_z * 1.1], [xf - 0.05 * s, -dh, near_z * 1.1]]))
        hood_top = P(np.array([[xf - 0.05 * s, 0.06 * s, near_z * 1.1], [xf + 0.2 * s, 0.08 * s, near_z * 1.1], [xf + 0.22 * s, 0.0, near_z * 1.1], [xf - 0.05 * s, 0.0, near_z * 1.1]]))
        # belt top surface (between the far and near edges), then the near side panel
        belt = P(np.array([[xr, 0.0, far_z], [xf, 0.0, far_z], [xf, 0.0, near_z], [xr, 0.0, near_z]]))
        c.polygon(belt, np.array(style.belt) * 0.8, np.array(style.belt) * 1.1)
        side = P(np.array([[xr - 0.05 * s, 0.0, near_z * 1.1], [xf, 0.0, near_z * 1.1], [xf, -dh, near_z * 1.1], [xr - 0.05 * s, -dh * 0.7, near_z * 1.1]]))
        c.polygon(side, np.array(style.deck) * 1.25, np.array(style.deck) * 0.8)
        rail_top = P(np.array([[xr - 0.05 * s, 0.012 * s, near_z * 1.1], [xf, 0.012 * s, near_z * 1.1], [xf, -0.008 * s, near_z * 1.1], [xr - 0.05 * s, -0.008 * s, near_z * 1.1]]))
        c.polygon(rail_top, np.array([185, 188, 192]))
        c.polygon(hood, np.array(style.deck) * 1.1, np.array(style.deck) * 0.7)
        c.polygon(hood_top, np.array(style.deck) * 1.3)
        img = c.img
    else:
        # outdoor: sky, distant trees band, grass, running track
        yy = np.arange(h, dtype=np.float32)[:, None]
        horizon = P(np.array([[cam.position[0], 0.0, 60.0 if gait.params.facing == "left" else -60.0]]))[0, 1]
        sky_top, sky_bot = np.array([150, 185, 225], np.float32), np.array([205, 220, 235], np.float32)
        t = np.clip(yy / max(horizon, 1), 0, 1)[..., None]
        img[:] = sky_top * (1 - t) + sky_bot * t
        c = _Canvas(img, _light(gait, style), style.ambient)
        c.polygon(np.array([[0, horizon - 0.08 * h], [w, horizon - 0.1 * h], [w, horizon], [0, horizon]], np.float32), np.array([70, 110, 70]), np.array([55, 90, 55]))
        grass = np.array([[0, horizon], [w, horizon], [w, h], [0, h]], np.float32)
        c.polygon(grass, np.array([95, 140, 80]), np.array([80, 125, 65]))
        zf, zn = (2.0, -1.2) if gait.params.facing == "left" else (-2.0, 1.2)
        x0, x1 = cam.position[0] - 40, cam.position[0] + 40
        track = P(np.array([[x0, 0, zf], [x1, 0, zf], [x1, 0, zn], [x0, 0, zn]]))
        c.polygon(track, np.array([170, 80, 65]), np.array([185, 90, 72]))
        for zl in (zf * 0.5, 0.6 * zn):
            ln = P(np.array([[x0, 0.001, zl - 0.025], [x1, 0.001, zl - 0.025], [x1, 0.001, zl + 0.025], [x0, 0.001, zl + 0.025]]))
            c.polygon(ln, np.array([240, 240, 240]))
        img = c.img
    return img


def _draw_belt_marks(c: _Canvas, gait: SyntheticGait, t: float) -> None:
    g = _treadmill_geometry(gait)
    cam = gait.camera
    hw, s = g["half_width"], g["s"]
    near_z = -hw if gait.params.facing == "left" else hw
    spacing = 0.45 * s
    offset = (-gait.params.speed_m_s * t) % spacing
    x = g["x_rear"] + offset
    while x < g["x_front"] - 0.02:
        q = cam.project(np.array([[x, 0.0005, -near_z], [x + 0.035 * s, 0.0005, -near_z], [x + 0.035 * s, 0.0005, near_z], [x, 0.0005, near_z]]))
        c.polygon(q, np.array((62.0, 62.0, 66.0)))
        x += spacing


# --------------------------------------------------------------------------------------------- figure
def _shade_far(rgb: RGB, far: bool, style: RenderStyle) -> np.ndarray:
    return np.asarray(rgb, np.float32) * (style.far_shade if far else 1.0)


def _shoe_outline(Lf: float, s: float, collar: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Shoe upper and sole outlines in the foot frame (x forward from the back of the heel, y up)."""
    upper = np.array([
        [-0.006, 0.022], [-0.008, 0.05], [-0.002, 0.07], [0.01, 0.076], [0.035, 0.068],
        [0.075, 0.074], [0.105, 0.086], [0.15, 0.074], [0.19, 0.06], [0.23, 0.05], [0.258, 0.04], [0.274, 0.028], [0.276, 0.016],
    ], np.float32)
    upper[2:7, 1] += collar  # the collar points around the ankle opening
    upper *= [Lf / 0.266, s]
    sole = np.array([
        [-0.008, 0.03], [-0.01, 0.012], [-0.002, 0.0], [0.05, -0.001], [0.19, -0.001], [0.25, 0.002], [0.274, 0.008], [0.28, 0.022],
        [0.24, 0.02], [0.19, 0.022], [0.12, 0.024], [0.05, 0.028], [0.0, 0.03],
    ], np.float32) * [Lf / 0.266, s]
    return upper, sole


def _foot_to_world(pts_local: np.ndarray, gait: SyntheticGait, side: str, i: int) -> np.ndarray:
    """Foot-frame points -> world, using the frame's heel pivot, mtp and sole angles (toes bend at the mtp)."""
    j = gait.joints_m
    heel_pivot, mtp, toe, ankle = (j[f"{side}_{n}"][i] for n in ("heel_pivot", "mtp", "toe", "ankle"))
    fp = gait._model.fp
    # sole angle from the heel pivot -> mtp direction; toe angle from mtp -> toe tip
    d = mtp - heel_pivot
    fwd = 1.0  # world x is forward
    sigma = math.atan2(d[1], fwd * d[0]) - math.atan2(fp["mtp"][1] - fp["heel_pivot"][1], fp["mtp"][0] - fp["heel_pivot"][0])
    dt = toe - mtp
    sig_toe = math.atan2(dt[1], dt[0]) - math.atan2(fp["toe"][1] - fp["mtp"][1], fp["toe"][0] - fp["mtp"][0])
    out = np.empty((len(pts_local), 3))
    mx = fp["mtp"][0]
    for k, (x, y) in enumerate(pts_local):
        if x <= mx:
            v = np.array([x, y]) - fp["heel_pivot"]
            c, s_ = math.cos(sigma), math.sin(sigma)
            p = heel_pivot[:2] + np.array([c * v[0] - s_ * v[1], s_ * v[0] + c * v[1]])
        else:
            v = np.array([x, y]) - fp["mtp"]
            c, s_ = math.cos(sig_toe), math.sin(sig_toe)
            p = mtp[:2] + np.array([c * v[0] - s_ * v[1], s_ * v[0] + c * v[1]])
        out[k] = (p[0], p[1], heel_pivot[2])
    return out


def _scale_px(gait: SyntheticGait, point: np.ndarray) -> float:
    return gait.camera.focal_px / float(gait.camera.depth(point))


def _draw_leg(c: _Canvas, gait: SyntheticGait, i: int, side: str, far: bool, style: RenderStyle) -> None:
    j = gait.joints_m
    cam = gait.camera
    hip, knee, ankle = (j[f"{side}_{n}"][i] for n in ("hip", "knee", "ankle"))
    P = lambda q: cam.project(q[None])[0]  # noqa: E731
    k = style.body_scale * gait.params.height_m / 1.75
    sc = _scale_px(gait, hip) * k
    skin = _shade_far(style.skin, far, style)
    shorts = _shade_far(style.shorts, far, style)
    socks = _shade_far(style.socks, far, style)
    c.limb(P(knee), P(ankle), _SHANK, sc, [(1.0 - style.sock_frac, skin), (1.0, socks)])
    c.limb(P(hip), P(knee), _THIGH, sc, [(style.shorts_frac, shorts), (1.0, skin)], gloss=0.05)
    # shoe
    Lf = gait._model.body.foot_length
    upper, sole = _shoe_outline(Lf, gait.params.height_m / 1.75, style.collar_m)
    shoe = _shade_far(style.shoe, far, style)
    up2 = cam.project(_foot_to_world(upper_close(upper), gait, side, i))
    c.polygon(up2, shoe * 1.15, shoe * 0.8)
    so2 = cam.project(_foot_to_world(sole, gait, side, i))
    c.polygon(so2, _shade_far(style.sole, far, style), _shade_far(style.sole, far, style) * 0.8)
    # laces / collar details
    coll = cam.project(_foot_to_world((np.array([[0.003, 0.072], [0.035, 0.066]], np.float32) + [0, style.collar_m]) * [Lf / 0.266, 1], gait, side, i))
    c.line(coll[0], coll[1], shoe * 0.55, max(1.0, 0.01 * sc))


def upper_close(upper: np.ndarray) -> np.ndarray:
    """Close the shoe upper along the top of the sole."""
    return np.concatenate([upper, upper[[-1]] * [1, 0] + [0, 0.012], upper[[0]] * [1, 0] + [0, 0.012]])


def _draw_arm(c: _Canvas, gait: SyntheticGait, i: int, side: str, far: bool, style: RenderStyle) -> None:
    j = gait.joints_m
    cam = gait.camera
    sh, el, wr = (j[f"{side}_{n}"][i] for n in ("shoulder", "elbow", "wrist"))
    hand = 0.5 * (j[f"{side}_index"][i] + j[f"{side}_pinky"][i])
    P = lambda q: cam.project(q[None])[0]  # noqa: E731
    k = style.body_scale * gait.params.height_m / 1.75
    sc = _scale_px(gait, sh) * k
    skin = _shade_far(style.skin, far, style)
    shirt = _shade_far(style.shirt, far, style)
    c.limb(P(el), P(wr), _FOREARM, sc, [(1.0, skin)])
    c.ellipse(P(sh), 0.058 * sc, 0.058 * sc, 0.0, lambda qx, qy: np.broadcast_to(shirt, qx.shape + (3,)).astype(np.float32), gloss=0.05)
    c.limb(P(sh), P(el), _UPPER_ARM, sc, [(style.sleeve_frac, shirt), (1.0, skin)])
    # fist
    hc = P(0.35 * wr + 0.65 * hand)
    d = P(hand) - P(wr)
    ang = math.atan2(d[1], d[0])
    col = skin
    c.ellipse(hc, 0.05 * sc, 0.04 * sc, ang, lambda qx, qy: np.broadcast_to(col, qx.shape + (3,)).astype(np.float32))


def _draw_torso_head(c: _Canvas, gait: SyntheticGait, i: int, style: RenderStyle) -> None:
    j = gait.joints_m
    cam = gait.camera
    P = lambda q: cam.project(q[None])[0]  # noqa: E731
    s = gait.params.height_m / 1.75
    k = style.body_scale * s
    pelvis, neck, head = j["pelvis"][i], j["neck"][i], j["head"][i]
    sc = _scale_px(gait, pelvis) * k
    up = (neck - pelvis) / np.linalg.norm(neck - pelvis)
    a = pelvis - 0.01 * s * up
    b = neck - 0.03 * s * up
    shirt = np.asarray(style.shirt, np.float32)
    shorts = np.asarray(style.shorts, np.float32)
    skin = np.asarray(style.skin, np.float32)
    c.limb(P(a), P(b), _TORSO, sc, [(0.28, shorts), (1.0, shirt)], gloss=0.06)
    # buttocks: behind and a little below the hip joints
    back = np.array([-1.0, 0.0, 0.0])
    glute = P(pelvis + 0.055 * k * style.glute * back - 0.005 * k * up)
    c.ellipse(glute, 0.095 * sc * style.glute, 0.09 * sc * style.glute, 0.0, lambda qx, qy: np.broadcast_to(shorts, qx.shape + (3,)).astype(np.float32), gloss=0.04)
    # neck
    head_base = head - 0.06 * s * np.array([0.0, 1.0, 0.0])
    c.limb(P(neck + 0.02 * s * up), P(head_base), _NECK, sc, [(1.0, skin * 0.92)])
    # head: cranium (ellipsoid) and a face profile, in the head's own frame (forward, up)
    fwd = gait.forward_sign  # image x direction of running
    d_top = j["head_top"][i] - head
    tilt_w = math.atan2(d_top[0], d_top[1])  # forward tilt of the head (world)

    def head_pt(fx: float, fy: float, fz: float = 0.0) -> np.ndarray:
        c_, s_ = math.cos(-tilt_w), math.sin(-tilt_w)
        return head + s * np.array([c_ * fx - s_ * fy, s_ * fx + c_ * fy, fz])

    hc = P(head_pt(-0.01, 0.03))
    rx, ry = 0.098 * sc, 0.115 * sc
    tilt = fwd * tilt_w  # image rotation of the head ellipse
    hair = np.asarray(style.hair, np.float32)

    def head_rgb(qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
        fq = qx * fwd  # + toward the face
        hair_mask = (qy < -0.3 + 0.3 * fq) | ((fq < -0.2) & (qy < 0.5))
        w = hair_mask.astype(np.float32)
        if w.shape[0] > 4 and w.shape[1] > 4:
            w = cv2.GaussianBlur(w, (0, 0), 1.0)
        return skin * (1 - w[..., None]) + hair * w[..., None]

    c.ellipse(hc, rx, ry, tilt, head_rgb, gloss=0.12)
    profile = [(0.06, 0.085), (0.09, 0.06), (0.102, 0.04), (0.104, 0.03), (0.1, 0.018), (0.127, -0.008), (0.124, -0.014),
               (0.104, -0.022), (0.108, -0.036), (0.101, -0.045), (0.106, -0.054), (0.1, -0.076), (0.082, -0.09), (0.05, -0.085),
               (0.02, -0.065), (0.0, -0.02), (0.02, 0.05)]
    face = P(np.stack([head_pt(fx, fy) for fx, fy in profile]))
    c.polygon(face, skin * 1.0, skin * 0.85)
    # face side: ear, eye, brow, mouth (only the near side is visible)
    near = gait.params.near_side
    ear = P(j[f"{near}_ear"][i])
    c.ellipse(ear, 0.022 * sc, 0.032 * sc, tilt, lambda qx, qy: np.broadcast_to(skin * 0.85, qx.shape + (3,)).astype(np.float32), gloss=0.05)
    c.ellipse(ear + np.array([fwd * 0.004 * sc, 0.0]), 0.009 * sc, 0.016 * sc, tilt, lambda qx, qy: np.broadcast_to(skin * 0.6, qx.shape + (3,)).astype(np.float32), gloss=0.0)
    eye = P(j[f"{near}_eye"][i])
    c.ellipse(eye, 0.009 * sc, 0.0065 * sc, tilt, lambda qx, qy: np.broadcast_to(np.array([245, 245, 240], np.float32), qx.shape + (3,)).astype(np.float32), gloss=0.0)
    c.ellipse(eye + np.array([fwd * 0.003 * sc, 0.0]), 0.005 * sc, 0.006 * sc, tilt, lambda qx, qy: np.broadcast_to(np.array([40, 30, 25], np.float32), qx.shape + (3,)).astype(np.float32), gloss=0.3)
    brow = P(np.stack([head_pt(0.075, 0.047), head_pt(0.1, 0.045)]))
    c.line(brow[0], brow[1], hair, max(1.0, 0.006 * sc))
    lips = P(np.stack([head_pt(0.085, -0.046), head_pt(0.103, -0.045)]))
    c.line(lips[0], lips[1], skin * 0.55, max(1.0, 0.005 * sc))
    nostril = P(head_pt(0.112, -0.016))
    c.ellipse(nostril, 0.006 * sc, 0.003 * sc, tilt, lambda qx, qy: np.broadcast_to(skin * 0.6, qx.shape + (3,)).astype(np.float32), gloss=0.0)


def _draw_occluder(c: _Canvas, gait: SyntheticGait, occ: Occluder) -> None:
    cam = gait.camera
    q = occ.corners(gait)
    col = np.asarray(occ.colour, np.float32)
    c.polygon(cam.project(q), col * 1.15, col * 0.8)
    lip = q.copy()
    lip[:2, 1] = occ.height_m - 0.025 * gait.params.height_m / 1.75  # a lighter top rail
    c.polygon(cam.project(lip), col * 1.6, col * 1.3)


def _draw_scene(gait: SyntheticGait, i: int, style: RenderStyle, background: np.ndarray) -> np.ndarray:
    """Scene and figure at gait.times_s[i], float32, before the camera blur and grain."""
    c = _Canvas(background.copy(), _light(gait, style), style.ambient)
    if _scene_name(gait, style) == "treadmill":
        _draw_belt_marks(c, gait, float(gait.times_s[i]))
    near = gait.params.near_side
    far = "right" if near == "left" else "left"
    j = gait.joints_m
    layers = [
        (j[f"{far}_shoulder"][i], lambda: _draw_arm(c, gait, i, far, True, style)),
        (j[f"{far}_hip"][i], lambda: _draw_leg(c, gait, i, far, True, style)),
        (j["pelvis"][i], lambda: _draw_torso_head(c, gait, i, style)),
        (j[f"{near}_hip"][i], lambda: _draw_leg(c, gait, i, near, False, style)),
        (j[f"{near}_shoulder"][i], lambda: _draw_arm(c, gait, i, near, False, style)),
    ]
    occ = style.occluder
    occ_depth = float(gait.camera.depth(occ.corners(gait).mean(axis=0))) if occ is not None else -math.inf
    for point, draw in layers:
        if occ is not None and float(gait.camera.depth(point)) < occ_depth:
            _draw_occluder(c, gait, occ)  # everything from here on is in front of it
            occ = None
        draw()
    if occ is not None:
        _draw_occluder(c, gait, occ)
    return c.img


def shutter_offsets_s(style: RenderStyle) -> np.ndarray:
    """Sub-frame instants relative to the frame time (s); [0.0] for an instantaneous shutter."""
    n = int(style.shutter_subframes)
    if n <= 1 or style.shutter_s <= 0:
        return np.zeros(1)
    return ((np.arange(n) + 0.5) / n - 0.5) * float(style.shutter_s)


def gait_at_times(gait: SyntheticGait, times_s: np.ndarray) -> SyntheticGait:
    """The same runner and camera sampled at arbitrary instants (for rendering only: times_s and joints_m
    are replaced; landmarks, truth and stance still describe the original frames)."""
    times = np.atleast_1d(np.asarray(times_s, float))
    return replace(gait, times_s=times, joints_m=gait.joints_at(times))


def render_frame(gait: SyntheticGait, i: int, style: RenderStyle = RenderStyle(), background: np.ndarray | None = None,
                 *, subframes: tuple[SyntheticGait, int] | None = None) -> np.ndarray:
    """Frame ``i`` as uint8 RGB (height, width, 3).

    With a shutter (style.shutter_s / shutter_subframes) the frame is the mean of the sub-frame
    renders (see :func:`shutter_offsets_s`); ``subframes`` = (a gait_at_times view holding them, index
    of this frame's first one) avoids recomputing the joints (render_frames passes it).
    """
    if background is None:
        background = render_background(gait, style)
    offsets = shutter_offsets_s(style)
    if len(offsets) == 1:
        img = _draw_scene(gait, i, style, background)
    else:
        sub, k0 = subframes if subframes is not None else (gait_at_times(gait, gait.times_s[i] + offsets), 0)
        img = np.zeros_like(background, dtype=np.float32)
        for k in range(len(offsets)):
            img += _draw_scene(sub, k0 + k, style, background)
        img /= np.float32(len(offsets))
    return _finish(img, i, style)


def _finish(img: np.ndarray, i: int, style: RenderStyle) -> np.ndarray:
    """Camera blur, sensor grain (seeded by the frame index) and 8-bit quantisation."""
    if style.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), style.blur_sigma)
    if style.grain > 0:
        rng = np.random.default_rng(style.seed * 100003 + i)
        img = img + rng.normal(scale=style.grain, size=img.shape).astype(np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def render_frames(gait: SyntheticGait, style: RenderStyle = RenderStyle(), frames: range | list[int] | None = None) -> Iterator[np.ndarray]:
    """Yield uint8 RGB frames (all, or the listed frame indices)."""
    background = render_background(gait, style)
    offsets = shutter_offsets_s(style)
    sub = gait_at_times(gait, (gait.times_s[:, None] + offsets[None, :]).ravel()) if len(offsets) > 1 else None
    for i in frames if frames is not None else range(gait.n_frames):
        yield render_frame(gait, i, style, background, subframes=None if sub is None else (sub, i * len(offsets)))


# --------------------------------------------------------------------------------------------- visibility
FOOT_LANDMARKS = ("heel", "ankle", "foot_index")
LEG_IN_VIEW_LANDMARKS = ("hip", "knee", "ankle", "heel", "foot_index")


def _inside_convex(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """(..., 2) points inside the convex polygon (k, 2) (either winding)."""
    pts = np.asarray(points, float)
    signs = []
    for a, b in zip(poly, np.roll(poly, -1, axis=0)):
        e = b - a
        signs.append(e[0] * (pts[..., 1] - a[1]) - e[1] * (pts[..., 0] - a[0]))
    sg = np.stack(signs, axis=-1)
    return np.all(sg >= 0, axis=-1) | np.all(sg <= 0, axis=-1)


def foot_visibility(gait: SyntheticGait, style: RenderStyle | None = None) -> dict[str, np.ndarray]:
    """side -> (T,) bool: the side's hip, knee, ankle, heel and toe landmarks are all inside the image
    (a foot alone at the frame edge, its leg still outside, does not count: no pose model can time it)
    and none of the foot's (heel, ankle, toe) is behind ``style.occluder`` (in front of the foot and
    covering it in the image). Hiding by the runner's own other leg is not counted (it happens in
    every side view)."""
    w, h = gait.camera.image_size
    out = {}
    occ = style.occluder if style is not None else None
    for side in ("left", "right"):
        leg = gait.landmarks_px[:, [lm.INDEX[f"{side}_{n}"] for n in LEG_IN_VIEW_LANDMARKS]]
        vis = ((leg[..., 0] >= 0) & (leg[..., 0] < w) & (leg[..., 1] >= 0) & (leg[..., 1] < h)).all(axis=1)
        idx = [lm.INDEX[f"{side}_{n}"] for n in FOOT_LANDMARKS]
        kp = gait.landmarks_px[:, idx]
        if occ is not None:
            q = occ.corners(gait)
            behind = gait.depth_m[:, idx] > float(gait.camera.depth(q.mean(axis=0)))
            covered = _inside_convex(kp, gait.camera.project(q)) & behind
            vis &= ~covered.any(axis=1)
        out[side] = vis
    return out


def event_visible(visible: np.ndarray, frame: int, fps: float) -> bool:
    """An event is visible when its foot is visible in the event frame and every frame within
    max(1, round(0.02 * fps)) frames of it (inside the clip)."""
    k = max(1, int(round(0.02 * fps)))
    lo, hi = max(0, frame - k), min(len(visible) - 1, frame + k)
    return bool(0 <= frame < len(visible) and visible[lo:hi + 1].all())


# --------------------------------------------------------------------------------------------- output
def truth_dict(gait: SyntheticGait, style: RenderStyle | None = None, decimals: int = 2, *, visibility: bool = False,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Ground truth for a rendered clip, JSON-serialisable.

    visibility: add per-frame foot visibility (``frames.foot_visible_<side>``) and per-step
    ``contact_visible`` / ``toe_off_visible`` (see :func:`foot_visibility`, :func:`event_visible`).
    A style with a shutter adds an ``exposure`` block and per-step down fractions. ``extra``: more
    top-level keys (e.g. the scenario). Without these options the output is as in version 1.
    """
    p = gait.params
    params = _without_unset(asdict(p), _ADDED_PARAM_DEFAULTS)
    params["image_size"] = list(p.image_size)
    truth = {k: v for k, v in gait.truth.items() if k != "steps"}
    steps = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in s.items()} for s in gait.truth["steps"]]
    kp = np.round(gait.landmarks_px, decimals)
    camera = {"position_m": list(gait.camera.position), "focal_px": gait.camera.focal_px, "image_size": list(gait.camera.image_size),
              "facing": gait.camera.facing}
    if gait.camera.tilt_deg != 0.0:
        camera["tilt_deg"] = gait.camera.tilt_deg
    definitions = {
        "landmarks_px": "true 2-D joint centres, image pixels (x right, y down), MediaPipe landmark order, per frame",
        "overstride_pct_leg": "heel ahead of the segment-weighted COM at the contact frame, % of the side's leg length (px)",
        "overstride_pct_leg_exact": "same at the continuous contact instant",
        "hip_extension_deg": "thigh angle (hip->knee from the downward vertical, + = knee behind) at the toe-off frame",
        "contact_frame": "first frame at/after the continuous contact time: ceil(contact_t_s * fps), the first frame with the foot down",
        "toe_off_frame": "last frame at/before the continuous toe-off time: floor(toe_off_t_s * fps), the last frame with the foot down",
    }
    frames: dict[str, Any] = {
        "time_s": [round(float(t), 6) for t in gait.times_s],
        "landmarks_px": kp.tolist(),
        "stance_left": gait.stance["left"].astype(int).tolist(),
        "stance_right": gait.stance["right"].astype(int).tolist(),
    }
    out_extra: dict[str, Any] = {}
    offsets = shutter_offsets_s(style) if style is not None else np.zeros(1)
    if len(offsets) > 1:
        S = float(style.shutter_s)  # type: ignore[union-attr]
        out_extra["exposure"] = {
            "shutter_s": S, "subframes": len(offsets), "subframe_offsets_s": [round(float(o), 9) for o in offsets],
            "frame_instant": "centre",
            "description": "frame k is the mean of renders at k/fps + subframe_offsets_s (an exposure of shutter_s centred on k/fps); "
                           "it represents the instant k/fps: frames.time_s, landmarks_px, stance and the event frames refer to that "
                           "centre instant",
        }
        for st, raw in zip(steps, gait.truth["steps"]):
            tc, to = raw["contact_t_s"], raw["toe_off_t_s"]
            st["contact_frame_down_fraction"] = round(float(np.clip((raw["contact_frame"] / gait.fps + S / 2 - tc) / S, 0, 1)), 4)
            st["toe_off_frame_down_fraction"] = round(float(np.clip((to - (raw["toe_off_frame"] / gait.fps - S / 2)) / S, 0, 1)), 4)
        definitions["contact_frame_down_fraction"] = "fraction of the contact frame's exposure with the foot down"
        definitions["toe_off_frame_down_fraction"] = "fraction of the toe-off frame's exposure with the foot down"
    if visibility:
        vis = foot_visibility(gait, style)
        for st in steps:
            st["contact_visible"] = event_visible(vis[st["side"]], st["contact_frame"], gait.fps)
            st["toe_off_visible"] = event_visible(vis[st["side"]], st["toe_off_frame"], gait.fps)
        for side in ("left", "right"):
            frames[f"foot_visible_{side}"] = vis[side].astype(int).tolist()
        definitions["foot_visible"] = ("frames.foot_visible_<side>: 1 when the side's hip, knee, ankle, heel and toe landmarks are all inside the "
                                       "image and none of the foot's (heel, ankle, toe) is hidden by the scene's occluder (the runner's own "
                                       "legs are not counted)")
        definitions["contact_visible"] = ("the foot is visible (foot_visible) in the contact frame and every frame within max(1, round(0.02 * fps)) "
                                          "frames of it; events not visible are not to be counted as missed")
        definitions["toe_off_visible"] = "same for the toe-off frame"
    out = {
        "format": "formcheck-synthetic-truth",
        "version": 1,
        "params": params,
        "style": _without_unset(asdict(style), _ADDED_STYLE_DEFAULTS) if style is not None else None,
        "camera": camera,
        "summary": truth,
        "landmark_names": list(lm.LANDMARK_NAMES),
        "definitions": definitions,
        "steps": steps,
        "frames": frames,
    }
    out.update(out_extra)
    if extra:
        out.update(extra)
    return out


def write_truth_json(gait: SyntheticGait, path: str | os.PathLike[str], style: RenderStyle | None = None, *, visibility: bool = False,
                     extra: dict[str, Any] | None = None) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    try:
        tmp.write_text(json.dumps(truth_dict(gait, style, visibility=visibility, extra=extra), separators=(",", ":")))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def truth_path_for(video_path: str | os.PathLike[str]) -> Path:
    """``clip.mp4`` -> ``clip.truth.json``."""
    p = Path(video_path)
    return p.with_name(p.stem + ".truth.json")


def render_video(
    gait: SyntheticGait,
    path: str | os.PathLike[str],
    *,
    style: RenderStyle = RenderStyle(),
    crf: int = 26,
    preset: str = "medium",
    write_truth: bool = True,
    visibility: bool = False,
    truth_extra: dict[str, Any] | None = None,
) -> Path:
    """Render all frames to an H.264 yuv420p MP4 (atomic) and write ``<clip>.truth.json`` beside it
    (``visibility`` / ``truth_extra``: see :func:`truth_dict`)."""
    from ..video import H264Writer

    path = Path(path)
    with H264Writer(path, gait.fps, gait.params.image_size, crf=crf, preset=preset) as writer:
        for i, frame in enumerate(render_frames(gait, style)):
            writer.write(frame, float(gait.times_s[i]))
    if write_truth:
        write_truth_json(gait, truth_path_for(path), style, visibility=visibility, extra=truth_extra)
    return path


__all__ = ["Occluder", "RenderStyle", "event_visible", "foot_visibility", "gait_at_times", "shutter_offsets_s", "render_background", "render_frame", "render_frames", "render_video", "truth_dict", "truth_path_for", "write_truth_json"]
