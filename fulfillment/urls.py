from django.urls import path

from fulfillment import views

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("stores/<slug:store_code>/feed/", views.store_feed, name="staff-store-feed"),
]
