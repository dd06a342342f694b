"""The Whoosh index schema and a Document's fields in it.

The text fields use forum.search.analysis.french_analyzer, which applies term_of to every token,
the same function the plan's words and the excerpts use, so indexing, querying and highlighting
always agree.
"""
from __future__ import annotations

from whoosh.fields import ID, NUMERIC, TEXT, Schema

from forum.search.analysis import french_analyzer
from forum.search.documents import Document

# Value of the status field for documents without a status (threads that are not requests).
NO_STATUS = "-"


def make_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        thread_id=ID(stored=True, unique=True),
        board=ID,
        kind=ID,
        status=ID,
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        author=TEXT(analyzer=analyzer),
        created=NUMERIC(bits=64, sortable=True),
        last_activity=NUMERIC(bits=64, sortable=True),
    )


def fields(doc: Document) -> dict:
    """The document as the keyword arguments of IndexWriter.add_document."""
    return {"thread_id": str(doc.id), "board": str(doc.board_id), "kind": doc.kind,
            "status": doc.status or NO_STATUS, "title": doc.title, "body": doc.body,
            "author": doc.author, "created": doc.created_ms, "last_activity": doc.last_activity_ms}

