from django.urls import path

from fulfillment import views

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("stores/<slug:store_code>/", views.pick_queue, name="staff-pick-queue"),
    path("stores/<slug:store_code>/tasks/<int:task_id>/", views.pick_task, name="staff-pick-task"),
    path(
        "stores/<slug:store_code>/tasks/<int:task_id>/labels/",
        views.bag_labels,
        name="staff-bag-labels",
    ),
    path("stores/<slug:store_code>/pack/", views.packing, name="staff-packing"),
    path("stores/<slug:store_code>/counter/", views.counter, name="staff-counter"),
    path("stores/<slug:store_code>/dispatch/", views.dispatch_board, name="staff-dispatch-board"),
    path(
        "stores/<slug:store_code>/dispatch/trips/<int:trip_id>/reassign/",
        views.reassign_trip,
        name="staff-reassign-trip",
    ),
]
