-- name: UpsertSubscription :one
-- Creates or updates a subscription from a provider event, unless the stored row was changed
-- by a newer event (last_event_at), or by one of the same second whose status ranks higher
-- (subscription_status_precedence: provider times have one-second precision): then nothing
-- changes and no row comes back, so reordered webhooks converge on the same state (replays
-- are stopped earlier, by RecordWebhookEvent). The subscriber is user_id if that user still
-- exists (an erased user's later events apply with no subscriber), else the user whose
-- stripe_customer_id is provider_customer_id; an update keeps a known subscriber.
-- created_at is the provider's creation time (Stripe `created`) when the event carries it.
INSERT INTO subscriptions (
    user_id, provider, provider_subscription_id, provider_customer_id, status, price_id, plan,
    quantity, current_period_start, current_period_end, cancel_at_period_end, canceled_at,
    ended_at, trial_end, metadata, last_event_id, last_event_at, created_at
) VALUES (
    coalesce(
        (SELECT u.id FROM users AS u WHERE u.id = sqlc.narg(user_id)::uuid),
        (SELECT u.id FROM users AS u WHERE u.stripe_customer_id = sqlc.narg(provider_customer_id)::text)
    ),
    sqlc.arg(provider)::text,
    sqlc.arg(provider_subscription_id)::text,
    sqlc.narg(provider_customer_id)::text,
    sqlc.arg(status)::subscription_status,
    sqlc.narg(price_id)::text,
    sqlc.narg(plan)::text,
    coalesce(sqlc.narg(quantity)::integer, 1),
    sqlc.narg(current_period_start)::timestamptz,
    sqlc.narg(current_period_end)::timestamptz,
    coalesce(sqlc.narg(cancel_at_period_end)::boolean, false),
    sqlc.narg(canceled_at)::timestamptz,
    sqlc.narg(ended_at)::timestamptz,
    sqlc.narg(trial_end)::timestamptz,
    coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb),
    sqlc.narg(last_event_id)::text,
    sqlc.arg(last_event_at)::timestamptz,
    coalesce(sqlc.narg(created_at)::timestamptz, now())
)
ON CONFLICT (provider, provider_subscription_id) DO UPDATE SET
    created_at = coalesce(sqlc.narg(created_at)::timestamptz, subscriptions.created_at),
    user_id = coalesce(EXCLUDED.user_id, subscriptions.user_id),
    provider_customer_id = coalesce(EXCLUDED.provider_customer_id, subscriptions.provider_customer_id),
    status = EXCLUDED.status,
    price_id = EXCLUDED.price_id,
    plan = EXCLUDED.plan,
    quantity = EXCLUDED.quantity,
    current_period_start = EXCLUDED.current_period_start,
    current_period_end = EXCLUDED.current_period_end,
    cancel_at_period_end = EXCLUDED.cancel_at_period_end,
    canceled_at = EXCLUDED.canceled_at,
    ended_at = EXCLUDED.ended_at,
    trial_end = EXCLUDED.trial_end,
    metadata = EXCLUDED.metadata,
    last_event_id = EXCLUDED.last_event_id,
    last_event_at = EXCLUDED.last_event_at
WHERE subscriptions.last_event_at < EXCLUDED.last_event_at
   OR (
       subscriptions.last_event_at = EXCLUDED.last_event_at
       AND subscription_status_precedence(EXCLUDED.status)
           >= subscription_status_precedence(subscriptions.status)
   )
RETURNING id, user_id, provider, provider_subscription_id, provider_customer_id, status, price_id,
    plan, quantity, current_period_start, current_period_end, cancel_at_period_end, canceled_at,
    ended_at, trial_end, metadata, last_event_id, last_event_at, created_at, updated_at;

