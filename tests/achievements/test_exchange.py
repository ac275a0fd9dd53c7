"""The Beijing–Tianjin–Hebei listings exchange: export, import, round trips and refusals."""

import copy
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import OrganisationKind, Role
from apps.achievements import exchange
from apps.achievements.models import Achievement, ListingStep, Need
from apps.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db

ACHIEVEMENT_FIELDS = [f.key for f in exchange.FIELDS["achievements"] if f.key not in ("source", "id")]
NEED_FIELDS = [f.key for f in exchange.FIELDS["needs"] if f.key not in ("source", "id")]


@pytest.fixture
def admin(make_user):
    return make_user(Role.PROVINCE_ADMIN, username="sheng_admin")


@pytest.fixture
def university(make_organisation):
    return make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104", name="河北示范大学")


@pytest.fixture
def enterprise(make_organisation):
    return make_organisation(kind=OrganisationKind.ENTERPRISE, region="130108", name="石家庄示范科技有限公司")


def _achievement(university, **overrides):
    record = {
        "source": "bjtt",
        "id": "A-1001",
        "title": "高效光伏逆变器",
        "publisher": {"name": university.name, "credit_code": university.credit_code},
        "region": "110108",
        "tech_field": "06",
        "push_fields": ["smart_city", "绿色建筑"],
        "keywords": ["光伏", "逆变器"],
        "transfer_modes": ["许可", "transfer"],
        "status": "published",
        "published_at": "2026-01-15T09:30:00+08:00",
        "lead_unit": "北京某大学",
        "team": "张三、李四",
        "summary": "转换效率 99% 的组串式逆变器。",
        "advantage": "效率比市售产品高 1.5 个百分点。",
        "commercial_route": "卖给光伏电站集成商，按台收取许可费。",
        "application_fields": "分布式光伏",
        "maturity": "成熟",
        "ip_type": "invention",
        "ip_numbers": ["200310102344.5"],
        "ip_status": "granted",
        "price": "1500000.00",
        "negotiable": False,
    }
    record.update(overrides)
    return record


def _need(enterprise, **overrides):
    record = {
        "source": "bjtt",
        "id": "N-2001",
        "title": "钢渣综合利用技术",
        "publisher": {"name": enterprise.name, "credit_code": enterprise.credit_code},
        "region": "130108",
        "tech_field": "07",
        "push_fields": ["resource_recycling"],
        "keywords": ["钢渣"],
        "transfer_modes": ["co_development"],
        "published_at": "2026-02-01T08:00:00+08:00",
        "problem": "每年 30 万吨钢渣无处消纳。",
        "expected_outcome": "钢渣利用率 90% 以上。",
        "budget_min": "500000",
        "budget_max": 2000000,
        "deadline": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "desired_maturity": "mature",
    }
    record.update(overrides)
    return record


def _document(achievements=(), needs=(), source="bjtt"):
    return {
        "format": "hebtt-listings",
        "version": 1,
        "source": source,
        "exported_at": "2026-03-01T10:00:00+08:00",
        "achievements": list(achievements),
        "needs": list(needs),
    }


def _import(admin, document, fmt="json"):
    return exchange.listings_import(actor=admin, data=document, fmt=fmt)


def _rejected(admin, document, fmt="json"):
    with pytest.raises(exchange.ImportRejected) as caught:
        _import(admin, document, fmt)
    return caught.value.errors


def _export_json(**filters):
    achievements, needs = exchange.listings_for_export(actor=_anyone(), filters=filters)
    return exchange.listings_export_json(queryset_achievements=achievements, queryset_needs=needs)


_ANYONE = {}


def _anyone():
    from apps.accounts.models import User

    if "user" not in _ANYONE or not User.objects.filter(pk=_ANYONE["user"].pk).exists():
        _ANYONE["user"] = User.objects.create_user(username=f"reader{User.objects.count()}", password="x-Y-z-12345")
    return _ANYONE["user"]


def _wipe():
    ListingStep.objects.all().delete()
    Achievement.objects.all().delete()
    Need.objects.all().delete()


