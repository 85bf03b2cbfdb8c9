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

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "Give the VPC's CIDR block, like 10.0.0.0/16."
  }
}

variable "availability_zones" {
  description = "Number of availability zones; every tier has one subnet in each."
  type        = number

  validation {
    condition     = var.availability_zones >= 2 && var.availability_zones <= 6 && floor(var.availability_zones) == var.availability_zones
    error_message = "A load balancer and a DB subnet group need 2 to 6 availability zones."
  }
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

  validation {
    condition     = length(var.public_subnets) == var.availability_zones && alltrue([for cidr in var.public_subnets : can(cidrnetmask(cidr))])
    error_message = "Give one CIDR block per availability zone."
  }
}

variable "app_subnets" {
  description = "CIDRs of the private application subnets, one per availability zone."
  type        = list(string)

  validation {
    condition     = length(var.app_subnets) == var.availability_zones && alltrue([for cidr in var.app_subnets : can(cidrnetmask(cidr))])
    error_message = "Give one CIDR block per availability zone."
  }
}

variable "data_subnets" {
  description = "CIDRs of the private data subnets, one per availability zone."
  type        = list(string)

  validation {
    condition     = length(var.data_subnets) == var.availability_zones && alltrue([for cidr in var.data_subnets : can(cidrnetmask(cidr))])
    error_message = "Give one CIDR block per availability zone."
  }
}

variable "nat_gateways" {
  description = "NAT gateways (each with an Elastic IP), in the first availability zones."
  type        = number

  validation {
    condition     = var.nat_gateways >= 1 && floor(var.nat_gateways) == var.nat_gateways
    error_message = "Use at least 1 NAT gateway: the private subnets reach SES, SNS and SQS through it."
  }

  validation {
    condition     = var.nat_gateways <= var.availability_zones
    error_message = "Use at most one NAT gateway per availability zone."
  }
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

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "Use a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the flow logs."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "Give the ARN of a KMS key (arn:aws:kms:...)."
  }
}

variable "service_ports" {
  description = "Container port per service, opened from the load balancer and between services."
  type        = map(number)

  validation {
    condition     = alltrue([for port in values(var.service_ports) : port >= 1 && port <= 65535]) && length(distinct(values(var.service_ports))) == length(var.service_ports)
    error_message = "Service ports are 1 to 65535 and differ from each other."
  }
}

variable "postgres_ports" {
  description = "Ports of the PostgreSQL instances."
  type        = list(number)

  validation {
    condition     = alltrue([for port in var.postgres_ports : port >= 1 && port <= 65535])
    error_message = "A port is a whole number from 1 to 65535."
  }
}

variable "docdb_port" {
  description = "Port of the DocumentDB cluster."
  type        = number

  validation {
    condition     = var.docdb_port >= 1 && var.docdb_port <= 65535 && floor(var.docdb_port) == var.docdb_port
    error_message = "A port is a whole number from 1 to 65535."
  }
}

variable "redis_port" {
  description = "Port of the Redis replication group."
  type        = number

  validation {
    condition     = var.redis_port >= 1 && var.redis_port <= 65535 && floor(var.redis_port) == var.redis_port
    error_message = "A port is a whole number from 1 to 65535."
  }
}
