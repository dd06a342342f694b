"""What the thread page shows beyond posts, by kind (votes and status history for requests,
"utile" marks for tips, accepted answer for questions). Filled by the requests capability."""
from __future__ import annotations

from typing import Any

from forum.models import Thread, User


def thread_extras(thread: Thread, user: User | None) -> dict[str, Any]:
    """Template context for templates/requests/_panel.html and _post_extra.html."""
    return {}
