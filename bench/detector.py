"""Face detection: dlib's HOG (0 and 1 upsample) against RetinaFace on onnxruntime, in the same run.

Run: `make bench-detector` (or `.venv/bin/python -m bench.detector [--scenes N] [--repeats N]`; ~30 s).

- The small-face set (tests/support/small_faces.py): 640x360 classroom-like scenes, each with 6 faces of 24-80 px
  cut from the fixture portraits, and no other face, so every detection that lands on no pasted face is a false
  one. Faces found per size band and false detections, for each detector.
- Speed: ms per 640x360 frame over the same scenes. The detectors alternate scene by scene so that all see the
  same machine load; the best of ``--repeats`` rounds of each is kept.
- Parity: the faces each finds on the fixture photos (detected on the 1280 px copy, as FACE_DETECTOR does) and on
  every 3rd frame of the sample clip (640x360, as CAMERA_FACE_DETECTOR does), and how many of HOG's RetinaFace
  misses there (the default is RetinaFace only because that is none).

HOG is the detectors' own defaults (`FaceDetector(model="hog")`, colour): upsample 1 is what photos used, upsample
0 what a camera with large faces would use. The last line is the figure: RetinaFace's speed-up over HOG with one
upsample, and the recall of each at 24-40 px.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceBox, FaceDetector, load_image
from recognition.engine.detection import DEFAULT_DETECTION_MAX_SIDE
from recognition.engine.video import open_frames
from tests.support.images import FIXTURE_PHOTOS
from tests.support.small_faces import SIZE_BANDS, band_of, count_found, small_face_scenes

FACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
PHOTOS = FIXTURE_PHOTOS
CLIP_STEP = 3


def detectors() -> dict[str, FaceDetector]:
    return {
        "HOG, upsample 0": FaceDetector(model="hog", upsample=0),
        "HOG, upsample 1": FaceDetector(model="hog", upsample=1),
        "RetinaFace": FaceDetector(model="retinaface"),
    }


def covers(box: FaceBox, others: list[FaceBox]) -> bool:
    """Whether one of ``others`` has its centre inside ``box`` (the same face, as two detectors box it)."""
    return any(
        box.top <= (other.top + other.bottom) / 2 <= box.bottom
        and box.left <= (other.left + other.right) / 2 <= box.right
        for other in others
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenes", type=int, default=20, help="scenes of the small-face set (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds, best kept (default 3)")
    args = parser.parse_args(argv)
    import onnxruntime

    print(
        f"python {platform.python_version()}, onnxruntime {onnxruntime.__version__}, {os.cpu_count()} CPUs; "
        "one thread each"
    )
    scenes = small_face_scenes(count=args.scenes)
    print(f"small-face set: {len(scenes)} scenes of 640x360, {sum(len(s.faces) for s in scenes)} faces")
    found = detectors()
    for detector in found.values():
        detector.detect(scenes[0].image)  # warm-up: models load, sessions allocate

    best = dict.fromkeys(found, float("inf"))
    results: dict[str, list[list[FaceBox]]] = {}
    for _ in range(args.repeats):
        seconds = dict.fromkeys(found, 0.0)
        boxes: dict[str, list[list[FaceBox]]] = {name: [] for name in found}
        for scene in scenes:
            for name, detector in found.items():
                started = time.perf_counter()
                boxes[name].append(detector.detect(scene.image))
                seconds[name] += time.perf_counter() - started
        for name in found:
            best[name] = min(best[name], seconds[name])
        results = boxes

    bands = [f"{low}-{high - 1} px" for low, high in SIZE_BANDS]
    header = f"{'detector':<16} {'ms/frame':>8} " + " ".join(f"{band:>10}" for band in bands) + f" {'false':>5}"
    print(header)
    print("-" * len(header))
    recall_small: dict[str, float] = {}
    for name in found:
        hits = {band: [0, 0] for band in SIZE_BANDS}
        false = 0
        for scene, detected in zip(scenes, results[name], strict=True):
            hit, wrong = count_found(scene.faces, detected)
            false += wrong
            for face, was_found in zip(scene.faces, hit, strict=True):
                band = band_of(face.size)
                if band is not None:
                    hits[band][0] += was_found
                    hits[band][1] += 1
        counts = " ".join(f"{f'{got}/{total}':>10}" for got, total in hits.values())
        ms = 1000 * best[name] / len(scenes)
        print(f"{name:<16} {ms:>8.1f} {counts} {false:>5}")
        first_band = hits[SIZE_BANDS[0]]
        recall_small[name] = first_band[0] / max(first_band[1], 1)

    hog, retina = found["HOG, upsample 1"], found["RetinaFace"]
    print(f"\nfixture photos (detected on the {DEFAULT_DETECTION_MAX_SIDE} px copy): faces found, HOG 1 / RetinaFace")
    missed = 0
    for name in PHOTOS:
        image = load_image(FACES / name)
        by_hog, by_retina = hog.detect(image), retina.detect(image)
        lost = sum(not covers(box, by_retina) for box in by_hog)
        missed += lost
        print(f"  {name:<24} {len(by_hog)} / {len(by_retina)}" + (f"  ({lost} of HOG's missed)" if lost else ""))
    clip_hog = clip_retina = clip_lost = frames = 0
    camera_hog = FaceDetector(model="hog", upsample=1, grey=True)  # the cameras' HOG
    for index, (_timestamp, frame) in enumerate(open_frames(str(FACES / "short_hamilton_clip.mp4"), realtime=False)):
        if index % CLIP_STEP:
            continue
        frame_image: NDArray[np.uint8] = frame
        by_hog, by_retina = camera_hog.detect(frame_image), retina.detect(frame_image)
        frames += 1
        clip_hog += len(by_hog)
        clip_retina += len(by_retina)
        clip_lost += sum(not covers(box, by_retina) for box in by_hog)
    missed += clip_lost
    print(
        f"  clip, every {CLIP_STEP}rd frame ({frames}): {clip_hog} faces by HOG 1 (grey), {clip_retina} by RetinaFace, "
        f"{clip_lost} of HOG's missed by RetinaFace"
    )
    print(f"faces HOG found that RetinaFace did not, photos and clip: {missed}")

    speedup = best["HOG, upsample 1"] / best["RetinaFace"]
    print(
        f"RetinaFace {speedup:.1f}x faster than HOG with one upsample "
        f"({best['HOG, upsample 0'] / best['RetinaFace']:.1f}x than without) on 640x360 frames; "
        f"recall at 24-40 px: RetinaFace {recall_small['RetinaFace']:.0%}, "
        f"HOG 1 {recall_small['HOG, upsample 1']:.0%}, HOG 0 {recall_small['HOG, upsample 0']:.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
