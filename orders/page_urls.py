"""Server-rendered pages of the orders app, included at the site root:

path("", include("orders.page_urls")),
"""

from django.urls import path

from orders import register_views, views

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("orders/", views.order_history, name="order-history"),
    path("orders/<str:number>/", views.order_page, name="order-page"),
    path("orders/<str:number>/exit-pass.svg", views.exit_pass_svg, name="order-exit-pass-svg"),
    path("staff/exit/", views.staff_exit, name="staff-exit"),
    path("staff/register/", register_views.register_screen, name="register"),
    path(
        "staff/register/sales/<str:number>/",
        register_views.register_sale_page,
        name="register-sale",
    ),
    path(
        "staff/register/sales/<str:number>/e-receipt.svg",
        register_views.register_e_receipt_qr,
        name="register-e-receipt-qr",
    ),
    path("r/<str:code>/", register_views.e_receipt, name="e-receipt"),
]
