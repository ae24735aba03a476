"""Account pages of a shopper: sign up, confirm the email, reset a password, profile, saved
delivery addresses. (Export and close the account are members' pages: they gather every app.)

Sign-up never says whether an email already has an account: every sign-up answers "check your
email", and the email says what to do next (confirm a new account, or log in / reset the password
of the existing one). Password reset is rate limited per account and per address.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.mail import send_mail
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import AddressForm, ProfileForm, SignUpForm
from accounts.models import User
from accounts.selectors import member_for
from omostore.client_ip import client_ip
from omostore.ratelimit import enforce_rate_limit
from stores import selectors as store_selectors

SIGNUP_SALT = "accounts.signup-confirm"
SIGNUP_LINK_MAX_AGE = 60 * 60 * 24  # a day
SIGNUPS_PER_IP_PER_HOUR = 20
SIGNUP_MAILS_PER_EMAIL_PER_HOUR = 3
RESETS_PER_IP_PER_HOUR = 20
RESETS_PER_ACCOUNT_PER_HOUR = 3


def _email_key(email: str) -> str:
    # Rate-limit keys hold a digest, not the address itself.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _send(request, *, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, {**context, "site": request.get_host()}, request=request)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """`/signup/`: email + password (validators on). The answer is the same whether or not the
    email is taken; the account works once its owner follows the link in the email."""
    if request.user.is_authenticated:
        return redirect("account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enforce_rate_limit(
            key=f"signup:ip:{client_ip(request)}",
            limit=SIGNUPS_PER_IP_PER_HOUR,
            window_seconds=3600,
            action=_("sign-ups"),
        )
        email = form.cleaned_data["email"]
        enforce_rate_limit(
            key=f"signup:email:{_email_key(email)}",
            limit=SIGNUP_MAILS_PER_EMAIL_PER_HOUR,
            window_seconds=3600,
            action=_("sign-ups"),
        )
        outcome = services.start_sign_up(
            email=email,
            password=form.cleaned_data["password"],
            display_name=form.cleaned_data["display_name"],
        )
        if outcome.user is not None:
            token = signing.dumps({"u": outcome.user.pk}, salt=SIGNUP_SALT)
            link = request.build_absolute_uri(reverse("signup-confirm", args=[token]))
            _send(
                request,
                to=email,
                subject=_("Confirm your OMO Store account"),
                template="accounts/email/signup_confirm.txt",
                context={"link": link},
            )
        else:
            _send(
                request,
                to=email,
                subject=_("You already have an OMO Store account"),
                template="accounts/email/signup_taken.txt",
                context={
                    "login": request.build_absolute_uri(reverse("login")),
                    "reset": request.build_absolute_uri(reverse("password_reset")),
                },
            )
        return render(request, "accounts/signup_sent.html", {"email": email})
    return render(request, "accounts/signup.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request, token: str):
    """`/signup/confirm/<token>/`: the signed link from the sign-up email. GET shows a button (mail
    scanners follow links); POST activates the account and logs in."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_LINK_MAX_AGE)
    except signing.BadSignature:
        return render(request, "accounts/signup_confirm.html", {"invalid": True}, status=400)
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or user.last_login is not None or not user.has_usable_password():
        return render(request, "accounts/signup_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.confirm_sign_up(user=user)
        login(request, user, backend="accounts.backends.MemberModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("account")
    return render(request, "accounts/signup_confirm.html", {"invalid": False})


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's reset (a one-time link by email, the same answer for every address), limited to
    a few emails per account and a few more per address an hour."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        enforce_rate_limit(
            key=f"reset:ip:{client_ip(self.request)}",
            limit=RESETS_PER_IP_PER_HOUR,
            window_seconds=3600,
            action=_("password resets"),
        )
        enforce_rate_limit(
            key=f"reset:email:{_email_key(form.cleaned_data['email'])}",
            limit=RESETS_PER_ACCOUNT_PER_HOUR,
            window_seconds=3600,
            action=_("password resets"),
        )
        return super().form_valid(form)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """`/account/`: profile (name, home store) and links to the rest of the account."""
    member = member_for(user=request.user)
    stores = list(store_selectors.active_stores())
    initial = {
        "display_name": request.user.display_name,
        "home_store": member.home_store_id if member else None,
        "language": (member.language if member else "") or request.LANGUAGE_CODE,
    }
    form = ProfileForm(request.POST or None, initial=initial, stores=stores)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"] or None
        services.update_profile(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            home_store_id=form.cleaned_data["home_store"],
            language=language,
        )
        if not language or language == request.LANGUAGE_CODE:
            messages.success(request, _("Saved."))
            return redirect("account")
        # The pages follow too: through the language link, the one place that sets the cookie;
        # the next page is in the new language, so is its notice.
        with translation.override(language):
            messages.success(request, _("Saved."))
        return redirect(f"{reverse('switch-language', args=[language])}?next={reverse('account')}")
    return render(request, "accounts/account.html", {"form": form, "member": member})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def addresses(request):
    """`/account/addresses/`: saved delivery addresses, each with its point on the map."""
    member = member_for(user=request.user)
    if member is None:
        raise Http404("Only members save delivery addresses.")
    form = AddressForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.save_address(member=member, **form.cleaned_data)
            messages.success(request, _("Address saved."))
            return redirect("account-addresses")
        status = 400
    store = member.home_store or store_selectors.active_stores().first()
    centre = (
        {"latitude": float(store.latitude), "longitude": float(store.longitude)}
        if store
        else {"latitude": 35.6812, "longitude": 139.7671}
    )
    return render(
        request,
        "accounts/addresses.html",
        {"form": form, "addresses": list(member.addresses.all()), "centre": centre},
        status=status,
    )


@login_required
@require_POST
def delete_address(request, address_id: int):
    member = member_for(user=request.user)
    if member is None:
        raise Http404("No such address.")
    services.delete_address(member=member, address_id=address_id)
    messages.success(request, _("Address deleted."))
    return redirect("account-addresses")
