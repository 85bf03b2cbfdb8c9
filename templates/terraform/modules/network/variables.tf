variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "region" {
  description = "AWS region (VPC endpoint service names are regional)."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
}

variable "availability_zones" {
  description = "Number of availability zones; every tier has one subnet in each."
  type        = number
}

variable "zone_names" {
  description = "The availability zones by name, in subnet order."
  type        = list(string)

  validation {
    condition     = length(var.zone_names) == var.availability_zones
    error_message = "Give one zone name per availability zone."
  }
}

variable "public_subnets" {
  description = "CIDRs of the public subnets, one per availability zone."
  type        = list(string)
}

variable "app_subnets" {
  description = "CIDRs of the private application subnets, one per availability zone."
  type        = list(string)
}

variable "data_subnets" {
  description = "CIDRs of the private data subnets, one per availability zone."
  type        = list(string)
}

variable "nat_gateways" {
  description = "NAT gateways (each with an Elastic IP), in the first availability zones."
  type        = number
}

variable "interface_endpoints" {
  description = "AWS services reached through interface endpoints (ecr.api, logs, ...)."
  type        = list(string)
}

variable "gateway_endpoints" {
  description = "AWS services reached through gateway endpoints (s3)."
  type        = list(string)
}

variable "flow_log_group" {
  description = "CloudWatch log group of the VPC flow logs."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of the flow logs in days."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key encrypting the flow logs."
  type        = string
}

variable "service_ports" {
  description = "Container port per service, opened from the load balancer and between services."
  type        = map(number)
}

variable "postgres_ports" {
  description = "Ports of the PostgreSQL instances."
  type        = list(number)
}

variable "docdb_port" {
  description = "Port of the DocumentDB cluster."
  type        = number
}

variable "redis_port" {
  description = "Port of the Redis replication group."
  type        = number
}
