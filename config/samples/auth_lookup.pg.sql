-- sqlwarden's auth_query lookup function (docs/auth-query.md), as PgBouncer
-- documents its own: a SECURITY DEFINER function, so the auth_user needs no
-- access to pg_authid. Run as a superuser in every database clients connect
-- to (or only in the one auth_dbname names), after creating the auth_user:
--   CREATE ROLE sqlwarden_auth LOGIN PASSWORD '...';
CREATE SCHEMA IF NOT EXISTS sqlwarden;
REVOKE ALL ON SCHEMA sqlwarden FROM PUBLIC;
GRANT USAGE ON SCHEMA sqlwarden TO sqlwarden_auth;

CREATE OR REPLACE FUNCTION sqlwarden.user_lookup(i_username text)
RETURNS TABLE (rolname text, rolpassword text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.rolname::text, a.rolpassword
  FROM pg_catalog.pg_authid a
  WHERE a.rolname = i_username
    AND a.rolcanlogin
    AND NOT a.rolsuper  -- superusers log in directly, never through the proxy
    AND (a.rolvaliduntil IS NULL OR a.rolvaliduntil > now())
$$;

REVOKE ALL ON FUNCTION sqlwarden.user_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sqlwarden.user_lookup(text) TO sqlwarden_auth;
