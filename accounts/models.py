from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from omostore.codes import random_code


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Everyone who logs in, shopper or staff, is a User identified by email address."""

    username = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


def new_member_code() -> str:
    # Shown as the member QR at a register: unguessable, and unambiguous when read aloud.
    return "M" + random_code(11)


class Member(models.Model):
    """A shopper's identity across channels: the aisle, the app and the register."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="member")
    member_code = models.CharField(max_length=12, unique=True, default=new_member_code)
    home_store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # The language the member uses the app in, kept so that what is written for them later (inbox
    # messages, Web Push, from Celery, with no request to take it from) is in it too. Blank: not
    # known yet (the site's default is used).
    language = models.CharField(
        max_length=8,
        blank=True,
        default="",
        # A database default too: rows written by code that predates the column (a migration's
        # historical models, an older process during a deploy) get "" instead of failing.
        db_default="",
        choices=settings.LANGUAGES,
    )

    def __str__(self) -> str:
        # The code alone: staff screens show members without their email.
        return self.member_code


class ApiToken(models.Model):
    """An API key that one person made for one device or script (`POST /api/v1/auth/token/`).

    Only a SHA-256 digest of the key is kept: the key itself is shown once, when it is made, and
    is a 256-bit random string, so a plain digest is as strong as a slow password hash would be.
    A key stops working at `expires_at` (`API_TOKEN_TTL` after it was made) or when revoked.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True, help_text="The device or script it is for.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        max_length=12, editable=False, help_text="The key's first characters, to recognise it."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="api_token_user_expiry")]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"


class DeliveryAddress(models.Model):
    """An address the member saved for delivery, with the point on the map riders go to."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True, help_text="Home, work…")
    address = models.CharField(max_length=255)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "delivery addresses"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="delivery_address_on_earth",
            )
        ]

    def __str__(self) -> str:
        return self.label or self.address


class MemberQrUse(models.Model):
    """A member QR that was used once (at a register). The token's id is unique here, so the
    same QR can authorise one sale only: a second scan, at the same register or another one at
    the same moment, meets this row. Rows older than the QR's lifetime are pruned."""

    token_id = models.CharField(max_length=32, unique=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="qr_uses")
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"member QR {self.token_id} of {self.member_id}"
