"""Product photos as managers upload them, made fit for a phone: at most PHOTO_MAX_SIDE pixels
on the long side, turned the way the camera meant (EXIF), saved as a JPEG."""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from catalog.models import Product

PHOTO_MAX_SIDE = 1200
PHOTO_QUALITY = 85


def shrink_product_photo(*, product: Product, max_side: int = PHOTO_MAX_SIDE) -> None:
    """Replace the product's newly uploaded photo (not saved yet) with a JPEG of at most
    `max_side` pixels on its long side. The caller saves the product."""
    upload = product.image
    upload.open("rb")
    with Image.open(upload) as original:
        picture = ImageOps.exif_transpose(original)
        if picture.mode not in ("RGB", "L"):
            flat = Image.new("RGB", picture.size, "white")  # transparency onto white
            flat.paste(picture, mask=picture.convert("RGBA").getchannel("A"))
            picture = flat
        picture.thumbnail((max_side, max_side))
        out = io.BytesIO()
        picture.convert("RGB").save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    name = f"{PurePosixPath(upload.name).stem or product.sku}.jpg"
    product.image.save(name, ContentFile(out.getvalue()), save=False)
