"""Who may call each endpoint: the expected table of tests/security/test_access_matrix.py.

Each entry names an endpoint (``namespace:name``) and, for each method its view answers, the actors
whose call reaches the view's work; every other actor must be refused (401, 403, 404, or sent to
the login page). For an endpoint with path parameters, the actors are given per probe: the object
the call names (see ``PROBES`` in the test). ``NOBODY`` marks a call every actor is refused, which
for a probe usually means the object is not in a state the endpoint serves.

The actors are the demo accounts: ``province`` (the provincial S&T department), ``city``
(Shijiazhuang's bureau), ``county`` (Zhengding's), ``registrar`` and ``approver`` (Shijiazhuang's
registration office), ``enterprise`` (a Shijiazhuang enterprise), ``enterprise2`` (a Tangshan
one), ``university``, ``institution`` (a transfer institution) and ``broker`` (a broker of it).

A change of this table is a change of who may do what: it is reviewed as such.
"""

ACTORS = (
    "anonymous",
    "province",
    "city",
    "county",
    "registrar",
    "approver",
    "enterprise",
    "enterprise2",
    "university",
    "institution",
    "broker",
)
USERS = frozenset(ACTORS) - {"anonymous"}
EVERYONE = frozenset(ACTORS)
NOBODY = frozenset()

