"""Forms of the subsidies pages: the application (contracts or insurance policies), the workflow actions,
programmes with their rules and allocations, objections, payments and the list filters.

The forms only shape what the browser posts; the services decide what is valid (an error they raise
is put back on the field it names, ``policies[0].premium`` included).
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.forms import add_domain_error
from apps.accounts.models import OrganisationKind
from apps.core.models import CodeList
from apps.core.selectors import assessment_units, code_choices
from apps.subsidies.models import ApplicationStatus, ProgrammeKind
from apps.subsidies.services import ApplicationInput, PolicyInput, ProgrammeInput, RuleInput

BLANK = [("", "—")]
MONEY = {"max_digits": 16, "decimal_places": 2}


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


def _money_widget():
    return forms.NumberInput(attrs={"step": "0.01", "min": "0"})


# The application ---------------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    """Contact and bank details, and the registered contracts claimed (transaction programmes)."""

    contracts = forms.TypedMultipleChoiceField(
        label=_("Registered contracts claimed"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    bank_account_name = forms.CharField(
        label=_("Account name"),
        max_length=200,
        required=False,
        help_text=_("The award is paid to this account; it is never shown in the public notice."),
    )
    bank_account = forms.CharField(label=_("Bank account"), max_length=64, required=False)

    def __init__(self, *args, contracts=(), with_contracts=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_contracts:
            self.fields["contracts"].choices = [(c.pk, c.registration_number or c.pk) for c in contracts]
        else:
            del self.fields["contracts"]


class PolicyForm(forms.Form):
    patent_number = forms.CharField(
        label=_("Patent number"), max_length=20, help_text=_("Like ZL200310102344.5."), required=False
    )
    insurance_product = forms.ChoiceField(label=_("Insurance product"), required=False)
    insurer = forms.CharField(label=_("Insurer"), max_length=200, required=False)
    policy_number = forms.CharField(label=_("Policy number"), max_length=64, required=False)
    policy_start = forms.DateField(label=_("Policy start"), required=False, widget=_date_widget())
    premium = forms.DecimalField(
        label=_("First-year premium (yuan)"), required=False, min_value=0, widget=_money_widget(), **MONEY
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["insurance_product"].choices = BLANK + code_choices(CodeList.INSURANCE_PRODUCT)


PolicyFormSet = forms.formset_factory(PolicyForm, extra=3, can_delete=True, max_num=50, validate_max=True)


class ApplicationDeclaration:
    """The application form with, for the patent insurance programme, its formset of policies."""

    def __init__(self, data=None, *, programme, contracts=(), initial=None, policies=()):
        self.programme = programme
        self.is_insurance = programme.kind == ProgrammeKind.PATENT_INSURANCE
        self.form = ApplicationForm(data, initial=initial, contracts=contracts, with_contracts=not self.is_insurance)
        self.policies = (
            PolicyFormSet(data, prefix="policies", initial=list(policies) or None) if self.is_insurance else None
        )
        self._policy_forms = []

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.policies is None or self.policies.is_valid()])

    def _kept_policies(self):
        # An untouched row has no data; a row ticked for removal is left out.
        return [
            f
            for f in self.policies.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and any(v not in (None, "") for k, v in f.cleaned_data.items() if k != "DELETE")
        ]

    def to_input(self) -> ApplicationInput:
        data = self.form.cleaned_data
        values = {
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "bank_account_name": data["bank_account_name"],
            "bank_account": data["bank_account"],
        }
        if self.policies is None:
            return ApplicationInput(contract_ids=list(data.get("contracts") or []), **values)
        self._policy_forms = self._kept_policies()
        return ApplicationInput(
            policies=[
                PolicyInput(
                    patent_number=f.cleaned_data["patent_number"],
                    insurance_product=f.cleaned_data["insurance_product"],
                    insurer=f.cleaned_data["insurer"],
                    policy_number=f.cleaned_data["policy_number"],
                    policy_start=f.cleaned_data["policy_start"],
                    premium=f.cleaned_data["premium"],
                )
                for f in self._policy_forms
            ],
            **values,
        )

    def add_error(self, error) -> None:
        """Put a service's refusal next to the field it names (``policies[1].premium`` included)."""
        match = re.fullmatch(r"policies\[(\d+)\](?:\.(\w+))?", error.field or "")
        if match and self.policies is not None:
            index = int(match[1])
            if index < len(self._policy_forms):
                line = self._policy_forms[index]
                line.add_error(match[2] if match[2] in line.fields else None, str(error.message))
                return
        if error.field == "policies" and self.policies is not None:
            self.policies._non_form_errors = self.policies.error_class(
                [*self.policies.non_form_errors(), str(error.message)]
            )
            return
        add_domain_error(self.form, error)

    @staticmethod
    def initial_from(application, items) -> tuple[dict, list[dict]]:
        initial = {
            name: getattr(application, name)
            for name in ("contact_name", "contact_phone", "bank_account_name", "bank_account")
        }
        initial["contracts"] = [item.contract_id for item in items if item.contract_id]
        policies = [
            {
                "patent_number": item.patent_number,
                "insurance_product": item.insurance_product,
                "insurer": item.insurer,
                "policy_number": item.policy_number,
                "policy_start": item.policy_start,
                "premium": item.premium,
            }
            for item in items
            if item.patent_number
        ]
        return initial, policies


