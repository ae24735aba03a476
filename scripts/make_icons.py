"""Draw the PWA icons in static/icons/ (run: .venv/bin/python scripts/make_icons.py).

The PNGs are committed; rerun this only to change the artwork. Every icon is drawn at four times
its size and scaled down, which gives smooth edges without an anti-aliasing library.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (10, 108, 255, 255)  # #0a6cff, the site's --brand and theme-color
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4
ICONS_DIR = Path(__file__).resolve().parent.parent / "static" / "icons"


def draw_basket(draw: ImageDraw.ImageDraw, *, left: float, top: float, size: float) -> None:
    """Draw a white shopping basket in the square (left, top, size); coordinates are in 1/1000."""

    def xy(x: float, y: float) -> tuple[float, float]:
        return (left + x * size / 1000, top + y * size / 1000)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
        return (*xy(x0, y0), *xy(x1, y1))

    stroke = size * 70 / 1000
    # Handle: the upper half of a circle standing on the rim.
    draw.arc(box(250, 160, 750, 660), start=180, end=360, fill=WHITE, width=round(stroke))
    # Rim across the top of the basket.
    draw.rounded_rectangle(box(90, 400, 910, 520), radius=size * 45 / 1000, fill=WHITE)
    # Body: a trapezoid narrowing towards the bottom.
    draw.polygon([xy(150, 500), xy(850, 500), xy(760, 880), xy(240, 880)], fill=WHITE)
    # Slots cut back out in blue, so it reads as a woven basket at every size.
    for x in (330, 470, 610):
        draw.rounded_rectangle(box(x, 580, x + 60, 800), radius=size * 30 / 1000, fill=BRAND)


def render(*, size: int, rounded: bool, mark_fraction: float) -> Image.Image:
    """A square icon: blue background (rounded corners or full bleed) and a centred basket.

    mark_fraction is the width of the basket's square as a share of the icon.
    """
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BRAND)
    else:
        draw.rectangle((0, 0, big, big), fill=BRAND)
    mark = big * mark_fraction
    # A basket is wider at the top than the bottom: nudge it up a little so it looks centred.
    draw_basket(draw, left=(big - mark) / 2, top=(big - mark) / 2 - big * 0.02, size=mark)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    icons = {
        # Launcher icons: the rounded square is the shape itself, with transparent corners.
        "icon-192.png": render(size=192, rounded=True, mark_fraction=0.68),
        "icon-512.png": render(size=512, rounded=True, mark_fraction=0.68),
        # Maskable: full bleed, the mark inside the central 80 % circle the platform may keep.
        "maskable-512.png": render(size=512, rounded=False, mark_fraction=0.6),
        # iOS rounds the corners itself and shows transparency as black: full bleed, opaque.
        "apple-touch-icon.png": render(size=180, rounded=False, mark_fraction=0.66),
    }
    for name, image in icons.items():
        if name == "apple-touch-icon.png":
            image = image.convert("RGB")
        image.save(ICONS_DIR / name, optimize=True)
        print(f"wrote {ICONS_DIR / name} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
