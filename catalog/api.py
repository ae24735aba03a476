"""Catalogue API: stores, a scan, product search and reviews. One view per operation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.models import Product, ScanEvent, StoreOffer, TemperatureZone
from catalog.views import current_member_id, device_id, remember_device
from omostore.errors import DomainError, Forbidden, NotFound
from omostore.money import Money
from omostore.pagination import PageNumberPagination
from omostore.ratelimit import enforce_rate_limit
from omostore.schema import error_response
from omostore.serializers import MoneySerializer, WallClockTimeField
from stores import selectors as store_selectors


def _localized(obj, field: str) -> dict:
    return {"en": getattr(obj, f"{field}_en"), "ja": getattr(obj, f"{field}_ja")}


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    rating = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    verified_purchase = serializers.BooleanField()
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_author(self, review) -> str:
        return review.member.user.display_name or "Member"


class UnitPriceSerializer(serializers.Serializer):
    price = MoneySerializer()
    per = serializers.ChoiceField(choices=["100 g", "100 ml"])


class OfferOutputSerializer(serializers.Serializer):
    """A store's offer of a product, as search results and the scan show it."""

    sku = serializers.CharField(source="product.sku")
    barcode = serializers.CharField(source="product.barcode")
    name = serializers.SerializerMethodField()
    zone = serializers.CharField(source="product.zone")
    category = serializers.CharField(source="product.category.slug")
    price = serializers.SerializerMethodField()
    regular_price = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField()
    stock_state = serializers.SerializerMethodField()
    aisle = serializers.CharField()
    bay = serializers.IntegerField(allow_null=True)

    def get_name(self, offer) -> dict:
        return _localized(offer.product, "name")

    @extend_schema_field(MoneySerializer)
    def get_price(self, offer) -> dict:
        return offer.current_price().as_dict()

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_regular_price(self, offer) -> dict | None:
        if not offer.markdown_active():
            return None
        return Money(offer.price, offer.store.currency).as_dict()

    @extend_schema_field(UnitPriceSerializer(allow_null=True))
    def get_unit_price(self, offer) -> dict | None:
        """The current price per 100 g (per 100 ml for drinks); null for a piece without a
        net content."""
        unit = selectors.unit_price(offer)
        if unit is None:
            return None
        return {"price": unit.price.as_dict(), "per": unit.per}

    def get_stock_state(self, offer) -> str:
        return selectors.stock_state(offer)


class StoreListApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        name_ja = serializers.CharField()
        address = serializers.CharField()
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()
        time_zone = serializers.CharField()
        currency = serializers.CharField()
        delivery_radius_m = serializers.IntegerField()
        opens_at = WallClockTimeField()
        closes_at = WallClockTimeField()

    @extend_schema(responses=OutputSerializer(many=True), auth=[])
    def get(self, request):
        return Response(self.OutputSerializer(store_selectors.active_stores(), many=True).data)


class ScanApi(APIView):
    """What a shelf label shows: the product page's content as JSON. Records the scan."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        class RecipeSerializer(serializers.Serializer):
            class IngredientSerializer(serializers.Serializer):
                sku = serializers.CharField(allow_null=True)
                name = serializers.DictField(child=serializers.CharField())
                quantity = serializers.CharField()
                aisle = serializers.CharField(allow_null=True)
                in_this_store = serializers.BooleanField()

            slug = serializers.CharField()
            title = serializers.DictField(child=serializers.CharField())
            summary = serializers.DictField(child=serializers.CharField())
            minutes = serializers.IntegerField()
            servings = serializers.IntegerField()
            steps = serializers.DictField(child=serializers.ListField())
            ingredients = IngredientSerializer(many=True)

        class ProductSerializer(serializers.Serializer):
            sku = serializers.CharField()
            barcode = serializers.CharField()
            name = serializers.DictField(child=serializers.CharField())
            description = serializers.DictField(child=serializers.CharField(allow_blank=True))
            origin = serializers.CharField(allow_blank=True)
            origin_ja = serializers.CharField(
                allow_blank=True, read_only=True, help_text="Blank when only `origin` is known."
            )
            producer = serializers.CharField(allow_blank=True)
            producer_ja = serializers.CharField(
                allow_blank=True, read_only=True, help_text="Blank when only `producer` is known."
            )
            zone = serializers.ChoiceField(choices=TemperatureZone.choices)
            sold_by = serializers.ChoiceField(choices=Product.SoldBy.choices)
            category = serializers.DictField(child=serializers.CharField())

        class RatingSerializer(serializers.Serializer):
            average = serializers.FloatField(allow_null=True)
            count = serializers.IntegerField()
            distribution = serializers.DictField(child=serializers.IntegerField())

        code = serializers.CharField()
        store = serializers.DictField()
        product = ProductSerializer()
        offer = OfferOutputSerializer()
        markdown = serializers.DictField(allow_null=True)
        rating = RatingSerializer()
        reviews = ReviewOutputSerializer(many=True)
        reviews_more = serializers.BooleanField()
        recipes = RecipeSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("store", str, description="Refuse labels of any other store"),
            OpenApiParameter("source", str, enum=["in_app", "typed", "camera"]),
        ],
        responses={
            200: OutputSerializer,
            400: error_response("invalid_request: `source` is not in_app, typed or camera."),
            404: error_response(
                "not_found: no active shelf label has this code (in this `store`), or the "
                "store is unknown."
            ),
        },
        auth=[],
    )
    def get(self, request, code: str):
        store_code = request.query_params.get("store") or None
        snapshot = selectors.label_snapshot(code=code, store_code=store_code)
        if snapshot is None:
            if store_code and store_selectors.store_by_code(code=store_code) is None:
                raise NotFound("Unknown store.")
            raise NotFound("No active shelf label has this code.")
        source = request.query_params.get("source", ScanEvent.Source.IN_APP)
        if source not in ScanEvent.Source.values:
            raise DomainError("source must be in_app, typed or camera.")
        body = self._body(snapshot)
        if body is None:  # the label was deactivated between the two reads of a cache miss
            raise NotFound("No active shelf label has this code.")
        services.record_scan(
            label_id=snapshot.label_id,
            store_id=snapshot.store_id,
            product_id=snapshot.product_id,
            source=source,
            member_id=current_member_id(request),
            device_id=device_id(request),
        )
        return remember_device(request, Response(body))

    def _body(self, snapshot: selectors.LabelSnapshot) -> dict | None:
        """The whole answer, cached as the scan page is (`selectors.cached_label_rendering`):
        price, markdown and stock state are those just read, reviews and recipes those of the
        product's current content version. It holds both languages, so one per label state."""
        return selectors.cached_label_rendering(
            snapshot=snapshot,
            kind="catalog:scan-api",
            render=lambda label: (
                self.OutputSerializer(scan_content(offer=label.offer, code=label.code)).data
            ),
        )


