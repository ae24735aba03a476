"""Serializers every app's API shares."""

from rest_framework import serializers


class MoneySerializer(serializers.Serializer):
    """`omostore.money.Money` as the API shows every price: `{amount, currency, formatted}`."""

    amount = serializers.IntegerField()
    currency = serializers.CharField()
    formatted = serializers.CharField()

    def to_representation(self, instance):
        return instance.as_dict() if instance is not None else None
