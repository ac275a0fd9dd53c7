"""Every endpoint of the URL configuration, called as every role and anonymously, against ``access_matrix.MATRIX``.

The endpoints are read from the URL resolver, not listed by hand: an endpoint that the matrix does
not name, or whose path parameters no probe fills, fails ``test_every_endpoint_has_an_entry``, so
a new view cannot ship without someone deciding who may call it. The Django admin is left out:
its own test below checks that only staff reach any of it.

The world is the demo data (``load_demo`` without the KPI history): one account per role in
Shijiazhuang, a second enterprise in Tangshan, the demo's contracts, listings, institutions and
subsidy applications, and what the demo lacks made as its users would make it (``_world_objects``:
packages, a catalogue edition, files, a report, an income filing, an objection...). Each endpoint
is called with each method its view answers (from the view class; for function views GET, or what
a 405 allows), with an empty body, inside a savepoint rolled back after the call, so no call sees
another's writes. An answer is *allowed* when the request reached the view's own work (2xx, 3xx
other than to the login page, 400 for the empty body, 405, 409), *denied* on 401, 403, 404 or a
redirect to the login page, and an error on any 5xx, which fails whatever the matrix says.

Endpoints with path parameters are called on named probes (``_world_probes``, chosen by
``probe_set``): the enterprise's own contract and another city's, a university's published
achievement and a draft only it may see, Shijiazhuang and Tangshan as KPI units..., so that the
matrix says who reaches their own objects and who reaches another organisation's. Workflow pages
with an action in the path are called with several actions on each probe (``ACTION_PAGES``).

To draft entries for a new endpoint, run this module with ``HEBTT_MATRIX_OBSERVED=<file>``: the
observed answers are written there in the matrix's syntax, to be read and decided, not pasted.
"""

import os
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from tests.security.access_matrix import ACTORS, MATRIX

USERNAMES = {
    "province": "demo_province",
    "city": "demo_city",
    "county": "demo_county",
    "registrar": "demo_registrar",
    "approver": "demo_approver",
    "enterprise": "demo_enterprise",
    "enterprise2": "demo_enterprise2",
    "university": "demo_university",
    "institution": "demo_institution",
    "broker": "demo_broker",
}
METHODS = ("get", "post", "put", "patch", "delete")
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>")


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    callback: object

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"<(?:\w+:)?(\w+)>", self.route))

    def methods(self) -> tuple[str, ...] | None:
        """The methods its view class answers; None for a function view (found by calling it)."""
        actions = getattr(self.callback, "actions", None)  # a DRF viewset's method -> action map
        if actions:
            return tuple(method for method in METHODS if method in actions)
        view_class = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if view_class is not None:
            return tuple(method for method in METHODS if hasattr(view_class, method))
        return None


