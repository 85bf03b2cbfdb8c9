variable "name" {
  description = "Name of the load balancer."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
}

variable "vpc_id" {
  description = "VPC of the target groups."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets the load balancer spans (two availability zones at least)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "Validated ACM certificate of the API host."
  type        = string
}

variable "services" {
  description = "Services by short name: port, path patterns, rule priority, health check, target group name."
  type = map(object({
    port              = number
    path_patterns     = list(string)
    listener_priority = number
    health_path       = string
    target_group_name = string
  }))
}
