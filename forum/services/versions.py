"""The versions a software board knows, gathered from what the forum already records: the version of
`livree` status changes, tips' software_version, tip confirmations' version and members' declared
version (SoftwareUse.version). Each spelling is canonicalised (commitment_rules.clean_target_version
when it reads as a version, else kept as typed), then mapped through the moderators' VersionAlias
merges; versions are ordered newest first by their numeric parts (« 5.10 » after « 5.9 »).

A version's page lists the requests delivered in it and the tips checked only on earlier versions,
which members should re-check. Every figure is a GROUP BY: a constant number of statements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, union_all

from forum.extensions import db
from forum.models import Board, SoftwareUse, StatusChange, Thread, TipConfirmation, User, VersionAlias
from forum.models._time import utcnow
from forum.services.commitment_rules import clean_target_version
from forum.services.errors import NotFound, ValidationError
from forum.services.policy import Action, require

CAP = 100
_NUMERIC = re.compile(r"^(\d+(?:\.\d+)*)\s*(.*)$")
UNKNOWN_VERSION = "Cette version n'est pas connue pour ce logiciel."


@dataclass
class Version:
    """A canonical version with the raw spellings merged into it and what the board records on it."""

    name: str
    spellings: set[str] = field(default_factory=set)
    delivered: int = 0
    tips: int = 0
    members: int = 0


@dataclass
class VersionPage:
    board: Board
    version: Version
    delivered: list[tuple[Thread, object]]   # (request, date delivered in this version)
    recheck: list[Thread]                    # tips checked only on earlier versions


def canonical(raw: str) -> str:
    """« v5.3 » → « 5.3 »; a spelling that does not read as a version is kept as typed (spaces folded)."""
    try:
        return clean_target_version(raw) or ""
    except ValidationError:
        return " ".join(raw.split())


def version_sort_key(name: str) -> tuple[int, tuple[int, ...], str]:
    """Sorts by numeric parts (« 5.9 » < « 5.10 » < « 5.10.1 »), then suffix; free text sorts below."""
    match = _NUMERIC.match(name)
    if not match:
        return (0, (), name.lower())
    return (1, tuple(int(part) for part in match[1].split(".")), match[2].lower())


def newest_first(names) -> list[str]:
    """Version names newest first; spellings that are not versions after them, alphabetically."""
    numeric = [name for name in names if version_sort_key(name)[0]]
    other = [name for name in names if not version_sort_key(name)[0]]
    return sorted(numeric, key=version_sort_key, reverse=True) + sorted(other, key=str.lower)


def aliases(board: Board) -> dict[str, str]:
    """The board's merged spellings: alias → canonical version."""
    return dict(db.session.execute(select(VersionAlias.alias, VersionAlias.version)
                                   .where(VersionAlias.board_id == board.id)).all())


def resolve(raw: str, merged: dict[str, str]) -> str:
    """The version a raw spelling stands for: canonicalised, then through the merges (chains too)."""
    name = canonical(raw)
    for _ in range(5):  # a merge of a merge, never a loop
        if name not in merged or merged[name] == name:
            break
        name = merged[name]
    return name


def _raw_counts(board: Board) -> list[tuple[str, str, int]]:
    """(kind, raw spelling, count) for each source, one GROUP BY each."""
    delivered = (select(StatusChange.version, func.count(func.distinct(StatusChange.thread_id)))
                 .join(Thread, Thread.id == StatusChange.thread_id)
                 .where(Thread.board_id == board.id, Thread.kind == "request", Thread.deleted_at.is_(None),
                        Thread.status == "livree", StatusChange.to_status == "livree",
                        StatusChange.version.is_not(None))
                 .group_by(StatusChange.version))
    checked = union_all(
        select(Thread.software_version.label("version"), Thread.id.label("tip_id"))
        .where(Thread.board_id == board.id, Thread.kind == "tip", Thread.deleted_at.is_(None),
               Thread.software_version.is_not(None)),
        select(TipConfirmation.version.label("version"), TipConfirmation.thread_id.label("tip_id"))
        .join(Thread, Thread.id == TipConfirmation.thread_id)
        .where(Thread.board_id == board.id, Thread.kind == "tip", Thread.deleted_at.is_(None))).subquery()
    tips = select(checked.c.version, func.count(func.distinct(checked.c.tip_id))).group_by(checked.c.version)
    members = (select(SoftwareUse.version, func.count()).join(User, User.id == SoftwareUse.user_id)
               .where(SoftwareUse.board_id == board.id, SoftwareUse.version.is_not(None), User.deleted_at.is_(None))
               .group_by(SoftwareUse.version))
    return [(kind, raw, int(n)) for kind, query in (("delivered", delivered), ("tips", tips), ("members", members))
            for raw, n in db.session.execute(query) if raw and raw.strip()]


