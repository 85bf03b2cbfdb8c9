variable "queues" {
  description = "Queues by short name: names, redrive and timing settings."
  type = map(object({
    name                       = string
    dead_letter_name           = string
    max_receive_count          = number
    visibility_timeout_seconds = number
    retention_seconds          = number
  }))
}

variable "topics" {
  description = "Topics by short name and the queues subscribed to each."
  type = map(object({
    name              = string
    subscribed_queues = list(string)
  }))
}

variable "kms_key_arn" {
  description = "KMS key encrypting queues and topics."
  type        = string
}
