output "zone_id" {
  description = "Route53 zone of the environment."
  value       = aws_route53_zone.this.zone_id
}

output "name_servers" {
  description = "Name servers to delegate the zone to."
  value       = aws_route53_zone.this.name_servers
}

output "api_certificate_arn" {
  description = "Validated certificate of the API host (regional)."
  value       = aws_acm_certificate_validation.api.certificate_arn
}

output "web_certificate_arn" {
  description = "Validated certificate of the web host (us-east-1)."
  value       = aws_acm_certificate_validation.web.certificate_arn
}

output "ses_identity_arn" {
  description = "SES identity of the sending domain."
  value       = aws_sesv2_email_identity.this.arn
}
