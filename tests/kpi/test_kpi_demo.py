"""The KPI demo: 2016-2020 contracts at Hebei's magnitudes, the 2020 targets assessed, loaded once."""

import time
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from apps.contracts.models import Contract
from apps.core.selectors import assessment_units
from apps.kpi.actuals import indicator_progress
from apps.kpi.models import ContractFact, ReportedValue, Target, TargetSet

YI = Decimal("100000000")


def _row(rows, code):
    return next(r for r in rows if r["code"] == code)


def test_load_demo_assesses_the_2020_targets_once(settings, db):
    settings.HEBTT_DEMO_PASSWORD = "Demo-Password-2024!"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    started = time.perf_counter()
    call_command("load_demo", allow_production=True, stdout=out)
    print(f"load_demo: {time.perf_counter() - started:.1f} s;", out.getvalue().splitlines()[-1])

    # The dashboards' facts are built with the demo, not at the beat's first fill.
    assert ContractFact.objects.filter(day__year=2020).exists()
    assert "contract fact rows built" in out.getvalue()
    province = indicator_progress(year=2020)
    h1 = _row(province, "H1")
    assert 666 * YI <= h1["actual"] <= 810 * YI
    assert h1["target"] == 500 * YI and h1["target_source"] == "approved" and h1["status"] == "green"
    previous = _row(indicator_progress(year=2019), "H1")["actual"]
    assert abs(previous - 666 * YI) < YI
    h3 = _row(province, "H3")
    assert h3["actual"] is not None and 3 < h3["actual"] < 6 and h3["status"] == "red"
    for code in ("H2", "H4", "T1-1", "T1-2"):
        assert _row(province, code)["actual"] is not None, code
        assert _row(province, code)["status"] != "grey", code

    statuses = {"H1": set(), "T19-1": set()}
    for unit in assessment_units():
        rows = indicator_progress(year=2020, unit=unit)
        for code in statuses:
            statuses[code].add(_row(rows, code)["status"])
    assert {"green", "red"} <= statuses["H1"] | statuses["T19-1"]
    assert "green" in statuses["T19-1"] and "red" in statuses["T19-1"]
    assert "grey" not in statuses["H1"] | statuses["T19-1"]

    counts = (
        Contract.objects.count(),
        TargetSet.objects.count(),
        Target.objects.count(),
        ReportedValue.objects.count(),
    )
    call_command("load_demo", allow_production=True, stdout=StringIO())
    assert (
        Contract.objects.count(),
        TargetSet.objects.count(),
        Target.objects.count(),
        ReportedValue.objects.count(),
    ) == counts
