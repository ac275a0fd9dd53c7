"""Forms of the contract pages: the declaration with its deductions and IP items, the workflow actions, the filters.

The forms only parse what was typed; what a declaration may contain is decided by
``services.contract_input_validate``, whose ``InvalidInput`` errors are put back onto these forms
by ``declaration_add_error`` (``deductions[2].amount`` lands on the third deduction row's amount).
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.forms import add_domain_error
from apps.achievements.selectors import listings_for_contract
from apps.contracts.models import REVIEW_STATES, ContractStatus, DeductionKind, RegistrationOffice
from apps.contracts.services import ContractInput, DeductionInput, IPItemInput
from apps.core.models import Code, CodeList, Country
from apps.core.selectors import assessment_units, code_choices

MONEY_FIELD = {"max_digits": 16, "decimal_places": 2, "min_value": 0}
BLANK = [("", "---------")]


def _money(label, *, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        **MONEY_FIELD,
    )


def _date(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _codes(list_name, *, blank=True):
    return (BLANK if blank else []) + code_choices(list_name)


class SubtypeSelect(forms.Select):
    """A select whose options carry ``data-parent`` (the contract type), so the page can hide the others."""

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parents = parents or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        parent = self.parents.get(str(value))
        if parent:
            option["attrs"]["data-parent"] = parent
        return option


class ContractForm(forms.Form):
    """The declaration of the national registration form, as the seller types it."""

    seller = forms.TypedChoiceField(label=_("Seller"), coerce=int, required=False)
    name = forms.CharField(label=_("Project name"), max_length=200)
    contract_type = forms.ChoiceField(label=_("Contract type"))
    subtype = forms.ChoiceField(label=_("Subtype"))
    licence_kind = forms.ChoiceField(
        label=_("Licence kind"), required=False, help_text=_("Licensing contracts only: exclusive, sole or ordinary.")
    )
    tech_field = forms.ChoiceField(label=_("Technology field"))
    programme_tier = forms.ChoiceField(label=_("Programme tier"))
    socioeconomic_objective = forms.ChoiceField(label=_("Socio-economic objective"))
    payment_method = forms.ChoiceField(label=_("Payment method"))
    signed_on = _date(_("Signing date"))
    valid_from = _date(_("Valid from"))
    valid_until = _date(_("Valid until"))
    contract_value = _money(_("Contract value (yuan)"), help_text=_("The whole price agreed in the contract."))
    technology_value = _money(
        _("Technology transaction value (yuan)"),
        required=False,
        help_text=_("The contract value less the deductions below; computed when left empty."),
    )
    expected_investment = _money(
        _("Expected new investment (yuan)"), required=False, help_text=_("Transfer and licensing contracts.")
    )
    expected_output = _money(
        _("Expected new output (yuan)"), required=False, help_text=_("Transfer and licensing contracts.")
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    achievement = forms.IntegerField(
        label=_("Achievement number"),
        required=False,
        min_value=1,
        help_text=_("If the contract realises one of your published achievements: its number on the marketplace."),
    )
    need = forms.IntegerField(
        label=_("Technology need number"),
        required=False,
        min_value=1,
        help_text=_("If it answers the buyer's published technology need: its number on the marketplace."),
    )

    buyer_name = forms.CharField(label=_("Buyer name"), max_length=200)
    buyer_credit_code = forms.CharField(
        label=_("Buyer's unified social credit code"),
        max_length=22,
        required=False,
        help_text=_("18 characters; not needed for individuals or foreign buyers."),
    )
    buyer_region = forms.CharField(
        label=_("Buyer's region code (GB/T 2260)"),
        max_length=6,
        required=False,
        help_text=_("6 digits of the city or county where the buyer is registered, e.g. 130102."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": r"\d{6}"}),
    )
    buyer_country = forms.ChoiceField(label=_("Buyer's country"), initial="CN")
    buyer_party_type = forms.ChoiceField(label=_("Buyer's party type"))

    attachment = forms.FileField(
        label=_("Contract text (PDF)"),
        required=False,
        help_text=_("The signed contract as one PDF file; needed before submitting."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, sellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sellers = list(sellers)
        if len(self.sellers) > 1:
            self.fields["seller"].required = True
            self.fields["seller"].choices = BLANK + [(o.pk, o.name) for o in self.sellers]
        else:
            del self.fields["seller"]
        f = self.fields
        f["contract_type"].choices = _codes(CodeList.CONTRACT_TYPE)
        subtypes = Code.objects.filter(list=CodeList.CONTRACT_SUBTYPE, is_active=True).select_related("parent")
        subtypes = sorted(subtypes, key=lambda c: (c.sort, c.code))
        f["subtype"].choices = BLANK + [(c.code, c.label) for c in subtypes]
        f["subtype"].widget = SubtypeSelect(parents={c.code: c.parent.code for c in subtypes if c.parent})
        f["subtype"].widget.choices = f["subtype"].choices
        f["subtype"].widget.is_required = True
        f["licence_kind"].choices = _codes(CodeList.LICENCE_KIND)
        f["tech_field"].choices = _codes(CodeList.TECH_FIELD)
        f["programme_tier"].choices = _codes(CodeList.PROGRAMME_TIER)
        f["socioeconomic_objective"].choices = _codes(CodeList.SOCIOECONOMIC_OBJECTIVE)
        f["payment_method"].choices = _codes(CodeList.PAYMENT_METHOD)
        f["buyer_party_type"].choices = _codes(CodeList.PARTY_TYPE)
        # China first: almost every buyer is domestic.
        countries = sorted(Country.objects.all(), key=lambda c: (c.code != "CN", c.label))
        f["buyer_country"].choices = [(c.code, f"{c.label} ({c.code})") for c in countries]
        # Hooks for static/js/contracts.js: the live value and the fields shown per contract type.
        f["contract_value"].widget.attrs["data-contract-value"] = ""
        f["technology_value"].widget.attrs["data-technology-value"] = ""
        f["contract_type"].widget.attrs["data-contract-type"] = ""
        f["subtype"].widget.attrs["data-subtype"] = ""

    def chosen_seller(self):
        if "seller" not in self.fields:
            return self.sellers[0] if self.sellers else None
        chosen = self.cleaned_data.get("seller")
        return next((o for o in self.sellers if o.pk == chosen), None)


class DeductionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Cost type"), choices=BLANK + list(DeductionKind.choices))
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "data-deduction-amount": ""}),
    )


class IPItemForm(forms.Form):
    ip_type = forms.ChoiceField(label=_("IP type"))
    number = forms.CharField(
        label=_("Number"), max_length=32, required=False, help_text=_("Patent numbers like ZL200310102344.5.")
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ip_type"].choices = _codes(CodeList.IP_TYPE)


DeductionFormSet = forms.formset_factory(DeductionForm, extra=1, can_delete=True, max_num=50, validate_max=True)
IPItemFormSet = forms.formset_factory(IPItemForm, extra=1, can_delete=True, max_num=50, validate_max=True)


class Declaration:
    """The contract form with its two formsets, bound together, turned into a ``ContractInput``."""

    def __init__(self, data=None, files=None, *, initial=None, deductions=(), ip_items=(), sellers=()):
        self.form = ContractForm(data, files, initial=initial, sellers=sellers)
        self.deductions = DeductionFormSet(data, prefix="deductions", initial=list(deductions) or None)
        self.ip_items = IPItemFormSet(data, prefix="ip_items", initial=list(ip_items) or None)
        # Which formset form each line handed to the service came from (the service counts only kept lines).
        self._line_forms = {"deductions": [], "ip_items": []}

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.deductions.is_valid(), self.ip_items.is_valid()])

    @staticmethod
    def _kept(formset):
        # An untouched extra row has empty cleaned_data; a row ticked for deletion is left out.
        return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]

    def to_input(self) -> ContractInput:
        data = self.form.cleaned_data
        deduction_forms = self._kept(self.deductions)
        ip_forms = self._kept(self.ip_items)
        self._line_forms = {"deductions": deduction_forms, "ip_items": ip_forms}
        return ContractInput(
            name=data["name"],
            contract_type=data["contract_type"],
            subtype=data["subtype"],
            licence_kind=data["licence_kind"],
            tech_field=data["tech_field"],
            programme_tier=data["programme_tier"],
            socioeconomic_objective=data["socioeconomic_objective"],
            payment_method=data["payment_method"],
            signed_on=data["signed_on"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            contract_value=data["contract_value"],
            technology_value=data["technology_value"],
            expected_investment=data["expected_investment"],
            expected_output=data["expected_output"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            buyer_name=data["buyer_name"],
            buyer_credit_code=data["buyer_credit_code"],
            buyer_region=data["buyer_region"],
            buyer_country=data["buyer_country"],
            buyer_party_type=data["buyer_party_type"],
            **dict(zip(("achievement", "need"), listings_for_contract(data["achievement"], data["need"]), strict=True)),
            deductions=[
                DeductionInput(
                    kind=f.cleaned_data["kind"],
                    description=f.cleaned_data["description"],
                    amount=f.cleaned_data["amount"],
                )
                for f in deduction_forms
            ],
            ip_items=[
                IPItemInput(
                    ip_type=f.cleaned_data["ip_type"], number=f.cleaned_data["number"], title=f.cleaned_data["title"]
                )
                for f in ip_forms
            ],
        )

    def add_error(self, error) -> None:
        """Put a service's ``InvalidInput`` next to the field it names (``deductions[0].amount`` included)."""
        match = re.fullmatch(r"(deductions|ip_items)\[(\d+)\](?:\.(\w+))?", error.field or "")
        if match:
            forms_ = self._line_forms[match[1]]
            index = int(match[2])
            if index < len(forms_):
                line_form = forms_[index]
                field = match[3] if match[3] in line_form.fields else None
                line_form.add_error(field, str(error.message))
                return
        if error.field in ("deductions", "ip_items"):
            # Errors about the lines as a whole are shown above the rows.
            formset = getattr(self, error.field)
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), str(error.message)])
            return
        add_domain_error(self.form, error)

    @property
    def errors(self) -> list[tuple[str, str, list[str]]]:
        """Every error as (html id of the field's error box, label, messages), for the validation partial."""
        found = []
        for error in self.form.non_field_errors():
            found.append(("", "", [error]))
        for bound in self.form:
            found.append((f"{bound.auto_id}_error", bound.label, list(bound.errors)))
        for formset in (self.deductions, self.ip_items):
            for error in formset.non_form_errors():
                found.append((f"{formset.prefix}_error", "", [error]))
            for line in formset.forms:
                for error in line.non_field_errors():
                    found.append(("", "", [error]))
                for bound in line:
                    if bound.name != "DELETE":
                        found.append((f"{bound.auto_id}_error", bound.label, list(bound.errors)))
        return found

    @property
    def problems(self) -> list[dict[str, str]]:
        """The error summary's entries (``includes/form_errors.html``): each message with a link to its field."""
        if not self.form.is_bound:
            return []
        found = []
        for box, label, messages in self.errors:
            # A field's box is "<input id>_error"; the formsets' own box sits above their rows.
            target = box.removesuffix("_error") if box.startswith("id_") else box
            found.extend({"href": f"#{target}" if target else "", "label": label, "message": m} for m in messages)
        return found

    @property
    def has_errors(self) -> bool:
        return any(messages for _id, _label, messages in self.errors)


