"""Statistics of technology contracts for the KPI work: output, absorption and their total.

DOMAIN.md "Statistics": **output** (输出) is counted by the seller's region, **absorption** (吸纳)
by the buyer's region, and a province's "total" is output + absorption, which counts a contract
between two Hebei parties twice and is therefore not comparable with national totals. The three
stay separate, named measures here.

What counts: current registered versions only (status "registered"). The old version of a
changed contract is "changed" and the new version carries the figures; cancelled and revoked
registrations no longer count. Records registered outside Hebei and imported (``is_external``)
count like any other: they are where Hebei's absorption from Beijing and Tianjin comes from.
The period is the registration date. Both values are reported: the contract value (成交额) and
the technology transaction value as confirmed by the office (技术交易额; the declared value
where nothing was confirmed).

These are aggregates, not records: the caller checks the policy ``contract.statistics`` and
narrows ``regions`` to what the actor may see (``statistics_regions_for``).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter, TruncYear
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, actor_for
from apps.contracts.models import ZERO, Contract, ContractStatus
from apps.core.errors import InvalidInput
from apps.core.models import Code, CodeList
from apps.core.selectors import assessment_units

Measure = Literal["output", "absorption"]
GroupBy = Literal["unit", "county", "month", "quarter", "year", "type", "field", "party_type"]

# measure -> the side of the contract whose region (and party type) it counts by
SIDES = {"output": "seller", "absorption": "buyer"}
GROUPINGS = ("unit", "county", "month", "quarter", "year", "type", "field", "party_type")
PERIOD_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
CODE_GROUPINGS = {"type": CodeList.CONTRACT_TYPE, "field": CodeList.TECH_FIELD, "party_type": CodeList.PARTY_TYPE}
# The registered parties of Beijing (11xxxx) and Tianjin (12xxxx), for target H3.
BJ_TJ_PREFIXES = ("11", "12")

STATISTICS_ERROR = "invalid_statistics"


@dataclass(frozen=True)
class Figures:
    """Count and values of a set of contracts; values in yuan."""

    count: int = 0
    contract_value: Decimal = ZERO
    technology_value: Decimal = ZERO

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.count + other.count,
            self.contract_value + other.contract_value,
            self.technology_value + other.technology_value,
        )


@dataclass(frozen=True)
class TotalsRow:
    """One group of ``contract_totals``: ``key`` is a code or a period ("2024", "2024-Q1", "2024-03")."""

    key: str
    label: str
    count: int
    contract_value: Decimal
    technology_value: Decimal

    @property
    def figures(self) -> Figures:
        return Figures(self.count, self.contract_value, self.technology_value)


@dataclass(frozen=True)
class UnitSummaryRow:
    """An assessment unit's year: output, absorption, and their total (output + absorption)."""

    unit: str
    label: str
    output: Figures = field(default_factory=Figures)
    absorption: Figures = field(default_factory=Figures)

    @property
    def total(self) -> Figures:
        return self.output + self.absorption


def technology_value_expression():
    """The technology transaction value that counts: as the office confirmed it, else as declared."""
    return Coalesce("confirmed_technology_value", "technology_value")


def counted_contracts() -> QuerySet:
    """Contract versions that count in statistics: current registrations, imported ones included."""
    return Contract.objects.filter(status=ContractStatus.REGISTERED)


def _bilingual(name: str, name_en: str | None) -> str:
    # The same rule as BilingualNameMixin.label, for names read with values().
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name


def _check_measure(measure: str) -> str:
    if measure not in SIDES:
        raise InvalidInput(
            _("Unknown measure “%(measure)s”; use output or absorption.") % {"measure": measure},
            code=STATISTICS_ERROR,
            field="measure",
        )
    return SIDES[measure]


def _hebei(side: str) -> Q:
    """The side's party is in Hebei: its region is one of Hebei's, below the province."""
    return Q(**{f"{side}_region__unit__isnull": False})


def _regions_q(side: str, regions: Iterable[str] | None) -> Q:
    """Narrow to ``regions``: assessment unit codes (all member regions) and/or county codes (that region)."""
    if regions is None:
        return Q()
    codes = sorted(set(regions))
    return Q(**{f"{side}_region__unit__in": codes}) | Q(**{f"{side}_region__in": codes})


def _base(*, side: str, date_from: date, date_to: date, regions: Iterable[str] | None, extra: Q | None = None):
    queryset = counted_contracts().filter(
        _hebei(side), _regions_q(side, regions), registered_on__gte=date_from, registered_on__lte=date_to
    )
    return queryset.filter(extra) if extra is not None else queryset


