-- Billing: subscriptions and payments (kept when the user is deleted: user_id SET NULL),
-- webhook_events (each provider event recorded and processed once), external_tokens
-- (third-party API tokens, encrypted).
--
-- Out-of-order webhooks: subscriptions and payments store the provider's time of the event
-- that last changed them (last_event_at); upserts apply an event only when it is newer:
--   ON CONFLICT (...) DO UPDATE SET ... WHERE subscriptions.last_event_at < EXCLUDED.last_event_at

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE public.subscription_status AS ENUM (
    'incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'
);
COMMENT ON TYPE public.subscription_status IS 'Subscription state as the payment provider (Stripe) reports it.';

CREATE TYPE public.payment_status AS ENUM ('pending', 'succeeded', 'failed', 'refunded', 'canceled');
COMMENT ON TYPE public.payment_status IS 'Payment state as the provider reports it; partial refunds keep succeeded with amount_refunded_cents > 0.';

CREATE TYPE public.token_environment AS ENUM ('development', 'staging', 'production');
COMMENT ON TYPE public.token_environment IS 'Which environment of the third-party service an external token is for.';

CREATE TABLE public.subscriptions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid,
    provider text NOT NULL DEFAULT 'stripe',
    provider_subscription_id text NOT NULL,
    provider_customer_id text,
    status public.subscription_status NOT NULL,
    price_id text,
    plan text,
    quantity integer NOT NULL DEFAULT 1,
    current_period_start timestamptz,
    current_period_end timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    canceled_at timestamptz,
    ended_at timestamptz,
    trial_end timestamptz,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_event_id text,
    last_event_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_pkey PRIMARY KEY (id),
    CONSTRAINT subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL,
    CONSTRAINT subscriptions_provider_provider_subscription_id_key UNIQUE (provider, provider_subscription_id),
    CONSTRAINT subscriptions_quantity_check CHECK (quantity >= 0),
    CONSTRAINT subscriptions_period_check CHECK (current_period_end >= current_period_start),
    CONSTRAINT subscriptions_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX subscriptions_user_id_idx ON public.subscriptions (user_id);
-- ListSubscriptionsNeedingReconciliation: e.g. active ones whose period has ended.
CREATE INDEX subscriptions_status_current_period_end_idx ON public.subscriptions (status, current_period_end);
CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON public.subscriptions
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.subscriptions IS
    'Paid subscriptions mirrored from the payment provider''s webhooks. Kept for accounting when the user is deleted (user_id becomes NULL).';
COMMENT ON COLUMN public.subscriptions.user_id IS 'Subscriber; NULL after the user was deleted.';
COMMENT ON COLUMN public.subscriptions.provider IS 'Payment provider (stripe).';
COMMENT ON COLUMN public.subscriptions.provider_subscription_id IS 'The provider''s subscription id (sub_...); unique per provider.';
COMMENT ON COLUMN public.subscriptions.provider_customer_id IS 'The provider''s customer id (cus_...).';
COMMENT ON COLUMN public.subscriptions.status IS 'Provider status; active and trialing grant the plan.';
COMMENT ON COLUMN public.subscriptions.price_id IS 'The provider''s price id (price_...).';
COMMENT ON COLUMN public.subscriptions.plan IS 'Our plan name for the price (pro, team, ...).';
COMMENT ON COLUMN public.subscriptions.quantity IS 'Seats or units subscribed.';
COMMENT ON COLUMN public.subscriptions.current_period_start IS 'Start of the paid period.';
COMMENT ON COLUMN public.subscriptions.current_period_end IS 'End of the paid period; renewal or expiry is due then.';
COMMENT ON COLUMN public.subscriptions.cancel_at_period_end IS 'Cancelled by the user: runs until current_period_end, then ends.';
COMMENT ON COLUMN public.subscriptions.canceled_at IS 'When cancellation was requested.';
COMMENT ON COLUMN public.subscriptions.ended_at IS 'When the subscription ended for good.';
COMMENT ON COLUMN public.subscriptions.trial_end IS 'End of the trial, if any.';
COMMENT ON COLUMN public.subscriptions.metadata IS 'Provider metadata, JSON object.';
COMMENT ON COLUMN public.subscriptions.last_event_id IS 'Provider id of the event that last changed the row.';
COMMENT ON COLUMN public.subscriptions.last_event_at IS
    'Provider time of the event that last changed the row; an upsert applies an event only if it is newer, so replayed or reordered webhooks never overwrite newer state.';

