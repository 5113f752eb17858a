"""Build speed: Nurture beside plain Pelican on the same generated posts, in the same run.

Method. bench.sitegen writes N posts of about 850 words (5 categories, 12 tags, 2
authors) with 3 comments each. Each build runs in its own child process (so the
figures do not mix), into an empty output directory with an empty cache, and the
child reports its wall time and peak memory (its own and its workers').

- plain Pelican 4.12: its default theme and its default feeds (all posts, each
  category and author, Atom and RSS), ARTICLE_PATHS = ["posts"];
- Nurture: pelicanconf.py, our theme and every plugin (related posts, comments with
  their feeds, all our feeds, sitemap, newsletter...), plugins/fastbuild on.

Cold builds are timed best of three, the two builders taking turns. Every build writes
into a directory of its own and nothing is deleted until all are timed: on this
machine's ext4 (no journal) creating files is several times slower for minutes after
many were deleted nearby (the allocator skips recently freed inodes one by one), which
would charge each builder for the one before it. The incremental
figure is what `invoke livereload` does after a save: a warm build with the content
cache on, then one post's title edited and the rebuild timed, three times (best of
three, all three in the note). The scaling table
(full run only) builds 1,000, 5,000 and 10,000 posts with Nurture.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import sitegen
from bench.figures import Figure
from plugins.blog.build import INCREMENTAL

ROOT = Path(__file__).resolve().parents[1]
PLAIN_SETTINGS = """
AUTHOR = "Olivia Hart"
SITENAME = "Plain Pelican"
SITEURL = "https://bench.example"
FEED_DOMAIN = SITEURL
PATH = "content"
ARTICLE_PATHS = ["posts"]
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
"""
# Livereload's loop in a child process: a warm incremental build, then, three times, one
# post's title edited and the same process building again (timed), as `invoke livereload`
# does after each save; between saves, the garbage collection livereload does once the
# browser has reloaded (plugins/blog/build.py, untimed).
LIVERELOAD_CHILD = """
import gc, json, sys, time
from pathlib import Path
from plugins.blog.build import run_pelican
settings, post, overrides = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
run_pelican(settings, overrides)
original = post.read_text()
seconds = []
try:
    for edit in range(3):
        gc.collect()
        post.write_text(original.replace("Title: ", f"Title: Edit {edit} ", 1))
        start = time.perf_counter()
        run_pelican(settings, overrides)
        seconds.append(time.perf_counter() - start)
finally:
    post.write_text(original)
print(json.dumps({"seconds": seconds}))
"""
# Runs one build in a child process and prints {"seconds": ..., "peak_mb": ...}.
CHILD = """
import json, resource, sys, time
sys.argv = ["pelican", *sys.argv[1:]]
from pelican import main
start = time.perf_counter()
try:
    main()
except SystemExit:
    pass
seconds = time.perf_counter() - start
from bench.figures import peak_rss_mb
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": max(peak_rss_mb(), workers)}))
"""


def _build(content: Path, settings: Path, work: Path, *overrides: str) -> dict:
    """One cold build of `content` into a new directory under `work`."""
    work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=work))
    output, cache = work / "output", work / "cache"
    args = [sys.executable, "-c", CHILD, str(content), "-s", str(settings), "-o", str(output)]
    args += ["-q", "-e", f"CACHE_PATH={json.dumps(str(cache))}", *overrides]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"build failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _site(root: Path, posts: int) -> Path:
    content = root / f"content-{posts}"
    if not content.exists():
        sitegen.generate(content, posts, comments=3)
    return content


def _cold(content: Path, plain: Path, work: Path) -> tuple[dict, dict]:
    best: dict[str, dict] = {}
    for _ in range(3):
        for name, settings in (("plain", plain), ("nurture", ROOT / "pelicanconf.py")):
            run = _build(content, settings, work / name)
            if name not in best or run["seconds"] < best[name]["seconds"]:
                best[name] = run
    return best["plain"], best["nurture"]


def _incremental(content: Path, work: Path) -> list[float]:
    posts = sorted((content / "posts").glob("*.md"))
    overrides = [str(content), "-o", str(work / "output"), "-q", "-e"]
    overrides += [f"CACHE_PATH={json.dumps(str(work / 'cache'))}", *INCREMENTAL]
    args = [sys.executable, "-c", LIVERELOAD_CHILD, str(ROOT / "pelicanconf.py")]
    args += [str(posts[len(posts) // 2]), *overrides]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"incremental build failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def run(quick: bool = False) -> list[Figure]:
    posts = 200 if quick else 1000
    with tempfile.TemporaryDirectory(prefix="nurture-bench-build-") as temp:
        root = Path(temp)
        plain = root / "plain.py"
        plain.write_text(PLAIN_SETTINGS)
        content = _site(root, posts)
        plain_run, nurture_run = _cold(content, plain, root)
        edits = sorted(_incremental(content, root / "incremental"))
        figures = [
            Figure(
                f"cold build, {posts} posts",
                nurture_run["seconds"],
                "s",
                anchor=plain_run["seconds"],
                anchor_label="plain Pelican",
                target="ratio ≤ 0.7",
                note=f"peak {nurture_run['peak_mb']:.0f} MB (plain {plain_run['peak_mb']:.0f} MB)",
            ),
            Figure(
                f"edit one post, rebuild ({posts} posts, cache on)",
                edits[0],
                "s",
                target="≤ 1.5 s",
                note="what livereload does after a save; best of 3 saves "
                f"({', '.join(f'{e:.2f}' for e in edits)} s)",
            ),
        ]
        if not quick:
            for size in (1000, 5000, 10000):
                measured = _build(_site(root, size), ROOT / "pelicanconf.py", root / "scale")
                figures.append(
                    Figure(
                        f"scaling: cold build, {size} posts",
                        measured["seconds"],
                        "s",
                        target="linear; < 1 GB",
                        note=f"peak {measured['peak_mb']:.0f} MB, "
                        f"{measured['seconds'] / size * 1000:.2f} ms/post",
                    )
                )
    return figures