# Endpoints whose path parameters name objects no probe provides yet: each must gain probes and an
# entry in MATRIX (issue 9 continues). Adding one here is a decision a review sees, as in MATRIX.
NOT_YET_PROBED = {
    "accounts:organisation_detail",  # accounts/organisations/<int:pk>/
    "accounts:organisation_transition",  # accounts/organisations/<int:pk>/<slug:action>/
    "achievements:action",  # market/achievements/<int:pk>/actions/<slug:action>/
    "achievements:deal_action",  # market/deals/<int:pk>/actions/<slug:action>/
    "achievements:deal_detail",  # market/deals/<int:pk>/
    "achievements:detail",  # market/achievements/<int:pk>/
    "achievements:edit",  # market/achievements/<int:pk>/edit/
    "achievements:express",  # market/achievements/<int:pk>/interest/
    "achievements:file",  # market/achievements/<int:pk>/files/<int:file_pk>/
    "achievements:file_add",  # market/achievements/<int:pk>/files/
    "achievements:file_remove",  # market/files/<int:pk>/remove/
    "achievements:matches",  # market/achievements/<int:pk>/matches/
    "achievements:need_action",  # market/needs/<int:pk>/actions/<slug:action>/
    "achievements:need_detail",  # market/needs/<int:pk>/
    "achievements:need_edit",  # market/needs/<int:pk>/edit/
    "achievements:need_file",  # market/needs/<int:pk>/files/<int:file_pk>/
    "achievements:need_file_add",  # market/needs/<int:pk>/files/
    "achievements:need_matches",  # market/needs/<int:pk>/matches/
    "achievements:notification_open",  # market/notifications/<int:pk>/open/
    "achievements:subscription_delete",  # market/subscriptions/<int:pk>/delete/
    "achievements:subscription_edit",  # market/subscriptions/<int:pk>/edit/
    "achievements_packages:action",  # market/packages/<int:pk>/<slug:action>/
    "achievements_packages:detail",  # market/packages/<int:pk>/
    "achievements_packages:edit",  # market/packages/<int:pk>/edit/
    "achievements_packages:edition",  # market/packages/catalogue/editions/<int:pk>/
    "achievements_packages:edition_action",  # market/packages/catalogue/editions/<int:pk>/<slug:action>/
    "achievements_packages:edition_edit",  # market/packages/catalogue/editions/<int:pk>/edit/
    "achievements_packages:edition_export",  # market/packages/catalogue/editions/<int:pk>/export.xlsx
    "achievements_packages:entry_create",  # market/packages/catalogue/editions/<int:pk>/entries/new/
    "achievements_packages:entry_edit",  # market/packages/catalogue/editions/<int:pk>/entries/<int:entry_pk>/
    "achievements_packages:entry_remove",  # market/packages/catalogue/editions/<int:pk>/entries/<int:entry_pk>/remove/
    "achievements_packages:export",  # market/packages/<int:pk>/export.xlsx
    "achievements_packages:items",  # market/packages/<int:pk>/items/
    "api:achievement-approve",  # api/v1/achievements/<pk>/approve/
    "api:achievement-detail",  # api/v1/achievements/<pk>/
    "api:achievement-files",  # api/v1/achievements/<pk>/files/
    "api:achievement-matches",  # api/v1/achievements/<pk>/matches/
    "api:achievement-return-",  # api/v1/achievements/<pk>/return/
    "api:achievement-submit",  # api/v1/achievements/<pk>/submit/
    "api:achievement-take-down",  # api/v1/achievements/<pk>/take-down/
    "api:achievement-withdraw",  # api/v1/achievements/<pk>/withdraw/
    "api:broker-detail",  # api/v1/brokers/<pk>/
    "api:catalogue-edition-detail",  # api/v1/catalogue-editions/<pk>/
    "api:catalogue-edition-entries",  # api/v1/catalogue-editions/<pk>/entries/
    "api:catalogue-edition-entry",  # api/v1/catalogue-editions/<pk>/entries/<entry_pk>/
    "api:catalogue-edition-export",  # api/v1/catalogue-editions/<pk>/export/
    "api:catalogue-edition-publish",  # api/v1/catalogue-editions/<pk>/publish/
    "api:catalogue-edition-withdraw",  # api/v1/catalogue-editions/<pk>/withdraw/
    "api:code-detail",  # api/v1/codes/<pk>/
    "api:contract-import-job",  # api/v1/contracts/imports/<int:pk>/
    "api:contract-income-confirm",  # api/v1/incomes/<pk>/confirm/
    "api:contract-income-reject",  # api/v1/incomes/<pk>/reject/
    "api:country-detail",  # api/v1/countries/<pk>/
    "api:deal-accept",  # api/v1/deals/<pk>/accept/
    "api:deal-close",  # api/v1/deals/<pk>/close/
    "api:deal-decline",  # api/v1/deals/<pk>/decline/
    "api:deal-detail",  # api/v1/deals/<pk>/
    "api:deal-meeting",  # api/v1/deals/<pk>/meeting/
    "api:deal-withdraw",  # api/v1/deals/<pk>/withdraw/
    "api:institution-approve",  # api/v1/institutions/<pk>/approve/
    "api:institution-city-return",  # api/v1/institutions/<pk>/city-return/
    "api:institution-detail",  # api/v1/institutions/<pk>/
    "api:institution-province-return",  # api/v1/institutions/<pk>/province-return/
    "api:institution-recommend",  # api/v1/institutions/<pk>/recommend/
    "api:institution-reinstate",  # api/v1/institutions/<pk>/reinstate/
    "api:institution-revoke",  # api/v1/institutions/<pk>/revoke/
    "api:institution-submit",  # api/v1/institutions/<pk>/submit/
    "api:institution-suspend",  # api/v1/institutions/<pk>/suspend/
    "api:institution-withdraw",  # api/v1/institutions/<pk>/withdraw/
    "api:kpi-indicator-detail",  # api/v1/kpi/indicators/<code>/
    "api:kpi-report-detail",  # api/v1/kpi/reports/<pk>/
    "api:kpi-report-download",  # api/v1/kpi/reports/<pk>/download/
    "api:kpi-reported-value-decide",  # api/v1/kpi/reported/<pk>/decide/
    "api:kpi-reported-value-detail",  # api/v1/kpi/reported/<pk>/
    "api:kpi-spreadsheet",  # api/v1/kpi/spreadsheets/<str:unit>/<int:year>.xlsx
    "api:kpi-spreadsheet-return",  # api/v1/kpi/spreadsheets/<str:unit>/<int:year>/return/
    "api:kpi-target-set-approve",  # api/v1/kpi/targets/<pk>/approve/
    "api:kpi-target-set-detail",  # api/v1/kpi/targets/<pk>/
    "api:kpi-target-set-units",  # api/v1/kpi/targets/<pk>/units/
    "api:need-approve",  # api/v1/needs/<pk>/approve/
    "api:need-detail",  # api/v1/needs/<pk>/
    "api:need-files",  # api/v1/needs/<pk>/files/
    "api:need-matches",  # api/v1/needs/<pk>/matches/
    "api:need-return-",  # api/v1/needs/<pk>/return/
    "api:need-submit",  # api/v1/needs/<pk>/submit/
    "api:need-take-down",  # api/v1/needs/<pk>/take-down/
    "api:need-withdraw",  # api/v1/needs/<pk>/withdraw/
    "api:organisation-activate",  # api/v1/organisations/<pk>/activate/
    "api:organisation-detail",  # api/v1/organisations/<pk>/
    "api:organisation-reinstate",  # api/v1/organisations/<pk>/reinstate/
    "api:organisation-reject",  # api/v1/organisations/<pk>/reject/
    "api:organisation-suspend",  # api/v1/organisations/<pk>/suspend/
    "api:package-detail",  # api/v1/packages/<pk>/
    "api:package-export",  # api/v1/packages/<pk>/export/
    "api:package-items",  # api/v1/packages/<pk>/items/
    "api:package-publish",  # api/v1/packages/<pk>/publish/
    "api:package-revise",  # api/v1/packages/<pk>/revise/
    "api:package-withdraw",  # api/v1/packages/<pk>/withdraw/
    "api:region-detail",  # api/v1/regions/<pk>/
    "api:subscription-detail",  # api/v1/subscriptions/<pk>/
    "api:subsidy-application-approve",  # api/v1/subsidy-applications/<pk>/approve/
    "api:subsidy-application-award",  # api/v1/subsidy-applications/<pk>/award/
    "api:subsidy-application-city-reject",  # api/v1/subsidy-applications/<pk>/city-reject/
    "api:subsidy-application-city-return",  # api/v1/subsidy-applications/<pk>/city-return/
    "api:subsidy-application-close",  # api/v1/subsidy-applications/<pk>/close/
    "api:subsidy-application-detail",  # api/v1/subsidy-applications/<pk>/
    "api:subsidy-application-files",  # api/v1/subsidy-applications/<pk>/files/
    "api:subsidy-application-objection-resolve",  # api/v1/subsidy-applications/<pk>/objections/<objection_id>/resolve/
    "api:subsidy-application-objections",  # api/v1/subsidy-applications/<pk>/objections/
    "api:subsidy-application-payments",  # api/v1/subsidy-applications/<pk>/payments/
    "api:subsidy-application-province-reject",  # api/v1/subsidy-applications/<pk>/province-reject/
    "api:subsidy-application-province-return",  # api/v1/subsidy-applications/<pk>/province-return/
    "api:subsidy-application-recommend",  # api/v1/subsidy-applications/<pk>/recommend/
    "api:subsidy-application-submit",  # api/v1/subsidy-applications/<pk>/submit/
    "api:subsidy-application-withdraw",  # api/v1/subsidy-applications/<pk>/withdraw/
    "api:subsidy-programme-allocations",  # api/v1/subsidy-programmes/<pk>/allocations/
    "api:subsidy-programme-close",  # api/v1/subsidy-programmes/<pk>/close/
    "api:subsidy-programme-detail",  # api/v1/subsidy-programmes/<pk>/
    "api:subsidy-programme-ledger",  # api/v1/subsidy-programmes/<pk>/ledger/
    "api:subsidy-programme-publish",  # api/v1/subsidy-programmes/<pk>/publish/
    "api:subsidy-programme-rules",  # api/v1/subsidy-programmes/<pk>/rules/
    "contracts:import_job",  # contracts/import/<int:pk>/
    "contracts:import_report",  # contracts/import/<int:pk>/errors.csv
    "contracts:income_decide",  # contracts/<int:pk>/incomes/<int:income_pk>/<slug:decision>/
    "contracts:office_edit",  # contracts/offices/<int:pk>/
    "institutions:action",  # institutions/<int:pk>/<slug:action>/
    "institutions:detail",  # institutions/<int:pk>/
    "institutions:edit",  # institutions/<int:pk>/edit/
    "institutions_brokers:detail",  # institutions/brokers/<int:pk>/
    "institutions_brokers:training_add",  # institutions/brokers/<int:pk>/training/
    "institutions_reports:evaluate",  # institutions/reports/evaluations/<int:pk>/<int:year>/
    "institutions_reports:file",  # institutions/reports/<int:pk>/<int:year>/
    "kpi:county",  # kpi/counties/<str:code>/
    "kpi:unit",  # kpi/units/<str:code>/
    "kpi_reports:detail",  # kpi/reports/<int:pk>/
    "kpi_reports:download",  # kpi/reports/<int:pk>/download/
    "kpi_reports:reissue",  # kpi/reports/<int:pk>/reissue/
    "kpi_spreadsheets:download",  # kpi/spreadsheets/download/<str:unit>/<int:year>/
    "kpi_spreadsheets:upload",  # kpi/spreadsheets/upload/<str:unit>/<int:year>/
    "subsidies:action",  # subsidies/<int:pk>/<slug:action>/
    "subsidies:detail",  # subsidies/<int:pk>/
    "subsidies:edit",  # subsidies/<int:pk>/edit/
    "subsidies:file",  # subsidies/<int:pk>/files/<int:file_pk>/
    "subsidies:file_add",  # subsidies/<int:pk>/files/
    "subsidies:notice_detail",  # subsidies/notice/<int:pk>/
    "subsidies:objection_resolve",  # subsidies/<int:pk>/objections/<int:objection_pk>/
    "subsidies:programme",  # subsidies/programmes/<int:pk>/
    "subsidies:programme_allocations",  # subsidies/programmes/<int:pk>/allocations/
    "subsidies:programme_budget",  # subsidies/programmes/<int:pk>/budget/
    "subsidies:programme_close",  # subsidies/programmes/<int:pk>/close/
    "subsidies:programme_edit",  # subsidies/programmes/<int:pk>/edit/
    "subsidies:programme_export",  # subsidies/programmes/<int:pk>/export.xlsx
    "subsidies:programme_publish",  # subsidies/programmes/<int:pk>/publish/
    "subsidies:programme_rule_add",  # subsidies/programmes/<int:pk>/rules/
    "verify:certificate",  # verify/<str:code>/
}

