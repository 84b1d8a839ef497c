from rest_framework.routers import SimpleRouter

from . import views

app_name = "monitoring-api"

router = SimpleRouter()
router.register("ptr-records", views.PtrAssignmentViewSet, basename="ptr-record")
router.register("ptr-changes", views.PtrChangeViewSet, basename="ptr-change")
router.register("flags", views.PtrFlagViewSet, basename="flag")
router.register("listings", views.BlocklistListingViewSet, basename="listing")
router.register("leases", views.LeaseZoneViewSet, basename="lease")

urlpatterns = router.urls