# Workflow actions --------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)


class RequiredNoteForm(NoteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True


class SubmitForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Registration office"), queryset=RegistrationOffice.objects.none(), required=False
    )

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if offices is not None:
            self.fields["office"].queryset = offices


class ReasonCodeForm(NoteForm):
    """Refusal or revocation: a reason from the official list, and words (required for "other")."""

    reason_code = forms.ChoiceField(label=_("Reason"))

    def __init__(self, *args, code_list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = _codes(code_list)
        self.fields["note"].label = _("Explanation")
        self.order_fields(["reason_code", "note"])


class RegisterForm(NoteForm):
    confirmed_technology_value = _money(
        _("Confirmed technology transaction value (yuan)"),
        help_text=_("Prefilled with the declared value; lower it if the office does not accept all of it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].label = _("Note")
        self.order_fields(["confirmed_technology_value", "note"])


class IncomeFileForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    amount = _money(_("Technical income received (yuan)"))


class IncomeConfirmForm(forms.Form):
    confirmed_amount = _money(
        _("Confirmed amount (yuan)"), required=False, help_text=_("Leave empty to confirm the amount filed.")
    )


# Filters -----------------------------------------------------------------------------------------

ORDERING_CHOICES = [
    ("", _("Newest first")),
    ("created_at", _("Oldest first")),
    ("-contract_value", _("Contract value, highest first")),
    ("contract_value", _("Contract value, lowest first")),
    ("-technology_value", _("Technology value, highest first")),
    ("-registered_on", _("Registered, newest first")),
    ("registered_on", _("Registered, oldest first")),
    ("decision_due", _("Decision due, earliest first")),
]


class ContractFilterForm(forms.Form):
    """The fields of ``filters.ContractFilter`` that a page offers; unused ones are removed per page."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, number, party or credit code")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + list(ContractStatus.choices))
    contract_type = forms.ChoiceField(label=_("Contract type"), required=False)
    tech_field = forms.ChoiceField(label=_("Technology field"), required=False)
    seller_unit = forms.ChoiceField(label=_("Seller's assessment unit"), required=False)
    buyer_unit = forms.ChoiceField(label=_("Buyer's assessment unit"), required=False)
    office = forms.ChoiceField(label=_("Registration office"), required=False)
    registered_from = forms.DateField(
        label=_("Registered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_to = forms.DateField(
        label=_("Registered until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.ChoiceField(
        label=pgettext_lazy("registration", "Deadline"),
        required=False,
        choices=[("", _("All")), ("true", _("Overdue")), ("false", _("Not overdue"))],
    )
    ordering = forms.ChoiceField(label=_("Order by"), required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, fields=None, statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]
        f = self.fields
        if statuses is not None and "status" in f:
            f["status"].choices = BLANK + [(s.value, s.label) for s in statuses]
        if "contract_type" in f:
            f["contract_type"].choices = _codes(CodeList.CONTRACT_TYPE)
        if "tech_field" in f:
            f["tech_field"].choices = _codes(CodeList.TECH_FIELD)
        if "seller_unit" in f or "buyer_unit" in f:
            units = BLANK + [(r.code, r.label) for r in assessment_units()]
            for name in ("seller_unit", "buyer_unit"):
                if name in f:
                    f[name].choices = units
        if "office" in f:
            # The list of registration points is public reference information, not contract data.
            offices = RegistrationOffice.objects.filter(is_active=True).select_related("organisation")
            f["office"].choices = BLANK + [(str(o.pk), str(o)) for o in offices]
        for field in f.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""


MINE_FILTERS = ("q", "status", "contract_type", "ordering")
QUEUE_FILTERS = ("q", "status", "contract_type", "overdue", "ordering")
QUEUE_STATUSES = [ContractStatus(s) for s in REVIEW_STATES]
SEARCH_FILTERS = (
    "q",
    "status",
    "contract_type",
    "tech_field",
    "seller_unit",
    "buyer_unit",
    "office",
    "registered_from",
    "registered_to",
    "overdue",
    "ordering",
)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Exchange file (xlsx or CSV)"),
        help_text=_("Contracts registered outside Hebei, in the exchange format; see the column list below."),
    )
    source = forms.SlugField(
        label=_("Source"),
        initial="national",
        max_length=32,
        help_text=_("Where the file comes from, e.g. national, beijing, tianjin; re-importing a source updates it."),
    )


class OfficeForm(forms.Form):
    """A registration office and its area; the service decides what is valid."""

    organisation = forms.ModelChoiceField(label=_("Organisation running the office"), queryset=None)
    code = forms.CharField(
        label=_("Office code"),
        max_length=4,
        help_text=_(
            "Four digits: digits 3-4 of the city's region code, then two for the registration point "
            "(the first office of Shijiazhuang, 130100: 0101). They appear in every registration number."
        ),
    )
    covers_region = forms.ModelChoiceField(
        label=_("Covers the area"),
        queryset=None,
        required=False,
        help_text=_("An assessment unit covers its counties too."),
    )
    covers_organisations = forms.ModelMultipleChoiceField(
        label=_("Covers these organisations"),
        queryset=None,
        required=False,
        help_text=_("For a university's or institute's own office."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from apps.accounts.models import Organisation, OrganisationKind, OrganisationStatus
        from apps.core.selectors import hebei_regions_below_province

        super().__init__(*args, **kwargs)
        active = Organisation.objects.filter(status=OrganisationStatus.ACTIVE).select_related("region")
        self.fields["organisation"].queryset = active.filter(kind=OrganisationKind.REGISTRATION_OFFICE)
        self.fields["covers_region"].queryset = hebei_regions_below_province()
        self.fields["covers_organisations"].queryset = active.filter(
            kind__in=[OrganisationKind.UNIVERSITY, OrganisationKind.RESEARCH_INSTITUTE]
        )
