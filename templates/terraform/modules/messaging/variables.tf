variable "queues" {
  description = "Queues by short name: names, redrive and timing settings."
  type = map(object({
    name                       = string
    dead_letter_name           = string
    max_receive_count          = number
    visibility_timeout_seconds = number
    retention_seconds          = number
  }))

  validation {
    condition     = alltrue([for queue in values(var.queues) : queue.visibility_timeout_seconds >= 0 && queue.visibility_timeout_seconds <= 43200])
    error_message = "SQS accepts a visibility timeout of 0 to 43200 seconds (12 hours)."
  }

  validation {
    condition     = alltrue([for queue in values(var.queues) : queue.retention_seconds >= 60 && queue.retention_seconds <= 1209600])
    error_message = "SQS keeps messages for 60 seconds to 14 days (1209600 seconds)."
  }

  validation {
    condition     = alltrue([for queue in values(var.queues) : queue.max_receive_count >= 1 && queue.max_receive_count <= 1000])
    error_message = "A redrive policy's maxReceiveCount is 1 to 1000."
  }
}

variable "topics" {
  description = "Topics by short name and the queues subscribed to each."
  type = map(object({
    name              = string
    subscribed_queues = list(string)
  }))

  validation {
    condition     = alltrue(flatten([for topic in values(var.topics) : [for queue in topic.subscribed_queues : contains(keys(var.queues), queue)]]))
    error_message = "A topic can only be subscribed to by queues of this module."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting queues and topics."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "Give the ARN of a KMS key (arn:aws:kms:...)."
  }
}
