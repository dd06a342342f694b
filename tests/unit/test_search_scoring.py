"""The search ranks with Whoosh's BM25F; field lengths come from a per-segment list (scoring.py):
the scores must be exactly Whoosh's own, on an index of several segments with deleted documents."""
from __future__ import annotations

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.scoring import BM25F

from forum.search.whoosh import scoring, storage
from forum.search.whoosh.scoring import CachedLengthBM25F

TEXTS = [
    ("Agenda partagé", "agenda des rendez-vous partagé entre les sites et les équipes"),
    ("Messagerie sécurisée", "envoyer un courrier par messagerie sécurisée depuis le dossier"),
    ("Agenda et messagerie", "l'agenda envoie un rappel par messagerie au patient la veille"),
    ("Export des statistiques", "exporter les statistiques d'activité de l'agenda chaque mois"),
    ("Dossier patient", "ouvrir le dossier patient depuis l'agenda en un clic " * 5),
]


def build(path) -> whoosh_index.FileIndex:
    schema = Schema(key=ID(stored=True, unique=True), title=TEXT, body=TEXT)
    ix = whoosh_index.create_in(str(path), schema)
    for round_ in range(3):  # three commits without merging: three segments
        writer = ix.writer()
        for n, (title, body) in enumerate(TEXTS):
            writer.add_document(key=f"{round_}-{n}", title=f"{title} {round_}", body=body * (round_ + 1))
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("key", "1-2")
    writer.commit(merge=False)
    return ix


def scored(ix, weighting, text: str) -> list[tuple[str, float]]:
    query = MultifieldParser(["title", "body"], ix.schema, fieldboosts={"title": 3.0}).parse(text)
    with ix.searcher(weighting=weighting) as searcher:
        assert len(searcher.reader().leaf_readers()) > 1
        return [(hit["key"], hit.score) for hit in searcher.search(query, limit=None)]


def test_scores_are_whooshs_bm25f_exactly(tmp_path):
    ix = build(tmp_path)
    for text in ("agenda", "messagerie patient", "agenda OR statistiques", "dossier"):
        expected = scored(ix, BM25F(), text)
        assert expected and "1-2" not in [key for key, _ in expected]
        assert scored(ix, CachedLengthBM25F(), text) == expected
        assert scored(ix, CachedLengthBM25F(), text) == expected  # from the lists kept the first time


def test_lengths_are_kept_per_segment_and_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(scoring, "_lengths", scoring.OrderedDict())
    monkeypatch.setattr(scoring, "MAX_CACHED", 4)
    ix = build(tmp_path)
    scored(ix, CachedLengthBM25F(), "agenda")
    segments = {segment for segment, _ in scoring._lengths}
    assert len(scoring._lengths) == 4 and len(segments) >= 2  # 3 segments × 2 fields, 4 kept
    with ix.searcher() as searcher:
        reader = searcher.reader().leaf_readers()[0][0]
        lengths = scoring.field_lengths(reader, "body")
        assert lengths == [reader.doc_field_length(n, "body", 1) for n in range(reader.doc_count_all())]


def test_the_forum_searcher_uses_it(app):
    from forum import search

    search.reindex()
    opened = storage.searcher(storage.root_dir(app.config))
    assert isinstance(opened.weighting, CachedLengthBM25F)
