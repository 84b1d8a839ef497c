from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/switch/", views.organization_switch, name="organization-switch"),
]
