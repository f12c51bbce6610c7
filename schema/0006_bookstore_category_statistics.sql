-- Statistics that production needs for a category without books (found by `catalog plans stats`).
--
-- At the default target of 100, ANALYZE keeps the 100 most common of book_category's ~305 categories;
-- a category outside that list, such as one with no books, is estimated at the average of the others
-- (about 4,600 rows), so its empty page is planned as if it were large. At 1,000 every category is
-- in the list and one without books is estimated at a single row.
set local lock_timeout = '10s';
set local statement_timeout = '1min';

alter table bookstore.book_category alter column category_id set statistics 1000;
