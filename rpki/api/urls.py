from django.urls import path
from rest_framework.routers import SimpleRouter

from .imports import RouteUploadView, VrpUploadView

from .views import BlockStateViewSet, LeaseStateViewSet, PublishedRoaViewSet, RoaChangeViewSet

app_name = "rpki-api"

router = SimpleRouter()
router.register("roas", PublishedRoaViewSet, basename="roa")
router.register("roa-changes", RoaChangeViewSet, basename="roa-change")
router.register("blocks", BlockStateViewSet, basename="block-state")
router.register("leases", LeaseStateViewSet, basename="lease-state")

urlpatterns = [
    path("imports/vrps/", VrpUploadView.as_view(), name="vrp-upload"),
    path("imports/routes/", RouteUploadView.as_view(), name="route-upload"),
    *router.urls,
]
