from django.urls import path

from . import views

app_name = "leases"

urlpatterns = [
    path("leases/", views.lease_list, name="lease-list"),
    path("leases/<int:pk>/", views.lease_detail, name="lease-detail"),
    path("leases/<int:pk>/reservation/", views.lease_reservation, name="lease-reservation"),
    path("leases/<int:pk>/activate/", views.lease_activate, name="lease-activate"),
    path("leases/<int:pk>/cancel/", views.lease_cancel, name="lease-cancel"),
    path("leases/<int:pk>/origin/", views.lease_origin, name="lease-origin"),
]
