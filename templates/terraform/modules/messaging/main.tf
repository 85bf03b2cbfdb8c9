resource "aws_sqs_queue" "dead_letter" {
  for_each = var.queues

  name                              = each.value.dead_letter_name
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues

  name                              = each.value.name
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  visibility_timeout_seconds        = each.value.visibility_timeout_seconds
  message_retention_seconds         = each.value.retention_seconds
  receive_wait_time_seconds         = 20
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

# A dead-letter queue takes messages from its own queue only.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = var.queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

resource "aws_sns_topic" "this" {
  for_each = var.topics

  name              = each.value.name
  kms_master_key_id = var.kms_key_arn
}

locals {
  subscriptions = merge([
    for topic, spec in var.topics : {
      for queue in spec.subscribed_queues : "${topic}/${queue}" => { topic = topic, queue = queue }
    }
  ]...)
  # queue -> the topics that deliver to it
  queue_sources = {
    for queue in distinct(flatten([for spec in var.topics : spec.subscribed_queues])) :
    queue => [for topic, spec in var.topics : aws_sns_topic.this[topic].arn if contains(spec.subscribed_queues, queue)]
  }
}

resource "aws_sns_topic_subscription" "this" {
  for_each = local.subscriptions

  topic_arn            = aws_sns_topic.this[each.value.topic].arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.this[each.value.queue].arn
  raw_message_delivery = true
}

data "aws_iam_policy_document" "queue" {
  for_each = local.queue_sources

  statement {
    sid       = "TopicsDeliver"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this[each.key].arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = each.value
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = local.queue_sources

  queue_url = aws_sqs_queue.this[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}
