CREATE DOMAIN positive_amount AS numeric(12, 2) CHECK (VALUE > 0);
CREATE TYPE ledger_kind AS ENUM ('grant', 'spend', 'refund-2x');

CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "class" text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE ledger (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  kind ledger_kind NOT NULL,
  amount positive_amount NOT NULL,
  note text
);
