"""API of the organisation's own profile, documents and screening results.

Querysets are scoped to the user's organisations, so another
organisation's objects return 404. Changes need a managing role.
"""

from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.access import can_manage, organizations_for

from .. import services
from ..documents import store_document
from ..exceptions import KycError
from ..models import ClientProfile, ProfileDocument, Screening
from ..views import document_response
from .serializers import DocumentSerializer, KeyPersonSerializer, ProfileSerializer, ScreeningSerializer


def _require_manager(user, organization):
    if not can_manage(user, organization):
        raise PermissionDenied("Only owners, administrators and technical contacts can change the profile.")


class ProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        for organization in organizations_for(self.request.user).exclude(kyc_profile__isnull=False):
            services.profile_for(organization)
        return ClientProfile.objects.filter(organization__in=organizations_for(self.request.user)).select_related(
            "organization"
        ).prefetch_related("people").order_by("pk")

    def perform_update(self, serializer):
        profile = serializer.instance
        _require_manager(self.request.user, profile.organization)
        try:
            services.update_profile(profile, serializer.validated_data, user=self.request.user)
        except KycError as exc:
            raise ValidationError({"detail": exc.message}) from None

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        profile = self.get_object()
        _require_manager(request.user, profile.organization)
        try:
            services.submit(profile, user=request.user)
        except KycError as exc:
            raise ValidationError({"detail": exc.message}) from None
        return Response(ProfileSerializer(profile).data)

    @action(detail=True, methods=["post"], url_path="people")
    def add_person(self, request, pk=None):
        profile = self.get_object()
        _require_manager(request.user, profile.organization)
        serializer = KeyPersonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(profile=profile)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="documents")
    def upload_document(self, request, pk=None):
        profile = self.get_object()
        _require_manager(request.user, profile.organization)
        serializer = DocumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            document = store_document(
                profile, serializer.validated_data["file"], kind=serializer.validated_data["kind"], user=request.user
            )
        except KycError as exc:
            raise ValidationError({"file": [exc.message]}) from None
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DocumentSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return ProfileDocument.objects.filter(
            profile__organization__in=organizations_for(self.request.user)
        ).order_by("-uploaded_at", "-pk")

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return document_response(get_object_or_404(self.get_queryset(), pk=pk))


class ScreeningViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ScreeningSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Screening.objects.filter(organization__in=organizations_for(self.request.user)).order_by(
            "-created_at", "-pk"
        )
