from datetime import timedelta

from django.core import mail

from apps.contracts.models import Contract
from apps.contracts.tasks import registration_deadline_reminder_task


def test_registrars_hear_of_overdue_and_nearly_due_contracts_only(make_contract, registrar, today):
    overdue = make_contract("under_review", name="逾期合同")
    Contract.objects.filter(pk=overdue.pk).update(decision_due=today - timedelta(days=1))
    make_contract("under_review", name="尚早合同")  # due in 15 working days: not mentioned
    make_contract("registered", name="已登记合同")

    assert registration_deadline_reminder_task() == 1
    [message] = mail.outbox
    assert message.to == [registrar.email]
    assert "逾期合同" in message.body
    assert "尚早合同" not in message.body and "已登记合同" not in message.body


def test_nothing_due_sends_nothing(make_contract):
    make_contract("under_review")
    assert registration_deadline_reminder_task() == 0
    assert mail.outbox == []
