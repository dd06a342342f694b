"""gunicorn.conf.py: the production settings and the worker start hook."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_defaults_and_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings = runpy.run_path(str(CONFIG))
    assert settings["workers"] == 3 and settings["bind"] == "0.0.0.0:9000"
    assert settings["worker_class"] == "sync" and settings["preload_app"] is False
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    assert runpy.run_path(str(CONFIG))["worker_class"] == "gthread"


def test_worker_start_freezes_what_the_app_loaded():
    settings = runpy.run_path(str(CONFIG))
    gc.unfreeze()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 1000  # modules, mappers, routes: never walked again
    finally:
        gc.unfreeze()
