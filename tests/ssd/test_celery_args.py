"""Celery tasks take ids only: the signature of every project task, and what is actually enqueued."""

from __future__ import annotations

import pytest
from celery import shared_task

from personnel.tasks import sync_all_scopes
from tests.celery_args import assert_ids_only, assert_task_takes_ids, recording_enqueues

PROJECT_MODULES = ("personnel.", "schools.", "incidents.", "contracts.", "ssd.")


def project_tasks():
    from ssd.celery import app

    app.loader.import_default_modules()
    return sorted(
        (task for name, task in app.tasks.items() if name.startswith(PROJECT_MODULES)), key=lambda t: t.name
    )


def test_sync_all_scopes_takes_ids_only():
    assert_task_takes_ids(sync_all_scopes)


def test_every_project_task_takes_ids_only():
    tasks = project_tasks()
    assert "personnel.tasks.sync_all_scopes" in {t.name for t in tasks}
    for task in tasks:
        assert_task_takes_ids(task)


def test_sync_all_scopes_is_enqueued_with_ids_only():
    with recording_enqueues(sync_all_scopes) as calls:
        sync_all_scopes.delay()
        sync_all_scopes.apply_async(countdown=5)
    assert [(c.task, c.args, c.kwargs) for c in calls] == [("personnel.tasks.sync_all_scopes", (), {})] * 2


# --- The helper fails when it should -------------------------------------------------------------


@shared_task
def _names_task(incident_id: int, student_name: str) -> None:  # pragma: no cover - never run
    pass


@shared_task
def _untyped_task(incident_id, **extra) -> None:  # pragma: no cover - never run
    pass


@shared_task
def _ids_task(incident_id: int, person_ids: list[int], school_id: int | None = None) -> None:  # pragma: no cover
    pass


def test_the_helper_refuses_names_and_untyped_parameters():
    with pytest.raises(AssertionError, match="student_name"):
        assert_task_takes_ids(_names_task)
    with pytest.raises(AssertionError, match=r"incident_id \(no annotation\).*\*extra"):
        assert_task_takes_ids(_untyped_task)
    assert_task_takes_ids(_ids_task)


@pytest.mark.django_db
def test_the_helper_refuses_enqueued_names_and_instances(geography):
    from schools.models import School

    for bad_args, bad_kwargs in [
        ((1, "Jane Doe"), {}),
        ((School.objects.first(),), {}),
        ((), {"incident_id": True}),
        ((), {"person_ids": [1, "2"]}),
    ]:
        with pytest.raises(AssertionError, match="more than ids"):
            assert_ids_only(bad_args, bad_kwargs)
    with pytest.raises(AssertionError, match="more than ids"), recording_enqueues(_ids_task):
        _ids_task.delay(1, ["Jane Doe"])
    assert_ids_only((1, [2, 3], None), {"school_id": 4})
