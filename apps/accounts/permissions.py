"""The API's check of an action's policy before the view reads any input.

A view lists the policy of each action (``action_policies = {"create": "contract.create"}``; for
a plain ``APIView`` the key is the method, ``"post"``). ``ActionPolicyMixin`` adds ``ActionPolicy``
to the view's permissions, which DRF checks before the handler runs: a user whose roles can never
do the action gets 403 at once, instead of the validation errors of a body that was never theirs
to send (what tests/security/test_access_matrix.py checks). The policy is asked without an object,
as a role check; the service checks it again on the object (the seller, the applicant...).
"""

from rest_framework.permissions import BasePermission

from apps.accounts import policies


class ActionPolicy(BasePermission):
    def has_permission(self, request, view) -> bool:
        action = getattr(view, "action", None) or request.method.lower()
        policy = getattr(view, "action_policies", {}).get(action)
        return policy is None or policies.may(request.user, policy)


class ActionPolicyMixin:
    action_policies: dict[str, str] = {}

    def get_permissions(self):
        return [*super().get_permissions(), ActionPolicy()]
