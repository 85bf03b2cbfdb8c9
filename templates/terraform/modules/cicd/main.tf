# Roles for the GitHub Actions workflows, assumed through GitHub's OIDC provider: no stored
# keys. Each trust policy checks the audience (sts.amazonaws.com) and pins the subject to this
# repository: pull requests for the read-only plan role, the GitHub environment for the apply
# and deploy roles (so a prod environment with required reviewers gates prod's credentials).

locals {
  enabled = var.github_repository != null
  issuer  = "token.actions.githubusercontent.com"
  # An account has one provider per issuer, at a fixed ARN: environments sharing the account
  # create it once and name it here.
  provider_arn = var.create_oidc_provider ? one(aws_iam_openid_connect_provider.github[*].arn) : "arn:${data.aws_partition.current.partition}:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com"
  partition    = data.aws_partition.current.partition
  subjects = {
    plan   = ["repo:${coalesce(var.github_repository, "-")}:pull_request"]
    apply  = ["repo:${coalesce(var.github_repository, "-")}:environment:${var.environment}"]
    deploy = ["repo:${coalesce(var.github_repository, "-")}:environment:${var.environment}"]
  }
  roles        = local.enabled ? var.role_names : {}
  state_bucket = replace(var.state.bucket, "{account_id}", var.account_id)
  state_arn    = "arn:${local.partition}:s3:::${local.state_bucket}"
  lock_arn     = "arn:${local.partition}:dynamodb:${var.region}:${var.account_id}:table/${var.state.lock_table}"
  lock_ids     = ["${local.state_bucket}/${var.state.key}", "${local.state_bucket}/${var.state.key}-md5"]
  arn_prefix   = "arn:${local.partition}"
}

data "aws_partition" "current" {}

resource "aws_iam_openid_connect_provider" "github" {
  count = local.enabled && var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS verifies GitHub's certificate against its trusted CAs; the thumbprints are kept for
  # tools that still read them.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  statement {
    sid     = "GitHubActions"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = local.subjects[each.key]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = each.value
  description          = "GitHub Actions of ${coalesce(var.github_repository, "-")}: ${each.key} ${var.environment}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_seconds
}

