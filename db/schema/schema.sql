SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: -
--

-- *not* creating schema, since initdb creates it


--
-- Name: chat_visibility; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.chat_visibility AS ENUM (
    'public',
    'private'
);


--
-- Name: TYPE chat_visibility; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.chat_visibility IS 'public: readable by anyone with the link (also signed out); private: owner only.';


--
-- Name: context_optimization_strategy; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.context_optimization_strategy AS ENUM (
    'truncate',
    'sliding_window',
    'summarize',
    'prune_tool_results'
);


--
-- Name: TYPE context_optimization_strategy; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.context_optimization_strategy IS 'How a chat''s context was shrunk to fit the model: drop the oldest messages, keep a sliding window, summarise, or prune tool results.';


--
-- Name: context_optimization_trigger; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.context_optimization_trigger AS ENUM (
    'token_limit',
    'user_request',
    'auto'
);


--
-- Name: TYPE context_optimization_trigger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.context_optimization_trigger IS 'Why a chat''s context was shrunk: the request hit the model''s token limit, the user asked for it, or an automatic policy ran.';


--
-- Name: credit_reason; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.credit_reason AS ENUM (
    'signup',
    'referral',
    'purchase',
    'subscription',
    'promotion',
    'usage',
    'companion_burn',
    'refund',
    'adjustment'
);


--
-- Name: TYPE credit_reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.credit_reason IS 'Why credits moved. Grants (signup, referral, purchase, subscription, promotion) are positive, spending (usage, companion_burn) negative, refund and adjustment either way (credit_ledger_reason_amount_check).';


--
-- Name: document_kind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.document_kind AS ENUM (
    'text',
    'code',
    'image',
    'sheet',
    'canvas'
);


--
-- Name: TYPE document_kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.document_kind IS 'What a document holds, which decides its editor: text, code, image, sheet or canvas.';


--
-- Name: group_member_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.group_member_role AS ENUM (
    'owner',
    'admin',
    'member'
);


--
-- Name: TYPE group_member_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.group_member_role IS 'A member''s rights in a group chat: owner (the creator), admin, member.';


--
-- Name: message_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.message_role AS ENUM (
    'system',
    'user',
    'assistant',
    'tool'
);


--
-- Name: TYPE message_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.message_role IS 'Author of a message in the model conversation.';


--
-- Name: payment_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.payment_status AS ENUM (
    'pending',
    'succeeded',
    'failed',
    'refunded',
    'canceled'
);


--
-- Name: TYPE payment_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.payment_status IS 'Payment state as the provider reports it; partial refunds keep succeeded with amount_refunded_cents > 0.';


--
-- Name: referral_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.referral_status AS ENUM (
    'pending',
    'completed',
    'cancelled'
);


--
-- Name: TYPE referral_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.referral_status IS 'pending: code redeemed, reward not yet earned; completed: reward granted (counts toward the referrer''s maximum); cancelled: voided (e.g. abuse).';


--
-- Name: subscription_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.subscription_status AS ENUM (
    'incomplete',
    'incomplete_expired',
    'trialing',
    'active',
    'past_due',
    'canceled',
    'unpaid',
    'paused'
);


--
-- Name: TYPE subscription_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.subscription_status IS 'Subscription state as the payment provider (Stripe) reports it.';


--
-- Name: token_environment; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.token_environment AS ENUM (
    'development',
    'staging',
    'production'
);


--
-- Name: TYPE token_environment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.token_environment IS 'Which environment of the third-party service an external token is for.';


--
-- Name: tool_execution_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.tool_execution_status AS ENUM (
    'pending',
    'approved',
    'executing',
    'completed',
    'failed',
    'timeout',
    'cancelled'
);


--
-- Name: TYPE tool_execution_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.tool_execution_status IS 'Life cycle of a tool call: pending (awaiting approval) -> approved -> executing -> completed | failed | timeout; cancelled from any non-terminal state.';


--
-- Name: user_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.user_role AS ENUM (
    'user',
    'admin'
);


--
-- Name: TYPE user_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.user_role IS 'What a user may do in the product: user, or admin (back-office).';


--
-- Name: user_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.user_status AS ENUM (
    'active',
    'inactive',
    'suspended'
);


--
-- Name: TYPE user_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.user_status IS 'Account state: active; inactive (dormant or self-deactivated); suspended (blocked by an admin).';


--
-- Name: user_type; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.user_type AS ENUM (
    'regular',
    'guest'
);


--
-- Name: TYPE user_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.user_type IS 'regular: signed up with an email; guest: created anonymously, no email, upgradable to regular.';


--
-- Name: vote_direction; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.vote_direction AS ENUM (
    'up',
    'down'
);


--
-- Name: TYPE vote_direction; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.vote_direction IS 'A thumbs-up or thumbs-down on an assistant message.';


