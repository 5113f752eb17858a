"""Sites written for one behaviour each: related posts, bad posts, production settings."""

from __future__ import annotations

import pytest

from tests.helpers import BIN, ROOT, build_site, copy_project, run
from tests.site.conftest import soup, write_post


def _related_titles(output, slug, date="2025/01"):
    html = soup(output / date / slug / "index.html")
    return [a.get_text(strip=True) for a in html.select(".related__title")]


def test_related_posts_rank_shared_tags_then_category_then_date(tmp_path):
    content = tmp_path / "content"
    posts = {
        "anchor": ("2025-01-10", "Follow-Up", "cards, coffee, meals"),
        "three-shared": ("2025-01-02", "Referrals", "cards, coffee, meals"),
        "two-shared-same-category": ("2025-01-03", "Follow-Up", "cards, coffee"),
        "two-shared-other-category": ("2025-01-09", "Referrals", "cards, coffee"),
        "one-shared-newest": ("2025-01-20", "Referrals", "meals"),
        "untagged-same-category": ("2025-01-15", "Follow-Up", ""),
        "untagged-other-category": ("2025-01-16", "Gratitude", ""),
    }
    for slug, (date, category, tags) in posts.items():
        write_post(content, slug, date=f"{date} 09:00", category=category, tags=tags)
    output = tmp_path / "output"
    result = build_site(content, output)
    assert result.returncode == 0, result.stderr

    assert _related_titles(output, "anchor") == [
        "Three Shared",
        "Two Shared Same Category",
        "Two Shared Other Category",
    ]
    # No shared tag at all: the newest posts of the same category fill in.
    assert _related_titles(output, "untagged-same-category") == [
        "Anchor",
        "Two Shared Same Category",
    ]
    assert _related_titles(output, "untagged-other-category") == []


def _bad_site(tmp_path):
    content = tmp_path / "content"
    write_post(content, "good-post", date="2025-02-01 09:00", tags="cards")
    write_post(content, "bad-date", date="2025-13-45 99:00")
    write_post(content, "no-title", title="")
    write_post(content, "stranger", author="Somebody Unknown", date="2025-02-02 09:00")
    return content


def test_build_names_each_bad_post_finishes_the_site_and_exits_non_zero(tmp_path):
    project = copy_project(tmp_path / "project", content=_bad_site(tmp_path))
    result = run([str(BIN / "invoke"), "build"], cwd=project)
    assert result.returncode == 1
    report = result.stdout + result.stderr
    assert "3 error(s)" in report
    assert "bad-date.md" in report
    assert "no-title.md" in report and "title" in report
    assert "stranger.md" in report and "unknown author 'Somebody Unknown'" in report
    assert "AUTHOR_PROFILES" in report
    assert "Traceback" not in report
    output = project / "output"
    assert (output / "2025/02/good-post/index.html").exists()
    assert (output / "index.html").exists()
    assert not (output / "2025/13").exists()


def test_preview_refuses_a_site_with_errors(tmp_path):
    project = copy_project(tmp_path / "project", content=_bad_site(tmp_path))
    result = run([str(BIN / "invoke"), "preview"], cwd=project)
    assert result.returncode == 1
    assert "error: the build had 3 error(s); refusing to publish" in result.stderr


def test_production_build_refuses_a_relative_siteurl(tmp_path):
    project = copy_project(tmp_path / "project")
    result = run([str(BIN / "invoke"), "preview"], cwd=project, env={"NURTURE_SITEURL": "/blog"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: SITEURL must be the site's absolute address in production (feeds, sitemap and "
        "share links need it): set NURTURE_SITEURL=https://... or SITEURL in publishconf.py"
    ]
    assert not (project / "output").exists()


def test_production_build_uses_absolute_urls_and_hides_drafts(tmp_path):
    project = copy_project(tmp_path / "project")
    siteurl = "https://blog.example.org/warm"
    result = run([str(BIN / "invoke"), "preview"], cwd=project, env={"NURTURE_SITEURL": siteurl})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s)" in result.stdout
    output = project / "output"
    home = soup(output / "index.html")
    assert home.select_one("article.card h2 a")["href"].startswith(f"{siteurl}/")
    images = [img["src"] for path in output.glob("20*/*/*/index.html") for img in soup(path)("img")]
    assert images and all(src.startswith(f"{siteurl}/images/") for src in images)
    assert not (output / "drafts").exists()


@pytest.mark.parametrize("bad", ['SHARE_LINKS=["email", "myspace"]', "RELATED_POSTS_MAX=-1"])
def test_bad_settings_stop_the_build_with_one_line(tmp_path, bad):
    name, value = bad.split("=", 1)
    result = build_site(ROOT / "content", tmp_path / "output", overrides={name: value})
    assert result.returncode != 0
    assert name in result.stdout + result.stderr
