"""The websocket consumer base every realtime screen builds on.

It authenticates the user from the session (AuthMiddlewareStack), lets the subclass decide whether
this user may watch this group (role and store), joins the group, sends a full snapshot with the
group's current sequence number, and then forwards numbered events. A client that sees a gap in
the numbers sends `{"type": "resync"}` and gets a new snapshot. The origin is checked in
`omostore.asgi` before any consumer runs.

Authorisation is not only checked at connect. Every socket also joins a group of its user
(`user_group`); `revoke_user_sockets` (called by receivers when a role is revoked, a user is
deactivated or logs out) sends it a message on which the socket checks again, from the database,
whether its session still logs this user in and whether `authorize` still lets them watch; a
`resync` checks the same. A refusal is a close code the browser can read: the socket is accepted
first and then closed with 4401 (not logged in) or 4403 (not allowed), since a socket closed
before it is accepted reaches the browser as a bare 1006.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABCMeta, abstractmethod
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.db import transaction

from omostore import realtime

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def user_group(user_id: int) -> str:
    """The group every open socket of one user joins, for revocations."""
    return realtime.groups.user(user_id)


def session_fingerprint(session_key: str | None) -> str | None:
    """What a revocation carries to name a session: never the session key itself."""
    if not session_key:
        return None
    return hashlib.sha256(f"omostore.ws-session:{session_key}".encode()).hexdigest()


def revoke_user_sockets(*, user_id: int, session_key: str | None = None) -> None:
    """After the current transaction commits, tell every open socket of `user_id` to check its
    authorisation again (closing if it no longer holds); with `session_key` (a log-out), close
    the sockets of that session only, whatever the database says yet.

    A failure to send is logged, not raised: the write it follows has happened, and the next
    `resync` of each socket checks again anyway.
    """
    message = {"type": "auth.revoke", "session": session_fingerprint(session_key)}

    def _send() -> None:
        try:
            realtime.group_send_now(user_group(user_id), message)
        except Exception:
            logger.exception("socket revocation for user %s was not sent", user_id)

    transaction.on_commit(_send)


class RealtimeConsumer(AsyncJsonWebsocketConsumer, metaclass=ABCMeta):
    """Subclasses implement `authorize` and `build_snapshot`; both run in a worker thread."""

    group: str | None = None
    user_id: int | None = None
    session_key: str | None = None
    closing = False

    @abstractmethod
    def authorize(self, user: Any) -> str | None:
        """Return the group this user may follow for this connection, or None to refuse.
        Called at connect and again on every revocation and resync, with a fresh user."""

    @abstractmethod
    def build_snapshot(self) -> dict[str, Any]:
        """The full current state, read from the database (never from past events)."""

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        # Join the user's group before checking: a revocation committed meanwhile is handled
        # right after this method returns, and checks again.
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        group = await database_sync_to_async(self.authorize)(user)
        if group is None:
            await self.refuse(CLOSE_FORBIDDEN)
            return
        self.group = group
        # Join before reading the snapshot: an event committed in between arrives after the
        # snapshot with a higher number, and the client drops any number it already has.
        await self.channel_layer.group_add(group, self.channel_name)
        await self.send_snapshot()

    async def refuse(self, code: int) -> None:
        self.closing = True
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.user_id is not None:
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def _current_user(self) -> Any:
        """The user this socket's session logs in now, read afresh from the database (Django's
        own check: the session exists, the user is active, the password did not change)."""
        engine = import_module(settings.SESSION_ENGINE)
        user = get_user(SimpleNamespace(session=engine.SessionStore(self.session_key)))
        return user if user.is_authenticated and user.pk == self.user_id else None

    def _refusal(self) -> int | None:
        """The close code if this socket may no longer stay open, else None."""
        user = self._current_user()
        if user is None:
            return CLOSE_UNAUTHENTICATED
        if self.authorize(user) != self.group:
            return CLOSE_FORBIDDEN
        return None

    async def check_still_allowed(self) -> bool:
        """Check the authorisation again; close the socket and return False if it is gone."""
        if self.closing:
            return False
        code = await database_sync_to_async(self._refusal)()
        if code is not None:
            await self.refuse(code)
            return False
        return True

    async def auth_revoke(self, message: dict[str, Any]) -> None:
        """`revoke_user_sockets`: a log-out of one session, or a change that needs a check."""
        if self.closing:
            return
        session = message.get("session")
        if session is not None:
            if session == session_fingerprint(self.session_key):
                await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        await self.check_still_allowed()

    async def send_snapshot(self) -> None:
        sequence, snapshot = await database_sync_to_async(self._numbered_snapshot)()
        await self.send_json({"type": "snapshot", "seq": sequence, "data": snapshot})

    def _numbered_snapshot(self) -> tuple[int, dict[str, Any]]:
        sequence = realtime.current_sequence(self.group)
        return sequence, self.build_snapshot()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.closing:
            return
        if isinstance(content, dict) and content.get("type") == "resync":
            if await self.check_still_allowed():
                await self.send_snapshot()
        else:
            await self.send_json({"type": "error", "message": "unknown message type"})

    async def realtime_event(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        await self.send_json(
            {
                "type": "event",
                "event": message["event"],
                "seq": message["seq"],
                "at": message["at"],
                "payload": message["payload"],
            }
        )
