"""Camera processors and kiosk workers detect faces in threads of one process at the same time. dlib's HOG detector
lets go of the GIL while it scans, so each thread must have its own: shared, it corrupted memory and crashed the
web server under load. Here several threads detect at once and every answer is the single-threaded one."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceDetector
from recognition.engine.detection import hog_detector


def test_each_thread_has_its_own_detector() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(hog_detector())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(detector) for detector in seen}) == 3
    assert hog_detector() is hog_detector()  # and keeps it


def test_threads_detecting_at_once_get_the_same_faces(
    fixture_image: Callable[[str], NDArray[np.uint8]],
) -> None:
    detector = FaceDetector(max_side=640, upsample=1, grey=True)
    images = [fixture_image(name) for name in ("obama.jpg", "two_people.jpg", "biden.jpg", "alex-lacamoire.png")]
    expected = [detector.detect(image) for image in images]
    answers: list[list[object]] = [[] for _ in range(4)]

    def work(index: int) -> None:
        for _round in range(6):
            answers[index].append(detector.detect(images[index]))

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for index, found in enumerate(answers):
        assert found == [expected[index]] * 6
