"""Leicester's 20 service-area tables: every recipient, purpose and law, exactly."""

from __future__ import annotations

from conftest import service, texts

NOTICE = "leicester-city-council-service-areas.txt"

SERVICES = [
    "CCTV", "Digital Transformation", "Education & Learning Services", "Electoral Registration Service",
    "Estates & Buildings", "Finance", "Housing", "Human Resources (HR)", "Information technology (IT)",
    "Legal Services", "LLEP (Leicester and Leicestershire Enterprise Partnership)",
    "Neighbourhood & Environmental Services", "Planning & Transport", "Political Governance & City Mayor's Office",
    "Public Health", "Registration Services", "Revenues & Benefits and Customer Support",
    "Social Care (Adults and Children)", "Tourism, Leisure & Culture", "Youth Offending Service",
]  # fmt: skip


def test_twenty_service_areas_including_the_one_without_a_heading(extractions):
    assert [s.service for s in extractions[NOTICE].services] == SERVICES


def test_housing_recipients_exactly(extractions):
    housing = service(extractions, NOTICE, "Housing")
    stated = [(r.text, r.entity.key) for r in housing.recipients if r.role == "stated"]
    assert stated == [
        ("Judicial Agencies e.g. Courts", "courts-and-tribunals"),
        ("Police", "police"),
        ("Health Agencies", "health-agencies"),
        ("Education Providers", "education-providers"),
        ("Other Local Authorities", "local-authorities"),
        ("Immigration Service", "immigration-authorities"),
        ("Government Departments e.g. HMRC, DWP, DLHUC, Home Office", "government-departments"),
        ("Safeguarding Boards", "safeguarding-boards"),
        (
            "Contractors providing housing services (e.g. plumbing, electricians, gas operatives etc.) and IT services",
            "contractors",
        ),
        ("Elected Members & MPs (as your representative)", "elected-members"),
        ("Funding Bodies", "funding-bodies"),
        ("Credit Reference Agencies", "credit-reference-agencies"),
    ]
    examples = [
        (r.text, r.entity.key, r.entity.method) for r in housing.recipients if r.role == "example"
    ]
    assert examples == [
        ("HMRC", "hmrc", "alias"),
        ("DWP", "dwp", "alias"),
        ("DLHUC", "dluhc", "acronym"),
        ("Home Office", "home-office", "exact"),
    ]


def test_housing_purposes_and_laws(extractions):
    housing = service(extractions, NOTICE, "Housing")
    assert texts(housing.purposes) == [
        "Statutory requirements e.g. reporting to Government", "Service delivery", "Service improvement and planning",
        "Regulatory, licensing and enforcement functions", "Prevention and detection of crime", "Financial transactions",
        "Research inc. consultations", "Equality Monitoring", "Responding to housing emergencies e.g. refugee schemes",
    ]  # fmt: skip
    laws = [(law.title, law.year) for law in housing.laws]
    assert laws == [
        ("Housing Act", 1988), ("Housing Act", 1996), ("Housing Act", 2002), ("Housing Act", 2004),
        ("Homelessness Reduction Act", 2017), ("Landlord and Tenant Act", 1987), ("Localism Act", 2011),
        ("Protection from Eviction Act", 1977), ("Equality Act", 2010), ("Digital Economy Act", 2017),
        ("Immigration and Asylum Act", 1999),
    ]  # fmt: skip
    assert {b.code for b in housing.legal_bases} == {"legal_obligation", "public_task", "consent"}


def test_list_continued_on_a_tab_row_is_joined(extractions):
    cctv = service(extractions, NOTICE, "CCTV")
    assert [r.text for r in cctv.recipients if r.role == "stated"] == [
        "Judicial Agencies e.g. Courts", "Police", "Other local authorities",
        "Individuals/organisations undertaking legal or other proceedings", "Contractors providing IT / CCTV services",
        "Solicitors", "Insurance companies", "CCTV operators", "Fire and Rescue Services", "Regulators / Investigatory bodies",
        "With members of the public under very strict Data Protection or Freedom of Information conditions",
        "Internal/External enforcement agencies Trading Standards, HMRC",
    ]  # fmt: skip
    education = service(extractions, NOTICE, "Education & Learning Services")
    assert texts(education.recipients)[-3:] == [
        "Funding bodies",
        "Elected members",
        "Office of National Statistics (ONS)",
    ]


def test_nested_list_of_areas_of_law(extractions):
    legal = service(extractions, NOTICE, "Legal Services")
    acts = [(law.title, law.year) for law in legal.laws if law.kind != "area_of_law"]
    assert acts == [
        ("Freedom of Information Act", 2000), ("Data Protection Act", 1998), ("Regulation of Investigatory Powers Act", 2000),
        ("Local Land Charges Act", 1975), ("Local Land Charges Rules", 1977), ("Equality Act", 2010),
    ]  # fmt: skip
    areas = [law.title for law in legal.laws if law.kind == "area_of_law"]
    assert areas == ["Adult Social Care", "Childcare", "Employment", "Education", "Litigation", "Commercial", "Property",
                     "Planning", "Highways", "Environmental", "Local Government", "Coronial", "Judicial Review"]  # fmt: skip


def test_planning_and_transport_shares_with_the_llep(extractions):
    planning = service(extractions, NOTICE, "Planning & Transport")
    assert ("LLEP", "llep", "organisation") in [
        (r.text, r.entity.key, r.entity.kind) for r in planning.recipients
    ]
    assert texts(planning.automated_decisions) == [
        "Automatic Number Plate Recognition (ANPR) cameras in use on some bus lanes and in some car parks (Newarke Street Car Park)"
    ]


def test_transfers_pair_countries_with_safeguards(extractions):
    llep = service(
        extractions, NOTICE, "LLEP (Leicester and Leicestershire Enterprise Partnership)"
    )
    assert llep.service_entity is not None and llep.service_entity.key == "llep"
    pairs = [(t.destinations, tuple(v.key for v in t.via), t.safeguards) for t in llep.transfers]
    assert pairs == [
        (("eu",), ("dotdigital",), ("sccs",)),
        (("us",), ("dotdigital",), ("privacy-shield",)),
        (("us", "eu"), ("microsoft", "google", "aws", "vodafone"), ("contract",)),
    ]


def test_automated_decision_rows(extractions):
    it = service(extractions, NOTICE, "Information technology (IT)")
    assert texts(it.automated_decisions) == [
        "Some automated scanning and correlating of results to flag threats and vulnerabilities"
    ]
    revenues = service(extractions, NOTICE, "Revenues & Benefits and Customer Support")
    assert len(revenues.automated_decisions) == 4
    cctv = service(extractions, NOTICE, "CCTV")
    assert [d.detail["denies"] for d in cctv.denials] == ["automated_decisions"]


def test_every_evidence_quote_is_verbatim_at_its_offsets(extractions):
    for extraction in extractions.values():
        text = extraction.notice.text
        for s in extraction.services:
            for fact in [
                *s.recipients,
                *s.onward,
                *s.purposes,
                *s.laws,
                *s.transfers,
                *s.retention,
                *s.denials,
            ]:
                ev = fact.evidence
                assert text[ev.span.start : ev.span.end] == ev.quote
                assert ev.line == text.count("\n", 0, ev.span.start) + 1
