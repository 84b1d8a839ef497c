from rest_framework.routers import DefaultRouter

from .views import BlockViewSet, ListingViewSet

app_name = "marketplace-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("blocks", BlockViewSet, basename="block")
router.register("listings", ListingViewSet, basename="listing")

urlpatterns = router.urls
