"""Who may follow a classroom's attendance: its teachers, and the secretaries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from school.models import SECRETARIES_GROUP, Classroom


def is_secretary(user: Any) -> bool:
    return bool(user.is_superuser or user.groups.filter(name=SECRETARIES_GROUP).exists())


def can_follow(user: Any, classroom: Classroom) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return is_secretary(user) or classroom.teachers.filter(pk=user.pk).exists()


def followed_classrooms(user: Any) -> QuerySet[Classroom]:
    classrooms = Classroom.objects.filter(active=True)
    return classrooms if is_secretary(user) else classrooms.filter(teachers=user)
