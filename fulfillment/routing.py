from django.urls import path

from fulfillment.consumers import StoreFeedConsumer

websocket_urlpatterns = [
    path("ws/staff/stores/<slug:store_code>/feed/", StoreFeedConsumer.as_asgi()),
]
