"""Reading Open Data DC crime-incident CSVs: one parsed row per CCN, bad rows with line numbers.

Parsing only; `crime.services.crime_import` writes. Two layouts load: the Open Data CSV export
(REPORT_DAT like `2025/02/05 05:00:00+00`, UTC) and the 2024 shapefile table converted to CSV
(REPORT_DAT like `2024-07-30`, a date without a time of day).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .geo import in_dc

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
REQUIRED_COLUMNS = ("CCN", "REPORT_DAT", "OFFENSE", "LATITUDE", "LONGITUDE")
DATE_ONLY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
DATE_TIME = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


class CrimeFileError(Exception):
    """The file as a whole cannot be read as a crime-incident CSV (a person can act on the message)."""


@dataclass(frozen=True)
class When:
    at: dt.datetime | None  # aware, when the source has a time of day
    on: dt.date  # the date in America/New_York (or as published, for a date-only value)


@dataclass
class ParsedFile:
    rows: dict[str, dict] = field(default_factory=dict)  # ccn -> model field values (first occurrence)
    read: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    duplicates: list[tuple[int, str, int]] = field(default_factory=list)  # (line, ccn, first line)
    no_coordinates: int = 0


def parse_when(value: str) -> When | None:
    """REPORT_DAT / START_DATE / END_DATE. Timestamps without an offset are UTC, as Open Data DC's are."""
    value = (value or "").strip()
    if not value:
        return None
    m = DATE_ONLY.match(value)
    if m:
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return When(at=None, on=day)
    m = DATE_TIME.match(value)
    if not m:
        return None
    offset = m[7] or "Z"
    if offset == "Z":
        tz = dt.UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        at = dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=tz)
    except ValueError:
        return None
    return When(at=at.astimezone(dt.UTC), on=at.astimezone(NEW_YORK).date())


def _small_int(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if 0 <= number <= 32767 else None


def _instant(when: When | None) -> dt.datetime | None:
    if when is None:
        return None
    if when.at is not None:
        return when.at
    return dt.datetime.combine(when.on, dt.time(), tzinfo=NEW_YORK)


def parse_row(row: dict[str, str]) -> tuple[dict | None, str | None]:
    """(fields, None) for a good row, (None, reason) for a bad one."""
    ccn = (row.get("CCN") or "").strip()
    if not ccn:
        return None, "no CCN"
    if len(ccn) > 20:
        return None, f"CCN {ccn[:20]}… is longer than 20 characters"
    offense = (row.get("OFFENSE") or "").strip().upper()
    if not offense:
        return None, f"CCN {ccn}: no OFFENSE"
    reported = parse_when(row.get("REPORT_DAT") or "")
    if reported is None:
        return None, f"CCN {ccn}: REPORT_DAT {row.get('REPORT_DAT')!r} is not a date"
    lat_text, lon_text = (row.get("LATITUDE") or "").strip(), (row.get("LONGITUDE") or "").strip()
    lat = lon = None
    if lat_text or lon_text:
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            return None, f"CCN {ccn}: LATITUDE/LONGITUDE {lat_text!r}, {lon_text!r} are not numbers"
        if not in_dc(lat, lon):
            return None, f"CCN {ccn}: {lat_text}, {lon_text} is outside DC"
    fields = {
        "ccn": ccn,
        "reported_at": reported.at,
        "reported_on": reported.on,
        "shift": (row.get("SHIFT") or "").strip().upper()[:12],
        "method": (row.get("METHOD") or "").strip().upper()[:12],
        "offense": offense[:40],
        "block": (row.get("BLOCK") or "").strip()[:120],
        "ward": _small_int(row.get("WARD") or ""),
        "district": _small_int(row.get("DISTRICT") or ""),
        "psa": _small_int(row.get("PSA") or ""),
        "latitude": lat,
        "longitude": lon,
        # START/END are context only: an unreadable one is dropped rather than failing the row.
        "start_date": _instant(parse_when(row.get("START_DATE") or "")),
        "end_date": _instant(parse_when(row.get("END_DATE") or "")),
    }
    return fields, None


def open_text(path: Path) -> IO[str]:
    raw = path.open("rb")
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
    # utf-8-sig: Open Data DC's CSVs start with a byte-order mark.
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def parse_stream(text: IO[str]) -> ParsedFile:
    reader = csv.DictReader(text)
    try:
        header = reader.fieldnames or []
    except (csv.Error, UnicodeDecodeError, OSError) as exc:
        raise CrimeFileError(f"cannot read the file as CSV: {exc}") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CrimeFileError(
            f"not an Open Data DC crime-incidents CSV: missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing)
        )
    parsed = ParsedFile()
    first_line: dict[str, int] = {}
    rows: Iterator[dict[str, str]] = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
            parsed.bad.append((reader.line_num, f"unreadable from here on: {exc}"))
            break
        line = reader.line_num
        parsed.read += 1
        fields, reason = parse_row(row)
        if fields is None:
            parsed.bad.append((line, reason or "bad row"))
            continue
        ccn = fields["ccn"]
        if ccn in first_line:
            parsed.duplicates.append((line, ccn, first_line[ccn]))
            continue
        first_line[ccn] = line
        if fields["latitude"] is None:
            parsed.no_coordinates += 1
        parsed.rows[ccn] = fields
    return parsed


def parse_file(path: Path) -> ParsedFile:
    try:
        with open_text(path) as text:
            return parse_stream(text)
    except OSError as exc:
        raise CrimeFileError(f"cannot read {path}: {exc}") from exc
