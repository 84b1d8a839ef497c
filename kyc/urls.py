from django.urls import path

from . import staff_views, views

app_name = "kyc"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("edit/", views.profile_edit, name="profile-edit"),
    path("submit/", views.submit, name="submit"),
    path("people/", views.person_add, name="person-add"),
    path("people/<int:pk>/delete/", views.person_delete, name="person-delete"),
    path("documents/", views.document_upload, name="document-upload"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("abuse-contact/resend/", views.resend_confirmation, name="resend-confirmation"),
    path("abuse-contact/confirm/<str:token>/", views.confirm_abuse_contact, name="confirm-abuse-contact"),
    path("staff/", staff_views.review_queue, name="review-queue"),
    path("staff/profiles/<int:pk>/", staff_views.review, name="review"),
    path("staff/profiles/<int:pk>/<str:action>/", staff_views.review_action, name="review-action"),
    path("staff/matches/<int:pk>/", staff_views.match_review, name="match-review"),
]
