"""Hand-written serialisation of the contract list, the API's hot read path.

``ContractListSerializer`` (DRF) builds a model instance per row and runs some sixty field objects
on it: more than half of the gunicorn CPU time of a list request (bench/api_load.py). Here the page
is read as tuples of exactly the columns the list shows and turned into the same JSON values by a
few plain functions. ``ContractListSerializer`` stays the schema of the endpoint;
tests/contracts/test_fast_serializers.py checks that both give the same rows, field for field.
"""

from django.db.models import QuerySet
from django.utils import timezone

from apps.contracts.models import REVIEW_STATES
from apps.core.calendar import portal_today
from apps.core.pagination import CappedPaginator, StandardPagination


def _decimal(value):
    return None if value is None else f"{value:f}"


def _date(value):
    return None if value is None else value.isoformat()


def _bool(value):
    return bool(value)


# The list's fields in ``ContractListSerializer``'s order, each with the column it reads and,
# where the database value is not already its JSON value, the conversion (DRF's, reproduced).
# Date-times and ``is_overdue`` are converted in ``contract_list_rows``: they need the request's
# time zone and today.
FIELDS = (
    ("id", "id", None),
    ("version", "version", None),
    ("previous", "previous_id", None),
    ("status", "status", None),
    ("rule_version", "rule_version_id", None),
    ("name", "name", None),
    ("contract_type", "contract_type", None),
    ("subtype", "subtype", None),
    ("licence_kind", "licence_kind", None),
    ("tech_field", "tech_field", None),
    ("programme_tier", "programme_tier", None),
    ("socioeconomic_objective", "socioeconomic_objective", None),
    ("payment_method", "payment_method", None),
    ("signed_on", "signed_on", _date),
    ("valid_from", "valid_from", _date),
    ("valid_until", "valid_until", _date),
    ("contract_value", "contract_value", _decimal),
    ("technology_value", "technology_value", _decimal),
    ("confirmed_technology_value", "confirmed_technology_value", _decimal),
    ("expected_investment", "expected_investment", _decimal),
    ("expected_output", "expected_output", _decimal),
    ("contact_name", "contact_name", None),
    ("contact_phone", "contact_phone", None),
    ("seller", "seller_id", None),
    ("seller_name", "seller_name", None),
    ("seller_credit_code", "seller_credit_code", None),
    ("seller_region", "seller_region_id", None),
    ("seller_region_code", "seller_region_code", None),
    ("seller_unit", "seller_region__unit", None),
    ("seller_country", "seller_country_id", None),
    ("seller_party_type", "seller_party_type", None),
    ("buyer", "buyer_id", None),
    ("buyer_name", "buyer_name", None),
    ("buyer_credit_code", "buyer_credit_code", None),
    ("buyer_region", "buyer_region_id", None),
    ("buyer_region_code", "buyer_region_code", None),
    ("buyer_unit", "buyer_region__unit", None),
    ("buyer_country", "buyer_country_id", None),
    ("buyer_party_type", "buyer_party_type", None),
    ("office", "office_id", None),
    ("office_code", "office__code", None),
    ("submitted_at", "submitted_at", "datetime"),
    ("accepted_on", "accepted_on", _date),
    ("decision_due", "decision_due", _date),
    ("second_review", "second_review", _bool),
    ("is_overdue", "decision_due", "overdue"),
    ("decided_at", "decided_at", "datetime"),
    ("registration_number", "registration_number", None),
    ("registered_on", "registered_on", _date),
    ("refusal_reason", "refusal_reason", None),
    ("revocation_reason", "revocation_reason", None),
    ("is_external", "is_external", _bool),
    ("external_source", "external_source", None),
    ("external_id", "external_id", None),
    ("has_attachment", "attachment", _bool),
    ("attachment_name", "attachment_name", None),
    ("attachment_size", "attachment_size", None),
    ("broker", "broker_id", None),
    ("achievement", "achievement_id", None),
    ("need", "need_id", None),
    ("created_at", "created_at", "datetime"),
    ("updated_at", "updated_at", "datetime"),
)
NAMES = tuple(name for name, _column, _convert in FIELDS)
COLUMNS = tuple(column for _name, column, _convert in FIELDS)


def contract_list_values(queryset: QuerySet) -> QuerySet:
    """``queryset`` (scoped, filtered, ordered) as tuples of the list's columns, for ``contract_list_rows``."""
    return queryset.values_list(*COLUMNS)


class ContractListPaginator(CappedPaginator):
    """Counts the contracts as ``CappedPaginator`` does, and reads the page as ``contract_list_values`` tuples.

    The page's tuples are made from the sliced queryset, so that the count stays the count of the
    contracts: counted through the sixty columns of the page, PostgreSQL would read every column of
    each row it counts (10,001 for an official, 2-4 ms more a request).
    """

    def _get_page(self, object_list, number, paginator):
        return super()._get_page(contract_list_values(object_list), number, paginator)


class ContractListPagination(StandardPagination):
    django_paginator_class = ContractListPaginator


def _row_converter():
    """A function turning a list of ``FIELDS`` values into ``ContractListSerializer``'s JSON values, in place."""
    zone = timezone.get_current_timezone()
    today = portal_today()  # decision dates are days of China's calendar
    status_at = NAMES.index("status")

    def datetime_(value):
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    converters = []
    for index, (_name, _column, convert) in enumerate(FIELDS):
        if convert == "datetime":
            converters.append((index, datetime_))
        elif convert == "overdue":
            converters.append((index, None))
        elif convert is not None:
            converters.append((index, convert))

    def convert_row(values: list) -> list:
        for index, convert in converters:
            if convert is None:  # is_overdue, from decision_due and the status
                due = values[index]
                values[index] = values[status_at] in REVIEW_STATES and due is not None and due < today
            else:
                values[index] = convert(values[index])
        return values

    return convert_row


def contract_list_rows(rows) -> list[dict]:
    """The JSON rows of ``ContractListSerializer`` for tuples of ``contract_list_values``."""
    convert_row = _row_converter()
    return [dict(zip(NAMES, convert_row(list(row)), strict=True)) for row in rows]


def _instance_value(contract, column: str):
    if "__" in column:  # seller_region__unit, buyer_region__unit, office__code: None without the relation
        relation, attribute = column.split("__")
        related = getattr(contract, relation)
        return None if related is None else getattr(related, attribute if attribute == "code" else f"{attribute}_id")
    return getattr(contract, column)


def contract_detail_values(contract) -> dict:
    """``ContractSerializer``'s values for ``contract`` (read with ``selectors.LIST_RELATED``), not in its order.

    The list's fields as ``contract_list_rows`` makes them, plus the status note and the lines.
    """
    row = dict(zip(NAMES, _row_converter()([_instance_value(contract, column) for column in COLUMNS]), strict=True))
    row["status_note"] = contract.status_note
    row["deductions"] = [
        {"kind": line.kind, "description": line.description, "amount": _decimal(line.amount)}
        for line in contract.deductions.all()
    ]
    row["ip_items"] = [
        {"ip_type": item.ip_type, "number": item.number, "title": item.title} for item in contract.ip_items.all()
    ]
    row["brokers"] = list(contract.brokers.values_list("pk", flat=True))
    return row
