from django.urls import path

from . import views

app_name = "rpki"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("blocks/<int:pk>/", views.block_detail, name="block-detail"),
    path("leases/<int:pk>/", views.lease_detail, name="lease-detail"),
    path("leases/<int:pk>/max-length/", views.request_max_length, name="lease-max-length"),
]
