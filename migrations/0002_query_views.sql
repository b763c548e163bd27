-- Query views (issue 8): filled in by the query surface work.
SELECT 1;
