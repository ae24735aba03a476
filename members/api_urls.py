"""Members' JSON API, under /api/v1/."""

from django.urls import path

from members import api

urlpatterns = [
    path("favourites/", api.FavouriteListApi.as_view(), name="api-favourites"),
    path("favourites/state/", api.FavouriteStateApi.as_view(), name="api-favourites-state"),
    path("favourites/<str:sku>/", api.FavouriteApi.as_view(), name="api-favourite"),
    path("points/", api.PointsApi.as_view(), name="api-points"),
    path("push/key/", api.PushKeyApi.as_view(), name="api-push-key"),
    path("push/subscriptions/", api.PushSubscriptionApi.as_view(), name="api-push-subscriptions"),
    path("inbox/", api.InboxApi.as_view(), name="api-inbox"),
    path("nearby/", api.NearbyApi.as_view(), name="api-nearby"),
    path("inbox/read/", api.InboxReadApi.as_view(), name="api-inbox-read"),
    path(
        "notifications/preferences/",
        api.NotificationPreferencesApi.as_view(),
        name="api-notification-preferences",
    ),
]
