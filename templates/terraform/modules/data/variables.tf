variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones of the data subnets, in order (instances and nodes spread over them)."
  type        = list(string)
}

variable "data_subnet_ids" {
  description = "Private data subnets."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups by tier; postgres, docdb and redis are used here."
  type = object({
    postgres = string
    docdb    = string
    redis    = string
  })
}

variable "kms_key_arn" {
  description = "KMS key encrypting storage, logs and the managed master secrets."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "Give the ARN of a KMS key (arn:aws:kms:...)."
  }
}

variable "log_retention_days" {
  description = "Retention of the data stores' log groups."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "Use a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days."
  }
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
  description = "RDS sizing and protection."
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

  validation {
    condition     = var.rds.allocated_storage_gb >= 20 && (var.rds.max_allocated_storage_gb == null ? true : var.rds.max_allocated_storage_gb >= var.rds.allocated_storage_gb)
    error_message = "RDS PostgreSQL needs at least 20 GB, and max_allocated_storage_gb must not be below allocated_storage_gb."
  }

  validation {
    condition     = var.rds.backup_retention_days >= 0 && var.rds.backup_retention_days <= 35
    error_message = "RDS keeps automated backups for 0 to 35 days."
  }
}

variable "document_store" {
  description = "The DocumentDB cluster."
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

  validation {
    condition     = var.document_store.instances >= 1 && var.document_store.instances <= 16
    error_message = "A DocumentDB cluster has 1 to 16 instances."
  }

  validation {
    condition     = var.document_store.backup_retention_days >= 1 && var.document_store.backup_retention_days <= 35
    error_message = "DocumentDB keeps backups for 1 to 35 days."
  }
}

variable "cache" {
  description = "The Redis replication group."
  type = object({
    replication_group_id    = string
    port                    = number
    engine_version          = string
    node_type               = string
    nodes                   = number
    automatic_failover      = bool
    snapshot_retention_days = number
  })

  validation {
    condition     = var.cache.nodes >= 1 && var.cache.nodes <= 6
    error_message = "A Redis replication group has 1 to 6 nodes (a primary and up to 5 replicas)."
  }

  validation {
    condition     = !var.cache.automatic_failover || var.cache.nodes >= 2
    error_message = "Automatic failover needs at least 2 nodes."
  }

  validation {
    condition     = var.cache.snapshot_retention_days >= 0 && var.cache.snapshot_retention_days <= 35
    error_message = "ElastiCache keeps snapshots for 0 to 35 days."
  }
}

variable "redis_auth_token" {
  description = "AUTH token clients must present to Redis."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.redis_auth_token) >= 16 && length(var.redis_auth_token) <= 128
    error_message = "ElastiCache accepts an AUTH token of 16 to 128 characters."
  }
}
