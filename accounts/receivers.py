"""What accounts does when others announce something: open websockets check again, and a
member's language is kept when they choose one or log in.

Open websockets are authorised at connect; these receivers make them check again, at once, when
what authorised them changes: a staff role is revoked or changed, a user is changed (deactivated,
a new password, no longer superuser) or deleted, or a session logs out (only that session's
sockets close). See `omostore.consumers.revoke_user_sockets`. Bulk `QuerySet.update()` sends no
signal; sockets then notice at their next `resync`.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts import services
from accounts.models import User
from omostore.consumers import revoke_user_sockets
from omostore.signals import language_chosen
from stores.models import StaffRole


@receiver(post_delete, sender=StaffRole, dispatch_uid="accounts.sockets.role_revoked")
def staff_role_revoked(sender, instance: StaffRole, **kwargs) -> None:
    revoke_user_sockets(user_id=instance.user_id)


@receiver(pre_save, sender=StaffRole, dispatch_uid="accounts.sockets.role_moved")
def staff_role_moved(sender, instance: StaffRole, raw: bool = False, **kwargs) -> None:
    """A role row edited to another person: the previous holder lost it."""
    if raw or instance.pk is None:
        return
    previous = StaffRole.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
    if previous is not None and previous != instance.user_id:
        revoke_user_sockets(user_id=previous)


@receiver(post_save, sender=StaffRole, dispatch_uid="accounts.sockets.role_changed")
def staff_role_changed(sender, instance: StaffRole, created: bool, **kwargs) -> None:
    """A role edited to another store or role: what it allowed before may be gone."""
    if not created:
        revoke_user_sockets(user_id=instance.user_id)


@receiver(post_save, sender=User, dispatch_uid="accounts.sockets.user_changed")
def user_changed(sender, instance: User, created: bool, update_fields=None, **kwargs) -> None:
    # Every log-in saves last_login alone: nothing that authorises a socket.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    revoke_user_sockets(user_id=instance.pk)


@receiver(post_delete, sender=User, dispatch_uid="accounts.sockets.user_deleted")
def user_deleted(sender, instance: User, **kwargs) -> None:
    revoke_user_sockets(user_id=instance.pk)


@receiver(user_logged_out, dispatch_uid="accounts.sockets.logged_out")
def logged_out(sender, request, user, **kwargs) -> None:
    """Sent before the session is flushed, so its key is still known here."""
    if user is not None and request is not None and hasattr(request, "session"):
        revoke_user_sockets(user_id=user.pk, session_key=request.session.session_key)


# --- The member's language (for what is written for them later, from Celery) --------------------


@receiver(language_chosen, dispatch_uid="accounts.language.chosen")
def language_was_chosen(sender, request, language: str, **kwargs) -> None:
    services.choose_language(user=request.user, language=language)


@receiver(user_logged_in, dispatch_uid="accounts.language.logged_in")
def language_at_log_in(sender, request, user, **kwargs) -> None:
    """Log-in and sign-up confirmation. Only a request LocaleMiddleware served says which language
    the person reads (`force_login`'s stand-in request carries none; the API's token endpoint
    sends no log-in signal)."""
    served_in = getattr(request, "LANGUAGE_CODE", None)
    if served_in is None:
        return
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) == served_in:
        # Chosen with the language link before logging in (anonymous choices are not kept): the
        # same choice, made now.
        services.choose_language(user=user, language=served_in)
    else:  # the browser's Accept-Language: a guess, which never overrides a choice
        services.remember_first_language(user=user, language=served_in)
