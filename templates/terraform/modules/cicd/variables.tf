variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the roles; null creates nothing."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "environment" {
  description = "The environment (and GitHub environment) the apply and deploy roles belong to."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider here (one per account); false trusts the one another environment created."
  type        = bool
  default     = true
}

variable "role_names" {
  description = "Names of the plan, apply and deploy roles."
  type = object({
    plan   = string
    apply  = string
    deploy = string
  })
}

variable "name_prefix" {
  description = "Prefix of this environment's resource names (<project>-<env>); the apply role manages only those."
  type        = string
}

variable "region" {
  description = "The environment's region."
  type        = string
}

variable "account_id" {
  description = "The AWS account id."
  type        = string
}

variable "secret_prefix" {
  description = "Name prefix of this environment's Secrets Manager secrets (<project>/<env>/)."
  type        = string
}

variable "state" {
  description = "The Terraform state backend: bucket ({account_id} filled in here), key, lock table, and where deploys keep their ledger and locks."
  type = object({
    bucket          = string
    key             = string
    lock_table      = string
    release_prefix  = string
    deploy_lock_ids = list(string)
  })
}

variable "repository_arns" {
  description = "ECR repository ARN per service (deploy pushes there)."
  type        = map(string)
  default     = {}
}

variable "cluster_name" {
  description = "ECS cluster of the environment."
  type        = string
}

variable "service_names" {
  description = "ECS service name per service (deploy updates these)."
  type        = map(string)
  default     = {}
}

variable "pass_role_arns" {
  description = "The task roles and the execution role: the only roles deploy may pass to ECS."
  type        = list(string)
  default     = []
}

variable "log_group_names" {
  description = "Service log groups (deploy reads them for a failed task's last lines)."
  type        = map(string)
  default     = {}
}

variable "assets_bucket_arn" {
  description = "The web app's bucket (deploy frontend uploads there)."
  type        = string
}

variable "distribution_id" {
  description = "The web app's CloudFront distribution (deploy frontend invalidates it)."
  type        = string
}

variable "max_session_seconds" {
  description = "Longest session of a role (a prod apply can take most of an hour)."
  type        = number
  default     = 3600
}
