"""Lookups every app may use (registered on every field in `ssd.apps`)."""

from __future__ import annotations

from django.db.models import Field, ForeignKey, Lookup


class AnyOf(Lookup):
    """`field__any_of=[...]`: `field = ANY(%s)` with the list bound as ONE array parameter on
    PostgreSQL (a commander's 2,000 school ids as 2,000 parameters cost the driver and Django more
    than the query: ~30 ms of Python); `IN (...)` elsewhere; one value, a plain equality (so a
    (school, ...) index gives the rows in order); none, false."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", list(lhs_params)
        if len(values) == 1:
            return f"{lhs} = %s", [*lhs_params, values[0]]
        if connection.vendor == "postgresql":
            # Typed as the column (psycopg would send small ints as smallint[]).
            return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
