-- Recserve's store at rest. Model versions are immutable once written; model_current names the one served.

create table movies (
  movie_id integer primary key,
  title    text    not null,
  genres   text[]  not null
);

create table ratings (
  user_id  integer not null,
  movie_id integer not null references movies (movie_id),
  rating   real    not null,
  rated_at bigint  not null
);
create index ratings_user on ratings (user_id);

create table dataset_imports (
  id          bigserial primary key,
  source      text        not null,
  movies      integer     not null,
  ratings     bigint      not null,
  imported_at timestamptz not null default now()
);

create table model_versions (
  version    bigserial primary key,
  created_at timestamptz not null default now(),
  factors    integer     not null,
  params     jsonb       not null,
  users      integer     not null,
  movies     integer     not null,
  evaluation jsonb
);

-- One row: the version serving reads. Replaced in one transaction with a NOTIFY on channel recserve_model.
create table model_current (
  id         boolean primary key default true check (id),
  version    bigint      not null references model_versions (version),
  updated_at timestamptz not null default now()
);

-- Vectors are float32 little-endian bytes; rated lists the movies the user rated in training.
create table user_embeddings (
  version bigint  not null references model_versions (version) on delete cascade,
  user_id integer not null,
  vector  bytea   not null,
  rated   integer[] not null,
  primary key (version, user_id)
);

create table movie_embeddings (
  version  bigint  not null references model_versions (version) on delete cascade,
  movie_id integer not null,
  vector   bytea   not null,
  title    text    not null,
  genres   text[]  not null,
  primary key (version, movie_id)
);

-- Analytics: one row per answered /recommend, idempotent on request_id.
create table recommendation_events (
  request_id    uuid primary key,
  user_id       integer          not null,
  cutoff        integer          not null,
  items         jsonb            not null,
  model_version bigint           not null,
  cache_hit     boolean          not null,
  latency_ms    double precision not null,
  created_at    timestamptz      not null
);
create index recommendation_events_time on recommendation_events (created_at);
