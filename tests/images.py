"""Real image files for upload tests, made with Pillow (and, for hostile ones, by hand)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image

#: Where the GPS EXIF of `jpeg(gps=True)` says the photo was taken (Suzhou).
GPS = {1: "N", 2: (31.0, 18.0, 0.0), 3: "E", 4: (120.0, 37.0, 0.0)}


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A textured picture (a Mandelbrot set), so encoders produce realistic, non-trivial data."""
    grey = Image.effect_mandelbrot(size, (-2.0, -1.2, 0.8, 1.2), 40)
    rgb = Image.merge("RGB", (grey, grey.rotate(180), grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    if mode == "RGBA":
        rgb.putalpha(grey)
    return rgb.convert(mode)


def camera_exif(*, gps: bool = True, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme"
    exif[ExifTags.Base.Model] = "Phone 9"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(64, 48), *, gps: bool = False, orientation: int | None = None, **params) -> bytes:
    if gps or orientation:
        params["exif"] = camera_exif(gps=gps, orientation=orientation)
    return encode(picture(size), "JPEG", quality=90, **params)


def png(size=(64, 48), mode: str = "RGB", **params) -> bytes:
    return encode(picture(size, mode), "PNG", **params)


def webp(size=(64, 48), mode: str = "RGB", **params) -> bytes:
    return encode(picture(size, mode), "WEBP", **params)


def gif(size=(64, 48)) -> bytes:
    return encode(picture(size).convert("P"), "GIF")


def animated(fmt: str, size=(64, 48)) -> bytes:
    first = picture(size)
    second = first.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return encode(first, fmt, save_all=True, append_images=[second], duration=200, loop=0)


def mpo(size=(64, 48)) -> bytes:
    """A Multi-Picture JPEG: a second JPEG after the first one's EOI, declared in its MPF segment."""
    first = picture(size)
    return encode(
        first, "MPO", save_all=True, append_images=[first.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    )


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header claiming `width` x `height` with one tiny IDAT: a decompression bomb's announcement."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def png_with_chunk(ctype: bytes, body: bytes) -> bytes:
    """A valid PNG with an extra chunk inserted right after IHDR."""
    data = png()
    ihdr_end = 8 + 8 + 13 + 4
    return data[:ihdr_end] + png_chunk(ctype, body) + data[ihdr_end:]


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
