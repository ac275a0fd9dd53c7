import pytest

from apps.accounts.models import OrganisationKind, Role
from apps.institutions import services
from apps.institutions.services import InstitutionInput


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def institution_input(**overrides) -> InstitutionInput:
    values = {
        "name": "石家庄高新区技术转移中心",
        "kind": "transfer_institution",
        "level": "provincial",
        "region": "130108",
        "description": "技术评估、成果对接与技术经纪服务",
        "contact_name": "王主任",
        "contact_phone": "0311-86668888",
    }
    values.update(overrides)
    return InstitutionInput(**values)


@pytest.fixture
def host_user(make_user):
    """A transfer institution's user in 石家庄 (unit 130100)."""
    return make_user(Role.INSTITUTION, region="130108")


@pytest.fixture
def host(host_user):
    return host_user.memberships.get().organisation


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def make_institution(host_user, host, city, province):
    """An institution of ``host`` driven through the real services to ``status``."""

    def make(status="active", **overrides):
        institution = services.institution_create(actor=host_user, host=host, data=institution_input(**overrides))
        steps = {
            "submitted": ["submit"],
            "recommended": ["submit", "recommend"],
            "active": ["submit", "recommend", "approve"],
            "suspended": ["submit", "recommend", "approve", "suspend"],
        }.get(status, [])
        actors = {"submit": host_user, "recommend": city, "approve": province, "suspend": province}
        for action in steps:
            institution = services.institution_transition(
                actor=actors[action],
                institution=institution,
                action=action,
                note="材料齐全" if action != "suspend" else "年度报告逾期",
                document_number="冀科转〔2026〕12号" if action == "approve" else "",
            )
        return institution

    return make


__all__ = ["OrganisationKind", "institution_input"]
