output "bucket_name" {
  description = "Name of the assets bucket."
  value       = aws_s3_bucket.assets.id
}

output "bucket_arn" {
  description = "ARN of the assets bucket."
  value       = aws_s3_bucket.assets.arn
}

output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_domain_name" {
  description = "Domain name of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_zone_id" {
  description = "Route53 zone of CloudFront domain names (for alias records)."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}
