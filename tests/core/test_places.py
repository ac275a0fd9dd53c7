"""Short place names, as the demo and the data generator compose organisation names from them."""

import pytest

from apps.core.models import Region
from apps.core.places import place_short_name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("石家庄市", "石家庄"),
        ("井陉矿区", "井陉"),
        ("正定县", "正定"),
        ("雄安新区", "雄安"),
        ("长安区", "长安"),
        ("河北省", "河北"),
        ("磁县", "磁县"),  # one character would be left: the name stays whole
    ],
)
def test_place_short_name(name, short):
    assert place_short_name(name) == short


def test_a_region_has_its_short_name(db):
    assert Region.objects.get(code="130107").short_name == "井陉"  # 井陉矿区
    assert Region.objects.get(code="130100").short_name == "石家庄"
