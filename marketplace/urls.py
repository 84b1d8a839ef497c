from django.urls import path

from . import views

app_name = "marketplace"

urlpatterns = [
    path("market/", views.listing_search, name="listing-search"),
    path("market/<int:pk>/", views.listing_detail, name="listing-detail"),
    path("market/<int:pk>/rent/", views.listing_rent, name="listing-rent"),
    path("blocks/", views.block_list, name="block-list"),
    path("blocks/new/", views.block_create, name="block-create"),
    path("blocks/<int:pk>/", views.block_detail, name="block-detail"),
    path("blocks/<int:pk>/verify/", views.block_verify, name="block-verify"),
    path("blocks/<int:pk>/listing/", views.listing_edit, name="listing-edit"),
    # Listed before the generic status route, which would match it too. A
    # GET shows the confirmation page, and a POST withdraws.
    path("listings/<int:pk>/withdraw/", views.listing_withdraw, name="listing-withdraw"),
    path(
        "listings/<int:pk>/<str:action>/", views.listing_status, name="listing-status"
    ),
    path("holder/leases/", views.holder_leases, name="holder-leases"),
]
