"""Fast builds produce exactly what a build without fastbuild, or a sequential and
uncached one, produces."""

from __future__ import annotations

import json
import re
import runpy
import shutil
from pathlib import Path

import pytest

from bench.sitegen import generate
from plugins.blog.build import INCREMENTAL as LIVERELOAD
from tests.helpers import BIN, ROOT, build_site, run

PARALLEL = {"FASTBUILD": json.dumps({"workers": 2, "min_batch": 1})}
SEQUENTIAL = {"FASTBUILD": json.dumps({"workers": 1})}
INCREMENTAL = dict(setting.split("=", 1) for setting in LIVERELOAD)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def assert_same_tree(actual: Path, expected: Path) -> None:
    got, want = tree(actual), tree(expected)
    assert sorted(got) == sorted(want), "different files"
    different = [name for name in want if got[name] != want[name]]
    assert not different, f"{len(different)} files differ, e.g. {different[:5]}"


def build(content: Path, output: Path, cache: Path, **overrides: str) -> str:
    settings = {"CACHE_PATH": json.dumps(str(cache)), **overrides}
    result = build_site(content, output, overrides=settings)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fast") / "content"
    generate(root, 90, seed=3, comments=2)
    (root / "pages").mkdir()
    (root / "pages/about.md").write_text("Title: About\nSlug: about\n\nWho we are.\n")
    return root


def test_parallel_build_is_identical_to_sequential(content, tmp_path):
    build(content, tmp_path / "sequential", tmp_path / "c1", **SEQUENTIAL)
    build(content, tmp_path / "parallel", tmp_path / "c2", **PARALLEL)
    assert len(tree(tmp_path / "parallel")) > 300
    assert_same_tree(tmp_path / "parallel", tmp_path / "sequential")


def test_a_fast_build_is_identical_to_a_build_without_fastbuild(content, tmp_path):
    """Pelican's own reader, writer and content objects, one process, the collector on."""
    plugins = [name for name in _settings_plugins() if name != "plugins.fastbuild"]
    build(content, tmp_path / "plain", tmp_path / "c1", PLUGINS=json.dumps(plugins))
    build(content, tmp_path / "fast", tmp_path / "c2", **PARALLEL)
    assert_same_tree(tmp_path / "fast", tmp_path / "plain")


def _settings_plugins() -> list[str]:
    return list(runpy.run_path(str(ROOT / "pelicanconf.py"))["PLUGINS"])


def test_warnings_from_every_worker_are_reported_once(tmp_path):
    content = tmp_path / "content"
    posts = generate(content, 80, seed=5)
    for number, post in enumerate(posts[::10]):
        post.write_text(
            post.read_text() + f"\nSee [gone]({{filename}}/posts/missing-{number}.md).\n"
        )
    logs = {
        name: build(content, tmp_path / name, tmp_path / f"cache-{name}", **overrides)
        for name, overrides in (("one", SEQUENTIAL), ("two", PARALLEL))
    }
    counts = {name: log.count("Unable to find") for name, log in logs.items()}
    assert counts["one"] == counts["two"] > 0  # Pelican limits repeats of one warning


def test_a_post_that_cannot_be_read_is_the_only_one_skipped(tmp_path):
    """Posts are converted in batches on the workers; one bad file fails alone."""
    content = tmp_path / "content"
    posts = generate(content, 40, seed=8)
    posts[13].write_bytes(posts[13].read_bytes() + b"\n\xff\xfe not UTF-8\n")
    outputs = {}
    for name, overrides in (("one", SEQUENTIAL), ("two", PARALLEL)):
        settings = {"CACHE_PATH": json.dumps(str(tmp_path / f"cache-{name}")), **overrides}
        result = build_site(content, tmp_path / name, overrides=settings)
        log = result.stdout + result.stderr
        assert log.count("Could not process") == 1, log
        assert posts[13].name in log
        outputs[name] = tmp_path / name
    assert len(list(outputs["two"].glob("20*/*/*/index.html"))) == len(posts) - 1
    assert_same_tree(outputs["two"], outputs["one"])


