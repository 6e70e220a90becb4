"""Video throughput: the camera pipeline (FramePipeline) against the naive per-frame loop, on the Hamilton clip.

Run: `make bench-stream` (or `.venv/bin/python -m bench.stream`; about two and a half minutes).

The clip (640x360, 29.97 fps, 275 frames) is decoded once; both loops get the same list of (timestamp, RGB frame)
and only the analysis is timed. Enrolled: the four portraits (Lin-Manuel Miranda, Obama, Biden, Alex Lacamoire),
encoded once, outside the timing, for both.

- naive: for every sampled frame, `face_recognition.face_locations` (HOG, one upsample, full resolution) and
  `face_encodings`, then `face_distance` against the portraits; an identity counts as soon as one face of one frame
  is within the tolerance of its nearest portrait.
- pipeline (default): `FramePipeline` with the `PipelineConfig` defaults (2 frames/s, 640 px detection, motion
  skipping, one encoding per track and re-checks, decision over >= 2 recognitions) and the cameras' default
  detector: RetinaFace, with the fast encoder (CAMERA_FACE_DETECTOR=retinaface, FACE_ENCODER=fast): the figure of
  the last line. Two variants show where the time went before: HOG on a grey copy with one upsample and its
  shallow/deep scan split (CAMERA_FACE_DETECTOR=hog), with the fast encoder and with dlib's own.

Where the time goes (one core here): RetinaFace ~10-15 ms a 640x360 frame, one fast encoding ~6 ms; HOG ~49 ms a
frame with one upsample (grey), ~12 ms without; one dlib encoding ~75 ms (the prebuilt dlib has no BLAS). The
naive loop spends ~19 x 70 + 13 x 75 ms on the 19 frames sampled at 2/s. RetinaFace finds more faces than HOG
(the audience, a 26 px face at the start), so the default pipeline encodes more of them and still costs a fraction
of HOG's scans.

Then a crowded room (tests/support/crowd.py): a generated 640x480 classroom, 20 s at 10 frames/s, 12 real,
distinct people of 45-70 px at desks, drifting slowly, several photos for some; 5 enrolled in classroom A, 3 in
classroom B, 4 nowhere (look-alikes among them). The pipeline matches within A's roster, as a camera does; the
naive loop compares every face of each sampled frame with A's photos. Target: 10x the naive loop, faster than
real time at 2 frames/s on one core, and exactly A's people marked.

Two sample rates: the default 2 frames/s (the frames the pipeline's own schedule picks; the naive loop analyses
exactly those) and 30 frames/s, where both analyse every frame of the clip. Throughput is sampled frames per second
of analysis; frames the pipeline skips as still count as handled (both loops were given them). The last line is
the summary at the default rate.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import cv2
import face_recognition
import numpy as np
from numpy.typing import NDArray

from recognition.engine import (
    FaceDetector,
    FramePipeline,
    FrameSampler,
    Matcher,
    PipelineConfig,
    load_image,
    open_frames,
)
from recognition.engine.fast_encoder import FastEncoder
from tests.support.crowd import crowd_clip

FACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
CLIP = FACES / "short_hamilton_clip.mp4"
PEOPLE = {
    1: ("Lin-Manuel Miranda", "lin-manuel-miranda.png"),
    2: ("Barack Obama", "obama.jpg"),
    3: ("Joe Biden", "biden.jpg"),
    4: ("Alex Lacamoire", "alex-lacamoire.png"),
}
TARGET_SPEEDUP = 5.0
CROWD_TARGET_SPEEDUP = 10.0
EVERY_FRAME_FPS = 30.0  # above the clip's 29.97: the schedule then picks every frame

Frames = list[tuple[float, NDArray[np.uint8]]]


@dataclass
class Result:
    label: str
    sampled: int  # frames the loop was given to analyse
    analysed: int  # frames that went through detection
    encoded: int  # faces encoded
    seconds: float
    identities: frozenset[str]

    @property
    def fps(self) -> float:
        return self.sampled / self.seconds


def enrolled(detector: FaceDetector) -> tuple[list[int], NDArray[np.float32]]:
    ids = list(PEOPLE)
    encodings = [detector.detect_and_encode(load_image(FACES / PEOPLE[i][1]), max_faces=1)[1][0] for i in ids]
    return ids, np.vstack(encodings)


def sample(frames: Frames, config: PipelineConfig) -> Frames:
    """The frames the pipeline's own schedule picks (so the naive loop analyses exactly the same ones)."""
    sampler = FrameSampler(config.sample_fps)
    return [(timestamp, frame) for timestamp, frame in frames if sampler.offer(timestamp)]


