"""ECR: what a repository holds."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws.clients import aws_call, client_error, error_code


class Ecr:
    """Wraps an ECR boto3 client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def image_count(self, repository: str, *, limit: int = 1000) -> int | None:
        """How many images `repository` holds (counting stops at `limit`); None if absent."""
        ClientError = client_error()

        count = 0
        with aws_call(f"list the images of ECR repository {repository}"):
            pages = self.client.get_paginator("list_images").paginate(
                repositoryName=repository, PaginationConfig={"PageSize": 100}
            )
            try:
                for page in pages:
                    count += len(page.get("imageIds", []))
                    if count >= limit:
                        return limit
            except ClientError as exc:
                if error_code(exc) == "RepositoryNotFoundException":
                    return None
                raise
        return count
