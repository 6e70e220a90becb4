"""Face encoding: dlib's face_encodings against the same ResNet on onnxruntime (FastEncoder), in the same run.

Run: `make bench-encoder` (or `.venv/bin/python -m bench.encoder [--repeats N] [--threads T]`; ~15 s).

The faces are the 8 of the fixture photos (six portraits and the two of two_people.jpg), found once by HOG outside
the timing. Both sides get the same image and boxes and do the whole job: dlib's 5-point landmarks, the 150 px chip
and the network (num_jitters=1).

- batch 1: each face encoded on its own photo, one call per face (`face_encodings(image, [box])` against
  `FastEncoder.encode(image, [box])`);
- batch 8: the 8 faces cropped and tiled into one 800x400 picture and encoded in one call (face_recognition still
  runs dlib's network once per face; the fast encoder runs one batch of 8).

The two sides alternate within every repeat so that both see the same machine load; the best repeat of each is
kept. Times are ms per face. Every fast encoding is compared with dlib's for the same face: the largest L2 distance
is reported (the test suite holds it under 1e-4; matching works at tolerance 0.5). The last line is the figure:
the speed-up at each batch size and the largest difference.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import face_recognition
import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceBox, FaceDetector, load_image
from recognition.engine.fast_encoder import FastEncoder, default_cache_dir
from tests.support.images import FIXTURE_PHOTOS

FACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
PHOTOS = FIXTURE_PHOTOS
TARGET_SPEEDUP = 8.0
TILE = 200  # px of each face's square in the batch-8 picture
MAX_DIFFERENCE = 1e-4

Image = NDArray[np.uint8]
Job = tuple[Image, list[FaceBox]]


def fixture_faces() -> list[Job]:
    """(photo, [box]) for every face of the fixture photos."""
    detector = FaceDetector(model="hog")
    jobs = []
    for name in PHOTOS:
        image = load_image(FACES / name)
        jobs += [(image, [box]) for box in detector.detect(image)]
    return jobs


def mosaic(jobs: list[Job], columns: int = 4) -> Job:
    """Every face cropped with room around it, scaled to TILE px and tiled into one picture, with its boxes."""
    rows = -(-len(jobs) // columns)
    picture = np.zeros((rows * TILE, columns * TILE, 3), dtype=np.uint8)
    boxes = []
    for index, (image, (box,)) in enumerate(jobs):
        crop = box.grown(0.6).clipped(*image.shape[:2])
        factor = TILE / max(crop.width, crop.height)
        part = cv2.resize(image[crop.top : crop.bottom, crop.left : crop.right], None, fx=factor, fy=factor)
        part = part[:TILE, :TILE]
        top, left = (index // columns) * TILE, (index % columns) * TILE
        picture[top : top + part.shape[0], left : left + part.shape[1]] = part
        boxes.append(box.moved(-crop.top, -crop.left).scaled(factor).moved(top, left))
    return picture, boxes


def dlib_encode(image: Image, boxes: list[FaceBox]) -> NDArray[np.float64]:
    encodings = face_recognition.face_encodings(image, [box.as_tuple() for box in boxes])
    return np.asarray(encodings, dtype=np.float64).reshape(len(boxes), 128)


def timed(jobs: list[Job], encode: Callable[[Image, list[FaceBox]], NDArray[np.float64]]) -> tuple[float, list]:
    """Seconds for encoding every job, and the encodings."""
    started = time.perf_counter()
    results = [encode(image, boxes) for image, boxes in jobs]
    return time.perf_counter() - started, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="rounds per batch size, best kept (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1)")
    parser.add_argument("--cache-dir", type=Path, default=None, help=f"converted model (default {default_cache_dir()})")
    args = parser.parse_args(argv)
    import onnxruntime

    started = time.perf_counter()
    print(
        f"python {platform.python_version()}, onnxruntime {onnxruntime.__version__}, {os.cpu_count()} CPUs; "
        f"fast encoder on {args.threads} thread(s)"
    )
    building = time.perf_counter()
    encoder = FastEncoder(cache_dir=args.cache_dir, threads=args.threads)
    how = "converted dlib's model" if encoder.converted else "loaded the cached model"
    print(f"{how} in {time.perf_counter() - building:.2f} s ({encoder.cache_path})")

    singles = fixture_faces()
    batches = {1: singles, len(singles): [mosaic(singles)]}
    print(f"{len(singles)} faces from {len(PHOTOS)} photos; batch {len(singles)}: one {TILE * 4}x{TILE * 2} picture")

    header = f"{'batch':>5} {'faces':>5} {'dlib ms/face':>12} {'fast ms/face':>12} {'speed-up':>8} {'largest L2':>10}"
    print(header)
    print("-" * len(header))
    summary: dict[int, tuple[float, float]] = {}
    largest = 0.0
    for batch, jobs in batches.items():
        faces = sum(len(boxes) for _image, boxes in jobs)
        best_dlib = best_fast = float("inf")
        difference = 0.0
        encoder.encode(*jobs[0])  # warm-up (first run allocates the session's buffers)
        for _ in range(args.repeats):
            dlib_seconds, expected = timed(jobs, dlib_encode)
            fast_seconds, got = timed(jobs, encoder.encode)
            best_dlib, best_fast = min(best_dlib, dlib_seconds), min(best_fast, fast_seconds)
            for ours, theirs in zip(got, expected, strict=True):
                difference = max(difference, float(np.linalg.norm(ours - theirs, axis=1).max()))
        dlib_ms, fast_ms = 1000 * best_dlib / faces, 1000 * best_fast / faces
        summary[batch] = (dlib_ms, fast_ms)
        largest = max(largest, difference)
        print(
            f"{batch:>5} {faces:>5} {dlib_ms:>12.1f} {fast_ms:>12.2f} {dlib_ms / fast_ms:>7.1f}x {difference:>10.1e}",
            flush=True,
        )

    # Where the fast side's time goes: dlib's landmarks and chip, then the network alone.
    image, boxes = batches[len(singles)][0]
    chips = encoder.chips(image, boxes)
    chip_started = time.perf_counter()
    for _ in range(args.repeats):
        encoder.chips(image, boxes)
    chip_ms = 1000 * (time.perf_counter() - chip_started) / args.repeats / len(boxes)
    network_ms = {}
    for batch in (1, len(singles)):
        network_started = time.perf_counter()
        for _ in range(args.repeats):
            for start in range(0, len(chips), batch):
                encoder.encode_chips(chips[start : start + batch])
        network_ms[batch] = 1000 * (time.perf_counter() - network_started) / args.repeats / len(chips)
    print(
        f"fast encoder per face: landmarks + chip {chip_ms:.2f} ms, network {network_ms[1]:.2f} ms at batch 1 and "
        f"{network_ms[len(singles)]:.2f} ms at batch {len(singles)}"
    )
    print(f"elapsed {time.perf_counter() - started:.0f}s")

    speedups = {batch: dlib_ms / fast_ms for batch, (dlib_ms, fast_ms) in summary.items()}
    worst = min(speedups.values())
    status = "met" if worst >= TARGET_SPEEDUP else f"MISSED by {TARGET_SPEEDUP - worst:.1f}x"
    figures = ", ".join(
        f"{speedups[batch]:.1f}x at batch {batch} ({summary[batch][1]:.1f} vs {summary[batch][0]:.0f} ms/face)"
        for batch in summary
    )
    print(
        f"encoder: fast vs dlib {figures} (target >= {TARGET_SPEEDUP:g}x {status}); "
        f"largest L2 difference {largest:.1e} (limit {MAX_DIFFERENCE:g})"
    )
    return 0 if largest <= MAX_DIFFERENCE else 1


if __name__ == "__main__":
    sys.exit(main())
