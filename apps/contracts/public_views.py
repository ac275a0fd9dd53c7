"""The public certificate verification page: anyone holding a certificate can check it is genuine and valid.

No login. The page is found only by the certificate's 16-character code (about 80 bits, so it
cannot be guessed or enumerated) and shows only what confirms the certificate: number, dates,
status, type, the parties' names and the office; never the values. Responses are not cached or
indexed, so a code typed on a shared computer or linked from somewhere does not travel further.
"""

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from apps.contracts.certificates import (
    grouped_code,
    is_wellformed_code,
    normalise_code,
    public_certificate,
    status_notice,
)
from apps.contracts.selectors import contract_by_verification_code


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("The 16 letters and digits printed under the QR code of the certificate."),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not is_wellformed_code(code):
            raise forms.ValidationError(
                _("A verification code has 16 letters and digits (without I, O, 0 and 1)."), code="malformed"
            )
        return code


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def verify_form(request):
    """Type a code; a well-formed one goes to its page (which answers 404 if no certificate has it)."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return _private(redirect("verify:certificate", form.cleaned_data["code"]))
    return _private(render(request, "contracts/verify_form.html", {"form": form}))


@require_GET
def verify(request, code):
    normalised = normalise_code(code)
    contract = contract_by_verification_code(normalised) if is_wellformed_code(normalised) else None
    certificate = public_certificate(contract)
    context = {"certificate": certificate, "form": VerifyForm()}
    if certificate is None:
        return _private(render(request, "contracts/verify.html", context, status=404))
    context.update(notice=status_notice(certificate), code=grouped_code(normalised))
    return _private(render(request, "contracts/verify.html", context))
