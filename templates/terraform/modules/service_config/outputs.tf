output "environment" {
  description = "Per service: the plain environment variables of its container."
  value       = local.environment
}

output "secrets" {
  description = "Per service: the variables ECS injects from Secrets Manager (name => valueFrom)."
  value       = local.secrets
}

output "secret_arns" {
  description = "Every secret the tasks read, for the execution role's policy."
  value       = local.secret_arns
}

output "callers" {
  description = "Per service: the services that call its internal API."
  value       = local.callers
}
