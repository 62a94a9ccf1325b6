-- Live feedback: ratings sent to POST /feedback, kept apart from the imported ratings (an import truncates those).
-- rating null records a rating removed (DELETE /users/{id}/ratings/{movie}); seq orders everything.
create table feedback (
  seq         bigserial   primary key,
  user_id     integer     not null,
  movie_id    integer     not null,
  rating      real,
  rated_at    bigint      not null,
  received_at timestamptz not null default now()
);
-- A rating is given once per user, movie and time; a removal may share a rating's second.
create unique index feedback_once on feedback (user_id, movie_id, rated_at) where rating is not null;
create index feedback_user on feedback (user_id, seq);

-- A version keeps each user's rating values (a fold-in needs them) and the last feedback it was trained with.
alter table user_embeddings add column ratings real[];
alter table model_versions add column trained_through bigint not null default 0;

-- The rating scale of the data a version was trained on, for checking feedback against it.
alter table model_versions add column rating_min real;
alter table model_versions add column rating_max real;
alter table model_versions add column rating_step real;
