"""ECR: what a repository holds, whether an image tag is in it, and the registry login."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call


class RepositoryNotFound(AwsError):
    """The ECR repository does not exist."""

    def __init__(self, repository: str) -> None:
        super().__init__(
            f"ECR repository {repository} does not exist",
            hint="deploy the environment first (eventctl env up ENV), or check --env and --region",
            code="RepositoryNotFoundException",
        )
        self.repository = repository


class Ecr:
    """Wraps an ECR boto3 client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def image_count(self, repository: str, *, limit: int = 1000) -> int | None:
        """How many images `repository` holds (counting stops at `limit`); None if absent."""

        def count_images() -> int:
            count = 0
            pages = self.client.get_paginator("list_images").paginate(
                repositoryName=repository, PaginationConfig={"PageSize": 100}
            )
            for page in pages:
                count += len(page.get("imageIds", []))
                if count >= limit:
                    return limit
            return count

        try:
            return call(f"ListImages {repository}", count_images, self.backoff)
        except AwsError as exc:
            if exc.code == "RepositoryNotFoundException":
                return None
            raise

    def repository_uri(self, repository: str) -> str:
        """'<account>.dkr.ecr.<region>.amazonaws.com/<repository>'; RepositoryNotFound if absent."""
        try:
            response = call(
                f"DescribeRepositories {repository}",
                self.client.describe_repositories,
                self.backoff,
                repositoryNames=[repository],
            )
        except AwsError as exc:
            if exc.code == "RepositoryNotFoundException":
                raise RepositoryNotFound(repository) from None
            raise
        return str(response["repositories"][0]["repositoryUri"])

    def image_digest(self, repository: str, tag: str) -> str | None:
        """The digest of `repository:tag`, or None when the repository has no such tag."""
        try:
            response = call(
                f"DescribeImages {repository}:{tag}",
                self.client.describe_images,
                self.backoff,
                repositoryName=repository,
                imageIds=[{"imageTag": tag}],
            )
        except AwsError as exc:
            if exc.code == "ImageNotFoundException":
                return None
            if exc.code == "RepositoryNotFoundException":
                raise RepositoryNotFound(repository) from None
            raise
        details = response.get("imageDetails", [])
        return str(details[0]["imageDigest"]) if details else None

    def login(self) -> RegistryLogin:
        """Registry credentials from GetAuthorizationToken (what `aws ecr get-login-password`
        prints): user `AWS`, a password valid for 12 hours, and the registry's endpoint."""
        response = call("GetAuthorizationToken", self.client.get_authorization_token, self.backoff)
        (data,) = response["authorizationData"][:1]
        decoded = base64.b64decode(data["authorizationToken"]).decode()
        username, _, password = decoded.partition(":")
        return RegistryLogin(
            username=username, password=password, endpoint=str(data["proxyEndpoint"])
        )


@dataclass(frozen=True)
class RegistryLogin:
    """What logs in to an ECR registry. `password` is a secret: never print or log it."""

    username: str
    password: str = field(repr=False)
    endpoint: str  # "https://<account>.dkr.ecr.<region>.amazonaws.com"
