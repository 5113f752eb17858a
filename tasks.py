"""Nurture's front door: `invoke --list` shows every command.

The site tasks below are the ones pelican-quickstart users know. Each package under
plugins/ that has a `tasks.py` contributes its own namespace (`invoke contacts.add`,
`invoke newsletter.send`, ...). Task bodies stay thin: they parse arguments, call the
library and print.
"""

from __future__ import annotations

import contextlib
import importlib
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from invoke import Collection, Exit, task

from plugins.blog import build as site
from plugins.newsletter import preview as newsletter_preview
from plugins.newsletter import rendered

ROOT = Path(__file__).resolve().parent
SETTINGS_BASE = ROOT / "pelicanconf.py"
SETTINGS_PUBLISH = ROOT / "publishconf.py"
DEMO_ISSUE = 2


def _port(port: str) -> int:
    try:
        return site.port_number(port)
    except site.PortError as error:
        raise Exit(f"error: {error}", code=1) from None


def _passthrough() -> list[str]:
    """Arguments after `--` go to pelican unchanged: `invoke build -- -D`."""
    return sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """A mistake in the settings or the site is one line and a non-zero exit."""
    try:
        yield
    except (site.BuildError, site.PublishError) as error:
        raise Exit(f"error: {error}", code=1) from None


def _build(settings: Path, *extra: str) -> site.BuildResult:
    with _one_line_errors():
        result = site.run_pelican(settings, [*extra, *_passthrough()])
    print(result.summary())
    return result


def _checked_build(settings: Path, *extra: str, action: str = "") -> site.BuildResult:
    result = _build(settings, *extra)
    if result.errors:
        refusal = f"; refusing to {action}" if action else ""
        raise Exit(f"error: the build had {len(result.errors)} error(s){refusal}", code=1)
    return result


@task
def clean(c):
    """Remove the generated site (output/) and Pelican's cache."""
    with _one_line_errors():
        for path in site.clean(ROOT):
            print(f"removed {path}")


@task
def build(c):
    """Build the site into output/ with pelicanconf.py."""
    _checked_build(SETTINGS_BASE)


@task
def rebuild(c):
    """`build` after deleting output/."""
    _checked_build(SETTINGS_BASE, "--delete-output-directory")


@task
def regenerate(c):
    """Rebuild whenever content, theme or settings change."""
    with _one_line_errors():
        site.regenerate(SETTINGS_BASE, _passthrough())


@task(help={"host": "address to listen on", "port": "port to listen on"})
def serve(c, host="127.0.0.1", port="8000"):
    """Serve output/ at http://HOST:PORT/ (Ctrl-C stops)."""
    number = _port(port)
    with _one_line_errors():
        directory = site.output_path(SETTINGS_BASE)
    print(f"Serving {directory} at http://{host}:{port}/ (Ctrl-C stops)")
    try:
        site.serve(directory, host, number)
    except OSError as error:
        raise Exit(f"error: cannot listen on {host}:{port}: {error.strerror}", code=1) from None


@task(help={"host": "address to listen on", "port": "port to listen on"})
def reserve(c, host="127.0.0.1", port="8000"):
    """`build`, then `serve`."""
    build(c)
    serve(c, host=host, port=port)


@task
def preview(c):
    """Build the production site with publishconf.py (refuses if anything failed)."""
    _checked_build(SETTINGS_PUBLISH, action="publish")


@task(help={"host": "address to listen on", "port": "port to listen on"})
def livereload(c, host="127.0.0.1", port="8000"):
    """Serve the site and rebuild and reload the browser whenever you save."""
    number = _port(port)
    with _one_line_errors():
        site.livereload(ROOT, SETTINGS_BASE, host, number, _passthrough())


@task
def publish(c):
    """Build with publishconf.py and upload output/ with rsync over ssh."""
    with _one_line_errors():
        target = site.rsync_target(SETTINGS_PUBLISH)
    result = _checked_build(SETTINGS_PUBLISH, action="publish")
    c.run(shlex.join(site.rsync_command(result.output_path, target)), pty=False)


@task(name="gh-pages")
def gh_pages(c):
    """Build with publishconf.py and push output/ to the GitHub Pages branch."""
    result = _checked_build(SETTINGS_PUBLISH, action="publish")
    with _one_line_errors():
        command = site.ghp_import_command(result.output_path, SETTINGS_PUBLISH)
    c.run(shlex.join(command))


@task
def demo(c):
    """Build the sample site and newsletter, then say where to look."""
    result = _build(SETTINGS_BASE)
    if result.errors:
        raise Exit(f"error: the build had {len(result.errors)} error(s)", code=1)
    issue = rendered.load_rendered(DEMO_ISSUE, rendered.rendered_directory(SETTINGS_BASE))
    html, text = newsletter_preview.write_preview(
        issue, newsletter_preview.default_recipient(issue)
    )
    print(f"""
The sample blog is in {result.output_path}/
  open it:        make serve  (or .venv/bin/invoke serve), then http://127.0.0.1:8000/
  newsletter:     http://127.0.0.1:8000/newsletter/
  issue {issue.number} as an email, as a reader receives it:
                  {html}
                  {text}
  your contacts:  NURTURE_DB=data/sample.sqlite3 .venv/bin/invoke contacts.sample
                  then the same NURTURE_DB with contacts.due, contacts.list, contacts.stats
  more commands:  .venv/bin/invoke --list""")


ns = Collection(clean, build, rebuild, regenerate, serve, reserve, preview, livereload, publish)
ns.add_task(gh_pages)
ns.add_task(demo)
for plugin_tasks in sorted(ROOT.glob("plugins/*/tasks.py")):
    name = plugin_tasks.parent.name
    ns.add_collection(
        Collection.from_module(importlib.import_module(f"plugins.{name}.tasks")), name=name
    )
