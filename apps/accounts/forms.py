from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.models import CodeList, Region
from apps.core.selectors import code_choices, hebei_regions_below_province
from apps.core.validators import validate_credit_code

# Party types an enterprise may sign up with (DOMAIN.md): the enterprise codes of the list.
ENTERPRISE_PARTY_TYPES = {"110", "150", "160", "170", "200", "300"}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        if region.unit_id and region.unit_id != region.code:
            return f"{region.unit.label} · {region.label}"
        return region.label


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Registered name of the enterprise"), max_length=128)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=22,
        validators=[validate_credit_code],
        help_text=_("18 characters, as on the business licence."),
    )
    region = RegionChoiceField(
        label=_("County or district"),
        queryset=Region.objects.none(),
        help_text=_("Where the enterprise is registered; its S&T bureau activates the account."),
    )
    party_type = forms.ChoiceField(label=_("Type of enterprise"))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    display_name = forms.CharField(label=_("Your name"), max_length=64)
    email = forms.EmailField(label=_("Email"))
    contact_phone = forms.CharField(label=_("Phone"), max_length=32)
    username = forms.RegexField(
        label=_("User name"),
        regex=r"^[A-Za-z0-9_.-]{4,32}$",
        error_messages={"invalid": _("4 to 32 letters, digits, dots, hyphens or underscores.")},
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = hebei_regions_below_province().filter(level=Region.Level.COUNTY)
        self.fields["party_type"].choices = [
            (code, label) for code, label in code_choices(CodeList.PARTY_TYPE) if code in ENTERPRISE_PARTY_TYPES
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


def add_domain_error(form: forms.Form, error) -> None:
    """Show a service's refusal next to the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _code_input(*, numeric: bool, autofocus: bool = False) -> forms.TextInput:
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
    if autofocus:
        attrs["autofocus"] = True
    if numeric:
        attrs.update(inputmode="numeric", maxlength="6")
    return forms.TextInput(attrs=attrs)


class TwoFactorCodeForm(forms.Form):
    """A code of the authenticator app (turning two-factor on, new recovery codes)."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=16,
        widget=_code_input(numeric=True),
        help_text=_("The 6-digit code your authenticator app shows now."),
    )


class TwoFactorLoginForm(forms.Form):
    """The second step of a login: a code of the app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        widget=_code_input(numeric=False, autofocus=True),
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        widget=_code_input(numeric=False),
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


class TwoFactorResetForm(forms.Form):
    """The admin's reset of someone's two-factor: why (a lost phone, a new phone...)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
