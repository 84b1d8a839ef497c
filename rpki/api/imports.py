"""Staff uploads of VRP sets and route observations, for validators and collectors that push files."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..checks import check_routes
from ..imports import import_routes, import_vrps
from ..parsers import ParseError


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A VRP export (JSON or CSV), or route observations (CSV or `bgpdump -m`).")


class UploadView(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser, FormParser]
    importer = None

    @extend_schema(request=UploadSerializer, responses={201: None})
    def post(self, request):
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            return Response({"file": [f"{upload.name} is not UTF-8 text; upload the validator's text output."]},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            summary = self.run(text, upload.name, request.user)
        except ParseError as exc:
            return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(summary, status=status.HTTP_201_CREATED)


class VrpUploadView(UploadView):
    """Replace the current VRP set with an uploaded export and validate the observed routes again."""

    def run(self, text, filename, user):
        record = import_vrps(text, filename=filename, user=user)
        findings = check_routes()
        return {"import": record.pk, "format": record.format, "vrps": record.row_count,
                "skipped": record.skipped_count, "findings": len(findings)}


class RouteUploadView(UploadView):
    """Import route observations, validate those touching platform space and record findings."""

    def run(self, text, filename, user):
        record, observations = import_routes(text, filename=filename, user=user)
        findings = check_routes(observations)
        return {"import": record.pk, "format": record.format, "routes": record.row_count,
                "skipped": record.skipped_count, "findings": [finding.pk for finding in findings]}
