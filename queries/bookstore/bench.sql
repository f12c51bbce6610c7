-- Values `scripts/bench` picks once per run from the benchmark database (app/bookstore/bench.py).

-- name: bench_largest_author()$
-- Returns the id of the author with the most books.
select b.author_id
from bookstore.books as b
group by b.author_id
order by count(*) desc, b.author_id asc
limit 1;

-- name: bench_rarest_author()$
-- Returns the lowest id of an author with exactly one book.
select b.author_id
from bookstore.books as b
group by b.author_id
having count(*) = 1
order by b.author_id
limit 1;

-- name: bench_largest_category()$
-- Returns the id of the category with the most books.
select bc.category_id
from bookstore.book_category as bc
group by bc.category_id
order by count(*) desc, bc.category_id asc
limit 1;
