-- migrate:up

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chatdb_app') THEN
    CREATE ROLE chatdb_app NOLOGIN;
  END IF;
END $$;
CREATE TYPE user_role AS ENUM ('user', 'admin');
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  role user_role NOT NULL DEFAULT 'user',
  credit_balance numeric(12,2) NOT NULL DEFAULT 0 CONSTRAINT users_credit_balance_nonnegative_check CHECK (credit_balance >= 0),
  referral_code text NOT NULL DEFAULT 'ref-' || gen_random_uuid()::text,
  next_quota_reset timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  end_date timestamptz GENERATED ALWAYS AS (COALESCE(next_quota_reset, created_at)) STORED,
  tags text[] NOT NULL DEFAULT '{}',
  CONSTRAINT users_email_key UNIQUE (email)
);
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.created_at := now(); RETURN NEW; END $$;
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_self ON users USING (id = current_setting('app.user_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO chatdb_app;
CREATE TABLE chats (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title text NOT NULL DEFAULT 'New Chat',
  parts jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chats_user_id_updated_at_idx ON chats (user_id, updated_at DESC, id DESC);
CREATE UNIQUE INDEX chats_one_default ON chats (user_id) WHERE title = 'x';
CREATE MATERIALIZED VIEW daily_usage_mv AS SELECT user_id, date_trunc('day', updated_at) AS day, count(*) AS n FROM chats GROUP BY 1, 2;
CREATE UNIQUE INDEX daily_usage_mv_key ON daily_usage_mv (user_id, day);
-- migrate:down
DROP MATERIALIZED VIEW daily_usage_mv;
DROP TABLE chats;
DROP TABLE users;
DROP TYPE user_role;
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS chats_title_idx ON chats (title);
-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS chats_title_idx;
