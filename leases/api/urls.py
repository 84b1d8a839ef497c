from rest_framework.routers import DefaultRouter

from .views import LeaseViewSet

app_name = "leases-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("leases", LeaseViewSet, basename="lease")

urlpatterns = router.urls
