"""Import students and their enrollments from a CSV file.

Columns (header row required, `,` or `;` separated, UTF-8 with or without BOM):
    registration, full_name, classroom        required
    birth_date                                optional, YYYY-MM-DD or DD/MM/YYYY
    biometric_consent                         optional, sim/não, yes/no, 1/0 (empty keeps the current value); yes
                                              grants the current terms, given by the row's guardian if any
    active                                    optional, same values (default yes)
    image_consent                             optional, same values (empty keeps the current value)
    guardian_name, guardian_relation,         optional: one guardian of the student per row (name required when
    guardian_email, guardian_phone,           any of the others is given; notifications sim/não, default yes);
    guardian_notifications                    matched to the student's guardians by name or e-mail, so importing
                                              the file again updates them instead of adding them twice

A registration already in the database updates that student; appearing twice in one file is an error. Every row is
validated first; any error aborts the whole import, so a file is imported completely or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from school.models import Classroom, ConsentKind, Enrollment, Guardian, Student
from school.services.consent import ConsentError, grant_consent, withdraw_consent

REQUIRED_COLUMNS = ("registration", "full_name", "classroom")
GUARDIAN_COLUMNS = ("guardian_name", "guardian_relation", "guardian_email", "guardian_phone", "guardian_notifications")
OPTIONAL_COLUMNS = ("birth_date", "biometric_consent", "active", "image_consent", *GUARDIAN_COLUMNS)
GUARDIAN_LIMITS = {"guardian_name": 160, "guardian_relation": 40, "guardian_email": 254, "guardian_phone": 32}
TRUE_WORDS = {"1", "sim", "s", "yes", "y", "true", "verdadeiro", "x"}
FALSE_WORDS = {"0", "não", "nao", "n", "no", "false", "falso"}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class RosterImportError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class ImportReport:
    students_created: int = 0
    students_updated: int = 0
    enrollments_created: int = 0
    guardians_created: int = 0
    guardians_updated: int = 0
    rows: int = 0


@dataclass(frozen=True)
class _Guardian:
    name: str
    relation: str
    email: str
    phone: str
    notifications: bool | None


@dataclass(frozen=True)
class _Row:
    line: int
    registration: str
    full_name: str
    classroom: Classroom
    birth_date: dt.date | None
    consent: bool | None
    active: bool
    image_consent: bool | None
    guardian: _Guardian | None


def import_roster(source: TextIO | bytes | str, *, recorded_by: User | AnonymousUser | None = None) -> ImportReport:
    """Validate every row of the CSV `source`, then write them all in one transaction."""
    rows = _parse(_as_text(source))
    user = recorded_by if isinstance(recorded_by, User) else None
    report = ImportReport(rows=len(rows))
    with transaction.atomic():
        existing = {
            s.registration: s
            for s in Student.objects.select_for_update().filter(registration__in=[row.registration for row in rows])
        }
        guardians: dict[int, list[Guardian]] = {}
        for guardian in Guardian.objects.filter(student__in=list(existing.values())).order_by("pk"):
            guardians.setdefault(guardian.student_id, []).append(guardian)
        for row in rows:
            student = existing.get(row.registration)
            if student is None:
                student = Student(registration=row.registration)
                report.students_created += 1
            else:
                report.students_updated += 1
            student.full_name = row.full_name
            student.active = row.active
            if row.birth_date is not None:
                student.birth_date = row.birth_date
            student.full_clean(validate_unique=False)
            student.save()
            _enrollment, created = Enrollment.objects.get_or_create(
                student=student, classroom=row.classroom, school_year=row.classroom.school_year
            )
            report.enrollments_created += created
            row_guardian = None
            if row.guardian is not None:
                row_guardian, created = _save_guardian(student, row.guardian, guardians.setdefault(student.pk, []))
                report.guardians_created += created
                report.guardians_updated += not created
            _record_consents(row, student, row_guardian, user)
    return report


def _record_consents(row: _Row, student: Student, guardian: Guardian | None, user: User | None) -> None:
    """The row's consents, through the consent service: given by the row's guardian, else by "roster import".

    Only a change is recorded: a consent already given is not renewed to newer terms by a spreadsheet (that needs
    the guardian's acceptance of them), and withdrawing biometric consent is refused in validation.
    """
    given_by = "" if guardian else _("roster import")
    try:
        if row.consent and not student.biometric_consent:
            grant_consent(student, ConsentKind.BIOMETRIC, guardian=guardian, given_by=given_by, recorded_by=user)
        if row.image_consent and not student.image_consent:
            grant_consent(student, ConsentKind.IMAGE, guardian=guardian, given_by=given_by, recorded_by=user)
        elif row.image_consent is False and student.image_consent:
            withdraw_consent(student, ConsentKind.IMAGE, guardian=guardian, given_by=given_by, recorded_by=user)
    except ConsentError as error:
        raise RosterImportError([RowError(row.line, error.detail)]) from None


def _save_guardian(student: Student, wanted: _Guardian, known: list[Guardian]) -> tuple[Guardian, bool]:
    """Create or update the student's guardian that has ``wanted``'s name or e-mail; the guardian, and True when
    created."""
    name = wanted.name.casefold()
    email = wanted.email.casefold()
    guardian = next(
        (g for g in known if " ".join(g.name.split()).casefold() == name or (email and g.email.casefold() == email)),
        None,
    )
    created = guardian is None
    if guardian is None:
        guardian = Guardian(student=student)
        known.append(guardian)
    guardian.name = wanted.name
    # An empty cell keeps what the school already knows.
    guardian.relation = wanted.relation or guardian.relation
    guardian.email = wanted.email or guardian.email
    guardian.phone = wanted.phone or guardian.phone
    if wanted.notifications is not None:
        guardian.notifications = wanted.notifications
    guardian.full_clean()
    guardian.save()
    return guardian, created


def _as_text(source: TextIO | bytes | str) -> str:
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RosterImportError([RowError(1, _("the file is not UTF-8 text"))]) from None
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    return source.read().removeprefix("\ufeff")


def _parse(text: str) -> list[_Row]:
    if not text.strip():
        raise RosterImportError([RowError(1, _("the file is empty"))])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise RosterImportError([RowError(1, _("missing columns: %(columns)s") % {"columns": ", ".join(missing)})])
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise RosterImportError([RowError(1, _("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})])

    records = [(reader.line_num, record) for record in reader]
    classrooms = Classroom.objects.in_bulk(
        {(record.get("classroom") or "").strip() for _line, record in records}, field_name="code"
    )
    consenting = set(
        Student.objects.filter(
            registration__in=[(r.get("registration") or "").strip() for _l, r in records], biometric_consent=True
        ).values_list("registration", flat=True)
    )
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, record in records:
        values = {key: (value or "").strip() for key, value in record.items() if key}
        if not any(values.values()):
            continue  # blank line
        row_errors = list(_row_errors(line, values, classrooms, seen, consenting))
        if row_errors:
            errors.extend(row_errors)
            continue
        seen[values["registration"]] = line
        rows.append(
            _Row(
                line=line,
                registration=values["registration"],
                full_name=" ".join(values["full_name"].split()),
                classroom=classrooms[values["classroom"]],
                birth_date=_parse_date(values.get("birth_date", "")),
                consent=_parse_bool(values.get("biometric_consent", "")),
                active=_parse_bool(values.get("active", "")) is not False,
                image_consent=_parse_bool(values.get("image_consent", "")),
                guardian=_guardian(values),
            )
        )
    if errors:
        raise RosterImportError(errors)
    if not rows:
        raise RosterImportError([RowError(1, _("the file has no students"))])
    return rows


def _row_errors(
    line: int, values: dict[str, str], classrooms: dict[str, Classroom], seen: dict[str, int], consenting: set[str]
) -> Iterable[RowError]:
    registration = values.get("registration", "")
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            yield RowError(line, _("%(column)s is empty") % {"column": column})
    if len(registration) > 32:
        yield RowError(line, _("registration is longer than 32 characters"))
    if registration and registration in seen:
        yield RowError(
            line,
            _("registration %(registration)s already appears on line %(line)s")
            % {"registration": registration, "line": seen[registration]},
        )
    if len(values.get("full_name", "")) > 160:
        yield RowError(line, _("full_name is longer than 160 characters"))
    code = values.get("classroom", "")
    if code and code not in classrooms:
        yield RowError(line, _("unknown classroom %(code)s") % {"code": code})
    raw_date = values.get("birth_date", "")
    if raw_date and _parse_date(raw_date) is None:
        yield RowError(line, _("birth_date %(value)s is not a date (YYYY-MM-DD or DD/MM/YYYY)") % {"value": raw_date})
    for column in ("biometric_consent", "active", "image_consent", "guardian_notifications"):
        raw = values.get(column, "")
        if raw and _parse_bool(raw) is None:
            yield RowError(line, _("%(column)s %(value)s is not yes or no") % {"column": column, "value": raw})
    if _parse_bool(values.get("biometric_consent", "")) is False and registration in consenting:
        # Withdrawal deletes face data, which deserves a deliberate action in the admin, not a spreadsheet cell.
        yield RowError(line, _("withdrawing biometric consent must be done in the student's page"))
    yield from _guardian_errors(line, values)


def _guardian_errors(line: int, values: dict[str, str]) -> Iterable[RowError]:
    if any(values.get(column) for column in GUARDIAN_COLUMNS) and not values.get("guardian_name"):
        yield RowError(line, _("guardian_name is empty but the row has other guardian columns"))
    for column, limit in GUARDIAN_LIMITS.items():
        if len(values.get(column, "")) > limit:
            yield RowError(
                line, _("%(column)s is longer than %(limit)s characters") % {"column": column, "limit": limit}
            )
    email = values.get("guardian_email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            yield RowError(line, _("guardian_email %(value)s is not an e-mail address") % {"value": email})


def _guardian(values: dict[str, str]) -> _Guardian | None:
    name = " ".join(values.get("guardian_name", "").split())
    if not name:
        return None
    return _Guardian(
        name=name,
        relation=values.get("guardian_relation", ""),
        email=values.get("guardian_email", ""),
        phone=values.get("guardian_phone", ""),
        notifications=_parse_bool(values.get("guardian_notifications", "")),
    )


def _parse_date(raw: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _parse_bool(raw: str) -> bool | None:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
