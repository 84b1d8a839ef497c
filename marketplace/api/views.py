from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import managed_organizations, organizations_for
from leases import services as lease_services
from leases.api.errors import lease_error_response
from leases.api.serializers import LeaseSerializer, RentSerializer
from leases.exceptions import LeaseError

from .. import services, verification
from ..choices import ListingStatus, VerificationStatus
from ..filters import ListingFilter
from ..models import IPBlock, Listing
from .serializers import BlockSerializer, ListingSerializer

# Actions that change a block or listing; only members who manage the holder may use them.
CHANGING_ACTIONS = ("update", "partial_update", "destroy", "publish", "pause", "withdraw", "verify")


def _protected_response(instance):
    return Response(
        {
            "detail": f"{instance} has leases, which are kept as history, so it cannot be deleted; "
            "withdraw the listing instead.",
            "code": "protected",
        },
        status=status.HTTP_409_CONFLICT,
    )


def _validation_error(error, field):
    return serializers.ValidationError({field: error.messages})


class BlockViewSet(viewsets.ModelViewSet):
    """The blocks of the user's organisations."""

    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["rir", "country", "verification_status", "holder"]
    ordering_fields = ["prefix", "created_at"]

    def get_queryset(self):
        user = self.request.user
        if self.action in CHANGING_ACTIONS:
            organizations = managed_organizations(user)
        else:
            organizations = organizations_for(user)
        return IPBlock.objects.filter(holder__in=organizations).select_related("listing").order_by("prefix")

    serializer_class = BlockSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.create_block(
                holder=data["holder"],
                prefix=data["prefix"],
                rir=data["rir"],
                country=data["country"],
                description=data.get("description", ""),
            )
        except DjangoValidationError as error:
            raise _validation_error(error, "prefix") from None

    def perform_update(self, serializer):
        block = serializer.instance
        for field, value in serializer.validated_data.items():
            if field != "prefix":
                setattr(block, field, value)
        try:
            services.save_block(block)
        except DjangoValidationError as error:
            raise _validation_error(error, "prefix") from None

    def destroy(self, request, *args, **kwargs):
        block = self.get_object()
        try:
            block.delete()
        except ProtectedError:
            return _protected_response(block)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: BlockSerializer, 202: BlockSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Start the ROA proof of the block.

        Returns 202 with the ROA to create in `roa_proof`, 200 when the
        current VRPs prove control at once, and 409 when the block is
        already verified.
        """
        block = self.get_object()
        try:
            verification.request_roa_proof(block)
        except DjangoValidationError as error:
            return Response(
                {"detail": " ".join(error.messages), "code": error.code},
                status=status.HTTP_409_CONFLICT,
            )
        if verification.is_pending_roa_proof(block):
            return Response(self.get_serializer(block).data, status=status.HTTP_202_ACCEPTED)
        return Response(self.get_serializer(block).data)


class ListingViewSet(viewsets.ModelViewSet):
    """Listings: anyone may search published ones; holders manage the listings of their blocks."""

    filterset_class = ListingFilter
    ordering_fields = ["price_per_ip_month", "published_at", "block__prefix"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        listings = Listing.objects.select_related("block__holder").order_by(
            "price_per_ip_month", "block__prefix"
        )
        user = self.request.user
        if self.action in CHANGING_ACTIONS:
            return listings.filter(block__holder__in=managed_organizations(user))
        if self.action == "rent":
            return listings.filter(status=ListingStatus.PUBLISHED)
        # A holder gets all of its own listings, and other listings only when they can be rented.
        published = listings.filter(
            status=ListingStatus.PUBLISHED, block__verification_status=VerificationStatus.VERIFIED
        )
        if user.is_authenticated:
            return published | listings.filter(block__holder__in=organizations_for(user))
        return published

    serializer_class = ListingSerializer

    def destroy(self, request, *args, **kwargs):
        listing = self.get_object()
        try:
            listing.delete()
        except ProtectedError:
            return _protected_response(listing)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _change_status(self, request, name):
        listing = self.get_object()
        try:
            services.change_listing_status(listing, name)
        except DjangoValidationError as error:
            # Returns the error's own code, such as "unverified" or "on_drop", when it has one.
            code = getattr(error, "code", None) or "status"
            return Response(
                {"detail": " ".join(error.messages), "code": code}, status=status.HTTP_409_CONFLICT
            )
        return Response(self.get_serializer(listing).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._change_status(request, "publish")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._change_status(request, "pause")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._change_status(request, "withdraw")

    @extend_schema(request=RentSerializer, responses={201: LeaseSerializer})
    @action(detail=True, methods=["post"])
    def rent(self, request, pk=None):
        """Rent the first free prefix of `prefix_length`: 201 with the lease, 409 when none is free."""
        listing = self.get_object()
        rent_request = RentSerializer(data=request.data, context={"request": request})
        rent_request.is_valid(raise_exception=True)
        data = rent_request.validated_data
        change = lease_services.rent if data["activate"] else lease_services.reserve
        try:
            lease = change(
                listing=listing,
                lessee=data["lessee"],
                prefix_length=data["prefix_length"],
                term=data["term"],
                origin_asn=data.get("origin_asn"),
                auto_renew=data["auto_renew"],
                user=request.user,
            )
        except LeaseError as error:
            return lease_error_response(error)
        return Response(
            LeaseSerializer(lease, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
