"""`invoke subscriptions.serve`: the web service for sign-ups, unsubscribes and comments.

A mistake is one line on stderr starting with "error:" and exit code 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from invoke import Exit, task

from plugins.blog import build as site
from plugins.errors import NurtureError

from . import server
from .settings import ROOT, load_settings


@task(
    help={
        "host": "address to listen on (default 127.0.0.1; keep it behind a reverse proxy)",
        "port": "port to listen on (default 8002)",
        "settings": "the settings file (default pelicanconf.py; publishconf.py in production)",
    }
)
def serve(c, host="127.0.0.1", port="8002", settings=str(ROOT / "pelicanconf.py")):
    """Run the subscriptions service: sign-up, confirmation, one-click unsubscribe, comments."""
    try:
        number = site.port_number(port)
        prepared = server.prepare(load_settings(Path(settings)))
        listener = server.listen(host, number)
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None
    config = prepared.settings
    if prepared.backup:
        print(f"upgraded {config.database}; the old version is kept in {prepared.backup}")
    print(f"Subscriptions service for {config.site_name} at {config.url}")
    print(f"  contacts: {config.database}")
    print(f"  comments queue: {config.comments.queue_root}")
    print(f"  mail: {prepared.mailer.description}")
    print(f"Listening on http://{host}:{number}/ (Ctrl-C stops)", flush=True)
    server.run(prepared, listener)
