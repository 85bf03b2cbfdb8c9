output "repository_urls" {
  description = "Repository URL per service."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.repository_url }
}

output "repository_arns" {
  description = "Repository ARN per service."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.arn }
}
