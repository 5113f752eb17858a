"""The invoke tasks pelican-quickstart users know, run in a private copy of the project."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import pytest

from tests.helpers import BIN, copy_project, free_port, run

INVOKE = str(BIN / "invoke")

# Stands in for ssh: runs the remote command (rsync --server ...) on this machine.
FAKE_SSH = """#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in -p|-l|-o|-i) shift 2 ;; -*) shift ;; *) break ;; esac
done
shift
exec sh -c "$*"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("tasks") / "project")


def test_every_quickstart_task_is_listed(project):
    listing = run([INVOKE, "--list"], cwd=project).stdout
    for name in (
        "clean", "build", "rebuild", "regenerate", "serve", "reserve",
        "preview", "livereload", "publish", "gh-pages", "demo",
    ):  # fmt: skip
        assert f"  {name} " in listing or f"  {name}\n" in listing, name


def test_build_passes_extra_arguments_to_pelican_and_clean_removes_output(project):
    result = run([INVOKE, "build", "--", "-e", 'SITENAME="Passed Through"'], cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Built " in result.stdout and "0 error(s)" in result.stdout
    assert "<title>Passed Through" in (project / "output/index.html").read_text()
    result = run([INVOKE, "clean"], cwd=project)
    assert result.returncode == 0
    assert not (project / "output").exists()


def test_publish_without_a_target_names_the_setting_and_uploads_nothing(project):
    result = run([INVOKE, "publish"], cwd=project, env={"NURTURE_SSH_HOST": ""})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: publishing needs SSH_HOST: set SSH_HOST in publishconf.py or "
        "NURTURE_SSH_HOST in the environment; nothing was uploaded"
    ]
    assert not (project / "output").exists()


def test_publish_uploads_the_production_site_with_rsync_over_ssh(project, tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "ssh").write_text(FAKE_SSH)
    (fake_bin / "ssh").chmod(0o755)
    remote = tmp_path / "www"
    env = {
        "PATH": f"{fake_bin}:/usr/bin:/bin",
        "NURTURE_SSH_HOST": "web.example",
        "NURTURE_SSH_USER": "deploy",
        "NURTURE_SSH_TARGET_DIR": str(remote),
        "NURTURE_SITEURL": "https://warmleads.example",
    }
    result = run([INVOKE, "publish"], cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (remote / "index.html").exists()
    assert "https://warmleads.example/" in (remote / "sitemap.xml").read_text()
    assert not (remote / "drafts").exists()


def test_gh_pages_pushes_the_production_site_to_the_pages_branch(project, tmp_path):
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git_env = {
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
    }  # fmt: skip
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "remote", "add", "origin", str(bare)], cwd=project, check=True)
    result = run([INVOKE, "gh-pages"], cwd=project, env=git_env)
    assert result.returncode == 0, result.stdout + result.stderr
    files = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "gh-pages"],
        cwd=bare, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert "index.html" in files and ".nojekyll" in files and "sitemap.xml" in files


def test_reserve_builds_then_serves_the_site(project):
    port = free_port()
    server = subprocess.Popen(
        [INVOKE, "reserve", "--port", str(port)], cwd=project,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/about/") as response:
                    assert response.status == 200
                    assert "<h1" in response.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_on_a_busy_port_says_so(project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run([INVOKE, "serve", "--port", str(port)], cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")


def test_serve_with_a_port_that_is_not_a_number_says_so(project):
    result = run([INVOKE, "serve", "--port", "eighty"], cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --port must be a number from 1 to 65535, not 'eighty'"


@pytest.mark.parametrize("task", ["build", "serve", "clean", "publish"])
def test_a_typo_in_the_settings_is_one_line_naming_the_file(tmp_path, task):
    project = copy_project(tmp_path / "site")
    settings = project / "pelicanconf.py"
    settings.write_text(settings.read_text() + "\nSITENAME = \n")
    result = run([INVOKE, task], cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "SyntaxError: invalid syntax (pelicanconf.py, line" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_theme_that_does_not_exist_is_one_line(project):
    result = run([INVOKE, "build", "--", "-t", "no-such-theme"], cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the build stopped: ValueError: Could not find the theme no-such-theme "
        "(add `-- -D` for the traceback)"
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["newsletter.send", "2", "--limit", "x"], "--limit must be a whole number of at least 0"),
        (
            ["newsletter.send", "2", "--workers", "x"],
            "--workers must be a whole number of at least 1",
        ),
        (
            ["newsletter.preview", "2", "--serve", "--port", "x"],
            "--port must be a number from 1 to 65535, not 'x'",
        ),
    ],
)
def test_numeric_options_are_checked_in_one_line(project, command, message):
    result = run([INVOKE, *command], cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {message}"
