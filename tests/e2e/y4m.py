"""A fake camera for Chromium: a still picture written as a Y4M video (pure Python and Pillow).

Chromium's `--use-file-for-fake-video-capture=<file>.y4m` plays the file in a loop as the
camera that `getUserMedia` opens, so a QR code pasted on a white frame is what the in-app scanner
sees when it is pointed at a shelf label.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT = 640, 480


def qr_frame(
    png: bytes, *, size: tuple[int, int] = (WIDTH, HEIGHT), qr_px: int = 300
) -> Image.Image:
    """The QR code PNG scaled to about `qr_px` pixels, centred on a white canvas of `size`."""
    qr = Image.open(io.BytesIO(png)).convert("RGB")
    # Nearest neighbour keeps the modules sharp-edged black and white.
    qr = qr.resize((qr_px, qr_px), Image.Resampling.NEAREST)
    canvas = Image.new("RGB", size, "white")
    canvas.paste(qr, ((size[0] - qr_px) // 2, (size[1] - qr_px) // 2))
    return canvas


def yuv420_planes(image: Image.Image) -> bytes:
    """The picture as planar Y'CbCr 4:2:0 (full-range JPEG matrix, centred chroma: C420jpeg)."""
    width, height = image.size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    y, cb, cr = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    return (
        y.tobytes()
        + cb.resize(half, Image.Resampling.BOX).tobytes()
        + cr.resize(half, Image.Resampling.BOX).tobytes()
    )


def write_y4m(path: Path, image: Image.Image, *, frames: int = 30, fps: int = 15) -> Path:
    """Write `frames` identical frames of `image` at `fps` frames a second to `path`."""
    width, height = image.size
    frame = yuv420_planes(image)
    with Path(path).open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(frame)
    return Path(path)


def write_qr_video(path: Path, png: bytes, **options) -> Path:
    """A Y4M video of the QR code PNG `png`, ready to be Chromium's fake camera."""
    return write_y4m(path, qr_frame(png), **options)