def endpoints() -> dict[str, Endpoint]:
    """Every named endpoint but the admin's, once (DRF's format-suffix twins are left out)."""
    found: dict[str, Endpoint] = {}

    def walk(resolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if FORMAT_SUFFIX.search(route) or pattern.name is None:
                    continue
                name = namespace + pattern.name
                found.setdefault(name, Endpoint(name, route, pattern.callback))

    walk(get_resolver(), "", "")
    return {name: endpoint for name, endpoint in found.items() if not name.startswith("admin:")}


# Probes: the objects an endpoint's path parameters name, by label -----------------------------


def _copy_as_draft(listing):
    """A draft copy of a published listing of the same publisher: one that only its own may see."""
    listing.pk = None
    listing.id = None
    listing.status = "draft"
    listing.external_id = ""
    listing.save()
    return listing


def _world_objects() -> dict:
    """What the demo lacks and some endpoints name: a deal, a subscription, a notification, an income
    filing, an import job, a download of search results and an objection, each made as its users would make it."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from apps.achievements import packages
    from apps.achievements import services as listings
    from apps.achievements.models import Achievement, AttachmentKind, Deal, Need
    from apps.contracts import services as contracts
    from apps.contracts.exports import contract_export_queue, contract_export_run
    from apps.contracts.models import Contract, ContractImport
    from apps.core.models import Notification, Region
    from apps.kpi import reports
    from apps.subsidies import services as subsidies
    from apps.subsidies.models import Application

    users = {name: get_user_model().objects.get(username=name) for name in USERNAMES.values()}
    enterprise = users["demo_enterprise"]
    own = enterprise.memberships.get().organisation
    achievement = Achievement.objects.filter(status="published").order_by("pk").first()
    registered = Contract.objects.filter(seller=own, status="registered", previous__isnull=True).order_by("pk")
    job = ContractImport(source="national", filename="contracts.csv", created_by=users["demo_province"])
    job.file.save("contracts.csv", ContentFile(b"name\n"), save=False)
    job.save()
    city = users["demo_city"]
    bureau = city.memberships.get().organisation
    packages_made = []
    for batch, (title, publish) in enumerate((("石家庄市成果包", True), ("石家庄市成果包（草稿）", False)), start=1):
        data = packages.PackageInput(kind="technology", title=title, period="2026", batch=batch)
        package = packages.package_create(actor=city, publisher=bureau, data=data)
        if publish:
            packages.package_items_set(actor=city, package=package, achievement_ids=[achievement.pk])
            package = packages.package_publish(actor=city, package=package)
        packages_made.append(package)
    edition = packages.catalogue_edition_create(actor=users["demo_province"], year=2026, title="2026年指导目录")
    entry = packages.catalogue_entry_add(actor=users["demo_province"], edition=edition, achievement=achievement)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    own_need = Need.objects.filter(publisher=own, status="published").order_by("pk").first()
    draft_application = Application.objects.get(applicant=own, status="draft")
    export = contract_export_queue(actor=city, params={"status": ["registered"]})
    contract_export_run(export_id=export.pk)
    return {
        "export": export,
        "package": packages_made[0],
        "draft package": packages_made[1],
        "edition": edition,
        "entry": entry,
        "achievement file": listings.listing_file_add(
            actor=users["demo_university"],
            listing=achievement,
            upload=SimpleUploadedFile("说明.pdf", pdf, content_type="application/pdf"),
            kind=AttachmentKind.DOCUMENT,
        ),
        "need file": listings.listing_file_add(
            actor=enterprise,
            listing=own_need,
            upload=SimpleUploadedFile("需求.pdf", pdf, content_type="application/pdf"),
            kind=AttachmentKind.DOCUMENT,
        ),
        "application file": subsidies.application_file_add(
            actor=enterprise,
            application=draft_application,
            upload=SimpleUploadedFile("发票.pdf", pdf, content_type="application/pdf"),
            description="发票",
        ),
        "report": reports.report_issue(
            kind="monthly", period_start=datetime.date(2020, 3, 1), unit=Region.objects.get(code="130100")
        ),
        "deal": Deal.objects.filter(buyer=own).order_by("pk").first()  # the demo's, if it made one
        or listings.deal_express(
            actor=enterprise, buyer=own, achievement=achievement, message="我们对该成果有兴趣，希望洽谈。"
        ),
        "subscription": listings.subscription_save(
            actor=enterprise, data=listings.SubscriptionInput(name="新材料成果", tech_fields=["03"])
        ),
        "notification": Notification.objects.create(user=enterprise, kind="deal", title="测试通知"),
        "income": contracts.income_file(
            actor=enterprise, contract=registered.first(), year=timezone.localdate().year, amount="100000"
        ),
        "import job": job,
        "objection": subsidies.objection_file(
            actor=users["demo_enterprise2"],
            application=Application.objects.get(applicant=own, status="in_notice"),
            text="申请材料中的合同金额与登记证明不一致。",
        ),
    }


def _world_probes() -> dict[str, dict[str, dict]]:
    """``{probe set: {label: path kwargs}}`` from the demo world."""
    from apps.accounts.models import Organisation
    from apps.achievements.models import Achievement, Need
    from apps.contracts.models import Contract, RegistrationOffice
    from apps.core.models import Code
    from apps.institutions.models import Broker, Institution
    from apps.kpi.models import ReportedValue, TargetSet
    from apps.subsidies.models import Application, Programme

    def office(code):
        return RegistrationOffice.objects.get(code=code).pk

    made = _world_objects()

    own = Organisation.objects.get(memberships__user__username="demo_enterprise")
    other_org = Organisation.objects.get(memberships__user__username="demo_enterprise2")
    mine = Contract.objects.filter(seller=own, previous__isnull=True).order_by("pk")
    other = (  # a registered contract of another organisation, outside Shijiazhuang on both sides
        Contract.objects.filter(status="registered")
        .exclude(seller=own)
        .exclude(seller_region__unit_id="130100")
        .exclude(buyer_region__unit_id="130100")
        .order_by("pk")
        .first()
    )
    university = Organisation.objects.get(memberships__user__username="demo_university")
    published = Achievement.objects.filter(publisher=university, status="published").order_by("pk")
    need = Need.objects.filter(publisher=own, status="published").order_by("pk")
    host = Organisation.objects.get(memberships__user__username="demo_institution")
    applications = Application.objects.filter(applicant=own).order_by("pk")
    return {
        "contract": {
            "own registered": {"pk": mine.filter(status="registered").first().pk},
            "own draft": {"pk": mine.filter(status="draft").first().pk},
            "own in second review": {"pk": mine.filter(status="second_review").first().pk},
            "other city's registered": {"pk": other.pk},
        },
        "achievement": {
            "university's published": {"pk": published.first().pk},
            "university's draft": {"pk": _copy_as_draft(published.last()).pk},
        },
        "need": {
            "enterprise's published": {"pk": need.first().pk},
            "enterprise's draft": {"pk": _copy_as_draft(need.last()).pk},
        },
        "institution": {
            "Shijiazhuang's active": {"pk": Institution.objects.get(status="active", region_id="130102").pk},
            "Tangshan's active": {"pk": Institution.objects.get(status="active", region__unit_id="130200").pk},
            "institution's submitted": {"pk": Institution.objects.get(host=host).pk},
        },
        "application": {
            "enterprise's in notice": {"pk": applications.get(status="in_notice").pk},
            "enterprise's draft": {"pk": applications.get(status="draft").pk},
        },
        "programme": {"open": {"pk": Programme.objects.filter(status="open").order_by("pk").first().pk}},
        "organisation": {"enterprise's": {"pk": own.pk}, "Tangshan enterprise's": {"pk": other_org.pk}},
        "unit": {"Shijiazhuang": {"code": "130100"}, "Tangshan": {"code": "130200"}},
        "county": {"Zhengding": {"code": "130123"}, "Caofeidian": {"code": "130209"}},
        "unit year": {
            "Shijiazhuang 2020": {"unit": "130100", "year": 2020},
            "Tangshan 2020": {"unit": "130200", "year": 2020},
        },
        "own token": {"make": {"action": "create"}, "revoke": {"action": "revoke"}},
        "own two-factor": {
            "start": {"action": "start"},
            "confirm": {"action": "confirm"},
            "disable": {"action": "disable"},
            "recovery codes": {"action": "recovery-codes"},
        },
        "office": {"Shijiazhuang's": {"pk": office("0101")}, "Tangshan's": {"pk": office("0201")}},
        "broker": {"the institution's": {"pk": Broker.objects.filter(affiliation=host).order_by("pk").first().pk}},
        "institution year": {
            "institution's submitted 2025": {"pk": Institution.objects.get(host=host).pk, "year": 2025},
            "Tangshan's active 2025": {"pk": Institution.objects.get(region__unit_id="130200").pk, "year": 2025},
        },
        "target set": {"approved": {"pk": TargetSet.objects.order_by("pk").first().pk}},
        "reported value": {"approved": {"pk": ReportedValue.objects.order_by("pk").first().pk}},
        "certificate": {
            "own registered's": {"code": mine.filter(status="registered").first().verification_code},
            "unknown": {"code": "NOSUCHCODE"},
        },
        "code": {"a contract type": {"pk": Code.objects.filter(list="contract_type").order_by("pk").first().pk}},
        "country": {"China": {"pk": "CN"}},
        "region": {"Shijiazhuang": {"pk": "130100"}},
        "indicator": {"H1": {"code": "H1"}},
        "deal": {"enterprise's interest": {"pk": made["deal"].pk}},
        "subscription": {"enterprise's": {"pk": made["subscription"].pk}},
        "notification": {"enterprise's": {"pk": made["notification"].pk}},
        "income": {"own registered's filing": {"pk": made["income"].pk}},
        "income decision": {
            f"own registered's filing {decision}": {
                "pk": made["income"].contract_id,
                "income_pk": made["income"].pk,
                "decision": decision,
            }
            for decision in ("confirm", "reject")
        },
        "import job": {"province's": {"pk": made["import job"].pk}},
        "export": {"city's": {"pk": made["export"].pk}},
        "objection": {
            "Tangshan enterprise's objection": {
                "pk": made["objection"].application_id,
                "objection_pk": made["objection"].pk,
            }
        },
        "package": {"city's published": {"pk": made["package"].pk}, "city's draft": {"pk": made["draft package"].pk}},
        "edition": {"province's draft": {"pk": made["edition"].pk}},
        "entry": {"province's draft entry": {"pk": made["edition"].pk, "entry_pk": made["entry"].pk}},
        "achievement file": {
            "university's document": {
                "pk": made["achievement file"].achievement_id,
                "file_pk": made["achievement file"].pk,
            }
        },
        "need file": {"enterprise's document": {"pk": made["need file"].need_id, "file_pk": made["need file"].pk}},
        "file": {"university's document": {"pk": made["achievement file"].pk}},
        "application file": {
            "enterprise's evidence": {
                "pk": made["application file"].application_id,
                "file_pk": made["application file"].pk,
            }
        },
        "report": {"Shijiazhuang March 2020": {"pk": made["report"].pk}},
        "objection api": {
            "Tangshan enterprise's objection": {
                "pk": made["objection"].application_id,
                "objection_id": made["objection"].pk,
            }
        },
    }


# The probe set of the endpoints with path parameters, by name, or by a name prefix (ending in - or :)
# for those no name lists.
PROBE_SETS = {
    "contracts:": "contract",
    "api:contract-": "contract",
    "achievements:detail": "achievement",
    "achievements:edit": "achievement",
    "achievements:matches": "achievement",
    "achievements:express": "achievement",
    "achievements:file_add": "achievement",
    "api:achievement-": "achievement",
    "achievements:need_detail": "need",
    "achievements:need_edit": "need",
    "achievements:need_matches": "need",
    "achievements:need_file_add": "need",
    "api:need-": "need",
    "institutions:detail": "institution",
    "institutions:edit": "institution",
    "api:institution-": "institution",
    "subsidies:detail": "application",
    "subsidies:edit": "application",
    "subsidies:file_add": "application",
    "api:subsidy-application-": "application",
    "subsidies:programme": "programme",
    "subsidies:programme_allocations": "programme",
    "subsidies:programme_budget": "programme",
    "subsidies:programme_edit": "programme",
    "subsidies:programme_export": "programme",
    "api:subsidy-programme-": "programme",
    "accounts:organisation_detail": "organisation",
    "api:organisation-": "organisation",
    "kpi:unit": "unit",
    "kpi:county": "county",
    "kpi_spreadsheets:download": "unit year",
    "accounts:api_token": "own token",
    "accounts:two_factor_action": "own two-factor",
    "subsidies:programme_close": "programme",
    "subsidies:programme_publish": "programme",
    "subsidies:programme_rule_add": "programme",
    "subsidies:notice_detail": "application",
    "kpi_spreadsheets:upload": "unit year",
    "api:kpi-spreadsheet-return": "unit year",
    "contracts:office_edit": "office",
    "api:broker-detail": "broker",
    "institutions_brokers:detail": "broker",
    "institutions_brokers:training_add": "broker",
    "institutions_brokers:set_active": "broker",
    "api:broker-active": "broker",
    "institutions_reports:file": "institution year",
    "institutions_reports:evaluate": "institution year",
    "api:kpi-target-set-": "target set",
    "api:kpi-reported-value-": "reported value",
    "verify:certificate": "certificate",
    "api:code-detail": "code",
    "api:country-detail": "country",
    "api:region-detail": "region",
    "api:kpi-indicator-detail": "indicator",
    "achievements:deal_detail": "deal",
    "api:deal-": "deal",
    "achievements:subscription_edit": "subscription",
    "achievements:subscription_delete": "subscription",
    "api:subscription-detail": "subscription",
    "achievements:notification_open": "notification",
    "api:contract-income-confirm": "income",
    "api:contract-income-reject": "income",
    "contracts:income_decide": "income decision",
    "contracts:import_job": "import job",
    "contracts:import_report": "import job",
    "api:contract-import-job": "import job",
    "contracts:export": "export",
    "contracts:export_download": "export",
    "subsidies:objection_resolve": "objection",
    "achievements_packages:detail": "package",
    "achievements_packages:edit": "package",
    "achievements_packages:export": "package",
    "achievements_packages:items": "package",
    "api:package-": "package",
    "achievements_packages:edition": "edition",
    "achievements_packages:edition_edit": "edition",
    "achievements_packages:edition_export": "edition",
    "achievements_packages:entry_create": "edition",
    "api:catalogue-edition-": "edition",
    "achievements_packages:entry_edit": "entry",
    "achievements_packages:entry_remove": "entry",
    "api:catalogue-edition-entry": "entry",
    "achievements:file": "achievement file",
    "achievements:need_file": "need file",
    "achievements:file_remove": "file",
    "subsidies:file": "application file",
    "kpi_reports:": "report",
    "api:kpi-report-": "report",
    "api:subsidy-application-objection-resolve": "objection api",
    "api:kpi-spreadsheet": "unit year",
}
PARAMETERS = {
    "unit": ("code",),
    "county": ("code",),
    "unit year": ("unit", "year"),
    "own token": ("action",),
    "own two-factor": ("action",),
    "institution year": ("pk", "year"),
    "certificate": ("code",),
    "indicator": ("code",),
    "income decision": ("pk", "income_pk", "decision"),
    "objection": ("pk", "objection_pk"),
    "objection api": ("pk", "objection_id"),
    "entry": ("pk", "entry_pk"),
    "achievement file": ("pk", "file_pk"),
    "need file": ("pk", "file_pk"),
    "application file": ("pk", "file_pk"),
}
# Workflow pages with an action in the path: the probe set, and the actions tried on each probe.
ACTION_PAGES = {
    "contracts:action": ("contract", ("submit", "withdraw", "accept", "register", "revoke")),
    "achievements:action": ("achievement", ("submit", "approve", "withdraw", "take_down")),
    "achievements:need_action": ("need", ("submit", "approve", "withdraw", "take_down")),
    "institutions:action": ("institution", ("submit", "recommend", "approve", "suspend")),
    "subsidies:action": ("application", ("submit", "recommend", "approve", "award")),
    "accounts:organisation_transition": ("organisation", ("activate", "suspend")),
    "achievements:deal_action": ("deal", ("accept", "decline", "withdraw")),
    "achievements_packages:action": ("package", ("publish", "withdraw")),
    "achievements_packages:edition_action": ("edition", ("publish",)),
}


def probe_set(endpoint: Endpoint) -> str | None:
    """The name of the probes that fill the endpoint's path parameters, if any do."""
    if endpoint.name in ACTION_PAGES:
        return ACTION_PAGES[endpoint.name][0]
    name = PROBE_SETS.get(endpoint.name) or next(
        (name for key, name in PROBE_SETS.items() if key.endswith(("-", ":")) and endpoint.name.startswith(key)),
        None,
    )
    return name if name is not None and endpoint.parameters == PARAMETERS.get(name, ("pk",)) else None


def probe_kwargs(endpoint: Endpoint, probes: dict) -> dict[str, dict]:
    """``{label: kwargs}`` for the endpoint: one call without parameters, else one per probe."""
    if not endpoint.parameters:
        return {"": {}}
    name = probe_set(endpoint)
    if name is None:
        return {}
    if endpoint.name in ACTION_PAGES:
        return {
            f"{label} {action}": {**kwargs, "action": action}
            for action in ACTION_PAGES[endpoint.name][1]
            for label, kwargs in probes[name].items()
        }
    return dict(probes[name])


# The calls ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module in a transaction rolled back at its end."""
    from django.apps import apps

    from apps.accounts.demo import demo_load
    from apps.core.services import reference_data_load
    from apps.kpi.demo import kpi_demo_load

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            reference_data_load()
            demo_load(password="Matrix-Password-42", reset_passwords=False)
            for config in apps.get_app_configs():
                if config.label == "kpi":
                    kpi_demo_load(history=False)
                elif loader := getattr(config, "load_demo_data", None):
                    loader()
            users = {actor: get_user_model().objects.get(username=name) for actor, name in USERNAMES.items()}
            tokens = {actor: Token.objects.get_or_create(user=user)[0].key for actor, user in users.items()}
            yield {"users": users, "tokens": tokens, "probes": _world_probes()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _client(world, actor: str, *, api: bool) -> Client:
    client = Client(HTTP_ACCEPT="application/json" if api else "text/html")
    if actor == "anonymous":
        return client
    if api:  # a token: session authentication would refuse every unsafe call for want of a CSRF token
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world['tokens'][actor]}"
    else:
        client.force_login(world["users"][actor])
    return client


def _call(client: Client, method: str, path: str, *, api: bool):
    """One call, its writes rolled back."""
    with transaction.atomic():
        if method in ("get", "delete"):
            response = getattr(client, method)(path)
        elif api:
            response = getattr(client, method)(path, data="{}", content_type="application/json")
        else:
            response = getattr(client, method)(path, data={})
        transaction.set_rollback(True)
    return response


def outcome(response) -> str:
    code = response.status_code
    if code >= 500:
        return "error"
    if code in (401, 403, 404):
        return "deny"
    if code in (301, 302, 303) and "/accounts/login/" in response.get("Location", ""):
        return "deny"
    return "allow"


def observe(world, endpoint: Endpoint) -> dict[tuple[str, str], set[str]]:
    """``{(method, probe): actors allowed}``, and every 5xx as an AssertionError."""
    observed: dict[tuple[str, str], set[str]] = {}
    errors = []
    clients = {actor: _client(world, actor, api=endpoint.is_api) for actor in ACTORS}
    for label, kwargs in probe_kwargs(endpoint, world["probes"]).items():
        path = reverse(endpoint.name, kwargs=kwargs)
        methods = endpoint.methods()
        if methods is None:  # a function view: GET, or what its 405 says it allows
            answer = _call(clients["province"], "get", path, api=endpoint.is_api)
            allowed = answer.get("Allow", "") if answer.status_code == 405 else ""
            methods = tuple(m.strip().lower() for m in allowed.split(",") if m.strip()) or ("get",)
            methods = tuple(m for m in methods if m in METHODS) or ("get",)
        for method in methods:
            allowed_actors = set()
            for actor in ACTORS:
                response = _call(clients[actor], method, path, api=endpoint.is_api)
                result = outcome(response)
                if result == "error":
                    errors.append(f"{method.upper()} {path} as {actor}: {response.status_code}")
                elif result == "allow":
                    allowed_actors.add(actor)
            observed[(method.upper(), label)] = allowed_actors
    if errors:
        raise AssertionError("server errors:\n" + "\n".join(errors))
    return observed


def _expected(entry: dict) -> dict[tuple[str, str], set[str]]:
    expected = {}
    for method, allowed in entry.items():
        if isinstance(allowed, dict):
            for label, actors in allowed.items():
                expected[(method, label)] = set(actors)
        else:
            expected[(method, "")] = set(allowed)
    return expected


def _matrix_syntax(name: str, observed: dict) -> str:
    by_method: dict[str, dict[str, set]] = {}
    for (method, label), actors in observed.items():
        by_method.setdefault(method, {})[label] = actors

    def actors_text(actors):
        return "{" + ", ".join(f'"{a}"' for a in ACTORS if a in actors) + "}" if actors else "NOBODY"

    lines = [f'    "{name}": {{']
    for method, labels in by_method.items():
        if list(labels) == [""]:
            lines.append(f'        "{method}": {actors_text(labels[""])},')
        else:
            lines.append(f'        "{method}": {{')
            lines.extend(f'            "{label}": {actors_text(actors)},' for label, actors in labels.items())
            lines.append("        },")
    lines.append("    },")
    return "\n".join(lines)


ALL_ENDPOINTS = endpoints()
PROBED = sorted(ALL_ENDPOINTS)


@pytest.mark.parametrize("name", PROBED)
def test_who_reaches_each_endpoint(world, db, name):
    endpoint = ALL_ENDPOINTS[name]
    observed = observe(world, endpoint)
    if path := os.environ.get("HEBTT_MATRIX_OBSERVED"):
        with open(path, "a", encoding="utf-8") as out:
            out.write(_matrix_syntax(name, observed) + "\n")
    assert name in MATRIX, f"{name} has no entry in tests/security/access_matrix.py:\n{_matrix_syntax(name, observed)}"
    expected = _expected(MATRIX[name])
    differences = []
    for key in sorted(set(expected) | set(observed)):
        want, got = expected.get(key), observed.get(key)
        if want != got:
            call = " ".join(part for part in key if part)
            if want is None or got is None:
                differences.append(f"{call}: expected {want}, observed {got}")
            else:
                differences.append(
                    f"{call}: allowed but not expected {sorted(got - want)}; denied but expected {sorted(want - got)}"
                )
    assert not differences, f"{name} ({endpoint.route}):\n" + "\n".join(differences)


def test_every_endpoint_has_an_entry():
    names = set(ALL_ENDPOINTS)
    assert not names - set(MATRIX), "endpoints without an entry in access_matrix.py"
    assert not set(MATRIX) - names, "entries for endpoints that no longer exist"
    unprobed = {name for name in MATRIX if ALL_ENDPOINTS[name].parameters and not probe_kwargs_known(name)}
    assert not unprobed, f"entries whose path parameters no probe fills: {sorted(unprobed)}"


def probe_kwargs_known(name: str) -> bool:
    return probe_set(ALL_ENDPOINTS[name]) is not None


def test_only_staff_reach_the_admin(world, db):
    anonymous = Client()
    assert anonymous.get(reverse("admin:index")).status_code == 302
    for actor in ACTORS[1:]:
        client = _client(world, actor, api=False)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "/login/" in response["Location"], actor
