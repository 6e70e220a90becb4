"""Clustering unknown faces: a full run over 10,000 encodings and 100 new faces added incrementally, with purity.

Run: `make bench-review` (or `.venv/bin/python -m bench.review [--faces N] [--people N] [--new N] [--no-dlib]
[--database-url URL]`). With a PostgreSQL `--database-url` (or `DATABASE_URL`) the service is measured too, in a
throw-away database next to it (`<name>_bench_review`, created, then dropped).

The data (seeded, no model runs): dlib's 128-d encodings are not spread over the sphere, they lie in a cone (norms
~0.9-1, different people 0.6-0.9 apart, one person's photos 0.3-0.45), which is what is generated:

- a common mean vector (norm 0.75) plus, per person, a random direction times a spread drawn in 0.40-0.56: the
  person's centre;
- per face, the centre plus noise of norm 0.21-0.31 (a per-person range, +-20 % per face), 85 % isotropic and
  the rest in 8 directions shared by everybody (pose and light move everybody's encodings the same way);
- people appear unevenly (log-normal weights: some are seen every day, some once).

The bench prints the measured within- and between-person distances, so the model can be checked against real
ones (tests/support/repeated_people.py: 0.07-0.54 within, 0.42-1.04 between, on the fixtures).

Measured:

1. full run, `cluster_encodings` (numpy Chinese whispers) on all N faces: time, clusters, purity (the fraction of
   faces whose cluster's majority person is their own) and completeness (the fraction in their person's largest
   cluster);
2. dlib's `chinese_whispers_clustering` on the same faces (the graph built in C++ from Python lists): time and
   purity (skipped with --no-dlib);
3. incremental: the first N - new faces clustered, then `assign_incrementally` for the `new` last ones; purity of
   the whole result; against the naive way, a full run again for each new face (timed on 3, extrapolated);
4. with PostgreSQL: `recluster_all()` over the N - new faces stored, then `cluster_new_faces()` for the new ones
   stored after it (one transaction).

The last line is the figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from numpy.typing import NDArray

THRESHOLD = 0.45  # REVIEW_CLUSTER_DISTANCE
SHARED_DIRECTIONS = 8


def generate(faces: int, people: int, seed: int = 1) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """`faces` encodings of `people` people (see the module's docstring) and who each one is."""
    rng = np.random.default_rng(seed)
    dims = 128
    mean = rng.normal(size=dims)
    mean *= 0.75 / np.linalg.norm(mean)
    directions = rng.normal(size=(people, dims))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    centres = mean + rng.uniform(0.40, 0.56, size=people)[:, None] * directions
    weights = rng.lognormal(0.0, 0.8, size=people)
    who = rng.choice(people, size=faces, p=weights / weights.sum())
    shared = np.linalg.qr(rng.normal(size=(dims, SHARED_DIRECTIONS)))[0].T
    isotropic = rng.normal(size=(faces, dims))
    isotropic /= np.linalg.norm(isotropic, axis=1, keepdims=True)
    posed = rng.normal(size=(faces, SHARED_DIRECTIONS)) @ shared
    posed /= np.linalg.norm(posed, axis=1, keepdims=True)
    noise = 0.85 * isotropic + 0.53 * posed
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    spread = rng.uniform(0.21, 0.31, size=people)[who] * rng.uniform(0.8, 1.2, size=faces)
    return (centres[who] + spread[:, None] * noise).astype(np.float32), who.astype(np.int64)


def purity(labels: NDArray[np.int64], who: NDArray[np.int64]) -> float:
    """The fraction of faces whose cluster's majority person is their own."""
    base = int(who.max()) + 1
    pairs, counts = np.unique(labels.astype(np.int64) * base + who, return_counts=True)
    cluster_of_pair = pairs // base
    best = np.zeros(int(labels.max()) + 1, np.int64)
    np.maximum.at(best, cluster_of_pair, counts)
    return float(best.sum() / len(who))


def completeness(labels: NDArray[np.int64], who: NDArray[np.int64]) -> float:
    """The fraction of faces in their person's largest cluster (splitting a person lowers it)."""
    return purity(who, labels)


def distances(encodings: NDArray[np.float32], who: NDArray[np.int64]) -> str:
    rng = np.random.default_rng(0)
    sample = rng.choice(len(encodings), size=min(2000, len(encodings)), replace=False)
    x, w = encodings[sample], who[sample]
    matrix = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2), 0))
    same = (w[:, None] == w[None, :]) & ~np.eye(len(x), dtype=bool)
    within = np.percentile(matrix[same], [5, 50, 95])
    between = np.percentile(matrix[w[:, None] != w[None, :]], [0.1, 5, 50, 95])
    norms = np.linalg.norm(encodings, axis=1)
    return (
        f"norms {norms.mean():.2f} +- {norms.std():.2f}; same person p5/median/p95 "
        f"{within[0]:.2f}/{within[1]:.2f}/{within[2]:.2f}; different people p0.1/p5/median/p95 "
        f"{between[0]:.2f}/{between[1]:.2f}/{between[2]:.2f}/{between[3]:.2f}"
    )


