"""Forms of the account pages: they parse and validate; the services write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    display_name = forms.CharField(label=_("Name (optional)"), max_length=80, required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            # The validators see the would-be user, so "hanako@…" cannot use "hanako123".
            candidate = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=80, required=False)
    home_store = forms.TypedChoiceField(
        label=_("Home store"), coerce=int, required=False, empty_value=None
    )
    # Each language named in itself (settings.LANGUAGES), so anyone can find theirs.
    language = forms.ChoiceField(
        label=_("Language (pages and notifications)"), choices=settings.LANGUAGES, required=False
    )

    def __init__(self, *args, stores=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_store"].choices = [("", _("None"))] + [(s.pk, s.name) for s in stores]


class AddressForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=255)
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-90), max_value=Decimal(90)
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-180), max_value=Decimal(180)
    )


class CloseAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)
    confirm = forms.BooleanField(
        label=_("I understand that my account and my data are deleted for good.")
    )
