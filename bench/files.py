"""Files benchmark: storing a 5 MB photo, serving a stored image over HTTP, memory after 100 uploads.

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.files [--duration 10] [--rounds 20] [--concurrency 4] [--port 5190] [--keep]
                                    [--http-uploads-only]

What it does, in order:
1. creates a fresh SQLite instance (`flask db upgrade`) with the directory storage in it;
2. in a child process, makes a photo-like JPEG of about 5 MB with Pillow (noise over gradients, so it
   does not compress to nothing) and runs forum.services.uploads.check_uploads + store + commit
   --rounds times (re-encode and store), printing p50/p95;
3. in a fresh child process, runs 100 check_uploads + store + commit and reports that process's RSS
   (current and peak) — measured in-process, not through the HTTP reply form;
3b. the same through HTTP: starts gunicorn (2 sync workers, gunicorn.conf.py read from the repository
   root as in production; rate limits off, upload quotas very high), logs a member in through
   /connexion and posts 100 replies each carrying the photo (multipart, CSRF token from the form) on
   one keep-alive client; checks each answer is a redirect, prints p50/p95 and each worker's RSS
   (VmRSS of /proc/<pid>/status) before and after, and its peak (VmHWM). `--http-uploads-only`
   runs this step alone;
4. stores one 1280 × 800 JPEG photo in a public document, starts `gunicorn -w 2 -b 127.0.0.1:5190 wsgi:app`
   and loads /fichiers/<key>/<name> from --concurrency keep-alive clients for --duration seconds
   (bench.common.load), printing req/s; then the same with FILE_SERVE_ACCEL=x-accel-redirect (what
   the application does when the reverse proxy sends the bytes);
5. prints the figures next to the targets (upload p95 ≤ 1 s, ≥ 300 req/s, RSS ≤ 150 MB) and writes
   them to bench/results/files-<timestamp>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlencode

from bench.common import REPO, CookieConnection, Gunicorn, Instance, load, rss_mb, write_results

HOST = "127.0.0.1"
TARGET_UPLOAD_P95_S = 1.0
TARGET_RPS = 300.0
TARGET_RSS_MB = 150.0
HTTP_UPLOADS = 100
MEMBER = "photos-banc@banc-essai.invalid"
PASSWORD = "banc-photos-mot-de-passe"
_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')

PHOTO = """
import io, random
from PIL import Image

def photo(target=4_900_000):
    '''A JPEG of about `target` bytes (below 5 MiB): gradients with noise, like a phone photo.'''
    width, height = 2600, 1950
    for _ in range(6):
        base = Image.linear_gradient("L").resize((width, height))
        noise = Image.effect_noise((width, height), 60)
        image = Image.merge("RGB", (base, noise, base.rotate(90).resize((width, height))))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=92)
        data = buffer.getvalue()
        if 0.9 * target <= len(data) <= 5 * 1024 * 1024:
            return data
        scale = (target / len(data)) ** 0.5
        width, height = int(width * scale), int(height * scale)
    return data
"""

UPLOAD_SCRIPT = PHOTO + """
import json, resource, statistics, sys, time
from forum import create_app
from forum.extensions import db
from forum.services import uploads

