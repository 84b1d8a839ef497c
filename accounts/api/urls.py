from rest_framework.routers import DefaultRouter

from .views import OrganizationViewSet

app_name = "accounts-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = router.urls
