variable "region" {
  description = "AWS region of the metrics."
  type        = string
}

variable "alerts_topic" {
  description = "Name of the SNS topic every alarm notifies."
  type        = string
}

variable "dashboard" {
  description = "Name of the CloudWatch dashboard."
  type        = string
}

variable "alert_email" {
  description = "E-mail address subscribed to the alerts topic; null for none."
  type        = string

  validation {
    condition     = var.alert_email == null ? true : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "Give an e-mail address, or null for none."
  }
}

variable "alarms" {
  description = "Every alarm instance: metric, threshold and the target it watches."
  type = map(object({
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
}

variable "kms_key_arn" {
  description = "KMS key encrypting the alerts topic."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "Give the ARN of a KMS key (arn:aws:kms:...)."
  }
}

variable "cluster_name" {
  description = "ECS cluster of the services."
  type        = string
}

variable "ecs_service_names" {
  description = "ECS service name per service."
  type        = map(string)
}

variable "load_balancer_arn_suffix" {
  description = "ARN suffix of the load balancer."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "ARN suffix of each service's target group."
  type        = map(string)
}

variable "rds_identifiers" {
  description = "RDS instance identifier per database."
  type        = map(string)
}

variable "cache_node_ids" {
  description = "Cache cluster ids of the Redis nodes."
  type        = list(string)
}

variable "queue_names" {
  description = "SQS queue name per queue."
  type        = map(string)
}

variable "dead_letter_queue_names" {
  description = "Dead-letter queue name per queue."
  type        = map(string)
}
