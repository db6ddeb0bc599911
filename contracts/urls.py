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
    path("shifts/<int:pk>/delete/", views.shift_delete, name="shift_delete"),
    path("posts/<int:pk>/orders/", views.post_orders, name="post_orders"),
    path("posts/<int:pk>/orders/<int:version>/", views.post_order_version, name="post_order"),
    path("posts/<int:pk>/assign/", views.post_assign, name="post_assign"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/photos/<int:photo_pk>/", views.inspection_photo, name="inspection_photo"),
    path("discrepancies/", views.discrepancy_list, name="discrepancies"),
    path("discrepancies/<int:pk>/", views.discrepancy_detail, name="discrepancy"),
    path("discrepancies/<int:pk>/act/", views.discrepancy_act, name="discrepancy_act"),
    path("report/", views.report, name="report"),
    path("report/certify/", views.certify, name="certify"),
]
