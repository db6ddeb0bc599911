"""CSV exports that a spreadsheet cannot turn into a formula (CSV injection, OWASP).

Every field is quoted, so a separator inside a value (`;=1+1` in a locale that splits on `;`)
cannot start a new cell, and a value that begins like a formula (= + - @, tab, carriage return)
is prefixed with a `'`, which spreadsheets show as text. Every export in the product goes through
`csv_response` / `safe_row`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text


def safe_row(values: Iterable) -> list[str]:
    return [safe_cell(v) for v in values]


class Echo:
    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """csv.writer's `writerow`, every field quoted and neutralised: for views that write to a response."""

    def __init__(self, out):
        self._writer = csv.writer(out, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable):
        return self._writer.writerow(safe_row(row))


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterable[str]:
    writer = csv.writer(Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download, never cached (exports carry criminal justice information)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
