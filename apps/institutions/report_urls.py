from django.urls import path

from apps.institutions import report_views

app_name = "institutions_reports"

urlpatterns = [
    path("", report_views.index, name="index"),
    path("<int:pk>/<int:year>/", report_views.report_file, name="file"),
    path("evaluations/", report_views.evaluation_ranking, name="evaluations"),
    path("evaluations/<int:pk>/<int:year>/", report_views.evaluation_create, name="evaluate"),
]
