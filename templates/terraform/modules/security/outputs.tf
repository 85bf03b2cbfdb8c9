output "kms_key_arn" {
  description = "ARN of the environment's customer-managed KMS key."
  value       = aws_kms_key.this.arn
}

output "account_id" {
  description = "The AWS account of this environment."
  value       = local.account_id
}

output "jwt_secret_arn" {
  description = "Secret holding the token issuer's RSA private key (PEM)."
  value       = aws_secretsmanager_secret.jwt.arn
}

output "credentials_secret_arns" {
  description = "Per service that calls or is called: the secret with its internal-API credentials."
  value       = { for name, secret in aws_secretsmanager_secret.credentials : name => secret.arn }
}

output "redis_auth_token_secret_arn" {
  description = "Secret holding the Redis AUTH token."
  value       = aws_secretsmanager_secret.redis.arn
}

output "redis_auth_token" {
  description = "The Redis AUTH token, for the replication group."
  value       = terraform_data.redis_auth_token.output
  sensitive   = true
}
