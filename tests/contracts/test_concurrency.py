"""Two people acting on one contract at the same moment: exactly one wins, the other gets a clear 409.

Each request runs in its own thread with its own database connection (a transactional test: the
data is committed first), released together by a barrier, through the real API. The services lock
the contract row and check its state on the locked row, so the second request finds the state the
first one left. (Registration numbers under concurrency: test_api.py; subsidy budgets:
tests/subsidies/test_services.py.)
"""

import threading

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from apps.accounts.models import Membership, Role
from apps.contracts.models import Contract, WorkflowEvent

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls) -> list:
    """Run each ``(user, method, path, body)`` in a thread of its own, all released together; the responses."""
    barrier = threading.Barrier(len(calls))
    responses = [None] * len(calls)

    def run(index, user, method, path, body):
        try:
            client = APIClient()
            client.force_authenticate(user)
            barrier.wait()
            responses[index] = getattr(client, method)(path, body, format="json")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(index, *call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_two_registrars_deciding_one_contract(make_contract, registrar, make_user, office):
    other = make_user()
    Membership.objects.create(user=other, organisation=office.organisation, role=Role.REGISTRAR)
    contract = make_contract("under_review", contract_value="300000.00")  # below the second review
    path = f"/api/v1/contracts/{contract.pk}/"
    responses = at_once(
        [
            (registrar, "post", path + "register/", {}),
            (other, "post", path + "refuse/", {"reason_code": "seals", "note": "缺乙方盖章"}),
        ]
    )
    codes = sorted(response.status_code for response in responses)
    assert codes == [200, 409], [response.json() for response in responses]
    loser = next(response for response in responses if response.status_code == 409)
    assert loser.json()["code"] == "illegal_transition" and loser.json()["message"]
    contract.refresh_from_db()
    winner = "register" if contract.status == "registered" else "refuse"
    assert contract.status in ("registered", "refused")
    decisions = WorkflowEvent.objects.filter(contract=contract, action__in=("register", "refuse"))
    assert list(decisions.values_list("action", flat=True)) == [winner]
    assert bool(contract.registration_number) == (winner == "register")


def test_a_draft_submitted_twice_at_once(make_contract, seller):
    draft = make_contract("draft")
    path = f"/api/v1/contracts/{draft.pk}/submit/"
    responses = at_once([(seller, "post", path, {}), (seller, "post", path, {})])
    assert sorted(response.status_code for response in responses) == [200, 409]
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert WorkflowEvent.objects.filter(contract=draft, action="submit").count() == 1
    assert Contract.objects.filter(pk=draft.pk, submitted_at__isnull=False).exists()


def test_a_withdrawal_racing_the_acceptance(make_contract, seller, registrar):
    submitted = make_contract("submitted")
    path = f"/api/v1/contracts/{submitted.pk}/"
    responses = at_once([(seller, "post", path + "withdraw/", {}), (registrar, "post", path + "accept/", {})])
    # Whichever wins; a withdrawal that lands before the registrar's request is read is a 409 too, not a 404
    # (the office no longer sees the contract, but is told why: test_api.py).
    assert sorted(response.status_code for response in responses) == [200, 409]
    loser = next(response for response in responses if response.status_code == 409)
    assert loser.json()["code"] == "illegal_transition"
    submitted.refresh_from_db()
    events = list(
        WorkflowEvent.objects.filter(contract=submitted, action__in=("withdraw", "accept")).values_list(
            "action", flat=True
        )
    )
    assert events == [{"withdrawn": "withdraw", "under_review": "accept"}[submitted.status]]
