terraform {
  # Pure expressions: no provider, so tests can evaluate the contract on its own.
  required_version = ">= 1.11"
}
