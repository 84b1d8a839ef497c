from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("leases/<int:pk>/ptr/", views.lease_ptr, name="lease-ptr"),
    path("leases/<int:pk>/zones/", views.lease_zones, name="lease-zones"),
]
