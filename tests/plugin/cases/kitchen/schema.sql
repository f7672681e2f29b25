CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%');
CREATE TYPE mood AS ENUM ('happy', 'sad', 'so-so');

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email email_address NOT NULL UNIQUE,
  name text NOT NULL,
  mood mood NOT NULL DEFAULT 'happy',
  moods mood[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chats (
  id bigserial PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL,
  parts jsonb NOT NULL DEFAULT '[]',
  meta jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE samples (
  id serial PRIMARY KEY,
  i2 smallint,
  i4 integer,
  i8 bigint,
  num numeric(12, 2),
  f4 real,
  f8 double precision,
  b boolean,
  t text,
  vc varchar(20),
  bc char(3),
  ci varchar(20),
  u uuid,
  tstz timestamptz,
  ts timestamp,
  d date,
  tm time,
  iv interval,
  by bytea,
  j json,
  jb jsonb,
  ip inet,
  net cidr,
  em email_address,
  md mood,
  mds mood[],
  ints integer[],
  grid integer[][],
  texts text[],
  tstzs timestamptz[],
  "from" text
);
