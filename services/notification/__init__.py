"""The notification service: emails for the platform's events, from its SQS queues."""
