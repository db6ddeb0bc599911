"""The counts the page header shows on every page (alerts and advisories waiting for the user,
reports waiting for their review), registered by the apps that own them and read together in one
query per request: each app gives the rows to count as a QuerySet, the core counts them all in a
single SELECT of scalar subqueries. The core knows no app: only keys and querysets.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Func, IntegerField, QuerySet, Subquery, Value

from .request_cache import memo

# (user) -> the rows to count, or None when the count does not apply to this user (no query).
RowsFor = Callable[[object], "QuerySet | None"]

_COUNTS: dict[str, RowsFor] = {}


def register_count(key: str, rows: RowsFor) -> None:
    _COUNTS[key] = rows


def unregister_count(key: str) -> None:
    _COUNTS.pop(key, None)


def _counted(qs: QuerySet) -> Subquery:
    # COUNT(*) as a plain function: Django adds no GROUP BY, and the subquery returns one row.
    n = Func(Value(1), function="COUNT", output_field=IntegerField())
    return Subquery(qs.order_by().annotate(_ssd_n=n).values("_ssd_n"), output_field=IntegerField())


def _counted_sliced(qs: QuerySet) -> Subquery:
    # The slice's rows counted through `pk IN (the slice)`: a count that stops at the slice's end (a
    # badge that says "99+" need not count a backlog of thousands).
    return _counted(qs.model._base_manager.filter(pk__in=qs.values("pk")))


def count_together(user, querysets: dict[str, QuerySet]) -> dict[str, int]:
    """Several counts in one query, anchored on the user's own row. A sliced queryset (a capped
    count: `qs[:cap + 1]`) is counted up to its slice's end in the same query; a distinct one is
    counted on its own (a scalar COUNT would not mean the same)."""
    out: dict[str, int] = {}
    plain = {}
    for key, qs in querysets.items():
        if qs.query.distinct:
            out[key] = qs.count()
        else:
            plain[key] = qs
    if plain:
        aliases = {f"n{i}": key for i, key in enumerate(plain)}
        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                **{
                    alias: _counted_sliced(plain[key]) if plain[key].query.is_sliced else _counted(plain[key])
                    for alias, key in aliases.items()
                }
            )
            .values(*aliases)
            .first()
        ) or {}
        out.update({key: row.get(alias) or 0 for alias, key in aliases.items()})
    return out


def header_counts(user) -> dict[str, int]:
    """Every registered count for the signed-in user (0 for one that does not apply), once per
    request."""
    if user is None or not user.is_authenticated:
        return dict.fromkeys(_COUNTS, 0)

    def compute() -> dict[str, int]:
        querysets = {}
        for key, rows in _COUNTS.items():
            qs = rows(user)
            if qs is not None:
                querysets[key] = qs
        counted = count_together(user, querysets)
        return {key: counted.get(key, 0) for key in _COUNTS}

    return dict(memo(("ssd.header_counts", user.pk), lambda: tuple(compute().items())))
