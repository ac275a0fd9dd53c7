"""Plan task 14's talent green channel: who led transformations with 50 or 80 million yuan of direct income.

The portal has no "researcher" entity. The rule: a transformation's direct income is the technical
income (技术性收入) the seller received from its registered contracts, as filed by the seller and
**confirmed** by the registration office (``IncomeConfirmation`` with status ``confirmed``, its
``confirmed_amount``), in the years chosen. The person who led it is the contract's responsible
person (``Contract.contact_name``) at the seller organisation: the report adds the confirmed
incomes per seller organisation and responsible person, over all their contracts (income belongs
to the contract, whichever version it was filed on). Contracts without a responsible person are
grouped under an empty name and are not a person: they are listed, never flagged.

A row reaching ``ASSOCIATE_SENIOR`` (50 million) may apply for the associate-senior title, one
reaching ``FULL_SENIOR`` (80 million) for the full-senior title. Universities and research
institutes come first, then the largest incomes. A unit narrows to sellers in that assessment unit.
"""

from decimal import Decimal

from django.db.models import Count, Sum

from apps.contracts.models import IncomeConfirmation, IncomeStatus

ASSOCIATE_SENIOR = Decimal("50000000")
FULL_SENIOR = Decimal("80000000")
RESEARCH_KINDS = ("university", "research_institute")


def channel_for(income: Decimal, contact_name: str) -> str:
    """``full_senior``, ``associate_senior`` or empty: which title the income opens (a named person only)."""
    if not contact_name:
        return ""
    if income >= FULL_SENIOR:
        return "full_senior"
    if income >= ASSOCIATE_SENIOR:
        return "associate_senior"
    return ""


def talent_channel_report(*, year_from=None, year_to=None, unit=None) -> list[dict]:
    """The seller organisations and responsible persons whose confirmed technical income reached 50 million yuan."""
    incomes = IncomeConfirmation.objects.filter(status=IncomeStatus.CONFIRMED, contract__seller__isnull=False)
    if year_from is not None:
        incomes = incomes.filter(year__gte=year_from)
    if year_to is not None:
        incomes = incomes.filter(year__lte=year_to)
    if unit is not None:
        incomes = incomes.filter(contract__seller_region__unit=getattr(unit, "pk", unit))
    rows = []
    for row in (
        incomes.values(
            "contract__seller_id",
            "contract__seller__name",
            "contract__seller__kind",
            "contract__seller_region__unit",
            "contract__contact_name",
        )
        .annotate(income=Sum("confirmed_amount"), contracts=Count("contract_id", distinct=True))
        .filter(income__gte=ASSOCIATE_SENIOR)
    ):
        name = row["contract__contact_name"].strip()
        rows.append(
            {
                "seller_id": row["contract__seller_id"],
                "seller_name": row["contract__seller__name"],
                "seller_kind": row["contract__seller__kind"],
                "research": row["contract__seller__kind"] in RESEARCH_KINDS,
                "unit": row["contract__seller_region__unit"],
                "contact_name": name,
                "contracts": row["contracts"],
                "income": row["income"],
                "channel": channel_for(row["income"], name),
            }
        )
    rows.sort(key=lambda r: (not r["research"], -r["income"], r["seller_name"], r["contact_name"]))
    return rows
