from django.urls import path

from payments import api

urlpatterns = [
    path(
        "payments/webhooks/stripe/",
        api.StripeWebhookApi.as_view(),
        name="api-payment-webhook-stripe",
    ),
    path(
        "payments/webhooks/test/",
        api.TestWebhookApi.as_view(),
        name="api-payment-webhook-test",
    ),
    path(
        "payments/test/<int:payment_id>/confirm/",
        api.TestPaymentConfirmApi.as_view(),
        name="api-test-payment-confirm",
    ),
    path("wallet/", api.WalletApi.as_view(), name="api-wallet"),
    path("wallet/top-ups/", api.WalletTopUpApi.as_view(), name="api-wallet-top-ups"),
]
