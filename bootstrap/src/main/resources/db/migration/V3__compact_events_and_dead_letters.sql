-- Analytics events: the recommended movies as two arrays instead of a JSON document (cheaper to insert and to
-- aggregate), a kind per route, and no user for anonymous and similar-movie requests.
alter table recommendation_events add column kind text not null default 'recommend';
alter table recommendation_events alter column user_id drop not null;
alter table recommendation_events add column movie_ids integer[];
alter table recommendation_events add column scores real[];
update recommendation_events set
  movie_ids = coalesce((select array_agg((i ->> 'movie_id')::int order by o) from jsonb_array_elements(items) with ordinality as x(i, o)), '{}'),
  scores = coalesce((select array_agg((i ->> 'score')::real order by o) from jsonb_array_elements(items) with ordinality as x(i, o)), '{}');
alter table recommendation_events alter column movie_ids set not null;
alter table recommendation_events alter column scores set not null;
alter table recommendation_events drop column items;

-- Events the store refused for their data: set aside with the reason, never retried for ever.
create table recommendation_events_rejected (
  request_id  text        not null,
  event       jsonb       not null,
  reason      text        not null,
  rejected_at timestamptz not null default now()
);
