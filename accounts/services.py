from django.db import transaction

from accounts.models import Member, User


@transaction.atomic
def register_member(*, email: str, password: str, display_name: str = "") -> Member:
    user = User.objects.create_user(email=email, password=password, display_name=display_name)
    return Member.objects.create(user=user)


def update_profile(*, user: User, display_name: str) -> User:
    user.display_name = display_name.strip()
    user.save(update_fields=["display_name"])
    return user