--
-- Name: billing_reject_older_event(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.billing_reject_older_event() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: FUNCTION billing_reject_older_event(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.billing_reject_older_event() IS 'BEFORE UPDATE trigger of subscriptions and payments: last_event_at never moves backwards, so an older provider event never overwrites newer state, whoever writes (check_violation <table>_last_event_at_monotonic_check).';


--
-- Name: check_message_in_same_chat(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.check_message_in_same_chat() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
BEGIN
    IF under_rls AND NOT EXISTS (
        SELECT 1 FROM public.chats AS c
        WHERE c.id = NEW.chat_id
          AND c.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    ) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "%"', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = TG_TABLE_NAME,
                  SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    IF NEW.message_id IS NOT NULL AND (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.messages AS m
            WHERE m.id = NEW.message_id AND m.chat_id = NEW.chat_id
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.messages AS m
            WHERE m.id = NEW.message_id AND m.chat_id IS DISTINCT FROM NEW.chat_id
        ))
    ) THEN
        RAISE EXCEPTION '%.message_id must be a message of the same chat', TG_TABLE_NAME
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = TG_TABLE_NAME || '_message_chat_check',
                  TABLE = TG_TABLE_NAME,
                  SCHEMA = TG_TABLE_SCHEMA,
                  COLUMN = 'message_id';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION check_message_in_same_chat(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.check_message_in_same_chat() IS 'BEFORE INSERT OR UPDATE trigger of tool_executions and context_optimizations: message_id is a message of the row''s own chat (check_violation <table>_message_chat_check), so no row points into, or is cascaded from, another chat. Under RLS: the chat must be the caller''s (42501, as the policy) and an unknown message id gets the same check_violation as another chat''s, so the error reveals no other user''s ids.';


--
-- Name: companion_token_burns_check_references(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.companion_token_burns_check_references() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
BEGIN
    IF under_rls AND NEW.user_id IS DISTINCT FROM nullif(current_setting('app.user_id', true), '')::uuid THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "companion_token_burns"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public';
    END IF;
    IF (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id AND (c.user_id = NEW.user_id OR c.is_public)
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id AND c.user_id IS DISTINCT FROM NEW.user_id AND NOT c.is_public
        ))
    ) THEN
        RAISE EXCEPTION 'a token burn must be for a companion of its user or a public one'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'companion_token_burns_companion_check',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public',
                  COLUMN = 'companion_id';
    END IF;
    IF NEW.companion_message_id IS NOT NULL AND (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.companion_messages AS m
            WHERE m.id = NEW.companion_message_id
              AND m.companion_id = NEW.companion_id AND m.user_id = NEW.user_id
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.companion_messages AS m
            WHERE m.id = NEW.companion_message_id
              AND (m.companion_id IS DISTINCT FROM NEW.companion_id OR m.user_id IS DISTINCT FROM NEW.user_id)
        ))
    ) THEN
        RAISE EXCEPTION 'companion_message_id must be a message of the same user and companion'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'companion_token_burns_companion_message_check',
                  TABLE = 'companion_token_burns',
                  SCHEMA = 'public',
                  COLUMN = 'companion_message_id';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION companion_token_burns_check_references(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.companion_token_burns_check_references() IS 'BEFORE INSERT OR UPDATE trigger of companion_token_burns: the companion is the user''s own or public (companion_token_burns_companion_check) and companion_message_id is a message of the same user and companion (companion_token_burns_companion_message_check). Under RLS: the row must be the caller''s (42501, as the policy) and unknown ids get the same check_violation as another user''s.';


--
-- Name: create_usage_log_partitions(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.create_usage_log_partitions(months_ahead integer, months_back integer DEFAULT 0) RETURNS SETOF text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
DECLARE
    this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
    month_start timestamp;
    lower_bound text;
    upper_bound text;
    partition_name text;
BEGIN
    IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF months_back IS NULL OR months_back NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months_back must be between 0 and 120, got %', months_back
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    FOR step IN -months_back .. months_ahead LOOP
        month_start := this_month + make_interval(months => step);
        partition_name := 'usage_logs_' || to_char(month_start, '"y"YYYY"m"MM');
        CONTINUE WHEN to_regclass('public.' || quote_ident(partition_name)) IS NOT NULL;

        lower_bound := to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00';
        upper_bound := to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';

        -- Create detached, move any rows of this month out of the default partition, then
        -- attach: ATTACH takes only SHARE UPDATE EXCLUSIVE on usage_logs (CREATE ... PARTITION
        -- OF would take ACCESS EXCLUSIVE). The default partition is locked against inserts
        -- meanwhile, so no row of this month can land there between the move and the attach.
        LOCK TABLE public.usage_logs_default IN SHARE ROW EXCLUSIVE MODE;
        EXECUTE format(
            'CREATE TABLE public.%I (LIKE public.usage_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
            partition_name);
        EXECUTE format(
            'WITH moved AS (DELETE FROM public.usage_logs_default WHERE created_at >= %L AND created_at < %L RETURNING *) '
            'INSERT INTO public.%I SELECT * FROM moved',
            lower_bound, upper_bound, partition_name);
        EXECUTE format(
            'ALTER TABLE public.usage_logs ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
            partition_name, lower_bound, upper_bound);
        EXECUTE format(
            'COMMENT ON TABLE public.%I IS %L',
            partition_name, format('usage_logs for %s (UTC); created by create_usage_log_partitions.', to_char(month_start, 'YYYY-MM')));
        RETURN NEXT partition_name;
    END LOOP;
END
$$;


--
-- Name: FUNCTION create_usage_log_partitions(months_ahead integer, months_back integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.create_usage_log_partitions(months_ahead integer, months_back integer) IS 'Creates the monthly usage_logs partitions from months_back months ago to months_ahead months ahead (UTC) that do not exist yet, moving matching rows out of usage_logs_default; returns the names created. Idempotent. Runs as the owner (chatdb_migrator); executable by chatdb_system.';


--
-- Name: credit_ledger_apply(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.credit_ledger_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    existing record;
    -- The role the statement runs as outside this SECURITY DEFINER function: SET ROLE
    -- (what the runtime uses) else the login. Whether row-level security applies to it.
    caller name := CASE WHEN current_setting('role') = 'none' THEN session_user
                        ELSE current_setting('role') END;
    rls_applies boolean;
BEGIN
    SELECT NOT (r.rolsuper OR r.rolbypassrls) INTO rls_applies
    FROM pg_catalog.pg_roles AS r WHERE r.rolname = caller;

    -- Row-level security runs after BEFORE triggers, so for a caller it applies to, refuse
    -- an entry for another user here, before this function (which bypasses RLS) locks or
    -- reads anything of that user: the same error the credit_ledger_owner_spend policy
    -- raises, whether or not the operation id exists.
    IF coalesce(rls_applies, true)
       AND NEW.user_id IS DISTINCT FROM nullif(current_setting('app.user_id', true), '')::uuid THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "credit_ledger"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public';
    END IF;

    -- NaN passes "amount <> 0" and would make the balance NaN for good: refuse it before
    -- anything is written, naming the ledger's own constraint.
    IF NEW.amount = 'NaN' THEN
        RAISE EXCEPTION 'credit_ledger.amount must be a finite number'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'credit_ledger_amount_finite_check',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  COLUMN = 'amount';
    END IF;

    -- Operation ids by namespace: a caller under row-level security may only use the
    -- namespaces app_settings.app_operation_namespaces lists, so it cannot take an id a
    -- system flow will need later (signup:, referral:, stripe:, ...). Checked before the id
    -- is looked up: the answer is the same whether or not the id exists. An id without a
    -- namespace is left to credit_ledger_operation_id_check (no stored id has that shape).
    IF coalesce(rls_applies, true) AND NEW.operation_id ~ '^[a-z][a-z0-9_-]*:' AND NOT EXISTS (
        SELECT 1 FROM public.app_settings AS s
        WHERE split_part(NEW.operation_id, ':', 1) = ANY (s.app_operation_namespaces)
    ) THEN
        RAISE EXCEPTION 'this operation_id namespace is reserved for system flows'
            USING ERRCODE = 'insufficient_privilege',
                  CONSTRAINT = 'credit_ledger_operation_id_namespace_check',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  COLUMN = 'operation_id';
    END IF;

    -- Serialise with every other ledger write of this user: a concurrent retry of the same
    -- operation waits here, then (READ COMMITTED: the next statement takes a new snapshot)
    -- sees the committed entry below. FOR NO KEY UPDATE does not block inserts that only
    -- reference the user.
    PERFORM 1 FROM public.users WHERE id = NEW.user_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "credit_ledger" violates foreign key constraint "credit_ledger_user_id_fkey"'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'credit_ledger_user_id_fkey',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  DETAIL = format('Key (user_id)=(%s) is not present in table "users".', NEW.user_id);
    END IF;

    SELECT l.user_id, l.amount, l.reason INTO existing
    FROM public.credit_ledger AS l
    WHERE l.operation_id = NEW.operation_id;
    IF FOUND THEN
        IF existing.user_id = NEW.user_id AND existing.amount = NEW.amount AND existing.reason = NEW.reason THEN
            RETURN NULL;  -- already applied: insert nothing, change nothing
        END IF;
        IF existing.user_id <> NEW.user_id THEN
            -- Another user's entry: never say whose, how much or why. A caller under RLS
            -- may not learn more than that the id is not available to it.
            IF coalesce(rls_applies, true) THEN
                RAISE EXCEPTION 'operation_id is not available to this user'
                    USING ERRCODE = 'insufficient_privilege',
                          CONSTRAINT = 'credit_ledger_operation_id_key',
                          TABLE = 'credit_ledger',
                          SCHEMA = 'public';
            END IF;
            RAISE EXCEPTION 'operation_id % was already used for another user''s ledger entry', NEW.operation_id
                USING ERRCODE = 'unique_violation',
                      CONSTRAINT = 'credit_ledger_operation_id_key',
                      TABLE = 'credit_ledger',
                      SCHEMA = 'public';
        END IF;
        RAISE EXCEPTION 'operation_id % was already used for a different ledger entry', NEW.operation_id
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'credit_ledger_operation_id_key',
                  TABLE = 'credit_ledger',
                  SCHEMA = 'public',
                  DETAIL = format('The existing entry of this user is for amount %s, reason %s.',
                                  existing.amount, existing.reason);
    END IF;

    -- Fails with users_credit_balance_nonnegative_check when the balance would go negative.
    UPDATE public.users
    SET credit_balance = credit_balance + NEW.amount
    WHERE id = NEW.user_id
    RETURNING credit_balance INTO NEW.balance_after;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION credit_ledger_apply(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.credit_ledger_apply() IS 'BEFORE INSERT trigger on credit_ledger: applies the amount to users.credit_balance (the only path that may), sets balance_after, and makes re-inserting an applied operation_id a no-op. Refuses a NaN amount (credit_ledger_amount_finite_check). For a caller under row-level security (chatdb_app) it first refuses an entry for another user (42501), then an operation_id outside app_settings.app_operation_namespaces (42501, credit_ledger_operation_id_namespace_check); an operation_id of another user''s entry is insufficient_privilege without any of that entry''s data.';


--
-- Name: credit_ledger_reject_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.credit_ledger_reject_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- The one allowed deletion: the ON DELETE CASCADE of erasing the user, which runs after
    -- the user row is gone.
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM public.users WHERE id = OLD.user_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'credit_ledger is insert-only: % is not allowed', TG_OP
        USING ERRCODE = 'check_violation',
              CONSTRAINT = 'credit_ledger_insert_only_check',
              TABLE = 'credit_ledger',
              SCHEMA = 'public',
              HINT = 'Correct a balance with a new entry (reason adjustment or refund).';
END
$$;


--
-- Name: FUNCTION credit_ledger_reject_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.credit_ledger_reject_change() IS 'Trigger on credit_ledger: rejects UPDATE, TRUNCATE and DELETE (credit_ledger_insert_only_check), except the cascade of deleting the user.';


SET default_tablespace = '';

--
-- Name: usage_logs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_logs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    user_id uuid NOT NULL,
    chat_id uuid,
    message_id uuid,
    provider text NOT NULL,
    model text NOT NULL,
    input_tokens integer DEFAULT 0 NOT NULL,
    output_tokens integer DEFAULT 0 NOT NULL,
    cache_read_tokens integer DEFAULT 0 NOT NULL,
    cache_write_tokens integer DEFAULT 0 NOT NULL,
    cost numeric(18,8) DEFAULT 0 NOT NULL,
    duration_ms integer,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT usage_logs_cost_check CHECK ((cost >= (0)::numeric)),
    CONSTRAINT usage_logs_cost_finite_check CHECK ((cost <> 'NaN'::numeric)),
    CONSTRAINT usage_logs_duration_ms_check CHECK ((duration_ms >= 0)),
    CONSTRAINT usage_logs_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT usage_logs_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT usage_logs_model_length_check CHECK ((char_length(model) <= 200)),
    CONSTRAINT usage_logs_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT usage_logs_tokens_check CHECK (((input_tokens >= 0) AND (output_tokens >= 0) AND (cache_read_tokens >= 0) AND (cache_write_tokens >= 0)))
)
PARTITION BY RANGE (created_at);

ALTER TABLE ONLY public.usage_logs FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE usage_logs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.usage_logs IS 'One row per model request: tokens and cost, for billing, analytics (usage_daily_stats) and audits. Range-partitioned by month of created_at (UTC): partitions usage_logs_yYYYYmMM plus usage_logs_default; see create_usage_log_partitions / drop_usage_log_partitions. The primary key includes the partition key.';


--
-- Name: COLUMN usage_logs.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.created_at IS 'When the request was made; the partition key (monthly, UTC).';


--
-- Name: COLUMN usage_logs.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.user_id IS 'Who the request was made for (billed user).';


--
-- Name: COLUMN usage_logs.chat_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.chat_id IS 'Chat of the request. Informational: no foreign key, so the log outlives the chat and deleting chats never scans the log.';


--
-- Name: COLUMN usage_logs.message_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.message_id IS 'Message the request produced. Informational, no foreign key (see chat_id).';


--
-- Name: COLUMN usage_logs.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.provider IS 'Model provider called.';


--
-- Name: COLUMN usage_logs.model; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.model IS 'Model called.';


--
-- Name: COLUMN usage_logs.input_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.input_tokens IS 'Prompt tokens billed.';


--
-- Name: COLUMN usage_logs.output_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.output_tokens IS 'Completion tokens billed.';


--
-- Name: COLUMN usage_logs.cache_read_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.cache_read_tokens IS 'Prompt tokens read from the provider cache.';


--
-- Name: COLUMN usage_logs.cache_write_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.cache_write_tokens IS 'Prompt tokens written to the provider cache.';


--
-- Name: COLUMN usage_logs.cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.cost IS 'Provider cost in USD.';


--
-- Name: COLUMN usage_logs.duration_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.duration_ms IS 'Latency of the request in milliseconds.';


--
-- Name: COLUMN usage_logs.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.metadata IS 'Request details (endpoint, finish reason, ...), JSON object.';


--
-- Name: COLUMN usage_logs.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_logs.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


SET default_table_access_method = heap;

--
-- Name: usage_daily_stats; Type: MATERIALIZED VIEW; Schema: public; Owner: -
--

CREATE MATERIALIZED VIEW public.usage_daily_stats AS
 SELECT user_id,
    ((created_at AT TIME ZONE 'UTC'::text))::date AS day,
    provider,
    model,
    count(*) AS request_count,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    (sum(cost))::numeric(20,8) AS cost
   FROM public.usage_logs l
  GROUP BY user_id, (((created_at AT TIME ZONE 'UTC'::text))::date), provider, model
  WITH NO DATA;


--
-- Name: MATERIALIZED VIEW usage_daily_stats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON MATERIALIZED VIEW public.usage_daily_stats IS 'Daily usage per user, provider and model (UTC days), aggregated from usage_logs. Refreshed by refresh_usage_daily_stats(); as fresh as its last refresh. chatdb_app reads it only through current_user_usage_daily_stats().';


--
-- Name: COLUMN usage_daily_stats.day; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.day IS 'The UTC day.';


--
-- Name: COLUMN usage_daily_stats.request_count; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.request_count IS 'Model requests that day.';


--
-- Name: COLUMN usage_daily_stats.input_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.input_tokens IS 'Prompt tokens that day.';


--
-- Name: COLUMN usage_daily_stats.output_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.output_tokens IS 'Completion tokens that day.';


--
-- Name: COLUMN usage_daily_stats.cache_read_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.cache_read_tokens IS 'Prompt tokens read from the provider cache that day.';


--
-- Name: COLUMN usage_daily_stats.cache_write_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.cache_write_tokens IS 'Prompt tokens written to the provider cache that day.';


--
-- Name: COLUMN usage_daily_stats.cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.usage_daily_stats.cost IS 'Provider cost (USD) that day.';


--
-- Name: current_user_usage_daily_stats(date, date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.current_user_usage_daily_stats(from_day date, to_day date) RETURNS SETOF public.usage_daily_stats
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
    SELECT s.*
    FROM public.usage_daily_stats AS s
    WHERE s.user_id = nullif(current_setting('app.user_id', true), '')::uuid
      AND s.day BETWEEN $1 AND $2
    ORDER BY s.day, s.provider, s.model;
$_$;


--
-- Name: FUNCTION current_user_usage_daily_stats(from_day date, to_day date); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.current_user_usage_daily_stats(from_day date, to_day date) IS 'The signed-in user''s (app.user_id) rows of usage_daily_stats between two UTC days, inclusive; no rows without a user. The only way chatdb_app reads the materialized view.';


--
-- Name: daily_usage_reject_decrease(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.daily_usage_reject_decrease() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles AS r
        WHERE r.rolname = current_user AND NOT (r.rolsuper OR r.rolbypassrls)
    ) AND (
        NEW.user_id IS DISTINCT FROM OLD.user_id
        OR NEW.day IS DISTINCT FROM OLD.day
        OR NEW.message_count < OLD.message_count
        OR NEW.input_tokens < OLD.input_tokens
        OR NEW.output_tokens < OLD.output_tokens
        OR NEW.cost < OLD.cost
    ) THEN
        RAISE EXCEPTION 'daily_usage counters only grow: % may not lower them or move a row to another user or day', current_user
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'daily_usage_counters_monotonic_check',
                  TABLE = 'daily_usage',
                  SCHEMA = 'public';
    END IF;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION daily_usage_reject_decrease(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.daily_usage_reject_decrease() IS 'AFTER UPDATE trigger of daily_usage: for roles under row-level security (chatdb_app) counters never decrease and user_id/day never change, so a user cannot lift their own rate limits (check_violation daily_usage_counters_monotonic_check).';


--
-- Name: documents_check_single_owner(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.documents_check_single_owner() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
    me uuid := nullif(current_setting('app.user_id', true), '')::uuid;
BEGIN
    -- What documents_owner_all would refuse, refused before anything is read.
    IF under_rls AND (
        NEW.user_id IS DISTINCT FROM me
        OR (NEW.chat_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM public.chats AS c WHERE c.id = NEW.chat_id AND c.user_id = me
        ))
    ) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "documents"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'documents',
                  SCHEMA = 'public';
    END IF;
    -- Serialise the writers of one document id until their transactions end, so the check
    -- below (a new snapshot per statement under READ COMMITTED) sees a version another
    -- transaction committed while this one waited. Two-key form: the first key names this
    -- lock's purpose so it cannot collide with other advisory locks of the database.
    PERFORM pg_advisory_xact_lock(hashtext('documents_single_owner'), hashtext(NEW.id::text));
    IF EXISTS (
        SELECT 1 FROM public.documents AS d
        WHERE d.id = NEW.id AND d.user_id <> NEW.user_id
    ) THEN
        IF under_rls THEN
            -- Another user's document id: the same error as any row the caller may not
            -- write, with nothing of that document.
            RAISE EXCEPTION 'new row violates row-level security policy for table "documents"'
                USING ERRCODE = 'insufficient_privilege',
                      TABLE = 'documents',
                      SCHEMA = 'public';
        END IF;
        RAISE EXCEPTION 'document % belongs to another user', NEW.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'documents_single_owner_check',
                  TABLE = 'documents';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION documents_check_single_owner(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.documents_check_single_owner() IS 'BEFORE INSERT OR UPDATE trigger of documents: every version of a document id has the same owner (check_violation documents_single_owner_check; under RLS the policy''s 42501, the same error as for any row the caller may not write). Race-safe under READ COMMITTED: writers of one id serialise on a transaction-level advisory lock.';


--
-- Name: drop_usage_log_partitions(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.drop_usage_log_partitions(retention interval) RETURNS SETOF text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $_$
DECLARE
    cutoff timestamptz;
    part record;
    upper_bound timestamptz;
BEGIN
    IF retention IS NULL OR retention < interval '1 day' THEN
        RAISE EXCEPTION 'retention must be at least 1 day, got %', retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cutoff := now() - retention;
    FOR part IN
        SELECT c.relname::text AS name,
               make_date(substr(c.relname, 13, 4)::integer, substr(c.relname, 18, 2)::integer, 1) AS month_start
        FROM pg_catalog.pg_inherits AS i
        JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'public.usage_logs'::regclass
          AND c.relname ~ '^usage_logs_y[0-9]{4}m[0-9]{2}$'
        ORDER BY c.relname
    LOOP
        upper_bound := (part.month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN upper_bound > cutoff;
        EXECUTE format('DROP TABLE public.%I', part.name);
        RETURN NEXT part.name;
    END LOOP;
END
$_$;


--
-- Name: FUNCTION drop_usage_log_partitions(retention interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.drop_usage_log_partitions(retention interval) IS 'Drops the monthly usage_logs partitions whose whole month ended more than retention ago (UTC); returns the names dropped. Never touches usage_logs_default. Runs as the owner (chatdb_migrator); executable by chatdb_system.';


--
-- Name: file_uploads_check_chat_owner(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.file_uploads_check_chat_owner() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.chat_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.chats AS c WHERE c.id = NEW.chat_id AND c.user_id = NEW.user_id
    ) THEN
        RAISE EXCEPTION 'file_uploads.chat_id must be a chat of the upload''s user'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'file_uploads_chat_owner_check',
                  TABLE = 'file_uploads',
                  SCHEMA = 'public',
                  COLUMN = 'chat_id';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION file_uploads_check_chat_owner(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.file_uploads_check_chat_owner() IS 'BEFORE INSERT OR UPDATE trigger of file_uploads: chat_id is NULL or a chat of the row''s user (check_violation file_uploads_chat_owner_check), for every writer; an unknown chat id gets the same error.';


--
-- Name: group_chats_add_creator(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.group_chats_add_creator() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO public.group_chat_members (group_chat_id, user_id, role)
    VALUES (NEW.id, NEW.creator_id, 'owner');
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION group_chats_add_creator(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.group_chats_add_creator() IS 'AFTER INSERT trigger on group_chats: makes the creator the owner member.';


--
-- Name: group_messages_check_companion(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.group_messages_check_companion() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    under_rls boolean := public.rls_applies_to_caller();
BEGIN
    IF under_rls AND NOT (
        public.is_group_member(NEW.group_chat_id)
        AND (
            NEW.sender_id = nullif(current_setting('app.user_id', true), '')::uuid
            OR (TG_OP = 'INSERT' AND NEW.is_bot AND NEW.sender_id IS NULL)
        )
    ) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "group_messages"'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'group_messages',
                  SCHEMA = 'public';
    END IF;
    IF NEW.companion_id IS NOT NULL AND (
        (under_rls AND NOT EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id
              AND (
                  c.is_public
                  OR c.user_id = NEW.sender_id
                  OR EXISTS (
                      SELECT 1 FROM public.group_chats AS g
                      WHERE g.id = NEW.group_chat_id AND g.companion_id = c.id
                  )
              )
        ))
        OR (NOT under_rls AND EXISTS (
            SELECT 1 FROM public.companions AS c
            WHERE c.id = NEW.companion_id
              AND NOT c.is_public
              AND c.user_id IS DISTINCT FROM NEW.sender_id
              AND NOT EXISTS (
                  SELECT 1 FROM public.group_chats AS g
                  WHERE g.id = NEW.group_chat_id AND g.companion_id = c.id
              )
        ))
    ) THEN
        RAISE EXCEPTION 'group_messages.companion_id must be the group''s companion, a public one or the sender''s own'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'group_messages_companion_check',
                  TABLE = 'group_messages',
                  SCHEMA = 'public',
                  COLUMN = 'companion_id';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION group_messages_check_companion(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.group_messages_check_companion() IS 'BEFORE INSERT OR UPDATE trigger of group_messages: companion_id is the group''s companion, a public companion or one of the sender (group_messages_companion_check). Under RLS: the caller must be a member posting as themselves or as the group bot (42501, as the policy) and an unknown companion id gets the same check_violation as another user''s private one.';


--
-- Name: is_group_member(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_group_member(group_chat_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
    SELECT EXISTS (
        SELECT 1
        FROM public.group_chat_members AS m
        WHERE m.group_chat_id = $1
          AND m.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    );
$_$;


--
-- Name: FUNCTION is_group_member(group_chat_id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.is_group_member(group_chat_id uuid) IS 'Whether the signed-in user (app.user_id) is a member of the group chat. SECURITY DEFINER (owner chatdb_migrator, BYPASSRLS) so group policies can use it without recursing into each other.';


--
-- Name: payment_status_precedence(public.payment_status); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.payment_status_precedence(status public.payment_status) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    RETURN CASE status WHEN 'pending'::public.payment_status THEN 0 WHEN 'failed'::public.payment_status THEN 1 WHEN 'succeeded'::public.payment_status THEN 2 WHEN 'canceled'::public.payment_status THEN 3 WHEN 'refunded'::public.payment_status THEN 4 ELSE NULL::integer END;


--
-- Name: FUNCTION payment_status_precedence(status public.payment_status); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.payment_status_precedence(status public.payment_status) IS 'Tie-break of two payment events of the same second: pending < failed (retried) < succeeded < canceled < refunded; then the larger amount refunded. The event that ranks at least as high wins.';


--
-- Name: referrals_check_not_mutual(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.referrals_check_not_mutual() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- One lock per unordered pair, so A->B and B->A inserted at once cannot both pass.
    PERFORM pg_advisory_xact_lock(
        hashtext('referrals_mutual'),
        hashtext(least(NEW.referrer_id, NEW.referred_id)::text || greatest(NEW.referrer_id, NEW.referred_id)::text)
    );
    IF EXISTS (
        SELECT 1 FROM public.referrals AS r
        WHERE r.referrer_id = NEW.referred_id AND r.referred_id = NEW.referrer_id
    ) THEN
        RAISE EXCEPTION 'a user cannot refer the user who referred them'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'referrals_no_mutual_referral_check',
                  TABLE = 'referrals',
                  SCHEMA = 'public';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION referrals_check_not_mutual(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.referrals_check_not_mutual() IS 'BEFORE INSERT OR UPDATE trigger of referrals: refuses B referring A when A referred B (check_violation referrals_no_mutual_referral_check); serialised per pair of users by an advisory lock.';


--
-- Name: referrals_count_successful(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.referrals_count_successful() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    max_allowed integer;
    counted integer;
BEGIN
    IF NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status <> 'completed') THEN
        SELECT s.max_successful_referrals INTO max_allowed FROM public.app_settings AS s;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'app_settings has no row: restore it (INSERT INTO app_settings DEFAULT VALUES)'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- The row lock taken here is what makes the maximum race-safe.
        UPDATE public.users
        SET successful_referral_count = successful_referral_count + 1
        WHERE id = NEW.referrer_id
        RETURNING successful_referral_count INTO counted;
        IF counted > max_allowed THEN
            RAISE EXCEPTION 'referrer % already has the maximum of % successful referrals', NEW.referrer_id, max_allowed
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'referrals_referrer_maximum_check',
                      TABLE = 'referrals',
                      SCHEMA = 'public';
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'completed' AND NEW.status <> 'completed' THEN
        UPDATE public.users
        SET successful_referral_count = greatest(successful_referral_count - 1, 0)
        WHERE id = NEW.referrer_id;
    END IF;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION referrals_count_successful(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.referrals_count_successful() IS 'AFTER INSERT OR UPDATE OF status trigger on referrals: counts completed referrals on the referrer''s users row and raises referrals_referrer_maximum_check above app_settings.max_successful_referrals (default 10).';


--
-- Name: refresh_usage_daily_stats(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_usage_daily_stats() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY public.usage_daily_stats;
END
$$;


--
-- Name: FUNCTION refresh_usage_daily_stats(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refresh_usage_daily_stats() IS 'Refreshes usage_daily_stats CONCURRENTLY (readers are not blocked) as its owner chatdb_migrator. Executable by chatdb_system only.';


--
-- Name: rls_applies_to_caller(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rls_applies_to_caller() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    -- The role a statement runs as outside any SECURITY DEFINER function: SET ROLE (how the
    -- runtime picks a role) else the login; NULL (unknown) counts as under RLS.
    SELECT coalesce((
        SELECT NOT (r.rolsuper OR r.rolbypassrls)
        FROM pg_catalog.pg_roles AS r
        WHERE r.rolname = CASE WHEN current_setting('role') = 'none' THEN session_user
                               ELSE current_setting('role') END
    ), true);
$$;


--
-- Name: FUNCTION rls_applies_to_caller(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.rls_applies_to_caller() IS 'Whether row-level security applies to the role the current statement runs as (SET ROLE, else the login), also when called inside a SECURITY DEFINER function. Used by the definer triggers to refuse, before they read anything, what the table''s policy would refuse.';


--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- now() is the transaction start: every row touched by one transaction gets one time,
    -- which keeps keyset cursors on (updated_at, id) stable within a transaction.
    NEW.updated_at := now();
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION set_updated_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.set_updated_at() IS 'BEFORE UPDATE trigger function shared by every table with an updated_at column: stamps it with now() (transaction time).';


--
-- Name: set_updated_at_on_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at_on_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- Same time source as set_updated_at (the transaction start), but only for a real change.
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION set_updated_at_on_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.set_updated_at_on_change() IS 'BEFORE UPDATE trigger function: stamps updated_at with now() (transaction time) when the update changes some column, so a no-op update (an idempotent replay) leaves the row unchanged.';


--
-- Name: signed_in_user(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.signed_in_user(claimed uuid) RETURNS uuid
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    signed_in text := nullif(current_setting('app.user_id', true), '');
BEGIN
    IF signed_in IS NOT NULL AND claimed IS DISTINCT FROM signed_in::uuid THEN
        RAISE EXCEPTION 'the user_id argument is not the signed-in user (app.user_id)'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'inside as_user(), pass the signed-in user''s id';
    END IF;
    RETURN claimed;
END
$$;


--
-- Name: FUNCTION signed_in_user(claimed uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.signed_in_user(claimed uuid) IS 'Returns its argument when no user is signed in (app.user_id unset: chatdb_system) or when it is the signed-in user; raises insufficient_privilege (42501) otherwise, so a query scoped to another user inside as_user() fails loudly instead of returning nothing. Executable by chatdb_app and chatdb_system.';


--
-- Name: subscription_status_precedence(public.subscription_status); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.subscription_status_precedence(status public.subscription_status) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    RETURN CASE status WHEN 'incomplete'::public.subscription_status THEN 0 WHEN 'trialing'::public.subscription_status THEN 1 WHEN 'active'::public.subscription_status THEN 2 WHEN 'past_due'::public.subscription_status THEN 3 WHEN 'unpaid'::public.subscription_status THEN 4 WHEN 'paused'::public.subscription_status THEN 4 WHEN 'incomplete_expired'::public.subscription_status THEN 5 WHEN 'canceled'::public.subscription_status THEN 6 ELSE NULL::integer END;


--
-- Name: FUNCTION subscription_status_precedence(status public.subscription_status); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.subscription_status_precedence(status public.subscription_status) IS 'Tie-break of two subscription events of the same second: the provider''s lifecycle order (incomplete < trialing < active < past_due < unpaid = paused < incomplete_expired < canceled); the event whose status ranks at least as high wins.';


--
-- Name: tool_executions_check_transition(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tool_executions_check_transition() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    previous text := CASE WHEN TG_OP = 'INSERT' THEN 'new' ELSE OLD.status::text END;
    allowed text[];
    stamp timestamptz := clock_timestamp();
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
        RETURN NEW;  -- not a transition
    END IF;

    allowed := CASE previous
        WHEN 'new' THEN ARRAY['pending', 'approved']
        WHEN 'pending' THEN ARRAY['approved', 'cancelled', 'failed']
        WHEN 'approved' THEN ARRAY['executing', 'cancelled', 'failed']
        WHEN 'executing' THEN ARRAY['completed', 'failed', 'cancelled', 'timeout']
        ELSE ARRAY[]::text[]
    END;
    IF NOT NEW.status::text = ANY (allowed) THEN
        RAISE EXCEPTION 'illegal tool execution transition from % to %', previous, NEW.status
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'tool_executions_status_transition_check',
                  TABLE = 'tool_executions',
                  SCHEMA = 'public',
                  COLUMN = 'status',
                  DETAIL = format('From %s the allowed statuses are: %s.', previous,
                                  coalesce(nullif(array_to_string(allowed, ', '), ''), 'none (terminal)'));
    END IF;

    -- Compared as text: the label 'timeout' is added in this same migration.
    CASE NEW.status::text
        WHEN 'approved' THEN NEW.approved_at := coalesce(NEW.approved_at, stamp);
        WHEN 'executing' THEN NEW.started_at := coalesce(NEW.started_at, stamp);
        WHEN 'completed' THEN NEW.completed_at := coalesce(NEW.completed_at, stamp);
        WHEN 'failed' THEN NEW.failed_at := coalesce(NEW.failed_at, stamp);
        WHEN 'timeout' THEN NEW.timed_out_at := coalesce(NEW.timed_out_at, stamp);
        WHEN 'cancelled' THEN NEW.cancelled_at := coalesce(NEW.cancelled_at, stamp);
        ELSE NULL;
    END CASE;
    IF NEW.status::text IN ('completed', 'failed', 'timeout') AND NEW.execution_ms IS NULL AND NEW.started_at IS NOT NULL THEN
        NEW.execution_ms := greatest(0, round(extract(epoch FROM stamp - NEW.started_at) * 1000))::integer;
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION tool_executions_check_transition(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tool_executions_check_transition() IS 'BEFORE INSERT OR UPDATE OF status trigger on tool_executions: rejects illegal status transitions (check_violation, constraint tool_executions_status_transition_check) and stamps the step timestamp and execution_ms.';


--
-- Name: users_credit_balance_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.users_credit_balance_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- Depth 1 = fired by a statement a client ran. The ledger trigger's UPDATE fires this at
    -- depth >= 2 and is the only allowed writer.
    IF (TG_OP = 'INSERT' AND NEW.credit_balance <> 0)
       OR (TG_OP = 'UPDATE' AND NEW.credit_balance IS DISTINCT FROM OLD.credit_balance AND pg_trigger_depth() < 2) THEN
        RAISE EXCEPTION 'users.credit_balance is maintained by credit_ledger: insert a ledger entry instead'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'users_credit_balance_ledger_check',
                  TABLE = 'users',
                  SCHEMA = 'public',
                  COLUMN = 'credit_balance';
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION users_credit_balance_guard(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.users_credit_balance_guard() IS 'Trigger on users: credit_balance starts at 0 and changes only through credit_ledger inserts (users_credit_balance_ledger_check).';


--
-- Name: users_grant_signup_credits(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.users_grant_signup_credits() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    credits numeric;
BEGIN
    SELECT s.signup_credits INTO credits FROM public.app_settings AS s;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app_settings has no row: restore it (INSERT INTO app_settings DEFAULT VALUES)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF credits > 0 THEN
        INSERT INTO public.credit_ledger (user_id, operation_id, amount, reason, description)
        VALUES (NEW.id, 'signup:' || NEW.id, credits, 'signup', 'Welcome credits');
    END IF;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION users_grant_signup_credits(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.users_grant_signup_credits() IS 'AFTER INSERT trigger on users: grants signup credits through the ledger (operation_id signup:<user id>). Amount: app_settings.signup_credits (default 0: none); never a session setting.';


--
-- Name: users_without_email_are_guests(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.users_without_email_are_guests() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    NEW.user_type := 'guest';
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION users_without_email_are_guests(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.users_without_email_are_guests() IS 'BEFORE INSERT trigger function on users (fires only when email IS NULL): a user without an email is a guest (users_email_user_type_check).';


--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    provider text NOT NULL,
    provider_account_id text NOT NULL,
    user_id uuid NOT NULL,
    type text NOT NULL,
    access_token_ciphertext bytea,
    refresh_token_ciphertext bytea,
    id_token_ciphertext bytea,
    token_key_version integer,
    expires_at timestamp with time zone,
    token_type text,
    scope text,
    session_state text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT accounts_access_token_ciphertext_length_check CHECK ((octet_length(access_token_ciphertext) <= 16384)),
    CONSTRAINT accounts_id_token_ciphertext_length_check CHECK ((octet_length(id_token_ciphertext) <= 16384)),
    CONSTRAINT accounts_provider_account_id_length_check CHECK ((char_length(provider_account_id) <= 255)),
    CONSTRAINT accounts_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT accounts_refresh_token_ciphertext_length_check CHECK ((octet_length(refresh_token_ciphertext) <= 16384)),
    CONSTRAINT accounts_scope_length_check CHECK ((char_length(scope) <= 4096)),
    CONSTRAINT accounts_session_state_length_check CHECK ((char_length(session_state) <= 1024)),
    CONSTRAINT accounts_token_key_version_check CHECK ((((access_token_ciphertext IS NULL) AND (refresh_token_ciphertext IS NULL) AND (id_token_ciphertext IS NULL)) = (token_key_version IS NULL))),
    CONSTRAINT accounts_token_key_version_positive_check CHECK ((token_key_version >= 1)),
    CONSTRAINT accounts_token_type_length_check CHECK ((char_length(token_type) <= 64)),
    CONSTRAINT accounts_type_check CHECK ((type = ANY (ARRAY['oauth'::text, 'oidc'::text, 'email'::text, 'webauthn'::text])))
);

ALTER TABLE ONLY public.accounts FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE accounts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.accounts IS 'Sign-in methods linked to a user (Auth.js "Account"): one row per provider account. OAuth tokens are stored encrypted only.';


--
-- Name: COLUMN accounts.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.provider IS 'Auth.js provider id (github, google, email, ...).';


--
-- Name: COLUMN accounts.provider_account_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.provider_account_id IS 'The user''s id at the provider; with provider, the primary key.';


--
-- Name: COLUMN accounts.type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.type IS 'Auth.js account type: oauth, oidc, email or webauthn.';


--
-- Name: COLUMN accounts.access_token_ciphertext; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.access_token_ciphertext IS 'OAuth access token, AES-GCM ciphertext (never plain text).';


--
-- Name: COLUMN accounts.refresh_token_ciphertext; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.refresh_token_ciphertext IS 'OAuth refresh token, AES-GCM ciphertext (never plain text).';


--
-- Name: COLUMN accounts.id_token_ciphertext; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.id_token_ciphertext IS 'OIDC id token, AES-GCM ciphertext (never plain text).';


--
-- Name: COLUMN accounts.token_key_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.token_key_version IS 'Version of the encryption key that produced the ciphertexts; set exactly when a ciphertext is present (accounts_token_key_version_check). Used for key rotation.';


--
-- Name: COLUMN accounts.expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.expires_at IS 'When the access token expires (Auth.js expires_at, stored as a timestamp).';


--
-- Name: COLUMN accounts.token_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.token_type IS 'OAuth token type, usually bearer.';


--
-- Name: COLUMN accounts.scope; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.scope IS 'Granted OAuth scopes, space-separated.';


--
-- Name: COLUMN accounts.session_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.accounts.session_state IS 'OIDC session_state, when the provider sends one.';


--
-- Name: CONSTRAINT accounts_access_token_ciphertext_length_check ON accounts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT accounts_access_token_ciphertext_length_check ON public.accounts IS 'access_token_ciphertext: at most 16,384 bytes; sealed OAuth tokens are a few KB at most.';


--
-- Name: CONSTRAINT accounts_scope_length_check ON accounts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT accounts_scope_length_check ON public.accounts IS 'scope: at most 4,096 characters; OAuth scope lists can be long (Google returns URLs).';


--
-- Name: app_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.app_settings (
    singleton boolean DEFAULT true NOT NULL,
    signup_credits numeric(20,6) DEFAULT 0 NOT NULL,
    max_successful_referrals integer DEFAULT 10 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    app_operation_namespaces text[] DEFAULT '{app,usage,msg,burn}'::text[] NOT NULL,
    CONSTRAINT app_settings_app_operation_namespaces_check CHECK (((cardinality(app_operation_namespaces) <= 100) AND (NOT (app_operation_namespaces && '{signup,referral,stripe}'::text[])))),
    CONSTRAINT app_settings_max_successful_referrals_check CHECK ((max_successful_referrals >= 0)),
    CONSTRAINT app_settings_signup_credits_check CHECK (((signup_credits >= (0)::numeric) AND (signup_credits <> 'NaN'::numeric))),
    CONSTRAINT app_settings_singleton_check CHECK (singleton)
);

ALTER TABLE ONLY public.app_settings FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE app_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.app_settings IS 'Deployment settings that change money or limits: exactly one row (singleton = true). Read by triggers; written only by its owner chatdb_migrator (never by chatdb_app or chatdb_system, and never from a session setting).';


--
-- Name: COLUMN app_settings.singleton; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.app_settings.singleton IS 'Always true: the primary key that keeps the table at one row.';


--
-- Name: COLUMN app_settings.signup_credits; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.app_settings.signup_credits IS 'Credits granted to every new user through the ledger (users_grant_signup_credits, operation_id signup:<user id>); 0 (the default) grants none.';


--
-- Name: COLUMN app_settings.max_successful_referrals; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.app_settings.max_successful_referrals IS 'Most completed referrals one referrer may have (referrals_referrer_maximum_check).';


--
-- Name: COLUMN app_settings.app_operation_namespaces; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.app_settings.app_operation_namespaces IS 'Operation-id namespaces (the part of credit_ledger.operation_id before the first colon) that chatdb_app may use; every other namespace (signup, referral, stripe, ...) is for system flows only.';


--
-- Name: authenticators; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.authenticators (
    credential_id text NOT NULL,
    user_id uuid NOT NULL,
    provider_account_id text NOT NULL,
    credential_public_key text NOT NULL,
    counter bigint DEFAULT 0 NOT NULL,
    credential_device_type text NOT NULL,
    credential_backed_up boolean NOT NULL,
    transports text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT authenticators_counter_check CHECK (((counter >= 0) AND (counter <= '4294967295'::bigint))),
    CONSTRAINT authenticators_credential_device_type_length_check CHECK ((char_length(credential_device_type) <= 32)),
    CONSTRAINT authenticators_credential_id_check CHECK (((char_length(credential_id) >= 1) AND (char_length(credential_id) <= 1024))),
    CONSTRAINT authenticators_credential_public_key_length_check CHECK ((char_length(credential_public_key) <= 4096)),
    CONSTRAINT authenticators_provider_account_id_length_check CHECK ((char_length(provider_account_id) <= 255)),
    CONSTRAINT authenticators_transports_length_check CHECK ((char_length(transports) <= 255))
);

ALTER TABLE ONLY public.authenticators FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE authenticators; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.authenticators IS 'WebAuthn credentials (passkeys) registered by users (Auth.js "Authenticator"); deleted with the user.';


--
-- Name: COLUMN authenticators.credential_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.credential_id IS 'The credential id (base64url) the authenticator returns; the primary key.';


--
-- Name: COLUMN authenticators.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.user_id IS 'The user the passkey signs in.';


--
-- Name: COLUMN authenticators.provider_account_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.provider_account_id IS 'The providerAccountId of the user''s webauthn account (accounts row of provider webauthn).';


--
-- Name: COLUMN authenticators.credential_public_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.credential_public_key IS 'The credential''s public key (base64); public by nature, not a secret.';


--
-- Name: COLUMN authenticators.counter; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.counter IS 'Signature counter the authenticator reported last (WebAuthn signCount, unsigned 32-bit); a lower value on sign-in hints at a cloned key.';


--
-- Name: COLUMN authenticators.credential_device_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.credential_device_type IS 'singleDevice or multiDevice (WebAuthn credentialDeviceType).';


--
-- Name: COLUMN authenticators.credential_backed_up; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.credential_backed_up IS 'Whether the credential is backed up (synced passkey).';


--
-- Name: COLUMN authenticators.transports; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.transports IS 'Comma-separated transports the authenticator supports (usb, nfc, ble, internal, hybrid).';


--
-- Name: COLUMN authenticators.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.authenticators.updated_at IS 'Last change of the row (maintained by set_updated_at): the last counter update.';


--
-- Name: auto_approval_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auto_approval_settings (
    user_id uuid NOT NULL,
    enabled boolean DEFAULT false NOT NULL,
    max_cost_per_execution numeric(18,8) DEFAULT 0 NOT NULL,
    max_daily_cost numeric(18,8) DEFAULT 0 NOT NULL,
    allowed_tools text[] DEFAULT '{}'::text[] NOT NULL,
    blocked_tools text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    read_only_operations text[] DEFAULT '{}'::text[] NOT NULL,
    low_risk_operations text[] DEFAULT '{}'::text[] NOT NULL,
    max_hourly_cost numeric(18,8),
    CONSTRAINT auto_approval_settings_allowed_tools_length_check CHECK ((cardinality(allowed_tools) <= 500)),
    CONSTRAINT auto_approval_settings_blocked_tools_length_check CHECK ((cardinality(blocked_tools) <= 500)),
    CONSTRAINT auto_approval_settings_cost_limits_check CHECK (((max_cost_per_execution >= (0)::numeric) AND (max_daily_cost >= (0)::numeric) AND (max_cost_per_execution <= max_daily_cost))),
    CONSTRAINT auto_approval_settings_max_cost_per_execution_finite_check CHECK ((max_cost_per_execution <> 'NaN'::numeric)),
    CONSTRAINT auto_approval_settings_max_daily_cost_finite_check CHECK ((max_daily_cost <> 'NaN'::numeric)),
    CONSTRAINT auto_approval_settings_max_hourly_cost_finite_check CHECK ((max_hourly_cost <> 'NaN'::numeric)),
    CONSTRAINT auto_approval_settings_tools_check CHECK ((NOT (allowed_tools && blocked_tools)))
);

ALTER TABLE ONLY public.auto_approval_settings FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE auto_approval_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.auto_approval_settings IS 'Whether and within which limits tool calls run without asking the user; one row per user. The defaults are safe: disabled, no budget, no tools.';


--
-- Name: COLUMN auto_approval_settings.enabled; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.enabled IS 'Master switch; false (the default) means every tool call needs approval.';


--
-- Name: COLUMN auto_approval_settings.max_cost_per_execution; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.max_cost_per_execution IS 'Largest cost (USD) of a single call that may run unapproved; at most max_daily_cost.';


--
-- Name: COLUMN auto_approval_settings.max_daily_cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.max_daily_cost IS 'Budget (USD) of unapproved calls per UTC day.';


--
-- Name: COLUMN auto_approval_settings.allowed_tools; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.allowed_tools IS 'Tools that may run unapproved (empty = none).';


--
-- Name: COLUMN auto_approval_settings.blocked_tools; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.blocked_tools IS 'Tools that always need approval; disjoint from allowed_tools.';


--
-- Name: COLUMN auto_approval_settings.read_only_operations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.read_only_operations IS 'Operations that only read (search, list, fetch) and may run unapproved (at most 500).';


--
-- Name: COLUMN auto_approval_settings.low_risk_operations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.low_risk_operations IS 'Operations with small, reversible effects that may run unapproved (at most 500).';


--
-- Name: COLUMN auto_approval_settings.max_hourly_cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.auto_approval_settings.max_hourly_cost IS 'Budget (USD) of unapproved calls per rolling hour, at most max_daily_cost; NULL = no hourly cap (the daily budget only, as before this column).';


--
-- Name: chat_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.chat_states (
    chat_id uuid NOT NULL,
    state jsonb DEFAULT '{}'::jsonb NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT chat_states_state_check CHECK ((jsonb_typeof(state) = 'object'::text)),
    CONSTRAINT chat_states_state_size_check CHECK ((octet_length((state)::text) <= 1048576)),
    CONSTRAINT chat_states_version_check CHECK ((version >= 1))
);

ALTER TABLE ONLY public.chat_states FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE chat_states; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.chat_states IS 'One typed JSON state per chat (agent memory, UI state): the Python side validates it with a pydantic model.';


--
-- Name: COLUMN chat_states.state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chat_states.state IS 'The state, a JSON object whose shape is defined by chatdb.types.';


--
-- Name: COLUMN chat_states.version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chat_states.version IS 'Optimistic-concurrency counter: writers update WHERE version = @expected and bump it.';


--
-- Name: CONSTRAINT chat_states_state_size_check ON chat_states; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT chat_states_state_size_check ON public.chat_states IS 'state: at most 1 MiB of JSON text; client UI state of one chat.';


--
-- Name: chat_tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.chat_tags (
    chat_id uuid NOT NULL,
    tag text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT chat_tags_tag_check CHECK ((((char_length(tag) >= 1) AND (char_length(tag) <= 50)) AND (tag = lower(tag))))
);

ALTER TABLE ONLY public.chat_tags FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE chat_tags; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.chat_tags IS 'Labels the owner puts on chats for filtering; private to the owner.';


--
-- Name: COLUMN chat_tags.tag; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chat_tags.tag IS 'Lower-case label, 1 to 50 characters.';


--
-- Name: COLUMN chat_tags.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chat_tags.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: chats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.chats (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    title text DEFAULT 'New Chat'::text NOT NULL,
    visibility public.chat_visibility DEFAULT 'private'::public.chat_visibility NOT NULL,
    provider text,
    model text,
    system_prompt text,
    context_window integer,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    auto_approve boolean,
    auto_approve_tools text[] DEFAULT '{}'::text[] NOT NULL,
    CONSTRAINT chats_context_window_check CHECK ((context_window > 0)),
    CONSTRAINT chats_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT chats_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT chats_model_length_check CHECK ((char_length(model) <= 200)),
    CONSTRAINT chats_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT chats_system_prompt_length_check CHECK ((char_length(system_prompt) <= 100000)),
    CONSTRAINT chats_title_check CHECK (((char_length(title) >= 1) AND (char_length(title) <= 500)))
);

ALTER TABLE ONLY public.chats FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE chats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.chats IS 'A conversation between a user and a model. Deleting it deletes its messages, votes, streams, state, tool executions and optimizations.';


--
-- Name: COLUMN chats.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.user_id IS 'Owner of the chat.';


--
-- Name: COLUMN chats.title; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.title IS 'Shown in the sidebar; 1 to 500 characters; ''New Chat'' until renamed.';


--
-- Name: COLUMN chats.visibility; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.visibility IS 'public chats (and their messages) are readable by anyone, including signed-out readers.';


--
-- Name: COLUMN chats.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.provider IS 'Model provider the chat uses (openai, anthropic, ...); NULL = the user''s default provider.';


--
-- Name: COLUMN chats.model; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.model IS 'Model id at the provider; NULL = the provider''s default model.';


--
-- Name: COLUMN chats.system_prompt; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.system_prompt IS 'System prompt prepended to every request of this chat.';


--
-- Name: COLUMN chats.context_window; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.context_window IS 'Context window size in tokens used when building requests; NULL = the model''s.';


--
-- Name: COLUMN chats.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.metadata IS 'Free-form JSON object for the UI (pinned, folder, colour, ...).';


--
-- Name: COLUMN chats.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.updated_at IS 'Last change of the chat row; the sort key of chat lists (with id).';


--
-- Name: COLUMN chats.auto_approve; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.auto_approve IS 'Per-conversation auto-approval: true or false overrides the user''s auto_approval_settings.enabled for this chat; NULL follows it.';


--
-- Name: COLUMN chats.auto_approve_tools; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.chats.auto_approve_tools IS 'Tools approved for this chat only, on top of the user''s allowed_tools (at most 500); the user''s blocked_tools still win.';


--
-- Name: CONSTRAINT chats_system_prompt_length_check ON chats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT chats_system_prompt_length_check ON public.chats IS 'system_prompt: at most 100,000 characters; long system prompts (~25k tokens) are real; 100k chars is generous.';


--
-- Name: companion_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.companion_messages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    companion_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role public.message_role NOT NULL,
    content text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    input_tokens integer DEFAULT 0 NOT NULL,
    output_tokens integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT companion_messages_content_length_check CHECK ((char_length(content) <= 200000)),
    CONSTRAINT companion_messages_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT companion_messages_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT companion_messages_tokens_check CHECK (((input_tokens >= 0) AND (output_tokens >= 0)))
);

ALTER TABLE ONLY public.companion_messages FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE companion_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.companion_messages IS 'Conversation turns between a user and a companion; each user has a private conversation with each companion.';


--
-- Name: COLUMN companion_messages.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.user_id IS 'The user whose conversation this is (also for the companion''s replies).';


--
-- Name: COLUMN companion_messages.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.role IS 'user for the person, assistant for the companion.';


--
-- Name: COLUMN companion_messages.content; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.content IS 'Message text.';


--
-- Name: COLUMN companion_messages.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.metadata IS 'Provider metadata, tool calls, emotions (JSON object).';


--
-- Name: COLUMN companion_messages.input_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.input_tokens IS 'Prompt tokens used to produce a reply.';


--
-- Name: COLUMN companion_messages.output_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.output_tokens IS 'Completion tokens of a reply.';


--
-- Name: COLUMN companion_messages.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.created_at IS 'When the message was written: clock_timestamp(), so messages written in one transaction keep their order.';


--
-- Name: COLUMN companion_messages.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_messages.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: CONSTRAINT companion_messages_content_length_check ON companion_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT companion_messages_content_length_check ON public.companion_messages IS 'content: at most 200,000 characters; one model turn or a pasted text (~50k tokens).';


--
-- Name: companion_token_burns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.companion_token_burns (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    companion_id uuid NOT NULL,
    user_id uuid NOT NULL,
    companion_message_id uuid,
    ledger_operation_id text NOT NULL,
    provider text,
    model text,
    input_tokens integer DEFAULT 0 NOT NULL,
    output_tokens integer DEFAULT 0 NOT NULL,
    credits numeric(20,6) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    credits_per_1k_tokens numeric(20,6),
    CONSTRAINT companion_token_burns_credits_check CHECK ((credits > (0)::numeric)),
    CONSTRAINT companion_token_burns_credits_finite_check CHECK ((credits <> 'NaN'::numeric)),
    CONSTRAINT companion_token_burns_credits_per_1k_tokens_finite_check CHECK ((credits_per_1k_tokens <> 'NaN'::numeric)),
    CONSTRAINT companion_token_burns_ledger_operation_id_length_check CHECK ((char_length(ledger_operation_id) <= 200)),
    CONSTRAINT companion_token_burns_model_length_check CHECK ((char_length(model) <= 200)),
    CONSTRAINT companion_token_burns_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT companion_token_burns_tokens_check CHECK (((input_tokens >= 0) AND (output_tokens >= 0)))
);

ALTER TABLE ONLY public.companion_token_burns FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE companion_token_burns; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.companion_token_burns IS 'Credits burned by companion conversations: the token usage behind each companion_burn ledger entry (written in the same transaction as that entry).';


--
-- Name: COLUMN companion_token_burns.companion_message_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.companion_message_id IS 'The reply that consumed the tokens; NULL once that message is deleted.';


--
-- Name: COLUMN companion_token_burns.ledger_operation_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.ledger_operation_id IS 'operation_id of the matching credit_ledger entry (burn:<id>); unique, so a retried burn is recorded once. Not a foreign key: the ledger key is a deferrable constraint.';


--
-- Name: COLUMN companion_token_burns.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.provider IS 'Provider that served the tokens.';


--
-- Name: COLUMN companion_token_burns.model; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.model IS 'Model that served the tokens.';


--
-- Name: COLUMN companion_token_burns.input_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.input_tokens IS 'Prompt tokens burned.';


--
-- Name: COLUMN companion_token_burns.output_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.output_tokens IS 'Completion tokens burned.';


--
-- Name: COLUMN companion_token_burns.credits; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.credits IS 'Credits charged (positive; the ledger entry is its negation).';


--
-- Name: COLUMN companion_token_burns.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: COLUMN companion_token_burns.credits_per_1k_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companion_token_burns.credits_per_1k_tokens IS 'The rate the burn was charged at: credits per 1,000 tokens (input + output); credits follow from it (companion_token_burns_rate_check). NULL only for burns recorded before rates were stored.';


--
-- Name: CONSTRAINT companion_token_burns_ledger_operation_id_length_check ON companion_token_burns; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT companion_token_burns_ledger_operation_id_length_check ON public.companion_token_burns IS 'ledger_operation_id: at most 200 characters; same limit as credit_ledger.operation_id.';


--
-- Name: companions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.companions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    name text NOT NULL,
    description text,
    avatar_url text,
    is_public boolean DEFAULT false NOT NULL,
    provider text,
    model text,
    personality jsonb DEFAULT '{}'::jsonb NOT NULL,
    knowledge jsonb DEFAULT '{}'::jsonb NOT NULL,
    interaction jsonb DEFAULT '{}'::jsonb NOT NULL,
    tool_config jsonb DEFAULT '{}'::jsonb NOT NULL,
    tool_access text[] DEFAULT '{}'::text[] NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT companions_avatar_url_length_check CHECK ((char_length(avatar_url) <= 2048)),
    CONSTRAINT companions_config_check CHECK (((jsonb_typeof(personality) = 'object'::text) AND (jsonb_typeof(knowledge) = 'object'::text) AND (jsonb_typeof(interaction) = 'object'::text) AND (jsonb_typeof(tool_config) = 'object'::text))),
    CONSTRAINT companions_description_length_check CHECK ((char_length(description) <= 2000)),
    CONSTRAINT companions_interaction_size_check CHECK ((octet_length((interaction)::text) <= 262144)),
    CONSTRAINT companions_knowledge_size_check CHECK ((octet_length((knowledge)::text) <= 1048576)),
    CONSTRAINT companions_model_length_check CHECK ((char_length(model) <= 200)),
    CONSTRAINT companions_name_check CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100))),
    CONSTRAINT companions_personality_size_check CHECK ((octet_length((personality)::text) <= 262144)),
    CONSTRAINT companions_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT companions_tool_access_length_check CHECK ((cardinality(tool_access) <= 500)),
    CONSTRAINT companions_tool_config_size_check CHECK ((octet_length((tool_config)::text) <= 262144)),
    CONSTRAINT companions_version_check CHECK ((version >= 1))
);

ALTER TABLE ONLY public.companions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE companions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.companions IS 'AI companions: personas a user configures (personality, knowledge, interaction style, tools) and chats with; public ones can be used by everyone.';


--
-- Name: COLUMN companions.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.user_id IS 'Creator and owner.';


--
-- Name: COLUMN companions.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.name IS 'Display name, 1 to 100 characters.';


--
-- Name: COLUMN companions.avatar_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.avatar_url IS 'Picture URL.';


--
-- Name: COLUMN companions.is_public; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.is_public IS 'Listed in the gallery and usable (read-only) by every user.';


--
-- Name: COLUMN companions.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.provider IS 'Model provider the companion runs on; NULL = the user''s default.';


--
-- Name: COLUMN companions.model; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.model IS 'Model the companion runs on; NULL = the provider default.';


--
-- Name: COLUMN companions.personality; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.personality IS 'Persona: traits, tone, backstory (JSON object, shape versioned by version).';


--
-- Name: COLUMN companions.knowledge; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.knowledge IS 'Knowledge the companion draws on: facts, documents, links (JSON object).';


--
-- Name: COLUMN companions.interaction; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.interaction IS 'How it converses: greeting, response length, memory (JSON object).';


--
-- Name: COLUMN companions.tool_config; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.tool_config IS 'Per-tool settings and approval policy, e.g. {"approval": {"mode": "manual"}} (JSON object).';


--
-- Name: COLUMN companions.tool_access; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.tool_access IS 'Names of the tools the companion may call.';


--
-- Name: COLUMN companions.version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.companions.version IS 'Optimistic-concurrency version of the configuration: UpdateCompanionConfig writes WHERE version = @expected and bumps it; data migrations of the JSON bump it too. Only ever increases.';


--
-- Name: CONSTRAINT companions_knowledge_size_check ON companions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT companions_knowledge_size_check ON public.companions IS 'knowledge: at most 1 MiB of JSON text; a companion''s knowledge base excerpt; documents hold the large texts.';


--
-- Name: context_optimizations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.context_optimizations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    chat_id uuid NOT NULL,
    message_id uuid,
    strategy public.context_optimization_strategy NOT NULL,
    tokens_before integer NOT NULL,
    tokens_after integer NOT NULL,
    messages_removed integer DEFAULT 0 NOT NULL,
    summary text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    trigger_reason public.context_optimization_trigger DEFAULT 'auto'::public.context_optimization_trigger NOT NULL,
    affected_message_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    compression_strategy text,
    CONSTRAINT context_optimizations_messages_removed_check CHECK ((messages_removed >= 0)),
    CONSTRAINT context_optimizations_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT context_optimizations_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT context_optimizations_summary_check CHECK (((strategy <> 'summarize'::public.context_optimization_strategy) OR (summary IS NOT NULL))),
    CONSTRAINT context_optimizations_summary_length_check CHECK ((char_length(summary) <= 100000)),
    CONSTRAINT context_optimizations_tokens_before_nonnegative_check CHECK ((tokens_before >= 0)),
    CONSTRAINT context_optimizations_tokens_check CHECK (((tokens_after >= 0) AND (tokens_after <= tokens_before)))
);

ALTER TABLE ONLY public.context_optimizations FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE context_optimizations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.context_optimizations IS 'Each time a chat''s context was shrunk before a model request: strategy and token savings. Deleted with the chat.';


--
-- Name: COLUMN context_optimizations.message_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.message_id IS 'The last message covered by the optimization (the summary replaces the messages up to it).';


--
-- Name: COLUMN context_optimizations.strategy; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.strategy IS 'How the context was shrunk.';


--
-- Name: COLUMN context_optimizations.tokens_before; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.tokens_before IS 'Context size in tokens before the optimization.';


--
-- Name: COLUMN context_optimizations.tokens_after; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.tokens_after IS 'Context size in tokens after; never more than tokens_before.';


--
-- Name: COLUMN context_optimizations.messages_removed; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.messages_removed IS 'How many messages were dropped or summarised.';


--
-- Name: COLUMN context_optimizations.summary; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.summary IS 'The summary that replaces the removed messages; required for strategy summarize.';


--
-- Name: COLUMN context_optimizations.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.metadata IS 'Strategy parameters and model used (JSON object).';


--
-- Name: COLUMN context_optimizations.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: COLUMN context_optimizations.trigger_reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.trigger_reason IS 'Why the optimization ran: token_limit, user_request or auto.';


--
-- Name: COLUMN context_optimizations.affected_message_ids; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.affected_message_ids IS 'Every message the optimization removed, summarised or pruned (at most 10,000), in conversation order; not foreign keys, so the record survives the messages it removed.';


--
-- Name: COLUMN context_optimizations.compression_strategy; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.context_optimizations.compression_strategy IS 'How the kept content was compressed (e.g. lossless, lossy, hybrid, or the summariser''s method), a lower-case slug; NULL when nothing was compressed.';


--
-- Name: credit_ledger; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credit_ledger (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    operation_id text NOT NULL,
    amount numeric(20,6) NOT NULL,
    balance_after numeric(20,6) NOT NULL,
    reason public.credit_reason NOT NULL,
    description text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT credit_ledger_amount_check CHECK ((amount <> (0)::numeric)),
    CONSTRAINT credit_ledger_amount_finite_check CHECK ((amount <> 'NaN'::numeric)),
    CONSTRAINT credit_ledger_balance_after_check CHECK ((balance_after >= (0)::numeric)),
    CONSTRAINT credit_ledger_balance_after_finite_check CHECK ((balance_after <> 'NaN'::numeric)),
    CONSTRAINT credit_ledger_description_length_check CHECK ((char_length(description) <= 1000)),
    CONSTRAINT credit_ledger_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT credit_ledger_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT credit_ledger_operation_id_check CHECK (((char_length(operation_id) <= 200) AND (operation_id ~ '^[a-z][a-z0-9_-]*:.+$'::text))),
    CONSTRAINT credit_ledger_reason_amount_check CHECK (
CASE reason
    WHEN 'usage'::public.credit_reason THEN (amount < (0)::numeric)
    WHEN 'companion_burn'::public.credit_reason THEN (amount < (0)::numeric)
    WHEN 'refund'::public.credit_reason THEN true
    WHEN 'adjustment'::public.credit_reason THEN true
    ELSE (amount > (0)::numeric)
END)
);

ALTER TABLE ONLY public.credit_ledger FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE credit_ledger; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.credit_ledger IS 'Insert-only journal of every credit movement; users.credit_balance is its running sum, maintained by the credit_ledger_apply trigger. Rows are never updated or deleted, except together with their user.';


--
-- Name: COLUMN credit_ledger.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.user_id IS 'Whose balance moved.';


--
-- Name: COLUMN credit_ledger.operation_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.operation_id IS 'Idempotency key chosen by the caller, globally unique, "kind:key" (msg:<message id>, stripe:<event id>, signup:<user id>, referral:<referrer>:<referred>). Re-inserting an applied operation is a no-op that returns no row.';


--
-- Name: COLUMN credit_ledger.amount; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.amount IS 'Credits added (positive) or spent (negative); never zero.';


--
-- Name: COLUMN credit_ledger.balance_after; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.balance_after IS 'users.credit_balance right after this entry; set by the trigger (any value the writer passes is replaced).';


--
-- Name: COLUMN credit_ledger.reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.reason IS 'Why the credits moved; its sign is checked (credit_ledger_reason_amount_check).';


--
-- Name: COLUMN credit_ledger.description; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.description IS 'Human-readable line for the statement the user sees.';


--
-- Name: COLUMN credit_ledger.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.metadata IS 'Context of the movement (message id, invoice, referral ...), JSON object.';


--
-- Name: COLUMN credit_ledger.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.credit_ledger.created_at IS 'When the entry was written: clock_timestamp(), so entries written in one transaction keep their order in the statement.';


--
-- Name: daily_usage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.daily_usage (
    user_id uuid NOT NULL,
    day date DEFAULT ((now() AT TIME ZONE 'UTC'::text))::date NOT NULL,
    message_count integer DEFAULT 0 NOT NULL,
    input_tokens bigint DEFAULT 0 NOT NULL,
    output_tokens bigint DEFAULT 0 NOT NULL,
    cost numeric(18,8) DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT daily_usage_cost_finite_check CHECK ((cost <> 'NaN'::numeric)),
    CONSTRAINT daily_usage_counters_check CHECK (((message_count >= 0) AND (input_tokens >= 0) AND (output_tokens >= 0) AND (cost >= (0)::numeric)))
);

ALTER TABLE ONLY public.daily_usage FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE daily_usage; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.daily_usage IS 'Per-user counters for one UTC day, for rate limits: upserted with INSERT ... ON CONFLICT (user_id, day) DO UPDATE ... RETURNING the new count.';


--
-- Name: COLUMN daily_usage.day; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.daily_usage.day IS 'The UTC day counted (defaults to today in UTC).';


--
-- Name: COLUMN daily_usage.message_count; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.daily_usage.message_count IS 'Messages the user sent that day.';


--
-- Name: COLUMN daily_usage.input_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.daily_usage.input_tokens IS 'Prompt tokens used that day.';


--
-- Name: COLUMN daily_usage.output_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.daily_usage.output_tokens IS 'Completion tokens used that day.';


--
-- Name: COLUMN daily_usage.cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.daily_usage.cost IS 'Provider cost (USD) that day.';


--
-- Name: documents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.documents (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT date_trunc('milliseconds'::text, now()) NOT NULL,
    user_id uuid NOT NULL,
    chat_id uuid,
    title text NOT NULL,
    kind public.document_kind DEFAULT 'text'::public.document_kind NOT NULL,
    content text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT documents_content_length_check CHECK ((char_length(content) <= 1000000)),
    CONSTRAINT documents_title_check CHECK (((char_length(title) >= 1) AND (char_length(title) <= 500)))
);

ALTER TABLE ONLY public.documents FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE documents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.documents IS 'Versioned documents (artifacts) created in chats. Each save inserts a version: the primary key is (id, created_at) and the latest version is the greatest created_at. Kept (chat_id NULL) when the chat is deleted.';


--
-- Name: COLUMN documents.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.id IS 'The document; shared by all its versions.';


--
-- Name: COLUMN documents.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.created_at IS 'The version: when this version was saved, at millisecond precision (documents_created_at_milliseconds_check) so clients round-trip it exactly.';


--
-- Name: COLUMN documents.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.user_id IS 'Owner of the document.';


--
-- Name: COLUMN documents.chat_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.chat_id IS 'Chat the document was created in; NULL once that chat is deleted.';


--
-- Name: COLUMN documents.kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.kind IS 'Editor kind: text, code, image, sheet or canvas.';


--
-- Name: COLUMN documents.content; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.content IS 'Body of this version (text, source code, CSV, or a data URL / JSON for images and canvases).';


--
-- Name: COLUMN documents.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.documents.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: CONSTRAINT documents_content_length_check ON documents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT documents_content_length_check ON public.documents IS 'content: at most 1,000,000 characters; artifacts (code, long text) are versioned whole; 1M chars is about 250k tokens.';


--
-- Name: external_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.external_tokens (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid,
    service text NOT NULL,
    environment public.token_environment DEFAULT 'production'::public.token_environment NOT NULL,
    label text,
    token_ciphertext bytea NOT NULL,
    token_key_version integer NOT NULL,
    scopes text[] DEFAULT '{}'::text[] NOT NULL,
    expires_at timestamp with time zone,
    last_used_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    token_type text DEFAULT 'api_key'::text NOT NULL,
    CONSTRAINT external_tokens_label_length_check CHECK ((char_length(label) <= 200)),
    CONSTRAINT external_tokens_scopes_length_check CHECK ((cardinality(scopes) <= 200)),
    CONSTRAINT external_tokens_service_check CHECK ((service ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT external_tokens_token_ciphertext_length_check CHECK ((octet_length(token_ciphertext) <= 16384)),
    CONSTRAINT external_tokens_token_key_version_check CHECK ((token_key_version >= 1))
);

ALTER TABLE ONLY public.external_tokens FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE external_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.external_tokens IS 'API tokens of third-party services a user connected (GitHub, Notion, ...), per environment; stored as ciphertext only.';


--
-- Name: COLUMN external_tokens.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.user_id IS 'The user who connected the service; NULL for an application-wide token (chatdb_system only).';


--
-- Name: COLUMN external_tokens.service; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.service IS 'The third-party service (slug).';


--
-- Name: COLUMN external_tokens.environment; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.environment IS 'Environment of the service the token is for; one token per user, service and environment.';


--
-- Name: COLUMN external_tokens.label; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.label IS 'User-chosen name of the token.';


--
-- Name: COLUMN external_tokens.token_ciphertext; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.token_ciphertext IS 'The token, AES-GCM ciphertext (never plain text).';


--
-- Name: COLUMN external_tokens.token_key_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.token_key_version IS 'Version of the encryption key used, for rotation.';


--
-- Name: COLUMN external_tokens.scopes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.scopes IS 'Scopes the token was granted.';


--
-- Name: COLUMN external_tokens.expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.expires_at IS 'When the token expires, if it does.';


--
-- Name: COLUMN external_tokens.last_used_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.last_used_at IS 'Last time a tool used the token.';


--
-- Name: COLUMN external_tokens.token_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_tokens.token_type IS 'What kind of credential the token is: api_key (default), oauth_access, oauth_refresh, personal_access, webhook_secret, ... (lower-case slug).';


--
-- Name: file_uploads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.file_uploads (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    chat_id uuid,
    content_hash bytea NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    storage_key text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT file_uploads_content_hash_check CHECK ((octet_length(content_hash) = 32)),
    CONSTRAINT file_uploads_content_type_check CHECK ((content_type ~ '^[a-z0-9.+-]+/[a-zA-Z0-9.+_-]+'::text)),
    CONSTRAINT file_uploads_content_type_length_check CHECK ((char_length(content_type) <= 255)),
    CONSTRAINT file_uploads_filename_check CHECK (((char_length(filename) >= 1) AND (char_length(filename) <= 255))),
    CONSTRAINT file_uploads_size_bytes_check CHECK ((size_bytes >= 0)),
    CONSTRAINT file_uploads_storage_key_length_check CHECK ((char_length(storage_key) <= 1024))
);

ALTER TABLE ONLY public.file_uploads FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE file_uploads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.file_uploads IS 'Files a user uploaded (the bytes live in object storage). One row per user and content: file_uploads_user_id_content_hash_key deduplicates.';


--
-- Name: COLUMN file_uploads.chat_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.chat_id IS 'Chat the file was first uploaded in; NULL once that chat is deleted (the file stays in the user''s library).';


--
-- Name: COLUMN file_uploads.content_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.content_hash IS 'SHA-256 digest (32 bytes) of the file content; unique per user.';


--
-- Name: COLUMN file_uploads.filename; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.filename IS 'Original file name as uploaded.';


--
-- Name: COLUMN file_uploads.content_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.content_type IS 'MIME type (type/subtype).';


--
-- Name: COLUMN file_uploads.size_bytes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.size_bytes IS 'Size of the content in bytes.';


--
-- Name: COLUMN file_uploads.storage_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.storage_key IS 'Where the bytes are: the object-storage key or URL.';


--
-- Name: COLUMN file_uploads.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: COLUMN file_uploads.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.file_uploads.metadata IS 'Facts about the file (dimensions, pages, processing state), a JSON object of at most 64 KiB.';


--
-- Name: CONSTRAINT file_uploads_content_type_length_check ON file_uploads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT file_uploads_content_type_length_check ON public.file_uploads IS 'content_type: at most 255 characters; RFC 6838: type and subtype are at most 127 characters each.';


--
-- Name: CONSTRAINT file_uploads_storage_key_length_check ON file_uploads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT file_uploads_storage_key_length_check ON public.file_uploads IS 'storage_key: at most 1,024 characters; S3 object keys are at most 1024 bytes.';


--
-- Name: fingerprints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fingerprints (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    visitor_id text NOT NULL,
    user_id uuid,
    user_agent text,
    is_blocked boolean DEFAULT false NOT NULL,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT fingerprints_seen_check CHECK ((last_seen_at >= first_seen_at)),
    CONSTRAINT fingerprints_user_agent_length_check CHECK ((char_length(user_agent) <= 1024)),
    CONSTRAINT fingerprints_visitor_id_check CHECK (((char_length(visitor_id) >= 1) AND (char_length(visitor_id) <= 128)))
);

ALTER TABLE ONLY public.fingerprints FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE fingerprints; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.fingerprints IS 'Browser/device fingerprints (e.g. FingerprintJS visitor ids) for anonymous rate limits and signup-abuse checks. Kept when the user is deleted (user_id set NULL) so abuse checks still work.';


--
-- Name: COLUMN fingerprints.visitor_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.fingerprints.visitor_id IS 'The device identifier from the fingerprinting library; unique.';


--
-- Name: COLUMN fingerprints.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.fingerprints.user_id IS 'The user last seen on this device; NULL for anonymous devices or after the user was deleted.';


--
-- Name: COLUMN fingerprints.user_agent; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.fingerprints.user_agent IS 'Last User-Agent seen from this device.';


--
-- Name: COLUMN fingerprints.is_blocked; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.fingerprints.is_blocked IS 'Blocked for abuse: sign-ups and anonymous chats from this device are refused.';


--
-- Name: COLUMN fingerprints.first_seen_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.fingerprints.first_seen_at IS 'First request seen from this device.';


--
-- Name: COLUMN fingerprints.last_seen_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.fingerprints.last_seen_at IS 'Latest request seen from this device.';


--
-- Name: group_chat_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.group_chat_members (
    group_chat_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role public.group_member_role DEFAULT 'member'::public.group_member_role NOT NULL,
    joined_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY public.group_chat_members FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE group_chat_members; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.group_chat_members IS 'Who belongs to which group chat; members read the group and its messages.';


--
-- Name: COLUMN group_chat_members.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_chat_members.role IS 'owner (creator), admin or member.';


--
-- Name: COLUMN group_chat_members.joined_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_chat_members.joined_at IS 'When the user joined.';


--
-- Name: COLUMN group_chat_members.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_chat_members.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: group_chats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.group_chats (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    creator_id uuid NOT NULL,
    companion_id uuid,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT group_chats_description_length_check CHECK ((char_length(description) <= 2000)),
    CONSTRAINT group_chats_name_check CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100)))
);

ALTER TABLE ONLY public.group_chats FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE group_chats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.group_chats IS 'Chats among several users (and optionally a companion bot). The creator is added as owner member automatically; deleting the creator deletes the group.';


--
-- Name: COLUMN group_chats.creator_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_chats.creator_id IS 'Who created the group; manages its members.';


--
-- Name: COLUMN group_chats.companion_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_chats.companion_id IS 'Companion that answers in the group as a bot; NULL = none.';


--
-- Name: COLUMN group_chats.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_chats.name IS 'Group name, 1 to 100 characters.';


--
-- Name: group_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.group_messages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    group_chat_id uuid NOT NULL,
    sender_id uuid,
    companion_id uuid,
    is_bot boolean DEFAULT false NOT NULL,
    content text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT group_messages_content_length_check CHECK ((char_length(content) <= 100000)),
    CONSTRAINT group_messages_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT group_messages_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT group_messages_sender_check CHECK ((is_bot OR (sender_id IS NOT NULL)))
);

ALTER TABLE ONLY public.group_messages FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE group_messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.group_messages IS 'Messages of a group chat, from members or the group''s companion bot.';


--
-- Name: COLUMN group_messages.sender_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.sender_id IS 'Member who wrote it; NULL for bot messages. Deleted with the sender.';


--
-- Name: COLUMN group_messages.companion_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.companion_id IS 'Companion that wrote a bot message.';


--
-- Name: COLUMN group_messages.is_bot; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.is_bot IS 'Written by the companion bot; otherwise sender_id is required (group_messages_sender_check).';


--
-- Name: COLUMN group_messages.content; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.content IS 'Message text.';


--
-- Name: COLUMN group_messages.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.metadata IS 'Mentions, attachments, provider metadata (JSON object).';


--
-- Name: COLUMN group_messages.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.created_at IS 'When the message was written: clock_timestamp(), so messages written in one transaction keep their order.';


--
-- Name: COLUMN group_messages.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.group_messages.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: message_reactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.message_reactions (
    message_id uuid NOT NULL,
    user_id uuid NOT NULL,
    emoji text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT message_reactions_emoji_check CHECK (((char_length(emoji) >= 1) AND (char_length(emoji) <= 32)))
);

ALTER TABLE ONLY public.message_reactions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE message_reactions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.message_reactions IS 'Emoji reactions on messages; a user adds each emoji to a message at most once. Visible to everyone who can read the message.';


--
-- Name: COLUMN message_reactions.emoji; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.message_reactions.emoji IS 'The emoji (or short code), 1 to 32 characters.';


--
-- Name: COLUMN message_reactions.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.message_reactions.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.messages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    chat_id uuid NOT NULL,
    role public.message_role NOT NULL,
    parts jsonb DEFAULT '[]'::jsonb NOT NULL,
    attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
    provider text,
    model text,
    input_tokens integer DEFAULT 0 NOT NULL,
    output_tokens integer DEFAULT 0 NOT NULL,
    cache_read_tokens integer DEFAULT 0 NOT NULL,
    cache_write_tokens integer DEFAULT 0 NOT NULL,
    cost numeric(18,8) DEFAULT 0 NOT NULL,
    client_request_id text,
    provider_metadata jsonb,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT messages_attachments_check CHECK ((jsonb_typeof(attachments) = 'array'::text)),
    CONSTRAINT messages_attachments_size_check CHECK ((octet_length((attachments)::text) <= 262144)),
    CONSTRAINT messages_client_request_id_check CHECK (((char_length(client_request_id) >= 1) AND (char_length(client_request_id) <= 200))),
    CONSTRAINT messages_cost_check CHECK ((cost >= (0)::numeric)),
    CONSTRAINT messages_cost_finite_check CHECK ((cost <> 'NaN'::numeric)),
    CONSTRAINT messages_model_length_check CHECK ((char_length(model) <= 200)),
    CONSTRAINT messages_parts_check CHECK ((jsonb_typeof(parts) = 'array'::text)),
    CONSTRAINT messages_parts_size_check CHECK ((octet_length((parts)::text) <= 2097152)),
    CONSTRAINT messages_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT messages_provider_metadata_check CHECK ((jsonb_typeof(provider_metadata) = 'object'::text)),
    CONSTRAINT messages_provider_metadata_size_check CHECK ((octet_length((provider_metadata)::text) <= 262144)),
    CONSTRAINT messages_tokens_check CHECK (((input_tokens >= 0) AND (output_tokens >= 0) AND (cache_read_tokens >= 0) AND (cache_write_tokens >= 0)))
);

ALTER TABLE ONLY public.messages FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.messages IS 'The messages of a chat, in created_at order. The largest table: every hot query goes through messages_chat_id_created_at_id_idx.';


--
-- Name: COLUMN messages.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.role IS 'Who wrote the message: system, user, assistant or tool.';


--
-- Name: COLUMN messages.parts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.parts IS 'The content as a JSON array of typed parts (text, reasoning, tool-call, tool-result, ...), AI SDK UIMessage style.';


--
-- Name: COLUMN messages.attachments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.attachments IS 'JSON array of attachments (url, name, contentType), usually pointing at file_uploads.';


--
-- Name: COLUMN messages.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.provider IS 'Provider that generated an assistant message.';


--
-- Name: COLUMN messages.model; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.model IS 'Model that generated an assistant message.';


--
-- Name: COLUMN messages.input_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.input_tokens IS 'Prompt tokens billed for generating this message.';


--
-- Name: COLUMN messages.output_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.output_tokens IS 'Completion tokens billed for this message.';


--
-- Name: COLUMN messages.cache_read_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.cache_read_tokens IS 'Prompt tokens served from the provider''s prompt cache.';


--
-- Name: COLUMN messages.cache_write_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.cache_write_tokens IS 'Prompt tokens written to the provider''s prompt cache.';


--
-- Name: COLUMN messages.cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.cost IS 'Provider cost of this message in USD.';


--
-- Name: COLUMN messages.client_request_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.client_request_id IS 'Idempotency key sent by the client; unique per chat (messages_chat_id_client_request_id_key), so a retried send inserts once.';


--
-- Name: COLUMN messages.provider_metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.provider_metadata IS 'Raw provider response metadata (JSON object): ids, finish reason, ...';


--
-- Name: COLUMN messages.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.created_at IS 'Order of the conversation; keyset cursor (created_at, id). clock_timestamp(), not now(), so messages written in one transaction (question and answer) keep their order.';


--
-- Name: COLUMN messages.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.messages.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: CONSTRAINT messages_attachments_size_check ON messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT messages_attachments_size_check ON public.messages IS 'attachments: at most 256 KiB of JSON text; references to file_uploads, not the files themselves.';


--
-- Name: CONSTRAINT messages_parts_size_check ON messages; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT messages_parts_size_check ON public.messages IS 'parts: at most 2 MiB of JSON text; parts hold text, reasoning and tool calls/results of one turn; long outputs and pasted documents reach hundreds of KB. Binary content belongs in file_uploads.';


--
-- Name: payments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payments (
    id text NOT NULL,
    provider text DEFAULT 'stripe'::text NOT NULL,
    user_id uuid,
    subscription_id uuid,
    amount_cents bigint NOT NULL,
    amount_refunded_cents bigint DEFAULT 0 NOT NULL,
    currency text NOT NULL,
    status public.payment_status NOT NULL,
    description text,
    credits_granted numeric(20,6) DEFAULT 0 NOT NULL,
    billing_details jsonb DEFAULT '{}'::jsonb NOT NULL,
    customer_details jsonb DEFAULT '{}'::jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paid_at timestamp with time zone,
    last_event_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT payments_amount_cents_check CHECK ((amount_cents >= 0)),
    CONSTRAINT payments_amount_refunded_cents_check CHECK (((amount_refunded_cents >= 0) AND (amount_refunded_cents <= amount_cents))),
    CONSTRAINT payments_billing_details_size_check CHECK ((octet_length((billing_details)::text) <= 65536)),
    CONSTRAINT payments_credits_granted_check CHECK ((credits_granted >= (0)::numeric)),
    CONSTRAINT payments_credits_granted_finite_check CHECK ((credits_granted <> 'NaN'::numeric)),
    CONSTRAINT payments_currency_check CHECK ((currency ~ '^[a-z]{3}$'::text)),
    CONSTRAINT payments_customer_details_size_check CHECK ((octet_length((customer_details)::text) <= 65536)),
    CONSTRAINT payments_description_length_check CHECK ((char_length(description) <= 1000)),
    CONSTRAINT payments_details_check CHECK (((jsonb_typeof(billing_details) = 'object'::text) AND (jsonb_typeof(customer_details) = 'object'::text) AND (jsonb_typeof(metadata) = 'object'::text))),
    CONSTRAINT payments_id_length_check CHECK ((char_length(id) <= 255)),
    CONSTRAINT payments_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT payments_provider_length_check CHECK ((char_length(provider) <= 64))
);

ALTER TABLE ONLY public.payments FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE payments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.payments IS 'Payments mirrored from the provider''s webhooks, keyed by the provider''s id. Kept for accounting when the user is deleted (user_id becomes NULL).';


--
-- Name: COLUMN payments.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.id IS 'The provider''s payment id (pi_..., in_...): the primary key, so a webhook upserts by it.';


--
-- Name: COLUMN payments.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.provider IS 'Payment provider (stripe).';


--
-- Name: COLUMN payments.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.user_id IS 'Payer; NULL when unknown or after the user was deleted.';


--
-- Name: COLUMN payments.subscription_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.subscription_id IS 'The subscription this payment renews, if any.';


--
-- Name: COLUMN payments.amount_cents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.amount_cents IS 'Amount in the currency''s minor unit (cents), an integer: never floating point.';


--
-- Name: COLUMN payments.amount_refunded_cents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.amount_refunded_cents IS 'Refunded so far, in minor units; between 0 and amount_cents.';


--
-- Name: COLUMN payments.currency; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.currency IS 'ISO 4217 code in lower case, as Stripe sends it (usd, eur).';


--
-- Name: COLUMN payments.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.status IS 'Provider payment status.';


--
-- Name: COLUMN payments.description; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.description IS 'What was bought, as shown on the receipt.';


--
-- Name: COLUMN payments.credits_granted; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.credits_granted IS 'Credits this payment bought (granted through credit_ledger, operation_id stripe:<event id>).';


--
-- Name: COLUMN payments.billing_details; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.billing_details IS 'Billing address and name from the provider, JSON object.';


--
-- Name: COLUMN payments.customer_details; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.customer_details IS 'Customer email, name, tax ids from the provider, JSON object.';


--
-- Name: COLUMN payments.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.metadata IS 'Provider metadata, JSON object.';


--
-- Name: COLUMN payments.paid_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.paid_at IS 'When the payment succeeded.';


--
-- Name: COLUMN payments.last_event_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.last_event_at IS 'Provider time of the event that last changed the row (one-second precision). UpsertPayment applies an event that is newer, or of the same second that ranks at least as high (payment_status_precedence, then amount refunded); a trigger rejects any update that moves it backwards.';


--
-- Name: provider_configs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.provider_configs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    provider text NOT NULL,
    api_key_ciphertext bytea,
    api_key_version integer,
    base_url text,
    default_model text,
    is_default boolean DEFAULT false NOT NULL,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    CONSTRAINT provider_configs_api_key_ciphertext_length_check CHECK ((octet_length(api_key_ciphertext) <= 16384)),
    CONSTRAINT provider_configs_api_key_version_check CHECK (((api_key_ciphertext IS NULL) = (api_key_version IS NULL))),
    CONSTRAINT provider_configs_api_key_version_positive_check CHECK ((api_key_version >= 1)),
    CONSTRAINT provider_configs_base_url_check CHECK ((base_url ~ '^https?://'::text)),
    CONSTRAINT provider_configs_base_url_length_check CHECK ((char_length(base_url) <= 2048)),
    CONSTRAINT provider_configs_default_model_length_check CHECK ((char_length(default_model) <= 200)),
    CONSTRAINT provider_configs_provider_check CHECK ((provider ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT provider_configs_settings_check CHECK ((jsonb_typeof(settings) = 'object'::text)),
    CONSTRAINT provider_configs_settings_size_check CHECK ((octet_length((settings)::text) <= 65536))
);

ALTER TABLE ONLY public.provider_configs FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE provider_configs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.provider_configs IS 'A user''s configuration per model provider: encrypted API key, endpoint, default model. One row per user and provider; at most one default per user.';


--
-- Name: COLUMN provider_configs.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.provider IS 'Provider slug (openai, anthropic, ollama, ...): lower case, digits, . _ -.';


--
-- Name: COLUMN provider_configs.api_key_ciphertext; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.api_key_ciphertext IS 'The user''s API key, AES-GCM ciphertext with the row''s user and provider as associated data (never plain text); NULL for keyless providers.';


--
-- Name: COLUMN provider_configs.api_key_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.api_key_version IS 'Version of the encryption key used; set exactly when a ciphertext is present. Used for key rotation.';


--
-- Name: COLUMN provider_configs.base_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.base_url IS 'Custom API endpoint (self-hosted or proxy), http(s) URL; NULL = the provider''s.';


--
-- Name: COLUMN provider_configs.default_model; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.default_model IS 'Model used when a chat does not name one.';


--
-- Name: COLUMN provider_configs.is_default; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.is_default IS 'The user''s default provider; at most one per user (provider_configs_user_id_default_excl).';


--
-- Name: COLUMN provider_configs.settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.settings IS 'Provider-specific options (temperature, organisation, ...), JSON object.';


--
-- Name: COLUMN provider_configs.is_active; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.provider_configs.is_active IS 'Whether requests may use this configuration; false keeps the key but takes the provider out of use.';


--
-- Name: CONSTRAINT provider_configs_api_key_ciphertext_length_check ON provider_configs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT provider_configs_api_key_ciphertext_length_check ON public.provider_configs IS 'api_key_ciphertext: at most 16,384 bytes; a sealed API key: provider keys are under 1 KB, so the plain key is bounded too.';


--
-- Name: referrals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.referrals (
    referrer_id uuid NOT NULL,
    referred_id uuid NOT NULL,
    status public.referral_status DEFAULT 'pending'::public.referral_status NOT NULL,
    credits_awarded numeric(20,6) DEFAULT 0 NOT NULL,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT referrals_completed_at_check CHECK (((status = 'completed'::public.referral_status) = (completed_at IS NOT NULL))),
    CONSTRAINT referrals_credits_awarded_check CHECK ((credits_awarded >= (0)::numeric)),
    CONSTRAINT referrals_credits_awarded_finite_check CHECK ((credits_awarded <> 'NaN'::numeric)),
    CONSTRAINT referrals_no_self_referral_check CHECK ((referrer_id <> referred_id))
);

ALTER TABLE ONLY public.referrals FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE referrals; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.referrals IS 'Who referred whom. Primary key (referrer, referred); a user is referred at most once (referrals_referred_id_key); no self-referral; per-referrer maximum of completed referrals (referrals_referrer_maximum_check).';


--
-- Name: COLUMN referrals.referrer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.referrals.referrer_id IS 'The user whose referral code was redeemed.';


--
-- Name: COLUMN referrals.referred_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.referrals.referred_id IS 'The new user who redeemed it; unique.';


--
-- Name: COLUMN referrals.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.referrals.status IS 'pending, completed (rewarded; counts toward the maximum) or cancelled.';


--
-- Name: COLUMN referrals.credits_awarded; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.referrals.credits_awarded IS 'Credits granted to the referrer for this referral (through credit_ledger).';


--
-- Name: COLUMN referrals.completed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.referrals.completed_at IS 'When the referral was completed; set exactly when status = completed.';


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    session_token_hash bytea NOT NULL,
    user_id uuid NOT NULL,
    expires timestamp with time zone NOT NULL,
    fingerprint_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sessions_session_token_hash_check CHECK ((octet_length(session_token_hash) = 32))
);

ALTER TABLE ONLY public.sessions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE sessions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.sessions IS 'Database sessions (Auth.js "Session"). The token itself is never stored: only its SHA-256 digest, which is what lookups use.';


--
-- Name: COLUMN sessions.session_token_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sessions.session_token_hash IS 'SHA-256 digest (32 bytes) of the session cookie token; unique; the lookup key.';


--
-- Name: COLUMN sessions.expires; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sessions.expires IS 'When the session stops being valid (Auth.js expires); expired rows are deleted by DeleteExpiredSessions.';


--
-- Name: COLUMN sessions.fingerprint_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sessions.fingerprint_id IS 'The device the session was created from, when known.';


--
-- Name: streams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.streams (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    chat_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY public.streams FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE streams; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.streams IS 'Resumable response streams of a chat: a client that reconnects resumes the latest stream id.';


--
-- Name: COLUMN streams.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.streams.id IS 'Stream id, also the key of the stream''s buffered chunks outside the database.';


--
-- Name: COLUMN streams.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.streams.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: subscriptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subscriptions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid,
    provider text DEFAULT 'stripe'::text NOT NULL,
    provider_subscription_id text NOT NULL,
    provider_customer_id text,
    status public.subscription_status NOT NULL,
    price_id text,
    plan text,
    quantity integer DEFAULT 1 NOT NULL,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    canceled_at timestamp with time zone,
    ended_at timestamp with time zone,
    trial_end timestamp with time zone,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    last_event_id text,
    last_event_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT subscriptions_last_event_id_length_check CHECK ((char_length(last_event_id) <= 255)),
    CONSTRAINT subscriptions_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT subscriptions_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT subscriptions_period_check CHECK ((current_period_end >= current_period_start)),
    CONSTRAINT subscriptions_plan_length_check CHECK ((char_length(plan) <= 100)),
    CONSTRAINT subscriptions_price_id_length_check CHECK ((char_length(price_id) <= 255)),
    CONSTRAINT subscriptions_provider_customer_id_length_check CHECK ((char_length(provider_customer_id) <= 255)),
    CONSTRAINT subscriptions_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT subscriptions_provider_subscription_id_length_check CHECK ((char_length(provider_subscription_id) <= 255)),
    CONSTRAINT subscriptions_quantity_check CHECK ((quantity >= 0))
);

ALTER TABLE ONLY public.subscriptions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE subscriptions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.subscriptions IS 'Paid subscriptions mirrored from the payment provider''s webhooks. Kept for accounting when the user is deleted (user_id becomes NULL).';


--
-- Name: COLUMN subscriptions.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.user_id IS 'Subscriber; NULL after the user was deleted.';


--
-- Name: COLUMN subscriptions.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.provider IS 'Payment provider (stripe).';


--
-- Name: COLUMN subscriptions.provider_subscription_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.provider_subscription_id IS 'The provider''s subscription id (sub_...); unique per provider.';


--
-- Name: COLUMN subscriptions.provider_customer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.provider_customer_id IS 'The provider''s customer id (cus_...).';


--
-- Name: COLUMN subscriptions.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.status IS 'Provider status; active and trialing grant the plan.';


--
-- Name: COLUMN subscriptions.price_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.price_id IS 'The provider''s price id (price_...).';


--
-- Name: COLUMN subscriptions.plan; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.plan IS 'Our plan name for the price (pro, team, ...).';


--
-- Name: COLUMN subscriptions.quantity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.quantity IS 'Seats or units subscribed.';


--
-- Name: COLUMN subscriptions.current_period_start; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.current_period_start IS 'Start of the paid period.';


--
-- Name: COLUMN subscriptions.current_period_end; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.current_period_end IS 'End of the paid period; renewal or expiry is due then.';


--
-- Name: COLUMN subscriptions.cancel_at_period_end; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.cancel_at_period_end IS 'Cancelled by the user: runs until current_period_end, then ends.';


--
-- Name: COLUMN subscriptions.canceled_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.canceled_at IS 'When cancellation was requested.';


--
-- Name: COLUMN subscriptions.ended_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.ended_at IS 'When the subscription ended for good.';


--
-- Name: COLUMN subscriptions.trial_end; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.trial_end IS 'End of the trial, if any.';


--
-- Name: COLUMN subscriptions.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.metadata IS 'Provider metadata, JSON object.';


--
-- Name: COLUMN subscriptions.last_event_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.last_event_id IS 'Provider id of the event that last changed the row.';


--
-- Name: COLUMN subscriptions.last_event_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.subscriptions.last_event_at IS 'Provider time of the event that last changed the row (one-second precision). UpsertSubscription applies an event that is newer, or of the same second with a status of at least the stored precedence (subscription_status_precedence); a trigger rejects any update that moves it backwards.';


--
-- Name: suggestions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.suggestions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    document_id uuid NOT NULL,
    document_created_at timestamp with time zone NOT NULL,
    user_id uuid NOT NULL,
    original_text text NOT NULL,
    suggested_text text NOT NULL,
    description text,
    is_resolved boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT suggestions_description_length_check CHECK ((char_length(description) <= 2000)),
    CONSTRAINT suggestions_original_text_length_check CHECK ((char_length(original_text) <= 100000)),
    CONSTRAINT suggestions_suggested_text_length_check CHECK ((char_length(suggested_text) <= 100000))
);

ALTER TABLE ONLY public.suggestions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE suggestions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.suggestions IS 'Edit suggestions on one document version; deleted with that version.';


--
-- Name: COLUMN suggestions.document_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.document_id IS 'The document (with document_created_at: the version) the suggestion is about.';


--
-- Name: COLUMN suggestions.document_created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.document_created_at IS 'The version (documents.created_at) the suggestion is about.';


--
-- Name: COLUMN suggestions.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.user_id IS 'Owner (the document''s owner, for whom the suggestion was made).';


--
-- Name: COLUMN suggestions.original_text; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.original_text IS 'The passage of the document to replace.';


--
-- Name: COLUMN suggestions.suggested_text; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.suggested_text IS 'The proposed replacement.';


--
-- Name: COLUMN suggestions.description; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.description IS 'Why the change is suggested.';


--
-- Name: COLUMN suggestions.is_resolved; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.is_resolved IS 'Whether the user accepted or dismissed the suggestion.';


--
-- Name: COLUMN suggestions.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.suggestions.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: tool_executions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tool_executions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    chat_id uuid NOT NULL,
    message_id uuid,
    tool_call_id text,
    tool_name text NOT NULL,
    arguments jsonb DEFAULT '{}'::jsonb NOT NULL,
    result jsonb,
    status public.tool_execution_status DEFAULT 'pending'::public.tool_execution_status NOT NULL,
    requires_approval boolean DEFAULT true NOT NULL,
    error text,
    execution_ms integer,
    cost numeric(18,8) DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    approved_at timestamp with time zone,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    failed_at timestamp with time zone,
    cancelled_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    timed_out_at timestamp with time zone,
    CONSTRAINT tool_executions_arguments_check CHECK ((jsonb_typeof(arguments) = 'object'::text)),
    CONSTRAINT tool_executions_arguments_size_check CHECK ((octet_length((arguments)::text) <= 1048576)),
    CONSTRAINT tool_executions_cost_check CHECK ((cost >= (0)::numeric)),
    CONSTRAINT tool_executions_cost_finite_check CHECK ((cost <> 'NaN'::numeric)),
    CONSTRAINT tool_executions_error_check CHECK (((status <> 'failed'::public.tool_execution_status) OR (error IS NOT NULL))),
    CONSTRAINT tool_executions_error_length_check CHECK ((char_length(error) <= 10000)),
    CONSTRAINT tool_executions_execution_ms_check CHECK ((execution_ms >= 0)),
    CONSTRAINT tool_executions_result_size_check CHECK ((octet_length((result)::text) <= 1048576)),
    CONSTRAINT tool_executions_tool_call_id_length_check CHECK ((char_length(tool_call_id) <= 200)),
    CONSTRAINT tool_executions_tool_name_check CHECK (((char_length(tool_name) >= 1) AND (char_length(tool_name) <= 200)))
);

ALTER TABLE ONLY public.tool_executions FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE tool_executions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.tool_executions IS 'Tool calls made by the model in a chat, with their approval and execution life cycle. Status changes are checked by the tool_executions_check_transition trigger, which also stamps each step''s time.';


--
-- Name: COLUMN tool_executions.message_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.message_id IS 'The assistant message that requested the call; the execution is deleted with it.';


--
-- Name: COLUMN tool_executions.tool_call_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.tool_call_id IS 'The provider''s id of the tool call; unique per chat, so a replayed call is recorded once.';


--
-- Name: COLUMN tool_executions.tool_name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.tool_name IS 'Name of the tool as offered to the model.';


--
-- Name: COLUMN tool_executions.arguments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.arguments IS 'Arguments the model passed (JSON object).';


--
-- Name: COLUMN tool_executions.result; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.result IS 'What the tool returned (JSON), once completed.';


--
-- Name: COLUMN tool_executions.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.status IS 'Where the call is in its life cycle; transitions are enforced by a trigger (tool_executions_status_transition_check).';


--
-- Name: COLUMN tool_executions.requires_approval; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.requires_approval IS 'Whether a person must approve the call (false when auto-approval settings allowed it).';


--
-- Name: COLUMN tool_executions.error; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.error IS 'Why the call failed; required when status = failed (tool_executions_error_check).';


--
-- Name: COLUMN tool_executions.execution_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.execution_ms IS 'Wall time of the execution in milliseconds; computed from started_at when the writer does not set it.';


--
-- Name: COLUMN tool_executions.cost; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.cost IS 'Cost of the call in USD (paid APIs), 0 when free.';


--
-- Name: COLUMN tool_executions.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.created_at IS 'When the tool call was recorded: clock_timestamp(), so calls recorded in one transaction keep their order.';


--
-- Name: COLUMN tool_executions.approved_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.approved_at IS 'Stamped by the trigger on the move to approved.';


--
-- Name: COLUMN tool_executions.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.started_at IS 'Stamped by the trigger on the move to executing.';


--
-- Name: COLUMN tool_executions.completed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.completed_at IS 'Stamped by the trigger on the move to completed.';


--
-- Name: COLUMN tool_executions.failed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.failed_at IS 'Stamped by the trigger on the move to failed.';


--
-- Name: COLUMN tool_executions.cancelled_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.cancelled_at IS 'Stamped by the trigger on the move to cancelled.';


--
-- Name: COLUMN tool_executions.timed_out_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tool_executions.timed_out_at IS 'When the call was given up for running past its deadline (status timeout).';


--
-- Name: CONSTRAINT tool_executions_arguments_size_check ON tool_executions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT tool_executions_arguments_size_check ON public.tool_executions IS 'arguments: at most 1 MiB of JSON text; tool arguments may carry code or a document.';


--
-- Name: CONSTRAINT tool_executions_result_size_check ON tool_executions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT tool_executions_result_size_check ON public.tool_executions IS 'result: at most 1 MiB of JSON text; tool results (search pages, file reads) are truncated by the app to well under this.';


--
-- Name: usage_logs_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_logs_default (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    user_id uuid NOT NULL,
    chat_id uuid,
    message_id uuid,
    provider text NOT NULL,
    model text NOT NULL,
    input_tokens integer DEFAULT 0 NOT NULL,
    output_tokens integer DEFAULT 0 NOT NULL,
    cache_read_tokens integer DEFAULT 0 NOT NULL,
    cache_write_tokens integer DEFAULT 0 NOT NULL,
    cost numeric(18,8) DEFAULT 0 NOT NULL,
    duration_ms integer,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT usage_logs_cost_check CHECK ((cost >= (0)::numeric)),
    CONSTRAINT usage_logs_cost_finite_check CHECK ((cost <> 'NaN'::numeric)),
    CONSTRAINT usage_logs_duration_ms_check CHECK ((duration_ms >= 0)),
    CONSTRAINT usage_logs_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT usage_logs_metadata_size_check CHECK ((octet_length((metadata)::text) <= 65536)),
    CONSTRAINT usage_logs_model_length_check CHECK ((char_length(model) <= 200)),
    CONSTRAINT usage_logs_provider_length_check CHECK ((char_length(provider) <= 64)),
    CONSTRAINT usage_logs_tokens_check CHECK (((input_tokens >= 0) AND (output_tokens >= 0) AND (cache_read_tokens >= 0) AND (cache_write_tokens >= 0)))
);


--
-- Name: TABLE usage_logs_default; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.usage_logs_default IS 'Default partition of usage_logs: catches rows outside every monthly partition, so inserts never fail. Normally empty; create_usage_log_partitions moves its rows out.';


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text,
    name text,
    email_verified timestamp with time zone,
    image text,
    role public.user_role DEFAULT 'user'::public.user_role NOT NULL,
    status public.user_status DEFAULT 'active'::public.user_status NOT NULL,
    password_hash text,
    credit_balance numeric(20,6) DEFAULT 0 NOT NULL,
    referral_code text DEFAULT ('ref-'::text || gen_random_uuid()) NOT NULL,
    quota integer DEFAULT 0 NOT NULL,
    quota_started_at timestamp with time zone,
    next_quota_reset timestamp with time zone,
    end_date timestamp with time zone GENERATED ALWAYS AS (COALESCE(next_quota_reset, quota_started_at)) STORED,
    stripe_customer_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    successful_referral_count integer DEFAULT 0 NOT NULL,
    user_type public.user_type DEFAULT 'regular'::public.user_type NOT NULL,
    CONSTRAINT users_credit_balance_finite_check CHECK ((credit_balance <> 'NaN'::numeric)),
    CONSTRAINT users_credit_balance_nonnegative_check CHECK ((credit_balance >= (0)::numeric)),
    CONSTRAINT users_email_check CHECK (((char_length(email) <= 320) AND (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'::text))),
    CONSTRAINT users_email_length_check CHECK ((char_length(email) <= 254)),
    CONSTRAINT users_image_length_check CHECK ((char_length(image) <= 2048)),
    CONSTRAINT users_name_check CHECK ((char_length(name) <= 200)),
    CONSTRAINT users_password_hash_check CHECK ((password_hash ~~ '$argon2id$%'::text)),
    CONSTRAINT users_quota_check CHECK ((quota >= 0)),
    CONSTRAINT users_quota_period_check CHECK (((next_quota_reset IS NULL) OR (quota_started_at IS NULL) OR (next_quota_reset > quota_started_at))),
    CONSTRAINT users_referral_code_check CHECK ((referral_code ~ '^[A-Za-z0-9_-]{4,64}$'::text)),
    CONSTRAINT users_stripe_customer_id_length_check CHECK ((char_length(stripe_customer_id) <= 255))
);

ALTER TABLE ONLY public.users FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE users; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.users IS 'People who use the product (Auth.js "User"). Deleting a user erases everything they own; payments and subscriptions survive with user_id NULL.';


--
-- Name: COLUMN users.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.id IS 'Primary key (random uuid).';


--
-- Name: COLUMN users.email; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.email IS 'Sign-in email; NULL exactly for guests. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';


--
-- Name: COLUMN users.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.name IS 'Display name (at most 200 characters).';


--
-- Name: COLUMN users.email_verified; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.email_verified IS 'When the email address was verified (Auth.js emailVerified); NULL = not verified.';


--
-- Name: COLUMN users.image; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.image IS 'Avatar URL.';


--
-- Name: COLUMN users.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.role IS 'Authorisation role: user or admin.';


--
-- Name: COLUMN users.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.status IS 'Account state; only active users may sign in (checked by the application).';


--
-- Name: COLUMN users.password_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.password_hash IS 'argon2id PHC string ($argon2id$...) for email+password sign-in; NULL for OAuth/email-link users. Not readable by chatdb_app.';


--
-- Name: COLUMN users.credit_balance; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.credit_balance IS 'Spendable credits. Written only by the credit_ledger insert trigger (direct writes raise users_credit_balance_ledger_check), so it always equals the sum of the user''s ledger amounts; never negative (users_credit_balance_nonnegative_check = insufficient credits).';


--
-- Name: COLUMN users.referral_code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.referral_code IS 'The code this user shares to refer others; unique; defaults to ref-<uuid>.';


--
-- Name: COLUMN users.quota; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.quota IS 'Units (messages) allowed in the current quota period; reset with the period.';


--
-- Name: COLUMN users.quota_started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.quota_started_at IS 'Start of the current quota period.';


--
-- Name: COLUMN users.next_quota_reset; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.next_quota_reset IS 'When the current quota period ends and the quota is reset.';


--
-- Name: COLUMN users.end_date; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.end_date IS 'Generated: COALESCE(next_quota_reset, quota_started_at), the end of the quota period. Indexed for ResetExpiredQuotas; never written directly.';


--
-- Name: COLUMN users.stripe_customer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.stripe_customer_id IS 'The Stripe customer (cus_...) of this user; unique when set.';


--
-- Name: COLUMN users.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.created_at IS 'When the user signed up.';


--
-- Name: COLUMN users.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.updated_at IS 'Last change of the row (maintained by set_updated_at).';


--
-- Name: COLUMN users.successful_referral_count; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.successful_referral_count IS 'Referrals of this user that became completed, maintained by the referrals_count_successful trigger and capped by app_settings.max_successful_referrals. Not decremented when a referred user is deleted (a slot cannot be recycled by deleting accounts).';


--
-- Name: COLUMN users.user_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.user_type IS 'regular or guest; a guest has no email, a regular user has one (users_email_user_type_check).';


--
-- Name: CONSTRAINT users_email_length_check ON users; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT users_email_length_check ON public.users IS 'email: at most 254 characters; RFC 5321 path limit: an address longer than 254 cannot receive mail.';


--
-- Name: user_profiles; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.user_profiles WITH (security_invoker='true') AS
 SELECT id,
    email,
    name,
    email_verified,
    image,
    role,
    status,
    credit_balance,
    referral_code,
    quota,
    quota_started_at,
    next_quota_reset,
    end_date,
    stripe_customer_id,
    created_at,
    updated_at,
    user_type
   FROM public.users u;


--
-- Name: VIEW user_profiles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.user_profiles IS 'A user without secrets (no password_hash): the shape every profile query returns. security_invoker, so the users RLS policies and column privileges of the caller apply.';


--
-- Name: COLUMN user_profiles.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.id IS 'Primary key (random uuid).';


--
-- Name: COLUMN user_profiles.email; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.email IS 'Sign-in email; NULL exactly for guests. Unique case-insensitively (users_lower_email_key on lower(email)); look it up with lower(email) = lower(@email).';


--
-- Name: COLUMN user_profiles.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.name IS 'Display name (at most 200 characters).';


--
-- Name: COLUMN user_profiles.email_verified; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.email_verified IS 'When the email address was verified (Auth.js emailVerified); NULL = not verified.';


--
-- Name: COLUMN user_profiles.image; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.image IS 'Avatar URL.';


--
-- Name: COLUMN user_profiles.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.role IS 'Authorisation role: user or admin.';


--
-- Name: COLUMN user_profiles.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.status IS 'Account state; only active users may sign in (checked by the application).';


--
-- Name: COLUMN user_profiles.credit_balance; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.credit_balance IS 'Spendable credits. Written only by the credit_ledger insert trigger (direct writes raise users_credit_balance_ledger_check), so it always equals the sum of the user''s ledger amounts; never negative (users_credit_balance_nonnegative_check = insufficient credits).';


--
-- Name: COLUMN user_profiles.referral_code; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.referral_code IS 'The code this user shares to refer others; unique; defaults to ref-<uuid>.';


--
-- Name: COLUMN user_profiles.quota; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.quota IS 'Units (messages) allowed in the current quota period; reset with the period.';


--
-- Name: COLUMN user_profiles.quota_started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.quota_started_at IS 'Start of the current quota period.';


--
-- Name: COLUMN user_profiles.next_quota_reset; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.next_quota_reset IS 'When the current quota period ends and the quota is reset.';


--
-- Name: COLUMN user_profiles.end_date; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.end_date IS 'Generated: COALESCE(next_quota_reset, quota_started_at), the end of the quota period. Indexed for ResetExpiredQuotas; never written directly.';


--
-- Name: COLUMN user_profiles.stripe_customer_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.stripe_customer_id IS 'The Stripe customer (cus_...) of this user; unique when set.';


--
-- Name: COLUMN user_profiles.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.created_at IS 'When the user signed up.';


--
-- Name: COLUMN user_profiles.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.updated_at IS 'Last change of the row (maintained by set_updated_at).';


--
-- Name: COLUMN user_profiles.user_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.user_profiles.user_type IS 'regular or guest; a guest has no email, a regular user has one (users_email_user_type_check).';


--
-- Name: verification_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.verification_tokens (
    identifier text NOT NULL,
    token_hash bytea NOT NULL,
    expires timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT verification_tokens_identifier_length_check CHECK ((char_length(identifier) <= 255)),
    CONSTRAINT verification_tokens_token_hash_check CHECK ((octet_length(token_hash) = 32))
);

ALTER TABLE ONLY public.verification_tokens FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE verification_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.verification_tokens IS 'One-time email sign-in / verification tokens (Auth.js "VerificationToken"), stored as SHA-256 digests; deleted when used. Pre-login data: chatdb_system only.';


--
-- Name: COLUMN verification_tokens.identifier; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.verification_tokens.identifier IS 'Who the token was sent to (usually the email address).';


--
-- Name: COLUMN verification_tokens.token_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.verification_tokens.token_hash IS 'SHA-256 digest (32 bytes) of the emailed token.';


--
-- Name: COLUMN verification_tokens.expires; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.verification_tokens.expires IS 'After this time the token is refused.';


--
-- Name: COLUMN verification_tokens.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.verification_tokens.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: votes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.votes (
    message_id uuid NOT NULL,
    user_id uuid NOT NULL,
    direction public.vote_direction NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY public.votes FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE votes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.votes IS 'Feedback on messages: at most one vote per user and message (the primary key); voting again flips it.';


--
-- Name: COLUMN votes.direction; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.votes.direction IS 'up or down.';


--
-- Name: webhook_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    provider text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    payload jsonb NOT NULL,
    event_created_at timestamp with time zone,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_events_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT webhook_events_event_id_length_check CHECK ((char_length(event_id) <= 255)),
    CONSTRAINT webhook_events_event_type_length_check CHECK ((char_length(event_type) <= 255)),
    CONSTRAINT webhook_events_last_error_length_check CHECK ((char_length(last_error) <= 10000)),
    CONSTRAINT webhook_events_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT webhook_events_payload_size_check CHECK ((octet_length((payload)::text) <= 1048576)),
    CONSTRAINT webhook_events_provider_length_check CHECK ((char_length(provider) <= 64))
);

ALTER TABLE ONLY public.webhook_events FORCE ROW LEVEL SECURITY;


--
-- Name: TABLE webhook_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.webhook_events IS 'Every webhook event received, recorded once per (provider, event_id) before it is applied, so a redelivered event is recognised and processed once. chatdb_system only.';


--
-- Name: COLUMN webhook_events.provider; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.provider IS 'Sender (stripe, ...).';


--
-- Name: COLUMN webhook_events.event_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.event_id IS 'The provider''s event id (evt_...); unique per provider.';


--
-- Name: COLUMN webhook_events.event_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.event_type IS 'Event type (customer.subscription.updated, ...).';


--
-- Name: COLUMN webhook_events.payload; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.payload IS 'The verified event body, JSON object.';


--
-- Name: COLUMN webhook_events.event_created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.event_created_at IS 'Provider time of the event; becomes last_event_at of what it changes.';


--
-- Name: COLUMN webhook_events.received_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.received_at IS 'When we received it.';


--
-- Name: COLUMN webhook_events.processed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.processed_at IS 'When it was applied; NULL = still to do (retry queue).';


--
-- Name: COLUMN webhook_events.attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.attempts IS 'How many times processing was attempted.';


--
-- Name: COLUMN webhook_events.last_error; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.last_error IS 'Error of the last failed attempt.';


--
-- Name: COLUMN webhook_events.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.webhook_events.updated_at IS 'Last change of the row (maintained by set_updated_at_on_change); the migration time for rows that have not changed since the column was added.';


--
-- Name: CONSTRAINT webhook_events_payload_size_check ON webhook_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT webhook_events_payload_size_check ON public.webhook_events IS 'payload: at most 1 MiB of JSON text; Stripe events are a few KB; 1 MiB bounds a hostile sender.';


--
-- Name: usage_logs_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_logs ATTACH PARTITION public.usage_logs_default DEFAULT;


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (provider, provider_account_id);


--
-- Name: app_settings app_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.app_settings
    ADD CONSTRAINT app_settings_pkey PRIMARY KEY (singleton);


--
-- Name: authenticators authenticators_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authenticators
    ADD CONSTRAINT authenticators_pkey PRIMARY KEY (credential_id);


--
-- Name: auto_approval_settings auto_approval_settings_hourly_cost_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.auto_approval_settings
    ADD CONSTRAINT auto_approval_settings_hourly_cost_check CHECK (((max_hourly_cost >= (0)::numeric) AND (max_hourly_cost <= max_daily_cost))) NOT VALID;


--
-- Name: CONSTRAINT auto_approval_settings_hourly_cost_check ON auto_approval_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT auto_approval_settings_hourly_cost_check ON public.auto_approval_settings IS 'max_hourly_cost, when set, is not negative and not above max_daily_cost.';


--
-- Name: auto_approval_settings auto_approval_settings_operations_length_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.auto_approval_settings
    ADD CONSTRAINT auto_approval_settings_operations_length_check CHECK (((cardinality(read_only_operations) <= 500) AND (cardinality(low_risk_operations) <= 500))) NOT VALID;


--
-- Name: CONSTRAINT auto_approval_settings_operations_length_check ON auto_approval_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT auto_approval_settings_operations_length_check ON public.auto_approval_settings IS 'read_only_operations, low_risk_operations: at most 500 entries each, like allowed_tools.';


--
-- Name: auto_approval_settings auto_approval_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auto_approval_settings
    ADD CONSTRAINT auto_approval_settings_pkey PRIMARY KEY (user_id);


--
-- Name: chat_states chat_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_states
    ADD CONSTRAINT chat_states_pkey PRIMARY KEY (chat_id);


--
-- Name: chat_tags chat_tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_tags
    ADD CONSTRAINT chat_tags_pkey PRIMARY KEY (chat_id, tag);


--
-- Name: chats chats_auto_approve_tools_length_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.chats
    ADD CONSTRAINT chats_auto_approve_tools_length_check CHECK ((cardinality(auto_approve_tools) <= 500)) NOT VALID;


--
-- Name: CONSTRAINT chats_auto_approve_tools_length_check ON chats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT chats_auto_approve_tools_length_check ON public.chats IS 'auto_approve_tools: at most 500 entries, like auto_approval_settings.allowed_tools.';


--
-- Name: chats chats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_pkey PRIMARY KEY (id);


--
-- Name: companion_messages companion_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_messages
    ADD CONSTRAINT companion_messages_pkey PRIMARY KEY (id);


--
-- Name: companion_token_burns companion_token_burns_ledger_operation_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_token_burns
    ADD CONSTRAINT companion_token_burns_ledger_operation_id_key UNIQUE (ledger_operation_id);


--
-- Name: companion_token_burns companion_token_burns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_token_burns
    ADD CONSTRAINT companion_token_burns_pkey PRIMARY KEY (id);


--
-- Name: companion_token_burns companion_token_burns_rate_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.companion_token_burns
    ADD CONSTRAINT companion_token_burns_rate_check CHECK (((credits_per_1k_tokens IS NOT NULL) AND (credits_per_1k_tokens > (0)::numeric) AND (credits = (ceil(((((input_tokens + output_tokens))::numeric * credits_per_1k_tokens) * (1000)::numeric)) / (1000000)::numeric)))) NOT VALID;


--
-- Name: CONSTRAINT companion_token_burns_rate_check ON companion_token_burns; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT companion_token_burns_rate_check ON public.companion_token_burns IS 'credits = (input_tokens + output_tokens) x credits_per_1k_tokens / 1000, rounded up to 6 decimals; the rate is positive and present.';


--
-- Name: companions companions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companions
    ADD CONSTRAINT companions_pkey PRIMARY KEY (id);


--
-- Name: context_optimizations context_optimizations_affected_message_ids_length_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.context_optimizations
    ADD CONSTRAINT context_optimizations_affected_message_ids_length_check CHECK ((cardinality(affected_message_ids) <= 10000)) NOT VALID;


--
-- Name: CONSTRAINT context_optimizations_affected_message_ids_length_check ON context_optimizations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT context_optimizations_affected_message_ids_length_check ON public.context_optimizations IS 'affected_message_ids: at most 10,000 ids; a context window holds far fewer messages.';


--
-- Name: context_optimizations context_optimizations_compression_strategy_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.context_optimizations
    ADD CONSTRAINT context_optimizations_compression_strategy_check CHECK ((compression_strategy ~ '^[a-z][a-z0-9_-]{0,63}$'::text)) NOT VALID;


--
-- Name: context_optimizations context_optimizations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.context_optimizations
    ADD CONSTRAINT context_optimizations_pkey PRIMARY KEY (id);


--
-- Name: credit_ledger credit_ledger_operation_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_ledger
    ADD CONSTRAINT credit_ledger_operation_id_key UNIQUE (operation_id) DEFERRABLE;


--
-- Name: credit_ledger credit_ledger_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_ledger
    ADD CONSTRAINT credit_ledger_pkey PRIMARY KEY (id);


--
-- Name: daily_usage daily_usage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.daily_usage
    ADD CONSTRAINT daily_usage_pkey PRIMARY KEY (user_id, day);


--
-- Name: documents documents_created_at_milliseconds_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.documents
    ADD CONSTRAINT documents_created_at_milliseconds_check CHECK ((created_at = date_trunc('milliseconds'::text, created_at))) NOT VALID;


--
-- Name: CONSTRAINT documents_created_at_milliseconds_check ON documents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT documents_created_at_milliseconds_check ON public.documents IS 'created_at (the version key) has millisecond precision, so a JavaScript Date round-trips it exactly.';


--
-- Name: documents documents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_pkey PRIMARY KEY (id, created_at);


--
-- Name: external_tokens external_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.external_tokens
    ADD CONSTRAINT external_tokens_pkey PRIMARY KEY (id);


--
-- Name: external_tokens external_tokens_token_type_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.external_tokens
    ADD CONSTRAINT external_tokens_token_type_check CHECK ((token_type ~ '^[a-z][a-z0-9_]{0,31}$'::text)) NOT VALID;


--
-- Name: CONSTRAINT external_tokens_token_type_check ON external_tokens; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT external_tokens_token_type_check ON public.external_tokens IS 'token_type: a lower-case slug of at most 32 characters.';


--
-- Name: external_tokens external_tokens_user_id_service_environment_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.external_tokens
    ADD CONSTRAINT external_tokens_user_id_service_environment_key UNIQUE (user_id, service, environment);


--
-- Name: file_uploads file_uploads_metadata_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.file_uploads
    ADD CONSTRAINT file_uploads_metadata_check CHECK (((jsonb_typeof(metadata) = 'object'::text) AND (octet_length((metadata)::text) <= 65536))) NOT VALID;


--
-- Name: CONSTRAINT file_uploads_metadata_check ON file_uploads; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT file_uploads_metadata_check ON public.file_uploads IS 'metadata: a JSON object of at most 65,536 bytes of text, like every other metadata column.';


--
-- Name: file_uploads file_uploads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.file_uploads
    ADD CONSTRAINT file_uploads_pkey PRIMARY KEY (id);


--
-- Name: file_uploads file_uploads_user_id_content_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.file_uploads
    ADD CONSTRAINT file_uploads_user_id_content_hash_key UNIQUE (user_id, content_hash);


--
-- Name: fingerprints fingerprints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fingerprints
    ADD CONSTRAINT fingerprints_pkey PRIMARY KEY (id);


--
-- Name: fingerprints fingerprints_visitor_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fingerprints
    ADD CONSTRAINT fingerprints_visitor_id_key UNIQUE (visitor_id);


--
-- Name: group_chat_members group_chat_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_chat_members
    ADD CONSTRAINT group_chat_members_pkey PRIMARY KEY (group_chat_id, user_id);


--
-- Name: group_chats group_chats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_chats
    ADD CONSTRAINT group_chats_pkey PRIMARY KEY (id);


--
-- Name: group_messages group_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_messages
    ADD CONSTRAINT group_messages_pkey PRIMARY KEY (id);


--
-- Name: message_reactions message_reactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.message_reactions
    ADD CONSTRAINT message_reactions_pkey PRIMARY KEY (message_id, user_id, emoji);


--
-- Name: messages messages_chat_id_client_request_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_chat_id_client_request_id_key UNIQUE (chat_id, client_request_id);


--
-- Name: messages messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (id);


--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);


--
-- Name: provider_configs provider_configs_default_active_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.provider_configs
    ADD CONSTRAINT provider_configs_default_active_check CHECK ((is_active OR (NOT is_default))) NOT VALID;


--
-- Name: CONSTRAINT provider_configs_default_active_check ON provider_configs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT provider_configs_default_active_check ON public.provider_configs IS 'The default provider configuration is an active one: deactivate it only after choosing another default.';


--
-- Name: provider_configs provider_configs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.provider_configs
    ADD CONSTRAINT provider_configs_pkey PRIMARY KEY (id);


--
-- Name: provider_configs provider_configs_user_id_default_excl; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.provider_configs
    ADD CONSTRAINT provider_configs_user_id_default_excl EXCLUDE USING btree (user_id WITH =) WHERE (is_default) DEFERRABLE;


--
-- Name: provider_configs provider_configs_user_id_provider_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.provider_configs
    ADD CONSTRAINT provider_configs_user_id_provider_key UNIQUE (user_id, provider);


--
-- Name: referrals referrals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.referrals
    ADD CONSTRAINT referrals_pkey PRIMARY KEY (referrer_id, referred_id);


--
-- Name: referrals referrals_referred_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.referrals
    ADD CONSTRAINT referrals_referred_id_key UNIQUE (referred_id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: sessions sessions_session_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_session_token_hash_key UNIQUE (session_token_hash);


--
-- Name: streams streams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT streams_pkey PRIMARY KEY (id);


--
-- Name: subscriptions subscriptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);


--
-- Name: subscriptions subscriptions_provider_provider_subscription_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_provider_provider_subscription_id_key UNIQUE (provider, provider_subscription_id);


--
-- Name: suggestions suggestions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT suggestions_pkey PRIMARY KEY (id);


--
-- Name: tool_executions tool_executions_chat_id_tool_call_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tool_executions
    ADD CONSTRAINT tool_executions_chat_id_tool_call_id_key UNIQUE (chat_id, tool_call_id);


--
-- Name: tool_executions tool_executions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tool_executions
    ADD CONSTRAINT tool_executions_pkey PRIMARY KEY (id);


--
-- Name: usage_logs usage_logs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_logs
    ADD CONSTRAINT usage_logs_pkey PRIMARY KEY (id, created_at);


--
-- Name: usage_logs_default usage_logs_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_logs_default
    ADD CONSTRAINT usage_logs_default_pkey PRIMARY KEY (id, created_at);


--
-- Name: users users_email_user_type_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.users
    ADD CONSTRAINT users_email_user_type_check CHECK (((email IS NULL) = (user_type = 'guest'::public.user_type))) NOT VALID;


--
-- Name: CONSTRAINT users_email_user_type_check ON users; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT users_email_user_type_check ON public.users IS 'A guest has no email and every regular user has one: no placeholder addresses.';


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_referral_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_referral_code_key UNIQUE (referral_code);


--
-- Name: users users_stripe_customer_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_stripe_customer_id_key UNIQUE (stripe_customer_id);


--
-- Name: verification_tokens verification_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verification_tokens
    ADD CONSTRAINT verification_tokens_pkey PRIMARY KEY (identifier, token_hash);


--
-- Name: votes votes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.votes
    ADD CONSTRAINT votes_pkey PRIMARY KEY (message_id, user_id);


--
-- Name: webhook_events webhook_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (id);


--
-- Name: webhook_events webhook_events_provider_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_provider_event_id_key UNIQUE (provider, event_id);


--
-- Name: accounts_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX accounts_user_id_idx ON public.accounts USING btree (user_id);


--
-- Name: authenticators_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX authenticators_user_id_idx ON public.authenticators USING btree (user_id);


--
-- Name: chats_user_id_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_user_id_created_at_id_idx ON public.chats USING btree (user_id, created_at DESC, id DESC);


--
-- Name: chats_user_id_updated_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX chats_user_id_updated_at_id_idx ON public.chats USING btree (user_id, updated_at DESC, id DESC);


--
-- Name: companion_messages_companion_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companion_messages_companion_id_created_at_idx ON public.companion_messages USING btree (companion_id, created_at);


--
-- Name: companion_messages_companion_id_user_id_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companion_messages_companion_id_user_id_created_at_id_idx ON public.companion_messages USING btree (companion_id, user_id, created_at, id);


--
-- Name: companion_messages_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companion_messages_user_id_idx ON public.companion_messages USING btree (user_id);


--
-- Name: companion_token_burns_companion_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companion_token_burns_companion_id_created_at_idx ON public.companion_token_burns USING btree (companion_id, created_at);


--
-- Name: companion_token_burns_companion_message_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companion_token_burns_companion_message_id_idx ON public.companion_token_burns USING btree (companion_message_id);


--
-- Name: companion_token_burns_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companion_token_burns_user_id_created_at_idx ON public.companion_token_burns USING btree (user_id, created_at);


--
-- Name: companions_created_at_public_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companions_created_at_public_idx ON public.companions USING btree (created_at DESC) WHERE is_public;


--
-- Name: companions_user_id_updated_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX companions_user_id_updated_at_id_idx ON public.companions USING btree (user_id, updated_at DESC, id DESC);


--
-- Name: context_optimizations_chat_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX context_optimizations_chat_id_created_at_idx ON public.context_optimizations USING btree (chat_id, created_at);


--
-- Name: context_optimizations_message_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX context_optimizations_message_id_idx ON public.context_optimizations USING btree (message_id);


--
-- Name: credit_ledger_user_id_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX credit_ledger_user_id_created_at_id_idx ON public.credit_ledger USING btree (user_id, created_at DESC, id DESC);


--
-- Name: documents_chat_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX documents_chat_id_idx ON public.documents USING btree (chat_id);


--
-- Name: documents_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX documents_user_id_created_at_idx ON public.documents USING btree (user_id, created_at DESC);


--
-- Name: external_tokens_app_service_environment_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX external_tokens_app_service_environment_key ON public.external_tokens USING btree (service, environment) WHERE (user_id IS NULL);


--
-- Name: file_uploads_chat_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX file_uploads_chat_id_idx ON public.file_uploads USING btree (chat_id);


--
-- Name: file_uploads_user_id_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX file_uploads_user_id_created_at_id_idx ON public.file_uploads USING btree (user_id, created_at DESC, id DESC);


--
-- Name: fingerprints_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fingerprints_user_id_idx ON public.fingerprints USING btree (user_id);


--
-- Name: group_chat_members_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_chat_members_user_id_idx ON public.group_chat_members USING btree (user_id);


--
-- Name: group_chats_companion_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_chats_companion_id_idx ON public.group_chats USING btree (companion_id);


--
-- Name: group_chats_creator_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_chats_creator_id_created_at_idx ON public.group_chats USING btree (creator_id, created_at);


--
-- Name: group_messages_companion_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_messages_companion_id_idx ON public.group_messages USING btree (companion_id);


--
-- Name: group_messages_group_chat_id_created_at_bot_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_messages_group_chat_id_created_at_bot_idx ON public.group_messages USING btree (group_chat_id, created_at) WHERE is_bot;


--
-- Name: group_messages_group_chat_id_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_messages_group_chat_id_created_at_id_idx ON public.group_messages USING btree (group_chat_id, created_at, id);


--
-- Name: group_messages_group_chat_id_sender_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_messages_group_chat_id_sender_id_created_at_idx ON public.group_messages USING btree (group_chat_id, sender_id, created_at);


--
-- Name: group_messages_sender_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_messages_sender_id_idx ON public.group_messages USING btree (sender_id);


--
-- Name: message_reactions_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX message_reactions_user_id_idx ON public.message_reactions USING btree (user_id);


--
-- Name: messages_chat_id_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX messages_chat_id_created_at_id_idx ON public.messages USING btree (chat_id, created_at, id);


--
-- Name: messages_chat_id_created_at_user_role_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX messages_chat_id_created_at_user_role_idx ON public.messages USING btree (chat_id, created_at) WHERE (role = 'user'::public.message_role);


--
-- Name: payments_subscription_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_subscription_id_idx ON public.payments USING btree (subscription_id);


--
-- Name: payments_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_user_id_created_at_idx ON public.payments USING btree (user_id, created_at DESC);


--
-- Name: referrals_referrer_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX referrals_referrer_id_created_at_idx ON public.referrals USING btree (referrer_id, created_at DESC);


--
-- Name: sessions_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_expires_idx ON public.sessions USING btree (expires);


--
-- Name: sessions_fingerprint_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_fingerprint_id_idx ON public.sessions USING btree (fingerprint_id);


--
-- Name: sessions_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_user_id_idx ON public.sessions USING btree (user_id);


--
-- Name: streams_chat_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX streams_chat_id_created_at_idx ON public.streams USING btree (chat_id, created_at);


--
-- Name: subscriptions_status_current_period_end_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX subscriptions_status_current_period_end_idx ON public.subscriptions USING btree (status, current_period_end);


--
-- Name: subscriptions_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX subscriptions_user_id_idx ON public.subscriptions USING btree (user_id);


--
-- Name: suggestions_document_id_document_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX suggestions_document_id_document_created_at_idx ON public.suggestions USING btree (document_id, document_created_at);


--
-- Name: suggestions_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX suggestions_user_id_idx ON public.suggestions USING btree (user_id);


--
-- Name: tool_executions_chat_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tool_executions_chat_id_created_at_idx ON public.tool_executions USING btree (chat_id, created_at);


--
-- Name: tool_executions_chat_id_created_at_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tool_executions_chat_id_created_at_pending_idx ON public.tool_executions USING btree (chat_id, created_at) WHERE (status = 'pending'::public.tool_execution_status);


--
-- Name: tool_executions_message_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tool_executions_message_id_idx ON public.tool_executions USING btree (message_id);


--
-- Name: tool_executions_tool_name_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tool_executions_tool_name_created_at_idx ON public.tool_executions USING btree (tool_name, created_at) INCLUDE (status, execution_ms, cost);


--
-- Name: usage_daily_stats_user_id_day_provider_model_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX usage_daily_stats_user_id_day_provider_model_key ON public.usage_daily_stats USING btree (user_id, day, provider, model);


--
-- Name: usage_logs_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_logs_user_id_created_at_idx ON ONLY public.usage_logs USING btree (user_id, created_at);


--
-- Name: usage_logs_default_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_logs_default_user_id_created_at_idx ON public.usage_logs_default USING btree (user_id, created_at);


--
-- Name: users_created_at_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_created_at_id_idx ON public.users USING btree (created_at, id);


--
-- Name: users_end_date_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_end_date_idx ON public.users USING btree (end_date) WHERE (end_date IS NOT NULL);


--
-- Name: users_guest_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_guest_created_at_idx ON public.users USING btree (created_at) WHERE (user_type = 'guest'::public.user_type);


--
-- Name: users_lower_email_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX users_lower_email_key ON public.users USING btree (lower(email));


--
-- Name: verification_tokens_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX verification_tokens_expires_idx ON public.verification_tokens USING btree (expires);


--
-- Name: verification_tokens_lower_identifier_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX verification_tokens_lower_identifier_idx ON public.verification_tokens USING btree (lower(identifier));


--
-- Name: votes_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX votes_user_id_idx ON public.votes USING btree (user_id);


--
-- Name: webhook_events_received_at_unprocessed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_events_received_at_unprocessed_idx ON public.webhook_events USING btree (received_at) WHERE (processed_at IS NULL);


--
-- Name: usage_logs_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.usage_logs_pkey ATTACH PARTITION public.usage_logs_default_pkey;


--
-- Name: usage_logs_default_user_id_created_at_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.usage_logs_user_id_created_at_idx ATTACH PARTITION public.usage_logs_default_user_id_created_at_idx;


--
-- Name: accounts accounts_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER accounts_set_updated_at BEFORE UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: app_settings app_settings_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER app_settings_set_updated_at BEFORE UPDATE ON public.app_settings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: authenticators authenticators_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER authenticators_set_updated_at BEFORE UPDATE ON public.authenticators FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: auto_approval_settings auto_approval_settings_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER auto_approval_settings_set_updated_at BEFORE UPDATE ON public.auto_approval_settings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: chat_states chat_states_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER chat_states_set_updated_at BEFORE UPDATE ON public.chat_states FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: chat_tags chat_tags_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER chat_tags_set_updated_at BEFORE UPDATE ON public.chat_tags FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: chats chats_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER chats_set_updated_at BEFORE UPDATE ON public.chats FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: companion_messages companion_messages_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER companion_messages_set_updated_at BEFORE UPDATE ON public.companion_messages FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: companion_token_burns companion_token_burns_check_references; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER companion_token_burns_check_references BEFORE INSERT OR UPDATE OF companion_id, user_id, companion_message_id ON public.companion_token_burns FOR EACH ROW EXECUTE FUNCTION public.companion_token_burns_check_references();


--
-- Name: companion_token_burns companion_token_burns_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER companion_token_burns_set_updated_at BEFORE UPDATE ON public.companion_token_burns FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: companions companions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER companions_set_updated_at BEFORE UPDATE ON public.companions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: context_optimizations context_optimizations_message_chat; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER context_optimizations_message_chat BEFORE INSERT OR UPDATE OF chat_id, message_id ON public.context_optimizations FOR EACH ROW EXECUTE FUNCTION public.check_message_in_same_chat();


--
-- Name: context_optimizations context_optimizations_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER context_optimizations_set_updated_at BEFORE UPDATE ON public.context_optimizations FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: credit_ledger credit_ledger_apply; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER credit_ledger_apply BEFORE INSERT ON public.credit_ledger FOR EACH ROW EXECUTE FUNCTION public.credit_ledger_apply();


--
-- Name: credit_ledger credit_ledger_reject_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER credit_ledger_reject_truncate BEFORE TRUNCATE ON public.credit_ledger FOR EACH STATEMENT EXECUTE FUNCTION public.credit_ledger_reject_change();


--
-- Name: credit_ledger credit_ledger_reject_update_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER credit_ledger_reject_update_delete BEFORE DELETE OR UPDATE ON public.credit_ledger FOR EACH ROW EXECUTE FUNCTION public.credit_ledger_reject_change();


--
-- Name: daily_usage daily_usage_counters_monotonic; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER daily_usage_counters_monotonic AFTER UPDATE ON public.daily_usage FOR EACH ROW EXECUTE FUNCTION public.daily_usage_reject_decrease();


--
-- Name: daily_usage daily_usage_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER daily_usage_set_updated_at BEFORE UPDATE ON public.daily_usage FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: documents documents_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER documents_set_updated_at BEFORE UPDATE ON public.documents FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: documents documents_single_owner; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER documents_single_owner BEFORE INSERT OR UPDATE OF id, user_id ON public.documents FOR EACH ROW EXECUTE FUNCTION public.documents_check_single_owner();


--
-- Name: external_tokens external_tokens_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER external_tokens_set_updated_at BEFORE UPDATE ON public.external_tokens FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: file_uploads file_uploads_check_chat_owner; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER file_uploads_check_chat_owner BEFORE INSERT OR UPDATE OF user_id, chat_id ON public.file_uploads FOR EACH ROW EXECUTE FUNCTION public.file_uploads_check_chat_owner();


--
-- Name: file_uploads file_uploads_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER file_uploads_set_updated_at BEFORE UPDATE ON public.file_uploads FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: fingerprints fingerprints_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER fingerprints_set_updated_at BEFORE UPDATE ON public.fingerprints FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: group_chat_members group_chat_members_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER group_chat_members_set_updated_at BEFORE UPDATE ON public.group_chat_members FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: group_chats group_chats_add_creator; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER group_chats_add_creator AFTER INSERT ON public.group_chats FOR EACH ROW EXECUTE FUNCTION public.group_chats_add_creator();


--
-- Name: group_chats group_chats_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER group_chats_set_updated_at BEFORE UPDATE ON public.group_chats FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: group_messages group_messages_check_companion; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER group_messages_check_companion BEFORE INSERT OR UPDATE OF group_chat_id, sender_id, companion_id ON public.group_messages FOR EACH ROW EXECUTE FUNCTION public.group_messages_check_companion();


--
-- Name: group_messages group_messages_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER group_messages_set_updated_at BEFORE UPDATE ON public.group_messages FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: message_reactions message_reactions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER message_reactions_set_updated_at BEFORE UPDATE ON public.message_reactions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: messages messages_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER messages_set_updated_at BEFORE UPDATE ON public.messages FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: payments payments_last_event_at_monotonic; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER payments_last_event_at_monotonic BEFORE UPDATE OF last_event_at ON public.payments FOR EACH ROW EXECUTE FUNCTION public.billing_reject_older_event();


--
-- Name: payments payments_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER payments_set_updated_at BEFORE UPDATE ON public.payments FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: provider_configs provider_configs_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER provider_configs_set_updated_at BEFORE UPDATE ON public.provider_configs FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: referrals referrals_check_not_mutual; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER referrals_check_not_mutual BEFORE INSERT OR UPDATE OF referrer_id, referred_id ON public.referrals FOR EACH ROW EXECUTE FUNCTION public.referrals_check_not_mutual();


--
-- Name: referrals referrals_count_successful; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER referrals_count_successful AFTER INSERT OR UPDATE OF status ON public.referrals FOR EACH ROW EXECUTE FUNCTION public.referrals_count_successful();


--
-- Name: referrals referrals_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER referrals_set_updated_at BEFORE UPDATE ON public.referrals FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: sessions sessions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: streams streams_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER streams_set_updated_at BEFORE UPDATE ON public.streams FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: subscriptions subscriptions_last_event_at_monotonic; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER subscriptions_last_event_at_monotonic BEFORE UPDATE OF last_event_at ON public.subscriptions FOR EACH ROW EXECUTE FUNCTION public.billing_reject_older_event();


--
-- Name: subscriptions subscriptions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON public.subscriptions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: suggestions suggestions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER suggestions_set_updated_at BEFORE UPDATE ON public.suggestions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: tool_executions tool_executions_check_transition; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tool_executions_check_transition BEFORE INSERT OR UPDATE OF status ON public.tool_executions FOR EACH ROW EXECUTE FUNCTION public.tool_executions_check_transition();


--
-- Name: tool_executions tool_executions_message_chat; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tool_executions_message_chat BEFORE INSERT OR UPDATE OF chat_id, message_id ON public.tool_executions FOR EACH ROW EXECUTE FUNCTION public.check_message_in_same_chat();


--
-- Name: tool_executions tool_executions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tool_executions_set_updated_at BEFORE UPDATE ON public.tool_executions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: usage_logs usage_logs_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER usage_logs_set_updated_at BEFORE UPDATE ON public.usage_logs FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: users users_credit_balance_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_credit_balance_guard BEFORE INSERT OR UPDATE OF credit_balance ON public.users FOR EACH ROW EXECUTE FUNCTION public.users_credit_balance_guard();


--
-- Name: users users_grant_signup_credits; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_grant_signup_credits AFTER INSERT ON public.users FOR EACH ROW EXECUTE FUNCTION public.users_grant_signup_credits();


--
-- Name: users users_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: users users_without_email_are_guests; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_without_email_are_guests BEFORE INSERT ON public.users FOR EACH ROW WHEN ((new.email IS NULL)) EXECUTE FUNCTION public.users_without_email_are_guests();


--
-- Name: verification_tokens verification_tokens_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER verification_tokens_set_updated_at BEFORE UPDATE ON public.verification_tokens FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: votes votes_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER votes_set_updated_at BEFORE UPDATE ON public.votes FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: webhook_events webhook_events_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER webhook_events_set_updated_at BEFORE UPDATE ON public.webhook_events FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_on_change();


--
-- Name: accounts accounts_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: authenticators authenticators_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authenticators
    ADD CONSTRAINT authenticators_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: auto_approval_settings auto_approval_settings_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auto_approval_settings
    ADD CONSTRAINT auto_approval_settings_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: chat_states chat_states_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_states
    ADD CONSTRAINT chat_states_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;


--
-- Name: chat_tags chat_tags_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chat_tags
    ADD CONSTRAINT chat_tags_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;


--
-- Name: chats chats_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: companion_messages companion_messages_companion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_messages
    ADD CONSTRAINT companion_messages_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions(id) ON DELETE CASCADE;


--
-- Name: companion_messages companion_messages_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_messages
    ADD CONSTRAINT companion_messages_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: companion_token_burns companion_token_burns_companion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_token_burns
    ADD CONSTRAINT companion_token_burns_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions(id) ON DELETE CASCADE;


--
-- Name: companion_token_burns companion_token_burns_companion_message_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_token_burns
    ADD CONSTRAINT companion_token_burns_companion_message_id_fkey FOREIGN KEY (companion_message_id) REFERENCES public.companion_messages(id) ON DELETE SET NULL;


--
-- Name: companion_token_burns companion_token_burns_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companion_token_burns
    ADD CONSTRAINT companion_token_burns_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: companions companions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.companions
    ADD CONSTRAINT companions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: context_optimizations context_optimizations_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.context_optimizations
    ADD CONSTRAINT context_optimizations_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;


--
-- Name: context_optimizations context_optimizations_message_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.context_optimizations
    ADD CONSTRAINT context_optimizations_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages(id) ON DELETE CASCADE;


--
-- Name: credit_ledger credit_ledger_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_ledger
    ADD CONSTRAINT credit_ledger_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: daily_usage daily_usage_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.daily_usage
    ADD CONSTRAINT daily_usage_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: documents documents_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE SET NULL;


--
-- Name: documents documents_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: external_tokens external_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.external_tokens
    ADD CONSTRAINT external_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: file_uploads file_uploads_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.file_uploads
    ADD CONSTRAINT file_uploads_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE SET NULL;


--
-- Name: file_uploads file_uploads_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.file_uploads
    ADD CONSTRAINT file_uploads_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: fingerprints fingerprints_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fingerprints
    ADD CONSTRAINT fingerprints_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: group_chat_members group_chat_members_group_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_chat_members
    ADD CONSTRAINT group_chat_members_group_chat_id_fkey FOREIGN KEY (group_chat_id) REFERENCES public.group_chats(id) ON DELETE CASCADE;


--
-- Name: group_chat_members group_chat_members_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_chat_members
    ADD CONSTRAINT group_chat_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: group_chats group_chats_companion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_chats
    ADD CONSTRAINT group_chats_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions(id) ON DELETE SET NULL;


--
-- Name: group_chats group_chats_creator_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_chats
    ADD CONSTRAINT group_chats_creator_id_fkey FOREIGN KEY (creator_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: group_messages group_messages_companion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_messages
    ADD CONSTRAINT group_messages_companion_id_fkey FOREIGN KEY (companion_id) REFERENCES public.companions(id) ON DELETE SET NULL;


--
-- Name: group_messages group_messages_group_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_messages
    ADD CONSTRAINT group_messages_group_chat_id_fkey FOREIGN KEY (group_chat_id) REFERENCES public.group_chats(id) ON DELETE CASCADE;


--
-- Name: group_messages group_messages_sender_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_messages
    ADD CONSTRAINT group_messages_sender_id_fkey FOREIGN KEY (sender_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: message_reactions message_reactions_message_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.message_reactions
    ADD CONSTRAINT message_reactions_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages(id) ON DELETE CASCADE;


--
-- Name: message_reactions message_reactions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.message_reactions
    ADD CONSTRAINT message_reactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: messages messages_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;


--
-- Name: payments payments_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id) ON DELETE SET NULL;


--
-- Name: payments payments_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: provider_configs provider_configs_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.provider_configs
    ADD CONSTRAINT provider_configs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: referrals referrals_referred_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.referrals
    ADD CONSTRAINT referrals_referred_id_fkey FOREIGN KEY (referred_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: referrals referrals_referrer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.referrals
    ADD CONSTRAINT referrals_referrer_id_fkey FOREIGN KEY (referrer_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: sessions sessions_fingerprint_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_fingerprint_id_fkey FOREIGN KEY (fingerprint_id) REFERENCES public.fingerprints(id) ON DELETE SET NULL;


--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: streams streams_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT streams_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;


--
-- Name: subscriptions subscriptions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: suggestions suggestions_document_id_document_created_at_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT suggestions_document_id_document_created_at_fkey FOREIGN KEY (document_id, document_created_at) REFERENCES public.documents(id, created_at) ON DELETE CASCADE;


--
-- Name: suggestions suggestions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT suggestions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: tool_executions tool_executions_chat_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tool_executions
    ADD CONSTRAINT tool_executions_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;


--
-- Name: tool_executions tool_executions_message_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tool_executions
    ADD CONSTRAINT tool_executions_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages(id) ON DELETE CASCADE;


--
-- Name: usage_logs usage_logs_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.usage_logs
    ADD CONSTRAINT usage_logs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: votes votes_message_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.votes
    ADD CONSTRAINT votes_message_id_fkey FOREIGN KEY (message_id) REFERENCES public.messages(id) ON DELETE CASCADE;


--
-- Name: votes votes_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.votes
    ADD CONSTRAINT votes_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: accounts; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;

--
-- Name: accounts accounts_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY accounts_owner_all ON public.accounts TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: app_settings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.app_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: authenticators; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.authenticators ENABLE ROW LEVEL SECURITY;

--
-- Name: authenticators authenticators_owner_delete; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY authenticators_owner_delete ON public.authenticators FOR DELETE TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: authenticators authenticators_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY authenticators_owner_read ON public.authenticators FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: auto_approval_settings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.auto_approval_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: auto_approval_settings auto_approval_settings_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY auto_approval_settings_owner_all ON public.auto_approval_settings TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: chat_states; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.chat_states ENABLE ROW LEVEL SECURITY;

--
-- Name: chat_states chat_states_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY chat_states_owner_all ON public.chat_states TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = chat_states.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = chat_states.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: chat_tags; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.chat_tags ENABLE ROW LEVEL SECURITY;

--
-- Name: chat_tags chat_tags_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY chat_tags_owner_all ON public.chat_tags TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = chat_tags.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = chat_tags.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: chats; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.chats ENABLE ROW LEVEL SECURITY;

--
-- Name: chats chats_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY chats_owner_all ON public.chats TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: chats chats_public_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY chats_public_read ON public.chats FOR SELECT TO chatdb_app USING ((visibility = 'public'::public.chat_visibility));


--
-- Name: companion_messages; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.companion_messages ENABLE ROW LEVEL SECURITY;

--
-- Name: companion_messages companion_messages_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY companion_messages_owner_all ON public.companion_messages TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND (EXISTS ( SELECT 1
   FROM public.companions c
  WHERE (c.id = companion_messages.companion_id)))));


--
-- Name: companion_token_burns; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.companion_token_burns ENABLE ROW LEVEL SECURITY;

--
-- Name: companion_token_burns companion_token_burns_owner_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY companion_token_burns_owner_insert ON public.companion_token_burns FOR INSERT TO chatdb_app WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: companion_token_burns companion_token_burns_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY companion_token_burns_owner_read ON public.companion_token_burns FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: companions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.companions ENABLE ROW LEVEL SECURITY;

--
-- Name: companions companions_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY companions_owner_all ON public.companions TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: companions companions_public_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY companions_public_read ON public.companions FOR SELECT TO chatdb_app USING (is_public);


--
-- Name: context_optimizations; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.context_optimizations ENABLE ROW LEVEL SECURITY;

--
-- Name: context_optimizations context_optimizations_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY context_optimizations_owner_all ON public.context_optimizations TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = context_optimizations.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = context_optimizations.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: credit_ledger; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.credit_ledger ENABLE ROW LEVEL SECURITY;

--
-- Name: credit_ledger credit_ledger_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY credit_ledger_owner_read ON public.credit_ledger FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: credit_ledger credit_ledger_owner_spend; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY credit_ledger_owner_spend ON public.credit_ledger FOR INSERT TO chatdb_app WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND (amount < (0)::numeric)));


--
-- Name: daily_usage; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.daily_usage ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_usage daily_usage_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY daily_usage_owner_all ON public.daily_usage TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: documents; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;

--
-- Name: documents documents_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY documents_owner_all ON public.documents TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND ((chat_id IS NULL) OR (EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = documents.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))))));


--
-- Name: external_tokens; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.external_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: external_tokens external_tokens_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY external_tokens_owner_all ON public.external_tokens TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: file_uploads; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.file_uploads ENABLE ROW LEVEL SECURITY;

--
-- Name: file_uploads file_uploads_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY file_uploads_owner_all ON public.file_uploads TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND ((chat_id IS NULL) OR (EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = file_uploads.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))))));


--
-- Name: fingerprints; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.fingerprints ENABLE ROW LEVEL SECURITY;

--
-- Name: fingerprints fingerprints_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY fingerprints_owner_read ON public.fingerprints FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: group_chat_members; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.group_chat_members ENABLE ROW LEVEL SECURITY;

--
-- Name: group_chat_members group_chat_members_creator_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_chat_members_creator_all ON public.group_chat_members TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.group_chats g
  WHERE ((g.id = group_chat_members.group_chat_id) AND (g.creator_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.group_chats g
  WHERE ((g.id = group_chat_members.group_chat_id) AND (g.creator_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: group_chat_members group_chat_members_member_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_chat_members_member_read ON public.group_chat_members FOR SELECT TO chatdb_app USING (public.is_group_member(group_chat_id));


--
-- Name: group_chat_members group_chat_members_self_leave; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_chat_members_self_leave ON public.group_chat_members FOR DELETE TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: group_chats; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.group_chats ENABLE ROW LEVEL SECURITY;

--
-- Name: group_chats group_chats_creator_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_chats_creator_all ON public.group_chats TO chatdb_app USING ((creator_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((creator_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND ((companion_id IS NULL) OR (EXISTS ( SELECT 1
   FROM public.companions c
  WHERE (c.id = group_chats.companion_id))))));


--
-- Name: group_chats group_chats_member_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_chats_member_read ON public.group_chats FOR SELECT TO chatdb_app USING (public.is_group_member(id));


--
-- Name: group_messages; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.group_messages ENABLE ROW LEVEL SECURITY;

--
-- Name: group_messages group_messages_member_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_messages_member_insert ON public.group_messages FOR INSERT TO chatdb_app WITH CHECK ((public.is_group_member(group_chat_id) AND ((sender_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) OR (is_bot AND (sender_id IS NULL)))));


--
-- Name: group_messages group_messages_member_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_messages_member_read ON public.group_messages FOR SELECT TO chatdb_app USING (public.is_group_member(group_chat_id));


--
-- Name: group_messages group_messages_sender_delete; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_messages_sender_delete ON public.group_messages FOR DELETE TO chatdb_app USING ((sender_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: group_messages group_messages_sender_update; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY group_messages_sender_update ON public.group_messages FOR UPDATE TO chatdb_app USING ((sender_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((sender_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND public.is_group_member(group_chat_id)));


--
-- Name: message_reactions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.message_reactions ENABLE ROW LEVEL SECURITY;

--
-- Name: message_reactions message_reactions_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY message_reactions_owner_all ON public.message_reactions TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND (EXISTS ( SELECT 1
   FROM public.messages m
  WHERE (m.id = message_reactions.message_id)))));


--
-- Name: message_reactions message_reactions_reader_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY message_reactions_reader_read ON public.message_reactions FOR SELECT TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.messages m
  WHERE (m.id = message_reactions.message_id))));


--
-- Name: messages; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;

--
-- Name: messages messages_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_owner_all ON public.messages TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = messages.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = messages.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: messages messages_public_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_public_read ON public.messages FOR SELECT TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = messages.chat_id) AND (c.visibility = 'public'::public.chat_visibility)))));


--
-- Name: payments; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;

--
-- Name: payments payments_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY payments_owner_read ON public.payments FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: provider_configs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.provider_configs ENABLE ROW LEVEL SECURITY;

--
-- Name: provider_configs provider_configs_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY provider_configs_owner_all ON public.provider_configs TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: referrals; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.referrals ENABLE ROW LEVEL SECURITY;

--
-- Name: referrals referrals_participant_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY referrals_participant_read ON public.referrals FOR SELECT TO chatdb_app USING (((referrer_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) OR (referred_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)));


--
-- Name: sessions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: sessions sessions_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY sessions_owner_all ON public.sessions TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: streams; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.streams ENABLE ROW LEVEL SECURITY;

--
-- Name: streams streams_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY streams_owner_all ON public.streams TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = streams.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = streams.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: subscriptions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.subscriptions ENABLE ROW LEVEL SECURITY;

--
-- Name: subscriptions subscriptions_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY subscriptions_owner_read ON public.subscriptions FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: suggestions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.suggestions ENABLE ROW LEVEL SECURITY;

--
-- Name: suggestions suggestions_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY suggestions_owner_all ON public.suggestions TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND (EXISTS ( SELECT 1
   FROM public.documents d
  WHERE ((d.id = suggestions.document_id) AND (d.created_at = suggestions.document_created_at))))));


--
-- Name: tool_executions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.tool_executions ENABLE ROW LEVEL SECURITY;

--
-- Name: tool_executions tool_executions_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tool_executions_owner_all ON public.tool_executions TO chatdb_app USING ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = tool_executions.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.chats c
  WHERE ((c.id = tool_executions.chat_id) AND (c.user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)))));


--
-- Name: usage_logs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.usage_logs ENABLE ROW LEVEL SECURITY;

--
-- Name: usage_logs usage_logs_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY usage_logs_owner_read ON public.usage_logs FOR SELECT TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: users; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;

--
-- Name: users users_self_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY users_self_read ON public.users FOR SELECT TO chatdb_app USING ((id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: users users_self_update; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY users_self_update ON public.users FOR UPDATE TO chatdb_app USING ((id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK ((id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid));


--
-- Name: verification_tokens; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.verification_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: votes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.votes ENABLE ROW LEVEL SECURITY;

--
-- Name: votes votes_owner_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY votes_owner_all ON public.votes TO chatdb_app USING ((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)) WITH CHECK (((user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid) AND (EXISTS ( SELECT 1
   FROM public.messages m
  WHERE (m.id = votes.message_id)))));


--
-- Name: webhook_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.webhook_events ENABLE ROW LEVEL SECURITY;

--
-- PostgreSQL database dump complete
--


--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20261123000100'),
    ('20261123000200'),
    ('20261123000300'),
    ('20261123000400'),
    ('20261123000500'),
    ('20261123000600'),
    ('20261123000700'),
    ('20261123000800'),
    ('20261123000900'),
    ('20261123001000'),
    ('20261123001100'),
    ('20261123001200'),
    ('20261123001300'),
    ('20261123001400'),
    ('20261123001500'),
    ('20261123002000'),
    ('20261123002300'),
    ('20261201184814'),
    ('20261201184840'),
    ('20261201184841'),
    ('20261201184916'),
    ('20261201185050'),
    ('20261201185238'),
    ('20261201185434'),
    ('20261201185500'),
    ('20261201185525'),
    ('20261201185606'),
    ('20261201200500'),
    ('20261202100100'),
    ('20261202100200'),
    ('20261202100300'),
    ('20261202100400'),
    ('20261202100500'),
    ('20261202100600'),
    ('20261202130000'),
    ('20261202140100'),
    ('20261202140200'),
    ('20261202140300'),
    ('20261202140400'),
    ('20261202140500'),
    ('20261202140600'),
    ('20261202140700'),
    ('20261202140800'),
    ('20261202140900'),
    ('20261202141000'),
    ('20261202141100'),
    ('20261202141200'),
    ('20261202141300'),
    ('20261202141400'),
    ('20261202141500'),
    ('20261202141600'),
    ('20261202141610'),
    ('20261202141620'),
    ('20261202141630'),
    ('20261202141640'),
    ('20261202141700');
