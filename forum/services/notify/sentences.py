"""The French sentence of a notification: one wording for the notifications page, the e-mails and
the club's letter. A sentence is a list of parts, fixed words and what members wrote (names,
titles); `plain` joins them as text (e-mails), `html` escapes the words and isolates each member's
text in <bdi> (pages), so a right-to-left title cannot reorder the sentence around it."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from forum.models import Notification
from forum.models.moderation import REPORT_REASONS
from forum.models.threads import STATUSES
from forum.services.text_hygiene import strip_bidi_controls

OFFICIAL = {"editor": "réponse officielle de l'éditeur", "federation": "réponse officielle de la fédération"}


@dataclass(frozen=True)
class Said:
    """Text a member wrote (a name, a title)."""

    text: str


def _quoted(text: str) -> list[str | Said]:
    return ["«\u00a0", Said(text), "\u00a0»"]


def parts(n: Notification) -> list[str | Said]:
    data = n.data if isinstance(n.data, dict) else {}
    who = Said(n.actor.public_name) if n.actor is not None else "Un membre"
    title = _quoted(n.thread.title if n.thread is not None else "sujet supprimé")
    if n.kind == "reply":
        return [f"{n.count} nouvelles réponses dans ", *title] if n.count > 1 else [who, " a répondu dans ", *title]
    if n.kind == "mention":
        return [who, " vous a cité·e dans " if data.get("quote") else " vous a mentionné·e dans ", *title]
    if n.kind == "accepted":
        return ["Votre réponse a été acceptée comme solution : ", *title]
    if n.kind == "tip_useful":
        if n.count > 1:
            return [f"{n.count} membres ont trouvé votre astuce utile : ", *title]
        return [who, " a trouvé votre astuce utile : ", *title]
    if n.kind == "status":
        return _status(data, title)
    if n.kind == "merged":
        target = _quoted(data["target_title"]) if data.get("target_title") else ["une autre demande"]
        return ["La demande ", *title, " que vous souteniez a été fusionnée dans ", *target,
                " : votre vote y a été reporté"]
    if n.kind == "new_thread":
        board = [" dans ", Said(n.board.name)] if n.board is not None else []
        return [who, " a ouvert un nouveau sujet", *board, " : ", *title]
    if n.kind == "livrable":
        count = data.get("count")
        detail = f" ({count} demande{'s' if count not in (0, 1) else ''})" if isinstance(count, int) else ""
        return ["Livrable ", *_quoted(data.get("title") or "sans titre"), f" transmis{detail}"]
    if n.kind == "report":
        reason = REPORT_REASONS.get(data.get("reason"), "motif non précisé")
        return [f"Nouveau signalement : {reason} dans ", *title]
    return ["Du nouveau dans ", *title]


def _status(data: dict, title: list[str | Said]) -> list[str | Said]:
    to, official = data.get("to"), OFFICIAL.get(data.get("official"))
    if to in STATUSES and to != data.get("from"):
        said = ["La demande ", *title, f" est passée à {STATUSES[to]}"]
        if data.get("version"):
            said += [", version ", Said(str(data["version"]))]
        return said + ([f" ({official})"] if official else [])
    if official:
        return [f"Nouvelle {official} sur la demande ", *title]
    return ["La demande ", *title, " a changé de statut"]


def plain(n: Notification) -> str:
    """The sentence as text (e-mails: ordinary spaces, which every mail client wraps well)."""
    return "".join(part.text if isinstance(part, Said) else part.replace("\u00a0", " ") for part in parts(n))


def html(n: Notification) -> Markup:
    return Markup("").join(Markup("<bdi>%s</bdi>") % strip_bidi_controls(part.text) if isinstance(part, Said)
                           else escape(part) for part in parts(n))
