-- catalog: no-transaction
-- The trigram index on lower(name) serves no query since products search folds with public.fold_name (0012).
drop index concurrently if exists inventory.products_name_trgm_idx;
