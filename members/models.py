"""Members' data: favourites, the points ledger, the inbox and Web Push subscriptions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Favourite(models.Model):
    """A product the member hearted (in any store); the favourites page shows it with the price
    and stock of the store they are looking at."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="favourites"
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="favourited_by"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "product"], name="favourite_once_per_member")
        ]
        indexes = [models.Index(fields=["product"], name="favourite_product")]

    def __str__(self) -> str:
        return f"{self.member_id} ♥ {self.product_id}"
