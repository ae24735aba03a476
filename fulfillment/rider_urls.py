from django.urls import path

from fulfillment import rider_views as views

urlpatterns = [
    path("", views.rider_home, name="rider-home"),
    path("scan/", views.scan_bag, name="rider-scan"),
    path("stops/<int:stop_id>/deliver/", views.deliver, name="rider-deliver"),
    path("stops/<int:stop_id>/fail/", views.fail, name="rider-fail"),
    path("back/", views.back, name="rider-back"),
    path("duty/", views.duty, name="rider-duty"),
    path("sharing/", views.sharing, name="rider-sharing"),
]
