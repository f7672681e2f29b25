-- Webhook order for subscriptions and payments, held by the database.
--
-- Stripe event times have one-second precision, so "newer event wins" alone
-- (last_event_at < EXCLUDED.last_event_at) dropped the second of two events in one second:
-- payment_intent.created then .succeeded stayed pending, subscription created (incomplete)
-- then updated (active) stayed incomplete. Events of the same second are now ordered by a
-- fixed precedence of the status they carry (the provider's lifecycle order, final states
-- last), so same-second events converge on the same row whatever order they arrive in.
-- UpsertSubscription / UpsertPayment apply an event when it is newer, or of the same second
-- with a status of at least the stored precedence. Replays never get that far: they are
-- stopped by RecordWebhookEvent.
--
-- "Older events never overwrite newer state" is also a trigger, for every writer: an UPDATE
-- that moves last_event_at backwards raises check_violation on
-- subscriptions_last_event_at_monotonic_check / payments_last_event_at_monotonic_check (the
-- runtime's StaleEvent).

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE FUNCTION public.subscription_status_precedence(status public.subscription_status)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, public
RETURN CASE status
    WHEN 'incomplete' THEN 0
    WHEN 'trialing' THEN 1
    WHEN 'active' THEN 2
    WHEN 'past_due' THEN 3
    WHEN 'unpaid' THEN 4
    WHEN 'paused' THEN 4
    WHEN 'incomplete_expired' THEN 5
    WHEN 'canceled' THEN 6
END;
COMMENT ON FUNCTION public.subscription_status_precedence(public.subscription_status) IS
    'Tie-break of two subscription events of the same second: the provider''s lifecycle order (incomplete < trialing < active < past_due < unpaid = paused < incomplete_expired < canceled); the event whose status ranks at least as high wins.';

CREATE FUNCTION public.payment_status_precedence(status public.payment_status)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, public
RETURN CASE status
    WHEN 'pending' THEN 0
    WHEN 'failed' THEN 1
    WHEN 'succeeded' THEN 2
    WHEN 'canceled' THEN 3
    WHEN 'refunded' THEN 4
END;
COMMENT ON FUNCTION public.payment_status_precedence(public.payment_status) IS
    'Tie-break of two payment events of the same second: pending < failed (retried) < succeeded < canceled < refunded; then the larger amount refunded. The event that ranks at least as high wins.';

CREATE FUNCTION public.billing_reject_older_event()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NEW.last_event_at < OLD.last_event_at THEN
        RAISE EXCEPTION '% was changed by an event at %; an older event (at %) cannot overwrite it',
                TG_TABLE_NAME, OLD.last_event_at, NEW.last_event_at
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = TG_TABLE_NAME || '_last_event_at_monotonic_check',
                  TABLE = TG_TABLE_NAME,
                  SCHEMA = TG_TABLE_SCHEMA,
                  COLUMN = 'last_event_at';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION public.billing_reject_older_event() IS
    'BEFORE UPDATE trigger of subscriptions and payments: last_event_at never moves backwards, so an older provider event never overwrites newer state, whoever writes (check_violation <table>_last_event_at_monotonic_check).';
REVOKE ALL ON FUNCTION public.billing_reject_older_event() FROM PUBLIC;

CREATE TRIGGER subscriptions_last_event_at_monotonic BEFORE UPDATE OF last_event_at ON public.subscriptions
    FOR EACH ROW EXECUTE FUNCTION public.billing_reject_older_event();
CREATE TRIGGER payments_last_event_at_monotonic BEFORE UPDATE OF last_event_at ON public.payments
    FOR EACH ROW EXECUTE FUNCTION public.billing_reject_older_event();

COMMENT ON COLUMN public.subscriptions.last_event_at IS
    'Provider time of the event that last changed the row (one-second precision). UpsertSubscription applies an event that is newer, or of the same second with a status of at least the stored precedence (subscription_status_precedence); a trigger rejects any update that moves it backwards.';
COMMENT ON COLUMN public.payments.last_event_at IS
    'Provider time of the event that last changed the row (one-second precision). UpsertPayment applies an event that is newer, or of the same second that ranks at least as high (payment_status_precedence, then amount refunded); a trigger rejects any update that moves it backwards.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
COMMENT ON COLUMN public.subscriptions.last_event_at IS
    'Provider time of the event that last changed the row; an upsert applies an event only if it is newer, so replayed or reordered webhooks never overwrite newer state.';
COMMENT ON COLUMN public.payments.last_event_at IS 'Provider time of the event that last changed the row; older events are ignored.';
-- squawk-ignore ban-drop-trigger
DROP TRIGGER payments_last_event_at_monotonic ON public.payments;
-- squawk-ignore ban-drop-trigger
DROP TRIGGER subscriptions_last_event_at_monotonic ON public.subscriptions;
-- squawk-ignore ban-drop-function
DROP FUNCTION public.billing_reject_older_event();
-- squawk-ignore ban-drop-function
DROP FUNCTION public.payment_status_precedence(public.payment_status);
-- squawk-ignore ban-drop-function
DROP FUNCTION public.subscription_status_precedence(public.subscription_status);
