"""Domain events of the guard contract: where the notification engine hears of them.

Each function is called inside the transaction of the change it reports and writes one outbox event
(`notifications.services.emit`), so the notice commits or rolls back with the change. The kinds
(who hears, what they read, whether they may open it) are in `contracts.plugin`. Ids only: never a
guard's name or a description leaves through here.
"""

from __future__ import annotations

from django.db import transaction


def _emit(**kwargs) -> None:
    assert transaction.get_connection().in_atomic_block, "call inside the transaction of the change"
    from notifications.services import emit

    emit(**kwargs)


def discrepancy_high(*, discrepancy, by) -> None:
    _emit(
        kind="contracts.discrepancy_high",
        subject=discrepancy,
        school=discrepancy.school,
        by=by,
        dedupe_key=f"discrepancy-{discrepancy.pk}",
    )


def discrepancy_overdue(*, discrepancy) -> None:
    _emit(
        kind="contracts.discrepancy_overdue",
        subject=discrepancy,
        school=discrepancy.school,
        by=None,
        dedupe_key=f"discrepancy-{discrepancy.pk}-overdue",
    )


def post_unfilled(*, post, day) -> None:
    _emit(
        kind="contracts.post_unfilled",
        subject=post,
        school=post.school,
        by=None,
        dedupe_key=f"post-{post.pk}-{day:%Y%m%d}",
    )