class ApplyChoiceForm(forms.Form):
    """The first step of applying: the programme and, for users of several organisations, which applies."""

    programme = forms.TypedChoiceField(label=_("Programme"), coerce=int)
    applicant = forms.TypedChoiceField(label=_("Applying organisation"), coerce=int, required=False)

    def __init__(self, *args, programmes=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = BLANK + [(p.pk, p.name) for p in programmes]
        if len(organisations) > 1:
            self.fields["applicant"].choices = [(o.pk, o.name) for o in organisations]
            self.fields["applicant"].required = True
        else:
            del self.fields["applicant"]


class EvidenceForm(forms.Form):
    description = forms.CharField(
        label=_("What the file shows"),
        max_length=200,
        required=False,
        help_text=_("Premium receipt, policy, invoice..."),
    )
    file = forms.FileField(label=_("PDF file"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))


# Workflow actions --------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Remarks"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class ReasonForm(forms.Form):
    # Not required here: the service says when a reason is needed, and its message goes by the field.
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)


class ApproveForm(NoteForm):
    amount = forms.DecimalField(
        label=_("Amount approved (yuan)"),
        required=False,
        min_value=0,
        widget=_money_widget(),
        help_text=_("Leave empty to approve the computed award."),
        **MONEY,
    )

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        if application is not None:
            self.fields["amount"].widget.attrs["placeholder"] = str(application.computed_amount)
        self.order_fields(["amount", "note"])


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount paid (yuan)"), min_value=0, widget=_money_widget(), **MONEY)
    paid_on = forms.DateField(label=_("Paid on"), widget=_date_widget())
    reference = forms.CharField(label=_("Payment reference"), max_length=64)

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        if application is not None and application.award_amount is not None:
            self.fields["amount"].initial = application.award_amount - application.paid_amount


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("Say what is wrong with the application; the province examines every objection."),
    )


class ObjectionResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "1",
        # No decision chosen for the official: an objection is dismissed or upheld on purpose.
        choices=[*BLANK, ("0", _("Dismiss the objection")), ("1", _("Uphold the objection"))],
        error_messages={"required": _("Choose whether the objection is dismissed or upheld.")},
    )
    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False
    )


# Programmes --------------------------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("programme", "Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of subsidy"), choices=BLANK + list(ProgrammeKind.choices))
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000, required=False
    )
    applicant_kinds = forms.MultipleChoiceField(
        label=_("Organisation kinds that may apply"),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    window_opens = forms.DateField(label=_("Applications open"), widget=_date_widget())
    window_closes = forms.DateField(label=_("Applications close"), widget=_date_widget())
    period_from = forms.DateField(
        label=_("Events from"),
        widget=_date_widget(),
        help_text=_("Contracts registered or policies started in this period qualify."),
    )
    period_until = forms.DateField(label=_("Events until"), widget=_date_widget())
    budget = forms.DecimalField(label=_("Total budget (yuan)"), widget=_money_widget(), **MONEY)
    notice_working_days = forms.IntegerField(label=_("Public notice (working days)"), initial=5)

    def to_input(self) -> ProgrammeInput:
        return ProgrammeInput(**self.cleaned_data)

    @staticmethod
    def initial_from(programme) -> dict:
        return {name: getattr(programme, name) for name in ProgrammeForm.base_fields}


class RuleForm(forms.Form):
    effective_from = forms.DateField(label=_("In effect from"), widget=_date_widget())
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=6,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "0.0001", "min": "0", "max": "1"}),
        help_text=_("A fraction: 0.0300 is 3 %, 1.0000 is in full."),
    )
    per_item_cap = forms.DecimalField(
        label=_("Cap per contract or policy (yuan)"), required=False, widget=_money_widget(), **MONEY
    )
    per_applicant_cap = forms.DecimalField(
        label=_("Cap per applicant (yuan)"), required=False, widget=_money_widget(), **MONEY
    )
    min_value = forms.DecimalField(
        label=_("Smallest eligible value (yuan)"), required=False, widget=_money_widget(), **MONEY
    )
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)

    def to_input(self) -> RuleInput:
        data = dict(self.cleaned_data)
        data["min_value"] = data.get("min_value") or 0
        return RuleInput(**data)


class AllocationsForm(forms.Form):
    """One amount per assessment unit; an empty field leaves the unit without an allocation."""

    def __init__(self, *args, allocations=None, **kwargs):
        super().__init__(*args, **kwargs)
        allocations = allocations or {}
        self.units = list(assessment_units())
        for unit in self.units:
            self.fields[f"unit_{unit.code}"] = forms.DecimalField(
                label=unit.label,
                required=False,
                min_value=0,
                widget=_money_widget(),
                initial=allocations.get(unit.code),
                **MONEY,
            )

    def amounts(self) -> dict:
        return {
            name.removeprefix("unit_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("unit_") and value is not None
        }


# Filters -----------------------------------------------------------------------------------------


class ApplicationFilterForm(forms.Form):
    """The filters a page offers (unused ones are removed per page); every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Applicant or credit code")}),
    )
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)
    unit = forms.ChoiceField(label=_("Assessment unit"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + list(ApplicationStatus.choices))

    def __init__(self, *args, fields=None, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]
        if "programme" in self.fields:
            self.fields["programme"].choices = BLANK + [(p.pk, p.name) for p in programmes]
        if "unit" in self.fields:
            self.fields["unit"].choices = BLANK + [(r.code, r.label) for r in assessment_units()]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""

    def values(self) -> dict:
        """The valid, non-empty filters, in the shape ``ApplicationFilter`` takes."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        values = {name: value for name, value in data.items() if value not in (None, "")}
        if "status" in values:
            values["status"] = [values["status"]]
        return values
