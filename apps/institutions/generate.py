"""Filed transfer institutions and their annual reports, for the data generator (``manage.py generate_data``).

The reports in proportion to the contracts: every active transfer-institution organisation without
an institution (the contract generator makes 5 % of its sellers such, one per 50,000 contracts)
becomes a recognised, active transfer institution of its region, and files an annual report for
each past year since its recognition. A report's deals and their value are the contracts the
organisation sold and had registered that year, its firms served the distinct buyers of those,
so that the registry and the statistics tell the same story; services and staff are drawn.
Each host gets one account (unusable password) that files the reports.

Few rows (a couple of thousand at ten million contracts): written through the ORM, the history
triggers on.
"""

import random
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.core.places import place_short_name

# Level of recognition and the issuer of its document.
LEVELS = [("provincial", 0.55, "冀科成"), ("city", 0.35, "科"), ("national", 0.1, "国科火字")]
SERVICES = ["技术评估", "成果对接", "技术经纪", "知识产权运营", "技术培训", "科技咨询", "中试熟化", "投融资对接"]
STAFF_NAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
DOCUMENT_NUMBER = "{issuer}〔{year}〕{number}号"
DIRECTOR = "{surname}主任"
REPORT_SUMMARY = "{year}年开展{services}等服务。"
LIST_SEPARATOR = "、"


@dataclass
class ReportResult:
    institutions: int = 0
    reports: int = 0
    seconds: float = 0.0


def generate_annual_reports(*, seed: int, year_from: int, year_to: int) -> ReportResult:
    """Make institutions of the transfer-institution organisations that have none, with their annual reports.

    Reports cover ``year_from``..``year_to`` from each recognition on, up to last year (a report
    is filed for a past year). Running again adds nothing for hosts that already have an institution.
    """
    import pghistory
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count, Sum
    from django.db.models.functions import ExtractYear
    from django.utils import timezone

    from apps.accounts.models import Membership, Organisation, Role, User
    from apps.contracts.statistics import counted_contracts
    from apps.institutions.models import AnnualReport, Institution, InstitutionKind, InstitutionStatus

    started = time.perf_counter()
    rng = random.Random(f"reports-{seed}")
    result = ReportResult()
    last_year = min(year_to, timezone.localdate().year - 1)
    hosts = list(
        Organisation.objects.filter(kind="transfer_institution", status="active", institutions__isnull=True)
        .order_by("pk")
        .values_list("pk", "name", "region_id", "region__unit__name")
    )
    if not hosts:
        return result
    kind = InstitutionKind.objects.get(code="transfer_institution")
    levels, weights = zip(*[(level, weight) for level, weight, _issuer in LEVELS], strict=True)
    issuers = {level: issuer for level, _weight, issuer in LEVELS}
    with transaction.atomic(), pghistory.context(action="data.generate", seed=seed):
        institutions, users, recognised = [], [], {}
        for number, (pk, name, region, unit_name) in enumerate(hosts, 1):
            level = rng.choices(levels, weights=weights)[0]
            year = rng.randint(year_from - 4, max(year_from, last_year))
            recognised[pk] = date(year, rng.randint(1, 12), rng.randint(1, 28))
            issuer = issuers[level] if level != "city" else f"{place_short_name(unit_name or '')}{issuers[level]}"
            institutions.append(
                Institution(
                    name=name[:200],
                    kind=kind,
                    level=level,
                    region_id=region,
                    host_id=pk,
                    recognised_on=recognised[pk],
                    document_number=DOCUMENT_NUMBER.format(issuer=issuer, year=year, number=number % 40 + 1),
                    status=InstitutionStatus.ACTIVE,
                    description=LIST_SEPARATOR.join(rng.sample(SERVICES, k=3)),
                    contact_name=DIRECTOR.format(surname=rng.choice(STAFF_NAMES)),
                )
            )
            users.append(
                User(
                    username=f"gen{seed}-institution-{pk}",
                    display_name=DIRECTOR.format(surname=rng.choice(STAFF_NAMES)),
                    password=make_password(None),
                )
            )
        Institution.objects.bulk_create(institutions)
        User.objects.bulk_create(users, ignore_conflicts=True)
        accounts = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk"))
        Membership.objects.bulk_create(
            [
                Membership(user_id=accounts[f"gen{seed}-institution-{pk}"], organisation_id=pk, role=Role.INSTITUTION)
                for pk, *_rest in hosts
            ],
            ignore_conflicts=True,
        )
        sold = {
            (row["seller_id"], row["year"]): row
            for row in counted_contracts()
            .filter(seller_id__in=[pk for pk, *_rest in hosts], registered_on__year__range=(year_from, last_year))
            .annotate(year=ExtractYear("registered_on"))
            .values("seller_id", "year")
            .annotate(deals=Count("id"), value=Sum("contract_value"), firms=Count("buyer_name", distinct=True))
            .order_by()
        }
        reports = []
        for institution in institutions:
            pk = institution.host_id
            for year in range(max(year_from, recognised[pk].year), last_year + 1):
                figures = sold.get((pk, year), {"deals": 0, "value": Decimal("0.00"), "firms": 0})
                deals = figures["deals"]
                reports.append(
                    AnnualReport(
                        institution=institution,
                        year=year,
                        services=round(deals * rng.uniform(1.5, 4)) + rng.randint(5, 60),
                        deals_brokered=deals,
                        deal_value=figures["value"],
                        firms_served=figures["firms"] + rng.randint(0, 20),
                        staff=rng.randint(5, 60),
                        summary=REPORT_SUMMARY.format(
                            year=year, services=LIST_SEPARATOR.join(rng.sample(SERVICES, k=2))
                        ),
                        submitted_by_id=accounts[f"gen{seed}-institution-{pk}"],
                    )
                )
        AnnualReport.objects.bulk_create(reports, batch_size=1000)
    result.institutions, result.reports = len(institutions), len(reports)
    result.seconds = time.perf_counter() - started
    return result
