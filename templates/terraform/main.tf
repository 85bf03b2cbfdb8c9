# The whole platform of one environment. Each module is one box of the architecture; the
# values come from terraform.tfvars.json (the platform model).

module "security" {
  source = "./modules/security"

  name_prefix                 = var.name_prefix
  region                      = var.region
  secrets                     = var.secrets
  services                    = var.services
  secret_recovery_days        = var.secret_recovery_days
  service_credentials_version = var.service_credentials_version
}

module "network" {
  source = "./modules/network"

  name_prefix             = var.name_prefix
  region                  = var.region
  vpc_cidr                = var.network.vpc_cidr
  availability_zones      = var.network.availability_zones
  zone_names              = var.network.zone_names
  public_subnets          = var.network.public_subnets
  app_subnets             = var.network.app_subnets
  data_subnets            = var.network.data_subnets
  nat_gateways            = var.network.nat_gateways
  interface_endpoints     = var.network.interface_endpoints
  gateway_endpoints       = var.network.gateway_endpoints
  flow_log_group          = var.network.flow_log_group
  flow_log_retention_days = var.network.flow_log_retention_days
  kms_key_arn             = module.security.kms_key_arn
  service_ports           = { for name, service in var.services : name => service.port }
  postgres_ports          = distinct([for db in var.databases : db.port])
  docdb_port              = var.document_store.port
  redis_port              = var.cache.port
}

module "dns" {
  source = "./modules/dns"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  zone                   = var.dns.zone
  web_host               = var.dns.web_host
  api_host               = var.dns.api_host
  alb_dns_name           = module.alb.dns_name
  alb_zone_id            = module.alb.zone_id
  cloudfront_domain_name = module.frontend.distribution_domain_name
  cloudfront_zone_id     = module.frontend.distribution_zone_id
}

module "ecr" {
  source = "./modules/ecr"

  repositories = var.ecr_repositories
  keep_images  = var.ecr_keep_images
}

module "alb" {
  source = "./modules/alb"

  name                = var.load_balancer.name
  deletion_protection = var.load_balancer.deletion_protection
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  security_group_id   = module.network.security_group_ids.alb
  certificate_arn     = module.dns.api_certificate_arn
  services            = var.services
}

module "messaging" {
  source = "./modules/messaging"

  queues      = var.queues
  topics      = var.topics
  kms_key_arn = module.security.kms_key_arn
}

module "data" {
  source = "./modules/data"

  name_prefix        = var.name_prefix
  availability_zones = module.network.availability_zones
  data_subnet_ids    = module.network.data_subnet_ids
  security_group_ids = module.network.security_group_ids
  kms_key_arn        = module.security.kms_key_arn
  log_retention_days = var.log_retention_days
  databases          = var.databases
  rds                = var.rds
  document_store     = var.document_store
  cache              = var.cache
  redis_auth_token   = module.security.redis_auth_token
}

module "frontend" {
  source = "./modules/frontend"

  name_prefix     = var.name_prefix
  bucket          = var.frontend.bucket
  app_prefix      = var.frontend.prefix
  versioning      = var.frontend.versioning
  web_host        = var.dns.web_host
  api_host        = var.dns.api_host
  certificate_arn = module.dns.web_certificate_arn
}

module "service_config" {
  source = "./modules/service_config"

  project                 = var.project
  domain                  = var.domain
  environment             = var.environment
  region                  = var.region
  account_id              = module.security.account_id
  web_host                = var.dns.web_host
  mail_domain             = var.dns.zone
  services                = var.services
  databases               = module.data.databases
  document_store          = merge(module.data.document_store, { tls = var.document_store.tls_required })
  cache                   = module.data.cache
  jwt_secret_arn          = module.security.jwt_secret_arn
  redis_secret_arn        = module.security.redis_auth_token_secret_arn
  credentials_secret_arns = module.security.credentials_secret_arns
}

module "ecs" {
  source = "./modules/ecs"

  name_prefix           = var.name_prefix
  region                = var.region
  cluster_name          = var.cluster_name
  cloud_map_namespace   = var.cloud_map_namespace
  vpc_id                = module.network.vpc_id
  app_subnet_ids        = module.network.app_subnet_ids
  app_security_group_id = module.network.security_group_ids.app
  execution_role_name   = var.execution_role_name
  services              = var.services
  desired_count         = var.desired_count
  autoscaling           = var.autoscaling
  log_retention_days    = var.log_retention_days
  kms_key_arn           = module.security.kms_key_arn
  repository_urls       = module.ecr.repository_urls
  repository_arns       = module.ecr.repository_arns
  image_tags            = var.image_tags
  default_image_tag     = var.default_image_tag
  target_group_arns     = module.alb.target_group_arns
  queue_arns            = module.messaging.queue_arns
  topic_arns            = module.messaging.topic_arns
  assets_bucket_arn     = module.frontend.bucket_arn
  ses_identity_arn      = module.dns.ses_identity_arn
  container_environment = module.service_config.environment
  container_secrets     = module.service_config.secrets
  task_secret_arns      = module.service_config.secret_arns
}

module "observability" {
  source = "./modules/observability"

  region                    = var.region
  alerts_topic              = var.observability.alerts_topic
  dashboard                 = var.observability.dashboard
  alert_email               = var.observability.alert_email
  alarms                    = var.observability.alarms
  kms_key_arn               = module.security.kms_key_arn
  cluster_name              = module.ecs.cluster_name
  ecs_service_names         = module.ecs.service_names
  load_balancer_arn_suffix  = module.alb.arn_suffix
  target_group_arn_suffixes = module.alb.target_group_arn_suffixes
  rds_identifiers           = { for name, db in var.databases : name => db.identifier }
  cache_node_ids            = var.cache.node_ids
  queue_names               = { for name, queue in var.queues : name => queue.name }
  dead_letter_queue_names   = { for name, queue in var.queues : name => queue.dead_letter_name }
}

module "cicd" {
  source = "./modules/cicd"

  github_repository    = var.cicd.github_repository
  environment          = var.environment
  create_oidc_provider = var.cicd.create_oidc_provider
  role_names           = var.cicd.role_names
  name_prefix          = var.name_prefix
  region               = var.region
  account_id           = module.security.account_id
  secret_prefix        = var.cicd.secret_prefix
  state                = var.cicd.state
  repository_arns      = module.ecr.repository_arns
  cluster_name         = module.ecs.cluster_name
  service_names        = module.ecs.service_names
  pass_role_arns       = concat(values(module.ecs.task_role_arns), [module.ecs.execution_role_arn])
  log_group_names      = module.ecs.log_group_names
  assets_bucket_arn    = module.frontend.bucket_arn
  distribution_id      = module.frontend.distribution_id
}
