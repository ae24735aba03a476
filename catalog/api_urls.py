from django.urls import path

from catalog import api

urlpatterns = [
    path("stores/", api.StoreListApi.as_view(), name="api-stores"),
    path("scan/<str:code>/", api.ScanApi.as_view(), name="api-scan"),
    path("stores/<slug:store_code>/products/", api.ProductSearchApi.as_view(), name="api-products"),
    path("products/<str:sku>/reviews/", api.ProductReviewsApi.as_view(), name="api-reviews"),
]
