-- catalog: no-transaction
-- The product name trigram index again, online, with fold_name's NFKC rule (0016): a name with a
-- ligature or another compatibility form was indexed by the old rule.
reindex index concurrently inventory.products_name_fold_trgm_idx;
