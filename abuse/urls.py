from django.urls import path

from . import views

app_name = "abuse"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/respond/", views.case_respond, name="case-respond"),
    path("report/", views.report_form, name="report-form"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("reports/<int:pk>/raw/", views.report_raw, name="report-raw"),
]
