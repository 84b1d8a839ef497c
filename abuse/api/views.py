"""REST API of the abuse desk.

Report intake takes the request body as it is, stores it, then parses it,
so a body that fails to parse is still kept as evidence. The response
gives the parse error. Case endpoints show a user only the cases of its organisations.
"""

import django_filters
from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import actions, metrics
from ..access import by_next_deadline, can_answer, case_events, disclosed_event, visible_cases, with_address_summary
from ..choices import Channel
from ..intake import ReportTooLarge, receive, report_too_large, reparse
from ..models import Case, Report
from ..throttling import ReportFormThrottle
from .severity import SeverityFilter
from .serializers import (
    CaseDetailSerializer,
    CaseSerializer,
    EventSerializer,
    PublicReportReceiptSerializer,
    ReportSerializer,
    ResponseSerializer,
    SimpleReportSerializer,
)


class RawJSONParser(BaseParser):
    """Leaves the body as bytes, so that it is stored exactly as sent.

    It reads one byte past ABUSE_MAX_REPORT_BYTES at most: enough for the
    intake to reject an oversized body, without holding all of it.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        return stream.read(settings.ABUSE_MAX_REPORT_BYTES + 1)


class RawBodyParser(RawJSONParser):
    """Takes a body of any other content type as bytes, so it is stored and read as JSON, not rejected with 415.

    The report keeps the content type it was sent with, as evidence.
    """

    media_type = "*/*"


def _intake_response(request, channel, source, reporter_email="", serializer_class=None):
    # RawJSONParser returns bytes; DRF returns an empty dict for an empty body.
    body = request.data if isinstance(request.data, bytes) else b""
    if len(body) > settings.ABUSE_MAX_REPORT_BYTES:
        # The parser stopped reading one byte past the limit.
        size = request.META.get("CONTENT_LENGTH") or f"more than {settings.ABUSE_MAX_REPORT_BYTES}"
        return Response({"detail": str(report_too_large(size))}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    try:
        report = receive(
            channel=channel, source=source, raw=body, content_type=request.content_type or "application/json",
            submitted_by=request.user if request.user.is_authenticated else None, reporter_email=reporter_email,
        )
    except ReportTooLarge as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    code = status.HTTP_400_BAD_REQUEST if report.status == "failed" else status.HTTP_201_CREATED
    serializer_class = serializer_class or ReportSerializer
    return Response(serializer_class(report).data, status=code)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reports: submit XARF v4 or simple JSON; list your own submissions (staff see all)."""

    serializer_class = ReportSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [RawJSONParser, RawBodyParser]
    filterset_fields = ["status", "channel"]

    def get_queryset(self):
        reports = Report.objects.defer("raw").order_by("-received_at", "-pk")
        if getattr(self, "swagger_fake_view", False):
            return reports.none()
        if self.request.user.is_staff:
            return reports
        return reports.filter(submitted_by=self.request.user)

    @extend_schema(request=SimpleReportSerializer, responses={201: ReportSerializer, 400: ReportSerializer})
    def create(self, request):
        return _intake_response(request, Channel.API, request.user.get_username())

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def reparse(self, request, pk=None):
        report = get_object_or_404(Report, pk=pk)
        return Response(ReportSerializer(reparse(report)).data)


class PublicReportView(APIView):
    """Anonymous reports in the simple JSON form, throttled per client address."""

    permission_classes = [AllowAny]
    throttle_classes = [ReportFormThrottle]
    parser_classes = [RawJSONParser, RawBodyParser]

    @extend_schema(request=SimpleReportSerializer,
                   responses={201: PublicReportReceiptSerializer, 400: PublicReportReceiptSerializer})
    def post(self, request):
        return _intake_response(request, Channel.FORM, "public api",
                                serializer_class=PublicReportReceiptSerializer)


class CaseFilter(django_filters.FilterSet):
    severity = SeverityFilter(help_text="A severity by name: low, medium, high or critical.")

    class Meta:
        model = Case
        fields = ["state", "category", "severity", "queue"]


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases of the user's organisations, as lessee or holder, with the deadlines to meet."""

    permission_classes = [IsAuthenticated]
    filterset_class = CaseFilter
    ordering_fields = ["next_due", "resolution_due_at", "response_due_at", "opened_at", "severity"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        cases = visible_cases(self.request.user).select_related("lease", "lessee", "holder")
        return with_address_summary(by_next_deadline(cases))

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action != "list" else CaseSerializer

    @extend_schema(responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, pk=None):
        """Page through the case's events, oldest first, with the reporter withheld."""
        case = self.get_object()
        page = self.paginate_queryset(case_events(case))
        events = [disclosed_event(event) for event in page]
        return self.get_paginated_response(EventSerializer(events, many=True).data)

    def _answer(self, request, change):
        case = self.get_object()
        if not can_answer(request.user, case):
            raise NotFound("No case matches the given query.")
        serializer = ResponseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            case = change(case, serializer.validated_data["text"])
        except actions.CaseActionError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(request=None, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._answer(request, lambda case, text: actions.acknowledge(case, user=request.user))

    @extend_schema(request=ResponseSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def message(self, request, pk=None):
        return self._answer(
            request, lambda case, text: actions.post_message(case, user=request.user, text=text, from_lessee=True)
        )

    @extend_schema(request=ResponseSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def mitigation(self, request, pk=None):
        return self._answer(request, lambda case, text: actions.describe_mitigation(case, user=request.user, text=text))

    @extend_schema(request=ResponseSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="mark-mitigated")
    def mark_mitigated(self, request, pk=None):
        return self._answer(request, lambda case, text: actions.mark_mitigated(case, user=request.user, text=text))


class MetricsView(APIView):
    """Staff metrics: cases per category per month, median handling times, open and breached counts."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: OpenApiResponse(description="Metrics as JSON")})
    def get(self, request):
        try:
            months = metrics.months_from(request.query_params.get("months"))
        except ValueError as exc:
            raise ValidationError({"months": str(exc)}) from None
        return Response(metrics.collect(months=months))
