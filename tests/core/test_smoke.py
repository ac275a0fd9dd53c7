from apps.core.models import Region


def test_reference_data_is_loaded(db):
    assert Region.objects.filter(code="130100").exists()


def test_make_user(make_user):
    user = make_user("city_official")
    assert user.memberships.get().organisation.region_id == "130100"