MATRIX = {
    "accounts:login": {
        "GET": EVERYONE,
        "POST": EVERYONE,
        "PUT": EVERYONE,
    },
    # POST logs out and sends to the login page, which reads as a refusal here.
    "accounts:logout": {
        "GET": EVERYONE,
        "POST": NOBODY,
    },
    "accounts:organisation_list": {
        "GET": USERS,
    },
    # Scoped: the organisations the caller activates, an empty page for the others.
    "accounts:organisation_pending": {
        "GET": USERS,
    },
    "accounts:password_change": {
        "GET": USERS,
        "POST": USERS,
        "PUT": USERS,
    },
    "accounts:profile": {
        "GET": USERS,
    },
    "accounts:sign_up": {
        "GET": EVERYONE,
    },
    "accounts:sign_up_done": {
        "GET": EVERYONE,
    },
    "achievements:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "achievements:deals": {
        "GET": USERS,
    },
    "achievements:index": {
        "GET": EVERYONE,
    },
    "achievements:list": {
        "GET": EVERYONE,
    },
    "achievements:mine": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "achievements:need_create": {
        "GET": {"enterprise", "enterprise2"},
    },
    "achievements:need_list": {
        "GET": EVERYONE,
    },
    "achievements:notifications": {
        "GET": USERS,
    },
    "achievements:notifications_read": {
        "POST": USERS,
    },
    "achievements:review": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "achievements:subscription_create": {
        "GET": USERS,
    },
    "achievements:subscriptions": {
        "GET": USERS,
    },
    "achievements_packages:catalogue": {
        "GET": EVERYONE,
    },
    "achievements_packages:create": {
        "GET": {"province", "city"},
    },
    "achievements_packages:edition_create": {
        "GET": {"province"},
    },
    "achievements_packages:editions": {
        "GET": EVERYONE,
    },
    "achievements_packages:index": {
        "GET": EVERYONE,
    },
    "achievements_packages:manage": {
        "GET": {"province", "city"},
    },
    "api-docs": {
        "GET": EVERYONE,
    },
    "api:achievement-list": {
        "GET": EVERYONE,
        "POST": {"enterprise", "enterprise2", "university", "institution"},
    },
    "api:api-root": {
        "GET": USERS,
    },
    "api:auth-token": {
        "POST": EVERYONE,
    },
    "api:broker-export": {
        "GET": {"province", "institution"},
    },
    "api:broker-import": {
        "POST": {"province", "institution"},
    },
    "api:broker-list": {
        "GET": EVERYONE,
    },
    "api:catalogue-edition-list": {
        "GET": EVERYONE,
        "POST": {"province"},
    },
    "api:code-list": {
        "GET": EVERYONE,
    },
    "api:contract-accept": {
        "POST": {
            "own registered": {"registrar"},
            "own draft": NOBODY,
            "own in second review": {"registrar"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-approve-second-review": {
        "POST": {
            "own registered": NOBODY,
            "own draft": NOBODY,
            "own in second review": {"approver"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-attachment": {
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-cancel": {
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-certificate": {
        "GET": {
            "own registered": {"province", "city", "registrar", "enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"province", "city", "registrar", "approver", "enterprise"},
            "other city's registered": {"province"},
        },
    },
    "api:contract-change": {
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-detail": {
        "GET": {
            "own registered": {"province", "city", "registrar", "enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"province", "city", "registrar", "approver", "enterprise"},
            "other city's registered": {"province"},
        },
        "PUT": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-import": {
        "POST": {"province"},
    },
    "api:contract-incomes": {
        "GET": {
            "own registered": {"province", "city", "registrar", "enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"province", "city", "registrar", "approver", "enterprise"},
            "other city's registered": {"province"},
        },
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-list": {
        "GET": USERS,
        "POST": {"enterprise", "enterprise2", "university", "institution"},
    },
    "api:contract-refuse": {
        "POST": {
            "own registered": {"registrar"},
            "own draft": NOBODY,
            "own in second review": {"registrar"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-register": {
        "POST": {
            "own registered": {"registrar"},
            "own draft": NOBODY,
            "own in second review": {"registrar"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-return-": {
        "POST": {
            "own registered": {"registrar"},
            "own draft": NOBODY,
            "own in second review": {"registrar"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-revoke": {
        "POST": {
            "own registered": {"registrar"},
            "own draft": NOBODY,
            "own in second review": {"registrar"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-submit": {
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:contract-tax-relief": {
        "GET": USERS,
    },
    "api:contract-withdraw": {
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "api:country-list": {
        "GET": EVERYONE,
    },
    "api:deal-list": {
        "GET": USERS,
        "POST": {"enterprise", "enterprise2"},
    },
    "api:institution-directory": {
        "GET": EVERYONE,
    },
    "api:institution-export": {
        "GET": USERS,
    },
    # POST: officials create for a host they name; the service checks the host, after the body.
    "api:institution-list": {
        "GET": USERS,
        "POST": USERS,
    },
    "api:kpi-indicator-list": {
        "GET": USERS,
    },
    "api:kpi-progress": {
        "GET": {"province", "city", "county"},
    },
    "api:kpi-report-list": {
        "GET": USERS,
    },
    # POST: who reports depends on the unit the body names; the service checks it.
    "api:kpi-reported-value-list": {
        "GET": USERS,
        "POST": USERS,
    },
    "api:kpi-target-set-list": {
        "GET": USERS,
        "POST": {"province"},
    },
    "api:listings-export-json": {
        "GET": USERS,
    },
    "api:listings-export-xlsx": {
        "GET": USERS,
    },
    "api:listings-import": {
        "POST": {"province"},
    },
    "api:me": {
        "GET": USERS,
    },
    "api:need-list": {
        "GET": EVERYONE,
        "POST": {"enterprise", "enterprise2"},
    },
    "api:notification-list": {
        "GET": USERS,
    },
    "api:notification-mark-read": {
        "POST": USERS,
    },
    "api:organisation-list": {
        "GET": USERS,
    },
    "api:package-list": {
        "GET": EVERYONE,
        "POST": {"province", "city"},
    },
    "api:package-managed": {
        "GET": {"province", "city"},
    },
    "api:region-list": {
        "GET": EVERYONE,
    },
    "api:subscription-list": {
        "GET": USERS,
        "POST": USERS,
    },
    "api:subsidy-application-eligible-contracts": {
        "GET": USERS,
    },
    "api:subsidy-application-list": {
        "GET": USERS,
        "POST": {"enterprise", "enterprise2", "university", "institution"},
    },
    "api:subsidy-notice": {
        "GET": EVERYONE,
    },
    "api:subsidy-programme-list": {
        "GET": EVERYONE,
        "POST": {"province"},
    },
    "contracts:action": {
        "POST": {
            "own registered submit": {"enterprise"},
            "own draft submit": {"enterprise"},
            "own in second review submit": {"enterprise"},
            "other city's registered submit": NOBODY,
            "own registered withdraw": {"enterprise"},
            "own draft withdraw": {"enterprise"},
            "own in second review withdraw": {"enterprise"},
            "other city's registered withdraw": NOBODY,
            "own registered accept": {"registrar"},
            "own draft accept": NOBODY,
            "own in second review accept": {"registrar"},
            "other city's registered accept": NOBODY,
            "own registered register": {"registrar"},
            "own draft register": NOBODY,
            "own in second review register": {"registrar"},
            "other city's registered register": NOBODY,
            "own registered revoke": {"registrar"},
            "own draft revoke": NOBODY,
            "own in second review revoke": {"registrar"},
            "other city's registered revoke": NOBODY,
        },
    },
    # The other city's contract is an imported record: no file, so 404 for all.
    "contracts:attachment": {
        "GET": {
            "own registered": {"province", "city", "registrar", "enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"province", "city", "registrar", "approver", "enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "contracts:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "contracts:detail": {
        "GET": {
            "own registered": {"province", "city", "registrar", "enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"province", "city", "registrar", "approver", "enterprise"},
            "other city's registered": {"province"},
        },
    },
    "contracts:edit": {
        "GET": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "contracts:import": {
        "GET": {"province"},
    },
    "contracts:mine": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "contracts:office_create": {
        "GET": {"province"},
    },
    "contracts:offices": {
        "GET": {"province"},
    },
    "contracts:queue": {
        "GET": {"registrar", "approver"},
    },
    "contracts:search": {
        "GET": {"province", "city", "county", "registrar", "approver"},
    },
    "contracts:statistics": {
        "GET": {"province", "city", "county", "registrar", "approver"},
    },
    "contracts:validate": {
        "POST": {"enterprise", "enterprise2", "university", "institution"},
    },
    "contracts:validate_existing": {
        "POST": {
            "own registered": {"enterprise"},
            "own draft": {"enterprise"},
            "own in second review": {"enterprise"},
            "other city's registered": NOBODY,
        },
    },
    "core:healthz": {
        "GET": EVERYONE,
    },
    "core:home": {
        "GET": EVERYONE,
    },
    "institutions:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "institutions:directory": {
        "GET": EVERYONE,
    },
    "institutions:enter": {
        "GET": {"province"},
    },
    "institutions:list": {
        "GET": USERS,
    },
    "institutions:queue": {
        "GET": {"province", "city"},
    },
    "institutions_brokers:create": {
        "GET": {"province", "institution"},
    },
    "institutions_brokers:index": {
        "GET": EVERYONE,
    },
    "institutions_brokers:manage": {
        "GET": {"province", "institution"},
    },
    "institutions_reports:evaluations": {
        "GET": {"province"},
    },
    "institutions_reports:index": {
        "GET": {"province", "city", "county", "enterprise", "enterprise2", "university", "institution"},
    },
    "kpi:dashboard": {
        "GET": {"province", "city", "county"},
    },
    "kpi:units": {
        "GET": {"province", "city"},
    },
    "kpi_reports:index": {
        "GET": {"province", "city"},
    },
    "kpi_spreadsheets:index": {
        "GET": {"province", "city"},
    },
    "kpi_talent:report": {
        "GET": {"province", "city"},
    },
    "schema": {
        "GET": EVERYONE,
    },
    "set_language": {
        "GET": EVERYONE,
    },
    "subsidies:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "subsidies:list": {
        "GET": USERS,
    },
    "subsidies:notice": {
        "GET": EVERYONE,
    },
    "subsidies:open": {
        "GET": EVERYONE,
    },
    "subsidies:programme_create": {
        "GET": {"province"},
    },
    "subsidies:programmes": {
        "GET": {"province"},
    },
    "subsidies:queue": {
        "GET": {"province", "city"},
    },
    "verify:form": {
        "GET": EVERYONE,
    },
}