def service(database_url: str, encodings: NDArray[np.float32], new: int) -> tuple[float, float, int]:
    """(recluster_all s, cluster_new_faces s for the new faces, groups) on PostgreSQL."""
    from bench.django_env import django_env

    with django_env("chamada-bench-review-", database_url=database_url, throwaway=True, migrate=True):
        from django.utils import timezone

        from recognition.models import FaceGroup, UnknownFace, pack_encoding
        from recognition.services.review_groups import cluster_new_faces, recluster_all

        now = timezone.now()

        def store(rows: NDArray[np.float32]) -> None:
            UnknownFace.objects.bulk_create(
                [
                    UnknownFace(source=UnknownFace.Source.CAMERA, encoding=pack_encoding(row), seen_at=now)
                    for row in rows
                ],
                batch_size=2000,
            )

        store(encodings[:-new])
        started = time.perf_counter()
        recluster_all()
        full_s = time.perf_counter() - started
        store(encodings[-new:])
        started = time.perf_counter()
        done = cluster_new_faces()
        incremental_s = time.perf_counter() - started
        assert done == new, done
        return full_s, incremental_s, FaceGroup.objects.count()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--no-dlib", action="store_true", help="skip dlib's chinese_whispers_clustering")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from recognition.engine.clustering import assign_incrementally, centroids_of, cluster_encodings

    encodings, who = generate(args.faces, args.people)
    people = len(np.unique(who))
    print(f"{args.faces} encodings of {people} people: {distances(encodings, who)}")

    cluster_encodings(encodings[:200], THRESHOLD)  # warm-up (numpy's first calls)
    started = time.perf_counter()
    labels = cluster_encodings(encodings, THRESHOLD)
    full_s = time.perf_counter() - started
    print(
        f"full run (numpy Chinese whispers): {full_s:.2f} s, {labels.max() + 1} clusters for {people} people, "
        f"purity {purity(labels, who):.4f}, completeness {completeness(labels, who):.4f}"
    )

    if not args.no_dlib:
        import dlib

        vectors = [dlib.vector(row.astype(float).tolist()) for row in encodings]
        started = time.perf_counter()
        dlib_labels = np.asarray(dlib.chinese_whispers_clustering(vectors, THRESHOLD), np.int64)
        dlib_s = time.perf_counter() - started
        print(
            f"dlib.chinese_whispers_clustering: {dlib_s:.2f} s ({dlib_s / full_s:.1f}x the numpy run), "
            f"{dlib_labels.max() + 1} clusters, purity {purity(dlib_labels, who):.4f}"
        )

    old, new = encodings[: -args.new], encodings[-args.new :]
    base = cluster_encodings(old, THRESHOLD)
    centroids, sizes = centroids_of(old, base)
    started = time.perf_counter()
    step = assign_incrementally(centroids, sizes, new, THRESHOLD)
    incremental_s = time.perf_counter() - started
    combined = np.concatenate([base, step.labels])
    incremental_purity = purity(combined, who)
    print(
        f"incremental: {args.new} new faces in {incremental_s * 1000:.1f} ms ({step.opened} new groups), "
        f"{len(step.centroids)} clusters, purity {incremental_purity:.4f}, "
        f"completeness {completeness(combined, who):.4f}"
    )
    started = time.perf_counter()
    for count in range(1, 4):  # the naive way: everything again for each new face
        cluster_encodings(encodings[: len(old) + count], THRESHOLD)
    naive_s = (time.perf_counter() - started) / 3
    print(
        f"naive (a full run per new face): {naive_s:.2f} s a face, {naive_s * args.new:.0f} s for {args.new} "
        f"(extrapolated from 3): {naive_s * args.new / incremental_s:,.0f}x the incremental step"
    )

    from bench.django_env import database_beside

    database_url = database_beside(args.database_url, "bench_review")
    if database_url:
        recluster_s, service_s, groups = service(database_url, encodings, args.new)
        print(
            f"service on PostgreSQL: recluster_all over {len(old)} stored faces {recluster_s:.2f} s; "
            f"cluster_new_faces for {args.new} new ones {service_s * 1000:.0f} ms; {groups} groups"
        )
    else:
        print("service: skipped (no PostgreSQL --database-url / DATABASE_URL)")

    print(
        f"review: {args.new} new faces in {incremental_s * 1000:.1f} ms incrementally (full run {full_s:.1f} s), "
        f"purity {incremental_purity:.2f}, {len(step.centroids)} clusters for {people} people"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
