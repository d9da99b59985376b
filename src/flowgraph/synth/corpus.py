"""`flowgraph synth`: a deterministic corpus of council notices in the layouts the loader reads.

About 40 service notices per council, in four layouts (tab-separated tables with HTML lists,
Markdown, plain text with bullets, prose). Recipients follow a skewed distribution: police and
courts everywhere, government departments often, named contractors rarely; councils and
partnerships name each other so that multi-hop chains exist.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

PLACES = ["Ash", "Birch", "Cedar", "Dale", "Elm", "Fern", "Glen", "Holm", "Ivy", "Juniper", "Kestrel", "Larch", "Moor",
          "Nettle", "Oak", "Pine", "Quarry", "Rowan", "Sedge", "Thorn", "Umber", "Vale", "Willow", "Yew", "Alder", "Bramble"]  # fmt: skip
SUFFIXES = ["ford", "ton", "bury", "field", "ham", "ley", "wick", "worth", "by", "stead"]
KINDS = ["City Council", "Borough Council", "District Council", "County Council"]
SERVICES = ["Housing", "Council Tax", "Benefits", "Adult Social Care", "Children's Services", "Education", "Planning",
            "Licensing", "Environmental Health", "Waste and Recycling", "Parking", "CCTV", "Electoral Services",
            "Libraries", "Leisure", "Registrars", "Public Health", "Trading Standards", "Highways", "HR", "IT",
            "Legal Services", "Finance", "Procurement", "Youth Services", "Community Safety", "Economic Development",
            "Transport", "Cemeteries", "Pest Control", "Building Control", "Emergency Planning", "Customer Services",
            "Complaints", "Freedom of Information", "Grants", "Markets", "Arts and Culture", "Sports", "Tourism"]  # fmt: skip
COMMON = [("Police", 0.95), ("Courts and tribunals", 0.9), ("HMRC", 0.5), ("Department for Work and Pensions", 0.45),
          ("Other local authorities", 0.6), ("Elected Members & MPs", 0.5), ("Contractors providing IT services", 0.7),
          ("Credit reference agencies", 0.15), ("Health agencies", 0.3), ("Department for Education", 0.1),
          ("Cabinet Office (National Fraud Initiative)", 0.2), ("Home Office", 0.1), ("Voluntary sector partners", 0.25),
          ("Fire and rescue services", 0.15), ("Probation", 0.1), ("Ofsted", 0.05), ("Care Quality Commission", 0.05)]  # fmt: skip
PURPOSES = ["Service delivery", "Prevention and detection of crime", "Financial transactions", "Statutory requirements e.g. reporting to Government",
            "Research inc. consultations", "Equality Monitoring", "Safeguarding children and adults", "Debt recovery"]  # fmt: skip
LAWS = ["The Localism Act 2011", "The Equality Act 2010", "The Housing Act 1996", "The Children Act 1989, 2004", "The Care Act 2014",
        "The Local Government Finance Act 1992", "The Crime and Disorder Act 1998", "The Licensing Act 2003"]  # fmt: skip
BASES = ["Legal obligation or public task", "Consent – consultations", "Contract – traded services"]


def council_names(count: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(PLACES)}{rng.choice(SUFFIXES)} {rng.choice(KINDS)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _recipients(rng: random.Random, council: int, names: list[str]) -> list[str]:
    chosen = [name for name, p in COMMON if rng.random() < p]
    if rng.random() < 0.3 and len(names) > 1:  # a neighbouring council, named: makes chains
        chosen.append(names[(council + rng.choice([1, 2, 3])) % len(names)])
    if rng.random() < 0.1:
        chosen.append(f"{rng.choice(PLACES)} Partnership")
    if rng.random() < 0.2:
        chosen.append(f"{rng.choice(PLACES)}{rng.choice(SUFFIXES).title()} Services Ltd")
    return chosen or ["Police"]


def _tabular(
    service: str, purposes: list[str], laws: list[str], recipients: list[str], basis: str
) -> str:
    def ul(items: list[str]) -> str:
        return (
            '<ul style="list-style-type: none"> '
            + " ".join(f"<li>• {i.replace('&', '&amp;')}</li>" for i in items)
            + " </ul>"
        )

    return (
        f"## {service}\n\nCouncil Service:\t{service}\nThe reasons we use your data\t{ul(purposes)}\n"
        f"Why we are allowed to use your data\t<p>{basis} under various UK laws including but not limited to:</p> {ul(laws)}\n"
        f"Who we can share your data with\t{ul(recipients)}\nWhen computers make any decisions about you\tNot applicable.\n"
        "When your data gets sent to other countries\tCouncil services use platforms such as Microsoft Office 365 which host data in the USA and EU under contract.\n"
    )


def _markdown(
    service: str, purposes: list[str], laws: list[str], recipients: list[str], basis: str
) -> str:
    lines = [f"# {service} privacy notice", "", "## Why we use your information", "", *[f"- {p}" for p in purposes], "",
             "## Our lawful basis", "", f"{basis}. We rely on:", "", *[f"- {law}" for law in laws], "",
             "## Who we share your information with", "", *[f"- {r}" for r in recipients], "",
             "## How long we keep it", "", "We keep records for 6 years after our last contact with you.", ""]  # fmt: skip
    return "\n".join(lines)


def _plain(
    service: str, purposes: list[str], laws: list[str], recipients: list[str], basis: str
) -> str:
    lines = [f"{service} privacy notice", "", "Why do we need your information?", *[f"- {p}" for p in purposes], "",
             "Lawful basis", f"{basis} under " + "; ".join(laws) + ".", "",
             "Who do we share your information with?", *[f"- {r}" for r in recipients], "",
             "Transfers outside the UK", "We will not send your information outside of the UK.", ""]  # fmt: skip
    return "\n".join(lines)


def _prose(
    service: str, purposes: list[str], laws: list[str], recipients: list[str], basis: str
) -> str:
    listed = ", ".join(recipients[:-1]) + (" and " if len(recipients) > 1 else "") + recipients[-1]
    return (
        f"{service}\n\nWhy we use your information\nWe use your information for {purposes[0].lower()}.\n\n"
        f"How we share your data\nWe share your information with {listed} where the law allows it.\n\n"
        f"Lawful basis\n{basis}. The main law is {laws[0].removeprefix('The ')}.\n"
    )


LAYOUTS = [
    ("tabular", _tabular, "txt"),
    ("markdown", _markdown, "md"),
    ("plain", _plain, "txt"),
    ("plain", _prose, "txt"),
]


def write_corpus(
    directory: Path, councils: int, seed: int = 1, services_per_council: int = 40
) -> int:
    """Write notices and manifest.csv into `directory`; returns the number of notices."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    names = council_names(councils, rng)
    rows = []
    for index, council in enumerate(names):
        for number, service in enumerate(SERVICES[:services_per_council]):
            layout, writer, suffix = LAYOUTS[(index + number) % len(LAYOUTS)]
            text = writer(
                service,
                rng.sample(PURPOSES, 3),
                rng.sample(LAWS, 2),
                _recipients(rng, index, names),
                rng.choice(BASES),
            )
            name = f"c{index:03d}-s{number:02d}.{suffix}"
            (directory / name).write_text(text, encoding="utf-8")
            rows.append([name, council, service, f"{service} privacy notice", "", "", layout])
    with (directory / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        writer_ = csv.writer(f, lineterminator="\n")
        writer_.writerow(["file", "controller", "service", "title", "url", "retrieved", "format"])
        writer_.writerows(rows)
    return len(rows)
