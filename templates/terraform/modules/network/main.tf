# The zones are pinned by name (eu-west-1a, eu-west-1b as the architecture draws them), so a
# zone AWS adds later never moves a subnet.
data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "zone-name"
    values = var.zone_names
  }
}

data "aws_caller_identity" "current" {}

locals {
  azs = var.zone_names
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = "${var.name_prefix}-vpc" }

  lifecycle {
    precondition {
      condition     = length(data.aws_availability_zones.available.names) == length(var.zone_names)
      error_message = "Not every zone of ${join(", ", var.zone_names)} is available to this account."
    }
  }
}

# Without rules: nothing may use the default security group.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-default-unused" }
}

# -- subnets: public (ALB, NAT), private app (ECS tasks), private data (databases) ----------

resource "aws_subnet" "public" {
  count = var.availability_zones

  vpc_id            = aws_vpc.this.id
  cidr_block        = var.public_subnets[count.index]
  availability_zone = local.azs[count.index]

  tags = { Name = "${var.name_prefix}-public-${local.azs[count.index]}", Tier = "public" }
}

resource "aws_subnet" "app" {
  count = var.availability_zones

  vpc_id            = aws_vpc.this.id
  cidr_block        = var.app_subnets[count.index]
  availability_zone = local.azs[count.index]

  tags = { Name = "${var.name_prefix}-app-${local.azs[count.index]}", Tier = "app" }
}

resource "aws_subnet" "data" {
  count = var.availability_zones

  vpc_id            = aws_vpc.this.id
  cidr_block        = var.data_subnets[count.index]
  availability_zone = local.azs[count.index]

  tags = { Name = "${var.name_prefix}-data-${local.azs[count.index]}", Tier = "data" }
}

# -- internet access: IGW for the public tier, NAT gateways for the app tier ----------------

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-igw" }
}

resource "aws_eip" "nat" {
  count = var.nat_gateways

  domain = "vpc"

  tags       = { Name = "${var.name_prefix}-nat-${local.azs[count.index]}" }
  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = var.nat_gateways

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags       = { Name = "${var.name_prefix}-nat-${local.azs[count.index]}" }
  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.availability_zones

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# One app route table per zone; a zone without its own NAT gateway uses the last one.
resource "aws_route_table" "app" {
  count = var.availability_zones

  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-app-${local.azs[count.index]}" }
}

resource "aws_route" "app_nat" {
  count = var.availability_zones

  route_table_id         = aws_route_table.app[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[min(count.index, var.nat_gateways - 1)].id
}

resource "aws_route_table_association" "app" {
  count = var.availability_zones

  subnet_id      = aws_subnet.app[count.index].id
  route_table_id = aws_route_table.app[count.index].id
}

# The data tier has no route out of the VPC.
resource "aws_route_table" "data" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-data" }
}

resource "aws_route_table_association" "data" {
  count = var.availability_zones

  subnet_id      = aws_subnet.data[count.index].id
  route_table_id = aws_route_table.data.id
}

# -- VPC endpoints: AWS APIs without the NAT gateway ----------------------------------------

resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(var.gateway_endpoints)

  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat(aws_route_table.app[*].id, [aws_route_table.data.id])

  tags = { Name = "${var.name_prefix}-${each.key}" }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.app[*].id
  security_group_ids  = [aws_security_group.this["endpoints"].id]

  tags = { Name = "${var.name_prefix}-${each.key}" }
}

# -- flow logs: all traffic to CloudWatch Logs -----------------------------------------------

resource "aws_cloudwatch_log_group" "flow_logs" {
  # checkov:skip=CKV_AWS_338:retention is the model's flow_log_retention_days (the seed: 30 days), not a year
  name              = var.flow_log_group
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  name               = "${var.name_prefix}-vpc-flow-logs"
  description        = "VPC flow logs write to ${var.flow_log_group}"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    sid       = "WriteFlowLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "this" {
  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn         = aws_iam_role.flow_logs.arn

  tags = { Name = "${var.name_prefix}-flow-logs" }
}

# -- security groups: least privilege between the tiers ------------------------------------

locals {
  security_groups = {
    alb       = "Internet-facing load balancer: 80 and 443 from anywhere"
    app       = "ECS tasks: service ports from the load balancer and from each other"
    endpoints = "Interface VPC endpoints: HTTPS from the ECS tasks"
    postgres  = "RDS PostgreSQL: from the ECS tasks only"
    docdb     = "DocumentDB: from the ECS tasks only"
    redis     = "ElastiCache Redis: from the ECS tasks only"
  }
  data_ports = merge(
    { for port in var.postgres_ports : "postgres-${port}" => { group = "postgres", port = port } },
    {
      docdb = { group = "docdb", port = var.docdb_port }
      redis = { group = "redis", port = var.redis_port }
    },
  )
}

resource "aws_security_group" "this" {
  # checkov:skip=CKV2_AWS_5:every group is attached in the module that uses it (alb, ecs, data, endpoints here); checkov does not follow module outputs
  for_each = local.security_groups

  name        = "${var.name_prefix}-${each.key}"
  description = each.value
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-${each.key}" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_internet" {
  # checkov:skip=CKV_AWS_260:port 80 is open only to answer with a redirect to HTTPS (the listener serves nothing else)
  for_each = { http = 80, https = 443 }

  security_group_id = aws_security_group.this["alb"].id
  description       = "${upper(each.key)} from the internet"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_services" {
  for_each = var.service_ports

  security_group_id            = aws_security_group.this["alb"].id
  description                  = "to the ${each.key} service"
  referenced_security_group_id = aws_security_group.this["app"].id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_ingress_rule" "app_from_alb" {
  for_each = var.service_ports

  security_group_id            = aws_security_group.this["app"].id
  description                  = "${each.key} service from the load balancer"
  referenced_security_group_id = aws_security_group.this["alb"].id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_ingress_rule" "app_from_app" {
  for_each = var.service_ports

  security_group_id            = aws_security_group.this["app"].id
  description                  = "${each.key} service from the other services (Cloud Map)"
  referenced_security_group_id = aws_security_group.this["app"].id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_egress_rule" "app_to_app" {
  for_each = var.service_ports

  security_group_id            = aws_security_group.this["app"].id
  description                  = "to the ${each.key} service (Cloud Map)"
  referenced_security_group_id = aws_security_group.this["app"].id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_egress_rule" "app_to_aws_apis" {
  security_group_id = aws_security_group.this["app"].id
  description       = "HTTPS to AWS APIs (SES, SNS, SQS through the NAT; ECR, logs, secrets through endpoints)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "app_to_data" {
  for_each = local.data_ports

  security_group_id            = aws_security_group.this["app"].id
  description                  = "to ${each.value.group} on ${each.value.port}"
  referenced_security_group_id = aws_security_group.this[each.value.group].id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_ingress_rule" "data_from_app" {
  for_each = local.data_ports

  security_group_id            = aws_security_group.this[each.value.group].id
  description                  = "${each.value.group} from the ECS tasks"
  referenced_security_group_id = aws_security_group.this["app"].id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_app" {
  security_group_id            = aws_security_group.this["endpoints"].id
  description                  = "HTTPS from the ECS tasks"
  referenced_security_group_id = aws_security_group.this["app"].id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}
