"""How a logged-in user is read back from the session on every request."""

from __future__ import annotations

import functools

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from accounts.models import Member, User


@functools.cache
def _user_with_member_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name

    def columns(table_alias, model):
        return ", ".join(f"{table_alias}.{quote(f.column)}" for f in model._meta.concrete_fields)

    member_user = Member._meta.get_field("user").column
    # Only names from the models' metadata go into the text; the id is a parameter.
    return (
        f"SELECT {columns('u', User)}, {columns('m', Member)}"  # noqa: S608
        f" FROM {quote(User._meta.db_table)} u"
        f" LEFT JOIN {quote(Member._meta.db_table)} m ON m.{quote(member_user)} = u.{quote('id')}"
        f" WHERE u.{quote('id')} = %s"
    )


@functools.cache
def _converters(model, alias: str) -> list[tuple[list, object]]:
    """Per concrete field, the converters the ORM applies to what the database returns (SQLite's
    naive datetimes made aware, and so on), with the column expression they are given."""
    connection = connections[alias]
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        out.append((converters, col))
    return out


def _instance(model, alias: str, values):
    """A model instance from a row in its concrete fields' order, converted as the ORM does."""
    connection = connections[alias]
    converted = []
    for (converters, col), value in zip(_converters(model, alias), values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(alias, [f.attname for f in model._meta.concrete_fields], converted)


def user_with_member(user_id) -> User | None:
    """The user and their member profile (or the knowledge that there is none) in one plain
    query: `user.member` then costs nothing."""
    alias = router.db_for_read(User)
    with connections[alias].cursor() as cursor:
        cursor.execute(_user_with_member_sql(alias), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(User._meta.concrete_fields)
    user = _instance(User, alias, row[:split])
    member_field = User._meta.get_field("member")
    if row[split] is None:  # no member profile (staff): cached as select_related would
        member_field.set_cached_value(user, None)
    else:
        member = _instance(Member, alias, row[split:])
        member_field.set_cached_value(user, member)
        Member._meta.get_field("user").set_cached_value(member, user)
    return user


class MemberModelBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, inactive users refused), except that the
    user is read back on each request with their member profile, in one plain query: nearly
    every page a member opens asks for the profile (the scan is recorded with it, the cart is
    theirs), and Django's query compiler costs more than the query."""

    def get_user(self, user_id):
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:  # a session holding no valid id: nobody, as ModelBackend says
            return None
        user = user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
