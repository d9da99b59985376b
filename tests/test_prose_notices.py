"""The prose notices: Leicester's general notice, Oadby and Wigston, Leeds and Leicestershire."""

from __future__ import annotations

from conftest import service


def keys(recipients) -> set[str]:
    return {r.entity.key for r in recipients}


def test_leicester_general_notice(extractions):
    general = service(extractions, "leicester-city-council-general.txt", None)
    found = keys(general.recipients)
    assert {
        "cabinet-office",
        "health-agencies",
        "nhs",
        "internal-departments",
        "contractors",
    } <= found
    assert "third-parties" in found
    assert any(r.text == "the Cabinet Office" for r in general.recipients)
    assert any(r.text == "health partners" for r in general.recipients)
    # the notice names the body by its name before 2016: that body, succeeded by NHS Digital
    assert {s.entity.key for s in general.sources} >= {
        "ons",
        "health-and-social-care-information-centre",
        "health-agencies",
    }


def test_oadby_and_wigston(extractions):
    owbc = service(extractions, "oadby-and-wigston-borough-council-general.txt", None)
    assert keys(owbc.recipients) == {"courts-and-tribunals", "third-parties"}
    conditions = [c.text for c in owbc.sharing_conditions]
    assert "in order to find and stop crime and fraud" in conditions
    assert "to protect a child" in conditions
    assert {b.code for b in owbc.legal_bases} >= {
        "consent",
        "contract",
        "public_task",
        "vital_interests",
        "legal_obligation",
    }


def test_leeds_lists_and_fraud_prose(extractions):
    leeds = service(extractions, "leeds-city-council-general.txt", None)
    fraud = [
        r for r in leeds.recipients if "auditing or administering public funds" in r.evidence.quote
    ]
    assert [r.entity.key for r in fraud] == [
        "third-parties",  # "other bodies that are responsible for auditing ..."
        "external-auditors",
        "dwp",
        "local-authorities",
        "hmrc",
        "police",
    ]
    assert "cabinet-office" in keys(leeds.recipients)
    listed = [r for r in leeds.recipients if r.evidence.quote == r.text and r.role == "stated"]
    assert len(listed) == 39
    assert {b.code for b in leeds.legal_bases} >= {
        "consent",
        "contract",
        "legal_obligation",
        "vital_interests",
        "public_task",
        "legitimate_interests",
    }


def test_leicestershire_children_and_family_services(extractions):
    lcc = service(
        extractions,
        "leicestershire-county-council-children-and-family-services.txt",
        "Children and Family Services",
    )
    assert keys(lcc.recipients) == {
        "third-parties",  # "Sometimes we need to share your information with others."
        "dfe",
        "post-16-providers",
        "education-providers",
    }
    assert {(r.sender.key, r.entity.key) for r in lcc.onward} == {
        ("dfe", "third-parties"),
        ("education-providers", "youth-support-services"),  # schools pass data to youth support
    }
    assert [
        (r.detail.get("duration"), r.detail.get("scope"))
        for r in lcc.retention
        if "duration" in r.detail
    ] == [
        ("P25Y", "School Admissions Service"),
        ("P7Y", "Early Years Inclusion and Childcare Service"),
    ]
    denial = [d for d in lcc.denials if d.detail["denies"] == "transfers"]
    assert [d.text for d in denial] == ["We will not send your information outside of the UK."]
    assert lcc.transfers == []
    special = {c.concept for c in lcc.data_categories if c.special}
    assert special == {"ethnicity", "special-needs", "health"}


def subjects(extraction) -> dict[str | None, set[str]]:
    return {
        s.service: {d.concept for d in s.data_subjects}
        for s in extraction.services
        if s.data_subjects
    }


def test_data_subjects_of_every_seed_notice(extractions):
    """Only where a notice says whose data it is: Leicestershire uses information about children,
    young people and pupils; Leicester's social care sends the data of looked-after children;
    Leeds explains criminal offence data as information about offenders. Names that are not data
    subjects (staff to employ, "Individual Pupils" in a regulation's title, tenants in the
    Landlord and Tenant Act) are not read."""
    assert {name: subjects(x) for name, x in extractions.items() if subjects(x)} == {
        "leicestershire-county-council-children-and-family-services.txt": {
            "Children and Family Services": {"child", "young-person", "pupil"}
        },
        "leicester-city-council-service-areas.txt": {
            "Social Care (Adults and Children)": {"child"}
        },
        "leeds-city-council-general.txt": {None: {"offender"}},
    }
    care = service(
        extractions, "leicester-city-council-service-areas.txt", "Social Care (Adults and Children)"
    )
    assert [(d.text, d.evidence.quote[:40]) for d in care.data_subjects] == [
        ("Looked After Children", "Under CP-IS, the data of Looked After Ch"),
        ("child", "Under CP-IS, the data of Looked After Ch"),
    ]
