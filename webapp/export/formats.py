"""A client's export as a file: JSON text, a ZIP of CSV files with a README, or FHIR JSON."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from . import fhir
from .services import ClientExport
from .services import instant

FORMAT = "continuum-export/1"
LIST_SEPARATOR = "; "
# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain(value: Any) -> Any:
    """A row's value as JSON holds it: instants in UTC with a Z, days as YYYY-MM-DD."""
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _row(row: Any) -> dict[str, Any]:
    return {name: plain(value) for name, value in asdict(row).items()}


@dataclass(frozen=True)
class Download:
    """A file to send: its bytes, its media type and the name it is saved under."""

    body: bytes
    mimetype: str
    filename: str


# The formats a client may choose: the name, and what the page says about each.
CHOICES: dict[str, tuple[str, str]] = {
    "json": ("JSON", "One file with everything, for another app or for a developer."),
    "csv": ("CSV", "A ZIP of spreadsheet files, one per kind of record, with a README."),
    "fhir": ("FHIR", "Your health records in the HL7 FHIR R4 standard, for another clinic."),
}


def download(export: ClientExport, choice: str, day: date) -> Download:
    """The export in the chosen format, named for ``day`` (the client's local date)."""
    stem = f"continuum-export-{day.isoformat()}"
    if choice == "json":
        return Download(json_text(export).encode(), "application/json", f"{stem}.json")
    if choice == "csv":
        return Download(zip_bytes(export), "application/zip", f"{stem}.zip")
    if choice == "fhir":
        body = fhir.bundle_json(export).encode()
        return Download(body, "application/fhir+json", f"{stem}-fhir.json")
    raise ValueError(f"unknown export format {choice!r}")


# --- JSON ----------------------------------------------------------------------------------------


def json_text(export: ClientExport) -> str:
    """Everything in one JSON document: the profile, then one array per category."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "about": "Everything Continuum holds about you, as of generated_at.",
        "generated_at": instant(export.generated_at),
        "timezone": export.profile.timezone,
        "profile": _row(export.profile),
    }
    for table in export.tables():
        document[table.name] = [_row(row) for row in table.rows]
    document["clinical_record_withheld"] = _row(export.clinical_record_withheld)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- CSV in a ZIP --------------------------------------------------------------------------------


def cell(value: Any) -> str | int:
    """A value as one CSV cell: empty for none, true/false, lists joined, formulas defused."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(columns: list[str], rows: list[Any]) -> str:
    """A header row, then one line per row; a category with no rows is just its header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(getattr(row, column)) for column in columns])
    return out.getvalue()


def csv_files(export: ClientExport) -> dict[str, str]:
    """Each file of the ZIP by name, in order: profile, the categories, the withheld record."""
    files = {"profile.csv": _one_row(export.profile)}
    for table in export.tables():
        files[f"{table.name}.csv"] = csv_text(table.columns, table.rows)
    files["clinical_record_withheld.csv"] = _one_row(export.clinical_record_withheld)
    return files


def zip_bytes(export: ClientExport) -> bytes:
    """The CSV files and a README.txt that says what each one holds, as a ZIP archive."""
    stamp = export.generated_at.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {"README.txt": readme(export), **csv_files(export)}
        for name, text in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            # With a byte-order mark, spreadsheets read the names' accents right.
            archive.writestr(info, text.encode("utf-8-sig"))
    return buffer.getvalue()


def readme(export: ClientExport) -> str:
    """What the ZIP holds, file by file, and what was left out and why."""
    withheld = export.clinical_record_withheld
    lines = [
        "Your data from Continuum",
        "========================",
        "",
        f"For {export.profile.name} <{export.profile.email}>, made {instant(export.generated_at)}.",
        "",
        "Each .csv file is one kind of record: a header row, then one line per record.",
        f"- Times are in UTC, in ISO 8601 with a Z (2026-11-28T09:30:00Z). Your time zone is "
        f"{export.profile.timezone}; days (YYYY-MM-DD) are your local days.",
        f"- Lists are joined with '{LIST_SEPARATOR.strip()}'; yes/no answers are true/false; an "
        "empty cell means no answer.",
        "- A text that begins with =, +, - or @ starts with an apostrophe, so a spreadsheet "
        "shows it as text instead of running it as a formula.",
        "- The files are UTF-8 (with a byte-order mark, for spreadsheets).",
        "",
        "Files",
        "-----",
        "profile.csv: your account: name, email, centres, time zone, when you joined, and "
        "whether two-step sign-in is on.",
    ]
    for table in export.tables():
        lines.append(f"{table.name}.csv ({_count(len(table.rows))}): {table.description}")
    lines += [
        "clinical_record_withheld.csv: how many clinical notes and referrals the care team "
        "holds, and how to ask for them.",
        "",
        "Not in this download",
        "--------------------",
        withheld.how_to_ask,
        f"Your care team holds {_count(withheld.session_notes, 'session note')}, "
        f"{_count(withheld.note_addenda, 'correction')} to them and "
        f"{_count(withheld.referrals, 'referral')} about you.",
        "Passwords, sign-in codes and the secret parts of links are never included: they are "
        "kept only as one-way hashes or encrypted, and would let someone else in.",
        "",
    ]
    return "\n".join(lines)


def _count(n: int, noun: str = "row") -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _one_row(row: Any) -> str:
    return csv_text([f.name for f in fields(row)], [row])
