"""Serializers every app's API shares."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class MoneySerializer(serializers.Serializer):
    """`omostore.money.Money` as the API shows every price: `{amount, currency, formatted}`."""

    amount = serializers.IntegerField()
    currency = serializers.CharField()
    formatted = serializers.CharField()

    def to_representation(self, instance):
        return instance.as_dict() if instance is not None else None


class StrictCharField(serializers.CharField):
    """A CharField that takes only a JSON string: DRF's own turns a number into its digits
    (`{"display_name": 0}` would become "0"), which the schema (`type: string`) forbids."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        "example": "07:00:00",
        "description": "A wall-clock time (HH:MM:SS) in the store's time zone, without an "
        "offset; the same opening and closing time means open around the clock.",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day as a store's clock shows it. Not OpenAPI's `format: time`, which is an
    RFC 3339 time with an offset: an opening hour has none (it follows the store's zone, whatever
    the season)."""
