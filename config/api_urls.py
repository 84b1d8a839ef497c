"""The REST API: each app's routes under /api/, plus the schema and Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("leases.api.urls")),
    path("abuse/", include("abuse.api.urls")),
    path("kyc/", include("kyc.api.urls")),
    path("rpki/", include("rpki.api.urls")),
    path("monitoring/", include("monitoring.api.urls")),
]
