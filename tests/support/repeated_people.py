"""Real encodings of the fixture people photographed more than once, for the clustering tests.

Every face of tests/support/crowd.py's people (their enrol and clip shots: several photographs of Barack Obama,
Lin-Manuel Miranda and three people of the Hamilton clip's audience, one of the others) plus obama_small.jpg,
encoded with the face boxes crowd.py wrote down. Measured (Euclidean distances): a person's photos lie 0.07-0.43
apart, except Miranda's clip frame 102 (0.49 and 0.54 from his other two) and the audience man's frame 265
(0.48-0.52 from his other two); different people lie 0.42 and more apart, the blurred audience being the closest
(Michelle Obama - the audience woman 0.42-0.54, the audience woman - man 0.43-0.52): the hard case.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from recognition.engine import FaceDetector, load_image
from tests.support import crowd

#: Pairs of photos of one person closer than REVIEW_CLUSTER_DISTANCE (0.45) to each other: they must group.
TOGETHER = ("Barack Obama", "Michelle Obama", "Audience woman")


@functools.cache
def repeated_people(detector: FaceDetector) -> tuple[tuple[str, NDArray[np.float32]], ...]:
    """(name, encoding) of every face, a person's faces next to each other (~6 s on first call)."""
    shots = [(spec.name, shot) for spec in crowd.SPECS for shot in dict.fromkeys((*spec.enrol, spec.clip))]
    frames = crowd._clip_frames({shot.frame for _name, shot in shots if shot.frame is not None})
    faces = []
    for name, shot in shots:
        image = frames[shot.frame] if shot.frame is not None else load_image(crowd.FACES / shot.file)
        faces.append((name, np.asarray(detector.encode(image, [shot.box])[0], np.float32)))
    _boxes, small = detector.detect_and_encode(load_image(crowd.FACES / "obama_small.jpg"))
    faces.insert(3, ("Barack Obama", np.asarray(small[0], np.float32)))
    return tuple(faces)
