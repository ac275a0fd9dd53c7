from apps.contracts.models import ContractStatus


def test_a_contract_goes_from_draft_to_registered(make_contract, today):
    contract = make_contract("registered")
    assert contract.status == ContractStatus.REGISTERED
    assert contract.registration_number == f"{today.year}130101000001"
    assert contract.technology_value == 1_000_000
    assert list(contract.workflow_events.values_list("action", flat=True)) == ["create", "submit", "accept", "register"]
