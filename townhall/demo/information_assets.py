"""The demo borough's information asset register: its systems and datasets, how they feed one another,
who data is shared with, and the corporate data standards their fields must meet.

Everything goes in through `catalogue.services` (as Townhall itself, acting_user None), so the
demo entries have the same history and audit entries a steward's would; then the open part of
the register is published to the open data portal, as the monthly job does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from townhall.accounts import services as account_services
from townhall.accounts.models import User
from townhall.catalogue import services as catalogue_services
from townhall.catalogue.constants import (
    AssetKind,
    Classification,
    DisposalAction,
    LawfulBasis,
    RelationshipKind,
    RuleKind,
    SharingDirection,
    SpecialCategoryCondition,
)
from townhall.catalogue.models import DataStandard, InformationAsset
from townhall.demo.constants import DEMO_EMAIL_DOMAIN, TeamName

SYSTEM, DATASET = AssetKind.SYSTEM, AssetKind.DATASET
PUBLIC_TASK, LEGAL, CONTRACT = LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGAL_OBLIGATION, LawfulBasis.CONTRACT


@dataclass(frozen=True)
class DemoAsset:
    name: str
    kind: str
    purpose: str
    owner_role: str
    owner_team: str | None
    location: str
    format: str
    basis: str = ""
    condition: str = ""
    legislation: str = ""
    special: bool = False
    retention_months: int | None = None
    retention_trigger: str = ""
    disposal: str = DisposalAction.DESTROY
    review_in_days: int = 180
    classification: str = Classification.OFFICIAL
    steward: bool = False


ASSETS: tuple[DemoAsset, ...] = (
    DemoAsset(
        "Local Land and Property Gazetteer",
        SYSTEM,
        "The council's definitive list of addresses and streets, with UPRNs and USRNs, shared with every service.",
        "Head of Digital",
        TeamName.DIGITAL,
        "Gazetteer server (council data centre)",
        "BS 7666 gazetteer database",
        disposal=DisposalAction.KEEP,
        review_in_days=300,
        steward=True,
    ),
    DemoAsset(
        "Council tax system",
        SYSTEM,
        "Billing, collecting and recovering council tax, and council tax reduction for people on low incomes.",
        "Head of Revenues and Benefits",
        None,
        "Revenues and benefits system (supplier hosted)",
        "Relational database",
        LEGAL,
        legislation="Local Government Finance Act 1992",
        retention_months=72,
        retention_trigger="after the end of the financial year the account closed in",
        review_in_days=-20,
    ),
    DemoAsset(
        "Housing register",
        SYSTEM,
        "Applications for social housing, their priority banding and the offers made.",
        "Head of Housing Needs",
        None,
        "Housing allocations system (cloud)",
        "Relational database",
        PUBLIC_TASK,
        SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        "Housing Act 1996, Part 6",
        special=True,
        retention_months=72,
        retention_trigger="after the application is closed",
        review_in_days=45,
    ),
    DemoAsset(
        "Adult social care case records",
        SYSTEM,
        "Assessments, care and support plans, reviews and services for adults who need care and their carers.",
        "Director of Adult Social Care",
        None,
        "Social care case management system (cloud)",
        "Relational database and scanned documents",
        PUBLIC_TASK,
        SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
        "Care Act 2014",
        special=True,
        retention_months=96,
        retention_trigger="after the last contact or the person's death",
        disposal=DisposalAction.REVIEW,
        review_in_days=-5,
    ),
    DemoAsset(
        "Safeguarding adults referrals",
        DATASET,
        "Concerns raised that an adult with care needs is at risk of abuse or neglect, and the enquiries made.",
        "Director of Adult Social Care",
        None,
        "Social care case management system (restricted area)",
        "Case records",
        PUBLIC_TASK,
        SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        "Care Act 2014, section 42",
        special=True,
        retention_months=120,
        retention_trigger="after the enquiry closes",
        disposal=DisposalAction.REVIEW,
        classification=Classification.OFFICIAL_SENSITIVE,
    ),
    DemoAsset(
        "Garden waste subscriptions",
        SYSTEM,
        "Who has paid for the garden waste collection, for which address and bins, and when it renews.",
        "Head of Waste and Recycling",
        TeamName.WASTE_AND_RECYCLING,
        "Waste management system (supplier hosted)",
        "Relational database",
        CONTRACT,
        retention_months=24,
        retention_trigger="after the subscription ends",
        review_in_days=120,
    ),
    DemoAsset(
        "Waste collection rounds",
        DATASET,
        "Which addresses each crew collects from, on which day, for each type of bin.",
        "Head of Waste and Recycling",
        TeamName.WASTE_AND_RECYCLING,
        "Waste management system",
        "Round schedules (CSV export)",
        retention_months=24,
        retention_trigger="after the round is replaced",
        review_in_days=200,
    ),
    DemoAsset(
        "Service requests",
        SYSTEM,
        "Problems residents report (potholes, fly-tipping, street lights), their updates and how they were resolved.",
        "Head of Customer Services",
        TeamName.CUSTOMER_SERVICES,
        "Townhall (council data centre)",
        "Townhall database",
        PUBLIC_TASK,
        legislation="Highways Act 1980; Environmental Protection Act 1990",
        retention_months=72,
        retention_trigger="after the request is closed",
        disposal=DisposalAction.ANONYMISE,
        steward=True,
    ),
    DemoAsset(
        "MyAccount resident accounts",
        SYSTEM,
        "Residents' online accounts: sign-in, contact preferences, consents and correspondence.",
        "Head of Customer Services",
        TeamName.CUSTOMER_SERVICES,
        "Townhall (council data centre)",
        "Townhall database",
        PUBLIC_TASK,
        retention_months=24,
        retention_trigger="after the account was last used",
        review_in_days=90,
        steward=True,
    ),
    DemoAsset(
        "Citizen Index",
        SYSTEM,
        "Links the records services hold about the same person, so the council keeps one up-to-date view of them.",
        "Senior Information Risk Owner",
        TeamName.DATA_AND_INSIGHT,
        "Townhall (council data centre)",
        "Townhall database",
        PUBLIC_TASK,
        legislation="Local Government Act 2000, section 2 (wellbeing)",
        retention_months=12,
        retention_trigger="after the last source record linked to a person is removed",
        review_in_days=30,
        steward=True,
    ),
    DemoAsset(
        "Electoral register",
        SYSTEM,
        "Everyone registered to vote in the borough, and the annual canvass.",
        "Electoral Registration Officer",
        None,
        "Electoral management system (supplier hosted)",
        "Relational database",
        LEGAL,
        legislation="Representation of the People Act 1983",
        retention_months=180,
        retention_trigger="after the register is replaced",
        disposal=DisposalAction.ARCHIVE,
        review_in_days=250,
    ),
    DemoAsset(
        "Income management system",
        SYSTEM,
        "Takes card, direct debit and bank payments for every council service and passes them to the ledger.",
        "Head of Finance",
        None,
        "Payments platform (supplier hosted)",
        "Relational database",
        CONTRACT,
        retention_months=84,
        retention_trigger="after the end of the financial year",
    ),
    DemoAsset(
        "Financial ledger",
        SYSTEM,
        "The council's accounts: budgets, payments to suppliers and income.",
        "Chief Finance Officer (Section 151 Officer)",
        None,
        "Finance system (cloud)",
        "Relational database",
        LEGAL,
        legislation="Local Government Act 1972, section 151; Accounts and Audit Regulations 2015",
        retention_months=84,
        retention_trigger="after the end of the financial year",
        review_in_days=-60,
    ),
    DemoAsset(
        "Audit log",
        SYSTEM,
        "Who viewed or changed records in Townhall, and why; it cannot be edited.",
        "Senior Information Risk Owner",
        TeamName.INFORMATION_GOVERNANCE,
        "Townhall (council data centre)",
        "Hash-chained database table",
        PUBLIC_TASK,
        legislation="UK GDPR Article 5(2) (accountability)",
        retention_months=72,
        retention_trigger="after the entry is written",
    ),
    DemoAsset(
        "Open data portal",
        SYSTEM,
        "Publishes the council's open datasets with a CKAN API and DCAT catalogue.",
        "Head of Data and Insight",
        TeamName.DATA_AND_INSIGHT,
        "Townhall (council data centre)",
        "Townhall database and files",
        disposal=DisposalAction.KEEP,
        steward=True,
    ),
    DemoAsset(
        "Service requests by ward and month",
        DATASET,
        "Counts of problems reported and closed, by ward, category and month, with small counts withheld.",
        "Head of Data and Insight",
        TeamName.DATA_AND_INSIGHT,
        "Open data portal",
        "CSV",
        disposal=DisposalAction.KEEP,
        steward=True,
    ),
    DemoAsset(
        "Performance dashboards",
        DATASET,
        "Daily counts of service requests and their outcomes behind the staff dashboards and the performance page.",
        "Head of Data and Insight",
        TeamName.DATA_AND_INSIGHT,
        "Townhall (council data centre)",
        "Townhall database (rollup tables)",
        retention_months=60,
        retention_trigger="after the day they count",
        steward=True,
    ),
    DemoAsset(
        "Spending over £500",
        DATASET,
        "Every payment over £500 to a supplier, as the Local Government Transparency Code asks.",
        "Head of Finance",
        None,
        "Open data portal",
        "CSV",
        disposal=DisposalAction.KEEP,
    ),
    DemoAsset(
        "Street trees",
        DATASET,
        "The council's street trees: species, location and last inspection.",
        "Head of Highways",
        TeamName.HIGHWAYS,
        "Tree management system",
        "CSV",
        disposal=DisposalAction.KEEP,
        review_in_days=365,
    ),
    DemoAsset(
        "Highways asset inventory",
        SYSTEM,
        "Roads, pavements, street lights and signs, their condition and the inspections made.",
        "Head of Highways",
        TeamName.HIGHWAYS,
        "Highways asset management system (cloud)",
        "Relational database and GIS layers",
        disposal=DisposalAction.REVIEW,
        review_in_days=160,
    ),
)

RELATIONSHIPS: tuple[tuple[str, str, str, str], ...] = (
    ("Local Land and Property Gazetteer", RelationshipKind.FEEDS, "Council tax system", "Addresses and UPRNs, daily"),
    ("Local Land and Property Gazetteer", RelationshipKind.FEEDS, "Housing register", "Addresses and UPRNs"),
    ("Local Land and Property Gazetteer", RelationshipKind.FEEDS, "Garden waste subscriptions", "Addresses and UPRNs"),
    ("Local Land and Property Gazetteer", RelationshipKind.FEEDS, "Service requests", "Addresses and streets"),
    (
        "Local Land and Property Gazetteer",
        RelationshipKind.FEEDS,
        "Electoral register",
        "Property list for the canvass",
    ),
    ("Local Land and Property Gazetteer", RelationshipKind.FEEDS, "Highways asset inventory", "Streets (USRN)"),
    ("Waste collection rounds", RelationshipKind.DERIVED_FROM, "Local Land and Property Gazetteer", ""),
    (
        "Garden waste subscriptions",
        RelationshipKind.FEEDS,
        "Waste collection rounds",
        "Which addresses have brown bins",
    ),
    ("Council tax system", RelationshipKind.FEEDS, "Citizen Index", "Nightly extract of account holders"),
    ("Housing register", RelationshipKind.FEEDS, "Citizen Index", "Nightly extract of applicants"),
    ("Adult social care case records", RelationshipKind.FEEDS, "Citizen Index", "Nightly extract of people known"),
    ("Garden waste subscriptions", RelationshipKind.FEEDS, "Citizen Index", "Nightly extract of subscribers"),
    ("MyAccount resident accounts", RelationshipKind.FEEDS, "Citizen Index", "Verified account holders"),
    ("Citizen Index", RelationshipKind.FEEDS, "MyAccount resident accounts", "The resident's golden record"),
    ("Safeguarding adults referrals", RelationshipKind.FEEDS, "Adult social care case records", ""),
    ("Council tax system", RelationshipKind.SHARES_WITH, "Electoral register", "Local data matching for the canvass"),
    ("Income management system", RelationshipKind.FEEDS, "Council tax system", "Payments received"),
    ("Income management system", RelationshipKind.FEEDS, "Garden waste subscriptions", "Subscription payments"),
    ("Income management system", RelationshipKind.FEEDS, "Financial ledger", "Daily income journal"),
    ("Spending over £500", RelationshipKind.DERIVED_FROM, "Financial ledger", "Monthly"),
    ("Service requests", RelationshipKind.FEEDS, "Performance dashboards", "Hourly rollup"),
    ("Service requests by ward and month", RelationshipKind.DERIVED_FROM, "Performance dashboards", "Daily"),
    ("Service requests by ward and month", RelationshipKind.FEEDS, "Open data portal", ""),
    ("Spending over £500", RelationshipKind.FEEDS, "Open data portal", ""),
    ("Street trees", RelationshipKind.FEEDS, "Open data portal", ""),
    ("Street trees", RelationshipKind.DERIVED_FROM, "Highways asset inventory", ""),
    ("Service requests", RelationshipKind.FEEDS, "Audit log", "Every staff view and change"),
    ("MyAccount resident accounts", RelationshipKind.FEEDS, "Audit log", "Every staff view and change"),
)

AGREEMENTS: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "Benefit and council tax reduction data",
        "Department for Work and Pensions",
        "Checking entitlement to council tax reduction and housing benefit against DWP benefit records.",
        SharingDirection.BOTH,
        LEGAL,
        "Social Security Administration Act 1992",
        ("Council tax system", "Housing register"),
    ),
    (
        "Integrated health and social care",
        "North East and North Cumbria Integrated Care Board",
        "Joint care planning and hospital discharge for adults who need both health and social care.",
        SharingDirection.BOTH,
        PUBLIC_TASK,
        "Care Act 2014; Health and Social Care Act 2012",
        ("Adult social care case records", "Safeguarding adults referrals"),
    ),
    (
        "National Fraud Initiative",
        "Cabinet Office",
        "Data matching to prevent and detect fraud, as every council must take part in.",
        SharingDirection.OUTGOING,
        LEGAL,
        "Local Audit and Accountability Act 2014, Schedule 9",
        ("Council tax system", "Housing register", "Electoral register", "Financial ledger"),
    ),
    (
        "Garden waste collection contract",
        "Clearway Waste Services",
        "The contractor collects subscribers' garden waste: it receives addresses and bin details, never payments.",
        SharingDirection.OUTGOING,
        CONTRACT,
        "",
        ("Garden waste subscriptions", "Waste collection rounds"),
    ),
    (
        "Community safety partnership",
        "Cleveland Police",
        "Reports of anti-social behaviour, fly-tipping and graffiti, to tackle crime and disorder together.",
        SharingDirection.BOTH,
        PUBLIC_TASK,
        "Crime and Disorder Act 1998, section 115",
        ("Service requests",),
    ),
)

STANDARDS: tuple[tuple[str, str, str, str, str], ...] = (
    ("UK postcode", RuleKind.UK_POSTCODE, "", "TS1 1AA", "Upper case with a space before the last three characters."),
    ("National Insurance number", RuleKind.NI_NUMBER, "", "AB123456C", "Stored without spaces, in upper case."),
    ("Date", RuleKind.ISO_DATE, "", "2026-03-31", "Every date is stored as YYYY-MM-DD (ISO 8601)."),
    ("Email address", RuleKind.EMAIL, "", "name@example.com", ""),
    ("UK telephone number", RuleKind.UK_PHONE, "", "01632 960 001", "A UK number by Ofcom's numbering plan."),
    ("UPRN", RuleKind.UPRN, "", "100110012345", "The property's Unique Property Reference Number, from the LLPG."),
    ("Council tax account reference", RuleKind.PATTERN, r"[0-9]{8}", "40012345", "Eight digits."),
    ("Housing band", RuleKind.CHOICES, "A, B, C, D", "B", "The priority band in the allocations policy."),
    ("Person's name", RuleKind.MAX_LENGTH, "100", "Sam Smith", "At most 100 characters."),
)

FIELD_RULES: tuple[tuple[str, str, str, bool], ...] = (
    ("Council tax system", "account_reference", "Council tax account reference", True),
    ("Council tax system", "uprn", "UPRN", True),
    ("Council tax system", "postcode", "UK postcode", True),
    ("Council tax system", "liable_from", "Date", True),
    ("Council tax system", "email", "Email address", False),
    ("Council tax system", "phone", "UK telephone number", False),
    ("Housing register", "ni_number", "National Insurance number", False),
    ("Housing register", "date_of_birth", "Date", True),
    ("Housing register", "postcode", "UK postcode", True),
    ("Housing register", "uprn", "UPRN", False),
    ("Housing register", "band", "Housing band", True),
    ("Adult social care case records", "ni_number", "National Insurance number", False),
    ("Adult social care case records", "date_of_birth", "Date", True),
    ("Adult social care case records", "postcode", "UK postcode", True),
    ("Adult social care case records", "phone", "UK telephone number", False),
    ("Garden waste subscriptions", "uprn", "UPRN", True),
    ("Garden waste subscriptions", "postcode", "UK postcode", True),
    ("Garden waste subscriptions", "email", "Email address", True),
    ("Garden waste subscriptions", "phone", "UK telephone number", False),
    ("Garden waste subscriptions", "name", "Person's name", True),
)


def _steward() -> User | None:
    return User.objects.filter(email=f"steward@{DEMO_EMAIL_DOMAIN}").first()


def demo_information_assets_create(*, as_of: dt.date) -> int:
    """Build the register (assets, relationships, agreements, standards, field rules) and publish it; returns assets."""
    steward = _steward()
    assets: dict[str, InformationAsset] = {}
    for spec in ASSETS:
        personal = bool(spec.basis)
        team = account_services.team_get_or_create(name=spec.owner_team) if spec.owner_team else None
        fields = catalogue_services.AssetFields(
            name=spec.name,
            kind=spec.kind,
            purpose=spec.purpose,
            owner_role=spec.owner_role,
            owner_team=team,
            steward_team=account_services.team_get_or_create(name=TeamName.DATA_AND_INSIGHT) if spec.steward else team,
            steward=steward if spec.steward else None,
            holds_personal_data=personal,
            holds_special_category_data=spec.special,
            lawful_basis=spec.basis,
            special_category_condition=spec.condition,
            legislation=spec.legislation,
            retention_period_months=spec.retention_months,
            retention_trigger=spec.retention_trigger,
            disposal_action=spec.disposal,
            next_review_on=as_of + dt.timedelta(days=spec.review_in_days),
            location=spec.location,
            format=spec.format,
            classification=spec.classification,
        )
        assets[spec.name] = catalogue_services.asset_create(acting_user=None, fields=fields)
    for source, kind, target, description in RELATIONSHIPS:
        catalogue_services.relationship_add(
            acting_user=None, source=assets[source], target=assets[target], kind=kind, description=description
        )
    for title, partner, purpose, direction, basis, legislation, covered in AGREEMENTS:
        catalogue_services.agreement_create(
            acting_user=None,
            fields=catalogue_services.AgreementFields(
                title=title,
                partner=partner,
                purpose=purpose,
                direction=direction,
                lawful_basis=basis,
                legislation=legislation,
                starts_on=dt.date(as_of.year - 2, 4, 1),
                review_on=dt.date(as_of.year, 4, 1) if len(covered) > 2 else dt.date(as_of.year + 1, 4, 1),
                assets=[assets[name] for name in covered],
            ),
        )
    standards: dict[str, DataStandard] = {}
    for name, kind, parameter, example, description in STANDARDS:
        standards[name] = catalogue_services.standard_create(
            acting_user=None, name=name, kind=kind, parameter=parameter, example=example, description=description
        )
    for asset, field_name, standard, required in FIELD_RULES:
        catalogue_services.field_rule_add(
            acting_user=None,
            asset=assets[asset],
            field_name=field_name,
            standard=standards[standard],
            required=required,
        )
    catalogue_services.register_publish(acting_user=None)
    return len(assets)
