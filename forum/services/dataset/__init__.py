"""`import-dataset`: load the benchmark data set of ../shared/bench/make_dataset.py, fast and once.

Why it does not go through the posting service: ~95k posts through the ORM, one object and one
counter update each, take minutes; here rows are built as dicts and written with Core `insert()`
executemany in chunks, inside the caller's single transaction, then the counters are recomputed
set-based. Bodies still go through `render_markdown` (the one sanitiser), in a process pool
because it is the slow part (about 0.4 ms a post).

Idempotent: the SHA-256 of manifest.json is recorded in `DatasetImport`; the same data set is
never loaded twice. `files.py` reads and checks, `bulk.py` builds and writes the rows,
`importing.py` runs the whole and the post-import steps.
"""
from forum.services.dataset.bulk import profession_code
from forum.services.dataset.files import DatasetError
from forum.services.dataset.importing import ImportReport, import_dataset

__all__ = ["DatasetError", "ImportReport", "import_dataset", "profession_code"]