def known_versions(board: Board) -> list[Version]:
    """Every version the board knows, newest first, with its figures (4 statements)."""
    merged = aliases(board)
    versions: dict[str, Version] = {}
    for kind, raw, count in _raw_counts(board):
        name = resolve(raw, merged)
        version = versions.setdefault(name, Version(name))
        version.spellings.update({raw, canonical(raw)})
        setattr(version, kind, getattr(version, kind) + count)
    for alias, target in merged.items():  # an alias spelling still leads to its version
        if (name := resolve(target, merged)) in versions:
            versions[name].spellings.add(alias)
    return [versions[name] for name in newest_first(versions)]


def find_version(board: Board, typed: str) -> tuple[Version, list[Version]]:
    """The known version `typed` stands for, with the whole list. NotFound when none."""
    known = known_versions(board)
    name = resolve(typed, aliases(board)) if typed.strip() else ""
    for version in known:
        if version.name == name:
            return version, known
    raise NotFound(UNKNOWN_VERSION)


def version_page(board: Board, typed: str) -> VersionPage:
    """The requests delivered in a version and the tips to re-check on it (NotFound if unknown)."""
    version, known = find_version(board, typed)
    key = version_sort_key(version.name)
    earlier = {s for v in known if key[0] and version_sort_key(v.name)[0] and version_sort_key(v.name) < key
               for s in v.spellings}
    same_or_later = {s for v in known if version_sort_key(v.name)[0] and version_sort_key(v.name) >= key
                     for s in v.spellings}
    delivered_at = (select(StatusChange.thread_id, func.max(StatusChange.created_at).label("at"))
                    .join(Thread, Thread.id == StatusChange.thread_id)
                    .where(Thread.board_id == board.id, Thread.kind == "request", Thread.deleted_at.is_(None),
                           Thread.status == "livree", StatusChange.to_status == "livree",
                           StatusChange.version.in_(version.spellings))
                    .group_by(StatusChange.thread_id).subquery())
    delivered = [(thread, at) for thread, at in db.session.execute(
        select(Thread, delivered_at.c.at).join(delivered_at, delivered_at.c.thread_id == Thread.id)
        .order_by(delivered_at.c.at.desc(), Thread.id.desc()).limit(CAP))]
    return VersionPage(board, version, delivered, _tips_to_recheck(board, earlier, same_or_later))


def _tips_to_recheck(board: Board, earlier: set[str], same_or_later: set[str]) -> list[Thread]:
    """Tips checked on an earlier version and never on this one or a later one."""
    if not earlier:
        return []

    def confirmed_on(spellings: set[str]):
        return (select(TipConfirmation.id).where(TipConfirmation.thread_id == Thread.id,
                                                 TipConfirmation.version.in_(spellings)).exists())
    not_newer = [or_(Thread.software_version.is_(None), Thread.software_version.not_in(same_or_later)),
                 ~confirmed_on(same_or_later)] if same_or_later else []
    query = (select(Thread).where(Thread.board_id == board.id, Thread.kind == "tip", Thread.deleted_at.is_(None),
                                  or_(Thread.software_version.in_(earlier), confirmed_on(earlier)), *not_newer)
             .order_by(Thread.useful_count.desc(), Thread.id.desc()).limit(CAP))
    return list(db.session.scalars(query))


def merge_spelling(actor: User | None, board: Board, alias: str | None, version: str | None) -> VersionAlias:
    """Merge the spelling `alias` into `version` on this board (both must be listed versions).
    PermissionDenied unless the actor moderates the board; ValidationError("alias"/"version") for
    an empty, identical or unknown choice. Earlier merges into `alias` follow it to `version`."""
    require(actor, Action.MODERATE, board)
    alias_name, version_name = canonical(alias or ""), canonical(version or "")
    if not alias_name:
        raise ValidationError("alias", "Choisissez l'orthographe à fusionner.")
    if not version_name:
        raise ValidationError("version", "Choisissez la version qui la remplace.")
    if alias_name == version_name:
        raise ValidationError("version", "Choisissez deux versions différentes.")
    names = {v.name for v in known_versions(board)}
    for field_name, name in (("alias", alias_name), ("version", version_name)):
        if name not in names:
            raise ValidationError(field_name, f"La version « {name} » n'est pas connue pour ce logiciel.")
    rows = db.session.scalars(select(VersionAlias).where(VersionAlias.board_id == board.id,
                                                         VersionAlias.version == alias_name)).all()
    for row in rows:
        row.version = version_name
    merge = db.session.scalar(select(VersionAlias).where(VersionAlias.board_id == board.id,
                                                         VersionAlias.alias == alias_name))
    if merge is None:
        merge = VersionAlias(board_id=board.id, alias=alias_name)
        db.session.add(merge)
    merge.version, merge.actor_id, merge.created_at = version_name, actor.id, utcnow()
    db.session.flush()
    return merge