def _edit_title(content: Path) -> None:
    post = content / "posts/post-00040.md"
    post.write_text(post.read_text().replace("Title: ", "Title: Renamed ", 1))


def _edit_body(content: Path) -> None:
    post = content / "posts/post-00012.md"
    post.write_text(post.read_text() + "\nOne more paragraph about sending the card.\n")


def _add_comment(content: Path) -> None:
    (content / "comments/post-00007/9.md").write_text(
        "Author: Ama Mensah\nDate: 2020-02-01 10:00\nReplyto: 2\n\nThank you for this.\n"
    )


def _add_post(content: Path) -> None:
    template = (content / "posts/post-00050.md").read_text()
    new = template.replace("Slug: post-00050", "Slug: post-new").replace("Title: ", "Title: New ")
    (content / "posts/post-new.md").write_text(new.replace("Date: 20", "Date: 19", 1))


def _retitle_newest(content: Path) -> None:
    post = content / "posts/post-00090.md"  # listed on every 404 page, among the latest
    post.write_text(post.read_text().replace("Title: ", "Title: Renamed ", 1))


def _recategorise(content: Path) -> None:
    post = content / "posts/post-00021.md"
    text = post.read_text()
    category = next(line for line in text.splitlines() if line.startswith("Category: "))
    post.write_text(text.replace(category, "Category: Brand New", 1))


def _edit_page(content: Path) -> None:
    page = content / "pages/about.md"
    page.write_text(page.read_text().replace("Title: About", "Title: About us"))


def _add_draft(content: Path) -> None:
    template = (content / "posts/post-00060.md").read_text()
    draft = template.replace("Slug: post-00060", "Slug: post-draft\nStatus: draft")
    (content / "posts/post-draft.md").write_text(draft)


def _add_translation(content: Path) -> None:
    template = (content / "posts/post-00061.md").read_text()
    (content / "posts/post-00061-fr.md").write_text(
        template.replace("Slug: post-00061", "Slug: post-00061\nLang: fr")
    )


def _edit_comment(content: Path) -> None:
    comment = sorted((content / "comments/post-00070").glob("*.md"))[0]
    comment.write_text(comment.read_text() + "\nAn afterthought.\n")


def _delete_post(content: Path) -> None:
    (content / "posts/post-00033.md").unlink()
    shutil.rmtree(content / "comments/post-00033")


@pytest.mark.parametrize(
    "edit",
    [
        _edit_title,
        _edit_body,
        _add_comment,
        _add_post,
        _delete_post,
        _retitle_newest,
        _recategorise,
        _edit_page,
        _add_draft,
        _add_translation,
        _edit_comment,
    ],
    ids=lambda f: f.__name__,
)
def test_incremental_build_after_an_edit_matches_a_cold_build(content, tmp_path, edit):
    mine = tmp_path / "content"
    shutil.copytree(content, mine)
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(mine, output, cache, **INCREMENTAL, **PARALLEL)
    edit(mine)
    build(mine, output, cache, **INCREMENTAL, **PARALLEL)
    build(mine, tmp_path / "cold", tmp_path / "cold-cache", **SEQUENTIAL)
    assert_same_tree(output, tmp_path / "cold")


def test_an_incremental_build_rewrites_only_what_changed(content, tmp_path):
    mine = tmp_path / "content"
    shutil.copytree(content, mine)
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(mine, output, cache, **INCREMENTAL, **PARALLEL)
    pages = sorted(output.rglob("*.html"))
    before = {page: page.stat().st_mtime_ns for page in pages}
    _edit_body(mine)
    build(mine, output, cache, **INCREMENTAL, **PARALLEL)
    rewritten = [page for page in pages if page.stat().st_mtime_ns != before[page]]
    assert [p.relative_to(output).as_posix() for p in rewritten] == [
        "2020/01/post-00012/index.html"
    ]


