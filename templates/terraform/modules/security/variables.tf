variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "region" {
  description = "AWS region (the CloudWatch Logs service principal is regional)."
  type        = string
}

variable "secrets" {
  description = "Secrets Manager names of the JWT signing key and the Redis AUTH token."
  type = object({
    jwt_signing_key  = string
    redis_auth_token = string
  })
}

variable "secret_recovery_days" {
  description = "Days a deleted secret can be restored (0 deletes at once)."
  type        = number
}

variable "jwt_signing_key_version" {
  description = "Bump to generate a new JWT signing key."
  type        = number
}
