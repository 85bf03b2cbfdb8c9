output "cluster_name" {
  description = "ECS cluster."
  value       = module.ecs.cluster_name
}

output "service_names" {
  description = "ECS service name per service."
  value       = module.ecs.service_names
}

output "task_definition_families" {
  description = "Task definition family per service (deploys register new revisions of these)."
  value       = module.ecs.task_definition_families
}

output "alb_dns_name" {
  description = "DNS name of the application load balancer."
  value       = module.alb.dns_name
}

output "cloudfront_distribution_id" {
  description = "CloudFront distribution serving the web app."
  value       = module.frontend.distribution_id
}

output "cloudfront_domain_name" {
  description = "CloudFront domain name of the web app."
  value       = module.frontend.distribution_domain_name
}

output "assets_bucket" {
  description = "S3 bucket of the web app and uploads."
  value       = module.frontend.bucket_name
}

output "frontend_prefix" {
  description = "Key prefix of the built web app inside the assets bucket."
  value       = var.frontend.prefix
}

output "ecr_repository_urls" {
  description = "ECR repository URL per service."
  value       = module.ecr.repository_urls
}

output "log_group_names" {
  description = "CloudWatch log group per service."
  value       = module.ecs.log_group_names
}

output "alerts_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.observability.alerts_topic_arn
}

output "queue_urls" {
  description = "SQS queue URL per queue."
  value       = module.messaging.queue_urls
}

output "topic_arns" {
  description = "SNS topic ARN per topic."
  value       = module.messaging.topic_arns
}

output "name_servers" {
  description = "Name servers of the environment's zone: delegate the zone to these."
  value       = module.dns.name_servers
}

output "web_url" {
  description = "URL of the web app."
  value       = "https://${var.dns.web_host}"
}

output "api_url" {
  description = "URL of the API."
  value       = "https://${var.dns.api_host}"
}

output "cicd_role_arns" {
  description = "Roles the GitHub Actions workflows assume (plan, apply, deploy); empty without github_repository."
  value       = module.cicd.role_arns
}
