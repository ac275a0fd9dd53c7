"""The shared form pieces: a field says what is wrong next to itself (``includes/field.html``), a failed
form says at its top how many problems there are and links to each (``includes/form_errors.html``), and
money reads the same on every page (the ``money`` filter)."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from apps.core.money import money_format


class Sample(forms.Form):
    name = forms.CharField(label="Name", max_length=20, help_text="As on the business licence.")
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, help_text="Pick one."
    )
    fields = forms.MultipleChoiceField(
        label="Fields", choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="I agree")
    token = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label="Note", required=False)

    def clean(self):
        if self.cleaned_data.get("note") == "clash":
            raise forms.ValidationError("The note clashes with the name.")
        return self.cleaned_data


class Elements(HTMLParser):
    """Every start tag's attributes, by id."""

    def __init__(self, html):
        super().__init__()
        self.by_id = {}
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.by_id[attrs["id"]] = (tag, attrs)


def render_field(form, name):
    return Template('{% include "includes/field.html" %}').render(Context({"field": form[name]}))


def render_summary(form):
    with translation.override("en"):
        return Template('{% include "includes/form_errors.html" %}').render(Context({"form": form}))


def test_a_valid_field_points_at_its_help_text_only():
    html = render_field(Sample(), "name")
    elements = Elements(html).by_id
    _tag, attrs = elements["id_name"]
    assert attrs["aria-describedby"] == "id_name_helptext"
    assert "aria-invalid" not in attrs and "is-invalid" not in attrs["class"]
    assert elements["id_name_helptext"][0] == "div"
    assert "id_name_error" not in elements


def test_an_invalid_field_is_marked_and_points_at_its_help_and_its_errors_keeping_the_value():
    form = Sample({"name": "x" * 30})
    form.is_valid()
    html = render_field(form, "name")
    elements = Elements(html).by_id
    _tag, attrs = elements["id_name"]
    assert attrs["aria-invalid"] == "true"
    assert attrs["aria-describedby"] == "id_name_helptext id_name_error"
    assert "is-invalid" in attrs["class"].split() and "form-control" in attrs["class"].split()
    assert attrs["value"] == "x" * 30, "the input is kept"
    error_tag, error_attrs = elements["id_name_error"]
    assert error_tag == "div" and "invalid-feedback" in error_attrs["class"]
    assert str(form.errors["name"][0]) in html


def test_a_radio_group_is_a_fieldset_described_by_its_help_and_errors():
    form = Sample({})
    form.is_valid()
    html = render_field(form, "kind")
    parser = Elements(html)
    fieldset = [attrs for tag, attrs in parser.tags if tag == "fieldset"]
    assert fieldset == [{"class": "mb-3", "aria-describedby": "id_kind_helptext id_kind_error"}]
    assert "<legend" in html and "Kind" in html
    radios = [attrs for tag, attrs in parser.tags if tag == "input"]
    assert [r["id"] for r in radios] == ["id_kind_0", "id_kind_1"]
    assert all(r["aria-invalid"] == "true" and "aria-describedby" not in r for r in radios)
    assert all(r["class"].split() == ["form-check-input", "is-invalid"] for r in radios)
    assert 'for="id_kind_0"' in html
    assert "id_kind_error" in parser.by_id and "id_kind_helptext" in parser.by_id


def test_a_check_box_comes_before_its_label_and_a_hidden_field_has_no_label():
    form = Sample({})
    form.is_valid()
    html = render_field(form, "agree")
    _tag, attrs = Elements(html).by_id["id_agree"]
    assert attrs["type"] == "checkbox" and "form-check-input" in attrs["class"]
    assert attrs["aria-describedby"] == "id_agree_error" and attrs["aria-invalid"] == "true"
    assert html.index('id="id_agree"') < html.index("<label")
    hidden = render_field(form, "token")
    assert "<label" not in hidden and 'type="hidden"' in hidden


def test_the_summary_counts_the_problems_and_links_each_to_its_field():
    form = Sample({"note": "clash"})
    assert not form.is_valid()
    html = render_summary(form)
    parser = Elements(html)
    (alert,) = [attrs for tag, attrs in parser.tags if tag == "div"]
    assert alert["role"] == "alert" and alert["tabindex"] == "-1" and "data-error-summary" in alert
    # name, kind, fields, agree and token are missing; token is hidden: listed without a link.
    links = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    assert links == ["#id_name", "#id_kind_0", "#id_fields_0", "#id_agree"]
    assert "Please fix the 6 problems below." in html
    assert html.count("<li>") == 6
    # The form's own error (not a field's) comes first, without a link.
    assert html.index("The note clashes with the name.") < html.index('href="#id_name"')


def test_one_problem_is_said_in_the_singular_and_a_good_or_unbound_form_shows_no_summary():
    form = Sample({"name": "n", "kind": "a", "fields": ["x"], "agree": "on", "token": "t", "note": "clash"})
    assert not form.is_valid()
    assert "Please fix the problem below." in render_summary(form)
    assert render_summary(Sample()).strip() == ""
    good = Sample({"name": "n", "kind": "a", "fields": ["x"], "agree": "on", "token": "t"})
    assert good.is_valid()
    assert render_summary(good).strip() == ""
    assert render_summary(None).strip() == ""


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("800000"), "800,000.00"),
        (Decimal("1234567.5"), "1,234,567.50"),
        ("25000.00", "25,000.00"),  # as computations store it in JSON
        (Decimal("0"), "0.00"),
        (Decimal("-1234.5"), "-1,234.50"),
        (None, ""),
        ("", ""),
        ("n/a", "n/a"),
    ],
)
def test_money_reads_the_same_in_every_language(amount, shown):
    assert money_format(amount) == shown
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert Template("{% load hebtt %}{{ amount|money }}").render(Context({"amount": amount})) == shown
