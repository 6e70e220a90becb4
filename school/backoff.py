"""The wait before the next try of something that failed (an alert delivery, an absence e-mail): exponential, capped,
with jitter so that what failed together does not all come back at the same second."""

from __future__ import annotations

import random


def backoff_delay(attempts: int, *, base_s: float, max_s: float) -> float:
    """Seconds before attempt ``attempts + 1``: base * 2^(attempts-1), capped at ``max_s``, with 10 % jitter."""
    delay = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.9, 1.1))
