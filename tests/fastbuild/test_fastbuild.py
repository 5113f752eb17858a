"""Fast builds produce exactly what a plain, sequential, uncached build produces."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.sitegen import generate
from tests.helpers import build_site

PARALLEL = {"FASTBUILD": json.dumps({"workers": 2, "min_batch": 1})}
SEQUENTIAL = {"FASTBUILD": json.dumps({"workers": 1})}
INCREMENTAL = {
    "CACHE_CONTENT": "true",
    "LOAD_CONTENT_CACHE": "true",
    "DELETE_OUTPUT_DIRECTORY": "false",
    "GZIP_CACHE": "false",
}


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
    return root


def test_parallel_build_is_identical_to_sequential(content, tmp_path):
    build(content, tmp_path / "sequential", tmp_path / "c1", **SEQUENTIAL)
    build(content, tmp_path / "parallel", tmp_path / "c2", **PARALLEL)
    assert len(tree(tmp_path / "parallel")) > 300
    assert_same_tree(tmp_path / "parallel", tmp_path / "sequential")


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


def _delete_post(content: Path) -> None:
    (content / "posts/post-00033.md").unlink()
    shutil.rmtree(content / "comments/post-00033")


@pytest.mark.parametrize(
    "edit",
    [_edit_title, _edit_body, _add_comment, _add_post, _delete_post],
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
