-- Statistics that production needs for a category without products (found by `catalog plans stats`).
--
-- At the default target of 100, ANALYZE keeps the 100 most common of the products' ~1,000
-- categories; a category outside that list, such as an empty one, is estimated at the average of the
-- others (about 750 rows, 250 of them low on stock). At 2,000 every category is in the list and an
-- empty one is estimated at a single row.
set local lock_timeout = '10s';
set local statement_timeout = '1min';

alter table inventory.products alter column category_id set statistics 2000;