# -- plan: read everything, write only the state lock ---------------------------------------

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  count = local.enabled ? 1 : 0

  role       = aws_iam_role.this["plan"].name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "TakeTheStateLock"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [local.lock_arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = local.lock_ids
    }
  }

  statement {
    sid       = "TakeTheStateLockFile"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/${var.state.key}.tflock"]
  }

  statement {
    # ReadOnlyAccess reads every object; a plan needs only its own environment's state, and
    # other states hold other environments' secrets.
    sid           = "NoOtherObjects"
    effect        = "Deny"
    actions       = ["s3:GetObject", "s3:GetObjectVersion"]
    not_resources = ["${local.state_arn}/${var.state.key}", "${local.state_arn}/${var.state.key}.tflock"]
  }

  statement {
    # Refreshing a secret version reads it (the provider compares versions); only this
    # environment's secrets, decrypted through Secrets Manager only.
    sid       = "RefreshSecretVersions"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["${local.arn_prefix}:secretsmanager:${var.region}:${var.account_id}:secret:${var.secret_prefix}*"]
  }

  statement {
    sid       = "DecryptThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = ["${local.arn_prefix}:kms:${var.region}:${var.account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  count = local.enabled ? 1 : 0

  name   = "plan"
  role   = aws_iam_role.this["plan"].id
  policy = data.aws_iam_policy_document.plan.json
}

# -- apply: this environment's resources ----------------------------------------------------

data "aws_iam_policy_document" "apply" {
  statement {
    sid = "PlatformServices"
    # The services the environment is built from, in its region (and us-east-1, where the
    # CloudFront certificate lives). Their resource names are not all knowable in advance
    # (VPC ids, listener ARNs), so these are limited by region rather than by ARN.
    actions = [
      "acm:*", "application-autoscaling:*", "cloudfront:*", "cloudwatch:*", "ec2:*", "ecs:*",
      "elasticache:*", "elasticloadbalancing:*", "kms:*", "logs:*", "rds:*", "route53:*",
      "servicediscovery:*", "ses:*", "secretsmanager:GetRandomPassword", "sts:GetCallerIdentity",
      "ecr:GetAuthorizationToken", "ecr:DescribeRepositories", "sns:ListTopics", "sqs:ListQueues",
      "s3:ListAllMyBuckets", "iam:Get*", "iam:List*",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = distinct([var.region, "us-east-1"])
    }
  }

  statement {
    sid     = "NamedResources"
    actions = ["sqs:*", "sns:*", "ecr:*", "s3:*", "secretsmanager:*"]
    resources = [
      "${local.arn_prefix}:sqs:${var.region}:${var.account_id}:${var.name_prefix}-*",
      "${local.arn_prefix}:sns:${var.region}:${var.account_id}:${var.name_prefix}-*",
      "${local.arn_prefix}:ecr:${var.region}:${var.account_id}:repository/${var.name_prefix}-*",
      "${local.arn_prefix}:s3:::${var.name_prefix}-*",
      "${local.arn_prefix}:secretsmanager:${var.region}:${var.account_id}:secret:${var.secret_prefix}*",
    ]
  }

  statement {
    sid       = "Roles"
    actions   = ["iam:*"]
    resources = ["${local.arn_prefix}:iam::${var.account_id}:role/${var.name_prefix}-*", "${local.arn_prefix}:iam::${var.account_id}:policy/${var.name_prefix}-*", "${local.arn_prefix}:iam::${var.account_id}:oidc-provider/${local.issuer}"]
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn_prefix}:iam::${var.account_id}:role/aws-service-role/*"]
  }

  statement {
    sid       = "State"
    actions   = ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [local.state_arn, "${local.state_arn}/${var.state.key}", "${local.state_arn}/${var.state.key}.tflock"]
  }

  statement {
    sid       = "StateLock"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [local.lock_arn]
  }
}

resource "aws_iam_role_policy" "apply" {
  # checkov:skip=CKV_AWS_286:the apply role builds the environment, its IAM roles included; only names under the environment's prefix, and only from the GitHub environment's gated jobs
  # checkov:skip=CKV_AWS_287:building the environment creates its secrets and keys; limited to its region and the environment's names
  # checkov:skip=CKV_AWS_288:the apply role reads what it manages (state, the environment's buckets and secrets)
  # checkov:skip=CKV_AWS_289:the apply role sets the environment's resource policies; names under its prefix only
  # checkov:skip=CKV_AWS_290:VPC, load balancer and database ids are not known before they exist; write access is limited to the environment's region
  # checkov:skip=CKV_AWS_355:same: resource-level limits where names are known in advance (queues, topics, repositories, buckets, secrets, roles), region elsewhere
  count = local.enabled ? 1 : 0

  name   = "apply"
  role   = aws_iam_role.this["apply"].id
  policy = data.aws_iam_policy_document.apply.json
}

# -- deploy: images, task definitions, services, the web app, the ledger and the locks -------

data "aws_iam_policy_document" "deploy" {
  # checkov:skip=CKV_AWS_356:"*" only for calls without resource-level permissions (ECR login, task definitions, target health, listing distributions); the rest name this environment's ARNs
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
      "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
    ]
    resources = length(var.repository_arns) > 0 ? values(var.repository_arns) : ["${local.arn_prefix}:ecr:${var.region}:${var.account_id}:repository/${var.name_prefix}-*"]
  }

  statement {
    # Task definitions have no resource-level permissions for these calls.
    sid       = "TaskDefinitions"
    actions   = ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:ListTaskDefinitions"]
    resources = ["*"]
  }

  statement {
    # The new revision keeps the live one's tags.
    sid       = "TagRevisions"
    actions   = ["ecs:TagResource"]
    resources = ["${local.arn_prefix}:ecs:${var.region}:${var.account_id}:task-definition/${var.name_prefix}-*:*"]
  }

  statement {
    sid       = "Services"
    actions   = ["ecs:UpdateService", "ecs:DescribeServices"]
    resources = [for name in values(var.service_names) : "${local.arn_prefix}:ecs:${var.region}:${var.account_id}:service/${var.cluster_name}/${name}"]
  }

  statement {
    sid       = "Tasks"
    actions   = ["ecs:DescribeTasks", "ecs:ListTasks"]
    resources = ["${local.arn_prefix}:ecs:${var.region}:${var.account_id}:task/${var.cluster_name}/*", "${local.arn_prefix}:ecs:${var.region}:${var.account_id}:container-instance/${var.cluster_name}/*"]
  }

  statement {
    sid       = "HealthChecks"
    actions   = ["elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "Alarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["${local.arn_prefix}:cloudwatch:${var.region}:${var.account_id}:alarm:*"]
  }

  statement {
    sid       = "PassTheServiceRoles"
    actions   = ["iam:PassRole"]
    resources = length(var.pass_role_arns) > 0 ? var.pass_role_arns : ["${local.arn_prefix}:iam::${var.account_id}:role/${var.name_prefix}-*-task"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "ServiceLogs"
    actions   = ["logs:FilterLogEvents", "logs:DescribeLogStreams"]
    resources = [for name in values(var.log_group_names) : "${local.arn_prefix}:logs:${var.region}:${var.account_id}:log-group:${name}:*"]
  }

  statement {
    sid       = "WebAppFiles"
    actions   = ["s3:ListBucket"]
    resources = [var.assets_bucket_arn]
  }

  statement {
    sid       = "WebAppObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.assets_bucket_arn}/*"]
  }

  statement {
    sid       = "Invalidation"
    actions   = ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation", "cloudfront:GetDistribution"]
    resources = ["${local.arn_prefix}:cloudfront::${var.account_id}:distribution/${var.distribution_id}"]
  }

  statement {
    # Finding the distribution whose origin is the assets bucket (no resource-level permission).
    sid       = "FindTheDistribution"
    actions   = ["cloudfront:ListDistributions"]
    resources = ["*"]
  }

  statement {
    sid       = "LockTable"
    actions   = ["dynamodb:DescribeTable"]
    resources = [local.lock_arn]
  }

  statement {
    sid       = "ReleaseLedger"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.state_arn}/${var.state.release_prefix}*"]
  }

  statement {
    sid       = "ReleaseLedgerList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.state.release_prefix}*"]
    }
  }

  statement {
    sid       = "DeployLocks"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [local.lock_arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = var.state.deploy_lock_ids
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  # checkov:skip=CKV_AWS_290:RegisterTaskDefinition and ecr:GetAuthorizationToken have no resource-level permissions; everything else is limited to the environment's ARNs
  # checkov:skip=CKV_AWS_355:same: only the calls without resource-level permissions use "*"
  count = local.enabled ? 1 : 0

  name   = "deploy"
  role   = aws_iam_role.this["deploy"].id
  policy = data.aws_iam_policy_document.deploy.json
}
