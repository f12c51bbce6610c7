-- catalog: no-transaction
-- Name contains text, any case, folded by the one rule (public.fold_name, docs/case-folding.md):
-- trigram index on the folded name, built online; 0013 then drops the index on lower(name).
create index concurrently if not exists products_name_fold_trgm_idx on inventory.products
using gin (public.fold_name(name) gin_trgm_ops);
