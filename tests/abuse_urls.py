"""The project's URLs plus the login and logout routes that base.html links to.

The accounts app provides the real routes. This copy lets the abuse page
tests render base.html on a branch where those routes are not merged yet.
The copies come after the project's own routes, so the project's win where
they exist.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
