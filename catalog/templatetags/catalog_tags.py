from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localized(obj, field: str):
    """`{{ product|localized:"name" }}`: name_ja for Japanese readers, name_en otherwise."""
    language = "ja" if (get_language() or "en").startswith("ja") else "en"
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_en", "")


@register.filter
def stars(rating) -> str:
    if rating is None:
        return ""
    full = round(float(rating))
    return "★" * full + "☆" * (5 - full)
