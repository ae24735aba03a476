"""Members' JSON API, under /api/v1/."""

from django.urls import path

from members import api

urlpatterns = [
    path("favourites/", api.FavouriteListApi.as_view(), name="api-favourites"),
    path("favourites/state/", api.FavouriteStateApi.as_view(), name="api-favourites-state"),
    path("favourites/<str:sku>/", api.FavouriteApi.as_view(), name="api-favourite"),
    path("points/", api.PointsApi.as_view(), name="api-points"),
]
