variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "region" {
  description = "AWS region of the log driver."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name."
  type        = string
}

variable "cloud_map_namespace" {
  description = "Private DNS namespace of the services."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the Cloud Map namespace."
  type        = string
}

variable "app_subnet_ids" {
  description = "Private application subnets the tasks run in."
  type        = list(string)
}

variable "app_security_group_id" {
  description = "Security group of the tasks."
  type        = string
}

variable "execution_role_name" {
  description = "Name of the task execution role."
  type        = string
}

variable "services" {
  description = "Services by short name: size, port, names, permissions and messaging links."
  type = map(object({
    full_name        = string
    port             = number
    cpu              = number
    memory           = number
    database         = string
    ecs_service_name = string
    task_role_name   = string
    log_group        = string
    cloud_map_host   = string
    permissions      = list(string)
    publishes_queues = list(string)
    publishes_topics = list(string)
    consumes         = list(string)
    uploads_prefix   = string
  }))
}

variable "desired_count" {
  description = "Tasks per service when the service is created."
  type        = number

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 100 && floor(var.desired_count) == var.desired_count
    error_message = "Run 0 to 100 tasks per service."
  }
}

variable "autoscaling" {
  description = "Autoscaling bounds and targets; null for a fixed task count."
  type = object({
    min_tasks             = number
    max_tasks             = number
    cpu_target_percent    = number
    memory_target_percent = number
  })

  validation {
    condition     = var.autoscaling == null ? true : var.autoscaling.min_tasks >= 1 && var.autoscaling.min_tasks <= var.autoscaling.max_tasks
    error_message = "Autoscaling needs 1 <= min_tasks <= max_tasks."
  }
}

variable "log_retention_days" {
  description = "Retention of the service log groups."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "Use a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days."
  }
}

variable "kms_key_arn" {
  description = "KMS key of the log groups, secrets, queues and topics."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "Give the ARN of a KMS key (arn:aws:kms:...)."
  }
}

variable "repository_urls" {
  description = "ECR repository URL per service."
  type        = map(string)
}

variable "repository_arns" {
  description = "ECR repository ARN per service."
  type        = map(string)
}

variable "image_tags" {
  description = "Image tag or sha256: digest per service."
  type        = map(string)
}

variable "default_image_tag" {
  description = "Tag used for services missing from image_tags."
  type        = string
}

variable "target_group_arns" {
  description = "Load balancer target group per service."
  type        = map(string)
}

variable "queue_arns" {
  description = "SQS queue ARN per queue."
  type        = map(string)
}

variable "topic_arns" {
  description = "SNS topic ARN per topic."
  type        = map(string)
}

variable "assets_bucket_arn" {
  description = "ARN of the assets bucket."
  type        = string
}

variable "ses_identity_arn" {
  description = "SES identity of the mail domain."
  type        = string
}

variable "container_environment" {
  description = "Per service: the plain environment variables of its container (module service_config)."
  type        = map(map(string))
}

variable "container_secrets" {
  description = "Per service: variables ECS injects from Secrets Manager, name => valueFrom (module service_config)."
  type        = map(map(string))
}

variable "task_secret_arns" {
  description = "Every secret the tasks read: the execution role may read these and no other."
  type        = list(string)
}
