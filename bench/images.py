"""Image build figures on this machine: cold and warm builds, sizes, shared layers, push.

    python bench/images.py [--keep]

Builds in a store in a temp dir (removed after) from a clean clone of HEAD, with the base
imported from the rootfs tarball the image tests keep in pytest's cache (or made with
debootstrap when there is none). Prints:

- the reference: a trivial build (`FROM base` + one LABEL) measured in the same run, i.e.
  the builder's fixed cost on this machine now; the other times are also given as ratios;
- cold: the runtime (venv from the wheelhouse) and all five services, from an empty store;
- warm: one service rebuilt after a one-line code change (target: <= 20 s);
- each image's uncompressed size (target: <= 250 MB) and whether the five share every layer
  below their code;
- push: one image to a local registry with ECR-style login, then a second service (which
  sends only its code layer).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventctl.adapters.images import auth_file_json  # noqa: E402
from eventctl.core.images import build_images, runtime_image  # noqa: E402
from platform_model import build_platform  # noqa: E402
from tests.helpers.images import (  # noqa: E402
    ImageLab,
    clean_clone,
    start_registry,
    stop,
    storage_environ,
    unmount_under,
)

TARBALL = ROOT / ".pytest_cache" / "d" / "eventctl-images" / "debian-bookworm-rootfs.tar"


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-images-"))
    try:
        run(tmp)
    finally:
        if not args.keep:
            unmount_under(tmp)
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path) -> None:
    platform = build_platform()
    lab = ImageLab(
        environ=storage_environ(tmp / "store", dict(os.environ)),
        repo=clean_clone(tmp / "repo"),
        work_dir=tmp / "work",
        base_tarball=TARBALL,
    )
    driver = "overlay" if (tmp / "store" / "overlay").exists() else "vfs"
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; store {driver}")
    tools, settings = lab.tools(), lab.settings()
    from eventctl.core.images import ensure_base

    seconds, base = timed(lambda: ensure_base(tools, settings))
    print(f"base: {seconds:.1f} s ({'imported' if TARBALL.exists() else 'debootstrap'})")

    trivial = tmp / "trivial"
    trivial.mkdir()
    (trivial / "Containerfile").write_text(f"FROM {base}\nLABEL bench=1\n")
    reference, _ = timed(
        lambda: lab.run(
            "buildah",
            "bud",
            "--layers=false",
            "--isolation",
            "chroot",
            "-q",
            "-f",
            str(trivial / "Containerfile"),
            "-t",
            "localhost/bench-trivial",
            str(trivial),
        )
    )
    print(f"reference (trivial build): {reference:.1f} s")

    # The wheelhouse is filled from PyPI once; time it apart from the builds.
    import hashlib

    from eventctl.adapters.images import fill_wheelhouse
    from eventctl.core.images import LOCK

    lock = lab.repo / LOCK
    wheels = settings.work_dir / "wheels" / hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    seconds, _ = timed(
        lambda: fill_wheelhouse(
            lock, wheels, pip=tools.pip, environ=tools.environ, on_line=lambda _l: None
        )
    )
    print(f"wheelhouse (pip wheel, network): {seconds:.1f} s")

    seconds, runtime = timed(lambda: runtime_image(tools, settings, base))
    print(f"cold runtime (venv, 41 wheels): {seconds:.1f} s = {seconds / reference:.1f}x reference")
    seconds, built = timed(
        lambda: build_images(platform, platform.services, tools=tools, settings=settings)
    )
    print(
        f"cold services (all five): {seconds:.1f} s, {seconds / 5:.1f} s each "
        f"= {seconds / 5 / reference:.1f}x reference"
    )

    service = lab.repo / "services" / "event" / "service.py"
    service.write_text(service.read_text() + "\n# a one-line change\n")
    seconds, _rebuilt = timed(
        lambda: build_images(platform, [platform.service("event")], tools=tools, settings=settings)
    )
    verdict = "ok" if seconds <= 20 else "OVER"
    print(
        f"warm rebuild of event after a one-line change: {seconds:.1f} s "
        f"= {seconds / reference:.1f}x reference (target <= 20 s: {verdict})"
    )

    layers = {}
    for image in built:
        data = json.loads(lab.run("buildah", "inspect", "--type", "image", image.image).stdout)
        layers[image.service] = [
            layer["digest"] for layer in json.loads(data["Manifest"])["layers"]
        ]
        verdict = "ok" if image.size <= 250_000_000 else "OVER"
        print(f"size {image.service}: {image.size / 1e6:.1f} MB (target <= 250 MB: {verdict})")
    below_code = {tuple(digests[:-1]) for digests in layers.values()}
    runtime_size = tools.builder.inspect(runtime).size
    print(
        f"layers below the code shared by all five: {'yes' if len(below_code) == 1 else 'no'} "
        f"({len(next(iter(layers.values()))) - 1} layers, {runtime_size / 1e6:.1f} MB); "
        f"code layer {(built[0].size - runtime_size) / 1e6:.1f} MB"
    )

    registry = start_registry(tmp / "registry")
    try:
        registry.set_password("bench-token")
        auth = tmp / "auth" / "config.json"
        auth.parent.mkdir()
        auth.write_text(auth_file_json(registry.host, "AWS", "bench-token"))
        for image in built[:2]:
            destination = f"{registry.host}/bench/{image.service}:{image.tag}"
            seconds, digest = timed(
                lambda image=image, destination=destination: tools.builder.push(
                    image.image, destination, auth_file=auth, tls_verify=False
                )
            )
            print(
                f"push {image.service}: {seconds:.1f} s = {seconds / reference:.1f}x reference "
                f"({digest[:19]}...)"
            )
    finally:
        stop(registry.process)
    lab.run("buildah", "rm", "--all", check=False)


if __name__ == "__main__":
    main()
