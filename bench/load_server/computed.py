"""The computed references of bench/api_load.py: plain Django views that do the endpoints' database work by hand.

The recorded bare views (``urls.py``) answer stored bytes: no view that reads a database can come
near them, and DRF with token authentication alone stops at 35-40 % of their throughput. These
views are the other reference the issue names, "a bare Django view returning the same JSON": they
answer what the real endpoints answer, computed per request the shortest way Django allows.

- ``computed_list``: the token and the caller's memberships in two hand-written statements, the
  capped count and the page of the list's columns in two more (the SQL written once, here), the
  rows turned into JSON by a loop and ``json.dumps``. It knows the two callers of the benchmark
  only: a seller (its organisations' contracts) and a province-level official (every contract in
  a region, no drafts or withdrawn ones); anyone else gets 403.
- ``computed_create``: the token and the seller, then the contract, its deductions and its
  workflow event inserted in one transaction (the audit triggers fire as for the real endpoint),
  and the new contract's row answered. Nothing is validated: the reference is the floor of the
  work, not a second implementation of the rules.

bench/api_load.py checks that each answers the same JSON as its real endpoint (up to the new
contract's id and times) before it is loaded.
"""

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.contracts.fast_serializers import FIELDS
from apps.contracts.models import REVIEW_STATES

SELLER_ROLES = ("enterprise", "university", "institution")
OFFICIAL_ROLES = ("province_admin", "city_official", "county_official")
PAGE = 50

# The list's columns as SQL, in the list's order (c: the contract; sr, br: its regions; o: its office).
_JOINED = {"seller_region__unit": "sr.unit_id", "buyer_region__unit": "br.unit_id", "office__code": "o.code"}
_REVIEW = ", ".join(f"'{state}'" for state in REVIEW_STATES)


def _column(name: str, column: str) -> str:
    if name == "is_overdue":
        return f"(c.status IN ({_REVIEW}) AND c.decision_due IS NOT NULL AND c.decision_due < %(today)s)"
    if name == "has_attachment":
        return "(c.attachment <> '')"
    return _JOINED.get(column, f"c.{column}")


NAMES = [name for name, _column_, _convert in FIELDS]
PAGE_SQL = (
    "SELECT {columns} FROM contracts_contract c "
    "LEFT JOIN core_region sr ON sr.code = c.seller_region_id "
    "LEFT JOIN core_region br ON br.code = c.buyer_region_id "
    "LEFT JOIN contracts_registrationoffice o ON o.id = c.office_id "
    "WHERE {where} ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s"
).format(columns=", ".join(_column(name, column) for name, column, _convert in FIELDS), where="{where}")
COUNT_SQL = "SELECT count(*) FROM (SELECT 1 FROM contracts_contract c WHERE {where} LIMIT %(cap)s) counted"
WHERES = {
    "seller": "c.seller_id IN %(organisations)s",
    "official": "(c.seller_region_id IS NOT NULL OR c.buyer_region_id IS NOT NULL) "
    "AND c.status NOT IN ('draft', 'withdrawn')",
}


