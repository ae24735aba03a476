from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<path:code>", views.label_page, name="label-page"),
    path("stores/<slug:store_code>/products/<str:sku>/", views.product_page, name="product-page"),
    path(
        "stores/<slug:store_code>/products/<str:sku>/reviews/",
        views.product_reviews,
        name="product-reviews",
    ),
    path(
        "stores/<slug:store_code>/products/<str:sku>/review/",
        views.post_review,
        name="post-review",
    ),
    path("search/", views.search, name="search"),
    path("scan/", views.scanner, name="scanner"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
