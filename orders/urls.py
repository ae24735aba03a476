from django.urls import path

from orders import api, register_views

urlpatterns = [
    path("cart/", api.CartApi.as_view(), name="api-cart"),
    path("cart/lines/", api.CartLinesApi.as_view(), name="api-cart-lines"),
    path("cart/lines/<int:line_id>/", api.CartLineApi.as_view(), name="api-cart-line"),
    path("cart/recipes/<slug:slug>/", api.CartRecipeApi.as_view(), name="api-cart-recipe"),
    path("checkout/", api.CheckoutApi.as_view(), name="api-checkout"),
    path("orders/", api.OrderListApi.as_view(), name="api-orders"),
    path("orders/<str:number>/", api.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<str:number>/cancel/", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<str:number>/pay/", api.OrderPayApi.as_view(), name="api-order-pay"),
    path("orders/<str:number>/exit-pass/", api.ExitPassApi.as_view(), name="api-exit-pass"),
    path("staff/exit-passes/verify/", api.ExitPassVerifyApi.as_view(), name="api-exit-pass-verify"),
    path("staff/orders/<str:number>/", api.StaffOrderApi.as_view(), name="api-staff-order"),
    path(
        "staff/orders/<str:number>/cancel/",
        api.StaffOrderCancelApi.as_view(),
        name="api-staff-order-cancel",
    ),
    path(
        "staff/orders/<str:number>/refunds/",
        api.StaffOrderRefundApi.as_view(),
        name="api-staff-order-refunds",
    ),
    path(
        "staff/register/items/", register_views.RegisterItemApi.as_view(), name="api-register-item"
    ),
    path(
        "staff/register/member/",
        register_views.RegisterMemberApi.as_view(),
        name="api-register-member",
    ),
    path(
        "staff/register/sales/", register_views.RegisterSaleApi.as_view(), name="api-register-sales"
    ),
    path(
        "staff/register/sales/<str:number>/refunds/",
        register_views.RegisterRefundApi.as_view(),
        name="api-register-refunds",
    ),
]
