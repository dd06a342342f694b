"""What the thread page shows beyond posts, by kind: a RequestPanel (votes and status history), a
TipPanel ("utile" marks, confirmations) or a QuestionPanel (accepting an answer).

The thread view spreads the returned dict into the template context: templates/requests/_panel.html
reads `requests_panel`, templates/tips/_panel.html `tip_panel`, templates/questions/_panel.html and
_accept.html `question_panel`; the two others are None. A handful of queries, whatever the number of votes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forum.models import IMPORTANCES, Livrable, StatusChange, Thread, TipConfirmation, User
from forum.models.commitments import RequestTarget
from forum.models.requests import IMPORTANCE_LABELS
from forum.services import commitments, livrables, ranking, statuses, tips, votes
from forum.services.errors import PermissionDenied
from forum.services.policy import can


@dataclass
class RequestPanel:
    figures: ranking.RequestFigures | None = None
    your_vote: str | None = None
    can_vote: bool = False
    # Why the user cannot vote: "login", "closed", "usage" (does not declare the software) or None.
    vote_blocked: str | None = None
    vote_message: str | None = None
    timeline: list[StatusChange] = field(default_factory=list)
    status_choices: list[str] = field(default_factory=list)
    can_merge: bool = False
    merged_into: Thread | None = None
    # The targets given to the request, oldest first (the first is the commitment, later ones slips).
    targets: list[RequestTarget] = field(default_factory=list)
    can_set_target: bool = False
    # The frozen livrables that transmitted it (« Transmise dans le livrable n° 2 … »), oldest first.
    transmitted_in: list[Livrable] = field(default_factory=list)
    importances: dict[str, str] = field(default_factory=lambda: dict(IMPORTANCE_LABELS))
    points: dict[str, int] = field(default_factory=lambda: dict(IMPORTANCES))

    @property
    def official_answers(self) -> list[StatusChange]:
        """Official answers, newest first: shown prominently above the timeline."""
        return [change for change in reversed(self.timeline) if change.answer_by]

    @property
    def your_vote_label(self) -> str | None:
        return IMPORTANCE_LABELS.get(self.your_vote or "")


@dataclass
class TipPanel:
    marked_useful: bool = False
    can_mark_useful: bool = False
    confirmations: list[TipConfirmation] = field(default_factory=list)


@dataclass
class QuestionPanel:
    can_accept: bool = False


def thread_extras(thread: Thread, user: User | None) -> dict[str, Any]:
    """Template context: the panel of the thread's kind, None for the two others."""
    user = user if user is not None and user.is_authenticated else None
    extras: dict[str, Any] = {"requests_panel": None, "tip_panel": None, "question_panel": None}
    if thread.kind == "request":
        extras["requests_panel"] = panel = RequestPanel()
        _fill_request(panel, thread, user)
    elif thread.kind == "tip":
        extras["tip_panel"] = TipPanel(marked_useful=tips.has_marked_useful(user, thread),
                                       can_mark_useful=can(user, "mark_tip_useful", thread),
                                       confirmations=tips.confirmations(thread))
    elif thread.kind == "question":
        extras["question_panel"] = QuestionPanel(can_accept=can(user, "accept_answer", thread))
    return extras


def _fill_request(panel: RequestPanel, thread: Thread, user: User | None) -> None:
    panel.figures = ranking.displayed_figures([thread], with_regions=False)[thread.id]
    panel.your_vote = votes.votes_of(user, [thread.id]).get(thread.id)
    refusal = votes.vote_refusal(user, thread)
    panel.can_vote = refusal is None
    if refusal is not None:
        panel.vote_message = refusal.message
        if not thread.is_open_request:
            panel.vote_blocked = "closed"
        elif user is None:
            panel.vote_blocked = "login"
        elif isinstance(refusal, PermissionDenied):
            panel.vote_blocked = "usage"
    panel.timeline = statuses.history(thread)
    panel.status_choices = statuses.allowed_statuses(user, thread)
    panel.can_merge = can(user, "merge_requests", thread) and thread.status != "doublon"
    panel.targets = commitments.history(thread) if thread.target_version or thread.target_period else []
    panel.can_set_target = thread.status == "planifiee" and can(user, "set_target", thread)
    panel.transmitted_in = livrables.transmitted_in(thread)
    if thread.merged_into_id is not None:
        panel.merged_into = thread.merged_into
