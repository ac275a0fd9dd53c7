"""Forms of the broker pages: registering a broker, recording a course, taking a broker off the
directory or back, and the directory filters.

The forms only shape what the browser posts; the services decide what is valid (an error they
raise is put back on the field it names). Choices are given by the view so that each list is read
once per request.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.institutions.models import BrokerRole, BrokerTitle
from apps.institutions.services import BrokerInput

BLANK = [("", "—")]


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


class BrokerForm(forms.Form):
    """A certified broker or technology manager: ``BrokerInput``, plus the affiliation when there is a choice."""

    affiliation = forms.TypedChoiceField(
        label=_("Affiliation"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The technology transfer institution the broker works for; its users manage the broker."),
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=64)
    role = forms.ChoiceField(label=_("Role"), choices=BrokerRole.choices, initial=BrokerRole.BROKER)
    title = forms.ChoiceField(label=_("Professional title"), choices=BLANK + list(BrokerTitle.choices))
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=64)
    certified_on = forms.DateField(label=_("Certified on"), widget=_date_widget())
    region = forms.ChoiceField(label=_("City or county"), help_text=_("Where the broker works, in Hebei."))
    tech_fields = forms.MultipleChoiceField(
        label=_("Technology fields"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    profile = forms.CharField(
        label=_("Public profile"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown in the public directory."),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, help_text=_("Not shown in the public directory.")
    )

    def __init__(self, *args, affiliations=None, affiliation_optional=False, regions=(), tech_fields=(), **kwargs):
        """``affiliations``: whom the user may register for; ``affiliation_optional``: the province may pick none."""
        super().__init__(*args, **kwargs)
        self.affiliations = list(affiliations or [])
        field = self.fields["affiliation"]
        if affiliation_optional:
            field.choices = [("", _("None (registered by the province)"))] + [(o.pk, o.name) for o in self.affiliations]
        elif len(self.affiliations) > 1:
            field.choices = [(o.pk, o.name) for o in self.affiliations]
            field.required = True
        else:
            # One affiliation: it is the user's own institution, nothing to choose.
            del self.fields["affiliation"]
        self.fields["region"].choices = BLANK + list(regions)
        self.fields["tech_fields"].choices = list(tech_fields)

    def chosen_affiliation(self):
        if "affiliation" not in self.fields:
            return self.affiliations[0] if self.affiliations else None
        chosen = self.cleaned_data.get("affiliation")
        return next((o for o in self.affiliations if o.pk == chosen), None)

    def to_input(self) -> BrokerInput:
        data = self.cleaned_data
        return BrokerInput(
            name=data["name"],
            role=data["role"],
            title=data["title"],
            certificate_number=data["certificate_number"],
            certified_on=data["certified_on"],
            region=data["region"],
            tech_fields=list(data.get("tech_fields") or []),
            profile=data.get("profile", ""),
            phone=data.get("phone", ""),
        )


class TrainingForm(forms.Form):
    """A course the broker completed at a filed training base."""

    training_base = forms.TypedChoiceField(label=_("Training base"), coerce=int)
    course = forms.CharField(label=_("Course"), max_length=200)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=2000)
    completed_on = forms.DateField(label=_("Completed on"), widget=_date_widget())

    def __init__(self, *args, bases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.bases = list(bases)
        self.fields["training_base"].choices = BLANK + [(base.pk, base.name) for base in self.bases]

    def chosen_base(self):
        return next(base for base in self.bases if base.pk == self.cleaned_data["training_base"])


class BrokerActiveForm(forms.Form):
    """Take a broker off the public directory, with a reason, or put them back on it."""

    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to take the broker off the directory; kept in the history."),
    )


class BrokerFilterForm(forms.Form):
    """The filters of the public directory; every field is optional, an invalid one is dropped."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or profile")}),
    )
    title = forms.ChoiceField(label=_("Professional title"), required=False, choices=BLANK + list(BrokerTitle.choices))
    tech_field = forms.ChoiceField(label=_("Technology field"), required=False)
    unit = forms.ChoiceField(label=_("Assessment unit"), required=False)

    def __init__(self, *args, tech_fields=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tech_field"].choices = BLANK + list(tech_fields)
        self.fields["unit"].choices = BLANK + list(units)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}
