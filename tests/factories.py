"""factory_boy factories for the models of every app."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from school.models import (
    SECRETARIES_GROUP,
    TEACHERS_GROUP,
    Classroom,
    Enrollment,
    Lesson,
    LessonSchedule,
    Student,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="pt_BR")
    last_name = factory.Faker("last_name", locale="pt_BR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class SecretaryFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def groups(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        self.groups.add(Group.objects.get(name=SECRETARIES_GROUP))


class TeacherFactory(UserFactory):
    @factory.post_generation
    def groups(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        self.groups.add(Group.objects.get(name=TEACHERS_GROUP))

    @factory.post_generation
    def classrooms(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            self.classrooms.set(extracted)


class ClassroomFactory(factory.django.DjangoModelFactory[Classroom]):
    class Meta:
        model = Classroom
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n % 3 + 1}A{chr(65 + n % 26)}.{n}")
    name = factory.LazyAttribute(lambda c: f"Turma {c.code}")
    school_year = factory.LazyFunction(lambda: timezone.localdate().year)


class StudentFactory(factory.django.DjangoModelFactory[Student]):
    class Meta:
        model = Student

    full_name = factory.Faker("name", locale="pt_BR")
    registration = factory.Sequence(lambda n: f"{2024000 + n}")
    biometric_consent = False

    class Params:
        consenting = factory.Trait(biometric_consent=True, biometric_consent_at=factory.LazyFunction(timezone.now))


class EnrollmentFactory(factory.django.DjangoModelFactory[Enrollment]):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(StudentFactory)
    classroom = factory.SubFactory(ClassroomFactory)
    school_year = factory.LazyAttribute(lambda e: e.classroom.school_year)


class LessonScheduleFactory(factory.django.DjangoModelFactory[LessonSchedule]):
    class Meta:
        model = LessonSchedule

    classroom = factory.SubFactory(ClassroomFactory)
    weekday = 0
    start_time = dt.time(7, 30)
    end_time = dt.time(8, 20)
    subject = "Matemática"


class LessonFactory(factory.django.DjangoModelFactory[Lesson]):
    class Meta:
        model = Lesson

    classroom = factory.SubFactory(ClassroomFactory)
    date = factory.LazyFunction(timezone.localdate)
    start_time = dt.time(7, 30)
    end_time = dt.time(8, 20)
    subject = "Matemática"