def _flat(record):
    flat = {k: v for k, v in record.items() if k != "publisher"}
    flat["publisher_name"] = record["publisher"]["name"]
    flat["publisher_credit_code"] = record["publisher"]["credit_code"]
    return flat


# Import ----------------------------------------------------------------------------------------


def test_import_creates_published_listings_with_steps(admin, university, enterprise):
    result = _import(admin, _document([_achievement(university)], [_need(enterprise)]))
    assert (result.created, result.updated, result.unchanged, result.records) == (2, 0, 0, 2)
    achievement = Achievement.objects.get(external_source="bjtt", external_id="A-1001")
    assert achievement.status == "published"
    assert achievement.publisher == university
    assert achievement.published_at == timezone.datetime.fromisoformat("2026-01-15T09:30:00+08:00")
    assert achievement.region_id == "110000"  # Beijing below the province is kept at province level
    assert achievement.maturity == "mature"  # mapped from 成熟
    assert achievement.push_fields == ["smart_city", "green_building"]
    assert achievement.transfer_modes == ["licensing", "transfer"]
    assert achievement.price == Decimal("1500000.00")
    assert achievement.author_id is None
    assert achievement.search_vector is not None
    step = achievement.steps.get()
    assert (step.action, step.to_status, step.actor) == ("import", "published", admin)
    need = Need.objects.get(external_id="N-2001")
    assert (need.budget_min, need.budget_max) == (Decimal("500000.00"), Decimal("2000000.00"))
    assert need.steps.get().action == "import"


def test_reimport_is_idempotent_and_updates_changes(admin, university, enterprise):
    document = _document([_achievement(university)], [_need(enterprise)])
    _import(admin, document)
    achievement = Achievement.objects.get()
    events = achievement.events.count()
    again = _import(admin, copy.deepcopy(document))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ListingStep.objects.count() == 2
    assert achievement.events.count() == events  # no history row when nothing changed

    document["achievements"][0]["title"] = "高效光伏逆变器（第二代）"
    changed = _import(admin, document)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    achievement.refresh_from_db()
    assert achievement.title == "高效光伏逆变器（第二代）"
    assert Achievement.objects.count() == 1
    step = achievement.steps.last()
    assert step.action == "import" and "title" in step.note


def test_status_from_source_but_not_over_a_take_down(admin, university, make_user):
    _import(admin, _document([_achievement(university)]))
    achievement = Achievement.objects.get()
    from apps.achievements.services import listing_transition

    listing_transition(actor=admin, listing=achievement, action="take_down", note="虚假宣传")
    result = _import(admin, _document([_achievement(university, summary="新的简介。")]))
    achievement.refresh_from_db()
    assert result.updated == 1
    assert achievement.status == "withdrawn"  # the bureau's take-down stands
    assert achievement.summary == "新的简介。"

    _import(admin, _document([_achievement(university, id="A-2", status="withdrawn")]))
    assert Achievement.objects.get(external_id="A-2").status == "withdrawn"


def test_own_records_are_skipped(admin, university, make_published_achievement):
    own = make_published_achievement("本平台成果", publisher=university)
    record = _achievement(university, source="hebtt", id=str(own.pk), title="改名")
    result = _import(admin, _document([record, _achievement(university)]))
    assert (result.created, result.skipped) == (1, 1)
    own.refresh_from_db()
    assert own.title == "本平台成果"


def test_all_or_nothing_errors_name_record_and_field(admin, university, enterprise):
    document = _document(
        [
            _achievement(university),
            _achievement(university, id="A-2", maturity="很成熟", tech_field="99"),
            _achievement(university, id="A-1001"),
        ],
        [_need(enterprise, publisher={"name": "未知公司", "credit_code": "91110108551385082Q"})],
    )
    errors = _rejected(admin, document)
    where = {(e["section"], e["record"], e["field"]) for e in errors}
    assert ("achievements", 1, "maturity") in where
    assert ("achievements", 1, "tech_field") in where
    assert ("achievements", 2, "id") in where  # the same key twice
    assert ("needs", 0, "publisher.credit_code") in where
    unknown = next(e for e in errors if e["field"] == "publisher.credit_code")
    assert "91110108551385082Q" in str(unknown["message"])
    assert not Achievement.objects.exists() and not Need.objects.exists()
    assert not ListingStep.objects.exists()


