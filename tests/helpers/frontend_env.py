"""An assets bucket and its CloudFront distribution in moto, as the Terraform's frontend module
makes them, and a built web app in a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platform_model import Platform

BUILT = {
    "index.html": b"<!doctype html><script src=main-ABCD1234.js></script>",
    "main-ABCD1234.js": b"console.log('v2')",
    "styles-QWERTY12.css": b"body{margin:0}",
    "favicon.ico": b"\x00\x00\x01\x00",
    "media/font-0A1B2C3D.woff2": b"wOF2",
}


def build_app(root: Path, prefix: str, files: dict[str, bytes] | None = None) -> Path:
    """`root/<prefix>/...` holding `files` (default BUILT); `root`."""
    for relative, body in (BUILT if files is None else files).items():
        path = root / prefix / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root


def create_frontend(moto_server: Any, platform: Platform, env: str = "dev") -> str:
    """The assets bucket and a distribution whose origin is it; the distribution id."""
    names = platform.names(env)
    bucket = names.assets_bucket
    moto_server.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    config = {
        "CallerReference": f"{bucket}-web",
        "Comment": f"{names.prefix} web app",
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": [names.web_host]},
        "DefaultRootObject": "index.html",
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "assets",
                    "DomainName": f"{bucket}.s3.eu-west-1.amazonaws.com",
                    "OriginPath": f"/{platform.frontend_prefix}",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "assets",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
    }
    response = moto_server.client("cloudfront", region="us-east-1").create_distribution(
        DistributionConfig=config
    )
    return str(response["Distribution"]["Id"])
