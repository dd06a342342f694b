"""Uploaded files are checked, not trusted: the type comes from the content, images are re-encoded
without their metadata, bombs and polyglots are refused, names are made safe, and no NIR/INS gets in
through a file name or a TXT/CSV file. Every file is built here, in the test."""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from forum.files import images, names
from forum.files.check import EMPTY_MESSAGE, check_upload
from forum.files.types import MACRO_MESSAGE, REFUSED_MESSAGE
from forum.services.errors import ValidationError

SECRET = b"Cabinet du Dr Secret"
BODY = "1851275123456"
NIR = f"1 85 12 75 123 456 {97 - int(BODY) % 97:02d}"


def image_bytes(fmt: str, size=(64, 48), color="red", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.ImageDescription] = SECRET.decode()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 21.0, 7.0)
    return exif


def refusal(filename: str, data: bytes, **kwargs) -> str:
    with pytest.raises(ValidationError) as raised:
        check_upload(filename, data, **kwargs)
    assert raised.value.field == "file"
    return raised.value.message


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compression)
    return out.getvalue()


def opendocument(mime: str) -> bytes:
    return zip_bytes({"mimetype": mime.encode(), "content.xml": b"<office:document-content/>",
                      "META-INF/manifest.xml": b"<manifest:manifest/>"})


