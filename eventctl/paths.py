"""Where the files shipped beside the package live (templates, services, web app)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent


def templates_dir() -> Path:
    """The Terraform templates: the source tree's `templates/`, or the copy inside a wheel."""
    source = SOURCE_ROOT / "templates"
    return source if source.is_dir() else PACKAGE_DIR / "_templates"


def frontend_dir() -> Path:
    """The built web app: the source tree's `frontend_dist/`, or the copy inside a wheel.

    It holds the Angular build as the assets bucket does: the app itself is under the
    platform's `frontend_prefix` (`event-planner/browser/`), which CloudFront's origin path and
    the local gateway serve as the site's root.
    """
    source = SOURCE_ROOT / "frontend_dist"
    return source if source.is_dir() else PACKAGE_DIR / "_frontend"
