variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "region" {
  description = "AWS region (the CloudWatch Logs service principal is regional)."
  type        = string
}

variable "secrets" {
  description = "Secrets Manager names: the JWT signing key, the Redis AUTH token, and the internal-API credentials per service."
  type = object({
    jwt_signing_key     = string
    redis_auth_token    = string
    service_credentials = map(string)
  })
}

variable "services" {
  description = "Services by short name with the services whose internal API each calls."
  type = map(object({
    calls = list(string)
  }))
}

variable "secret_recovery_days" {
  description = "Days a deleted secret can be restored (0 deletes at once)."
  type        = number

  validation {
    condition     = var.secret_recovery_days == 0 || (var.secret_recovery_days >= 7 && var.secret_recovery_days <= 30)
    error_message = "Secrets Manager accepts 0 (delete at once) or 7 to 30 days."
  }
}

variable "service_credentials_version" {
  description = "Bump to generate new internal-API credentials for every service at once."
  type        = number

  validation {
    condition     = var.service_credentials_version >= 1 && floor(var.service_credentials_version) == var.service_credentials_version
    error_message = "The credentials version is a whole number from 1; bump it to rotate."
  }
}
