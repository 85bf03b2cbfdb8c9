data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}

# One customer-managed key per environment encrypts logs, queues, topics, secrets and the
# data stores. A customer key (not the AWS-managed ones) is what lets SNS deliver to encrypted
# queues and CloudWatch alarms publish to an encrypted topic.
data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:a key policy's "*" resource is the key itself (AWS requires it); access is limited by the principals
  # checkov:skip=CKV_AWS_111:a key policy's "*" resource is the key itself (AWS requires it); access is limited by the principals
  # checkov:skip=CKV_AWS_356:a key policy's "*" resource is the key itself (AWS requires it); access is limited by the principals
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncrypt"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
    }
  }

  statement {
    sid       = "TopicsAndAlarmsUseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix}: logs, messaging, secrets and data stores"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}

# JWT signing key: generated during apply and written write-only, so it never enters the
# state. Bump jwt_signing_key_version to replace it.
ephemeral "aws_secretsmanager_random_password" "jwt" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "jwt" {
  # checkov:skip=CKV2_AWS_57:Secrets Manager has no built-in rotation for an application signing key; rotate by bumping jwt_signing_key_version
  name                    = var.secrets.jwt_signing_key
  description             = "HS256 key the services sign and verify JWTs with"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id                = aws_secretsmanager_secret.jwt.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.jwt.random_password
  secret_string_wo_version = var.jwt_signing_key_version
}

# Redis AUTH token. ElastiCache has no write-only token argument, so this one value does live
# in the (encrypted, private) state: generated once, then pinned by ignore_changes.
data "aws_secretsmanager_random_password" "redis" {
  password_length     = 64
  exclude_punctuation = true
}

resource "terraform_data" "redis_auth_token" {
  input = data.aws_secretsmanager_random_password.redis.random_password

  lifecycle {
    ignore_changes = [input]
  }
}

resource "aws_secretsmanager_secret" "redis" {
  # checkov:skip=CKV2_AWS_57:an ElastiCache AUTH token has no AWS-provided rotation function; it changes with the replication group
  name                    = var.secrets.redis_auth_token
  description             = "AUTH token of the Redis replication group"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "redis" {
  secret_id                = aws_secretsmanager_secret.redis.id
  secret_string_wo         = terraform_data.redis_auth_token.output
  secret_string_wo_version = 1
}
