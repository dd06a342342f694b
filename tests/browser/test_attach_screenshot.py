"""A member attaches a screenshot to a new question through the file input, describes it, keeps the
draft autosave working, publishes, and sees the image inline (at desktop and phone widths)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.browser.conftest import expect, log_in, screenshot

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/i17/U")


def screen_png() -> bytes:
    image = Image.new("RGB", (1400, 700), (236, 239, 243))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1399, 40), fill=(31, 78, 121))
    draw.rectangle((450, 250, 950, 450), fill=(255, 255, 255), outline=(180, 40, 40), width=4)
    draw.text((480, 300), "Erreur : lecteur de carte introuvable", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def test_member_attaches_a_screenshot_to_a_new_question(live_site, page):
    member = live_site.member("Iris Capture", boards=("chorus",))
    log_in(page, member["email"])
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/b/chorus/nouveau")
    page.get_by_label("Titre").fill("Lecteur de carte introuvable au démarrage")
    page.get_by_label("Message (Markdown)").fill("Voici le message que j'obtiens chaque matin.")
    files = page.locator("input[type=file][name=files]")
    files.set_input_files([{"name": "ecran.png", "mimeType": "image/png", "buffer": screen_png()}])
    alt = page.get_by_label("Description de l'image")
    alt.fill("Boîte d'erreur « lecteur de carte introuvable »")
    page.get_by_label("Message (Markdown)").press_sequentially(" Merci !")
    expect(page.locator("[data-draft-status]")).to_contain_text("Brouillon enregistré")  # files stay out of it
    files.scroll_into_view_if_needed()
    shoot(page, "composer-fichiers-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "composer-fichiers-390")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier").click()
    image = page.locator("figure img").first
    expect(image).to_have_attribute("alt", "Boîte d'erreur « lecteur de carte introuvable »")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 1024  # the preview, linking to the full image
    assert image.evaluate("img => img.getBoundingClientRect().width") <= 390
    shoot(page, "sujet-image-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "sujet-image-1366")
    assert "/fichiers/" in image.evaluate("img => img.parentElement.href")
