"""The session engine (settings.SESSION_ENGINE): Django's database sessions, with the read that
every logged-in request makes as one plain query.

Django's query compiler costs more CPU than the query itself, and this read happens on every
request of a logged-in shopper, the scan page's included; writes, expiry and clean-up are
Django's own (`django.contrib.sessions.backends.db`)."""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


@functools.cache
def _select_sql(alias: str, table: str) -> str:
    quote = connections[alias].ops.quote_name
    # Only names from the model's metadata go into the text; the values are parameters.
    return (
        f"SELECT {quote('session_data')} FROM {quote(table)}"  # noqa: S608
        f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
    )


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:
            return None
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_select_sql(alias, self.model._meta.db_table), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session, as Django's own engine does
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
