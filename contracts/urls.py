from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("schools/<int:pk>/", views.school_page, name="school"),
    path("posts/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("posts/<int:pk>/shifts/", views.shift_add, name="shift_add"),
    path("posts/<int:pk>/discrepancies/new/", views.discrepancy_new, name="discrepancy_new"),
    path("shifts/<int:pk>/correct/", views.shift_correct, name="shift_correct"),
    path("discrepancies/", views.discrepancy_list, name="discrepancies"),
    path("discrepancies/<int:pk>/", views.discrepancy_detail, name="discrepancy"),
    path("discrepancies/<int:pk>/act/", views.discrepancy_act, name="discrepancy_act"),
    path("report/", views.report, name="report"),
    path("report/certify/", views.certify, name="certify"),
]
