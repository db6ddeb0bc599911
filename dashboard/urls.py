from django.urls import path

from . import views

# No app_name: the URL name `home` is the site's, used by every page's header and by LOGIN_REDIRECT_URL.
urlpatterns = [
    path("", views.home, name="home"),
    path("panels/<str:key>/", views.panel, name="home_panel"),
    path("digest/", views.digest, name="home_digest"),
]