-- name: GetSubscriptionByProviderID :one
-- A subscription by the provider's id (sub_...).
SELECT id, user_id, provider, provider_subscription_id, provider_customer_id, status, price_id,
    plan, quantity, current_period_start, current_period_end, cancel_at_period_end, canceled_at,
    ended_at, trial_end, metadata, last_event_id, last_event_at, created_at, updated_at
FROM subscriptions
WHERE provider = @provider AND provider_subscription_id = @provider_subscription_id;

-- name: GetActiveSubscriptionByUser :one
-- The user's subscription that grants a plan now (active or trialing), the one running
-- longest if there are several.
SELECT id, user_id, provider, provider_subscription_id, provider_customer_id, status, price_id,
    plan, quantity, current_period_start, current_period_end, cancel_at_period_end, canceled_at,
    ended_at, trial_end, metadata, last_event_id, last_event_at, created_at, updated_at
FROM subscriptions
WHERE user_id = @user_id AND status IN ('active', 'trialing')
ORDER BY current_period_end DESC NULLS FIRST, id
LIMIT 1;

-- name: ListSubscriptionsNeedingReconciliation :many
-- Background check (chatdb_system): subscriptions that should grant a plan (active,
-- trialing, past_due) but whose paid period ended before as_of without a renewal event, in
-- period-end order, one keyset page after the cursor (current_period_end, id).
SELECT id, user_id, provider, provider_subscription_id, provider_customer_id, status, price_id,
    plan, quantity, current_period_start, current_period_end, cancel_at_period_end, canceled_at,
    ended_at, trial_end, metadata, last_event_id, last_event_at, created_at, updated_at
