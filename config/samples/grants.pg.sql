-- Per-database grants; run connected to each sample database as its owner.
GRANT USAGE ON SCHEMA public TO exo_ai, reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO exo_ai;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO exo_ai;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