def _json_value(value, zone):
    if isinstance(value, datetime):
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def _caller(cursor, request):
    """``(user id, [(organisation id, role, region level)])`` of the request's token, or None."""
    key = request.headers.get("Authorization", "").removeprefix("Token ").strip()
    cursor.execute(
        "SELECT u.id FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id WHERE t.key = %s AND u.is_active",
        [key],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    cursor.execute(
        "SELECT m.organisation_id, m.role, r.level FROM accounts_membership m "
        "JOIN accounts_organisation o ON o.id = m.organisation_id "
        "JOIN core_region r ON r.code = o.region_id WHERE m.user_id = %s AND m.is_active ORDER BY m.id",
        [row[0]],
    )
    return row[0], cursor.fetchall()


def _dumps(data, status=200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return HttpResponse(body, status=status, content_type="application/json")


@require_GET
def computed_list(request, name):
    zone = ZoneInfo(settings.TIME_ZONE)
    with connection.cursor() as cursor:
        caller = _caller(cursor, request)
        if caller is None:
            return JsonResponse({"code": "not_authenticated", "message": "-"}, status=401)
        organisations = [org for org, role, _level in caller[1] if role in SELLER_ROLES]
        official = any(role in OFFICIAL_ROLES and level == "province" for _org, role, level in caller[1])
        if (name == "seller" and not organisations) or (name == "official" and not official):
            return JsonResponse({"code": "permission_denied", "message": "-"}, status=403)
        where = WHERES[name]
        params = {
            "organisations": tuple(organisations) or (None,),
            "today": datetime.now(zone).date(),
            "cap": settings.HEBTT_LIST_COUNT_CAP + 1,
            "limit": PAGE,
        }
        cursor.execute(COUNT_SQL.format(where=where), params)
        counted = cursor.fetchone()[0]
        cursor.execute(PAGE_SQL.format(where=where), params)
        rows = [dict(zip(NAMES, (_json_value(v, zone) for v in row), strict=True)) for row in cursor.fetchall()]
    cap = settings.HEBTT_LIST_COUNT_CAP
    count = min(counted, cap)
    api = "/api/v1/contracts/"
    return _dumps(
        {
            "count": count,
            "count_is_capped": counted > cap,
            "next": request.build_absolute_uri(f"{api}?page=2") if count > PAGE else None,
            "previous": None,
            "results": rows,
        }
    )


# The declaration's fields that go into the contract row as they are (the rest is the seller's, or fixed).
DECLARED = (
    "name", "contract_type", "subtype", "licence_kind", "tech_field", "programme_tier", "socioeconomic_objective",
    "payment_method", "signed_on", "valid_from", "valid_until", "contract_value", "contact_name", "contact_phone",
    "buyer_name", "buyer_credit_code", "buyer_region_code", "buyer_party_type",
)  # fmt: skip
SELLER_COLUMNS = ("seller_name", "seller_credit_code", "seller_region_code", "seller_party_type")


@csrf_exempt
@require_POST
def computed_create(request):
    data = json.loads(request.body)
    zone = ZoneInfo(settings.TIME_ZONE)
    with transaction.atomic(), connection.cursor() as cursor:
        caller = _caller(cursor, request)
        if caller is None:
            return JsonResponse({"code": "not_authenticated", "message": "-"}, status=401)
        organisations = [org for org, role, _level in caller[1] if role in SELLER_ROLES]
        if len(organisations) != 1:
            return JsonResponse({"code": "seller_required", "message": "-"}, status=400)
        cursor.execute(
            "SELECT name, credit_code, region_id, party_type, country_id FROM accounts_organisation WHERE id = %s",
            [organisations[0]],
        )
        name, credit_code, region, party_type, country = cursor.fetchone()
        deducted = sum(Decimal(line["amount"]) for line in data.get("deductions", []))
        values = {key: data.get(key, "") for key in DECLARED}
        values["buyer_region_code"] = data.get("buyer_region", "")
        values.update(
            technology_value=Decimal(data["contract_value"]) - deducted,
            seller_id=organisations[0],
            seller_name=name,
            seller_credit_code=credit_code,
            seller_region_code=region,
            seller_region_id=region,
            seller_party_type=party_type,
            seller_country_id=country,
            buyer_country_id=data.get("buyer_country", "CN"),
        )
        fixed = (
            "now(), now(), 1, 'draft', '', '', NULL, false, '', '', '', '', '', false, '', '', ''"
        )  # fmt: skip
        fixed_columns = (
            "created_at, updated_at, version, status, attachment, attachment_name, attachment_size, second_review, "
            "registration_number, verification_code, refusal_reason, revocation_reason, status_note, is_external, "
            "external_source, external_id, attachment_sha256"
        )
        columns = ", ".join(values)
        placeholders = ", ".join(f"%({key})s" for key in values)
        # Counted under the declared region if the portal holds it, else under its province.
        buyer_region = (
            "COALESCE((SELECT code FROM core_region WHERE code = %(buyer_region_code)s), "
            "(SELECT code FROM core_region WHERE code = left(%(buyer_region_code)s, 2) || '0000'))"
        )
        cursor.execute(
            f"INSERT INTO contracts_contract ({fixed_columns}, {columns}, buyer_region_id) "
            f"VALUES ({fixed}, {placeholders}, {buyer_region}) RETURNING id, created_at",
            values,
        )
        contract_id, created_at = cursor.fetchone()
        for line in data.get("deductions", []):
            cursor.execute(
                "INSERT INTO contracts_deduction (contract_id, kind, description, amount) VALUES (%s, %s, %s, %s)",
                [contract_id, line["kind"], line["description"], line["amount"]],
            )
        cursor.execute(
            "INSERT INTO contracts_workflowevent (contract_id, action, from_status, to_status, at, reason_code, "
            "note, data, actor_id) VALUES (%s, 'create', '', 'draft', now(), '', '', '{}', %s)",
            [contract_id, caller[0]],
        )
        # The new contract as the detail shows it: the list's columns, its lines (ip items and brokers: none).
        cursor.execute(
            PAGE_SQL.format(where="c.id = %(id)s"), {"id": contract_id, "today": created_at.date(), "limit": 1}
        )
        answer = dict(zip(NAMES, (_json_value(v, zone) for v in cursor.fetchone()), strict=True))
    answer.update(
        status_note="",
        deductions=[{**line, "amount": f"{Decimal(line['amount']):f}"} for line in data.get("deductions", [])],
        ip_items=[],
        brokers=[],
    )
    return _dumps(answer, status=201)
