"""The class diary's reports: the API (JSON, CSV, PDF) and the staff pages."""

from django.urls import path

from attendance import report_views, reports_api

app_name = "reports"

urlpatterns = [
    # The downloads first: "<registration>.csv" would otherwise read as a registration number.
    path("api/reports/classrooms/<str:code>/diary", reports_api.ClassroomDiaryView.as_view(), name="api-diary"),
    path("api/reports/classrooms/<str:code>/diary.csv", reports_api.ClassroomDiaryCsvView.as_view(), name="diary-csv"),
    path("api/reports/classrooms/<str:code>/diary.pdf", reports_api.ClassroomDiaryPdfView.as_view(), name="diary-pdf"),
    path("api/reports/students/<str:registration>.csv", reports_api.StudentReportCsvView.as_view(), name="student-csv"),
    path("api/reports/students/<str:registration>.pdf", reports_api.StudentReportPdfView.as_view(), name="student-pdf"),
    path("api/reports/students/<str:registration>", reports_api.StudentReportView.as_view(), name="api-student"),
    path("api/reports/school.csv", reports_api.SchoolCsvView.as_view(), name="school-csv"),
    path("reports/", report_views.overview_page, name="overview"),
    path("reports/classrooms/<str:code>/diary/", report_views.diary_page, name="diary"),
    path("reports/students/<str:registration>/", report_views.student_page, name="student"),
]
