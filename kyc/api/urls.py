from rest_framework.routers import SimpleRouter

from .views import DocumentViewSet, ProfileViewSet, ScreeningViewSet

app_name = "kyc-api"

router = SimpleRouter()
router.register("profiles", ProfileViewSet, basename="profile")
router.register("documents", DocumentViewSet, basename="document")
router.register("screenings", ScreeningViewSet, basename="screening")

urlpatterns = router.urls