def _aggregates() -> dict:
    return {
        "n": Count("id"),
        "cv": Sum("contract_value"),
        "tv": Sum(technology_value_expression()),
    }


def _region_labels(region: str) -> dict:
    # Aggregated, not grouped by: grouping by the names as well made PostgreSQL sort wide rows.
    return {"label_zh": Min(f"{region}__name"), "label_en": Min(f"{region}__name_en")}


def code_labels(list_name: str, codes) -> dict[str, str]:
    """The labels of ``codes`` of the code list ``list_name``, in the active language: ``{code: label}``."""
    rows = Code.objects.filter(list=list_name, code__in=codes).values_list("code", "name", "name_en")
    return {code: _bilingual(name, name_en) for code, name, name_en in rows}


def _period_label(group_by: str, start: date) -> str:
    if group_by == "year":
        return f"{start.year}"
    if group_by == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def _totals(
    *,
    measure: str,
    date_from: date,
    date_to: date,
    group_by: str,
    regions: Iterable[str] | None,
    extra: Q | None = None,
) -> list[TotalsRow]:
    side = _check_measure(measure)
    if group_by not in GROUPINGS:
        raise InvalidInput(
            _("Unknown grouping “%(group_by)s”.") % {"group_by": group_by}, code=STATISTICS_ERROR, field="group_by"
        )
    queryset = _base(side=side, date_from=date_from, date_to=date_to, regions=regions, extra=extra)
    if group_by == "unit":
        region = f"{side}_region__unit"
        grouped = queryset.values(key=F(region)).annotate(**_region_labels(region))
    elif group_by == "county":
        region = f"{side}_region"
        grouped = queryset.values(key=F(region)).annotate(**_region_labels(region))
    elif group_by in PERIOD_TRUNC:
        grouped = queryset.annotate(key=PERIOD_TRUNC[group_by]("registered_on")).values("key")
    else:
        column = {"type": "contract_type", "field": "tech_field", "party_type": f"{side}_party_type"}[group_by]
        grouped = queryset.values(key=F(column))
    groups = list(grouped.annotate(**_aggregates()).order_by("key"))
    if group_by in CODE_GROUPINGS:
        # A second, tiny query: a label subquery in the aggregate would run once per contract row.
        labels = code_labels(CODE_GROUPINGS[group_by], [g["key"] for g in groups])
    rows = []
    for row in groups:
        if group_by in PERIOD_TRUNC:
            key = label = _period_label(group_by, row["key"])
        elif group_by in CODE_GROUPINGS:
            key = row["key"]
            label = labels.get(key, key)
        else:
            key = row["key"]
            label = _bilingual(row["label_zh"] or key, row["label_en"])
        rows.append(TotalsRow(key, label, row["n"], row["cv"] or ZERO, row["tv"] or ZERO))
    return rows


def contract_totals(
    *,
    measure: Measure,
    date_from: date,
    date_to: date,
    group_by: GroupBy,
    regions: Iterable[str] | None = None,
) -> list[TotalsRow]:
    """Hebei's output or absorption registered from ``date_from`` to ``date_to`` (both included), grouped.

    ``measure``: "output" counts contracts by the seller's region, "absorption" by the buyer's;
    either way only contracts whose counted party is in Hebei. ``group_by``: "unit" (the 14
    assessment units), "county" (the most precise Hebei region recorded: a county, or a city
    when the party is registered at city level), "month"/"quarter"/"year" of registration,
    "type" (contract type), "field" (technology field), "party_type" (of the counted party).
    ``regions``: assessment unit and/or county codes to narrow to (None: all of Hebei); pass
    ``statistics_regions_for(actor)`` for an actor below the province. Groups without contracts
    are left out. One query; two for "type", "field" and "party_type" (the code labels).
    """
    return _totals(measure=measure, date_from=date_from, date_to=date_to, group_by=group_by, regions=regions)


def foreign_related_q() -> Q:
    """涉外: either party is outside China (its country is not CN)."""
    return ~Q(buyer_country="CN") | ~Q(seller_country="CN")


def foreign_related_totals(
    *,
    measure: Measure,
    date_from: date,
    date_to: date,
    group_by: GroupBy = "year",
    regions: Iterable[str] | None = None,
) -> list[TotalsRow]:
    """``contract_totals`` of the foreign-related contracts only (a party abroad). One query.

    Output: Hebei sellers with a buyer abroad (technology export). Absorption: Hebei buyers with
    a seller abroad (technology import, registered by the Hebei buyer).
    """
    return _totals(
        measure=measure,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        regions=regions,
        extra=foreign_related_q(),
    )


def _flow_figure(count, contract_value, technology_value) -> dict:
    return {
        "count": count,
        "value": contract_value or ZERO,
        "technology_value": technology_value or ZERO,
    }


