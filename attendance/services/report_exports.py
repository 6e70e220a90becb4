"""The reports as files: CSV for spreadsheets (UTF-8 with a BOM, ``;``-separated, as Excel in pt-BR reads them) and
PDF (fpdf2, its core Helvetica: the Latin-1 text of pt-BR)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from attendance.services.frequency import Mark, Tally
from attendance.services.reports import Diary, SchoolRow, StudentReport

__all__ = [
    "MARK_ABBREVIATIONS",
    "MARK_LABELS",
    "diary_csv",
    "diary_pdf",
    "school_csv",
    "student_csv",
    "student_pdf",
]

MARK_LABELS = {
    "present": gettext_lazy("Present"),
    "late": gettext_lazy("Late"),
    "absent": gettext_lazy("Absent"),
    "justified": gettext_lazy("Justified"),
}
MARK_ABBREVIATIONS = {
    "present": pgettext_lazy("diary mark", "P"),
    "late": pgettext_lazy("diary mark", "L"),
    "absent": pgettext_lazy("diary mark", "A"),
    "justified": pgettext_lazy("diary mark", "J"),
}


def percent(value: float | None) -> str:
    """One decimal in the active language's format ("66,7" in pt-BR); empty when no lesson was held."""
    return "" if value is None else formats.number_format(value, 1)


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _mark(mark: Mark | None) -> str:
    return "" if mark is None else str(MARK_LABELS[mark])


# --- CSV -----------------------------------------------------------------------------------------------------------
def _csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(cell) for cell in header])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _tally_header() -> list[str]:
    return [
        _("Lessons held"),
        _("Present"),
        _("Late"),
        _("Absent"),
        _("Justified"),
        _("Frequency (%)"),
        _("Below the minimum"),
    ]


def _tally_cells(one: Tally, below: bool) -> list[str]:
    return [
        str(one.held),
        str(one.present),
        str(one.late),
        str(one.absent),
        str(one.justified),
        percent(one.frequency),
        yes_no(below),
    ]


def diary_csv(diary: Diary) -> bytes:
    """One row per student: the totals, then one column per lesson (its date, time and subject) with the mark."""
    header = [_("Registration"), _("Name"), *_tally_header()]
    header += [
        f"{formats.date_format(lesson.date, 'SHORT_DATE_FORMAT')} {lesson.start_time:%H:%M} {lesson.subject}"
        for lesson in diary.lessons
    ]
    rows = (
        [row.student.registration, row.student.full_name, *_tally_cells(row.tally, row.below_minimum)]
        + [_mark(mark) for mark in row.marks]
        for row in diary.rows
    )
    return _csv(header, rows)


def student_csv(report: StudentReport) -> bytes:
    """One row per subject and one for the whole period, then the lessons missed."""
    rows: list[list[str]] = [
        [subject, *_tally_cells(one, report.subject_below(subject))] for subject, one in report.subjects.items()
    ]
    rows.append([_("All subjects"), *_tally_cells(report.overall, report.below_minimum)])
    rows.append([])
    rows.append([_("Lessons missed"), _("Date"), _("Classroom"), _("Mark")])
    rows += [
        [
            missed.lesson.subject,
            formats.date_format(missed.lesson.date, "SHORT_DATE_FORMAT"),
            missed.lesson.classroom.code,
            _mark(missed.mark),
        ]
        for missed in report.missed
    ]
    return _csv([_("Subject"), *_tally_header()], rows)


def school_csv(rows: Iterable[SchoolRow]) -> bytes:
    header = [_("Classroom"), _("Registration"), _("Name"), *_tally_header()]
    return _csv(
        header,
        (
            [
                row.classroom.code,
                row.student.registration,
                row.student.full_name,
                *_tally_cells(row.tally, row.below_minimum),
            ]
            for row in rows
        ),
    )


# --- PDF -----------------------------------------------------------------------------------------------------------
def _latin1(text: Any) -> str:
    """The core PDF fonts speak Latin-1 (every letter of Portuguese); other letters lose their accents."""
    text = str(text)
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        text = "".join(
            char
            if ord(char) < 256
            else unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1") or "?"
            for char in text
        )
    return text


