"""Demo organisations and one account per role, for trying the portal (``manage.py load_demo``).

Everything is keyed by credit code or user name, so loading twice changes nothing. The names are
fictional; the credit codes are made up but carry valid check characters.
"""

import random
from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import Organisation, OrganisationKind, OrganisationStatus, Role, User
from apps.accounts.services import membership_create
from apps.core.models import Region
from apps.core.validators import CREDIT_CODE_CHARSET, credit_code_check_character

# Registration authority + organisation type prefixes of GB 32100 (9x: market regulation, 1x: government bodies and
# public institutions).
PREFIX_BY_KIND = {
    OrganisationKind.ENTERPRISE: "91",
    OrganisationKind.PLATFORM_OPERATOR: "91",
    OrganisationKind.TRANSFER_INSTITUTION: "12",
    OrganisationKind.UNIVERSITY: "12",
    OrganisationKind.RESEARCH_INSTITUTE: "12",
    OrganisationKind.ST_BUREAU: "11",
    OrganisationKind.REGISTRATION_OFFICE: "12",
    OrganisationKind.OTHER: "51",
}


def demo_credit_code(kind: str, region_code: str, seed: str) -> str:
    rng = random.Random(seed)
    body = PREFIX_BY_KIND[kind] + region_code + "".join(rng.choice(CREDIT_CODE_CHARSET[:10]) for _ in range(8))
    body += rng.choice(CREDIT_CODE_CHARSET)
    return body + credit_code_check_character(body)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    organisation: str
    kind: str
    region: str
    party_type: str = ""


DEMO_ACCOUNTS = [
    DemoAccount(
        "demo_province",
        "省厅管理员",
        Role.PROVINCE_ADMIN,
        "河北省科学技术厅",
        OrganisationKind.ST_BUREAU,
        "130000",
        "010",
    ),
    DemoAccount(
        "demo_city",
        "石家庄市科技局干部",
        Role.CITY_OFFICIAL,
        "石家庄市科学技术局",
        OrganisationKind.ST_BUREAU,
        "130100",
        "010",
    ),
    DemoAccount(
        "demo_county",
        "正定县科技局干部",
        Role.COUNTY_OFFICIAL,
        "正定县科学技术局",
        OrganisationKind.ST_BUREAU,
        "130123",
        "010",
    ),
    DemoAccount(
        "demo_registrar",
        "登记员",
        Role.REGISTRAR,
        "石家庄市技术合同登记站",
        OrganisationKind.REGISTRATION_OFFICE,
        "130100",
        "010",
    ),
    DemoAccount(
        "demo_approver",
        "大额审核员",
        Role.APPROVER,
        "石家庄市技术合同登记站",
        OrganisationKind.REGISTRATION_OFFICE,
        "130100",
        "010",
    ),
    DemoAccount(
        "demo_enterprise",
        "企业联系人",
        Role.ENTERPRISE,
        "石家庄智航电子科技有限公司",
        OrganisationKind.ENTERPRISE,
        "130108",
        "150",
    ),
    DemoAccount(
        "demo_enterprise2",
        "唐山企业联系人",
        Role.ENTERPRISE,
        "唐山曹妃甸新材料股份有限公司",
        OrganisationKind.ENTERPRISE,
        "130209",
        "160",
    ),
    DemoAccount(
        "demo_university",
        "高校成果转化办",
        Role.UNIVERSITY,
        "冀中理工大学",
        OrganisationKind.UNIVERSITY,
        "130104",
        "022",
    ),
    # Second users of the university and of the enterprise: a listing is reviewed by another user of its unit.
    DemoAccount(
        "demo_university_reviewer",
        "高校成果审核人",
        Role.UNIVERSITY,
        "冀中理工大学",
        OrganisationKind.UNIVERSITY,
        "130104",
        "022",
    ),
    DemoAccount(
        "demo_enterprise_reviewer",
        "企业信息审核人",
        Role.ENTERPRISE,
        "石家庄智航电子科技有限公司",
        OrganisationKind.ENTERPRISE,
        "130108",
        "150",
    ),
    DemoAccount(
        "demo_institution",
        "技术转移机构联系人",
        Role.INSTITUTION,
        "河北燕赵技术转移中心",
        OrganisationKind.TRANSFER_INSTITUTION,
        "130102",
        "030",
    ),
    DemoAccount(
        "demo_broker",
        "技术经纪人",
        Role.BROKER,
        "河北燕赵技术转移中心",
        OrganisationKind.TRANSFER_INSTITUTION,
        "130102",
        "030",
    ),
]

