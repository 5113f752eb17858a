"""Run Pelican for the `invoke` site tasks and report what went wrong.

Pelican logs a bad post and skips it; `run_pelican` counts those errors so that
`invoke build` can finish the whole site and still exit non-zero, and so that
`invoke preview`/`publish` refuse to publish a site with errors.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pelican import autoreload, get_instance, parse_arguments
from pelican.log import init as init_logging
from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer
from pelican.settings import read_settings as pelican_read_settings

from plugins.errors import NurtureError


class BuildError(NurtureError):
    """The site could not be built at all (bad settings, a plugin refused)."""


class PortError(NurtureError):
    """A --port that is not a TCP port number."""


class PublishError(NurtureError):
    """Publishing is not configured."""


@dataclass
class BuildResult:
    """What one Pelican run produced and what it complained about."""

    output_path: Path
    seconds: float
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        lines = [f"Built {self.output_path} in {self.seconds:.1f} s: {counts}"]
        lines += [f"  error: {first_line(message)}" for message in self.errors]
        return "\n".join(lines)


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message


class _ProblemCollector(logging.Handler):
    """Remembers every warning and error logged while Pelican runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(message)


def _pelican_args(settings_file: Path, argv: list[str]) -> argparse.Namespace:
    try:
        args = parse_arguments(["-s", str(settings_file), *argv])
    except ValueError as error:  # a malformed -e SETTING=VALUE
        raise BuildError(str(error)) from None
    init_logging(
        level=args.verbosity,
        fatal=args.fatal,
        name="pelican",
        logs_dedup_min_level=getattr(logging, args.logs_dedup_min_level),
    )
    return args


def run_pelican(settings_file: Path, argv: list[str]) -> BuildResult:
    """Build the site like `pelican -s SETTINGS ARGV...`, collecting errors instead of dying."""
    args = _pelican_args(settings_file, argv)
    collector = _ProblemCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    start = time.perf_counter()
    try:
        pelican, settings = get_instance(args)
        pelican.run()
    except NurtureError as error:
        raise BuildError(str(error)) from None
    except Exception as error:  # Pelican's own `main` logs these in one line too
        if args.verbosity == logging.DEBUG:
            raise
        raise BuildError(
            f"the build stopped: {type(error).__name__}: {first_line(str(error))} "
            "(add `-- -D` for the traceback)"
        ) from None
    finally:
        root.removeHandler(collector)
        # fastbuild switches the collector off while it builds (also if it fails) and
        # freezes what the build made; livereload collects it once the browser reloaded.
        gc.unfreeze()
        gc.enable()
    return BuildResult(
        output_path=Path(settings["OUTPUT_PATH"]),
        seconds=time.perf_counter() - start,
        errors=collector.errors,
        warnings=collector.warnings,
    )


def regenerate(settings_file: Path, argv: list[str]) -> None:
    """Rebuild whenever content, theme or settings change, until interrupted."""
    with contextlib.suppress(KeyboardInterrupt):
        autoreload(_pelican_args(settings_file, ["--autoreload", *argv]))


def read_settings(settings_file: Path) -> dict:
    """Pelican's settings from `settings_file`, paths made absolute; BuildError if unreadable."""
    try:
        return pelican_read_settings(str(settings_file))
    except Exception as error:  # a typo in pelicanconf.py: say where, not a traceback
        raise BuildError(
            f"cannot read {settings_file.name}: {type(error).__name__}: {error}"
        ) from None


def output_path(settings_file: Path) -> Path:
    return Path(read_settings(settings_file)["OUTPUT_PATH"])


def clean(root: Path) -> Iterator[Path]:
    """Delete the generated site and Pelican's cache; yield what was removed."""
    settings = read_settings(root / "pelicanconf.py")
    for name in (settings["OUTPUT_PATH"], settings["CACHE_PATH"]):
        path = Path(name)
        if path.is_dir() and path != root:
            shutil.rmtree(path)
            yield path


