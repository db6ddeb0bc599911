from django.urls import path

from . import views

app_name = "advisories"
urlpatterns = [
    path("", views.advisory_list, name="list"),
    path("new/", views.advisory_new, name="new"),
    path("<int:pk>/", views.advisory_detail, name="detail"),
    path("<int:pk>/tracking/", views.advisory_tracking, name="tracking"),
    path("<int:pk>/acknowledge/", views.advisory_acknowledge, name="acknowledge"),
    path("<int:pk>/update/", views.advisory_update, name="update"),
    path("<int:pk>/remind/", views.advisory_remind, name="remind"),
]
