"""The booking service: seats reserved, paid for and confirmed, or given back."""
