output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "availability_zones" {
  description = "The availability zones in use, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (load balancer, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "app_subnet_ids" {
  description = "Private application subnets (ECS tasks, interface endpoints)."
  value       = aws_subnet.app[*].id
}

output "data_subnet_ids" {
  description = "Private data subnets (RDS, DocumentDB, ElastiCache)."
  value       = aws_subnet.data[*].id
}

output "security_group_ids" {
  description = "Security group per tier: alb, app, endpoints, postgres, docdb, redis."
  value       = { for name, group in aws_security_group.this : name => group.id }
}

output "nat_public_ips" {
  description = "Public addresses the services' outbound traffic leaves from."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_group" {
  description = "Log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
