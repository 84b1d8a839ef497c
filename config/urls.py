from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("marketplace.urls")),
    path("", include("leases.urls")),
    path("abuse/", include("abuse.urls")),
    path("kyc/", include("kyc.urls")),
    path("rpki/", include("rpki.urls")),
    path("monitoring/", include("monitoring.urls")),
]
