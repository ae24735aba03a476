from django.urls import path

from orders.consumers import HistoryConsumer, OrderConsumer

websocket_urlpatterns = [
    path("ws/history/", HistoryConsumer.as_asgi()),
    path("ws/orders/<str:number>/", OrderConsumer.as_asgi()),
]
