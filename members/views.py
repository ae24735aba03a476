"""Member pages: export and close the account, wallet, favourites, points, inbox."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import CloseAccountForm
from accounts.selectors import member_for
from members import selectors, services


def _member_or_404(request):
    member = member_for(user=request.user)
    if member is None:
        raise Http404("Only members have this page.")
    return member


@require_GET
@never_cache
@login_required
def export_my_data(request):
    """`/account/export/`: everything we keep about the member, as a JSON download."""
    member = _member_or_404(request)
    data = selectors.member_data_export(member=member)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="omostore-my-data-{stamp}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def close_my_account(request):
    """`/account/close/`: the member types their password and ticks a box; the account is closed
    and they are logged out."""
    member = _member_or_404(request)
    form = CloseAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
            services.close_account(member=member)
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for shopping with us."))
            return redirect("/")
        if form.is_valid():
            form.add_error("password", _("Wrong password."))
        status = 400
    return render(request, "members/close_account.html", {"form": form}, status=status)