def test_rules_of_the_form_apply(admin, university, enterprise):
    errors = _rejected(
        admin,
        _document(
            [_achievement(university, advantage="", price=None, negotiable=False)],
            [_need(enterprise, budget_min="900", budget_max="100")],
        ),
    )
    assert {(e["section"], e["field"]) for e in errors} == {("achievements", "advantage"), ("needs", "budget_max")}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"title": 42}, "title"),
        ({"keywords": "光伏"}, "keywords"),
        ({"negotiable": "yes"}, "negotiable"),
        ({"price": True}, "price"),
        ({"publisher": "某大学"}, "publisher.credit_code"),
        ({"published_at": "yesterday"}, "published_at"),
        ({"published_at": "2999-01-01T00:00:00+08:00"}, "published_at"),
        ({"region": "999999"}, "region"),
        ({"status": "draft"}, "status"),
        ({"source": "Beijing Platform!"}, "source"),
        ({"id": "x" * 65}, "id"),
        ({"summary": "长" * 20_001}, "summary"),
        ({"title": "标题" * 101}, "title"),
        ({"title": "bad\x00nul"}, "title"),
        ({"ip_numbers": ["200310102344.6"]}, "ip_numbers"),
    ],
)
def test_hostile_values_are_refused(admin, university, record, field):
    errors = _rejected(admin, _document([_achievement(university, **record)]))
    assert field in {e["field"] for e in errors}
    assert not Achievement.objects.exists()


def test_missing_keys_and_wrong_shapes(admin, university):
    record = _achievement(university)
    del record["title"], record["published_at"]
    errors = _rejected(admin, _document([record, "not an object"]))
    assert {(e["record"], e["field"]) for e in errors} == {(0, "title"), (0, "published_at"), (1, "record")}


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"format": "other", "version": 1, "source": "bjtt"},
        {"format": "hebtt-listings", "version": 2, "source": "bjtt"},
        {"format": "hebtt-listings", "version": True, "source": "bjtt"},
        {"format": "hebtt-listings", "version": 1, "source": "bjtt", "achievements": {}},
        b"{not json",
        b"[" * 100_000,
    ],
)
def test_bad_documents(admin, document):
    with pytest.raises(exchange.InvalidInput) as caught:
        _import(admin, document)
    assert caught.value.code == "import_format"


def test_document_needs_a_source_and_records(admin):
    with pytest.raises(exchange.InvalidInput) as caught:
        _import(admin, {"format": "hebtt-listings", "version": 1, "achievements": []})
    assert caught.value.code == "import_source"
    with pytest.raises(exchange.InvalidInput) as caught:
        _import(admin, _document())
    assert caught.value.code == "import_empty"


@pytest.mark.parametrize("role", [None, Role.CITY_OFFICIAL, Role.UNIVERSITY, Role.ENTERPRISE])
def test_only_the_province_imports(make_user, university, role):
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        _import(user, _document([_achievement(university)]))
    assert not Achievement.objects.exists()


# Export and round trips ------------------------------------------------------------------------


def test_export_has_public_fields_only(university, make_published_achievement, make_published_need):
    make_published_achievement(
        "公开成果",
        publisher=university,
        advantage="更好",
        commercial_route="许可",
        contact_phone="13800000000",
        contact_email="a@example.cn",
    )
    make_published_achievement("草稿成果", publisher=university, status="draft")
    make_published_need("公开需求")
    document = _export_json()
    assert [a["title"] for a in document["achievements"]] == ["公开成果"]
    assert len(document["needs"]) == 1
    record = document["achievements"][0]
    assert record["source"] == "hebtt"
    assert record["publisher"] == {"name": university.name, "credit_code": university.credit_code}
    assert "contact_phone" not in record and "contact_email" not in record and "contact_name" not in record
    assert "13800000000" not in json.dumps(document)


