output "queue_urls" {
  description = "Queue URL per queue."
  value       = { for name, queue in aws_sqs_queue.this : name => queue.id }
}

output "queue_arns" {
  description = "Queue ARN per queue."
  value       = { for name, queue in aws_sqs_queue.this : name => queue.arn }
}

output "dead_letter_queue_arns" {
  description = "Dead-letter queue ARN per queue."
  value       = { for name, queue in aws_sqs_queue.dead_letter : name => queue.arn }
}

output "topic_arns" {
  description = "Topic ARN per topic."
  value       = { for name, topic in aws_sns_topic.this : name => topic.arn }
}
