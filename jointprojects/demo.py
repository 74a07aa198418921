"""A realistic demo portfolio: a dozen projects across the six areas of cooperation, and
arrangements in each state with two and three parties, so that every page has something to
show. Idempotent: loading it twice changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from jointprojects.auth.models import User
from jointprojects.auth.services import create_user
from jointprojects.expenses.demo import load_demo_expenses
from jointprojects.extensions import db
from jointprojects.organizations.models import Organization
from jointprojects.organizations.services import load_reference_data
from jointprojects.personnel_exchanges.demo import load_demo_exchanges
from jointprojects.projects.models import Project
from jointprojects.projects.services import ProjectData, create_project
from jointprojects.special_arrangements import services as sa_services
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import (
    ArrangementData,
    CeilingData,
    ModalityData,
    ShareData,
)

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo credentials
DEMO_USERS = [
    ("admin@demo.jointprojects.org", "admin", "UN"),
    ("pm.un@demo.jointprojects.org", "programme_manager", "UN"),
    ("pm.interpol@demo.jointprojects.org", "programme_manager", "INTERPOL"),
    ("finance.un@demo.jointprojects.org", "finance", "UN"),
    ("finance.interpol@demo.jointprojects.org", "finance", "INTERPOL"),
    ("leadership@demo.jointprojects.org", "leadership", "UN"),
    ("pm.unodc@demo.jointprojects.org", "programme_manager", "UNODC"),
]

#: The demo users' names as a page shows them (fictitious people).
DEMO_NAMES = {
    "admin@demo.jointprojects.org": "Sam Okafor",
    "pm.un@demo.jointprojects.org": "Maria Lindqvist",
    "pm.interpol@demo.jointprojects.org": "Claire Dubois",
    "finance.un@demo.jointprojects.org": "David Mensah",
    "finance.interpol@demo.jointprojects.org": "Julien Moreau",
    "leadership@demo.jointprojects.org": "Amina Rahman",
    "pm.unodc@demo.jointprojects.org": "Tomas Havel",
}

PROJECTS = [
    (
        "JP-2024-001",
        "Police training on environmental crime",
        ["b", "c"],
        "INTERPOL",
        date(2024, 1, 15),
        "active",
    ),
    (
        "JP-2024-002",
        "Counter-trafficking intelligence analysis",
        ["a", "c"],
        "UN",
        date(2024, 3, 1),
        "active",
    ),
    (
        "JP-2024-003",
        "Support to the residual mechanism for criminal tribunals",
        ["d"],
        "UN",
        date(2024, 5, 1),
        "active",
    ),
    (
        "JP-2024-004",
        "Police advisers for peace operations",
        ["e"],
        "UN",
        date(2024, 6, 1),
        "active",
    ),
    (
        "JP-2024-005",
        "Linked databases on firearms trafficking",
        ["f", "c"],
        "INTERPOL",
        date(2024, 9, 1),
        "active",
    ),
    (
        "JP-2025-006",
        "Cybercrime awareness campaign",
        ["b"],
        "INTERPOL",
        date(2025, 1, 10),
        "active",
    ),
    (
        "JP-2025-007",
        "Maritime crime response in West Africa",
        ["a", "e"],
        "UN",
        date(2025, 2, 1),
        "active",
    ),
    ("JP-2025-008", "Money-laundering typologies study", ["c"], "UN", date(2025, 4, 1), "planned"),
    ("JP-2025-009", "Child protection online", ["c", "b"], "INTERPOL", date(2025, 6, 1), "active"),
    ("JP-2025-010", "Forensic data exchange pilot", ["f"], "INTERPOL", date(2025, 9, 1), "planned"),
    (
        "JP-2023-011",
        "War crimes evidence preservation",
        ["d", "a"],
        "UN",
        date(2023, 3, 1),
        "completed",
    ),
    (
        "JP-2026-012",
        "Drug trafficking routes assessment",
        ["c", "a"],
        "UN",
        date(2026, 1, 5),
        "planned",
    ),
]

#: Who signs the demo's arrangements for each party (fictitious people; DOMAIN.md: a
#: signature names the signatory, not the user who records it).
DEMO_SIGNATORIES: dict[str, tuple[str, str]] = {
    "UN": ("Ana Ruiz", "Director, Office of Partnerships"),
    "INTERPOL": ("Jan Berg", "Executive Director, Police Services"),
    "UNODC": ("Lea Novak", "Chief, Implementation Support Section"),
}


def _shares(
    un: str, ip: str, travel: tuple[str, str] | None = None, third: str | None = None
) -> list[ShareData]:
    rows = [ShareData("UN", un), ShareData("INTERPOL", ip)]
    if third:
        rows.append(ShareData("UNODC", third))
    if travel:
        rows += [ShareData("UN", travel[0], "travel"), ShareData("INTERPOL", travel[1], "travel")]
    return rows


def load_demo() -> bool:
    """Load the demo data unless it is there already. Returns True when it loaded."""
    load_reference_data()
    if db.session.scalar(select(Project.id).filter_by(code="JP-2024-001")):
        return False
    if not db.session.scalar(select(Organization.id).filter_by(code="UNODC")):
        db.session.add(
            Organization(
                code="UNODC", name="United Nations Office on Drugs and Crime", currency="USD"
            )
        )
        db.session.flush()
    for email, role, org in DEMO_USERS:
        if not db.session.scalar(select(User.id).filter_by(email=email)):
            create_user(email, DEMO_PASSWORD, role, org, DEMO_NAMES[email])
    users = {e: db.session.scalar(select(User).filter_by(email=e)) for e, _, _ in DEMO_USERS}
    admin = users["admin@demo.jointprojects.org"]
    for code, title, areas, lead, start, status in PROJECTS:
        create_project(
            ProjectData(
                code=code,
                title=title,
                areas=areas,
                lead_organization=lead,
                start_date=start,
                end_date=date(start.year + 3, start.month, 1)
                if status != "completed"
                else date(2024, 12, 31),
                status=status,
                description=f"{title}: a project of common interest under Article 5.",
            )
        )

    def arrangement(
        ref: str,
        project: str,
        title: str,
        start: date,
        shares: list[ShareData],
        kind: str = "joint_action",
        parties: tuple[str, ...] = ("UN", "INTERPOL"),
        currency: str = "USD",
        ceilings: list[CeilingData] | None = None,
        end: date | None = None,
    ) -> SpecialArrangement:
        return sa_services.create_arrangement(
            ArrangementData(
                reference=ref,
                project=project,
                title=title,
                kind=kind,
                parties=list(parties),
                currency=currency,
                start_date=start,
                end_date=end,
                modalities=[
                    ModalityData(
                        "UN", "Co-lead and funding", "Venues, logistics and participants' travel"
                    ),
                    ModalityData(
                        "INTERPOL",
                        "Technical lead",
                        "Trainers, curricula and databases",
                        "Secondment of two trainers",
                    ),
                    ModalityData("UNODC", "Implementing partner", "Field coordination"),
                ][: len(parties)]
                if parties == ("UN", "INTERPOL", "UNODC")
                else [
                    ModalityData(
                        "UN", "Co-lead and funding", "Venues, logistics and participants' travel"
                    ),
                    ModalityData(
                        "INTERPOL",
                        "Technical lead",
                        "Trainers, curricula and databases",
                        "Secondment of two trainers",
                    ),
                ],
                shares=shares,
                ceilings=ceilings or [],
            ),
            admin,
        )

    def sign_all(sa, on: date) -> None:  # type: ignore[no-untyped-def]
        for code in sa.party_codes:
            sa_services.sign(sa, code, on, admin, *DEMO_SIGNATORIES[code])

    in_force = [
        arrangement(
            "SA-2024-001",
            "JP-2024-001",
            "Training modules on environmental crime",
            date(2024, 2, 1),
            _shares("55", "45", ("70", "30")),
        ),
        arrangement(
            "SA-2024-002",
            "JP-2024-002",
            "Analysis cell on trafficking routes",
            date(2024, 3, 15),
            _shares("60", "40"),
            currency="USD",
            ceilings=[CeilingData("INTERPOL", "250000")],
        ),
        arrangement(
            "SA-2024-003",
            "JP-2024-005",
            "Firearms database link",
            date(2024, 9, 15),
            _shares("30", "70"),
            kind="technical_cooperation",
            currency="EUR",
        ),
        arrangement(
            "SA-2025-004",
            "JP-2025-007",
            "Maritime crime task force",
            date(2025, 2, 1),
            _shares("40", "35", third="25"),
            parties=("UN", "INTERPOL", "UNODC"),
        ),
        arrangement(
            "SA-2024-005",
            "JP-2024-004",
            "Secondment of police advisers",
            date(2024, 6, 1),
            _shares("50", "50"),
            kind="personnel",
        ),
        arrangement(
            "SA-2025-006",
            "JP-2025-006",
            "Awareness campaign production",
            date(2025, 1, 15),
            _shares("50", "50", ("60", "40")),
            kind="supplementary",
        ),
    ]
    for sa in in_force:
        sign_all(sa, sa.start_date)
    # Under notice: terminated six months after the notice.
    sa_services.give_notice(in_force[4], "INTERPOL", date(2026, 9, 30), admin)
    # Partly signed (awaiting INTERPOL) and plain drafts.
    waiting = arrangement(
        "SA-2025-007",
        "JP-2025-009",
        "Victim identification workshops",
        date(2025, 7, 1),
        _shares("45", "55"),
    )
    sa_services.sign(waiting, "UN", date(2025, 6, 20), admin, *DEMO_SIGNATORIES["UN"])
    arrangement(
        "SA-2025-008",
        "JP-2025-008",
        "Typologies study: shared research costs",
        date(2025, 5, 1),
        _shares("65", "35"),
    )
    arrangement(
        "SA-2026-009",
        "JP-2026-012",
        "Route assessment missions",
        date(2026, 2, 1),
        _shares("40", "30", third="30"),
        parties=("UN", "INTERPOL", "UNODC"),
    )
    # Ended: terminated long ago.
    old = arrangement(
        "SA-2023-010",
        "JP-2023-011",
        "Evidence preservation unit",
        date(2023, 3, 1),
        _shares("80", "20"),
        end=date(2024, 12, 31),
    )
    sign_all(old, date(2023, 3, 1))
    load_demo_expenses(in_force, admin)
    load_demo_exchanges(admin)
    return True
