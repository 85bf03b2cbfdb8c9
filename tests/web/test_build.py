"""The Angular source, its committed build and its unit tests.

`npm ci && npm run build` runs in a copy of `frontend/` (beside a `frontend_dist/` of its own,
as in the checkout), so the test never touches the committed files; the result must be byte
for byte the committed `frontend_dist/` (Angular's builds are reproducible: LAB.md). The same
copy runs the Angular unit tests (vitest + jsdom, headless).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

FRONTEND = REPO_ROOT / "frontend"
DIST = REPO_ROOT / "frontend_dist"
APP = DIST / "event-planner" / "browser"
INITIAL_JS_BUDGET = 150 * 1024  # gzip bytes


def npm() -> str:
    found = shutil.which("npm")
    if found is None or shutil.which("node") is None:
        pytest.skip("node and npm are not installed (.ci/system-deps.sh installs them)")
    return found


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh `npm ci && npm run build` of the source, in a copy of the checkout's layout."""
    command = npm()
    root = tmp_path_factory.mktemp("frontend-build")
    shutil.copytree(
        FRONTEND,
        root / "frontend",
        ignore=shutil.ignore_patterns("node_modules", ".angular", "out-tsc", "coverage"),
    )
    environ = {**os.environ, "CI": "1", "NG_CLI_ANALYTICS": "false", "NO_COLOR": "1"}
    for step in (["ci", "--no-audit", "--no-fund"], ["run", "build"]):
        subprocess.run(
            [command, *step],
            cwd=root / "frontend",
            env=environ,
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=900,
        )
    yield root


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_committed_build_is_what_the_source_builds(built_copy: Path) -> None:
    fresh, committed = digests(built_copy / "frontend_dist"), digests(DIST)
    assert "event-planner/browser/index.html" in committed
    changed = sorted(
        set(fresh) ^ set(committed) | {k for k in fresh if fresh[k] != committed.get(k)}
    )
    assert changed == [], (
        "frontend_dist/ is not the build of frontend/: run `npm ci && npm run build` in "
        f"frontend/ and commit the result ({changed[:8]})"
    )


def test_the_unit_tests_pass_headless(built_copy: Path) -> None:
    result = subprocess.run(
        [npm(), "test"],
        cwd=built_copy / "frontend",
        env={**os.environ, "CI": "1", "NG_CLI_ANALYTICS": "false", "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"Tests\s+(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 10, result.stdout[-2000:]
    assert "failed" not in result.stdout.split("Tests", 1)[-1].split("\n", 1)[0]


def initial_scripts(index: str) -> list[str]:
    """The JavaScript a first visit loads before the app runs: the entry and its preloads."""
    entry = re.findall(r'<script src="([^"]+)" type="module">', index)
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', index)
    return entry + preloads


def test_the_initial_javascript_is_within_budget() -> None:
    scripts = initial_scripts((APP / "index.html").read_text(encoding="utf-8"))
    assert scripts and any(name.startswith("main-") for name in scripts)
    total = sum(len(gzip.compress((APP / name).read_bytes(), compresslevel=6)) for name in scripts)
    assert total <= INITIAL_JS_BUDGET, f"initial JavaScript is {total / 1024:.1f} KB gzip"


def test_the_page_needs_no_inline_script_or_style() -> None:
    """What lets the content security policy refuse every inline script and style."""
    index = (APP / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", index) == []
    assert "<style" not in index and " style=" not in index
    assert not re.search(r"\son[a-z]+=", index)  # no inline event handler (onload=...)
    for script in APP.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"styles:\[\s*['\"`]", text), f"{script.name} has component styles"
    sources = list((FRONTEND / "src").rglob("*.ts"))
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"\bstyles?Urls?\s*:|\bstyles\s*:", text), source


def test_node_modules_stay_out_of_the_repository_and_the_lock_file_in() -> None:
    git = shutil.which("git")
    if git is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        [git, "ls-files", "frontend"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "frontend/package-lock.json" in tracked and "frontend/package.json" in tracked
    assert not [path for path in tracked if "node_modules/" in path]
    ignored = subprocess.run(
        [git, "check-ignore", "frontend/node_modules/x"], cwd=REPO_ROOT, capture_output=True
    )
    assert ignored.returncode == 0