def _markdown(offer: StoreOffer) -> dict | None:
    if not offer.markdown_active():
        return None
    return {
        "price": Money(offer.markdown_price, offer.store.currency).as_dict(),
        "regular_price": Money(offer.price, offer.store.currency).as_dict(),
        "ends_at": offer.markdown_ends_at,
    }


def scan_content(*, offer: StoreOffer, code: str) -> dict:
    product, store = offer.product, offer.store
    reviews, more = selectors.review_page(product=product, page=1)
    rating = selectors.rating_summary(product=product)
    recipes = selectors.recipes_using(product=product, store=store)
    return {
        "code": code,
        "store": {"code": store.code, "name": store.name, "currency": store.currency},
        "product": {
            "sku": product.sku,
            "barcode": product.barcode,
            "name": _localized(product, "name"),
            "description": _localized(product, "description"),
            "origin": product.origin,
            "origin_ja": product.origin_ja,
            "producer": product.producer,
            "producer_ja": product.producer_ja,
            "zone": product.zone,
            "sold_by": product.sold_by,
            "category": _localized(product.category, "name"),
        },
        "offer": offer,
        "markdown": _markdown(offer),
        "rating": rating.__dict__,
        "reviews": reviews,
        "reviews_more": more,
        "recipes": [
            {
                "slug": recipe.slug,
                "title": _localized(recipe, "title"),
                "summary": _localized(recipe, "summary"),
                "minutes": recipe.minutes,
                "servings": recipe.servings,
                "steps": _localized(recipe, "steps"),
                "ingredients": [_ingredient(i) for i in recipe.ingredient_list],
            }
            for recipe in recipes
        ],
    }


def _ingredient(ingredient) -> dict:
    if ingredient.product is None:
        return {
            "sku": None,
            "name": {"en": ingredient.text, "ja": ingredient.text},
            "quantity": ingredient.quantity,
            "aisle": None,
            "in_this_store": False,
        }
    offer = ingredient.offer_here
    return {
        "sku": ingredient.product.sku,
        "name": _localized(ingredient.product, "name"),
        "quantity": ingredient.quantity,
        "aisle": offer.aisle if offer else None,
        "in_this_store": offer is not None,
    }


class ProductSearchApi(APIView):
    """A store's offers matching a text, a category or a zone, a page at a time."""

    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        category = serializers.SlugField(required=False, allow_blank=True, default="")
        zone = serializers.ChoiceField(
            choices=TemperatureZone.choices, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        parameters=[InputSerializer],
        responses={
            200: OfferOutputSerializer(many=True),
            404: error_response("not_found: unknown store, or no such page."),
        },
        auth=[],
    )
    def get(self, request, store_code: str):
        store = store_selectors.store_by_code(code=store_code)
        if store is None:
            raise NotFound("Unknown store.")
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        offers = selectors.search_offers(
            store=store,
            query=params.validated_data["q"],
            category=params.validated_data["category"],
            zone=params.validated_data["zone"],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(offers, request, view=self)
        return paginator.get_paginated_response(OfferOutputSerializer(page, many=True).data)


class ProductReviewsApi(APIView):
    """Published reviews of a product, newest first; members post (or update) theirs."""

    pagination_class = PageNumberPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    class InputSerializer(serializers.Serializer):
        rating = serializers.IntegerField(min_value=1, max_value=5)
        title = serializers.CharField(
            max_length=120, required=False, allow_blank=True, default="", trim_whitespace=True
        )
        text = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=True
        )

    @extend_schema(
        responses={
            200: ReviewOutputSerializer(many=True),
            404: error_response("not_found: unknown product, or no such page."),
        },
        auth=[],
    )
    def get(self, request, sku: str):
        product = get_object_or_404(Product, sku=sku)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.published_reviews(product=product), request, view=self
        )
        return paginator.get_paginated_response(ReviewOutputSerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: ReviewOutputSerializer,
            200: OpenApiResponse(
                ReviewOutputSerializer, description="The member's review, updated."
            ),
            403: error_response("not_authenticated, or forbidden: only members write reviews."),
            429: error_response("rate_limited: more than 5 reviews a minute."),
        },
    )
    def post(self, request, sku: str):
        product = get_object_or_404(Product, sku=sku)
        member_id = current_member_id(request)
        if member_id is None:
            raise Forbidden("Only members can write reviews.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enforce_rate_limit(
            key=f"review:{request.user.pk}", limit=5, window_seconds=60, action="reviews"
        )
        review, created = services.write_review(
            product=product, member_id=member_id, **data.validated_data
        )
        review = selectors.published_reviews(product=product).filter(pk=review.pk).first() or review
        return Response(
            ReviewOutputSerializer(review).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
