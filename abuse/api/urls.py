from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "abuse-api"

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("public-report/", views.PublicReportView.as_view(), name="public-report"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    *router.urls,
]
