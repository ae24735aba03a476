"""Every websocket route of the site, gathered from the apps' routing modules."""

from fulfillment.routing import websocket_urlpatterns as fulfillment_routes
from orders.routing import websocket_urlpatterns as orders_routes

websocket_urlpatterns = [*fulfillment_routes, *orders_routes]