def run_naive(
    frames: Frames,
    ids: list[int],
    encodings: NDArray[np.float32],
    tolerance: float,
    name: Callable[[int], str] = lambda student_id: PEOPLE[student_id][0],
) -> Result:
    """face_recognition on every frame; anyone within ``tolerance`` of one of ``encodings`` (rows of ``ids``) counts."""
    known = encodings.astype(np.float64)
    found: set[str] = set()
    encoded = 0
    started = time.perf_counter()
    for _timestamp, frame in frames:
        locations = face_recognition.face_locations(frame)
        for encoding in face_recognition.face_encodings(frame, locations):
            encoded += 1
            distances = face_recognition.face_distance(known, encoding)
            best = int(np.argmin(distances))
            if distances[best] <= tolerance:
                found.add(name(ids[best]))
    seconds = time.perf_counter() - started
    return Result("naive", len(frames), len(frames), encoded, seconds, frozenset(found))


def run_pipeline(
    label: str, frames: Frames, detector: FaceDetector, config: PipelineConfig, matcher: Matcher
) -> Result:
    pipeline = FramePipeline(detector, lambda: matcher, config)
    found: set[str] = set()
    started = time.perf_counter()
    for timestamp, frame in frames:
        for identification in pipeline.process(frame, timestamp).identifications:
            found.add(PEOPLE[identification.student_id][0])
    seconds = time.perf_counter() - started
    stats = pipeline.stats
    # Frames given to the analysis: the ones the schedule picked (analysed, or skipped as unchanged).
    sampled = stats.analysed + stats.skipped_still
    return Result(label, sampled, stats.analysed, stats.faces_encoded, seconds, frozenset(found))


@dataclass
class CrowdResult:
    naive: Result
    pipeline: Result
    duration: float  # seconds of video
    expected: frozenset[str]  # classroom A's people, all in the room


def crowd_room(detector: FaceDetector, config: PipelineConfig) -> CrowdResult:
    """The crowded classroom (tests/support/crowd.py): classroom A's people must be marked, and nobody else.

    Enrolled: every A and B person's enrol photos (several for some); the pipeline matches within classroom A's
    roster, as a camera does. The naive loop compares with classroom A's photos only (what a user with one class's
    photos would do), and marks anyone within the tolerance of one of them in any sampled frame."""
    clip = crowd_clip()
    people = {index: person for index, person in enumerate(clip.people, start=1) if person.classroom}
    ids: list[int] = []
    rows: list[NDArray[np.float32]] = []
    for student_id, person in people.items():
        for photo in person.enrol_photos:
            _boxes, encodings = detector.detect_and_encode(photo, max_faces=1)
            ids.extend([student_id] * len(encodings))
            rows.extend(encodings)
    matcher = Matcher(ids, np.vstack(rows))
    classroom = frozenset(student_id for student_id, person in people.items() if person.classroom == "A")
    names = {student_id: person.name for student_id, person in people.items()}
    picked = sample(clip.frames, config)

    known = np.vstack([row for row, student_id in zip(rows, ids, strict=True) if student_id in classroom])
    known_ids = [student_id for student_id in ids if student_id in classroom]
    naive = run_naive(picked, known_ids, known, config.tolerance, names.__getitem__)

    pipeline = FramePipeline(detector, lambda: matcher, config, scope=lambda: classroom)
    found: set[str] = set()
    started = time.perf_counter()
    for timestamp, frame in clip.frames:
        for identification in pipeline.process(frame, timestamp).identifications:
            found.add(names[identification.student_id])
    seconds = time.perf_counter() - started
    stats = pipeline.stats
    ours = Result(
        "pipeline (default)",
        stats.analysed + stats.skipped_still,
        stats.analysed,
        stats.faces_encoded,
        seconds,
        frozenset(found),
    )
    expected = frozenset(names[student_id] for student_id in classroom)
    return CrowdResult(naive, ours, clip.frames[-1][0] - clip.frames[0][0], expected)


def best_of(repeats: int, run: Callable[[], Result]) -> Result:
    results = [run() for _ in range(repeats)]
    return min(results, key=lambda result: result.seconds)


def names(result: Result) -> str:
    return names_of(result.identities)


