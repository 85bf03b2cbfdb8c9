"""The payment service: a simulated card processor with idempotent charges and refunds."""
