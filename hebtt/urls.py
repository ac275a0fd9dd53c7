from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts.api import MeApi, OrganisationViewSet, TokenObtainApi, TokenRevokeApi
from apps.achievements.api import AchievementViewSet, DealViewSet, NeedViewSet, SubscriptionViewSet
from apps.achievements.exchange_api import ListingsExportJsonApi, ListingsExportXlsxApi, ListingsImportApi
from apps.achievements.package_api import CatalogueEditionViewSet, PackageViewSet
from apps.contracts.api import (
    ContractCertificateApi,
    ContractImportApi,
    ContractImportJobApi,
    ContractViewSet,
    IncomeViewSet,
    TaxReliefApi,
)
from apps.core.api import Router
from apps.core.notification_api import NotificationViewSet
from apps.core.reference_api import CodeViewSet, CountryViewSet, RegionViewSet
from apps.institutions.api import InstitutionDirectoryApi, InstitutionExportApi, InstitutionViewSet
from apps.institutions.broker_api import BrokerActiveApi, BrokerViewSet
from apps.institutions.broker_io_api import BrokerExportApi, BrokerImportApi
from apps.kpi.api import IndicatorViewSet, ProgressApi, ReportedValueViewSet, TargetSetViewSet
from apps.kpi.report_api import KpiReportViewSet
from apps.kpi.spreadsheet_api import KpiSheetDownloadApi, KpiSheetReturnApi
from apps.subsidies.api import SubsidyApplicationViewSet, SubsidyNoticeApi, SubsidyProgrammeViewSet

router = Router()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("regions", RegionViewSet, basename="region")
router.register("countries", CountryViewSet, basename="country")
router.register("codes", CodeViewSet, basename="code")
router.register("contracts", ContractViewSet, basename="contract")
router.register("contract-incomes", IncomeViewSet, basename="contract-income")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("brokers", BrokerViewSet, basename="broker")
router.register("packages", PackageViewSet, basename="package")
router.register("catalogue-editions", CatalogueEditionViewSet, basename="catalogue-edition")
router.register("achievements", AchievementViewSet, basename="achievement")
router.register("needs", NeedViewSet, basename="need")
router.register("deals", DealViewSet, basename="deal")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("subsidy-programmes", SubsidyProgrammeViewSet, basename="subsidy-programme")
router.register("subsidy-applications", SubsidyApplicationViewSet, basename="subsidy-application")
router.register("kpi/indicators", IndicatorViewSet, basename="kpi-indicator")
router.register("kpi/targets", TargetSetViewSet, basename="kpi-target-set")
router.register("kpi/reported", ReportedValueViewSet, basename="kpi-reported-value")
router.register("kpi/reports", KpiReportViewSet, basename="kpi-report")

api_v1 = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/revoke/", TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("me/", MeApi.as_view(), name="me"),
    # Before the router: its detail route would take "import" for a contract id.
    path("contracts/import/", ContractImportApi.as_view(), name="contract-import"),
    path("contracts/imports/<int:pk>/", ContractImportJobApi.as_view(), name="contract-import-job"),
    path("contracts/tax-relief/", TaxReliefApi.as_view(), name="contract-tax-relief"),
    path("contracts/<int:pk>/certificate.pdf", ContractCertificateApi.as_view(), name="contract-certificate"),
    # Before the router, for the same reason.
    path("institutions/directory/", InstitutionDirectoryApi.as_view(), name="institution-directory"),
    path("institutions/export.xlsx", InstitutionExportApi.as_view(), name="institution-export"),
    path("brokers/export.xlsx", BrokerExportApi.as_view(), name="broker-export"),
    path("brokers/import/", BrokerImportApi.as_view(), name="broker-import"),
    path("brokers/<int:pk>/active/", BrokerActiveApi.as_view(), name="broker-active"),
    path("achievements/exchange.json", ListingsExportJsonApi.as_view(), name="listings-export-json"),
    path("achievements/exchange.xlsx", ListingsExportXlsxApi.as_view(), name="listings-export-xlsx"),
    path("achievements/exchange/", ListingsImportApi.as_view(), name="listings-import"),
    path("subsidy-notice/", SubsidyNoticeApi.as_view(), name="subsidy-notice"),
    path("kpi/progress/", ProgressApi.as_view(), name="kpi-progress"),
    path("kpi/spreadsheets/<str:unit>/<int:year>.xlsx", KpiSheetDownloadApi.as_view(), name="kpi-spreadsheet"),
    path("kpi/spreadsheets/<str:unit>/<int:year>/return/", KpiSheetReturnApi.as_view(), name="kpi-spreadsheet-return"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", include("apps.core.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("contracts/", include("apps.contracts.urls")),
    path("verify/", include("apps.contracts.public_urls")),
    path("institutions/reports/", include("apps.institutions.report_urls")),
    path("institutions/brokers/", include("apps.institutions.broker_urls")),
    path("institutions/", include("apps.institutions.urls")),
    path("market/packages/", include("apps.achievements.package_urls")),
    path("market/", include("apps.achievements.urls")),
    path("subsidies/", include("apps.subsidies.urls")),
    path("kpi/spreadsheets/", include("apps.kpi.spreadsheet_urls")),
    path("kpi/reports/", include("apps.kpi.report_urls")),
    path("kpi/talent/", include("apps.kpi.talent_urls")),
    path("kpi/", include("apps.kpi.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "apps.core.views.error_400"
handler403 = "apps.core.views.error_403"
handler404 = "apps.core.views.error_404"
handler500 = "apps.core.views.error_500"
