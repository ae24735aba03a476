from django.urls import path

from orders.consumers import OrderConsumer

websocket_urlpatterns = [
    path("ws/orders/<str:number>/", OrderConsumer.as_asgi()),
]
