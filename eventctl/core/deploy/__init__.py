"""Shipping the services to ECS.

- `images`: the images a release rolls out, as data (from ECR by tag, or just built);
- `start`: check everything, then register a digest-pinned revision and update each service;
- `watch`: the health-gated watcher (rollout state, desired count, load balancer targets,
  circuit-breaker rollbacks, crash loops);
- `release`: a release as one unit: locks, dependency order, automatic rollback, ledger;
- `ledger`, `lock`: the release ledger in the state bucket and the deploy lock;
- `crash_logs`: the last lines of a crashing container;
- `frontend`: the web app to S3 and CloudFront;
- `state`, `durations`: the shared data and small helpers.
"""