def office(part: str) -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", part: b"<x/>"})


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" \
      b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header declaring width × height grey pixels, with only the first rows actually compressed:
    a few hundred bytes that would decode to width × height bytes."""
    compressor = zlib.compressobj(9)
    rows = compressor.compress(b"\x00" * (width + 1) * 64) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b""))


# --- the type is decided by the content ------------------------------------------------------------

@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"),
                                       ("GIF", "image/gif")])
def test_images_are_recognised_by_content_whatever_their_name(fmt, mime):
    checked = check_upload("document.pdf", image_bytes(fmt))
    assert (checked.type.kind, checked.type.mime) == ("image", mime)
    assert checked.safe_name == f"document.{checked.type.extension}"
    assert (checked.width, checked.height, checked.size) == (64, 48, len(checked.data))
    assert Image.open(io.BytesIO(checked.data)).format == fmt


@pytest.mark.parametrize("data, extension", [
    (PDF, "pdf"),
    (opendocument("application/vnd.oasis.opendocument.text"), "odt"),
    (opendocument("application/vnd.oasis.opendocument.spreadsheet"), "ods"),
    (office("word/document.xml"), "docx"),
    (office("xl/workbook.xml"), "xlsx"),
    ("Compte rendu de réunion\r\n\tpoint 1 : écran bloqué\n".encode(), "txt"),
])
def test_documents_are_recognised_by_content_and_kept_as_sent(data, extension):
    checked = check_upload("piece-jointe.png", data)
    assert (checked.type.kind, checked.type.extension) == ("document", extension)
    assert checked.safe_name == f"piece-jointe.{extension}"
    assert (checked.data, checked.preview, checked.width) == (data, None, None)


def test_a_png_renamed_pdf_is_a_png_and_a_pdf_renamed_png_is_a_pdf():
    assert check_upload("rapport.pdf", image_bytes("PNG")).type.mime == "image/png"
    assert check_upload("capture.png", PDF).type.mime == "application/pdf"


def test_csv_needs_both_the_name_and_text_content():
    rows = "\ufeffnom;version\nWeda;4.2\n".encode()
    assert check_upload("export.CSV", rows).type.mime == "text/csv; charset=utf-8"
    assert check_upload("export.txt", rows).type.extension == "txt"
    assert refusal("export.csv", b"MZ\x90\x00\x03\x00\x00\x00") == REFUSED_MESSAGE


@pytest.mark.parametrize("filename, data", [
    ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("dessin.txt", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("page.html", b"<!DOCTYPE html><html><body>x</body></html>"),
    ("capture.png", b"  \n<HTML><script>alert(document.cookie)</script>"),
    ("notes.txt", b"<script>fetch('/')</script>"),
    ("data.xml", b'<?xml version="1.0"?><root/>'),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48),
    ("outil.txt", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 32),
    ("archive.zip", zip_bytes({"readme.txt": b"bonjour", "photo.jpg": b"\xff\xd8\xff"})),
    ("diapo.odp", opendocument("application/vnd.oasis.opendocument.presentation")),
    ("faux.docx", zip_bytes({"[Content_Types].xml": b"<Types/>", "other/part.xml": b"<x/>"})),
    ("casse.zip", b"PK\x03\x04 not really a zip"),
    ("latin1.csv", "prénom;âge\nRené;42\n".encode("latin-1")),
    ("nul.txt", b"texte\x00avec un NUL"),
    ("ansi.txt", b"texte \x1b[31m en couleur"),
    ("inconnu.bin", bytes(range(256))),
])
def test_everything_else_is_refused_in_french_naming_the_accepted_types(filename, data):
    message = refusal(filename, data)
    assert message == REFUSED_MESSAGE
    assert "PNG, JPEG, WebP et GIF" in message and "PDF, ODT, ODS, DOCX, XLSX, TXT et CSV" in message


@pytest.mark.parametrize("data", [
    zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<x/>", "word/vbaProject.bin": b"x"}),
    zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>",
               "Basic/Standard/Module1.xml": b"<script/>"}),
])
def test_documents_with_macros_are_refused(data):
    assert refusal("modele.docx", data) == MACRO_MESSAGE


def test_empty_and_oversized_files_are_refused_with_the_limit_in_french():
    assert refusal("vide.txt", b"") == EMPTY_MESSAGE
    assert "5 Mo" in refusal("gros.txt", b"a" * (5 * 1024 * 1024 + 1))
    assert "2,5 Mo" in refusal("gros.txt", b"a" * 3_000_000, max_bytes=2_621_440)
    assert check_upload("juste.txt", b"a" * 1000, max_bytes=1000).size == 1000


# --- images: metadata gone, orientation applied, bombs and polyglots refused --------------------------

@pytest.mark.parametrize("fmt, extra", [
    ("JPEG", {"comment": SECRET}),
    ("WEBP", {"xmp": b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>"}),
    ("PNG", {"pnginfo": PngImagePlugin.PngInfo()}),
])
def test_exif_gps_and_comments_are_gone_after_re_encoding(fmt, extra):
    if fmt == "PNG":
        extra["pnginfo"].add_text("Comment", SECRET.decode())
    original = image_bytes(fmt, exif=exif_with_gps(), **extra)
    assert SECRET in original and Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    checked = check_upload(f"photo.{fmt.lower()}", original)

    assert SECRET not in checked.data
    reread = Image.open(io.BytesIO(checked.data))
    assert dict(reread.getexif()) == {}
    assert reread.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert not {"exif", "comment", "Comment", "xmp", "XML:com.adobe.xmp"} & set(reread.info)


def test_gif_comment_is_gone():
    checked = check_upload("anim.gif", image_bytes("GIF", comment=SECRET))
    assert SECRET not in checked.data
    assert "comment" not in Image.open(io.BytesIO(checked.data)).info


def test_the_icc_colour_profile_is_kept_unless_a_cmyk_jpeg_becomes_rgb():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    kept = check_upload("ecran.png", image_bytes("PNG", icc_profile=srgb))
    assert Image.open(io.BytesIO(kept.data)).info["icc_profile"] == srgb
    out = io.BytesIO()
    Image.new("CMYK", (20, 20), (0, 255, 255, 0)).save(out, "JPEG", icc_profile=srgb)
    converted = Image.open(io.BytesIO(check_upload("print.jpg", out.getvalue()).data))
    assert converted.mode == "RGB" and "icc_profile" not in converted.info
    assert converted.getpixel((5, 5))[0] > 200


def test_exif_orientation_is_applied_before_the_metadata_goes():
    picture = Image.new("RGB", (60, 20), "red")
    picture.paste((0, 0, 255), (30, 0, 60, 20))  # left half red, right half blue
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95, exif=exif_with_gps(orientation=6))  # « rotate 90° clockwise »

    checked = check_upload("photo.jpg", out.getvalue())

    assert (checked.width, checked.height) == (20, 60)
    reread = Image.open(io.BytesIO(checked.data)).convert("RGB")
    assert ExifTags.Base.Orientation not in reread.getexif()
    top, bottom = reread.getpixel((10, 5)), reread.getpixel((10, 55))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


@pytest.mark.parametrize("width, height", [(50_000, 50_000), (30_000, 30_000), (9_000, 9_000), (20_000, 10)])
def test_decompression_bombs_are_refused_fast_from_their_header(width, height):
    bomb = png_declaring(width, height)
    assert len(bomb) < 20_000
    started = time.perf_counter()
    message = refusal("bombe.png", bomb)
    assert time.perf_counter() - started < 0.5
    assert message == images.TOO_LARGE_MESSAGE and "40 millions de pixels" in message
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS


def test_truncated_or_corrupt_images_are_refused():
    whole = image_bytes("PNG", size=(400, 300))
    assert refusal("coupee.png", whole[: len(whole) // 2]) == images.UNREADABLE_MESSAGE
    assert refusal("faux.jpg", b"\xff\xd8\xff\xe0" + b"pas une image" * 10) == images.UNREADABLE_MESSAGE


def test_a_gif_header_in_front_of_html_is_refused_by_the_decoder():
    polyglot = b"GIF89a" + struct.pack("<HH", 10, 10) + b"\x00\x00\x00<html><script>alert(1)</script></html>"
    assert refusal("image.gif", polyglot) == images.UNREADABLE_MESSAGE


def test_html_hidden_after_a_real_gif_does_not_survive_re_encoding():
    polyglot = image_bytes("GIF") + b"<html><script>alert(1)</script></html>"
    checked = check_upload("image.gif", polyglot)
    assert b"<script" not in checked.data and b"<html" not in checked.data


def test_animated_gif_keeps_its_animation_up_to_the_frame_cap():
    frames = [Image.new("RGB", (20, 20), (index * 4, 255 - index * 4, 0)) for index in range(images.MAX_FRAMES + 10)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == images.MAX_FRAMES + 10

    reread = Image.open(io.BytesIO(check_upload("anim.gif", out.getvalue()).data))

    assert reread.is_animated and reread.n_frames == images.MAX_FRAMES
    assert reread.info["duration"] == 80


def test_a_large_animation_keeps_fewer_frames(monkeypatch):
    monkeypatch.setattr(images, "MAX_ANIMATION_PIXELS", 20 * 20 * 7)
    frames = [Image.new("RGB", (20, 20), (index * 20, 0, 0)) for index in range(12)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    assert Image.open(io.BytesIO(check_upload("anim.gif", out.getvalue()).data)).n_frames == 7


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_wide_image_gets_a_preview_1024_pixels_wide_in_the_same_format(fmt):
    checked = check_upload("large.img", image_bytes(fmt, size=(2048, 1000)))
    preview = Image.open(io.BytesIO(checked.preview))
    assert (checked.width, checked.height) == (2048, 1000)
    assert (preview.format, preview.size) == (fmt, (1024, 500))


def test_a_narrow_image_is_its_own_preview():
    checked = check_upload("petite.png", image_bytes("PNG", size=(800, 600)))
    assert checked.preview is checked.data


# --- names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("filename, expected", [
    ("C:\\Users\\moi\\Bureau\\capture.pdf", "capture.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("fac\x00ture\x1b.pdf", "facture.pdf"),
    ("Facture \u202egnp.exe.pdf", "Facture gnp.exe.pdf"),
    (".htaccess.pdf", "htaccess.pdf"),
    ("proce\u0301dure.pdf", "procédure.pdf"),
    ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
    ("CON.pdf", "fichier-CON.pdf"),
    ("notice.PDF", "notice.pdf"),
    ("notice.exe", "notice.pdf"),
    ("compte rendu v2.1 final", "compte rendu v2.1 final.pdf"),
    ("...", "fichier.pdf"),
    ("/dossier/", "fichier.pdf"),
    ("", "fichier.pdf"),
    (None, "fichier.pdf"),
])
def test_names_are_made_safe(filename, expected):
    assert names.safe_name(filename, check_upload("x.pdf", PDF).type) == expected
    assert check_upload(filename, PDF).safe_name == expected


def test_a_500_character_name_is_shortened_and_keeps_its_extension():
    name = check_upload("é" * 500 + ".pdf", PDF).safe_name
    assert len(name) == names.MAX_NAME_LENGTH and name.endswith("é.pdf")


def test_jpeg_extension_variants_are_kept():
    assert check_upload("photo.JPEG", image_bytes("JPEG")).safe_name == "photo.jpeg"


# --- patient data ---------------------------------------------------------------------------------

def test_a_nir_in_a_file_name_is_refused():
    assert refusal(f"ordonnance {NIR}.pdf", PDF) == names.NAME_NIR_MESSAGE
    assert refusal(f"scan_{NIR.replace(' ', '')}.png", image_bytes("PNG")) == names.NAME_NIR_MESSAGE


def test_a_nir_in_a_csv_or_text_file_is_refused_but_ordinary_numbers_pass():
    patients = f"nom;nir;téléphone\nDupont;{NIR};01 23 45 67 89\n".encode()
    assert refusal("patients.csv", patients) == names.CONTENT_NIR_MESSAGE
    assert refusal("notes.txt", f"Patient\u00a0: {NIR.replace(' ', '.')}".encode()) == names.CONTENT_NIR_MESSAGE
    harmless = "logiciel;version;téléphone;finess\nWeda;4.2.1;01 23 45 67 89;750712184\n".encode()
    assert check_upload("parc.csv", harmless).type.extension == "csv"
