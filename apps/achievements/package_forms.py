"""Forms of the packages and catalogue pages.

The forms only shape what the browser posts; ``apps.achievements.packages`` decides what is valid
(an error it raises is put back on the field it names).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.achievements.models import PackageKind
from apps.achievements.packages import CatalogueEntryInput, PackageInput
from apps.core.models import CodeList
from apps.core.selectors import assessment_units, code_choices

BLANK = [("", "—")]


class PackageForm(forms.Form):
    publisher = forms.TypedChoiceField(label=_("Published by"), coerce=int, required=False)
    kind = forms.ChoiceField(label=pgettext_lazy("package", "Kind"), choices=BLANK + list(PackageKind.choices))
    title = forms.CharField(label=_("Title"), max_length=200)
    period = forms.CharField(
        label=_("Period"), max_length=16, help_text=_("A year (2026), a quarter (2026Q3) or a month (2026-07).")
    )
    batch = forms.IntegerField(label=_("Batch"), min_value=1, max_value=99, initial=1)
    push_field = forms.ChoiceField(label=_("Push field"), required=False)
    tech_field = forms.ChoiceField(label=_("Technology field"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args, publishers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.publishers = list(publishers or [])
        if len(self.publishers) > 1:
            self.fields["publisher"].choices = [(o.pk, o.name) for o in self.publishers]
            self.fields["publisher"].required = True
        else:
            del self.fields["publisher"]
        self.fields["push_field"].choices = BLANK + code_choices(CodeList.PUSH_FIELD)
        self.fields["tech_field"].choices = BLANK + code_choices(CodeList.TECH_FIELD)

    def chosen_publisher(self):
        if not self.publishers:
            return None
        if "publisher" not in self.fields:
            return self.publishers[0]
        return next(o for o in self.publishers if o.pk == self.cleaned_data["publisher"])

    def to_input(self) -> PackageInput:
        data = self.cleaned_data
        return PackageInput(
            kind=data["kind"],
            title=data["title"],
            period=data["period"],
            batch=data["batch"],
            push_field=data.get("push_field", ""),
            tech_field=data.get("tech_field", ""),
            description=data.get("description", ""),
        )

    @staticmethod
    def initial_from(package) -> dict:
        names = ("kind", "title", "period", "batch", "push_field", "tech_field", "description")
        return {name: getattr(package, name) for name in names}


class PackageFilterForm(forms.Form):
    """The public list's filters; every field is optional."""

    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": _("2026, 2026Q3 or 2026-07")}),
    )
    batch = forms.IntegerField(label=_("Batch"), required=False, min_value=1, max_value=99)
    kind = forms.ChoiceField(
        label=pgettext_lazy("package", "Kind"), required=False, choices=BLANK + list(PackageKind.choices)
    )
    push_field = forms.ChoiceField(label=_("Push field"), required=False)
    unit = forms.ChoiceField(label=_("Published by"), required=False)

    def __init__(self, *args, province_code="130000", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["push_field"].choices = BLANK + code_choices(CodeList.PUSH_FIELD)
        units = [(r.code, r.label) for r in assessment_units()]
        self.fields["unit"].choices = [*BLANK, (province_code, _("The province")), *units]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""

    def values(self) -> dict:
        """The valid, non-empty filters; an invalid one is dropped (and ``errors`` says so)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AchievementSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search published achievements by title"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


# The catalogue -----------------------------------------------------------------------------------


class EditionCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    based_on = forms.TypedChoiceField(
        label=_("Based on"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Its entries are copied into the new edition."),
    )
    change_note = forms.CharField(
        label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.editions = {e.pk: e for e in editions}
        self.fields["based_on"].choices = [("", _("Start empty"))] + [
            (e.pk, f"{e.year} v{e.version} · {e.title} ({e.get_status_display()})") for e in editions
        ]

    def chosen_basis(self):
        return self.editions.get(self.cleaned_data.get("based_on"))


class EditionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=64,
        required=False,
        help_text=_("The number of the document that issues the edition; needed to publish it."),
    )
    change_note = forms.CharField(
        label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class EditionPublishForm(forms.Form):
    document_number = forms.CharField(label=_("Document number"), max_length=64)


class EntryForm(forms.Form):
    number = forms.IntegerField(
        label=_("Number"), required=False, min_value=1, help_text=_("The next free number if left empty.")
    )
    name = forms.CharField(label=_("Technology"), max_length=200)
    tech_field = forms.ChoiceField(label=_("Technology field"))
    push_field = forms.ChoiceField(label=_("Push field"), required=False)
    holder = forms.CharField(label=_("Holder"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    scope = forms.CharField(label=_("Where it applies"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contact = forms.CharField(
        label=_("Contact"),
        max_length=200,
        required=False,
        help_text=_(
            "Shown to everyone in the published catalogue: an organisation and its office line, "
            "never a person's mobile number or e-mail."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tech_field"].choices = BLANK + code_choices(CodeList.TECH_FIELD)
        self.fields["push_field"].choices = BLANK + code_choices(CodeList.PUSH_FIELD)

    def to_input(self) -> CatalogueEntryInput:
        data = self.cleaned_data
        return CatalogueEntryInput(
            name=data["name"],
            tech_field=data["tech_field"],
            push_field=data.get("push_field", ""),
            holder=data["holder"],
            summary=data["summary"],
            scope=data.get("scope", ""),
            contact=data.get("contact", ""),
        )

    @staticmethod
    def initial_from(entry) -> dict:
        names = ("number", "name", "tech_field", "push_field", "holder", "summary", "scope", "contact")
        return {name: getattr(entry, name) for name in names}
