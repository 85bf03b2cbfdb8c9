output "kms_key_arn" {
  description = "ARN of the environment's customer-managed KMS key."
  value       = aws_kms_key.this.arn
}

output "jwt_secret_arn" {
  description = "Secret holding the JWT signing key."
  value       = aws_secretsmanager_secret.jwt.arn
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
