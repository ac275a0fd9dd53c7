from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from rest_framework.authtoken.models import TokenProxy

from apps.accounts import policies, two_factor
from apps.accounts.forms import TwoFactorResetForm
from apps.accounts.models import Membership, Organisation, User
from apps.core.errors import DomainError


@never_cache
def admin_login(request, extra_context=None):
    """The admin signs in through the portal's login page, so that two-factor authentication applies there too."""
    if request.user.is_authenticated:  # signed in, but not admin staff
        raise PermissionDenied
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect_to_login(next_url, reverse("accounts:login"))


admin.site.login = admin_login


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


# DRF lists every API key in the admin: anyone with the view permission could act as anyone. Users
# make, replace and revoke their own on the profile page; nobody reads another's.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, (None, {"fields": ("display_name", "phone", "two_factor_status")}))
    readonly_fields = ["two_factor_status"]
    list_display = ["username", "display_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "email"]
    inlines = [MembershipInline]
    actions = ["reset_two_factor"]

    @admin.display(description=_("two-factor authentication"))
    def two_factor_status(self, user):
        device = two_factor.two_factor_device(user=user)
        if device is None:
            return _("off")
        if not device.is_confirmed:
            return _("being set up")
        return _("on since %(since)s") % {"since": timezone.localtime(device.confirmed_at).strftime("%Y-%m-%d %H:%M")}

    @admin.action(description=_("Reset two-factor authentication (lost phone)"))
    def reset_two_factor(self, request, queryset):
        """Turn off the selected users' two-factor authentication, with a reason kept in the audit trail."""
        users = list(queryset)
        if not all(policies.may(request.user, "two_factor.reset", user) for user in users):
            self.message_user(
                request, _("You may not reset two-factor authentication for these users."), messages.ERROR
            )
            return None
        form = TwoFactorResetForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            done = 0
            for user in users:
                try:
                    done += two_factor.two_factor_reset(
                        actor=request.user, user=user, reason=form.cleaned_data["reason"]
                    )
                except DomainError as error:
                    self.message_user(request, f"{user}: {error.message}", messages.ERROR)
            self.message_user(
                request,
                ngettext(
                    "Two-factor authentication reset for %(count)d user.",
                    "Two-factor authentication reset for %(count)d users.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reset two-factor authentication"),
            "opts": self.model._meta,
            "users": users,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "accounts/admin_two_factor_reset.html", context)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "region", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    # The status moves only through the workflow (activate, reject, suspend, reinstate) on the portal's pages.
    readonly_fields = ["status", "status_reason", "status_changed_at", "status_changed_by"]
