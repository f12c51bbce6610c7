-- catalog: no-transaction
-- The title words index again, online, with fold_name's NFKC rule (0016): a title with a ligature or
-- another compatibility form was indexed by the old rule.
reindex index concurrently bookstore.books_title_fold_words_idx;
