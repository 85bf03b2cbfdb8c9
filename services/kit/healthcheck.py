"""The container health check: GET the service's readiness path on its own port.

    python -m services.kit.healthcheck        # exit 0 when ready, 1 otherwise

The image's HEALTHCHECK, the ECS task definition's `healthCheck` and `podman run
--health-cmd` all run this. Standard library only, so a check every 30 s costs a few
milliseconds instead of importing the service. The image sets `PORT` and `READY_PATH`
(from the platform model) in its environment.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def check(port: int, path: str, timeout: float = 4.0) -> bool:
    """Whether `http://127.0.0.1:<port><path>` answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def main() -> int:
    port = int(os.environ.get("PORT") or 0)
    if not port:
        print("healthcheck: PORT is not set", file=sys.stderr)
        return 1
    return 0 if check(port, os.environ.get("READY_PATH") or "/readyz") else 1


if __name__ == "__main__":
    sys.exit(main())