FROM subscriptions
WHERE status IN ('active', 'trialing', 'past_due')
  AND current_period_end < sqlc.arg(as_of)::timestamptz
  AND (current_period_end, id) > (
      coalesce(sqlc.narg(after_period_end)::timestamptz, '-infinity'::timestamptz),
      coalesce(sqlc.narg(after_id)::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
  )
ORDER BY current_period_end, id
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: UpsertPayment :one
-- Creates or updates a payment from a provider event, unless the stored row was changed by a
-- newer event, or by one of the same second that ranks higher (payment_status_precedence,
-- then the amount refunded): then no row. subscription_id is resolved from the provider's
-- subscription id; user_id is NULL when that user no longer exists (erased). created_at is
-- the provider's creation time (Stripe `created`) when given. billing_details and
-- customer_details NULL keep what is stored (an event without them never blanks them).
-- paid_at keeps the first payment time known: a later event (a partial refund) never moves
-- it, and any event that knows it fills it in.
INSERT INTO payments (
    id, provider, user_id, subscription_id, amount_cents, amount_refunded_cents, currency, status,
    description, credits_granted, billing_details, customer_details, metadata, paid_at,
    last_event_at, created_at
) VALUES (
    sqlc.arg(id)::text,
    sqlc.arg(provider)::text,
    (SELECT u.id FROM users AS u WHERE u.id = sqlc.narg(user_id)::uuid),
    (SELECT s.id FROM subscriptions AS s
     WHERE s.provider = sqlc.arg(provider)::text
       AND s.provider_subscription_id = sqlc.narg(provider_subscription_id)::text),
    sqlc.arg(amount_cents)::bigint,
    coalesce(sqlc.narg(amount_refunded_cents)::bigint, 0),
    sqlc.arg(currency)::text,
    sqlc.arg(status)::payment_status,
    sqlc.narg(description)::text,
    coalesce(sqlc.narg(credits_granted)::numeric, 0),
    coalesce(sqlc.narg(billing_details)::jsonb, '{}'::jsonb),
    coalesce(sqlc.narg(customer_details)::jsonb, '{}'::jsonb),
    coalesce(sqlc.narg(metadata)::jsonb, '{}'::jsonb),
    sqlc.narg(paid_at)::timestamptz,
    sqlc.arg(last_event_at)::timestamptz,
    coalesce(sqlc.narg(created_at)::timestamptz, now())
)
ON CONFLICT (id) DO UPDATE SET
    created_at = coalesce(sqlc.narg(created_at)::timestamptz, payments.created_at),
    user_id = coalesce(EXCLUDED.user_id, payments.user_id),
    subscription_id = coalesce(EXCLUDED.subscription_id, payments.subscription_id),
    amount_cents = EXCLUDED.amount_cents,
    amount_refunded_cents = EXCLUDED.amount_refunded_cents,
    currency = EXCLUDED.currency,
    status = EXCLUDED.status,
    description = EXCLUDED.description,
    credits_granted = EXCLUDED.credits_granted,
    billing_details = coalesce(sqlc.narg(billing_details)::jsonb, payments.billing_details),
    customer_details = coalesce(sqlc.narg(customer_details)::jsonb, payments.customer_details),
    metadata = EXCLUDED.metadata,
    paid_at = coalesce(payments.paid_at, EXCLUDED.paid_at),
    last_event_at = EXCLUDED.last_event_at
WHERE payments.last_event_at < EXCLUDED.last_event_at
   OR (
       payments.last_event_at = EXCLUDED.last_event_at
       AND (payment_status_precedence(EXCLUDED.status), EXCLUDED.amount_refunded_cents)
           >= (payment_status_precedence(payments.status), payments.amount_refunded_cents)
   )
RETURNING id, provider, user_id, subscription_id, amount_cents, amount_refunded_cents, currency,
    status, description, credits_granted, billing_details, customer_details, metadata, paid_at,
    last_event_at, created_at, updated_at;

-- name: ListPaymentsByUser :many
-- The user's payments, newest first, one keyset page after the cursor (created_at, id).
SELECT id, provider, user_id, subscription_id, amount_cents, amount_refunded_cents, currency,
    status, description, credits_granted, billing_details, customer_details, metadata, paid_at,
    last_event_at, created_at, updated_at
FROM payments
WHERE user_id = @user_id
  AND (
      sqlc.narg(before_created_at)::timestamptz IS NULL
      OR (created_at, id) < (sqlc.narg(before_created_at)::timestamptz, sqlc.narg(before_id)::text)
  )
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(page_size)::integer + 1;

-- name: RecordWebhookEvent :one
-- Records a received webhook event once per (provider, event_id); no row when it was already
-- recorded (a concurrent delivery waits for the first and then gets no row).
INSERT INTO webhook_events (provider, event_id, event_type, payload, event_created_at)
VALUES (
    @provider,
    @event_id,
    @event_type,
    @payload::jsonb,
    sqlc.narg(event_created_at)::timestamptz
)
ON CONFLICT (provider, event_id) DO NOTHING
RETURNING *;

-- name: LockUnprocessedWebhookEvent :one
-- Locks a recorded event for processing, if it is not processed yet; no row when it is
-- (also when a concurrent processor committed it while this one waited for the lock).
SELECT *
FROM webhook_events
WHERE provider = @provider AND event_id = @event_id AND processed_at IS NULL
FOR UPDATE;

-- name: MarkWebhookEventProcessed :execrows
-- Marks an event processed (counting the attempt); 0 when it already was.
UPDATE webhook_events
SET processed_at = now(), attempts = attempts + 1, last_error = NULL
WHERE id = @id AND processed_at IS NULL;

-- name: RecordWebhookEventFailure :execrows
-- Counts a failed processing attempt and keeps its error (in a new transaction, after the
-- failed one rolled back); the event stays in the retry queue.
UPDATE webhook_events
SET attempts = attempts + 1, last_error = @last_error
WHERE id = @id AND processed_at IS NULL;

-- name: ListUnprocessedWebhookEvents :many
-- The retry queue: events received before received_before and not processed, oldest first.
SELECT *
FROM webhook_events
WHERE processed_at IS NULL AND received_at < @received_before::timestamptz
ORDER BY received_at
LIMIT sqlc.arg(batch_size)::integer;

-- name: UpsertExternalToken :one
-- Stores (or replaces) the user's encrypted token for a service and environment; token_type
-- NULL means api_key.
INSERT INTO external_tokens (
    user_id, service, environment, token_type, label, token_ciphertext, token_key_version,
    scopes, expires_at
) VALUES (
    @user_id,
    @service,
    @environment::token_environment,
    coalesce(sqlc.narg(token_type)::text, 'api_key'),
    sqlc.narg(label)::text,
    @token_ciphertext::bytea,
    @token_key_version::integer,
    coalesce(sqlc.narg(scopes)::text[], '{}'::text[]),
    sqlc.narg(expires_at)::timestamptz
)
ON CONFLICT (user_id, service, environment) DO UPDATE SET
    token_type = EXCLUDED.token_type,
    label = EXCLUDED.label,
    token_ciphertext = EXCLUDED.token_ciphertext,
    token_key_version = EXCLUDED.token_key_version,
    scopes = EXCLUDED.scopes,
    expires_at = EXCLUDED.expires_at
RETURNING *;

-- name: GetExternalToken :one
-- The user's token for a service and environment, if not expired.
SELECT *
FROM external_tokens
WHERE user_id = @user_id
  AND service = @service
  AND environment = @environment::token_environment
  AND (expires_at IS NULL OR expires_at > now());

-- name: ListExternalTokensByUser :many
-- The user's connected services (a handful), by service and environment.
SELECT *
FROM external_tokens
WHERE user_id = @user_id
ORDER BY service, environment;

-- name: TouchExternalToken :execrows
-- Notes that a tool just used the token.
UPDATE external_tokens
SET last_used_at = now()
WHERE id = @id;

-- name: DeleteExternalToken :execrows
-- Disconnects a service: removes the user's token for it in one environment.
DELETE FROM external_tokens
WHERE user_id = @user_id AND service = @service AND environment = @environment::token_environment;

-- name: SetUserStripeCustomerID :execrows
-- Remember the Stripe customer of a user from a webhook (chatdb_system): set only while the
-- user has none and no other user has this customer, so a late or replayed event never
-- switches an established customer and a webhook never fails over it. 1 when set, else 0
-- (users_stripe_customer_id_key still refuses a concurrent double claim).
UPDATE users
SET stripe_customer_id = @stripe_customer_id::text
WHERE id = @id::uuid
  AND stripe_customer_id IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM users AS other WHERE other.stripe_customer_id = @stripe_customer_id::text
  );