# Further organisations across the 14 units, so that lists, scopes and (later) statistics have something to show.
ENTERPRISE_WORDS = [
    "智能装备",
    "新材料",
    "生物医药",
    "电子信息",
    "节能环保",
    "现代农业",
    "精细化工",
    "新能源",
    "数字科技",
    "交通装备",
]
FORMS = [("有限公司", "150"), ("股份有限公司", "160"), ("有限责任公司", "170")]
UNIT_SIZES = {
    "130100": 8,
    "130200": 6,
    "130300": 3,
    "130400": 5,
    "130500": 4,
    "130600": 6,
    "130700": 2,
    "130800": 2,
    "130900": 4,
    "131000": 4,
    "131100": 3,
    "130181": 1,
    "130682": 1,
    "133100": 2,
}
PENDING_SIGN_UPS = [
    ("正定县恒达机械制造有限公司", "130123"),
    ("鹿泉区云帆软件有限公司", "130110"),
    ("迁安市钢研科技有限公司", "130283"),
]


def _organisation(
    name: str, kind: str, region_code: str, party_type: str, status=OrganisationStatus.ACTIVE
) -> tuple[Organisation, bool]:
    credit_code = demo_credit_code(kind, region_code, name)
    return Organisation.objects.get_or_create(
        credit_code=credit_code,
        defaults={
            "name": name,
            "kind": kind,
            "region_id": region_code,
            "party_type": party_type,
            "status": status,
            "contact_name": "联系人",
            "contact_phone": "0311-8" + "".join(c for c in credit_code if c.isdigit())[-7:],
        },
    )


@transaction.atomic
def demo_load(*, password: str, reset_passwords: bool) -> list[tuple[DemoAccount, bool]]:
    """Create the demo organisations and accounts; return each account with whether it was created."""
    results = []
    for account in DEMO_ACCOUNTS:
        organisation, _created = _organisation(account.organisation, account.kind, account.region, account.party_type)
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"display_name": account.display_name, "email": f"{account.username}@example.cn"},
        )
        if created or (reset_passwords and not user.check_password(password)):
            user.set_password(password)
            user.save(update_fields=["password"])
        membership_create(actor=None, user=user, organisation=organisation, role=account.role)
        results.append((account, created))

    rng = random.Random(2018)
    for unit_code, size in UNIT_SIZES.items():
        counties = list(Region.objects.filter(unit_id=unit_code, level=Region.Level.COUNTY).order_by("code"))
        for index in range(size):
            county = counties[(index * 7) % len(counties)]
            word = ENTERPRISE_WORDS[rng.randrange(len(ENTERPRISE_WORDS))]
            form, party_type = FORMS[rng.randrange(len(FORMS))]
            _organisation(f"{county.short_name}{word}{form}", OrganisationKind.ENTERPRISE, county.code, party_type)
        first = counties[0]
        _organisation(f"{first.short_name}科学技术局", OrganisationKind.ST_BUREAU, unit_code, "010")
        if size >= 4:
            _organisation(f"{first.short_name}工业技术研究院", OrganisationKind.RESEARCH_INSTITUTE, first.code, "021")
            _organisation(
                f"{first.short_name}科技成果转化服务中心", OrganisationKind.TRANSFER_INSTITUTION, first.code, "030"
            )
    for name, region_code in PENDING_SIGN_UPS:
        _organisation(name, OrganisationKind.ENTERPRISE, region_code, "170", status=OrganisationStatus.PENDING)
    return results
