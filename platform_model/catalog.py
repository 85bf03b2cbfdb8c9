"""The Event Planner platform as the seed draws it: services, messaging, data, alarms.

This is the only place these facts are written. Message topology (who publishes what, who
consumes which queue) is decided here; `docs/decisions.md` explains the choices.
"""

from __future__ import annotations

from platform_model.model import Alarm, Database, Queue, Secret, Service, Topic

#: The secret (short name) that holds the auth service's token signing key.
JWT_SIGNING_KEY_SECRET = "jwt-signing-key"

SERVICES: tuple[Service, ...] = (
    Service(
        name="auth",
        title="Auth Service",
        port=8081,
        path_prefix="/api/auth",
        database="auth-db",
        image_name="auth-svc",
        issues_tokens=True,
        permissions=("ses", "s3", "sqs"),
        publishes_queues=("user-registration", "user-login"),
    ),
    Service(
        name="event",
        title="Event Service",
        port=8082,
        path_prefix="/api/events",
        database="event-db",
        image_name="event-svc",
        permissions=("sns", "s3", "sqs"),
        publishes_topics=("event-created",),
        publishes_queues=("event-updated",),
    ),
    Service(
        name="booking",
        title="Booking Service",
        port=8083,
        path_prefix="/api/bookings",
        database="booking-db",
        image_name="booking-svc",
        permissions=("sns", "sqs"),
        publishes_topics=("booking-confirmed", "notification-trigger"),
        publishes_queues=("booking-created", "booking-cancelled"),
        consumes=("event-updated",),
        calls=("event", "payment"),
    ),
    Service(
        name="payment",
        title="Payment Service",
        port=8084,
        path_prefix="/api/payments",
        database="payment-db",
        image_name="payment-svc",
        permissions=("sns", "sqs"),
        publishes_topics=("payment-processed",),
    ),
    Service(
        name="notification",
        title="Notification Service",
        port=8085,
        path_prefix="/api/notifications",
        database="notification-db",
        image_name="notif-svc",
        permissions=("ses", "sns", "sqs"),
        consumes=(
            "user-registration",
            "booking-created",
            "booking-cancelled",
            "payment-processed",
            "email-notifications",
        ),
    ),
)

QUEUES: tuple[Queue, ...] = (
    Queue(name="user-registration", purpose="new accounts; the welcome email"),
    Queue(
        name="user-login",
        purpose="sign-in events",
        unconsumed_reason=(
            "a security trail of sign-ins kept for investigation and export; no service acts "
            "on a login, so nothing polls it and messages expire after the retention period"
        ),
    ),
    Queue(
        name="event-created",
        purpose="copy of the event-created topic for catalogue consumers",
        unconsumed_reason=(
            "the fan-out point for catalogue consumers outside the five services (search, "
            "analytics); the event service's API stays the source of truth"
        ),
    ),
    Queue(name="event-updated", purpose="event changes; cancellations cascade to bookings"),
    Queue(name="booking-created", purpose="confirmed bookings; the confirmation email"),
    Queue(name="booking-cancelled", purpose="cancelled bookings; the cancellation email"),
    Queue(name="payment-processed", purpose="copy of the payment-processed topic; receipts"),
    Queue(name="email-notifications", purpose="generic email requests (notification-trigger)"),
)

TOPICS: tuple[Topic, ...] = (
    Topic(
        name="event-created",
        purpose="a new event was published",
        subscribed_queues=("event-created",),
    ),
    Topic(
        name="booking-confirmed",
        purpose="a booking was paid and confirmed (for e-mail and external subscribers)",
    ),
    Topic(
        name="payment-processed",
        purpose="a charge or refund settled",
        subscribed_queues=("payment-processed",),
    ),
    Topic(
        name="notification-trigger",
        purpose="ask the notification service to send a message",
        subscribed_queues=("email-notifications",),
    ),
)

DATABASES: tuple[Database, ...] = (
    Database(name="auth-db", db_name="auth"),
    Database(name="event-db", db_name="events"),
    Database(name="booking-db", db_name="bookings"),
    Database(name="payment-db", db_name="payments"),
    # Not in the seed's drawing: the notification service keeps its message inbox and the
    # history of what it sent (docs/decisions.md, "Service configuration contract").
    Database(name="notification-db", db_name="notifications"),
)

ALARMS: tuple[Alarm, ...] = (
    Alarm(
        name="ecs-cpu-high",
        metric="CPUUtilization",
        namespace="AWS/ECS",
        per="service",
        threshold=80,
    ),
    Alarm(
        name="ecs-memory-high",
        metric="MemoryUtilization",
        namespace="AWS/ECS",
        per="service",
        threshold=80,
    ),
    Alarm(
        name="alb-5xx",
        metric="HTTPCode_ELB_5XX_Count",
        namespace="AWS/ApplicationELB",
        per="load_balancer",
        threshold=10,
        statistic="Sum",
    ),
    Alarm(
        # The seed's HA section asks for latency alarms: the targets' mean response time.
        name="alb-latency-high",
        metric="TargetResponseTime",
        namespace="AWS/ApplicationELB",
        per="load_balancer",
        threshold=1,
    ),
    Alarm(
        name="rds-cpu-high",
        metric="CPUUtilization",
        namespace="AWS/RDS",
        per="database",
        threshold=80,
    ),
    Alarm(
        name="rds-storage-low",
        metric="FreeStorageSpace",
        namespace="AWS/RDS",
        per="database",
        threshold=2 * 1024**3,
        comparison="LessThanThreshold",
        statistic="Minimum",
    ),
    Alarm(
        name="rds-connections-high",
        metric="DatabaseConnections",
        namespace="AWS/RDS",
        per="database",
        threshold=80,
        statistic="Maximum",
    ),
    Alarm(
        name="redis-cpu-high",
        metric="EngineCPUUtilization",
        namespace="AWS/ElastiCache",
        per="cache",
        threshold=80,
    ),
    Alarm(
        name="redis-memory-high",
        metric="DatabaseMemoryUsagePercentage",
        namespace="AWS/ElastiCache",
        per="cache",
        threshold=80,
    ),
    Alarm(
        name="redis-evictions",
        metric="Evictions",
        namespace="AWS/ElastiCache",
        per="cache",
        threshold=100,
        statistic="Sum",
    ),
)

SECRETS: tuple[Secret, ...] = (
    *(
        Secret(name=f"{database.name}-credentials", purpose=f"RDS {database.name} master login")
        for database in DATABASES
    ),
    Secret(name="docdb-credentials", purpose="DocumentDB master login"),
    Secret(name=JWT_SIGNING_KEY_SECRET, purpose="the auth service's JWT signing key (RSA, PEM)"),
    Secret(name="redis-auth-token", purpose="the Redis AUTH token"),
    *(
        Secret(
            name=service.credentials_secret,
            purpose=f"internal-API credentials of the {service.name} service: its own "
            "(for the services it calls) and its callers' (for its internal API)",
        )
        for service in SERVICES
        if service.calls or any(service.name in other.calls for other in SERVICES)
    ),
)
