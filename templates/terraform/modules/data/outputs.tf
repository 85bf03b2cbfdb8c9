output "databases" {
  description = "Per database: address, port, database name and the secret holding its credentials."
  value = {
    for name, db in aws_db_instance.this : name => {
      address    = db.address
      port       = db.port
      db_name    = db.db_name
      secret_arn = db.master_user_secret[0].secret_arn
    }
  }
}

output "document_store" {
  description = "DocumentDB endpoint, port and the secret holding its credentials."
  value = {
    endpoint   = aws_docdb_cluster.this.endpoint
    port       = aws_docdb_cluster.this.port
    secret_arn = aws_docdb_cluster.this.master_user_secret[0].secret_arn
  }
}

output "cache" {
  description = "Redis primary endpoint and port."
  value = {
    endpoint = aws_elasticache_replication_group.this.primary_endpoint_address
    port     = aws_elasticache_replication_group.this.port
  }
}
