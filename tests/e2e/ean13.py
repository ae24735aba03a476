"""A real JAN/EAN-13 barcode drawn with Pillow (the GS1 encoding: guard bars, L/G/R digit
patterns, the first digit as the parity pattern of the left half), for Chromium's fake camera."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tests.e2e.y4m import HEIGHT, WIDTH

_L = [
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
]
_G = ["".join("1" if b == "0" else "0" for b in code)[::-1] for code in _L]
_R = ["".join("1" if b == "0" else "0" for b in code) for code in _L]
_PARITY = [
    "LLLLLL",
    "LLGLGG",
    "LLGGLG",
    "LLGGGL",
    "LGLLGG",
    "LGGLLG",
    "LGGGLL",
    "LGLGLG",
    "LGLGGL",
    "LGGLGL",
]


def modules(code: str) -> str:
    """The 95 modules (1 = bar) of a 13-digit EAN-13 code."""
    if len(code) != 13 or not code.isdigit():
        raise ValueError("an EAN-13 code is 13 digits")
    parity = _PARITY[int(code[0])]
    left = "".join((_L if p == "L" else _G)[int(d)] for p, d in zip(parity, code[1:7], strict=True))
    right = "".join(_R[int(d)] for d in code[7:])
    return "101" + left + "01010" + right + "101"


def ean13_frame(code: str, *, module_px: int = 4, size=(WIDTH, HEIGHT)) -> Image.Image:
    """The barcode, `module_px` pixels per module, centred on a white frame with quiet zones."""
    bars = modules(code)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    left = (size[0] - len(bars) * module_px) // 2
    top, bottom = size[1] // 4, size[1] * 3 // 4
    for index, bit in enumerate(bars):
        if bit == "1":
            x = left + index * module_px
            draw.rectangle([x, top, x + module_px - 1, bottom], fill="black")
    return image
