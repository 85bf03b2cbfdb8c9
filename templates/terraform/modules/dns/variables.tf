variable "zone" {
  description = "The environment's DNS zone (also the SES sending domain)."
  type        = string
}

variable "web_host" {
  description = "Host name of the web app (CloudFront)."
  type        = string
}

variable "api_host" {
  description = "Host name of the API (the load balancer)."
  type        = string
}

variable "alb_dns_name" {
  description = "DNS name of the load balancer."
  type        = string
}

variable "alb_zone_id" {
  description = "Route53 zone of the load balancer's DNS name."
  type        = string
}

variable "cloudfront_domain_name" {
  description = "Domain name of the CloudFront distribution."
  type        = string
}

variable "cloudfront_zone_id" {
  description = "Route53 zone of CloudFront domain names."
  type        = string
}
