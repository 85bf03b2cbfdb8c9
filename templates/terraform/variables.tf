# Everything below except the last three variables is set by terraform.tfvars.json, which
# `eventctl env render` writes from the platform model. Edit the model, not this file.

variable "project" {
  description = "Project name: the first part of every resource name."
  type        = string
}

variable "environment" {
  description = "Environment name (dev, prod)."
  type        = string
}

variable "domain" {
  description = "The platform's domain; the environment's zone is under it."
  type        = string
}

variable "region" {
  description = "AWS region of everything except the CloudFront certificate."
  type        = string
}

variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "network" {
  description = "VPC layout: CIDRs per tier and availability zone, NAT gateways, endpoints, flow logs."
  type = object({
    vpc_cidr                = string
    availability_zones      = number
    zone_names              = list(string)
    public_subnets          = list(string)
    app_subnets             = list(string)
    data_subnets            = list(string)
    nat_gateways            = number
    interface_endpoints     = list(string)
    gateway_endpoints       = list(string)
    flow_log_retention_days = number
    flow_log_group          = string
  })
}

variable "dns" {
  description = "The environment's DNS zone and the web and API host names in it."
  type = object({
    zone     = string
    web_host = string
    api_host = string
  })
}

variable "cluster_name" {
  description = "ECS cluster name."
  type        = string
}

variable "cloud_map_namespace" {
  description = "Private DNS namespace for service-to-service calls."
  type        = string
}

variable "load_balancer" {
  description = "Application load balancer name and whether it is protected from deletion."
  type = object({
    name                = string
    deletion_protection = bool
  })
}

variable "execution_role_name" {
  description = "Name of the ECS task execution role shared by the services."
  type        = string
}

variable "services" {
  description = "Backend services by short name: port, size, routing, messaging links and names."
  type = map(object({
    full_name         = string
    port              = number
    path_patterns     = list(string)
    listener_priority = number
    health_path       = string
    cpu               = number
    memory            = number
    database          = string
    ecs_service_name  = string
    target_group_name = string
    task_role_name    = string
    log_group         = string
    cloud_map_host    = string
    permissions       = list(string)
    publishes_queues  = list(string)
    publishes_topics  = list(string)
    consumes          = list(string)
    calls             = list(string)
    issues_tokens     = bool
    uploads_prefix    = string
  }))
}

variable "desired_count" {
  description = "Tasks per service when the service is created."
  type        = number
}

variable "autoscaling" {
  description = "ECS autoscaling bounds and targets; null runs a fixed desired_count."
  type = object({
    min_tasks             = number
    max_tasks             = number
    cpu_target_percent    = number
    memory_target_percent = number
  })
}

variable "log_retention_days" {
  description = "Retention of the service and data-store log groups."
  type        = number
}

variable "queues" {
  description = "SQS queues by short name, each with its dead-letter queue."
  type = map(object({
    name                       = string
    dead_letter_name           = string
    max_receive_count          = number
    visibility_timeout_seconds = number
    retention_seconds          = number
  }))
}

variable "topics" {
  description = "SNS topics by short name and the queues subscribed to each."
  type = map(object({
    name              = string
    subscribed_queues = list(string)
  }))
}

variable "databases" {
  description = "PostgreSQL databases by name, one RDS instance each."
  type = map(object({
    identifier     = string
    db_name        = string
    engine_version = string
    port           = number
  }))
}

variable "rds" {
  description = "RDS sizing and protection of this environment."
  type = object({
    instance_class           = string
    allocated_storage_gb     = number
    max_allocated_storage_gb = number
    storage_type             = string
    multi_az                 = bool
    backup_retention_days    = number
    deletion_protection      = bool
    final_snapshot           = bool
  })
}

variable "document_store" {
  description = "The DocumentDB cluster (audit log)."
  type = object({
    cluster_identifier    = string
    port                  = number
    engine_version        = string
    tls_required          = bool
    instance_class        = string
    instances             = number
    backup_retention_days = number
    deletion_protection   = bool
    final_snapshot        = bool
  })
}

variable "cache" {
  description = "The ElastiCache Redis replication group (sessions, caching)."
  type = object({
    replication_group_id    = string
    port                    = number
    engine_version          = string
    node_ids                = list(string)
    node_type               = string
    nodes                   = number
    automatic_failover      = bool
    snapshot_retention_days = number
  })
}

variable "secrets" {
  description = "Secrets Manager names: JWT signing key, Redis AUTH token, internal-API credentials per service."
  type = object({
    jwt_signing_key     = string
    redis_auth_token    = string
    service_credentials = map(string)
  })
}

variable "secret_recovery_days" {
  description = "Days a deleted secret can be restored (0 deletes at once)."
  type        = number
}

variable "ecr_repositories" {
  description = "ECR repository name per service."
  type        = map(string)
}

variable "ecr_keep_images" {
  description = "Images each ECR repository keeps; older ones expire."
  type        = number
}

variable "frontend" {
  description = "The web assets bucket, the key prefix of the built app, and bucket versioning."
  type = object({
    bucket     = string
    prefix     = string
    versioning = bool
  })
}

variable "observability" {
  description = "Alerts topic, dashboard, alert e-mail and every alarm instance."
  type = object({
    alerts_topic = string
    dashboard    = string
    alert_email  = string
    alarms = map(object({
      name               = string
      per                = string
      target             = string
      metric             = string
      namespace          = string
      threshold          = number
      comparison         = string
      statistic          = string
      period_seconds     = number
      evaluation_periods = number
    }))
  })
}

variable "cicd" {
  description = "GitHub Actions access: the repository (null: no CI roles), whether this environment creates the account's OIDC provider, role names, and the state and deploy names the roles may touch."
  type = object({
    github_repository    = string
    create_oidc_provider = bool
    role_names = object({
      plan   = string
      apply  = string
      deploy = string
    })
    secret_prefix = string
    state = object({
      bucket          = string
      key             = string
      lock_table      = string
      release_prefix  = string
      deploy_lock_ids = list(string)
    })
  })
}

# -- inputs that change between applies rather than with the model --------------------------

variable "image_tags" {
  description = "Image per service: an ECR tag or a sha256: digest. Services not listed use default_image_tag."
  type        = map(string)
  default     = {}
}

variable "default_image_tag" {
  description = "Tag of the images the first task definitions point at, before any deploy."
  type        = string
  default     = "bootstrap"
}

variable "service_credentials_version" {
  description = "Bump to generate new internal-API credentials for every service at once (then redeploy them all)."
  type        = number
  default     = 1
}