def port_number(value: object) -> int:
    """A TCP port given on the command line; PortError saying what is wrong."""
    text = str(value)
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise PortError(f"--port must be a number from 1 to 65535, not {text!r}")
    return int(text)


def serve(directory: Path, host: str, port: int) -> None:
    """Serve a built site over HTTP until interrupted."""

    class Server(RootedHTTPServer):
        allow_reuse_address = True

    with (
        Server(str(directory), (host, port), ComplexHTTPRequestHandler) as server,
        contextlib.suppress(KeyboardInterrupt),
    ):
        server.serve_forever()


GARBAGE_DELAY = 1.0  # seconds after a livereload build before its garbage is collected
# Settings of an incremental build: Pelican's content cache, and output/ kept, so that
# only the pages that changed are rendered and rewritten (plugins/fastbuild).
INCREMENTAL = (
    "CACHE_CONTENT=true",
    "LOAD_CONTENT_CACHE=true",
    "DELETE_OUTPUT_DIRECTORY=false",
    "GZIP_CACHE=false",
)


def livereload(root: Path, settings_file: Path, host: str, port: int, extra: list[str]) -> None:
    """Serve the site, rebuild on every save and reload the browser."""
    from livereload import Server
    from tornado.ioloop import IOLoop

    settings = read_settings(settings_file)

    def cached_build() -> None:
        try:
            result = run_pelican(settings_file, ["-e", *INCREMENTAL, *extra])
        except BuildError as error:  # keep serving: the next save may fix it
            print(f"error: {error}")
            return
        print(result.summary())
        # The build before this one is garbage now, and fastbuild builds without the
        # collector: free it once the browser has reloaded, not at the start of the next.
        IOLoop.current().call_later(GARBAGE_DELAY, gc.collect)

    cached_build()
    server = Server()
    theme = settings["THEME"]
    for pattern in (
        str(settings_file),
        f"{theme}/templates/**/*.html",
        f"{theme}/static/**/*",
        f"{settings['PATH']}/**/*.md",
        "plugins/**/*.py",
    ):
        server.watch(str(root / pattern), cached_build)
    server.serve(host=host, port=port, root=settings["OUTPUT_PATH"])


@dataclass
class RsyncTarget:
    host: str
    port: int
    user: str
    directory: str

    @property
    def destination(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{user}{self.host}:{self.directory.rstrip('/')}/"


def rsync_target(settings_file: Path) -> RsyncTarget:
    """Where `invoke publish` uploads to, from the settings (publishconf.py reads the env)."""
    settings = read_settings(settings_file)
    for name in ("SSH_HOST", "SSH_TARGET_DIR"):
        if not settings.get(name):
            raise PublishError(
                f"publishing needs {name}: set {name} in {settings_file.name} "
                f"or NURTURE_{name} in the environment; nothing was uploaded"
            )
    return RsyncTarget(
        host=settings["SSH_HOST"],
        port=int(settings.get("SSH_PORT") or 22),
        user=settings.get("SSH_USER") or "",
        directory=settings["SSH_TARGET_DIR"],
    )


def rsync_command(output: Path, target: RsyncTarget) -> list[str]:
    return [
        "rsync",
        "--delete",
        "--exclude",
        ".DS_Store",
        "-pthrvz",
        "--checksum",
        "-e",
        f"ssh -p {target.port}",
        f"{output}/",
        target.destination,
    ]


def ghp_import_command(output: Path, settings_file: Path) -> list[str]:
    branch = read_settings(settings_file).get("GITHUB_PAGES_BRANCH", "gh-pages")
    message = f"Publish site on {date.today().isoformat()}"
    ghp_import = shutil.which("ghp-import", path=Path(sys.executable).parent) or "ghp-import"
    return [ghp_import, "-b", branch, "-m", message, "--no-jekyll", "-p", str(output)]
