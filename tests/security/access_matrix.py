"""Who may call each endpoint: the expected table of tests/security/test_access_matrix.py.

Each entry names an endpoint (``namespace:name``) and, for each method its view answers, the actors
whose call reaches the view's work; every other actor must be refused (401, 403, 404, or sent to
the login page). For an endpoint with path parameters, the actors are given per probe: the object
the call names (``_world_probes`` in the test). ``NOBODY`` marks a call every actor is refused, which
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
OFFICIALS = frozenset({"province", "city", "county", "registrar", "approver"})

MATRIX = {
    "accounts:api_token": {
        "POST": {
            "make": USERS,
            "revoke": USERS,
        },
    },
    "accounts:login": {
        "GET": EVERYONE,
        "POST": EVERYONE,
        "PUT": EVERYONE,
    },
    # The second step of a login waits for a password step: without one it sends anonymous callers
    # back to the login page (a refusal here) and signed-in users home.
    "accounts:login_two_factor": {
        "GET": USERS,
    },
    # POST logs out and sends to the login page, which reads as a refusal here.
    "accounts:logout": {
        "GET": EVERYONE,
        "POST": NOBODY,
    },
    "accounts:organisation_detail": {
        "GET": {
            "enterprise's": {"province", "city", "registrar", "approver", "enterprise"},
            "Tangshan enterprise's": {"province", "enterprise2"},
        },
    },
    "accounts:organisation_list": {
        "GET": USERS,
    },
    # The bureaus' queue of sign-ups, scoped to the organisations each activates.
    "accounts:organisation_pending": {
        "GET": {"province", "city", "county"},
    },
    "accounts:organisation_transition": {
        "POST": {
            "enterprise's activate": {"province", "city"},
            "Tangshan enterprise's activate": {"province"},
            "enterprise's suspend": {"province", "city"},
            "Tangshan enterprise's suspend": {"province"},
        },
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
    # Two-factor authentication is offered to officials (the bureaus, registration offices and
    # approvers); the empty body makes each action's form answer with its errors.
    "accounts:two_factor": {
        "GET": OFFICIALS,
    },
    "accounts:two_factor_action": {
        "POST": {
            "start": OFFICIALS,
            "confirm": OFFICIALS,
            "disable": OFFICIALS,
            "recovery codes": OFFICIALS,
        },
    },
    # approve: listings are reviewed by a second user of their own unit, not among these actors.
    "achievements:action": {
        "POST": {
            "university's published submit": {"university"},
            "university's draft submit": {"university"},
            "university's published approve": NOBODY,
            "university's draft approve": NOBODY,
            "university's published withdraw": {"university"},
            "university's draft withdraw": {"university"},
            "university's published take_down": {"province", "city"},
            "university's draft take_down": NOBODY,
        },
    },
    "achievements:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "achievements:deal_action": {
        "POST": {
            "enterprise's interest accept": {"university"},
            "enterprise's interest decline": {"university"},
            "enterprise's interest withdraw": {"enterprise"},
        },
    },
    # A deal: its buyer and the achievement's publisher, and the officials who supervise the market.
    "achievements:deal_detail": {
        "GET": {
            "enterprise's interest": {"province", "city", "enterprise", "university"},
        },
    },
    "achievements:deals": {
        "GET": USERS,
    },
    "achievements:detail": {
        "GET": {
            "university's published": EVERYONE,
            "university's draft": {"university"},
        },
    },
    "achievements:edit": {
        "GET": {
            "university's published": {"university"},
            "university's draft": {"university"},
        },
    },
    "achievements:express": {
        "POST": {
            "university's published": {"enterprise", "enterprise2"},
            "university's draft": NOBODY,
        },
    },
    # A file of a published listing is public, as the listing is.
    "achievements:file": {
        "GET": {
            "university's document": EVERYONE,
        },
    },
    "achievements:file_add": {
        "POST": {
            "university's published": {"university"},
            "university's draft": {"university"},
        },
    },
    "achievements:file_remove": {
        "POST": {
            "university's document": {"university"},
        },
    },
    "achievements:index": {
        "GET": EVERYONE,
    },
    "achievements:list": {
        "GET": EVERYONE,
    },
    "achievements:matches": {
        "GET": {
            "university's published": {"province", "city", "university"},
            "university's draft": {"university"},
        },
    },
    "achievements:mine": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    # approve: listings are reviewed by a second user of their own unit, not among these actors.
    "achievements:need_action": {
        "POST": {
            "enterprise's published submit": {"enterprise"},
            "enterprise's draft submit": {"enterprise"},
            "enterprise's published approve": NOBODY,
            "enterprise's draft approve": NOBODY,
            "enterprise's published withdraw": {"enterprise"},
            "enterprise's draft withdraw": {"enterprise"},
            "enterprise's published take_down": {"province", "city"},
            "enterprise's draft take_down": NOBODY,
        },
    },
    "achievements:need_create": {
        "GET": {"enterprise", "enterprise2"},
    },
    "achievements:need_detail": {
        "GET": {
            "enterprise's published": EVERYONE,
            "enterprise's draft": {"enterprise"},
        },
    },
    "achievements:need_edit": {
        "GET": {
            "enterprise's published": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    # A file of a published listing is public, as the listing is.
    "achievements:need_file": {
        "GET": {
            "enterprise's document": EVERYONE,
        },
    },
    "achievements:need_file_add": {
        "POST": {
            "enterprise's published": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "achievements:need_list": {
        "GET": EVERYONE,
    },
    "achievements:need_matches": {
        "GET": {
            "enterprise's published": {"province", "city", "enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "achievements:notification_open": {
        "POST": {
            "enterprise's": {"enterprise"},
        },
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
    "achievements:subscription_delete": {
        "POST": {
            "enterprise's": {"enterprise"},
        },
    },
    "achievements:subscription_edit": {
        "GET": {
            "enterprise's": {"enterprise"},
        },
    },
    "achievements:subscriptions": {
        "GET": USERS,
    },
    "achievements_packages:action": {
        "POST": {
            "city's published publish": {"province", "city"},
            "city's draft publish": {"province", "city"},
            "city's published withdraw": {"province", "city"},
            "city's draft withdraw": {"province", "city"},
        },
    },
    "achievements_packages:catalogue": {
        "GET": EVERYONE,
    },
    "achievements_packages:create": {
        "GET": {"province", "city"},
    },
    "achievements_packages:detail": {
        "GET": {
            "city's published": EVERYONE,
            "city's draft": {"province", "city"},
        },
    },
    "achievements_packages:edit": {
        "GET": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "achievements_packages:edition": {
        "GET": {
            "province's draft": {"province"},
        },
    },
    "achievements_packages:edition_action": {
        "POST": {
            "province's draft publish": {"province"},
        },
    },
    "achievements_packages:edition_create": {
        "GET": {"province"},
    },
    "achievements_packages:edition_edit": {
        "GET": {
            "province's draft": {"province"},
        },
    },
    "achievements_packages:edition_export": {
        "GET": {
            "province's draft": {"province"},
        },
    },
    "achievements_packages:editions": {
        "GET": EVERYONE,
    },
    "achievements_packages:entry_create": {
        "GET": {
            "province's draft": {"province"},
        },
    },
    "achievements_packages:entry_edit": {
        "GET": {
            "province's draft entry": {"province"},
        },
    },
    "achievements_packages:entry_remove": {
        "POST": {
            "province's draft entry": {"province"},
        },
    },
    "achievements_packages:export": {
        "GET": {
            "city's published": EVERYONE,
            "city's draft": {"province", "city"},
        },
    },
    "achievements_packages:index": {
        "GET": EVERYONE,
    },
    "achievements_packages:items": {
        "GET": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "achievements_packages:manage": {
        "GET": {"province", "city"},
    },
    "api-docs": {
        "GET": EVERYONE,
    },
    # Listings are reviewed by a second user of their own unit, not among these actors.
    "api:achievement-approve": {
        "POST": {
            "university's published": NOBODY,
            "university's draft": NOBODY,
        },
    },
    "api:achievement-detail": {
        "GET": {
            "university's published": EVERYONE,
            "university's draft": {"university"},
        },
        "PUT": {
            "university's published": {"university"},
            "university's draft": {"university"},
        },
    },
    "api:achievement-files": {
        "POST": {
            "university's published": {"university"},
            "university's draft": {"university"},
        },
    },
    "api:achievement-list": {
        "GET": EVERYONE,
        "POST": {"enterprise", "enterprise2", "university", "institution"},
    },
    "api:achievement-matches": {
        "GET": {
            "university's published": {"province", "city", "university"},
            "university's draft": {"university"},
        },
    },
    "api:achievement-return-": {
        "POST": {
            "university's published": NOBODY,
            "university's draft": NOBODY,
        },
    },
    "api:achievement-submit": {
        "POST": {
            "university's published": {"university"},
            "university's draft": {"university"},
        },
    },
    "api:achievement-take-down": {
        "POST": {
            "university's published": {"province", "city"},
            "university's draft": NOBODY,
        },
    },
    "api:achievement-withdraw": {
        "POST": {
            "university's published": {"university"},
            "university's draft": {"university"},
        },
    },
    "api:api-root": {
        "GET": USERS,
    },
    "api:auth-token": {
        "POST": EVERYONE,
    },
    "api:auth-token-revoke": {
        "POST": USERS,
    },
    # Taking a broker off the public directory: those who manage the broker (policy broker.manage).
    "api:broker-active": {
        "POST": {
            "the institution's": {"province", "institution"},
        },
    },
    # The public registry of certified brokers: no phone or other private detail.
    "api:broker-detail": {
        "GET": {
            "the institution's": EVERYONE,
        },
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
    "api:catalogue-edition-detail": {
        "GET": {
            "province's draft": {"province"},
        },
        "PUT": {
            "province's draft": {"province"},
        },
    },
    "api:catalogue-edition-entries": {
        "POST": {
            "province's draft": {"province"},
        },
    },
    "api:catalogue-edition-entry": {
        "PUT": {
            "province's draft entry": {"province"},
        },
        "DELETE": {
            "province's draft entry": {"province"},
        },
    },
    "api:catalogue-edition-export": {
        "GET": {
            "province's draft": {"province"},
        },
    },
    "api:catalogue-edition-list": {
        "GET": EVERYONE,
        "POST": {"province"},
    },
    "api:catalogue-edition-publish": {
        "POST": {
            "province's draft": {"province"},
        },
    },
    "api:catalogue-edition-withdraw": {
        "POST": {
            "province's draft": {"province"},
        },
    },
    "api:code-detail": {
        "GET": {
            "a contract type": EVERYONE,
        },
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
    "api:contract-import-job": {
        "GET": {
            "province's": {"province"},
        },
    },
    "api:contract-income-confirm": {
        "POST": {
            "own registered's filing": {"registrar"},
        },
    },
    "api:contract-income-reject": {
        "POST": {
            "own registered's filing": {"registrar"},
        },
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
    "api:country-detail": {
        "GET": {
            "China": EVERYONE,
        },
    },
    "api:country-list": {
        "GET": EVERYONE,
    },
    "api:deal-accept": {
        "POST": {
            "enterprise's interest": {"university"},
        },
    },
    "api:deal-close": {
        "POST": {
            "enterprise's interest": {"university"},
        },
    },
    "api:deal-decline": {
        "POST": {
            "enterprise's interest": {"university"},
        },
    },
    "api:deal-detail": {
        "GET": {
            "enterprise's interest": {"province", "city", "enterprise", "university"},
        },
    },
    "api:deal-list": {
        "GET": USERS,
        "POST": {"enterprise", "enterprise2"},
    },
    "api:deal-meeting": {
        "POST": {
            "enterprise's interest": {"university"},
        },
    },
    "api:deal-withdraw": {
        "POST": {
            "enterprise's interest": {"enterprise"},
        },
    },
    "api:institution-approve": {
        "POST": {
            "Shijiazhuang's active": {"province"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province"},
        },
    },
    "api:institution-city-return": {
        "POST": {
            "Shijiazhuang's active": {"city"},
            "Tangshan's active": NOBODY,
            "institution's submitted": {"city"},
        },
    },
    "api:institution-detail": {
        "GET": {
            "Shijiazhuang's active": {"province", "city"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province", "city", "institution"},
        },
        "PUT": {
            "Shijiazhuang's active": NOBODY,
            "Tangshan's active": NOBODY,
            "institution's submitted": {"institution"},
        },
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
    "api:institution-province-return": {
        "POST": {
            "Shijiazhuang's active": {"province"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province"},
        },
    },
    "api:institution-recommend": {
        "POST": {
            "Shijiazhuang's active": {"city"},
            "Tangshan's active": NOBODY,
            "institution's submitted": {"city"},
        },
    },
    "api:institution-reinstate": {
        "POST": {
            "Shijiazhuang's active": {"province"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province"},
        },
    },
    "api:institution-revoke": {
        "POST": {
            "Shijiazhuang's active": {"province"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province"},
        },
    },
    "api:institution-submit": {
        "POST": {
            "Shijiazhuang's active": NOBODY,
            "Tangshan's active": NOBODY,
            "institution's submitted": {"institution"},
        },
    },
    "api:institution-suspend": {
        "POST": {
            "Shijiazhuang's active": {"province"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province"},
        },
    },
    "api:institution-withdraw": {
        "POST": {
            "Shijiazhuang's active": NOBODY,
            "Tangshan's active": NOBODY,
            "institution's submitted": {"institution"},
        },
    },
    "api:kpi-indicator-detail": {
        "GET": {
            "H1": USERS,
        },
    },
    "api:kpi-indicator-list": {
        "GET": USERS,
    },
    "api:kpi-progress": {
        "GET": {"province", "city", "county"},
    },
    "api:kpi-report-detail": {
        "GET": {
            "Shijiazhuang March 2020": {"province", "city"},
        },
    },
    "api:kpi-report-download": {
        "GET": {
            "Shijiazhuang March 2020": {"province", "city"},
        },
    },
    "api:kpi-report-list": {
        "GET": USERS,
    },
    "api:kpi-reported-value-decide": {
        "POST": {
            "approved": {"province"},
        },
    },
    "api:kpi-reported-value-detail": {
        "GET": {
            "approved": {"province"},
        },
    },
    # POST: who reports depends on the unit the body names; the service checks it.
    "api:kpi-reported-value-list": {
        "GET": USERS,
        "POST": USERS,
    },
    "api:kpi-spreadsheet": {
        "GET": {
            "Shijiazhuang 2020": {"province", "city"},
            "Tangshan 2020": {"province"},
        },
    },
    "api:kpi-spreadsheet-return": {
        "POST": {
            "Shijiazhuang 2020": {"province", "city"},
            "Tangshan 2020": {"province"},
        },
    },
    "api:kpi-target-set-approve": {
        "POST": {
            "approved": {"province"},
        },
    },
    "api:kpi-target-set-detail": {
        "GET": {
            "approved": {"province", "city", "county"},
        },
    },
    "api:kpi-target-set-list": {
        "GET": USERS,
        "POST": {"province"},
    },
    "api:kpi-target-set-units": {
        "PUT": {
            "approved": {"province"},
        },
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
    # Listings are reviewed by a second user of their own unit, not among these actors.
    "api:need-approve": {
        "POST": {
            "enterprise's published": NOBODY,
            "enterprise's draft": NOBODY,
        },
    },
    "api:need-detail": {
        "GET": {
            "enterprise's published": EVERYONE,
            "enterprise's draft": {"enterprise"},
        },
        "PUT": {
            "enterprise's published": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:need-files": {
        "POST": {
            "enterprise's published": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:need-list": {
        "GET": EVERYONE,
        "POST": {"enterprise", "enterprise2"},
    },
    "api:need-matches": {
        "GET": {
            "enterprise's published": {"province", "city", "enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:need-return-": {
        "POST": {
            "enterprise's published": NOBODY,
            "enterprise's draft": NOBODY,
        },
    },
    "api:need-submit": {
        "POST": {
            "enterprise's published": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:need-take-down": {
        "POST": {
            "enterprise's published": {"province", "city"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:need-withdraw": {
        "POST": {
            "enterprise's published": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:notification-list": {
        "GET": USERS,
    },
    "api:notification-mark-read": {
        "POST": USERS,
    },
    "api:organisation-activate": {
        "POST": {
            "enterprise's": {"province", "city"},
            "Tangshan enterprise's": {"province"},
        },
    },
    "api:organisation-detail": {
        "GET": {
            "enterprise's": {"province", "city", "registrar", "approver", "enterprise"},
            "Tangshan enterprise's": {"province", "enterprise2"},
        },
    },
    "api:organisation-list": {
        "GET": USERS,
    },
    "api:organisation-reinstate": {
        "POST": {
            "enterprise's": {"province", "city"},
            "Tangshan enterprise's": {"province"},
        },
    },
    "api:organisation-reject": {
        "POST": {
            "enterprise's": {"province", "city"},
            "Tangshan enterprise's": {"province"},
        },
    },
    "api:organisation-suspend": {
        "POST": {
            "enterprise's": {"province", "city"},
            "Tangshan enterprise's": {"province"},
        },
    },
    "api:package-detail": {
        "GET": {
            "city's published": EVERYONE,
            "city's draft": {"province", "city"},
        },
        "PUT": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "api:package-export": {
        "GET": {
            "city's published": EVERYONE,
            "city's draft": {"province", "city"},
        },
    },
    "api:package-items": {
        "PUT": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "api:package-list": {
        "GET": EVERYONE,
        "POST": {"province", "city"},
    },
    "api:package-managed": {
        "GET": {"province", "city"},
    },
    "api:package-publish": {
        "POST": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "api:package-revise": {
        "POST": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "api:package-withdraw": {
        "POST": {
            "city's published": {"province", "city"},
            "city's draft": {"province", "city"},
        },
    },
    "api:region-detail": {
        "GET": {
            "Shijiazhuang": EVERYONE,
        },
    },
    "api:region-list": {
        "GET": EVERYONE,
    },
    "api:subscription-detail": {
        "GET": {
            "enterprise's": {"enterprise"},
        },
        "PUT": {
            "enterprise's": {"enterprise"},
        },
        "DELETE": {
            "enterprise's": {"enterprise"},
        },
    },
    "api:subscription-list": {
        "GET": USERS,
        "POST": USERS,
    },
    "api:subsidy-application-approve": {
        "POST": {
            "enterprise's in notice": {"province"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-award": {
        "POST": {
            "enterprise's in notice": {"province"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-city-reject": {
        "POST": {
            "enterprise's in notice": {"city"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-city-return": {
        "POST": {
            "enterprise's in notice": {"city"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-close": {
        "POST": {
            "enterprise's in notice": {"province"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-detail": {
        "GET": {
            "enterprise's in notice": {"province", "city", "enterprise"},
            "enterprise's draft": {"enterprise"},
        },
        "PUT": {
            "enterprise's in notice": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:subsidy-application-eligible-contracts": {
        "GET": USERS,
    },
    "api:subsidy-application-files": {
        "POST": {
            "enterprise's in notice": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:subsidy-application-list": {
        "GET": USERS,
        "POST": {"enterprise", "enterprise2", "university", "institution"},
    },
    "api:subsidy-application-objection-resolve": {
        "POST": {
            "Tangshan enterprise's objection": {"province"},
        },
    },
    # Anyone signed in objects to an application in public notice, except its applicant.
    "api:subsidy-application-objections": {
        "POST": {
            "enterprise's in notice": {
                "province",
                "city",
                "county",
                "registrar",
                "approver",
                "enterprise2",
                "university",
                "institution",
                "broker",
            },
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-payments": {
        "POST": {
            "enterprise's in notice": {"province"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-province-reject": {
        "POST": {
            "enterprise's in notice": {"province"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-province-return": {
        "POST": {
            "enterprise's in notice": {"province"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-recommend": {
        "POST": {
            "enterprise's in notice": {"city"},
            "enterprise's draft": NOBODY,
        },
    },
    "api:subsidy-application-submit": {
        "POST": {
            "enterprise's in notice": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:subsidy-application-withdraw": {
        "POST": {
            "enterprise's in notice": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "api:subsidy-notice": {
        "GET": EVERYONE,
    },
    "api:subsidy-programme-allocations": {
        "PUT": {
            "open": {"province"},
        },
    },
    "api:subsidy-programme-close": {
        "POST": {
            "open": {"province"},
        },
    },
    "api:subsidy-programme-detail": {
        "GET": {
            "open": EVERYONE,
        },
        "PUT": {
            "open": {"province"},
        },
    },
    "api:subsidy-programme-ledger": {
        "GET": {
            "open": EVERYONE,
        },
    },
    "api:subsidy-programme-list": {
        "GET": EVERYONE,
        "POST": {"province"},
    },
    "api:subsidy-programme-publish": {
        "POST": {
            "open": {"province"},
        },
    },
    "api:subsidy-programme-rules": {
        "POST": {
            "open": {"province"},
        },
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
    # Downloads of search results: officials ask for them; each sees and fetches only their own.
    "contracts:export": {
        "GET": {
            "city's": {"city"},
        },
    },
    "contracts:export_create": {
        "POST": OFFICIALS,
    },
    "contracts:export_download": {
        "GET": {
            "city's": {"city"},
        },
    },
    "contracts:exports": {
        "GET": OFFICIALS,
    },
    "contracts:import": {
        "GET": {"province"},
    },
    "contracts:import_job": {
        "GET": {
            "province's": {"province"},
        },
    },
    # The probe's job is queued: it has no error report yet, so 404 for all.
    "contracts:import_report": {
        "GET": {
            "province's": NOBODY,
        },
    },
    "contracts:income_decide": {
        "POST": {
            "own registered's filing confirm": {"registrar"},
            "own registered's filing reject": {"registrar"},
        },
    },
    "contracts:mine": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "contracts:office_create": {
        "GET": {"province"},
    },
    "contracts:office_edit": {
        "GET": {
            "Shijiazhuang's": {"province"},
            "Tangshan's": {"province"},
        },
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
    "institutions:action": {
        "POST": {
            "Shijiazhuang's active submit": NOBODY,
            "Tangshan's active submit": NOBODY,
            "institution's submitted submit": {"institution"},
            "Shijiazhuang's active recommend": {"city"},
            "Tangshan's active recommend": NOBODY,
            "institution's submitted recommend": {"city"},
            "Shijiazhuang's active approve": {"province"},
            "Tangshan's active approve": {"province"},
            "institution's submitted approve": {"province"},
            "Shijiazhuang's active suspend": {"province"},
            "Tangshan's active suspend": {"province"},
            "institution's submitted suspend": {"province"},
        },
    },
    "institutions:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "institutions:detail": {
        "GET": {
            "Shijiazhuang's active": {"province", "city"},
            "Tangshan's active": {"province"},
            "institution's submitted": {"province", "city", "institution"},
        },
    },
    "institutions:directory": {
        "GET": EVERYONE,
    },
    "institutions:edit": {
        "GET": {
            "Shijiazhuang's active": NOBODY,
            "Tangshan's active": NOBODY,
            "institution's submitted": {"institution"},
        },
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
    "institutions_brokers:detail": {
        "GET": {
            "the institution's": {"province", "institution"},
        },
    },
    "institutions_brokers:index": {
        "GET": EVERYONE,
    },
    "institutions_brokers:manage": {
        "GET": {"province", "institution"},
    },
    "institutions_brokers:set_active": {
        "POST": {
            "the institution's": {"province", "institution"},
        },
    },
    "institutions_brokers:training_add": {
        "POST": {
            "the institution's": {"province", "institution"},
        },
    },
    "institutions_reports:evaluate": {
        "GET": {
            "institution's submitted 2025": {"province"},
            "Tangshan's active 2025": {"province"},
        },
    },
    "institutions_reports:evaluations": {
        "GET": {"province"},
    },
    # Only an active institution files reports; neither probe is one of the institution's own.
    "institutions_reports:file": {
        "GET": {
            "institution's submitted 2025": NOBODY,
            "Tangshan's active 2025": NOBODY,
        },
    },
    "institutions_reports:index": {
        "GET": {"province", "city", "county", "enterprise", "enterprise2", "university", "institution"},
    },
    "kpi:county": {
        "GET": {
            "Zhengding": {"province", "city", "county"},
            "Caofeidian": {"province"},
        },
    },
    "kpi:dashboard": {
        "GET": {"province", "city", "county"},
    },
    "kpi:unit": {
        "GET": {
            "Shijiazhuang": {"province", "city"},
            "Tangshan": {"province"},
        },
    },
    "kpi:units": {
        "GET": {"province", "city"},
    },
    "kpi_reports:detail": {
        "GET": {
            "Shijiazhuang March 2020": {"province", "city"},
        },
    },
    "kpi_reports:download": {
        "GET": {
            "Shijiazhuang March 2020": {"province", "city"},
        },
    },
    "kpi_reports:index": {
        "GET": {"province", "city"},
    },
    "kpi_reports:reissue": {
        "GET": {
            "Shijiazhuang March 2020": {"province"},
        },
    },
    "kpi_spreadsheets:download": {
        "GET": {
            "Shijiazhuang 2020": {"province", "city"},
            "Tangshan 2020": {"province"},
        },
    },
    "kpi_spreadsheets:index": {
        "GET": {"province", "city"},
    },
    "kpi_spreadsheets:upload": {
        "GET": {
            "Shijiazhuang 2020": {"province", "city"},
            "Tangshan 2020": {"province"},
        },
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
    "subsidies:action": {
        "POST": {
            "enterprise's in notice submit": {"enterprise"},
            "enterprise's draft submit": {"enterprise"},
            "enterprise's in notice recommend": {"city"},
            "enterprise's draft recommend": NOBODY,
            "enterprise's in notice approve": {"province"},
            "enterprise's draft approve": NOBODY,
            "enterprise's in notice award": {"province"},
            "enterprise's draft award": NOBODY,
        },
    },
    "subsidies:create": {
        "GET": {"enterprise", "enterprise2", "university", "institution"},
    },
    "subsidies:detail": {
        "GET": {
            "enterprise's in notice": {"province", "city", "enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "subsidies:edit": {
        "GET": {
            "enterprise's in notice": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "subsidies:file": {
        "GET": {
            "enterprise's evidence": {"enterprise"},
        },
    },
    "subsidies:file_add": {
        "POST": {
            "enterprise's in notice": {"enterprise"},
            "enterprise's draft": {"enterprise"},
        },
    },
    "subsidies:list": {
        "GET": USERS,
    },
    "subsidies:notice": {
        "GET": EVERYONE,
    },
    "subsidies:notice_detail": {
        "GET": {
            "enterprise's in notice": EVERYONE,
            "enterprise's draft": NOBODY,
        },
    },
    "subsidies:objection_resolve": {
        "POST": {
            "Tangshan enterprise's objection": {"province"},
        },
    },
    "subsidies:open": {
        "GET": EVERYONE,
    },
    "subsidies:programme": {
        "GET": {
            "open": {"province"},
        },
    },
    "subsidies:programme_allocations": {
        "GET": {
            "open": {"province"},
        },
    },
    "subsidies:programme_budget": {
        "GET": {
            "open": {"province"},
        },
    },
    "subsidies:programme_close": {
        "POST": {
            "open": {"province"},
        },
    },
    "subsidies:programme_create": {
        "GET": {"province"},
    },
    "subsidies:programme_edit": {
        "GET": {
            "open": {"province"},
        },
    },
    "subsidies:programme_export": {
        "GET": {
            "open": {"province", "city"},
        },
    },
    "subsidies:programme_publish": {
        "POST": {
            "open": {"province"},
        },
    },
    "subsidies:programme_rule_add": {
        "POST": {
            "open": {"province"},
        },
    },
    "subsidies:programmes": {
        "GET": {"province"},
    },
    "subsidies:queue": {
        "GET": {"province", "city"},
    },
    # Anyone checks a certificate by its code; an unknown code is 404.
    "verify:certificate": {
        "GET": {
            "own registered's": EVERYONE,
            "unknown": NOBODY,
        },
    },
    "verify:form": {
        "GET": EVERYONE,
    },
}
