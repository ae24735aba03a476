"""What members sends to the live screens of the apps below: the points an order earned, on the
member's history group (`history.<user id>`, whose snapshot and other events orders builds;
docs/realtime.md is the reference)."""

from __future__ import annotations

from accounts.models import Member
from omostore import realtime


def publish_points_earned(*, member_id: int, number: str, points: int) -> None:
    """`history.points` `{number, points}` once the grant commits: the history page shows
    "+N points" on that order's row. The same as `points_earned` answers for the snapshot."""
    user_id = Member.objects.filter(pk=member_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return
    realtime.publish(
        realtime.groups.member_history(user_id),
        "history.points",
        {"number": number, "points": points},
    )