CREATE TABLE public.payments (
    id text NOT NULL,
    provider text NOT NULL DEFAULT 'stripe',
    user_id uuid,
    subscription_id uuid,
    amount_cents bigint NOT NULL,
    amount_refunded_cents bigint NOT NULL DEFAULT 0,
    currency text NOT NULL,
    status public.payment_status NOT NULL,
    description text,
    credits_granted numeric(20, 6) NOT NULL DEFAULT 0,
    billing_details jsonb NOT NULL DEFAULT '{}'::jsonb,
    customer_details jsonb NOT NULL DEFAULT '{}'::jsonb,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    paid_at timestamptz,
    last_event_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_pkey PRIMARY KEY (id),
    CONSTRAINT payments_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL,
    CONSTRAINT payments_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions (id) ON DELETE SET NULL,
    CONSTRAINT payments_amount_cents_check CHECK (amount_cents >= 0),
    CONSTRAINT payments_amount_refunded_cents_check CHECK (amount_refunded_cents BETWEEN 0 AND amount_cents),
    CONSTRAINT payments_currency_check CHECK (currency ~ '^[a-z]{3}$'),
    CONSTRAINT payments_credits_granted_check CHECK (credits_granted >= 0),
    CONSTRAINT payments_details_check CHECK (
        jsonb_typeof(billing_details) = 'object' AND jsonb_typeof(customer_details) = 'object'
        AND jsonb_typeof(metadata) = 'object'
    )
);
CREATE INDEX payments_user_id_created_at_idx ON public.payments (user_id, created_at DESC);
CREATE INDEX payments_subscription_id_idx ON public.payments (subscription_id);
CREATE TRIGGER payments_set_updated_at BEFORE UPDATE ON public.payments
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.payments IS
    'Payments mirrored from the provider''s webhooks, keyed by the provider''s id. Kept for accounting when the user is deleted (user_id becomes NULL).';
COMMENT ON COLUMN public.payments.id IS 'The provider''s payment id (pi_..., in_...): the primary key, so a webhook upserts by it.';
COMMENT ON COLUMN public.payments.provider IS 'Payment provider (stripe).';
COMMENT ON COLUMN public.payments.user_id IS 'Payer; NULL when unknown or after the user was deleted.';
COMMENT ON COLUMN public.payments.subscription_id IS 'The subscription this payment renews, if any.';
COMMENT ON COLUMN public.payments.amount_cents IS 'Amount in the currency''s minor unit (cents), an integer: never floating point.';
COMMENT ON COLUMN public.payments.amount_refunded_cents IS 'Refunded so far, in minor units; between 0 and amount_cents.';
COMMENT ON COLUMN public.payments.currency IS 'ISO 4217 code in lower case, as Stripe sends it (usd, eur).';
COMMENT ON COLUMN public.payments.status IS 'Provider payment status.';
COMMENT ON COLUMN public.payments.description IS 'What was bought, as shown on the receipt.';
COMMENT ON COLUMN public.payments.credits_granted IS 'Credits this payment bought (granted through credit_ledger, operation_id stripe:<event id>).';
COMMENT ON COLUMN public.payments.billing_details IS 'Billing address and name from the provider, JSON object.';
COMMENT ON COLUMN public.payments.customer_details IS 'Customer email, name, tax ids from the provider, JSON object.';
COMMENT ON COLUMN public.payments.metadata IS 'Provider metadata, JSON object.';
COMMENT ON COLUMN public.payments.paid_at IS 'When the payment succeeded.';
COMMENT ON COLUMN public.payments.last_event_at IS 'Provider time of the event that last changed the row; older events are ignored.';

CREATE TABLE public.webhook_events (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    provider text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    payload jsonb NOT NULL,
    event_created_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    CONSTRAINT webhook_events_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_events_provider_event_id_key UNIQUE (provider, event_id),
    CONSTRAINT webhook_events_payload_check CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT webhook_events_attempts_check CHECK (attempts >= 0)
);
-- The retry queue: events received but not processed yet.
CREATE INDEX webhook_events_received_at_unprocessed_idx ON public.webhook_events (received_at)
    WHERE processed_at IS NULL;

