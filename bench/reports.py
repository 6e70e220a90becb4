"""The class diary's reports: a classroom's month diary and the whole school's semester CSV.

Run: `make bench-reports` (or `.venv/bin/python -m bench.reports [--students N] [--classrooms N]
[--database-url URL]`). Sets up a throw-away SQLite database (or the PostgreSQL database given, which it empties),
generates a school with bulk_create (1,000 students in 30 classrooms, the first of 40 students; five lessons each
weekday of a semester ending last month; presences, late arrivals, absences and some justified days), then times
the month diary of the 40-student classroom (about 100 lessons) and the semester's school CSV, through the API and
through the services, against a naive version that queries per student (its presences, its justifications, for the
CSV its enrollments and its classroom's lessons) in the same run, and checks both give the same numbers. The last
line gives both times and the speed-ups (target 5x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.django_env import django_env

TARGET_SPEEDUP = 5.0
SLOTS = [(dt.time(7, 30), dt.time(8, 20)), (dt.time(8, 20), dt.time(9, 10)), (dt.time(9, 10), dt.time(10, 0))]
SLOTS += [(dt.time(10, 20), dt.time(11, 10)), (dt.time(11, 10), dt.time(12, 0))]
SUBJECTS = ["Matemática", "Português", "História", "Geografia", "Ciências", "Inglês", "Educação Física", "Artes"]
FIRST = ["Ana", "João", "Conceição", "Luís", "Márcia", "Thiago", "Beatriz", "Otávio", "Lúcia", "Sérgio", "Ângela"]
LAST = ["Silva", "Souza", "Gonçalves", "Araújo", "Conceição", "Simões", "Magalhães", "Guimarães", "Brandão", "Lima"]


def best(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def generate(students: int, classrooms: int, semester: tuple[dt.date, dt.date]) -> dict[str, Any]:
    from django.contrib.auth.models import Group, User

    from attendance.models import Justification, Presence, PresenceSource, PresenceStatus
    from school.models import SECRETARIES_GROUP, Classroom, Enrollment, Lesson, Student

    rng = random.Random(7)
    year = dt.date.today().year
    rooms = Classroom.objects.bulk_create(
        [
            Classroom(code=f"{index // 10 + 1}A{index:02d}", name=f"Turma {index}", school_year=year)
            for index in range(classrooms)
        ]
    )
    people = Student.objects.bulk_create(
        [
            Student(
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}", registration=f"B{index:06d}"
            )
            for index in range(students)
        ]
    )
    first_size = min(40, students)
    members: dict[int, list[Student]] = {rooms[0].pk: people[:first_size]}
    rest = people[first_size:]
    for index, room in enumerate(rooms[1:]):
        members[room.pk] = rest[index :: len(rooms) - 1]
    Enrollment.objects.bulk_create(
        [
            Enrollment(student=s, classroom_id=room_id, school_year=year)
            for room_id, group in members.items()
            for s in group
        ]
    )
    start, end = semester
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    days = [day for day in days if day.weekday() < 5]
    lessons = Lesson.objects.bulk_create(
        [
            Lesson(
                classroom=room,
                date=day,
                start_time=begin,
                end_time=finish,
                subject=SUBJECTS[(day.weekday() * len(SLOTS) + slot + index) % len(SUBJECTS)],
            )
            for index, room in enumerate(rooms)
            for day in days
            for slot, (begin, finish) in enumerate(SLOTS)
        ],
        batch_size=5000,
    )
    presences = []
    for lesson in lessons:
        for student in members[lesson.classroom_id]:
            draw = rng.random()
            if draw < 0.85:
                status, source = PresenceStatus.PRESENT, PresenceSource.CAMERA
            elif draw < 0.92:
                status, source = PresenceStatus.LATE, PresenceSource.KIOSK
            elif draw < 0.97:
                status, source = PresenceStatus.ABSENT, PresenceSource.SYSTEM
            else:
                continue  # no row: absent too (or justified)
            presences.append(Presence(lesson=lesson, student=student, status=status, source=source))
    Presence.objects.bulk_create(presences, batch_size=10000)
    Justification.objects.bulk_create(
        [
            Justification(
                student=s, start_date=(day := rng.choice(days)), end_date=day + dt.timedelta(days=2), reason="Atestado"
            )
            for s in people
            if rng.random() < 0.1
        ]
    )
    secretary = User.objects.create(username="bench-secretary", is_staff=True)
    secretary.groups.add(Group.objects.get(name=SECRETARIES_GROUP))
    return {"classroom": rooms[0], "lessons": len(lessons), "presences": len(presences), "secretary": secretary}


# --- The naive versions: the same definition (frequency.py's), queried per student --------------------------------
def _naive_marks(student: Any, lessons: list[Any]) -> Any:
    from attendance.models import Justification, Presence, PresenceStatus
    from attendance.services.frequency import Tally

    statuses = dict(
        Presence.objects.filter(student=student, lesson__in=[lesson.pk for lesson in lessons]).values_list(
            "lesson_id", "status"
        )
    )
    covered = list(Justification.objects.filter(student=student).values_list("start_date", "end_date"))
    one = Tally()
    for lesson in lessons:
        status = statuses.get(lesson.pk)
        if status == PresenceStatus.PRESENT:
            one.add("present", lesson.pk)
        elif status == PresenceStatus.LATE:
            one.add("late", lesson.pk)
        elif any(begin <= lesson.date <= finish for begin, finish in covered):
            one.add("justified", lesson.pk)
        else:
            one.add("absent", lesson.pk)
    return one


def naive_diary(classroom: Any, month: dt.date) -> list[tuple[Any, ...]]:
    from attendance.services.frequency import enrolled_in, held_lessons
    from attendance.services.reports import month_bounds

    first, last = month_bounds(month)
    lessons = list(held_lessons(first, last, classroom_ids=[classroom.pk]))
    rows = []
    for student in enrolled_in([classroom.pk], on=first):
        one = _naive_marks(student, lessons)
        rows.append((student.registration, one.present, one.late, one.absent, one.justified, one.frequency))
    return rows


def naive_school_csv(start: dt.date, end: dt.date) -> bytes:
    from django.db.models import F

    from attendance.services.frequency import held_lessons
    from attendance.services.report_exports import school_csv
    from attendance.services.reports import SchoolRow, minimum_percent
    from school.models import Classroom, Enrollment, Student

    rows = []
    for student in Student.objects.filter(active=True).order_by("pk"):
        for enrollment in Enrollment.objects.filter(
            student=student, school_year=F("classroom__school_year"), classroom__active=True
        ).select_related("classroom"):
            classroom: Classroom = enrollment.classroom
            lessons = list(held_lessons(start, end, classroom_ids=[classroom.pk]))
            if not lessons:
                continue
            one = _naive_marks(student, lessons)
            rows.append(
                SchoolRow(classroom=classroom, student=student, tally=one, below_minimum=one.below(minimum_percent()))
            )
    rows.sort(key=lambda row: (row.classroom.code, row.student.full_name, row.student.pk))
    return school_csv(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--classrooms", type=int, default=30)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (emptied first); default: SQLite")
    args = parser.parse_args(argv)
    with django_env(
        "chamada-bench-",
        database_url=args.database_url,
        env={"ALLOWED_HOSTS": "testserver", "LANGUAGE_CODE": "pt-br"},
    ):
        return _bench(args)


def _bench(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation
    from rest_framework.test import APIClient

    from attendance.services.report_exports import school_csv
    from attendance.services.reports import classroom_diary, school_rows

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    today = dt.date.today()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # last month: every lesson held
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = (month - dt.timedelta(days=140)).replace(day=1)  # a semester: five months and a bit
    started = time.perf_counter()
    school = generate(args.students, args.classrooms, (start, end))
    classroom = school["classroom"]
    print(
        f"{args.students} students, {args.classrooms} classrooms, {school['lessons']} lessons from {start} to {end}, "
        f"{school['presences']} presences ({connection.vendor}; generated in {time.perf_counter() - started:.1f} s)"
    )
    translation.activate("pt-br")
    client = APIClient()
    client.force_authenticate(school["secretary"])

    diary = classroom_diary(classroom, month)
    mine = [
        (r.student.registration, r.tally.present, r.tally.late, r.tally.absent, r.tally.justified, r.frequency)
        for r in diary.rows
    ]
    if mine != naive_diary(classroom, month):
        raise SystemExit("the diary and the naive diary disagree")
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        classroom_diary(classroom, month)
    diary_url = f"/api/reports/classrooms/{classroom.code}/diary?month={month:%Y-%m}"
    http_diary, response = best(lambda: client.get(diary_url), 5)
    assert response.status_code == 200
    service_diary, _ = best(lambda: classroom_diary(classroom, month), 5)
    naive_diary_s, _ = best(lambda: naive_diary(classroom, month), 3)
    print(
        f"month diary of {classroom.code} ({len(diary.rows)} students, {len(diary.lessons)} lessons): "
        f"{len(queries)} queries; API {http_diary * 1000:.0f} ms, service {service_diary * 1000:.0f} ms, "
        f"naive {naive_diary_s * 1000:.0f} ms"
    )

    csv_url = f"/api/reports/school.csv?from={start}&to={end}"
    http_csv, response = best(lambda: client.get(csv_url), 2)
    assert response.status_code == 200
    service_csv, content = best(lambda: school_csv(school_rows(start, end)), 2)
    naive_csv_s, naive_content = best(lambda: naive_school_csv(start, end), 1)
    if content != naive_content or content != response.content:
        raise SystemExit("the school CSV and the naive CSV differ")
    lines = content.count(b"\n") - 1
    print(
        f"semester school CSV ({lines} rows, {len(content) // 1024} KiB): API {http_csv:.2f} s, "
        f"service {service_csv:.2f} s, naive {naive_csv_s:.2f} s"
    )
    diary_speedup = naive_diary_s / service_diary
    csv_speedup = naive_csv_s / service_csv
    ok = min(diary_speedup, csv_speedup) >= TARGET_SPEEDUP and http_diary < 0.2 and http_csv < 5
    print(
        f"month diary {http_diary * 1000:.0f} ms (target < 200 ms), {diary_speedup:.1f}x the naive per-student "
        f"version; semester CSV {http_csv:.2f} s (target < 5 s), {csv_speedup:.1f}x; target {TARGET_SPEEDUP:.0f}x: "
        f"{'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
