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
}

variable "log_retention_days" {
  description = "Retention of the data stores' log groups."
  type        = number
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
}

variable "redis_auth_token" {
  description = "AUTH token clients must present to Redis."
  type        = string
  sensitive   = true
}
