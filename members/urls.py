"""Member pages, included at the site root: path("", include("members.urls"))."""

from django.urls import path

from members import views

urlpatterns = [
    path("account/export/", views.export_my_data, name="account-export"),
    path("account/close/", views.close_my_account, name="account-close"),
]
urlpatterns += [
    path("wallet/", views.wallet, name="wallet"),
    path("favourites/", views.favourites, name="favourites"),
    path("points/", views.points, name="points"),
    path("inbox/", views.inbox, name="inbox"),
    path("nearby/", views.nearby, name="nearby"),
    path("account/notifications/", views.notification_settings, name="notification-settings"),
]
