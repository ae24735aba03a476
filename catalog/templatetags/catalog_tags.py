from django import template
from django.utils.translation import get_language

from catalog import selectors

register = template.Library()


@register.filter
def localized(obj, field: str):
    """`{{ product|localized:"name" }}`: name_ja for Japanese readers, name_en otherwise; for a
    field with a plain `name` beside `name_ja` (a store's name, a product's origin and producer),
    that plain one when no translation fits."""
    language = "ja" if (get_language() or "en").startswith("ja") else "en"
    return (
        getattr(obj, f"{field}_{language}", "")
        or getattr(obj, f"{field}_en", "")
        or getattr(obj, field, "")
    )


@register.filter
def stars(rating) -> str:
    if rating is None:
        return ""
    full = round(float(rating))
    return "★" * full + "☆" * (5 - full)


@register.filter
def unit_price(offer):
    """`{% with u=offer|unit_price %}`: the offer's price per 100 g or 100 ml, or None."""
    return selectors.unit_price(offer)
