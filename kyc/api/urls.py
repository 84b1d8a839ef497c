from rest_framework.routers import DefaultRouter

from .views import DocumentViewSet, ProfileViewSet, ScreeningViewSet

router = DefaultRouter()
router.register("profiles", ProfileViewSet, basename="kyc-profile")
router.register("documents", DocumentViewSet, basename="kyc-document")
router.register("screenings", ScreeningViewSet, basename="kyc-screening")

urlpatterns = router.urls
