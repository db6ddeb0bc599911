"""Migration operations the apps share."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def postgresql_only(forward: Sequence[str], reverse: Sequence[str]) -> migrations.RunPython:
    """Run raw SQL statements on PostgreSQL only (indexes and settings SQLite has no form of: trigram
    and covering indexes, table storage parameters), in order, and their undoing in order on the way
    back; nothing on SQLite, whose schema is the one Django's state describes."""

    def run(statements: Sequence[str]):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(reverse), elidable=False)
