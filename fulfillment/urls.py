from django.urls import path

from fulfillment import views

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("stores/<slug:store_code>/feed/", views.store_feed, name="staff-store-feed"),
    path("stores/<slug:store_code>/dispatch/", views.dispatch_board, name="staff-dispatch-board"),
    path(
        "stores/<slug:store_code>/dispatch/trips/<int:trip_id>/reassign/",
        views.reassign_trip,
        name="staff-reassign-trip",
    ),
]
