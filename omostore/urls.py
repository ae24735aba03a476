from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import member_qr_views
from fulfillment import views as fulfillment_views
from omostore import views
from omostore.api_docs import ApiDocsPermission, ApiDocsView

admin.site.site_header = "OMO Store management"
admin.site.site_title = "OMO Store"

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("catalog.api_urls")),
    path("", include("payments.urls")),
    path("", include("orders.urls")),
    path("", include("fulfillment.api_urls")),
    path("", include("members.api_urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    path("healthz/ready", views.healthz_ready, name="healthz-ready"),
    path("ping", views.ping, name="ping"),
    path("", include("catalog.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("lang/<str:code>/", views.switch_language, name="switch-language"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/<str:number>/tracking/", fulfillment_views.order_tracking, name="order-tracking"),
    path("", include("accounts.page_urls")),
    path("", include("members.urls")),
    path("me/qr/", member_qr_views.member_qr_page, name="member-qr"),
    path("me/qr.svg", member_qr_views.member_qr_svg, name="member-qr-svg"),
    path("", include("orders.page_urls")),
    path("staff/", include("fulfillment.urls")),
    path(
        "orders/<str:number>/pickup-code.svg",
        fulfillment_views.pickup_code_svg,
        name="order-pickup-code-svg",
    ),
    path("rider/", include("fulfillment.rider_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[ApiDocsPermission]),
        name="api-schema",
    ),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:  # product photos in development; production serves MEDIA_URL from its storage
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "omostore.views.bad_request"
handler403 = "omostore.views.permission_denied"
handler404 = "omostore.views.page_not_found"
