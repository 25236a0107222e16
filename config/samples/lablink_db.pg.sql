-- Seed 002's LabLink database. Run connected to lablink_db.
CREATE TABLE IF NOT EXISTS vms (
    id SERIAL PRIMARY KEY,
    hostname VARCHAR(255) NOT NULL UNIQUE,
    email VARCHAR(255),
    status VARCHAR(50) NOT NULL,
    crd_command TEXT,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);

CREATE OR REPLACE FUNCTION notify_vm_changes()
RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('vm_updates', row_to_json(NEW)::text);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS vm_update_trigger ON vms;
CREATE TRIGGER vm_update_trigger
AFTER INSERT OR UPDATE ON vms
FOR EACH ROW
EXECUTE FUNCTION notify_vm_changes();

INSERT INTO vms (hostname, email, status, crd_command, created_at, updated_at) VALUES
    ('i-0abc123def456', 'user@example.com', 'in-use', 'python train.py', '2025-01-15 10:30:00', '2025-01-15 10:35:00'),
    ('i-0abc123def457', NULL, 'available', NULL, '2025-01-15 10:31:00', '2025-01-15 10:31:00'),
    ('i-0abc123def458', NULL, 'available', NULL, '2025-01-15 10:32:00', '2025-01-15 10:32:00'),
    ('i-0abc123def459', 'ops@example.com', 'failed', 'bash setup.sh', '2025-01-15 10:33:00', '2025-01-15 10:40:00');
