"""DynamoDB: the Terraform lock table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call


@dataclass(frozen=True)
class TableInfo:
    """What matters about a lock table."""

    name: str
    status: str
    hash_key: str | None
    hash_key_type: str | None
    range_key: str | None
    billing_mode: str


class DynamoDb:
    """Wraps a DynamoDB boto3 client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def describe_table(self, name: str) -> TableInfo | None:
        """The table, or None when it does not exist."""
        try:
            response = call(
                f"DescribeTable {name}", self.client.describe_table, self.backoff, TableName=name
            )
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        table = response["Table"]
        keys = {k["KeyType"]: k["AttributeName"] for k in table.get("KeySchema", [])}
        types = {
            a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])
        }
        hash_key = keys.get("HASH")
        billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
        return TableInfo(
            name=name,
            status=str(table.get("TableStatus", "")),
            hash_key=hash_key,
            hash_key_type=types.get(hash_key) if hash_key else None,
            range_key=keys.get("RANGE"),
            billing_mode=str(billing),
        )

    def create_lock_table(self, name: str, tags: Mapping[str, str]) -> bool:
        """Create a table keyed by the string `LockID`, on-demand; False if it existed."""
        try:
            call(
                f"CreateTable {name}",
                self.client.create_table,
                self.backoff,
                TableName=name,
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        except AwsError as exc:
            if exc.code == "ResourceInUseException":
                return False
            raise
        self.wait_active(name)
        return True

    def wait_active(self, name: str) -> None:
        call(
            f"wait for DynamoDB table {name}",
            self.client.get_waiter("table_exists").wait,
            self.backoff,
            TableName=name,
            WaiterConfig={"Delay": 2, "MaxAttempts": 60},
        )

    def use_on_demand_billing(self, name: str) -> None:
        call(
            f"UpdateTable {name} (on-demand billing)",
            self.client.update_table,
            self.backoff,
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
        )

    def get_string_item(self, table: str, key: Mapping[str, str]) -> dict[str, str] | None:
        """The item with string key `key`, its string attributes only; None if absent."""
        response = call(
            f"GetItem on DynamoDB table {table}",
            self.client.get_item,
            self.backoff,
            TableName=table,
            Key={name: {"S": value} for name, value in key.items()},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item:
            return None
        return {name: value["S"] for name, value in item.items() if "S" in value}


# -- items written on the one call seam (the deploy lock) ---------------------------------


class LockItems:
    """Conditional writes of string items (the deploy locks) in one table, throttling retried."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def put_if_absent(self, table: str, item: Mapping[str, str], key: str = "LockID") -> bool:
        """Write `item` only if no item has its `key`; False when one does."""
        try:
            call(
                f"PutItem in {table}",
                self.client.put_item,
                self.backoff,
                TableName=table,
                Item={name: {"S": value} for name, value in item.items()},
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": key},
            )
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, table: str, key: Mapping[str, str]) -> dict[str, str] | None:
        """The item with string key `key` (a consistent read), string attributes; None if absent."""
        response = call(
            f"GetItem in {table}",
            self.client.get_item,
            self.backoff,
            TableName=table,
            Key={name: {"S": value} for name, value in key.items()},
            ConsistentRead=True,
        )
        item = response.get("Item") or {}
        return {name: value["S"] for name, value in item.items() if "S" in value} or None

    def delete_if(
        self, table: str, key: Mapping[str, str], attribute: str, expected: str | None
    ) -> bool:
        """Delete the item `key` if its `attribute` is `expected` (None: whatever it holds);
        False when the item is gone or holds another value."""
        condition: dict[str, Any] = {}
        if expected is not None:
            condition = {
                "ConditionExpression": "#attr = :expected",
                "ExpressionAttributeNames": {"#attr": attribute},
                "ExpressionAttributeValues": {":expected": {"S": expected}},
            }
        try:
            call(
                f"DeleteItem in {table}",
                self.client.delete_item,
                self.backoff,
                TableName=table,
                Key={name: {"S": value} for name, value in key.items()},
                **condition,
            )
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def table_exists(self, table: str) -> bool:
        try:
            call(
                f"DescribeTable {table}",
                self.client.describe_table,
                self.backoff,
                TableName=table,
            )
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return False
            raise
        return True
