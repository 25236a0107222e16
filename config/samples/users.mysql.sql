-- Demo users (docs/architecture.md, "Fixed names"): app is administrative, exo_ai has seed 000's
-- grants, reader may only SELECT. The backend's privileges are a second
-- line of defence behind sqlwarden's policy.
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app';
GRANT ALL PRIVILEGES ON *.* TO 'app'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'exo_ai'@'%' IDENTIFIED BY 'exo_ai';
GRANT SELECT, INSERT, UPDATE, DELETE, SHOW VIEW ON exo_cluster.* TO 'exo_ai'@'%';
CREATE USER IF NOT EXISTS 'reader'@'%' IDENTIFIED BY 'reader';
GRANT SELECT ON exo_cluster.* TO 'reader'@'%';
FLUSH PRIVILEGES;