rounds = int(sys.argv[1])
app = create_app()
with app.app_context():
    data = photo()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        checked = uploads.check_uploads([uploads.Upload("photo.jpg", data)])
        uploads.store(None, checked[0])
        db.session.commit()
        samples.append(time.perf_counter() - started)
    samples.sort()
    rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
    print(json.dumps({"bytes": len(data), "rounds": rounds, "p50_s": round(statistics.median(samples), 3),
                      "p95_s": round(samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))], 3),
                      "rss_mb": round(rss, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""

SERVE_SCRIPT = """
import io, json
from PIL import Image
from forum import create_app
from forum.extensions import db
from forum.models import Document, DocumentVersion
from forum.services import uploads

app = create_app()
with app.app_context():
    base = Image.linear_gradient("L").resize((1280, 800))
    image = Image.merge("RGB", (base, Image.effect_noise((1280, 800), 40), base.rotate(90).resize((1280, 800))))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    checked = uploads.check_uploads([uploads.Upload("photo.jpg", buffer.getvalue())])
    attachment = uploads.store(None, checked[0])
    document = Document(title="Bench", category="autre", public=True)
    db.session.add(document)
    db.session.flush()
    db.session.add(DocumentVersion(document_id=document.id, number=1, attachment_id=attachment.id))
    db.session.commit()
    print(json.dumps({"path": f"/fichiers/{attachment.key}/{attachment.safe_name}", "bytes": attachment.size}))
"""


SETUP_SCRIPT = PHOTO + """
import json, sys
from forum import create_app
from forum.extensions import db
from forum.models import Board, SoftwareUse, User
from forum.services import posting

app = create_app()
with app.app_context():
    board = Board(slug="banc-photos", name="Banc photos")
    member = User(email=sys.argv[1], display_name="Banc photos", profession="medecin_generaliste",
                  region="Bretagne")
    member.set_password(sys.argv[2])
    db.session.add_all([board, member])
    db.session.flush()
    db.session.add(SoftwareUse(user_id=member.id, board_id=board.id))
    thread = posting.create_thread(member, board, "question", "Banc : réponses avec photo", "Voici l'écran.")
    db.session.commit()
    with open(sys.argv[3], "wb") as out:
        out.write(photo())
    print(json.dumps({"thread_id": thread.id, "thread": f"/t/{thread.id}/{thread.slug}"}))
"""


def _child(instance: Instance, script: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=instance.env, text=True,
                            capture_output=True)
    if result.returncode != 0:
        sys.exit(f"Échec du processus de mesure :\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Browser:
    """One member's browser: a keep-alive connection (reopened when a sync worker closes it) and
    its cookies; forms are sent urlencoded or multipart."""

    def __init__(self, port: int) -> None:
        self.connection = CookieConnection(HOST, port, timeout=60)
        self.send = self.connection.send

    def token(self, path: str) -> str:
        """The CSRF token of the form on `path` (one per session, valid for every form)."""
        status, page = self.send("GET", path)
        found = _CSRF.search(page)
        if status != 200 or not found:
            raise RuntimeError(f"GET {path} : HTTP {status}, jeton CSRF introuvable")
        return found.group(1).decode()

    def login(self, email: str, password: str) -> None:
        form = {"email": email, "password": password, "csrf_token": self.token("/connexion")}
        status, _ = self.send("POST", "/connexion", urlencode(form).encode(), "application/x-www-form-urlencoded")
        if status not in (302, 303):
            raise RuntimeError(f"connexion de {email} impossible (HTTP {status})")


def _multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with `fields` and the photo in the `files` input, as a browser sends it."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="photo.jpg"\r\n'
                 "Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _workers_mb(pids: list[int], field: str = "VmRSS") -> dict[str, float]:
    return {str(pid): round(rss_mb(pid, field) or 0.0, 1) for pid in pids}


def http_uploads(instance: Instance, args: argparse.Namespace) -> dict:
    """HTTP_UPLOADS replies with the 5 MB photo through gunicorn's 2 sync workers, one after another:
    latency of each POST (up to its redirect) and the workers' RSS before and after."""
    photo_path = instance.path / "photo.jpg"
    plan = _child(instance, SETUP_SCRIPT, MEMBER, PASSWORD, str(photo_path))
    instance.flask("search", "reindex", capture=True)  # as in production: each reply updates the index
    photo = photo_path.read_bytes()
    env = {**instance.env, "RATELIMIT_ENABLED": "false", "UPLOAD_QUOTA_FILES_PER_DAY": "1000000",
           "UPLOAD_QUOTA_BYTES_PER_DAY": str(10**12)}
    with Gunicorn(env, args.port, workers=2) as server:
        browser = Browser(args.port)
        browser.login(MEMBER, PASSWORD)
        for _ in range(4):  # both workers render the thread page once (templates compiled) before "before"
            token = browser.token(plan["thread"])
        pids = server.worker_pids()
        before = _workers_mb(pids)
        samples, statuses = [], Counter()
        for n in range(HTTP_UPLOADS):
            body, content_type = _multipart({"csrf_token": token, "submission_key": secrets.token_urlsafe(24),
                                             "body": f"Réponse {n + 1} avec une photo de l'écran.",
                                             "alt_0": "Photo de l'écran", "publish": "Répondre"}, photo)
            started = time.perf_counter()
            status, page = browser.send("POST", f"/t/{plan['thread_id']}/repondre", body, content_type)
            samples.append(time.perf_counter() - started)
            statuses[status] += 1
            if status not in (302, 303) and statuses[status] == 1:
                print(f"Envoi {n + 1} : HTTP {status} {page[:300]!r}", file=sys.stderr)
        after, peak = _workers_mb(pids), _workers_mb(pids, "VmHWM")
        restarted = sorted(server.worker_pids()) != sorted(pids)
    samples.sort()
    errors = sum(count for status, count in statuses.items() if status not in (302, 303))
    return {"bytes": len(photo), "uploads": HTTP_UPLOADS, "errors": errors,
            "statuses": {str(k): v for k, v in statuses.items()},
            "p50_s": round(statistics.median(samples), 3),
            "p95_s": round(samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))], 3),
            "rss_before_mb": before, "rss_after_mb": after, "peak_rss_mb": peak,
            "max_rss_before_mb": max(before.values()), "max_rss_after_mb": max(after.values()),
            "max_peak_rss_mb": max(peak.values()), "workers_restarted": restarted}