def test_a_verbose_parallel_build_logs_each_page_once(content, tmp_path):
    output = tmp_path / "output"
    overrides = {"CACHE_PATH": json.dumps(str(tmp_path / "cache")), **PARALLEL}
    args = [str(BIN / "pelican"), str(content), "-s", str(ROOT / "pelicanconf.py")]
    args += ["-o", str(output), "-v", "--logs-dedup-min-level", "DEBUG"]  # no dedup
    args += ["-e", *(f"{k}={v}" for k, v in overrides.items())]
    result = run(args, env={"COLUMNS": "1000"})  # one line per record
    assert result.returncode == 0, result.stdout + result.stderr
    written = re.findall(r'Writing "([^"]+)"', result.stdout + result.stderr)
    assert len(written) > 150
    assert sorted(written) == sorted(set(written))
    pages = {str(page.resolve()) for page in output.rglob("*.html")}
    assert pages <= {str(Path(name).resolve()) for name in written}  # every process's pages


@pytest.mark.parametrize("slug", ["post-00010", "post-00011"])  # one page each process
def test_a_page_that_fails_to_render_fails_the_parallel_build_too(content, tmp_path, slug):
    templates = tmp_path / "templates"
    templates.mkdir()
    article = (ROOT / "theme/templates/article.html").read_text()
    broken = f'{{% if article.slug == "{slug}" %}}{{{{ no_such.thing }}}}{{% endif %}}'
    (templates / "article.html").write_text(
        article.replace("{% block content %}", "{% block content %}" + broken, 1)
    )
    results = {}
    for name, overrides in (("one", SEQUENTIAL), ("two", PARALLEL)):
        settings = {
            "CACHE_PATH": json.dumps(str(tmp_path / f"cache-{name}")),
            "THEME_TEMPLATES_OVERRIDES": json.dumps([str(templates)]),
            **overrides,
        }
        results[name] = build_site(content, tmp_path / name, overrides=settings)
    for result in results.values():
        log = result.stdout + result.stderr
        assert result.returncode != 0
        assert "'no_such' is undefined" in log
    assert not list((tmp_path / "two").rglob("*.tmp"))


def test_after_a_build_the_collector_is_on_and_nothing_is_left_frozen(content, tmp_path):
    """fastbuild freezes the build's objects as it ends (no pass over them then); the
    invoke tasks and livereload unfreeze them, so each build's garbage is collected."""
    import gc

    from plugins.blog.build import run_pelican

    cache = json.dumps(str(tmp_path / "cache"))
    result = run_pelican(
        ROOT / "pelicanconf.py",
        [str(content), "-o", str(tmp_path / "out"), "-e", f"CACHE_PATH={cache}"],
    )
    assert not result.errors
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_second_run_of_the_same_pelican_builds_the_same_site(content, tmp_path):
    """Pelican's own autoreload (`invoke regenerate`) runs one instance again: every run
    starts a fresh build (feeds, comments, page writers, collector), not only the first."""
    import gc

    from pelican import get_instance, parse_arguments

    build(content, tmp_path / "cold", tmp_path / "c1", **SEQUENTIAL)
    output = tmp_path / "again"
    cache = json.dumps(str(tmp_path / "c2"))
    args = [str(content), "-s", str(ROOT / "pelicanconf.py"), "-o", str(output), "-q"]
    args += ["-e", f"CACHE_PATH={cache}", *(f"{k}={v}" for k, v in PARALLEL.items())]
    pelican, _ = get_instance(parse_arguments(args))
    try:
        pelican.run()
        shutil.rmtree(output)
        pelican.run()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
        gc.enable()
    assert_same_tree(output, tmp_path / "cold")
    assert frozen  # the second run's objects: the next run collects them


def test_the_garbage_collector_is_on_again_after_a_build_that_fails(tmp_path: Path) -> None:
    """fastbuild builds without the collector; a build that stops must not leave it off
    (livereload keeps running)."""
    import gc

    from plugins.blog.build import BuildError, run_pelican

    settings = tmp_path / "settings.py"
    settings.write_text((ROOT / "pelicanconf.py").read_text() + "\nTHEME = 'no-such-theme'\n")
    gc.disable()
    try:
        with pytest.raises(BuildError):
            run_pelican(settings, [str(tmp_path / "content"), "-o", str(tmp_path / "out")])
        assert gc.isenabled()
    finally:
        gc.enable()