def beijing_tianjin_flow(*, year: int, bj_tj_output: Decimal | None = None) -> dict:
    """Target H3: the share of Beijing's and Tianjin's technology output that Hebei absorbs, in ``year``.

    Numerator: contracts registered in ``year`` with a Beijing (11xxxx) or Tianjin (12xxxx)
    seller and a Hebei buyer (mostly imported external records). ``value`` is the contract
    value (成交额), the measure Beijing and Tianjin publish; ``technology_value`` is given too.

    Denominator: the portal only knows the Beijing and Tianjin contracts that involve Hebei (or
    were imported for another reason), so ``bj_tj_output_known`` is NOT Beijing's and Tianjin's
    output and a share computed from it is far too high. For target H3, pass the published
    Beijing + Tianjin output figure (成交额, yuan) as ``bj_tj_output``; the share then uses it and
    ``denominator`` says "published". Without it the share is of the known output ("known").
    ``share`` is a fraction (0.075 for 7.5 %), None when the denominator is zero. One query.
    """
    seller_bj_tj = Q()
    for prefix in BJ_TJ_PREFIXES:
        seller_bj_tj |= Q(seller_region__code__startswith=prefix)
    to_hebei = _hebei("buyer")
    totals = (
        counted_contracts()
        .filter(seller_bj_tj, registered_on__year=year)
        .aggregate(
            flow_n=Count("id", filter=to_hebei),
            flow_cv=Sum("contract_value", filter=to_hebei),
            flow_tv=Sum(technology_value_expression(), filter=to_hebei),
            all_n=Count("id"),
            all_cv=Sum("contract_value"),
            all_tv=Sum(technology_value_expression()),
        )
    )
    flow = _flow_figure(totals["flow_n"], totals["flow_cv"], totals["flow_tv"])
    known = _flow_figure(totals["all_n"], totals["all_cv"], totals["all_tv"])
    denominator = known["value"] if bj_tj_output is None else Decimal(bj_tj_output)
    share = (flow["value"] / denominator).quantize(Decimal("0.000001")) if denominator > 0 else None
    return {
        "year": year,
        "bj_tj_to_hebei": flow,
        "bj_tj_output_known": known,
        "denominator": "known" if bj_tj_output is None else "published",
        "share": share,
    }


def unit_summary(*, year: int, regions: Iterable[str] | None = None) -> list[UnitSummaryRow]:
    """Each of the 14 assessment units in ``year``: output, absorption and total, zeros included.

    ``regions`` narrows to those units (and counts only the given counties within them). Three
    queries: the units, the output by unit, the absorption by unit.
    """
    date_from, date_to = date(year, 1, 1), date(year, 12, 31)
    figures = {}
    for measure in SIDES:
        for row in contract_totals(
            measure=measure, date_from=date_from, date_to=date_to, group_by="unit", regions=regions
        ):
            figures[measure, row.key] = row.figures
    return unit_summary_rows(figures, regions=regions)


def unit_summary_rows(
    figures: dict[tuple[str, str], Figures], *, regions: Iterable[str] | None
) -> list[UnitSummaryRow]:
    """The rows of ``unit_summary`` from ``{(measure, unit code): Figures}``: the units ``regions``
    reach (all 14 when None), in their order, zeros where ``figures`` has nothing. One query."""
    units = assessment_units()
    if regions is not None:
        codes = sorted(set(regions))
        units = units.filter(Q(code__in=codes) | Q(unit_members__code__in=codes)).distinct()
    return [
        UnitSummaryRow(
            unit=u.code,
            label=u.label,
            output=figures.get(("output", u.code), Figures()),
            absorption=figures.get(("absorption", u.code), Figures()),
        )
        for u in units
    ]


def statistics_regions_for(user) -> list[str] | None:
    """The region codes whose statistics ``user`` may see, for ``regions=``.

    None: the whole province (provincial officials, registrars and approvers, who register for
    the whole province). Otherwise the assessment unit codes of city officials and the county
    codes of county officials; an empty list when the user may see no statistics. This narrows;
    it does not replace ``policies.check(user, "contract.statistics", region)``.
    """
    actor = actor_for(user)
    if actor.is_superuser:
        return None
    codes: set[str] = set()
    for grant in actor.grants:
        if grant.role in (Role.REGISTRAR, Role.APPROVER):
            return None
        if grant.role not in REGION_OVERSIGHT_ROLES:
            continue
        if grant.region_level == "province" or grant.region_code == settings.HEBTT_PROVINCE_CODE:
            return None
        codes.add(grant.region_code)
    return sorted(codes)
