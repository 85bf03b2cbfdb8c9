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
}

variable "service_credentials_version" {
  description = "Bump to generate new internal-API credentials for every service at once."
  type        = number
}
