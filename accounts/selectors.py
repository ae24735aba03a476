from accounts.models import Member, User


def user_with_roles(*, user_id: int) -> User:
    return (
        User.objects.select_related("member").prefetch_related("staff_roles__store").get(pk=user_id)
    )


def member_for(*, user) -> Member | None:
    """The user's member profile, or None for anonymous users and staff without one."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "member", None)  # one query the first time; cached on the user


def member_language(*, member_id: int) -> str:
    """The language the member uses the app in, or "" when not known (one small query)."""
    return Member.objects.filter(pk=member_id).values_list("language", flat=True).first() or ""