def names_of(identities: frozenset[str]) -> str:
    return "{" + ", ".join(sorted(identities)) + "}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3, help="runs at 2 frames/s, best kept (default 3)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(
        f"python {platform.python_version()}, opencv {cv2.__version__}, {os.cpu_count()} CPUs; "
        f"clip {CLIP.name}, decoding once"
    )
    frames: Frames = list(open_frames(str(CLIP), realtime=False))
    height, width = frames[0][1].shape[:2]
    duration = frames[-1][0]
    print(f"{len(frames)} frames of {width}x{height}, {duration:.2f} s of media time; enrolled: 4 portraits")
    encoder = FastEncoder()
    # What cameras.services.recognition builds by default (CAMERA_FACE_DETECTOR=retinaface, FACE_ENCODER=fast), and
    # with CAMERA_FACE_DETECTOR=hog, then the same with dlib's own encoder (the defaults before the fast engine).
    cameras = FaceDetector(model="retinaface", encoder=encoder)
    hog = FaceDetector(model="hog", upsample=1, grey=True, encoder=encoder)
    hog_dlib = FaceDetector(model="hog", upsample=1, grey=True)
    ids, encodings = enrolled(cameras)
    matcher = Matcher(ids, encodings)
    defaults = PipelineConfig()

    header = (
        f"{'sample rate':<12} {'loop':<34} {'sampled':>7} {'analysed':>8} {'encoded':>7} {'seconds':>8} "
        f"{'frames/s':>8} {'vs naive':>8}  identities"
    )
    print(header)
    print("-" * len(header))
    # rate label -> (naive, default pipeline, HOG pipeline)
    summary: dict[str, tuple[Result, Result, Result]] = {}
    for rate_label, config, repeats in (
        (f"{defaults.sample_fps:g}/s", defaults, args.repeats),
        ("every frame", replace(defaults, sample_fps=EVERY_FRAME_FPS), 1),
    ):
        picked = sample(frames, config)
        naive = best_of(repeats, partial(run_naive, picked, ids, encodings, defaults.tolerance))
        variants = [
            ("pipeline (default: RetinaFace)", cameras, config),
            ("pipeline (HOG, fast encoder)", hog, config),
            ("pipeline (HOG, dlib's encoder)", hog_dlib, config),
        ]
        results = [
            best_of(repeats, partial(run_pipeline, label, frames, detector, variant, matcher))
            for label, detector, variant in variants
        ]
        # The pipeline is handed every decoded frame and schedules itself: it must have picked the same frames.
        assert all(result.sampled == len(picked) for result in results), [result.sampled for result in results]
        for result in (naive, *results):
            print(
                f"{rate_label:<12} {result.label:<34} {result.sampled:>7} {result.analysed:>8} {result.encoded:>7} "
                f"{result.seconds:>8.2f} {result.fps:>8.1f} {result.fps / naive.fps:>7.1f}x  {names(result)}",
                flush=True,
            )
        summary[rate_label] = (naive, results[0], results[1])

    verdicts = []
    for rate_label, (naive, ours, _fast) in summary.items():
        speedup = ours.fps / naive.fps
        fewer = naive.identities - ours.identities
        status = "met" if speedup >= TARGET_SPEEDUP else f"MISSED by {TARGET_SPEEDUP - speedup:.1f}x"
        extra = f"; identities missing: {sorted(fewer)}" if fewer else ""
        verdicts.append(f"{rate_label}: {speedup:.1f}x (target {TARGET_SPEEDUP:g}x {status}){extra}")
    print("target >= 5x and never fewer identities, default settings -> " + "; ".join(verdicts))
    naive, production, with_hog = summary[f"{defaults.sample_fps:g}/s"]
    print(
        f"keeping up with the 29.97 frames/s stream: the pipeline at its default rate handles {len(frames)} stream "
        f"frames in {production.seconds:.2f} s ({len(frames) / production.seconds:.0f} stream frames/s)"
    )

    crowd_started = time.perf_counter()
    crowd = crowd_room(cameras, defaults)
    room = crowd.pipeline
    crowd_speedup = room.fps / crowd.naive.fps
    realtime = crowd.duration / room.seconds
    exact = room.identities == crowd.expected
    print(
        f"\ncrowded room (tests/support/crowd.py: 640x480, {crowd.duration:.0f} s at 10 frames/s, 12 people, 45-70 px; "
        f"classroom A = {names_of(crowd.expected)}), at {defaults.sample_fps:g} frames/s, "
        f"{time.perf_counter() - crowd_started:.0f} s:"
    )
    for result in (crowd.naive, room):
        print(
            f"  {result.label:<20} {result.sampled:>4} sampled {result.encoded:>5} encoded {result.seconds:>7.2f} s "
            f"{result.fps:>6.1f} frames/s {result.fps / crowd.naive.fps:>5.1f}x  marked {names(result)}"
        )
    crowd_status = "met" if crowd_speedup >= CROWD_TARGET_SPEEDUP and realtime > 1.0 and exact else "MISSED"
    print(
        f"  target >= {CROWD_TARGET_SPEEDUP:g}x, faster than real time, exactly classroom A marked: {crowd_status} "
        f"({crowd_speedup:.1f}x, {realtime:.1f}x real time, {'exactly A' if exact else 'NOT exactly A'})"
    )
    print(f"elapsed {time.perf_counter() - started:.0f}s")
    # The last line is the figure for the cameras' default settings, so that what is quoted is what a school gets.
    print(
        f"stream: pipeline {production.fps:.1f} frames/s vs naive {naive.fps:.1f} frames/s "
        f"({production.fps / naive.fps:.1f}x; {with_hog.fps / naive.fps:.1f}x with CAMERA_FACE_DETECTOR=hog), "
        f"identities pipeline={names(production)} naive={names(naive)}; crowded room {crowd_speedup:.1f}x the naive "
        f"loop, {realtime:.1f}x real time, {'exactly classroom A marked' if exact else 'NOT exactly classroom A'}"
    )
    no_fewer = all(naive.identities <= ours.identities for naive, ours, _ in summary.values())
    return 0 if no_fewer and exact else 1


if __name__ == "__main__":
    sys.exit(main())
