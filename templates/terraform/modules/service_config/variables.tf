variable "project" {
  description = "Project name the services build resource names from (PLATFORM_PROJECT)."
  type        = string
}

variable "domain" {
  description = "The platform's domain (PLATFORM_DOMAIN)."
  type        = string
}

variable "environment" {
  description = "Environment name (ENVIRONMENT)."
  type        = string
}

variable "region" {
  description = "AWS region of the queues, topics and SES (AWS_REGION)."
  type        = string
}

variable "account_id" {
  description = "AWS account the topics live in (AWS_ACCOUNT_ID): the services build topic ARNs from it."
  type        = string
}

variable "web_host" {
  description = "Host name of the web app; its https origin is the only browser origin allowed (CORS_ORIGINS)."
  type        = string
}

variable "mail_domain" {
  description = "SES-verified domain the services with SES send from (MAIL_FROM_DOMAIN)."
  type        = string
}

variable "services" {
  description = "Services by short name: port, database, permissions and who calls whom."
  type = map(object({
    port          = number
    database      = string
    permissions   = list(string)
    calls         = list(string)
    issues_tokens = bool
  }))
}

variable "databases" {
  description = "Per database: address, port, database name and the RDS-managed secret of its login."
  type = map(object({
    address    = string
    port       = number
    db_name    = string
    secret_arn = string
  }))
}

variable "document_store" {
  description = "DocumentDB endpoint, port, whether it requires TLS, and the secret of its login."
  type = object({
    endpoint   = string
    port       = number
    tls        = bool
    secret_arn = string
  })
}

variable "cache" {
  description = "Redis primary endpoint and port."
  type = object({
    endpoint = string
    port     = number
  })
}

variable "jwt_secret_arn" {
  description = "Secret holding the token issuer's RSA private key (PEM)."
  type        = string
}

variable "redis_secret_arn" {
  description = "Secret holding the Redis AUTH token."
  type        = string
}

variable "credentials_secret_arns" {
  description = "Per service that calls or is called: the secret with its internal-API credentials."
  type        = map(string)
}
