"""Forms of the institutions pages: the filing, the workflow actions and the list filters.

The forms only shape what the browser posts; the services decide what is valid (an error they
raise is put back on the field it names).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.selectors import assessment_units, hebei_regions_below_province
from apps.institutions.models import InstitutionKind, InstitutionLevel, InstitutionStatus
from apps.institutions.services import InstitutionInput

BLANK = [("", "—")]


def _kind_choices():
    # The kinds are public reference data (the directory lists them), not institution data.
    return [(kind.code, kind.label) for kind in InstitutionKind.objects.filter(is_active=True)]


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


class InstitutionForm(forms.Form):
    """The filing (备案) of an institution: what ``InstitutionInput`` carries, plus the host when there is a choice."""

    host = forms.TypedChoiceField(label=_("Host organisation"), coerce=int, required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Institution kind"))
    level = forms.ChoiceField(label=_("Level of recognition"), choices=BLANK + list(InstitutionLevel.choices))
    region = forms.ChoiceField(
        label=_("City or county"), help_text=_("Where the institution is, in Hebei; it decides the reviewing bureau.")
    )
    recognised_on = forms.DateField(label=_("Recognised on"), required=False, widget=_date_widget())
    document_number = forms.CharField(label=_("Recognition document number"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Services offered"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    public_phone = forms.CharField(label=_("Public phone"), max_length=32, required=False)
    contact_name = forms.CharField(
        label=_("Contact person"), max_length=64, required=False, help_text=_("Not shown in the public directory.")
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)

    def __init__(self, *args, hosts=None, entering=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.hosts = list(hosts or [])
        if len(self.hosts) > 1:
            self.fields["host"].choices = [(o.pk, o.name) for o in self.hosts]
            self.fields["host"].required = True
        else:
            del self.fields["host"]
        self.fields["kind"].choices = BLANK + _kind_choices()
        self.fields["region"].choices = BLANK + [(r.code, r.label) for r in hebei_regions_below_province()]
        if entering:
            # The province enters institutions recognised before the portal: their recognition is on record.
            self.fields["recognised_on"].required = True
            self.fields["document_number"].required = True

    def chosen_host(self):
        if not self.hosts:
            return None
        if "host" not in self.fields:
            return self.hosts[0]
        return next(o for o in self.hosts if o.pk == self.cleaned_data["host"])

    def to_input(self) -> InstitutionInput:
        data = self.cleaned_data
        return InstitutionInput(
            name=data["name"],
            kind=data["kind"],
            level=data["level"],
            region=data["region"],
            recognised_on=data.get("recognised_on"),
            document_number=data.get("document_number", ""),
            description=data.get("description", ""),
            address=data.get("address", ""),
            website=data.get("website", ""),
            public_phone=data.get("public_phone", ""),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
        )

    @staticmethod
    def initial_from(institution) -> dict:
        values = {
            name: getattr(institution, name)
            for name in (
                "name",
                "level",
                "recognised_on",
                "document_number",
                "description",
                "address",
                "website",
                "public_phone",
                "contact_name",
                "contact_phone",
            )
        }
        return {**values, "kind": institution.kind_id, "region": institution.region_id}


# Workflow actions --------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Remarks"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ApproveForm(NoteForm):
    recognised_on = forms.DateField(label=_("Recognised on"), widget=_date_widget())
    document_number = forms.CharField(label=_("Recognition document number"), max_length=100)

    def __init__(self, *args, institution=None, **kwargs):
        super().__init__(*args, **kwargs)
        if institution is not None:
            self.fields["recognised_on"].initial = institution.recognised_on or timezone.localdate()
            self.fields["document_number"].initial = institution.document_number
        self.order_fields(["recognised_on", "document_number", "note"])


# Filters -----------------------------------------------------------------------------------------

ORDERING_CHOICES = [
    ("", _("Name")),
    ("-name", _("Name, reversed")),
    ("-recognised_on", _("Recognised, newest first")),
    ("recognised_on", _("Recognised, oldest first")),
    ("-updated_at", _("Updated, newest first")),
    ("updated_at", _("Updated, oldest first")),
]
ORDERINGS = {value for value, _label in ORDERING_CHOICES if value}


class InstitutionFilterForm(forms.Form):
    """The filters a page offers (unused ones are removed per page); every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or services")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + list(InstitutionStatus.choices))
    kind = forms.ChoiceField(label=_("Institution kind"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=BLANK + list(InstitutionLevel.choices))
    unit = forms.ChoiceField(label=_("Assessment unit"), required=False)
    ordering = forms.ChoiceField(label=_("Order by"), required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]
        if "kind" in self.fields:
            self.fields["kind"].choices = BLANK + _kind_choices()
        if "unit" in self.fields:
            self.fields["unit"].choices = BLANK + [(r.code, r.label) for r in assessment_units()]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""

    def values(self) -> dict:
        """The valid, non-empty filters; an invalid one is dropped (and ``errors`` says so)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}


LIST_FILTERS = ("q", "status", "kind", "level", "unit", "ordering")
QUEUE_FILTERS = ("q", "kind", "unit")
DIRECTORY_FILTERS = ("q", "kind", "unit")
