from django.urls import path

from fulfillment.consumers import (
    DispatchBoardConsumer,
    PackingConsumer,
    RiderConsumer,
    StoreFeedConsumer,
    ZoneQueueConsumer,
)

websocket_urlpatterns = [
    path("ws/staff/stores/<slug:store_code>/feed/", StoreFeedConsumer.as_asgi()),
    path("ws/staff/stores/<slug:store_code>/zones/<slug:zone>/", ZoneQueueConsumer.as_asgi()),
    path("ws/staff/stores/<slug:store_code>/packing/", PackingConsumer.as_asgi()),
    path("ws/rider/", RiderConsumer.as_asgi()),
    path("ws/staff/stores/<slug:store_code>/dispatch/", DispatchBoardConsumer.as_asgi()),
]
