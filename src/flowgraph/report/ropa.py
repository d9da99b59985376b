"""A record of processing activities (UK GDPR Art. 30) pre-filled from the notices.

One row per controller and service area (or per council-wide notice, for a controller whose
notices name no service areas), with the ICO template's columns. Every filled cell has an
evidence cell beside it: the notice and the quotes its values come from. A cell a service area
leaves empty is filled from its controller's council-wide notice, and the evidence says so.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flowgraph.query.library import LibraryQuery, run
from flowgraph.store.base import GraphStore

# (key in queries/ropa.rq, column heading as in the ICO Art. 30 controller template)
COLUMNS: list[tuple[str, str]] = [
    ("purposes", "Purpose of processing"),
    ("individuals", "Categories of individuals"),
    ("personal_data", "Categories of personal data"),
    ("recipients", "Categories of recipients"),
    ("third_countries", "Names of third countries or international organisations that personal data are transferred to"),
    ("safeguards", "Safeguards for exceptional transfers of personal data to third countries"),
    ("retention", "Retention schedule"),
    ("art6_basis", "Article 6 lawful basis for processing personal data"),
    ("art9_condition", "Article 9 or 10 condition for processing special category or criminal offence data"),
    ("automated_decisions", "Existence of automated decision-making, including profiling"),
    ("sources", "Source of personal data"),
]  # fmt: skip


@dataclass
class Cell:
    values: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    def add(self, value: str, evidence: str) -> None:
        if value not in self.values:
            self.values.append(value)
        if evidence not in self.evidence:
            self.evidence.append(evidence)

    def merge(self, other: Cell) -> None:
        self.values += [v for v in other.values if v not in self.values]
        self.evidence += [e for e in other.evidence if e not in self.evidence]


@dataclass
class RopaRow:
    controller: str
    business_function: str
    notice: str
    cells: dict[str, Cell]

    def flat(self) -> list[str]:
        out = [self.controller, self.business_function, self.notice]
        for key, _ in COLUMNS:
            cell = self.cells.get(key, Cell())
            out += ["; ".join(cell.values), "\n".join(cell.evidence)]
        return out


def header() -> list[str]:
    out = ["Controller", "Business function", "Notice"]
    for _, title in COLUMNS:
        out += [title, f"{title} — evidence"]
    return out


def ropa_rows(
    store: GraphStore, library: dict[str, LibraryQuery], controller: str | None = None
) -> list[RopaRow]:
    params = {"controller": controller} if controller else None
    _, activities = run(store, library["activities"], params)
    _, facts = run(store, library["ropa"], params)
    cells: dict[str, dict[str, Cell]] = defaultdict(lambda: defaultdict(Cell))
    for fact in facts:
        cells[fact["activity"]][fact["column"]].add(
            fact["value"], f"{fact['notice']}: “{' '.join(fact['quote'].split())}”"
        )
    by_controller: dict[str, list[dict]] = defaultdict(list)
    for activity in activities:
        by_controller[activity["controller"]].append(activity)
    rows = []
    for members in by_controller.values():
        services = [a for a in members if a["serviceLabel"]]
        general = [a for a in members if not a["serviceLabel"]]
        for activity in services or general:
            own = cells[activity["activity"]]
            filled: dict[str, Cell] = {}
            for key, _ in COLUMNS:
                if own.get(key) and own[key].values:
                    filled[key] = own[key]
                elif services:
                    fallback = Cell()
                    for other in general:
                        fallback.merge(cells[other["activity"]][key])
                    if fallback.values:
                        filled[key] = fallback
            function = activity["serviceLabel"] or f"All services ({activity['noticeTitle']})"
            rows.append(RopaRow(activity["controllerLabel"], function, activity["notice"], filled))
    return sorted(rows, key=lambda r: (r.controller, r.business_function, r.notice))


def write_csv(rows: list[RopaRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header())
    writer.writerows(row.flat() for row in rows)
    return buffer.getvalue()


def write_xlsx(rows: list[RopaRow], path: Path) -> None:
    """The same cells as the CSV, with a bold frozen header, wrapped text and readable widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Record of processing"
    sheet.append(header())
    for row in rows:
        sheet.append(row.flat())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, title in enumerate(header(), start=1):
        width = 24 if index <= 3 else (60 if title.endswith("evidence") else 40)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
