resource "aws_sns_topic" "alerts" {
  name              = var.alerts_topic
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alert_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

locals {
  # CloudWatch dimensions of each alarm target, by the alarm's `per`.
  dimensions = {
    service = {
      for name, service in var.ecs_service_names : name => {
        ClusterName = var.cluster_name
        ServiceName = service
      }
    }
    load_balancer = { alb = { LoadBalancer = var.load_balancer_arn_suffix } }
    database      = { for name, identifier in var.rds_identifiers : name => { DBInstanceIdentifier = identifier } }
    cache         = { for node in var.cache_node_ids : node => { CacheClusterId = node } }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.alarms

  alarm_name          = each.value.name
  alarm_description   = "${each.value.metric} of ${each.value.target} ${each.value.comparison} ${each.value.threshold}"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  period              = each.value.period_seconds
  evaluation_periods  = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = "notBreaching"
  dimensions          = local.dimensions[each.value.per][each.value.target]
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

locals {
  widgets = [
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "ECS CPU utilization", region = var.region, stat = "Average", period = 300
        metrics = [for name, service in var.ecs_service_names : ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", service]]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "ECS memory utilization", region = var.region, stat = "Average", period = 300
        metrics = [for name, service in var.ecs_service_names : ["AWS/ECS", "MemoryUtilization", "ClusterName", var.cluster_name, "ServiceName", service]]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title = "ALB requests and 5xx", region = var.region, stat = "Sum", period = 300
        metrics = [
          ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.load_balancer_arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.load_balancer_arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.load_balancer_arn_suffix],
        ]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Target response time (p95)", region = var.region, stat = "p95", period = 300
        metrics = [for name, suffix in var.target_group_arn_suffixes : ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", suffix, "LoadBalancer", var.load_balancer_arn_suffix]]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "RDS CPU utilization", region = var.region, stat = "Average", period = 300
        metrics = [for name, identifier in var.rds_identifiers : ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", identifier]]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Redis engine CPU", region = var.region, stat = "Average", period = 300
        metrics = [for node in var.cache_node_ids : ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", node]]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Queue depth", region = var.region, stat = "Maximum", period = 300
        metrics = [for name, queue in var.queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue]]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Dead-letter queue depth", region = var.region, stat = "Maximum", period = 300
        metrics = [for name, queue in var.dead_letter_queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue]]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.dashboard
  dashboard_body = jsonencode({ widgets = local.widgets })
}