COMMENT ON TABLE public.webhook_events IS
    'Every webhook event received, recorded once per (provider, event_id) before it is applied, so a redelivered event is recognised and processed once. chatdb_system only.';
COMMENT ON COLUMN public.webhook_events.provider IS 'Sender (stripe, ...).';
COMMENT ON COLUMN public.webhook_events.event_id IS 'The provider''s event id (evt_...); unique per provider.';
COMMENT ON COLUMN public.webhook_events.event_type IS 'Event type (customer.subscription.updated, ...).';
COMMENT ON COLUMN public.webhook_events.payload IS 'The verified event body, JSON object.';
COMMENT ON COLUMN public.webhook_events.event_created_at IS 'Provider time of the event; becomes last_event_at of what it changes.';
COMMENT ON COLUMN public.webhook_events.received_at IS 'When we received it.';
COMMENT ON COLUMN public.webhook_events.processed_at IS 'When it was applied; NULL = still to do (retry queue).';
COMMENT ON COLUMN public.webhook_events.attempts IS 'How many times processing was attempted.';
COMMENT ON COLUMN public.webhook_events.last_error IS 'Error of the last failed attempt.';

CREATE TABLE public.external_tokens (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    service text NOT NULL,
    environment public.token_environment NOT NULL DEFAULT 'production',
    label text,
    token_ciphertext bytea NOT NULL,
    token_key_version integer NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}',
    expires_at timestamptz,
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT external_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT external_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT external_tokens_user_id_service_environment_key UNIQUE (user_id, service, environment),
    CONSTRAINT external_tokens_service_check CHECK (service ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    CONSTRAINT external_tokens_token_key_version_check CHECK (token_key_version >= 1)
);
CREATE TRIGGER external_tokens_set_updated_at BEFORE UPDATE ON public.external_tokens
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.external_tokens IS
    'API tokens of third-party services a user connected (GitHub, Notion, ...), per environment; stored as ciphertext only.';
COMMENT ON COLUMN public.external_tokens.service IS 'The third-party service (slug).';
COMMENT ON COLUMN public.external_tokens.environment IS 'Environment of the service the token is for; one token per user, service and environment.';
COMMENT ON COLUMN public.external_tokens.label IS 'User-chosen name of the token.';
COMMENT ON COLUMN public.external_tokens.token_ciphertext IS 'The token, AES-GCM ciphertext (never plain text).';
COMMENT ON COLUMN public.external_tokens.token_key_version IS 'Version of the encryption key used, for rotation.';
COMMENT ON COLUMN public.external_tokens.scopes IS 'Scopes the token was granted.';
COMMENT ON COLUMN public.external_tokens.expires_at IS 'When the token expires, if it does.';
COMMENT ON COLUMN public.external_tokens.last_used_at IS 'Last time a tool used the token.';

-- Webhooks run as chatdb_system; users read their own billing and manage their own tokens.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.subscriptions, public.payments, public.webhook_events,
    public.external_tokens TO chatdb_system;
GRANT SELECT ON public.subscriptions, public.payments TO chatdb_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.external_tokens TO chatdb_app;

ALTER TABLE public.subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY subscriptions_owner_read ON public.subscriptions FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.payments FORCE ROW LEVEL SECURITY;
CREATE POLICY payments_owner_read ON public.payments FOR SELECT TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- Not user-owned; no chatdb_app privilege and no policy (defence in depth).
ALTER TABLE public.webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.webhook_events FORCE ROW LEVEL SECURITY;

ALTER TABLE public.external_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.external_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY external_tokens_owner_all ON public.external_tokens FOR ALL TO chatdb_app
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
-- squawk-ignore ban-drop-table
DROP TABLE public.external_tokens;
-- squawk-ignore ban-drop-table
DROP TABLE public.webhook_events;
-- squawk-ignore ban-drop-table
DROP TABLE public.payments;
-- squawk-ignore ban-drop-table
DROP TABLE public.subscriptions;
-- squawk-ignore ban-drop-type
DROP TYPE public.token_environment;
-- squawk-ignore ban-drop-type
DROP TYPE public.payment_status;
-- squawk-ignore ban-drop-type
DROP TYPE public.subscription_status;
