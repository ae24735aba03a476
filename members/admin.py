"""Manager screens of members: only what a store needs, its points rate. Members' favourites,
points, messages and push subscriptions are theirs, not a store's, and have no admin screen."""

from django.contrib import admin

from members.models import StorePointsRule
from stores.admin_scoping import StoreScopedAdmin


@admin.register(StorePointsRule)
class StorePointsRuleAdmin(StoreScopedAdmin):
    list_display = ("store", "spend_per_point", "earns_points")
    list_filter = ("earns_points",)
