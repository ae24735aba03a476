"""Shelf label QR codes: a plain URL that any phone camera opens, drawn as crisp SVG for print."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe

from catalog.models import ShelfLabel
from stores.models import Store


def label_url(*, label: ShelfLabel, store: Store, fallback_base_url: str) -> str:
    base = (store.public_base_url or fallback_base_url).rstrip("/")
    return f"{base}/s/{label.code}"


def qr_svg(data: str) -> SafeString:
    """An inline SVG QR code (error correction M: survives a scuffed label)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    qr.add_data(data)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    # The data is our own URL of [A-Za-z0-9:/.-] and qrcode emits only path data: safe to inline.
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308


def qr_png(data: str) -> bytes:
    import io

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=12)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
