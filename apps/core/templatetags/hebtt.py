"""Template tags shared by every app: query strings, form fields with Bootstrap, error summaries, money."""

from django import forms, template
from django.forms.boundfield import BoundWidget
from django.utils.http import urlencode

from apps.core.money import money_format

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return urlencode(sorted(query.lists()), doseq=True)


@register.filter
def bootstrap(field):
    """Render a bound field with Bootstrap's classes and its validity state.

    Django (5.0+) adds ``aria-invalid="true"`` to an invalid input and points its
    ``aria-describedby`` at ``<auto_id>_helptext`` and ``<auto_id>_error``: the ids that
    ``includes/field.html`` gives the help text and the error messages. Radio buttons and check
    boxes in a group are described on their fieldset instead (``field.use_fieldset``).
    """
    widget = field.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)):
        css = "form-check-input"
    elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def check_choices(field):
    """The radio buttons or check boxes of a grouped field, as ``BoundField.subwidgets`` gives them but
    with Bootstrap's classes (``{% for choice in field|check_choices %}{{ choice.tag }}``)."""
    widget = field.field.widget
    attrs = {"class": "form-check-input" + (" is-invalid" if field.errors else "")}
    if auto_id := widget.attrs.get("id") or field.auto_id:
        attrs["id"] = auto_id
    attrs = field.build_widget_attrs(attrs)
    return [
        BoundWidget(widget, subwidget, field.form.renderer)
        for subwidget in widget.subwidgets(field.html_name, field.value(), attrs=attrs)
    ]


@register.filter
def field_describedby(field):
    """The ids of a field's help text and errors, for a fieldset that groups radio buttons or check boxes."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def form_problems(form):
    """What the error summary at the top of a failed form lists: ``{"href", "label", "message"}`` each.

    ``form`` is a Django form, or an object with a ``problems`` list of the same shape (the contract
    declaration, whose formsets' rows have fields of their own). Non-field errors come first and have
    no link; a hidden field's error is reported without a link too, as there is nothing to go to.
    """
    if form is None or form == "":
        return []
    if hasattr(form, "problems"):
        return form.problems
    if not getattr(form, "is_bound", False) or not form.errors:
        return []
    found = [{"href": "", "label": "", "message": message} for message in form.non_field_errors()]
    for bound in form:
        for message in bound.errors:
            visible = not bound.is_hidden and bound.auto_id
            # A group of radio buttons or check boxes has no element of its own id: go to its first choice.
            target = f"{bound.auto_id}_0" if bound.use_fieldset else bound.id_for_label or bound.auto_id
            found.append(
                {
                    "href": f"#{target}" if visible else "",
                    "label": bound.label if visible else "",
                    "message": message,
                }
            )
    return found


@register.filter
def money(amount):
    """Yuan as every page shows them: ``800,000.00`` (see ``apps.core.money.money_format``)."""
    return money_format(amount)
