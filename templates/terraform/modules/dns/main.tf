resource "aws_route53_zone" "this" {
  # checkov:skip=CKV2_AWS_38:DNSSEC signing needs a KMS key in us-east-1 and a DS record at the parent; not part of the architecture
  # checkov:skip=CKV2_AWS_39:query logging needs a log group in us-east-1; not part of the architecture
  name    = var.zone
  comment = "Event Planner ${var.zone}"
}

# -- TLS: the API certificate lives in the region, the web one in us-east-1 (CloudFront) ----

resource "aws_acm_certificate" "api" {
  domain_name       = var.api_host
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_acm_certificate" "web" {
  provider = aws.us_east_1

  domain_name       = var.web_host
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  validation_records = merge(
    { for option in aws_acm_certificate.api.domain_validation_options : option.domain_name => option },
    { for option in aws_acm_certificate.web.domain_validation_options : option.domain_name => option },
  )
}

resource "aws_route53_record" "validation" {
  for_each = local.validation_records

  zone_id         = aws_route53_zone.this.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

# These wait until ACM has seen the records: the zone must already be delegated to the
# name servers this module outputs.
resource "aws_acm_certificate_validation" "api" {
  certificate_arn         = aws_acm_certificate.api.arn
  validation_record_fqdns = [aws_route53_record.validation[var.api_host].fqdn]
}

resource "aws_acm_certificate_validation" "web" {
  provider = aws.us_east_1

  certificate_arn         = aws_acm_certificate.web.arn
  validation_record_fqdns = [aws_route53_record.validation[var.web_host].fqdn]
}

# -- the two public names ------------------------------------------------------------------

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.this.zone_id
  name    = var.api_host
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "web" {
  for_each = toset(["A", "AAAA"])

  zone_id = aws_route53_zone.this.zone_id
  name    = var.web_host
  type    = each.key

  alias {
    name                   = var.cloudfront_domain_name
    zone_id                = var.cloudfront_zone_id
    evaluate_target_health = false
  }
}

# -- SES: the zone is the verified sending domain of the e-mailing services ----------------

resource "aws_sesv2_email_identity" "this" {
  email_identity = var.zone
}

resource "aws_route53_record" "dkim" {
  count = 3

  zone_id = aws_route53_zone.this.zone_id
  name    = "${aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens[count.index]}._domainkey.${var.zone}"
  type    = "CNAME"
  ttl     = 1800
  records = ["${aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens[count.index]}.dkim.amazonses.com"]
}
