output "role_arns" {
  description = "ARN of the plan, apply and deploy roles (empty when no repository is set)."
  value       = { for kind, role in aws_iam_role.this : kind => role.arn }
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider the roles trust."
  value       = local.enabled ? local.provider_arn : null
}
