-- Each version gets a random id beside its number: numbers repeat when the store is recreated, ids do not.
-- Serving keys indexes and cached answers by the id. A pruned version keeps its row (so publishing it fails with a
-- clear message) but loses its vectors.
alter table model_versions add column uuid uuid not null default gen_random_uuid();
alter table model_versions add constraint model_versions_uuid unique (uuid);
alter table model_versions add column pruned_at timestamptz;
