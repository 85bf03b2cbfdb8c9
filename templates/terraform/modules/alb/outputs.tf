output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (the CloudWatch dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route53 zone of the load balancer's DNS name (for alias records)."
  value       = aws_lb.this.zone_id
}

output "target_group_arns" {
  description = "Target group ARN per service, available once its listener rule exists."
  value       = { for name, group in aws_lb_target_group.this : name => group.arn }
  # An ECS service can only attach to a target group the load balancer already routes to.
  depends_on = [aws_lb_listener_rule.this]
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service (the CloudWatch dimension)."
  value       = { for name, group in aws_lb_target_group.this : name => group.arn_suffix }
}
