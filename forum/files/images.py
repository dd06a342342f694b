"""Images from strangers, decoded and re-encoded with Pillow before anything is stored.

Why re-encode: the stored file is pixels written by Pillow, so whatever rode along in the upload is
gone: EXIF (GPS position, camera serial, dates), XMP, comments, text chunks, trailing bytes (an HTML
or script polyglot after the image data). The ICC colour profile is kept when the colour mode is
unchanged (it describes a colour space, not a person; dropping it would shift the colours of wide-gamut
screenshots and photos); it is dropped when a CMYK JPEG is converted to RGB.

Bombs: width, height and pixel count are read from the header and refused above MAX_SIDE and
MAX_PIXELS before any pixel is decoded; Pillow's own guard (Image.MAX_IMAGE_PIXELS) is set to the same
cap and its warning is an error. Animations (GIF, WebP) keep at most MAX_FRAMES frames and at most
MAX_ANIMATION_PIXELS pixels in all. The EXIF orientation is applied before the metadata goes, so a
phone photo shows the right way up. The preview is at most PREVIEW_WIDTH pixels wide, same format.
"""
from __future__ import annotations

import io
import warnings
from typing import NamedTuple

from PIL import Image, ImageOps

from forum.files.types import FIELD, GIF, JPEG, PNG, WEBP, FileType
from forum.services.errors import ValidationError

MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000
MAX_FRAMES = 50
MAX_ANIMATION_PIXELS = 24_000_000  # frames × width × height held at once (RGBA: ≤ 96 MB); 50 × 800×600
PREVIEW_WIDTH = 1024
JPEG_QUALITY = 85
WEBP_QUALITY = 85

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WEBP"}
TOO_LARGE_MESSAGE = (
    f"Cette image est trop grande : {MAX_SIDE} pixels de côté et {MAX_PIXELS // 1_000_000} millions de "
    "pixels au plus. Réduisez-la puis envoyez-la à nouveau."
)
UNREADABLE_MESSAGE = (
    "Cette image est illisible ou endommagée (ou n'est pas vraiment une image) : "
    "enregistrez-la à nouveau puis envoyez-la."
)


class CleanImage(NamedTuple):
    """Re-encoded image and its preview; `preview is data` when the image is narrow enough already."""

    data: bytes
    preview: bytes
    width: int
    height: int


def clean_image(data: bytes, file_type: FileType) -> CleanImage:
    """Decode `data` as `file_type` (one of the image types) and re-encode it without its metadata.
    Raises ValidationError("file", TOO_LARGE_MESSAGE) for images over the caps (decompression bombs)
    and ValidationError("file", UNREADABLE_MESSAGE) for anything the decoder cannot read whole."""
    pillow_format = _PILLOW_FORMATS[file_type]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                _check_dimensions(*image.size)
                frames, durations = _decode_frames(image, pillow_format)
                options = _save_options(image, pillow_format, data)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(FIELD, TOO_LARGE_MESSAGE) from None
        except Exception:  # noqa: BLE001 - any decoder failure means "not an image we can trust"
            raise ValidationError(FIELD, UNREADABLE_MESSAGE) from None
    width, height = frames[0].size
    clean = _encode(frames, durations, pillow_format, options)
    if width <= PREVIEW_WIDTH:
        return CleanImage(clean, clean, width, height)
    preview_height = max(1, round(height * PREVIEW_WIDTH / width))
    small = [_resize(frame, (PREVIEW_WIDTH, preview_height)) for frame in frames]
    return CleanImage(clean, _encode(small, durations, pillow_format, options), width, height)


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise ValidationError(FIELD, UNREADABLE_MESSAGE)
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(FIELD, TOO_LARGE_MESSAGE)


def _decode_frames(image: Image.Image, pillow_format: str) -> tuple[list[Image.Image], list[int]]:
    """Every kept frame decoded whole (a truncated file fails here), orientation applied to stills."""
    if not getattr(image, "is_animated", False):
        image.load()
        # In place: a copy would hold a third full-size image (~20 MB for a 5 MB photo) at the peak.
        ImageOps.exif_transpose(image, in_place=True)
        still = image.convert("RGB") if pillow_format == "JPEG" and image.mode not in ("RGB", "L") else image
        return [_bare(still)], []
    budget = max(1, MAX_ANIMATION_PIXELS // (image.width * image.height))
    frames: list[Image.Image] = []
    durations: list[int] = []
    for index in range(min(MAX_FRAMES, budget)):
        try:
            image.seek(index)
        except EOFError:
            break
        image.load()
        frames.append(_bare(image.convert("RGBA")))
        durations.append(int(image.info.get("duration") or 100))
    return frames, durations


def _bare(image: Image.Image) -> Image.Image:
    """A copy with the pixels, the palette and the transparency, and none of the metadata."""
    copy = image.copy()
    kept = {key: image.info[key] for key in ("transparency",) if key in image.info}
    copy.info = kept
    return copy


def _save_options(image: Image.Image, pillow_format: str, data: bytes) -> dict:
    options: dict = {}
    icc = image.info.get("icc_profile")
    if icc and not (pillow_format == "JPEG" and image.mode == "CMYK"):
        options["icc_profile"] = icc
    if pillow_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif pillow_format == "WEBP":
        # A lossless source (screenshots) stays lossless: lossy WebP blurs text.
        options.update(lossless=data[12:16] == b"VP8L", quality=WEBP_QUALITY)
    elif pillow_format == "PNG":
        options.update(optimize=False, compress_level=6)
    if getattr(image, "is_animated", False):
        options["loop"] = int(image.info.get("loop", 0) or 0)
    return options


def _encode(frames: list[Image.Image], durations: list[int], pillow_format: str, options: dict) -> bytes:
    out = io.BytesIO()
    if len(frames) > 1 or durations:
        frames[0].save(
            out, pillow_format, save_all=True, append_images=frames[1:], duration=durations,
            **({"disposal": 2} if pillow_format == "GIF" else {}), **options,
        )
    else:
        frames[0].save(out, pillow_format, **options)
    return out.getvalue()


def _resize(frame: Image.Image, size: tuple[int, int]) -> Image.Image:
    if frame.mode in ("P", "1"):
        frame = frame.convert("RGBA")
    resized = frame.resize(size, Image.Resampling.LANCZOS)
    resized.info = dict(frame.info)
    return resized
