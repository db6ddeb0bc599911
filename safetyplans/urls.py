"""Mounted at the site root (ssd/urls.py, before the schools include): the plan pages live under
/schools/<id>/safety-plan/ without the schools app knowing of them."""

from django.urls import path

from . import views

app_name = "safetyplans"
PLAN = "schools/<int:school_id>/safety-plan/"
YEAR = PLAN + "<int:year>/"
urlpatterns = [
    path(PLAN, views.plan_current, name="current"),
    path(PLAN + "start/", views.plan_start, name="start"),
    path(YEAR, views.plan_detail, name="plan"),
    path(YEAR + "edit/", views.plan_edit, name="edit"),
    path(YEAR + "submit/", views.plan_submit, name="submit"),
    path(YEAR + "review/", views.plan_review, name="review"),
    path(YEAR + "approve/", views.plan_approve, name="approve"),
    path(YEAR + "drills/", views.drill_add, name="drill_add"),
    path(YEAR + "attachments/", views.attachment_add, name="attachment_add"),
    path(YEAR + "attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path(YEAR + "print/", views.plan_print, name="print"),
    path(YEAR + "pdf/", views.plan_pdf, name="pdf"),
    path(YEAR + "diff/", views.plan_diff, name="diff"),
    path("safety-plans/", views.plan_board, name="board"),
    path("programs/", views.program_list, name="programs"),
    path("programs/new/", views.program_new, name="program_new"),
    path("programs/<int:pk>/", views.program_detail, name="program"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/sessions/", views.session_add, name="session_add"),
]
