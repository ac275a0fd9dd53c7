"""Demo institutions, a training base and brokers, so the registry and the directory have something to show.

Entered through the real services: the province enters recognised institutions; the demo
institution files one of its own (awaiting the city bureau). Loading again adds nothing.
"""

from datetime import date

from django.db import transaction

from apps.accounts.models import User
from apps.institutions import services
from apps.institutions.models import Broker, Institution
from apps.institutions.services import BrokerInput, InstitutionInput

RECOGNISED = [
    # name, kind, level, region, document number
    ("河北省技术转移中心", "transfer_institution", "provincial", "130104", "冀科成〔2019〕3号"),
    ("唐山市科技成果转化服务中心", "transfer_institution", "provincial", "130202", "冀科成〔2020〕7号"),
    ("保定国家大学科技园技术转移中心", "transfer_institution", "national", "130606", "国科火字〔2018〕21号"),
    ("石家庄区域性常设技术市场", "regional_market", "provincial", "130102", "冀科成〔2021〕2号"),
    ("河北省技术转移人才培养基地（石家庄）", "training_base", "provincial", "130104", "冀科人〔2022〕4号"),
    ("廊坊新型研发机构·智能制造研究院", "new_rd_institution", "provincial", "131003", "冀科平〔2021〕15号"),
    ("雄安创新驿站", "relay_station", "provincial", "130638", "冀科合〔2022〕1号"),
    ("沧州科技企业孵化器", "incubator", "national", "130903", "国科火字〔2020〕9号"),
]


@transaction.atomic
def institutions_demo_load() -> dict[str, int]:
    if Institution.objects.exists():
        return {"institutions": 0, "brokers": 0}
    province = User.objects.get(username="demo_province")
    for name, kind, level, region, document in RECOGNISED:
        services.institution_enter(
            actor=province,
            host=None,
            data=InstitutionInput(
                name=name,
                kind=kind,
                level=level,
                region=region,
                recognised_on=date(int(document.split("〔")[1][:4]), 6, 1),
                document_number=document,
                description="技术评估、成果对接、技术经纪与培训服务",
            ),
        )
    host_user = User.objects.get(username="demo_institution")
    host = host_user.memberships.get().organisation
    filing = services.institution_create(
        actor=host_user,
        host=host,
        data=InstitutionInput(
            name=host.name,
            kind="transfer_institution",
            level="provincial",
            region=host.region_id,
            description="面向京津冀的技术转移与成果转化服务",
            contact_name="赵主任",
            contact_phone="0311-85556666",
        ),
    )
    services.institution_transition(actor=host_user, institution=filing, action="submit")
    base = Institution.objects.get(kind_id="training_base")
    for number, (name, title) in enumerate([("李明", "senior"), ("王芳", "intermediate"), ("张伟", "junior")], 1):
        broker = services.broker_register(
            actor=province,
            data=BrokerInput(
                name=name,
                title=title,
                certificate_number=f"HB-JJR-2024-{number:04d}",
                certified_on=date(2024, 9, 1),
                region=host.region_id,
                tech_fields=["03", "06"],
                profile="装备制造与节能领域技术经纪",
            ),
            affiliation=host,
        )
        services.broker_training_add(
            actor=province, broker=broker, training_base=base, course="技术经纪人培训", hours=48,
            completed_on=date(2024, 8, 20),
        )  # fmt: skip
    return {"institutions": len(RECOGNISED) + 1, "brokers": Broker.objects.count()}