-- name: UpsertAppExternalToken :one
-- Store (or replace) the application's own token for a service and environment (no user;
-- chatdb_system only): the product's API key of a third-party service.
INSERT INTO external_tokens (
    user_id, service, environment, token_type, label, token_ciphertext, token_key_version,
    scopes, expires_at
) VALUES (
    NULL,
    @service,
    @environment::token_environment,
    coalesce(sqlc.narg(token_type)::text, 'api_key'),
    sqlc.narg(label)::text,
    @token_ciphertext::bytea,
    @token_key_version::integer,
    coalesce(sqlc.narg(scopes)::text[], '{}'::text[]),
    sqlc.narg(expires_at)::timestamptz
)
ON CONFLICT (service, environment) WHERE user_id IS NULL DO UPDATE SET
    token_type = EXCLUDED.token_type,
    label = EXCLUDED.label,
    token_ciphertext = EXCLUDED.token_ciphertext,
    token_key_version = EXCLUDED.token_key_version,
    scopes = EXCLUDED.scopes,
    expires_at = EXCLUDED.expires_at
RETURNING *;

-- name: GetAppExternalToken :one
-- The application's own token for a service and environment, if not expired (chatdb_system).
SELECT *
FROM external_tokens
WHERE user_id IS NULL
  AND service = @service
  AND environment = @environment::token_environment
  AND (expires_at IS NULL OR expires_at > now());
