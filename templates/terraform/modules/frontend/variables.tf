variable "name_prefix" {
  description = "<project>-<environment>: the prefix of resource names."
  type        = string
}

variable "bucket" {
  description = "Name of the private assets bucket."
  type        = string
}

variable "app_prefix" {
  description = "Key prefix of the built web app in the bucket (CloudFront's origin path)."
  type        = string
}

variable "versioning" {
  description = "Keep object versions in the assets bucket."
  type        = bool
}

variable "web_host" {
  description = "Host name the distribution answers to."
  type        = string
}

variable "api_host" {
  description = "Host name of the API (allowed in the content security policy)."
  type        = string
}

variable "certificate_arn" {
  description = "Validated us-east-1 certificate of the web host."
  type        = string
}