class _Document:
    def __init__(self, title: str, subtitle: str, *, landscape: bool = False) -> None:
        from fpdf import FPDF  # imported where it is used: only the processes that make PDFs load it

        self.pdf = FPDF(orientation="L" if landscape else "P", format="A4")
        self.pdf.set_title(_latin1(title))
        self.pdf.set_creator("Chamada")
        self.pdf.set_auto_page_break(auto=True, margin=12)
        self.pdf.add_page()
        self.pdf.set_font("Helvetica", "B", 14)
        self.pdf.cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("Helvetica", "", 10)
        self.pdf.cell(0, 6, _latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font("Helvetica", "B", 11)
        self.pdf.cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def line(self, text: str) -> None:
        self.pdf.set_font("Helvetica", "", 9)
        self.pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]) -> None:
        self.pdf.set_font("Helvetica", "", 8)
        with self.pdf.table(
            col_widths=tuple(widths), text_align="LEFT", line_height=4.5, first_row_as_headings=True
        ) as table:
            heading = table.row()
            for cell in header:
                heading.cell(_latin1(cell))
            for values in rows:
                row = table.row()
                for cell in values:
                    row.cell(_latin1(cell))

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _short_tally_header() -> list[str]:
    return [_("Held"), _("Present"), _("Late"), _("Absent"), _("Justified"), _("Frequency (%)"), _("Below the minimum")]


def diary_pdf(diary: Diary) -> bytes:
    """The diary's totals per student, then the lessons held (the mark grid is in the CSV and on the page)."""
    classroom = diary.classroom
    title = _("Class diary: %(code)s, %(month)s") % {
        "code": classroom.code,
        "month": formats.date_format(diary.month, "YEAR_MONTH_FORMAT"),
    }
    totals = diary.totals
    subtitle = _("%(name)s. Lessons held: %(held)s. Frequency: %(frequency)s%%. Minimum: %(minimum)s%%.") % {
        "name": classroom.name,
        "held": len(diary.lessons),
        "frequency": percent(totals.frequency) or "-",
        "minimum": percent(diary.minimum),
    }
    document = _Document(title, subtitle, landscape=True)
    document.table(
        [_("Registration"), _("Name"), *_short_tally_header()],
        (
            [row.student.registration, row.student.full_name, *_tally_cells(row.tally, row.below_minimum)[:7]]
            for row in diary.rows
        ),
        widths=[24, 80, 16, 16, 16, 16, 18, 22, 26],
    )
    document.heading(_("Lessons held"))
    document.table(
        [_("Date"), _("Time"), _("Subject")],
        (
            [
                formats.date_format(lesson.date, "SHORT_DATE_FORMAT"),
                f"{lesson.start_time:%H:%M}-{lesson.end_time:%H:%M}",
                lesson.subject,
            ]
            for lesson in diary.lessons
        ),
        widths=[30, 30, 120],
    )
    return document.output()


def student_pdf(report: StudentReport) -> bytes:
    student = report.student
    title = _("Attendance report: %(name)s") % {"name": student.full_name}
    subtitle = _("Registration %(registration)s, from %(start)s to %(end)s. Minimum: %(minimum)s%%.") % {
        "registration": student.registration,
        "start": formats.date_format(report.start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(report.end, "SHORT_DATE_FORMAT"),
        "minimum": percent(report.minimum),
    }
    document = _Document(title, subtitle)
    rows = [[subject, *_tally_cells(one, report.subject_below(subject))] for subject, one in report.subjects.items()]
    rows.append([_("All subjects"), *_tally_cells(report.overall, report.below_minimum)])
    document.table([_("Subject"), *_short_tally_header()], rows, widths=[46, 14, 16, 14, 16, 18, 22, 24])
    document.heading(_("Lessons missed"))
    if report.missed:
        document.table(
            [_("Date"), _("Classroom"), _("Subject"), _("Mark")],
            (
                [
                    formats.date_format(missed.lesson.date, "SHORT_DATE_FORMAT"),
                    missed.lesson.classroom.code,
                    missed.lesson.subject,
                    _mark(missed.mark),
                ]
                for missed in report.missed
            ),
            widths=[30, 30, 90, 30],
        )
    else:
        document.line(_("No lesson missed."))
    return document.output()