def report_http_uploads(result: dict) -> None:
    ok = result["max_rss_after_mb"] <= TARGET_RSS_MB and not result["errors"]
    print(f"{result['uploads']} réponses avec la photo de {result['bytes'] / 1e6:.1f} Mo par HTTP (2 workers gunicorn) : "
          f"p50 {result['p50_s']:.3f} s  p95 {result['p95_s']:.3f} s  {result['errors']} erreurs")
    print(f"RSS des workers (le plus gros des deux) : avant {result['max_rss_before_mb']:.0f} Mo, après "
          f"{result['max_rss_after_mb']:.0f} Mo (pic {result['max_peak_rss_mb']:.0f} Mo ; par worker : "
          f"{', '.join(f'{v:.0f}' for v in result['rss_after_mb'].values())} Mo)   cible ≤ {TARGET_RSS_MB:g} Mo  "
          f"{'ok' if ok else 'HORS CIBLE'}" + ("  (un worker a redémarré pendant la mesure)"
                                               if result["workers_restarted"] else ""))


def serve(instance: Instance, args: argparse.Namespace, path: str, accel: str = "") -> dict:
    env = {**instance.env, "FILE_SERVE_ACCEL": accel}
    with Gunicorn(env, args.port, workers=2):
        load(HOST, args.port, path, 2.0, args.concurrency)  # warm-up
        return load(HOST, args.port, path, args.duration, args.concurrency).summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="secondes de charge HTTP")
    parser.add_argument("--rounds", type=int, default=20, help="envois chronométrés de la photo de 5 Mo")
    parser.add_argument("--concurrency", type=int, default=4, help="clients HTTP simultanés")
    parser.add_argument("--port", type=int, default=5190)
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    parser.add_argument("--http-uploads-only", action="store_true",
                        help="seulement les 100 envois par HTTP et la mémoire des workers")
    args = parser.parse_args()

    with Instance(keep=args.keep) as instance:
        instance.env["STORAGE_URL"] = f"file://{instance.path / 'files'}"
        instance.flask("db", "upgrade", capture=True)
        if args.http_uploads_only:
            over_http = http_uploads(instance, args)
            print()
            report_http_uploads(over_http)
            print(f"Résultats : {write_results('files-http-uploads', {'http_uploads': over_http})}")
            return
        upload = _child(instance, UPLOAD_SCRIPT, str(args.rounds))
        memory = _child(instance, UPLOAD_SCRIPT, "100")
        over_http = http_uploads(instance, args)
        stored = _child(instance, SERVE_SCRIPT)
        direct = serve(instance, args, stored["path"])
        accel = serve(instance, args, stored["path"], "x-accel-redirect:/fichiers-internes/")
    report(args, upload, memory, over_http, stored, direct, accel)


def report(args, upload: dict, memory: dict, over_http: dict, stored: dict, direct: dict, accel: dict) -> None:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "HORS CIBLE"

    print()
    print(f"Envoi d'une photo JPEG de {upload['bytes'] / 1e6:.1f} Mo (ré-encodage + stockage), {upload['rounds']} fois : "
          f"p50 {upload['p50_s']:.3f} s  p95 {upload['p95_s']:.3f} s   cible p95 ≤ {TARGET_UPLOAD_P95_S:g} s  "
          f"{verdict(upload['p95_s'] <= TARGET_UPLOAD_P95_S)}")
    print(f"Mémoire d'un processus après 100 envois (hors HTTP) : RSS {memory['rss_mb']:.0f} Mo, pic "
          f"{memory['peak_rss_mb']:.0f} Mo   cible ≤ {TARGET_RSS_MB:g} Mo  {verdict(memory['rss_mb'] <= TARGET_RSS_MB)}")
    report_http_uploads(over_http)
    print(f"Image de {stored['bytes'] / 1e3:.0f} ko servie par 2 workers gunicorn ({args.concurrency} clients, "
          f"{args.duration:g} s) : {direct['rps']} req/s  p50 {direct['p50_ms']:.2f} ms  p95 {direct['p95_ms']:.2f} ms  "
          f"{direct['errors']} erreurs   cible ≥ {TARGET_RPS:g} req/s  "
          f"{verdict(direct['rps'] >= TARGET_RPS and not direct['errors'])}")
    print(f"Même chose avec FILE_SERVE_ACCEL=x-accel-redirect (réponse sans corps, le proxy envoie le fichier) : "
          f"{accel['rps']} req/s  p50 {accel['p50_ms']:.2f} ms  {accel['errors']} erreurs")
    path = write_results("files", {"upload": upload, "memory_100_uploads": memory,
                                   "http_uploads": over_http, "serve": direct,
                                   "serve_accel": accel, "duration_s": args.duration,
                                   "concurrency": args.concurrency})
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
