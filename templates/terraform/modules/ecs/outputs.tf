output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "ECS service name per service."
  value       = { for name, service in aws_ecs_service.this : name => service.name }
}

output "task_definition_families" {
  description = "Task definition family per service."
  value       = { for name, definition in aws_ecs_task_definition.this : name => definition.family }
}

output "log_group_names" {
  description = "Log group per service."
  value       = { for name, group in aws_cloudwatch_log_group.service : name => group.name }
}

output "task_role_arns" {
  description = "Task role per service."
  value       = { for name, role in aws_iam_role.task : name => role.arn }
}

output "execution_role_arn" {
  description = "Task execution role shared by the services."
  value       = aws_iam_role.execution.arn
}
