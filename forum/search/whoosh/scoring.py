"""BM25F, Whoosh's own ranking, with the field lengths of a segment read once per worker.

BM25F needs each matching document's field length. Whoosh reads it from the segment's lengths
column for every document it scores: a column lookup, a struct read and a decode, about a fifth
of a search's time on the medium data set, where common words match thousands of threads. A
segment never changes its documents' lengths (a deletion only marks a document deleted), so the
decoded lengths of each segment and field are kept in a list, keyed by the segment's id, and a
score looks one up by position. Same formula, same parameters, same results (tests check it).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F

# Lists kept per worker: one per (segment, field); an index has a handful of segments, and merges
# replace them over time, so the oldest entries are dropped beyond this many.
MAX_CACHED = 96

_lengths: OrderedDict[tuple[str, str], list[int]] = OrderedDict()
_lock = threading.Lock()


class CachedLengthBM25F(BM25F):
    """BM25F whose scorers read field lengths from a per-segment list instead of the column."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        reader = searcher.reader()
        # Scorers of scorable fields look lengths up through `dfl`; others (no lengths) have none.
        if hasattr(scorer, "dfl") and isinstance(reader, SegmentReader):
            scorer.dfl = field_lengths(reader, fieldname).__getitem__
        return scorer


def field_lengths(reader: SegmentReader, fieldname: str) -> list[int]:
    """Every document's length of `fieldname` in the reader's segment (1 when unknown, as BM25F
    assumes), computed on first use and then shared by every searcher of this worker."""
    key = (reader.segment().segment_id(), fieldname)
    with _lock:
        found = _lengths.get(key)
        if found is not None:
            _lengths.move_to_end(key)
            return found
    lengths = [reader.doc_field_length(docnum, fieldname, 1) for docnum in range(reader.doc_count_all())]
    with _lock:
        _lengths[key] = lengths
        while len(_lengths) > MAX_CACHED:
            _lengths.popitem(last=False)
    return lengths
