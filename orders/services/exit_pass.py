"""Scan & go exit passes: a signed, short-lived QR that the exit tablet verifies once."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omostore.errors import Forbidden
from orders import errors
from orders.live import local_iso
from orders.models import (
    Channel,
    Order,
    OrderStatus,
)
from orders.services.pipeline import set_status
from stores.models import Store
from stores.roles import Role
from stores.selectors import has_store_role

logger = logging.getLogger(__name__)

EXIT_PASS_SALT = "orders.exit-pass"  # noqa: S105 (a signing salt, not a secret)


def _exit_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=EXIT_PASS_SALT)


def issue_exit_pass(*, order: Order) -> tuple[str, datetime.datetime]:
    """A signed, short-lived code for the exit QR of a paid scan & go order."""
    if order.channel != Channel.IN_STORE or order.status != OrderStatus.PAID:
        raise errors.ExitPassInvalid(_("Exit passes are for paid in-store orders."))
    code = _exit_signer().sign_object({"n": order.number, "s": order.store_id}, compress=True)
    expires = timezone.now() + datetime.timedelta(seconds=settings.EXIT_PASS_MAX_AGE_SECONDS)
    return code, expires


@transaction.atomic
def verify_exit_pass(*, code: str, store: Store, staff_user) -> Order:
    """The first scan at the exit completes the order; any later scan says it was used."""
    if not has_store_role(user=staff_user, store_id=store.pk, roles=[Role.EXIT, Role.MANAGER]):
        raise Forbidden(_("Only exit staff of this store verify exit passes."))
    try:
        data = _exit_signer().unsign_object(
            code.strip(), max_age=settings.EXIT_PASS_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise errors.ExitPassExpired(
            _("This exit pass has expired: ask the shopper to refresh it in the app.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise errors.ExitPassInvalid(_("This is not a valid exit pass.")) from None
    if not isinstance(data, dict) or data.get("s") != store.pk:
        raise errors.ExitPassWrongStore(_("This exit pass belongs to another store."))
    order = Order.objects.select_for_update().filter(number=data.get("n"), store=store).first()
    if order is None:
        raise errors.ExitPassInvalid(_("This is not a valid exit pass."))
    if order.status == OrderStatus.EXITED:
        raise errors.ExitPassUsed(
            _("This exit pass was already used."),
            details={"verified_at": local_iso(order.exit_verified_at, store.time_zone)},
        )
    if order.status != OrderStatus.PAID:
        raise errors.ExitPassInvalid(
            _("This order is %(status)s.") % {"status": order.get_status_display().lower()}
        )
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(exit_verified_at=now, exit_verified_by=staff_user)
    order.exit_verified_at, order.exit_verified_by = now, staff_user
    set_status(order=order, to_status=OrderStatus.EXITED, actor=staff_user, note="exit verified")
    return order
