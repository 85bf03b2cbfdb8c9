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

# The token issuer's signing key: an RSA private key (PEM). The AWS provider cannot make RSA
# keys, so Terraform creates the secret empty and `eventctl env up` stores a key generated on
# the operator's machine when the secret has none (docs/terraform.md, "Before the first apply").
# The key never enters the state.
resource "aws_secretsmanager_secret" "jwt" {
  # checkov:skip=CKV2_AWS_57:Secrets Manager has no rotation function for an application signing key; rotation publishes the old public key (docs/terraform.md)
  name                    = var.secrets.jwt_signing_key
  description             = "RSA private key (PEM) that signs the access tokens"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_days
}

# Internal-API credentials: one random token per calling service, generated during apply and
# written write-only, so none enters the state. Each service's secret holds its own token (for
# the services it calls) and, as a JSON string, the tokens of the callers it accepts. All are
# written in the same apply: bump service_credentials_version to replace them together.
ephemeral "aws_secretsmanager_random_password" "service_token" {
  for_each = { for name, service in var.services : name => service if length(service.calls) > 0 }

  password_length     = 48
  exclude_punctuation = true
}

locals {
  credential_holders = {
    for name, service in var.services : name => {
      calls   = service.calls
      callers = sort([for caller, other in var.services : caller if contains(other.calls, name)])
    }
    if length(service.calls) > 0 || anytrue([for other in var.services : contains(other.calls, name)])
  }
}

resource "aws_secretsmanager_secret" "credentials" {
  # checkov:skip=CKV2_AWS_57:internal-API tokens have no AWS rotation function; rotate by bumping service_credentials_version
  for_each = local.credential_holders

  name                    = var.secrets.service_credentials[each.key]
  description             = "Internal-API credentials of the ${each.key} service: its own and its callers'"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "credentials" {
  for_each = local.credential_holders

  secret_id = aws_secretsmanager_secret.credentials[each.key].id
  secret_string_wo = jsonencode(merge(
    length(each.value.calls) == 0 ? {} : {
      token = ephemeral.aws_secretsmanager_random_password.service_token[each.key].random_password
    },
    length(each.value.callers) == 0 ? {} : {
      accepts = jsonencode({
        for caller in each.value.callers :
        caller => ephemeral.aws_secretsmanager_random_password.service_token[caller].random_password
      })
    },
  ))
  secret_string_wo_version = var.service_credentials_version
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
