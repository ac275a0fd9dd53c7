"""Forms of the marketplace pages: listings, files, workflow actions, interest and deals,
subscriptions, and the list filters.

The forms only shape what the browser posts; the services decide what is valid (an error they
raise is put back on the field it names with ``add_domain_error``). Code lists are passed in as
choices by the views, read once per request.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.achievements.models import AttachmentKind, IPStatus, ListingKind
from apps.achievements.services import AchievementInput, NeedInput, SubscriptionInput

BLANK = [("", "—")]
# Commas (ASCII and full-width), the enumeration comma, semicolons and line breaks separate items.
SEPARATORS = re.compile(r"[,，、;；\n\r]+")


def split_items(value: str) -> list[str]:
    return [item.strip() for item in SEPARATORS.split(value or "") if item.strip()]


def join_items(values) -> str:
    return ", ".join(values or [])


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


def _checkboxes():
    # Rendered one by one by ``achievements/_checkboxes.html``; the class reaches every box.
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class Choices:
    """The code lists a form offers, read once by the view (``views._choices``)."""

    def __init__(self, *, tech_fields, push_fields, maturities, transfer_modes, ip_types, units, regions=()):
        self.tech_fields = list(tech_fields)
        self.push_fields = list(push_fields)
        self.maturities = list(maturities)
        self.transfer_modes = list(transfer_modes)
        self.ip_types = list(ip_types)
        self.units = list(units)
        self.regions = list(regions)


# Listings ------------------------------------------------------------------------------------------


class ListingForm(forms.Form):
    """What achievements and needs share; the publisher is asked only when the user has a choice."""

    publisher = forms.TypedChoiceField(label=_("Publishing organisation"), coerce=int, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    tech_field = forms.ChoiceField(label=_("Technology field"))
    push_fields = forms.MultipleChoiceField(
        label=_("Push fields"),
        required=False,
        widget=_checkboxes(),
        help_text=_("The province's priority fields this listing belongs to; its matches are pushed there."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=400,
        help_text=_("Up to eight, separated by commas."),
    )
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        help_text=_("Where the technology is offered or needed; left empty, the publisher's region."),
    )
    transfer_modes = forms.MultipleChoiceField(label=_("Transfer modes"), required=False, widget=_checkboxes())
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        help_text=_("Shown on the listing's page to users of activated organisations only."),
    )
    contact_email = forms.EmailField(label=_("Contact email"), required=False)

    def __init__(self, *args, choices: Choices, publishers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.publishers = list(publishers)
        if len(self.publishers) > 1:
            self.fields["publisher"].choices = [(o.pk, o.name) for o in self.publishers]
            self.fields["publisher"].required = True
        else:
            del self.fields["publisher"]
        self.fields["tech_field"].choices = BLANK + choices.tech_fields
        self.fields["push_fields"].choices = choices.push_fields
        self.fields["region"].choices = BLANK + choices.regions
        self.fields["transfer_modes"].choices = choices.transfer_modes

    def chosen_publisher(self):
        if not self.publishers:
            return None
        if "publisher" not in self.fields:
            return self.publishers[0]
        return next(o for o in self.publishers if o.pk == self.cleaned_data["publisher"])

    def _common(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "tech_field": data["tech_field"],
            "region": data.get("region", ""),
            "push_fields": list(data.get("push_fields") or []),
            "keywords": split_items(data.get("keywords", "")),
            "transfer_modes": list(data.get("transfer_modes") or []),
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
            "contact_email": data.get("contact_email", ""),
        }

    @staticmethod
    def _common_initial(listing) -> dict:
        return {
            "title": listing.title,
            "tech_field": listing.tech_field,
            "region": listing.region_id,
            "push_fields": list(listing.push_fields),
            "keywords": join_items(listing.keywords),
            "transfer_modes": list(listing.transfer_modes),
            "contact_name": listing.contact_name,
            "contact_phone": listing.contact_phone,
            "contact_email": listing.contact_email,
        }


class AchievementForm(ListingForm):
    """An achievement, as the national registration form and buyers ask for it (DOMAIN.md)."""

    lead_unit = forms.CharField(
        label=_("Lead unit"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the publishing organisation."),
    )
    team = forms.CharField(label=_("Team"), required=False, max_length=2000, widget=_textarea(2))
    summary = forms.CharField(
        label=_("Summary"),
        widget=_textarea(5),
        help_text=_("What the technology is and what it does, in words a buyer's engineer understands."),
    )
    advantage = forms.CharField(
        label=_("Advantage over the state of the art"),
        widget=_textarea(4),
        help_text=_(
            "What it does better than the technology in use today, with figures where you have them. "
            "Buyers pass over listings that do not say so."
        ),
    )
    commercial_route = forms.CharField(
        label=_("Commercial route"),
        widget=_textarea(4),
        help_text=_(
            "Who would buy the product or service, and how the buyer of the technology earns from it. "
            "An unclear route is the second reason buyers give for passing a listing over."
        ),
    )
    application_fields = forms.CharField(
        label=_("Application fields"), required=False, max_length=2000, widget=_textarea(2)
    )
    maturity = forms.ChoiceField(
        label=_("Maturity"),
        help_text=_("The stage the technology has reached; buyers filter on it."),
    )
    ip_type = forms.ChoiceField(label=_("Intellectual property type"))
    ip_numbers = forms.CharField(
        label=_("Patent or registration numbers"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, such as ZL202110000001.X."),
    )
    ip_status = forms.ChoiceField(label=_("IP status"), choices=IPStatus.choices)
    price = forms.DecimalField(
        label=_("Asking price (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    negotiable = forms.BooleanField(label=_("Price negotiable"), required=False)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["maturity"].choices = BLANK + choices.maturities
        self.fields["ip_type"].choices = choices.ip_types
        self.fields["ip_type"].initial = "none"

    def to_input(self) -> AchievementInput:
        data = self.cleaned_data
        return AchievementInput(
            **self._common(),
            lead_unit=data.get("lead_unit", ""),
            team=data.get("team", ""),
            summary=data["summary"],
            advantage=data["advantage"],
            commercial_route=data["commercial_route"],
            application_fields=data.get("application_fields", ""),
            maturity=data["maturity"],
            ip_type=data["ip_type"],
            ip_numbers=split_items(data.get("ip_numbers", "")),
            ip_status=data["ip_status"],
            price=data.get("price"),
            negotiable=bool(data.get("negotiable")),
        )

    @classmethod
    def initial_from(cls, achievement) -> dict:
        values = {
            name: getattr(achievement, name)
            for name in (
                "lead_unit",
                "team",
                "summary",
                "advantage",
                "commercial_route",
                "application_fields",
                "maturity",
                "ip_type",
                "ip_status",
                "price",
                "negotiable",
            )
        }
        return {**cls._common_initial(achievement), **values, "ip_numbers": join_items(achievement.ip_numbers)}


class NeedForm(ListingForm):
    problem = forms.CharField(
        label=_("Problem to solve"),
        widget=_textarea(5),
        help_text=_("The technical problem, the conditions it must work in, and what you have tried."),
    )
    expected_outcome = forms.CharField(
        label=_("Expected outcome"), required=False, widget=_textarea(3), max_length=4000
    )
    budget_min = forms.DecimalField(
        label=_("Budget from (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    budget_max = forms.DecimalField(
        label=_("Budget up to (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    desired_maturity = forms.ChoiceField(label=_("Maturity wanted"), required=False)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["desired_maturity"].choices = BLANK + choices.maturities

    def to_input(self) -> NeedInput:
        data = self.cleaned_data
        return NeedInput(
            **self._common(),
            problem=data["problem"],
            expected_outcome=data.get("expected_outcome", ""),
            budget_min=data.get("budget_min"),
            budget_max=data.get("budget_max"),
            deadline=data.get("deadline"),
            desired_maturity=data.get("desired_maturity", ""),
        )

    @classmethod
    def initial_from(cls, need) -> dict:
        values = {
            name: getattr(need, name)
            for name in ("problem", "expected_outcome", "budget_min", "budget_max", "deadline", "desired_maturity")
        }
        return {**cls._common_initial(need), **values}


class FileForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("attachment", "Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(
        label=pgettext_lazy("attachment", "File"),
        help_text=_("Images: PNG or JPEG. Documents: PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf"}),
    )


# Workflow actions ------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Remarks"), widget=_textarea(2), max_length=2000, required=False)


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=_textarea(3), max_length=2000)


class AnswerForm(forms.Form):
    note = forms.CharField(label=_("Your answer to the enterprise"), widget=_textarea(3), max_length=2000)


class MeetingForm(forms.Form):
    meeting_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    meeting_place = forms.CharField(
        label=_("Place"), max_length=200, help_text=_("An address, or the link of a video meeting.")
    )
    note = forms.CharField(label=_("Notes"), widget=_textarea(2), max_length=2000, required=False)


class InterestForm(forms.Form):
    """An enterprise tells the publisher it is interested, optionally for one of its published needs."""

    buyer = forms.TypedChoiceField(label=_("On behalf of"), coerce=int, required=False)
    need = forms.TypedChoiceField(
        label=_("For our technology need"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Optional: the published need of yours this achievement would answer."),
    )
    message = forms.CharField(
        label=_("Message to the publisher"),
        widget=_textarea(4),
        max_length=2000,
        help_text=_("What you would use it for, and how you would like to proceed."),
    )

    def __init__(self, *args, buyers=(), needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.buyers = list(buyers)
        self.needs = list(needs)
        if len(self.buyers) > 1:
            self.fields["buyer"].choices = [(o.pk, o.name) for o in self.buyers]
            self.fields["buyer"].required = True
        else:
            del self.fields["buyer"]
        if self.needs:
            self.fields["need"].choices = BLANK + [(n.pk, n.title) for n in self.needs]
        else:
            del self.fields["need"]

    def chosen_buyer(self):
        if "buyer" not in self.fields:
            return self.buyers[0] if self.buyers else None
        return next(o for o in self.buyers if o.pk == self.cleaned_data["buyer"])

    def chosen_need(self):
        pk = self.cleaned_data.get("need")
        return next((n for n in self.needs if n.pk == pk), None)


# Subscriptions ---------------------------------------------------------------------------------------


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64, help_text=_("For you to tell your subscriptions apart."))
    listing_kind = forms.ChoiceField(label=_("Push me new"), choices=ListingKind.choices)
    tech_fields = forms.MultipleChoiceField(label=_("Technology fields"), required=False, widget=_checkboxes())
    push_fields = forms.MultipleChoiceField(label=_("Push fields"), required=False, widget=_checkboxes())
    keywords = forms.CharField(
        label=_("Keywords"), required=False, max_length=400, help_text=_("Up to eight, separated by commas.")
    )
    units = forms.MultipleChoiceField(
        label=_("Cities and units"),
        required=False,
        widget=_checkboxes(),
        help_text=_("Only listings from these; none chosen, from anywhere."),
    )
    email_digest = forms.BooleanField(label=_("Also send me a daily email digest"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tech_fields"].choices = choices.tech_fields
        self.fields["push_fields"].choices = choices.push_fields
        self.fields["units"].choices = choices.units

    def to_input(self) -> SubscriptionInput:
        data = self.cleaned_data
        return SubscriptionInput(
            name=data["name"],
            listing_kind=data["listing_kind"],
            tech_fields=list(data.get("tech_fields") or []),
            push_fields=list(data.get("push_fields") or []),
            keywords=split_items(data.get("keywords", "")),
            units=list(data.get("units") or []),
            email_digest=bool(data.get("email_digest")),
            is_active=bool(data.get("is_active")),
        )

    @staticmethod
    def initial_from(subscription) -> dict:
        return {
            "name": subscription.name,
            "listing_kind": subscription.listing_kind,
            "tech_fields": list(subscription.tech_fields),
            "push_fields": list(subscription.push_fields),
            "keywords": join_items(subscription.keywords),
            "units": list(subscription.units),
            "email_digest": subscription.email_digest,
            "is_active": subscription.is_active,
        }


# Filters ---------------------------------------------------------------------------------------------

SORT_CHOICES = [
    ("", _("Newest")),
    ("relevance", _("Best match")),
    ("oldest", _("Oldest")),
    ("title", _("Title")),
]


class ListingFilterForm(forms.Form):
    """The filters of the public lists; every field optional, values passed to the selector's FilterSet."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, keywords, description")}),
    )
    tech_field = forms.ChoiceField(label=_("Technology field"), required=False)
    push_field = forms.ChoiceField(label=_("Push field"), required=False)
    unit = forms.ChoiceField(label=_("City or unit"), required=False)
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tech_field"].choices = BLANK + choices.tech_fields
        self.fields["push_field"].choices = BLANK + choices.push_fields
        self.fields["unit"].choices = BLANK + choices.units
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""

    def values(self) -> dict:
        """The valid, non-empty filters; an invalid one is dropped (and ``errors`` says so)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value not in (None, "")}


class AchievementFilterForm(ListingFilterForm):
    maturity = forms.ChoiceField(label=_("Maturity"), required=False)
    transfer_mode = forms.ChoiceField(label=_("Transfer mode"), required=False)
    ip_type = forms.ChoiceField(label=_("Intellectual property"), required=False)
    price_min = forms.DecimalField(label=_("Price from (yuan)"), required=False, min_value=0)
    price_max = forms.DecimalField(label=_("Price up to (yuan)"), required=False, min_value=0)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["maturity"].choices = BLANK + choices.maturities
        self.fields["transfer_mode"].choices = BLANK + choices.transfer_modes
        self.fields["ip_type"].choices = BLANK + choices.ip_types
        for name in ("maturity", "transfer_mode", "ip_type"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""
        self.order_fields(
            ["q", "tech_field", "push_field", "unit", "maturity", "transfer_mode", "ip_type", "price_min", "price_max"]
        )


class NeedFilterForm(ListingFilterForm):
    budget_min = forms.DecimalField(label=_("Budget from (yuan)"), required=False, min_value=0)
    budget_max = forms.DecimalField(label=_("Budget up to (yuan)"), required=False, min_value=0)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, choices=choices, **kwargs)
        self.order_fields(["q", "tech_field", "push_field", "unit", "budget_min", "budget_max"])
