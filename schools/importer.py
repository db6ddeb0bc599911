"""Import DC's police districts, PSAs and public schools from the Open Data DC files in a folder.

All or nothing: every row of every file is validated first; any bad row is reported with its file
and line number and nothing is written. A second run with the same files changes nothing.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from .models import PSA, Area, PoliceDistrict, School

SCHOOLS_FILE = "dc_schools_psa_mapping.csv"
PSA_FILE = "mpd_psa_district_sector.csv"
DCPS_FILE = "dcps_schools_2023_2024.csv"
CHARTER_FILE = "dc_charter_schools_2015.csv"
AREAS_FILE = "ssd_areas.csv"

ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", 6: "Sixth", 7: "Seventh"}
SCHOOL_COLUMNS = {
    "school_key", "sector", "school_name", "school_id", "address", "zipcode", "grades", "level_code",
    "status", "grade_band", "latitude", "longitude", "ward", "psa", "police_district", "mpd_sector", "data_vintage",
}
PSA_COLUMNS = {"DISTRICT", "PSA", "SECTOR"}


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s) found; nothing was imported.")
        self.errors = errors


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, kind: str, created: bool, changed: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _read_csv(path: Path, required: set[str], errors: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        errors.append(f"{path.name}: file not found in {path.parent}")
        return []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = required - set(reader.fieldnames or [])
            if missing:
                errors.append(f"{path.name}: line 1: missing column(s) {', '.join(sorted(missing))}")
                return []
            # reader.line_num is the physical line where the row ended (quoted newlines count).
            return [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.append(f"{path.name}: cannot be read as UTF-8 CSV: {exc}")
        return []


def _int(value: str, lo: int, hi: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if lo <= number <= hi else None


def _decimal(value: str, lo: float, hi: float) -> Decimal | None:
    try:
        number = Decimal(str(value).strip()).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return None
    return number if lo <= number <= hi else None


def _phones(path: Path, key_column: str = "GIS_ID") -> dict[str, str]:
    """Optional enrichment: school phone numbers from the source layers, by GIS id."""
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {
            row[key_column].strip(): (row.get("PHONE") or "").strip()
            for row in csv.DictReader(fh)
            if row.get(key_column)
        }


def parse(data_dir: Path) -> tuple[dict, dict, list[dict], list[dict], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    districts: dict[int, str] = {}
    psas: dict[int, dict] = {}
    for line, row in _read_csv(data_dir / PSA_FILE, PSA_COLUMNS, errors):
        district = _int(row["DISTRICT"], 1, 7)
        psa = _int(row["PSA"], 101, 799)
        sector = row["SECTOR"].strip()
        if district is None:
            errors.append(f"{PSA_FILE}: line {line}: DISTRICT {row['DISTRICT']!r} is not 1-7")
            continue
        if psa is None or psa // 100 != district:
            errors.append(f"{PSA_FILE}: line {line}: PSA {row['PSA']!r} is not a PSA of district {district}")
            continue
        if not re.fullmatch(rf"{district}D[1-3]", sector):
            errors.append(f"{PSA_FILE}: line {line}: SECTOR {sector!r} is not a sector of {district}D")
            continue
        if psa in psas:
            errors.append(f"{PSA_FILE}: line {line}: PSA {psa} appears twice")
            continue
        districts[district] = f"{ORDINALS[district]} District"
        psas[psa] = {"district": district, "sector": sector}

    phones = _phones(data_dir / DCPS_FILE) | _phones(data_dir / CHARTER_FILE)
    schools: list[dict] = []
    seen: dict[str, tuple[str, str]] = {}
    for line, row in _read_csv(data_dir / SCHOOLS_FILE, SCHOOL_COLUMNS, errors):
        problems = []
        key = row["school_key"].strip()
        name = " ".join(row["school_name"].split())
        if not key:
            problems.append("school_key is empty")
        if not name:
            problems.append("school_name is empty")
        sector = row["sector"].strip()
        if sector not in School.Sector.values:
            problems.append(f"sector {sector!r} is not DCPS or PCS")
        ward = _int(row["ward"], 1, 8)
        if ward is None:
            problems.append(f"ward {row['ward']!r} is not 1-8")
        psa = _int(row["psa"], 101, 799)
        if psa is None or psa not in psas:
            problems.append(f"PSA {row['psa']!r} is not a known PSA")
        elif str(psas[psa]["district"]) != row["police_district"].strip():
            problems.append(f"PSA {psa} is in district {psas[psa]['district']}, not {row['police_district']!r}")
        lat = _decimal(row["latitude"], 38.79, 39.0)
        lon = _decimal(row["longitude"], -77.12, -76.90)
        if lat is None or lon is None:
            problems.append(f"location {row['latitude']!r}, {row['longitude']!r} is not in DC")
        if not row["address"].strip():
            problems.append("address is empty")
        if problems:
            errors.extend(f"{SCHOOLS_FILE}: line {line}: {p}" for p in problems)
            continue
        identity = (name, row["address"].strip())
        if key in seen:
            if seen[key] == identity:
                errors.append(f"{SCHOOLS_FILE}: line {line}: school {key} appears twice")
                continue
            # The 2015 charter layer gives two Meridian PCS campuses one GIS id: keep both campuses.
            suffix = 2
            while f"{key}-{suffix}" in seen:
                suffix += 1
            warnings.append(
                f"{SCHOOLS_FILE}: line {line}: GIS id {key} is shared by two campuses; this one is {key}-{suffix}"
            )
            phone_key = key
            key = f"{key}-{suffix}"
        else:
            phone_key = key
        seen[key] = identity
        status = row["status"].strip()
        schools.append(
            {
                "gis_id": key,
                "name": name,
                "school_code": row["school_id"].strip() if row["school_id"].strip() not in ("", "0") else "",
                "sector": sector,
                "address": row["address"].strip(),
                "zipcode": row["zipcode"].strip(),
                "ward": ward,
                "grades": row["grades"].strip(),
                "level_code": row["level_code"].strip(),
                "grade_band": row["grade_band"].strip(),
                "latitude": lat,
                "longitude": lon,
                "psa": psa,
                "phone": phones.get(phone_key, ""),
                "active": status in ("", "Active"),
                "data_vintage": row["data_vintage"].strip()[:20] if sector == "DCPS" else "SY2015-16 (charter)",
            }
        )

    areas: list[dict] = []
    area_path = data_dir / AREAS_FILE
    if area_path.is_file():
        assigned: set[int] = set()
        for line, row in _read_csv(area_path, {"code", "name", "districts"}, errors):
            numbers = []
            for token in row["districts"].split():
                number = _int(token.upper().removesuffix("D"), 1, 7)
                if number is None or number not in districts:
                    errors.append(f"{AREAS_FILE}: line {line}: unknown district {token!r}")
                elif number in assigned:
                    errors.append(f"{AREAS_FILE}: line {line}: district {token} is already in another area")
                else:
                    numbers.append(number)
                    assigned.add(number)
            if not row["code"].strip() or not row["name"].strip():
                errors.append(f"{AREAS_FILE}: line {line}: code and name are required")
            areas.append({"code": row["code"].strip(), "name": row["name"].strip(), "districts": numbers})
    if errors:
        raise ImportFailed(errors)
    return districts, psas, schools, areas, warnings


def _upsert(model, lookup: dict, values: dict) -> tuple[object, bool, bool]:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True, False
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
    return obj, False, bool(changed)


def import_geography(data_dir: Path) -> ImportReport:
    districts, psas, schools, areas, warnings = parse(Path(data_dir))
    report = ImportReport(warnings=warnings)
    with transaction.atomic():
        area_by_district: dict[int, Area] = {}
        for area in areas:
            obj, created, changed = _upsert(Area, {"code": area["code"]}, {"name": area["name"]})
            report.count("areas", created, changed)
            for number in area["districts"]:
                area_by_district[number] = obj
        district_objs = {}
        for number, name in sorted(districts.items()):
            values = {"name": name}
            if areas:
                values["area"] = area_by_district.get(number)
            obj, created, changed = _upsert(PoliceDistrict, {"number": number}, values)
            district_objs[number] = obj
            report.count("districts", created, changed)
        psa_objs = {}
        for number, values in sorted(psas.items()):
            obj, created, changed = _upsert(
                PSA, {"number": number}, {"district": district_objs[values["district"]], "sector": values["sector"]}
            )
            psa_objs[number] = obj
            report.count("PSAs", created, changed)
        for school in schools:
            values = {k: v for k, v in school.items() if k != "gis_id"}
            values["psa"] = psa_objs[values["psa"]]
            _, created, changed = _upsert(School, {"gis_id": school["gis_id"]}, values)
            report.count("schools", created, changed)
    return report