def test_export_filters(university, make_published_achievement):
    make_published_achievement(
        "旧的", publisher=university, tech_field="01", published_at=timezone.now() - timedelta(days=400)
    )
    make_published_achievement("新的", publisher=university, tech_field="07")
    assert [a["title"] for a in _export_json(tech_field="07")["achievements"]] == ["新的"]
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert [a["title"] for a in _export_json(published_since=since)["achievements"]] == ["新的"]
    assert _export_json(source="bjtt")["achievements"] == []
    with pytest.raises(exchange.InvalidInput):
        _export_json(published_since="last week")


def _own_listings(university, enterprise, make_published_achievement, make_published_need):
    make_published_achievement(
        '=HYPERLINK("http://evil.example","点击")',
        publisher=university,
        summary="-1+2 简介\n第二行",
        advantage="@SUM(A1)",
        commercial_route="'=引号开头",
        keywords=["+光伏", "储能"],
        push_fields=["smart_city"],
        transfer_modes=["licensing", "equity"],
        maturity="trl6",
        ip_type="invention",
        ip_numbers=["200310102344.5"],
        ip_status="granted",
        price=Decimal("1234567.89"),
        negotiable=True,
        team="张三",
        application_fields="电网",
    )
    make_published_need(
        "钢渣利用",
        publisher=enterprise,
        budget_min=Decimal("100.50"),
        budget_max=Decimal("200"),
        deadline=timezone.localdate() + timedelta(days=30),
        desired_maturity="mature",
        keywords=["钢渣"],
    )


def _relabel(document):
    """The same records as another platform would send them."""
    document = copy.deepcopy(document)
    document["source"] = "tjtt"
    for section in ("achievements", "needs"):
        for record in document[section]:
            record["source"] = "tjtt"
    return document


def _same_fields(before, after):
    for section, fields in (("achievements", ACHIEVEMENT_FIELDS), ("needs", NEED_FIELDS)):
        assert len(before[section]) == len(after[section])
        for a, b in zip(before[section], after[section], strict=True):
            a, b = _flat(a), _flat(b)
            assert {f: a[f] for f in fields} == {f: b[f] for f in fields}


def test_json_round_trip(admin, university, enterprise, make_published_achievement, make_published_need):
    _own_listings(university, enterprise, make_published_achievement, make_published_need)
    exported = json.loads(json.dumps(_export_json(), ensure_ascii=False))
    _wipe()
    result = _import(admin, _relabel(exported))
    assert (result.created, result.records) == (2, 2)
    again = _export_json()
    assert again["achievements"][0]["title"].startswith("=HYPERLINK")
    assert [r["source"] for r in again["achievements"]] == ["tjtt"]
    _same_fields(exported, again)
    # Our export, holding the imported records under their key, reads back unchanged.
    reread = _import(admin, again)
    assert (reread.created, reread.updated, reread.unchanged) == (0, 0, 2)


def _xlsx(**filters):
    achievements, needs = exchange.listings_for_export(actor=_anyone(), filters=filters)
    return exchange.listings_export_xlsx(queryset_achievements=achievements, queryset_needs=needs)


