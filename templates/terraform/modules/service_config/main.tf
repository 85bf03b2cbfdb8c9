locals {
  # Who calls each service's internal API (the model's `calls`, inverted).
  callers = {
    for name, service in var.services : name => sort([
      for caller, other in var.services : caller if contains(other.calls, name)
    ])
  }

  # Plain values: names, addresses and switches. Never a secret.
  environment = {
    for name, service in var.services : name => merge(
      {
        ENVIRONMENT      = var.environment
        PLATFORM_PROJECT = var.project
        PLATFORM_DOMAIN  = var.domain
        AWS_REGION       = var.region
        AWS_ACCOUNT_ID   = var.account_id
        PORT             = tostring(service.port)
        CORS_ORIGINS     = jsonencode(["https://${var.web_host}"])
        # The ALB appends the client address to X-Forwarded-For: one proxy to trust.
        TRUSTED_PROXY_HOPS = "1"
        REDIS_HOST         = var.cache.endpoint
        REDIS_PORT         = tostring(var.cache.port)
        REDIS_TLS          = "true"
        DOCDB_HOST         = var.document_store.endpoint
        DOCDB_PORT         = tostring(var.document_store.port)
        DOCDB_TLS          = tostring(var.document_store.tls)
      },
      service.database == null ? {} : {
        DB_HOST = var.databases[service.database].address
        DB_PORT = tostring(var.databases[service.database].port)
        DB_NAME = var.databases[service.database].db_name
      },
      contains(service.permissions, "ses") ? { MAIL_FROM_DOMAIN = var.mail_domain } : {},
    )
  }

  # Secrets Manager references ("ARN" or "ARN:json-key::"), resolved by ECS at task start.
  secrets = {
    for name, service in var.services : name => merge(
      {
        REDIS_AUTH_TOKEN = var.redis_secret_arn
        DOCDB_USERNAME   = "${var.document_store.secret_arn}:username::"
        DOCDB_PASSWORD   = "${var.document_store.secret_arn}:password::"
      },
      service.database == null ? {} : {
        DB_USERNAME = "${var.databases[service.database].secret_arn}:username::"
        DB_PASSWORD = "${var.databases[service.database].secret_arn}:password::"
      },
      service.issues_tokens ? { JWT_PRIVATE_KEY = var.jwt_secret_arn } : {},
      length(service.calls) == 0 ? {} : {
        SERVICE_TOKEN = "${var.credentials_secret_arns[name]}:token::"
      },
      length(local.callers[name]) == 0 ? {} : {
        SERVICE_TOKENS = "${var.credentials_secret_arns[name]}:accepts::"
      },
    )
  }

  # Every secret some task reads (an ARN is its first seven ':' fields; a json-key reference
  # adds three): what the execution role may read, and nothing else.
  secret_arns = sort(distinct([
    for reference in flatten([for refs in local.secrets : values(refs)]) :
    join(":", slice(split(":", reference), 0, 7))
  ]))
}
