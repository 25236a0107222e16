-- Demo roles (docs/architecture.md, "Fixed names"). Run as the superuser on database postgres.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
    CREATE ROLE app LOGIN CREATEDB PASSWORD 'app';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'exo_ai') THEN
    CREATE ROLE exo_ai LOGIN PASSWORD 'exo_ai';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reader') THEN
    CREATE ROLE reader LOGIN PASSWORD 'reader';
  END IF;
END
$$;
-- app also runs the tenant clones (docs/tenants.md): it creates the tenants'
-- roles and closes idle sessions on a template while cloning it.
ALTER ROLE app CREATEROLE;
GRANT pg_signal_backend TO app;
