"""The demo's screenshot: a small PNG drawn with Pillow (a software window with a toolbar and an
error box, 800 × 500) attached, with its description, to one demo question, through the same checks
and storage as a member's upload."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from sqlalchemy import select

from forum.extensions import db
from forum.models import Attachment, Post, Thread, User
from forum.services import attachments, uploads
from forum.services.uploads import Upload

QUESTION_TITLE = "DMP impossible pour les ayants droit"
FILE_NAME = "erreur-ins-ayant-droit.png"
ALT = ("Capture d'écran : fenêtre du logiciel avec une boîte d'erreur « Calcul de l'INS impossible "
       "pour cet ayant droit », bouton OK")


def screenshot_png() -> bytes:
    """A screenshot-like picture: title bar, toolbar, a patient list and a modal error box."""
    image = Image.new("RGB", (800, 500), (236, 239, 243))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 799, 34), fill=(31, 78, 121))                       # title bar
    draw.text((14, 11), "Dossier patient", fill=(255, 255, 255))
    for x, colour in ((770, (220, 80, 70)), (748, (240, 180, 60)), (726, (90, 180, 90))):
        draw.ellipse((x - 7, 10, x + 7, 24), fill=colour)
    draw.rectangle((0, 35, 799, 74), fill=(250, 250, 252))                    # toolbar
    for index, label in enumerate(("Nouveau", "Ouvrir", "Carte Vitale", "DMP", "Imprimer")):
        draw.rounded_rectangle((12 + index * 110, 43, 112 + index * 110, 67), radius=4,
                               outline=(170, 178, 190), fill=(255, 255, 255))
        draw.text((22 + index * 110, 50), label, fill=(40, 40, 40))
    draw.rectangle((12, 86, 250, 486), fill=(255, 255, 255), outline=(200, 205, 212))  # patient list
    for row in range(12):
        draw.rectangle((20, 96 + row * 32, 240, 116 + row * 32), fill=(228, 233, 240) if row == 3 else (246, 247, 249))
    draw.rectangle((262, 86, 788, 486), fill=(255, 255, 255), outline=(200, 205, 212))
    draw.rectangle((300, 170, 720, 360), fill=(255, 255, 255), outline=(160, 40, 40), width=3)  # error box
    draw.rectangle((300, 170, 720, 200), fill=(190, 50, 50))
    draw.text((314, 179), "Erreur", fill=(255, 255, 255))
    draw.ellipse((320, 225, 364, 269), fill=(200, 40, 40))
    draw.text((338, 238), "!", fill=(255, 255, 255))
    draw.text((380, 230), "Calcul de l'INS impossible", fill=(30, 30, 30))
    draw.text((380, 252), "pour cet ayant droit (code 3012).", fill=(30, 30, 30))
    draw.rounded_rectangle((610, 315, 700, 345), radius=4, fill=(31, 78, 121))
    draw.text((644, 324), "OK", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def seed(users: dict[str, User]) -> Attachment | None:
    """Attach the screenshot to the demo question's opening post (by its author); flushes. None
    when that question is not in the demo data."""
    post = db.session.scalar(select(Post).join(Thread, Thread.id == Post.thread_id)
                             .where(Thread.title == QUESTION_TITLE, Post.is_first.is_(True)))
    if post is None:
        return None
    author = db.session.get(User, post.author_id) if post.author_id else None
    files = [Upload(FILE_NAME, screenshot_png(), ALT)]
    checked = uploads.check_uploads(files)
    return attachments.attach(author, post, checked, files)[0]