def test_xlsx_round_trip_and_formula_safety(
    admin, university, enterprise, make_published_achievement, make_published_need
):
    from openpyxl import load_workbook

    _own_listings(university, enterprise, make_published_achievement, make_published_need)
    before = _export_json()
    content = _xlsx()
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["说明", "成果", "需求"]
    sheet = workbook["成果"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@"))
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "来源平台\nsource"
    title = sheet.cell(row=2, column=headers.index("名称\ntitle") + 1).value
    assert title.startswith("'=HYPERLINK")

    # The workbook as Tianjin would send it: its platform code in the rows and in 说明.
    for name in ("成果", "需求"):
        for row in workbook[name].iter_rows(min_row=2, max_col=1):
            row[0].value = "tjtt"
    workbook["说明"]["B3"] = "tjtt"
    out = io.BytesIO()
    workbook.save(out)
    _wipe()
    result = _import(admin, out.getvalue(), fmt="xlsx")
    assert (result.created, result.records) == (2, 2)
    after = _export_json()
    assert after["achievements"][0]["title"] == before["achievements"][0]["title"]
    _same_fields(before, after)
    again = _import(admin, _xlsx(), fmt="xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_xlsx_errors_name_rows(admin, university):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成果"
    sheet.append(
        [
            "来源平台",
            "来源记录号",
            "名称",
            "发布单位统一社会信用代码",
            "地区代码",
            "技术领域",
            "发布时间",
            "成果简介",
            "技术优势",
            "商业化路径",
            "成熟度",
            "价格面议",
        ]
    )
    good = [
        "bjtt",
        "1",
        "标题",
        university.credit_code,
        "130104",
        "电子信息",
        "2026-01-01 08:00",
        "简介",
        "优势",
        "路径",
        "初期",
        "是",
    ]
    sheet.append(good)
    sheet.append([])
    sheet.append(
        [
            "bjtt",
            "2",
            "标题",
            university.credit_code,
            "130104",
            "07",
            "2026-01-01",
            "简介",
            "优势",
            "路径",
            "超成熟",
            "也许",
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    errors = _rejected(admin, out.getvalue(), fmt="xlsx")
    assert {(e["row"], e["field"]) for e in errors} == {(4, "maturity"), (4, "negotiable")}
    assert not Achievement.objects.exists()

    for cell in workbook["成果"][4]:
        cell.value = None
    out = io.BytesIO()
    workbook.save(out)
    result = _import(admin, out.getvalue(), fmt="xlsx")
    assert result.created == 1
    achievement = Achievement.objects.get()
    assert (achievement.tech_field, achievement.maturity, achievement.negotiable) == ("01", "early", True)


def test_not_a_workbook(admin):
    with pytest.raises(exchange.InvalidInput) as caught:
        _import(admin, b"PK\x03\x04 broken", fmt="xlsx")
    assert caught.value.code == "import_format"


# API and commands ------------------------------------------------------------------------------


def test_api_export_needs_login(client, make_published_achievement):
    make_published_achievement("公开成果")
    for name in ("api:listings-export-json", "api:listings-export-xlsx"):
        assert client.get(reverse(name)).status_code in (401, 403)


def test_api_export(api_for, make_user, make_published_achievement):
    make_published_achievement("公开成果", advantage="a", commercial_route="b")
    api = api_for(make_user(Role.ENTERPRISE))
    response = api.get(reverse("api:listings-export-json"), {"tech_field": "07"})
    assert response.status_code == 200
    assert json.loads(response.content)["achievements"][0]["title"] == "公开成果"
    response = api.get(reverse("api:listings-export-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = api.get(reverse("api:listings-export-xlsx"), {"published_since": "soon"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"


def test_api_import(api_for, admin, make_user, university):
    document = _document([_achievement(university)])
    url = reverse("api:listings-import")
    assert api_for(make_user(Role.CITY_OFFICIAL)).post(url, document, format="json").status_code == 403
    api = api_for(admin)
    response = api.post(url, document, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "records": 1}
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = "bjtt.json"
    response = api.post(url, {"file": upload}, format="multipart")
    assert response.json()["unchanged"] == 1
    bad = _document([_achievement(university, maturity="?")])
    response = api.post(url, bad, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["errors"][0]["record"] == 0 and body["errors"][0]["field"] == "maturity"
    upload = io.BytesIO(b"x")
    upload.name = "bjtt.csv"
    assert api.post(url, {"file": upload}, format="multipart").json()["code"] == "import_format"


def test_commands(tmp_path, admin, university, make_published_achievement, capsys):
    make_published_achievement("公开成果", publisher=university, advantage="a", commercial_route="b")
    path = tmp_path / "out.json"
    call_command("export_listings", str(path))
    document = _relabel(json.loads(path.read_text(encoding="utf-8")))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("import_listings", str(path), "--as-user", admin.username)
    assert "1 created" in capsys.readouterr().out
    call_command("export_listings", str(tmp_path / "out.xlsx"))
    call_command("import_listings", str(tmp_path / "out.xlsx"), "--as-user", admin.username)
    assert "1 unchanged" in capsys.readouterr().out
    document["achievements"][0]["maturity"] = "?"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_listings", str(path), "--as-user", admin.username)
    assert "maturity" in capsys.readouterr().err
